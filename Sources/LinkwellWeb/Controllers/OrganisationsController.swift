import Foundation
import Hummingbird
import LinkwellCore

/// The administrator's organisations register (GP practices with their ODS codes, PCNs, ICBs, councils,
/// VCSE groups), as pages and as `/api/v1` routes: list, add, edit, and import an ODS CSV extract.
struct OrganisationsController: Sendable {
    let organisations: OrganisationService
    let renderer: PageRenderer

    /// `POST /api/v1/organisations/import`: the extract's text, the kind of the organisations it adds.
    struct ImportInput: Codable, Sendable {
        var csv: String?
        var kind: String?
        var allOrNothing: Bool?
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/organisations") { request, context -> Response in
            try await listPage(request, context, form: nil)
        }
        router.post("/admin/organisations") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            do {
                _ = try await organisations.save(OrganisationInput(form: form), id: nil, .init(p, route: request.routeDescription))
                return .redirect(to: "/admin/organisations", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await listPage(request, context, form: form, errors: errors, status: .unprocessableContent)
            }
        }
        router.post("/admin/organisations/import") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            let kind = OrganisationKind(rawValue: form["kind"] ?? "") ?? .gpPractice
            do {
                let report = try await organisations.importExtract(form["csv"] ?? "", kind: kind, allOrNothing: form.flag("allOrNothing"),
                                                                   .init(p, route: request.routeDescription))
                return try await listPage(request, context, form: nil, report: report)
            } catch LinkwellError.invalid(let errors) {
                return try await listPage(request, context, form: nil, errors: errors.map { $0.at($0.field == "file" ? "csv" : $0.field) },
                                          status: .unprocessableContent)
            }
        }
        router.get("/admin/organisations/:id") { request, context -> Response in
            try await editPage(request, context, form: nil)
        }
        router.post("/admin/organisations/:id") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            let id = OrganisationID(try context.parameters.require("id"))
            do {
                _ = try await organisations.save(OrganisationInput(form: form), id: id, .init(p, route: request.routeDescription))
                return .redirect(to: "/admin/organisations", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await editPage(request, context, form: form, errors: errors, status: .unprocessableContent)
            }
        }

        let api = router.group("api/v1")
        api.get("organisations") { request, context -> Response in
            let p = try context.require(.admin)
            return pagedJSON(try await organisations.organisations(page: try request.pageRequest(), .init(p, route: request.routeDescription)), request: request)
        }
        api.post("organisations") { request, context -> Response in
            let p = try context.require(.admin)
            let created = try await organisations.save(try await request.json(OrganisationInput.self), id: nil, .init(p, route: request.routeDescription))
            var response = json(created, status: .created)
            response.headers[.location] = "/api/v1/organisations/\(created.id)"
            return response
        }
        api.get("organisations/:id") { request, context -> Response in
            let p = try context.require(.admin)
            return json(try await organisations.organisation(OrganisationID(try context.parameters.require("id")), .init(p, route: request.routeDescription)))
        }
        api.put("organisations/:id") { request, context -> Response in
            let p = try context.require(.admin)
            let input = try await request.json(OrganisationInput.self)
            return json(try await organisations.save(input, id: OrganisationID(try context.parameters.require("id")), .init(p, route: request.routeDescription)))
        }
        api.post("organisations/import") { request, context -> Response in
            let p = try context.require(.admin)
            let input = try await request.json(ImportInput.self)
            var v = Validator()
            let kind = (input.kind ?? "").isEmpty ? .gpPractice : v.choice(input.kind, "kind", label: .kindOfOrganisation, as: OrganisationKind.self)
            if (input.csv ?? "").isEmpty { v.add("csv", .extractRequired) }
            try v.check()
            do {
                let report = try await organisations.importExtract(input.csv ?? "", kind: kind!, allOrNothing: input.allOrNothing ?? false,
                                                                   .init(p, route: request.routeDescription))
                // Refused rows with nothing stored is bad input; a partial import answers with its report.
                if !report.rejected.isEmpty && report.created + report.updated == 0 {
                    throw LinkwellError.invalid(report.rejected.map { FieldError.apiOnly("csv", "Line \($0.line) (\($0.field)): \($0.message)") })
                }
                return json(report)
            } catch LinkwellError.invalid(let errors) {
                throw LinkwellError.invalid(errors.map { $0.at($0.field == "file" ? "csv" : $0.field) })
            }
        }
    }

    func listPage(_ request: Request, _ context: AppRequestContext, form: FormData?, errors: [FieldError] = [],
                  report: OrganisationImportReport? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.admin)
        // Numbered pages in name order (a national practice import holds about 13,000), searched in the store.
        let search = request.query("search") ?? ""
        let kindText = request.query("kind") ?? ""
        guard kindText.isEmpty || OrganisationKind(rawValue: kindText) != nil else {
            throw LinkwellError.invalid([FieldError("kind", .chooseOrganisationKind)])
        }
        let shown = try await organisations.organisations(matching: OrganisationFilter(search: search, kind: OrganisationKind(rawValue: kindText)),
                                                          page: try request.pageNumber(), .init(p, route: request.routeDescription))
        var page = OrganisationsPage(shown.rows, form: form, report: report, context.messages)
        page.search = search
        page.kindFilter = [Choice("", context.messages.text("staffLists.anyKind"), selected: kindText.isEmpty)]
            + OrganisationKind.allCases.map { Choice($0.rawValue, context.messages.label($0), selected: $0.rawValue == kindText) }
        page.links = PageLinks(shown, list: "organisations", request: request, context.messages)
        return try HTML(renderer.render(.adminOrganisations, View(title: context.messages.text("titles.organisations"), context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }

    func editPage(_ request: Request, _ context: AppRequestContext, form: FormData?, errors: [FieldError] = [],
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.admin)
        let found = try await organisations.organisation(OrganisationID(try context.parameters.require("id")), .init(p, route: request.routeDescription))
        let page = OrganisationsPage.Fields(found, form: form, context.messages)
        return try HTML(renderer.render(.adminOrganisation, View(title: found.name, context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }
}

extension OrganisationInput {
    /// The organisation form's fields, named as in the JSON API.
    init(form f: FormData) {
        self.init(name: f["name"], kind: f["kind"], odsCode: f["odsCode"], address: f["address"], postcode: f["postcode"],
                  email: f["email"], phone: f["phone"])
    }
}
