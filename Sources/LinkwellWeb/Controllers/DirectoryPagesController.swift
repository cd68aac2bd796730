import Foundation
import Hummingbird
import LinkwellCore

/// The directory for scheme staff: search and match, service pages with private feedback, providers
/// editing their own listings, the admin's review queue, and the admin import API.
struct DirectoryPagesController: Sendable {
    let directory: DirectoryService
    let casework: CaseworkService
    let renderer: PageRenderer
    let configuration: WebConfiguration
    var store: any LinkwellStore { casework.store }

    struct ReviewPage: Sendable {
        struct Row: Sendable { var id, name, organisation, state, verified: String; var stale: Bool }
        var rows: [Row]
        var isEmpty: Bool
        var months: Int
    }

    struct EditPage: Sendable {
        var id, name, description, availablePlaces, waitingListWeeks: String
        var statuses: [Choice]
    }

    struct ListingsPage: Sendable {
        struct Row: Sendable { var id, name, status, review: String }
        var rows: [Row]
        var isEmpty: Bool
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/directory") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .admin)
            // A GET form: decode the query as a form (`+` is a space).
            let form = FormData(request.uri.query ?? "")
            var input = Self.input(form)
            let terms = try await directory.allTerms()
            let referral = form["referral"]
            let base = "/directory?" + (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("page=") }.joined(separator: "&")
            var searched = form.values.keys.contains { $0 != "referral" }
            // Picking for a referral out: start from the person's postcode and first need (the read is
            // access-checked and audited like any other read of the case).
            if let referral, !searched {
                let found = try await casework.readCase(ReferralID(referral), .init(p, route: request.routeDescription))
                input.postcode = found.person.postcode
                input.radiusKm = "10"
                input.taxonomyTermID = found.referral.needs.first.map { NeedsTaxonomy.term($0).id }
                searched = true
            }
            var errors: [FieldError] = []
            var matches: [MatchedService]?
            var total = 0
            var query: DirectoryQuery?
            if searched {
                do {
                    let (q, results, m) = try await directory.match(input, by: p)
                    (query, total, matches) = (q, results.total, m)
                } catch LinkwellError.invalid(let e) { errors = e }
            }
            let orgs = try await directory.organisationNames(Set((matches ?? []).compactMap(\.hit.listing.service.organizationID)))
            let page = DirectorySearchPage(input: input, terms: terms, matches: matches, total: total, query: query, organisations: orgs,
                                           referralID: referral, baseQuery: base)
            return try HTML(renderer.render("directory_search", View(title: "Find a community service", context: context, page: page, errors: errors)),
                            status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
        }
        router.get("/directory/services/:id") { request, context in try await servicePage(request, context) }
        router.post("/directory/services/:id/feedback") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .admin)
            let form = try await request.verifiedForm(context)
            do {
                _ = try await directory.addFeedback(serviceID: try context.parameters.require("id"), rating: form.int("rating"), text: form["text"], by: p)
            } catch LinkwellError.invalid(let errors) {
                return try await servicePage(request, context, errors: errors, status: .unprocessableContent)
            }
            return try await servicePage(request, context, notice: "Thank you: your feedback is saved (only scheme staff see it).")
        }
        router.post("/directory/services/:id/verify") { request, context in
            let p = try context.require(.admin)
            _ = try await request.verifiedForm(context)
            try await directory.verify(serviceID: try context.parameters.require("id"), by: p)
            return try await servicePage(request, context, notice: "Listing verified and approved.")
        }
        router.post("/directory/services/:id/governance") { request, context in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            _ = try await directory.recordGovernance(serviceID: try context.parameters.require("id"), constituted: form.flag("constituted"),
                                                     safeguardingPolicy: form.flag("safeguardingPolicy"), insurance: form.flag("insurance"),
                                                     dbsForHomeVisits: form.flag("dbsForHomeVisits"), by: p)
            return try await servicePage(request, context, notice: "Governance checks recorded.")
        }
        router.get("/directory/services/:id/edit") { request, context in
            let p = try context.require(.provider, .admin)
            let listing = try await directory.editableListing(id: try context.parameters.require("id"), by: p)
            return try editPage(request, context, listing, errors: [])
        }
        router.post("/directory/services/:id/edit") { request, context in
            let p = try context.require(.provider, .admin)
            let form = try await request.verifiedForm(context)
            let listing = try await directory.editableListing(id: try context.parameters.require("id"), by: p)
            var s = listing.service
            var v = Validator()
            s.name = v.required(form["name"], "name", label: "The name")
            s.description = v.required(form["description"], "description", label: "The description", max: 4000)
            if let status = v.choice(form["status"], "status", label: "The status", as: HSDSServiceStatus.self) { s.status = status }
            func count(_ field: String) -> Int? {
                guard let text = form[field]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                guard let n = Int(text), n >= 0 else { v.add(field, "Give a whole number of 0 or more, or leave it empty."); return nil }
                return n
            }
            let places = count("availablePlaces"), weeks = count("waitingListWeeks")
            do {
                try v.check()
                try await directory.saveListing(s, by: p)
                try await directory.updateCapacity(serviceID: s.id, availablePlaces: places, waitingListWeeks: weeks, by: p)
            } catch LinkwellError.invalid(let errors) {
                var shown = listing
                shown.service = s
                return try editPage(request, context, shown, errors: errors, form: form)
            }
            return Response(status: .seeOther, headers: [.location: "/directory/services/\(s.id)"])
        }
        router.get("/directory/review") { request, context in
            let p = try context.require(.admin)
            let months = configuration.directoryFreshnessMonths
            let (items, orgs) = try await directory.reviewQueue(freshnessMonths: months, by: p)
            let page = ReviewPage(rows: items.map {
                ReviewPage.Row(id: $0.serviceID, name: $0.name, organisation: $0.organizationID.flatMap { orgs[$0] } ?? "", state: $0.reviewState.label,
                               verified: $0.lastVerifiedAt.map(Format.date) ?? "never", stale: $0.stale)
            }, isEmpty: items.isEmpty, months: months)
            return HTML(renderer.render("directory_review", View(title: "Directory review", context: context, page: page)))
        }
        router.get("/provider/listings") { request, context in
            let p = try context.require(.provider)
            let listings = try await directory.providerListings(by: p)
            let page = ListingsPage(rows: listings.map {
                ListingsPage.Row(id: $0.service.id, name: $0.service.name, status: $0.service.status.label, review: $0.reviewState.label)
            }, isEmpty: listings.isEmpty)
            return HTML(renderer.render("directory_listings", View(title: "Our listings", context: context, page: page)))
        }
        // The admin's import: HSDS/ORUK JSON in the body; `dry_run` and `all_or_nothing` flags.
        router.post("/api/v1/directory/import") { request, context in
            let p = try context.require(.admin)
            var body = request
            let buffer = try await body.collectBody(upTo: 50_000_000)
            var feed = ParsedFeed()
            try DirectoryFeed.parse(Data(buffer: buffer), into: &feed)
            let flags = request.uri.queryParameters
            func flag(_ name: String) -> Bool { flags[Substring(name)].map { $0 == "true" || $0 == "1" || $0 == "yes" } ?? false }
            let report = try await directory.importFeed(feed, dryRun: flag("dry_run"), allOrNothing: flag("all_or_nothing"), verified: p.role == .admin && flag("verified"))
            return json(report, status: report.refused ? .unprocessableContent : .ok)
        }
    }

    static func input(_ form: FormData) -> DirectorySearchInput {
        var values: [String: String] = [:]
        for (k, v) in form.values { values[k] = v.first }
        var input = DirectorySearchInput()
        input.search = values["search"]
        input.page = values["page"]
        input.taxonomyTermID = values["term"]
        input.postcode = values["postcode"]
        input.radiusKm = values["radius"]
        input.openDay = values["day"]
        input.openTime = values["time"]
        input.free = values["free"] != nil
        input.language = values["language"]
        input.accessible = values["accessible"] != nil
        input.age = values["age"]
        input.capacityNow = values["capacity"] != nil
        input.includeClosed = values["closed"] != nil
        return input
    }

    func editPage(_ request: Request, _ context: AppRequestContext, _ listing: DirectoryListing, errors: [FieldError], form: FormData? = nil) throws -> Response {
        let s = listing.service
        let page = EditPage(id: s.id, name: form?["name"] ?? s.name, description: form?["description"] ?? s.description ?? "",
                            availablePlaces: form?["availablePlaces"] ?? listing.capacity?.availablePlaces.map(String.init) ?? "",
                            waitingListWeeks: form?["waitingListWeeks"] ?? listing.capacity?.waitingListWeeks.map(String.init) ?? "",
                            statuses: HSDSServiceStatus.allCases.map { Choice($0.rawValue, $0.label, selected: $0 == s.status) })
        return try HTML(renderer.render("directory_edit", View(title: "Edit \(s.name)", context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func servicePage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [], status: HTTPResponse.Status = .ok,
                     notice: String? = nil) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor, .admin, .provider)
        let view = try await directory.serviceView(id: try context.parameters.require("id"), by: p)
        let listing = view.listing
        let names = Dictionary(try await store.users().map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let page = DirectoryServicePage(listing, organisation: view.organisation, terms: view.terms, history: view.history,
                                        feedback: view.feedback, governance: view.governance,
                                        names: names, viewer: p, now: casework.env.now(), freshnessMonths: configuration.directoryFreshnessMonths)
        return try HTML(renderer.render("directory_service", View(title: listing.service.name, context: context, page: page, errors: errors, notice: notice)),
                        status: status).response(from: request, context: context)
    }
}
