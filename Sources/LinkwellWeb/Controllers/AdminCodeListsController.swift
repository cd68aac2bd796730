import Foundation
import Hummingbird
import LinkwellCore

/// `/admin/code-lists`: the code lists for administrators, through `CodeListService` like the API.
struct AdminCodeListsController: Sendable {
    let codeLists: CodeListService
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/code-lists") { request, context -> Response in
            _ = try context.require(.admin)
            let raw = request.query("list") ?? CodeListKind.needs.rawValue
            guard let list = CodeListKind(rawValue: raw) else { throw LinkwellError.notFound("code list") }
            return try await page(request, context, list)
        }
        router.post("/admin/code-lists/:list") { request, context -> Response in
            let p = try context.require(.admin)
            let list = try list(context)
            let form = try await request.verifiedForm(context)
            do {
                _ = try await codeLists.save(ConceptInput(key: form["key"], system: form["system"], code: form["code"], display: form["display"],
                                                          source: form["source"]), in: list, .init(p, route: request.routeDescription))
                return .redirect(to: "/admin/code-lists?list=\(list.rawValue)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await page(request, context, list, form: form, errors: errors, status: .unprocessableContent)
            }
        }
        router.post("/admin/code-lists/:list/import") { request, context -> Response in
            let p = try context.require(.admin)
            let list = try list(context)
            let form = try await request.verifiedForm(context)
            do {
                let saved = try await codeLists.importCSV(form["csv"] ?? "", into: list, .init(p, route: request.routeDescription))
                return try await page(request, context, list, imported: saved.count)
            } catch LinkwellError.invalid(let errors) {
                // Row errors name `rows[n].field`; on the page they belong to the CSV box, each worded by the page's catalogue.
                return try await page(request, context, list, errors: errors.map { FieldError("csv", .partProblem, ["part": $0.field, "problem": context.messages.message($0)]) },
                                      status: .unprocessableContent)
            }
        }
    }

    private func list(_ context: AppRequestContext) throws -> CodeListKind {
        guard let list = CodeListKind(rawValue: try context.parameters.require("list")) else { throw LinkwellError.notFound("code list") }
        return list
    }

    private func page(_ request: Request, _ context: AppRequestContext, _ list: CodeListKind, form: FormData? = nil, errors: [FieldError] = [],
                      imported: Int? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let page = CodeListsPage(list, concepts: try await codeLists.list(list), form: form, imported: imported, context.messages)
        return try HTML(renderer.render(.adminCodeLists, View(title: context.messages.text("titles.codeLists"), context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }
}
