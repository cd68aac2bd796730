import Foundation
import Hummingbird
import LinkwellCore

/// `/api/v1/code-lists`: the code lists as data. Anyone signed in reads them; administrators map a value
/// to a SNOMED CT concept (citing its source) or import mappings from CSV.
struct CodeListsController: Sendable {
    let codeLists: CodeListService

    struct ImportInput: Codable, Sendable { var csv: String? }

    func register(on router: Router<AppRequestContext>) {
        let api = router.group("api/v1")
        api.get("code-lists") { _, context -> Response in
            _ = try context.requirePrincipal()
            var all: [String: [CodedConcept]] = [:]
            for list in CodeListKind.allCases { all[list.rawValue] = try await codeLists.list(list) }
            return json(all)
        }
        api.get("code-lists/:list") { _, context -> Response in
            _ = try context.requirePrincipal()
            return json(try await codeLists.list(try list(context)))
        }
        api.put("code-lists/:list/:key") { request, context -> Response in
            let p = try context.require(.admin)
            var input = try await request.json(ConceptInput.self)
            input.key = try context.parameters.require("key")
            return json(try await codeLists.save(input, in: try list(context), .init(p, route: request.routeDescription)))
        }
        api.post("code-lists/:list/import") { request, context -> Response in
            let p = try context.require(.admin)
            let input = try await request.json(ImportInput.self)
            return json(try await codeLists.importCSV(input.csv ?? "", into: try list(context), .init(p, route: request.routeDescription)))
        }
    }

    private func list(_ context: AppRequestContext) throws -> CodeListKind {
        guard let list = CodeListKind(rawValue: try context.parameters.require("list")) else { throw LinkwellError.notFound("code list") }
        return list
    }
}
