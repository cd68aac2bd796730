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
    let jobs: ImportJobRunner

    func register(on router: Router<AppRequestContext>) {
        router.get("/directory") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .admin)
            // A GET form: decode the query as a form (`+` is a space).
            let form = FormData(request.uri.query ?? "")
            var input = Self.input(form)
            let terms = try await directory.allTerms()
            let referral = form["referral"]
            var searched = form.values.keys.contains { $0 != "referral" }
            // Picking for a referral out: start from the person's postcode and first need (the read is
            // access-checked and audited like any other read of the case).
            if let referral, !searched {
                let found = try await casework.readCase(ReferralID(referral), .init(p, route: request.routeDescription))
                input.postcode = found.person.postcode
                input.radiusKm = "10"
                input.taxonomyTermID = (found.profile.last { $0.kind == .need && $0.isCurrent }?.need ?? found.currentNeeds.first).map { NeedsTaxonomy.term($0).id }
                searched = true
            }
            var errors: [FieldError] = []
            var matches: [MatchedService]?
            var total = 0
            var query: DirectoryQuery?
            var notice: String?
            if searched {
                do {
                    let (q, results, m, n) = try await directory.match(input, by: p)
                    (query, total, matches, notice) = (q, results.total, m, n)
                } catch LinkwellError.invalid(let e) { errors = e }
            }
            let orgs = try await directory.organisationNames(Set((matches ?? []).compactMap(\.hit.listing.service.organizationID)))
            let governance = try await directory.governanceStandings(Set((matches ?? []).compactMap(\.hit.listing.service.organizationID)), by: p)
            var page = DirectorySearchPage(input: input, terms: terms, matches: matches, total: total, query: query, organisations: orgs,
                                           referralID: referral, request: request, governance: governance, context.messages)
            page.serviceQuery = DirectoryReturn.query(referral: referral, back: "/directory?" + (request.uri.query ?? ""))
            return try HTML(renderer.render(.directorySearch, View(title: context.messages.text("titles.findACommunityService"), context: context, page: page, errors: errors, notice: notice)),
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
            return try await servicePage(request, context, notice: context.messages.text("notice.feedbackSaved"))
        }
        router.post("/directory/services/:id/verify") { request, context in
            let p = try context.require(.admin)
            _ = try await request.verifiedForm(context)
            try await directory.verify(serviceID: try context.parameters.require("id"), by: p)
            return try await servicePage(request, context, notice: context.messages.text("notice.listingApproved"))
        }
        router.post("/directory/services/:id/governance") { request, context in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            do {
                _ = try await directory.recordGovernance(serviceID: try context.parameters.require("id"), constituted: form.flag("constituted"),
                                                         safeguardingPolicy: form.flag("safeguardingPolicy"), insurance: form.flag("insurance"),
                                                         dbsForHomeVisits: form.flag("dbsForHomeVisits"),
                                                         expiries: GovernanceExpiries(safeguardingPolicyExpires: form["safeguardingPolicyExpires"],
                                                                                      insuranceExpires: form["insuranceExpires"], dbsExpires: form["dbsExpires"]),
                                                         by: p)
            } catch LinkwellError.invalid(let errors) {
                return try await servicePage(request, context, errors: errors, status: .unprocessableContent)
            }
            return try await servicePage(request, context, notice: context.messages.text("notice.governanceRecorded"))
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
            s.name = v.required(form["name"], "name", label: .theName)
            s.description = v.required(form["description"], "description", label: .theDescription, max: 4000)
            if let status = v.choice(form["status"], "status", label: .theStatus, as: HSDSServiceStatus.self) { s.status = status }
            func count(_ field: String) -> Int? {
                guard let text = form[field]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                guard let n = Int(text), n >= 0 else { v.add(field, .wholeNumberOrEmpty); return nil }
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
            let (queue, orgs) = try await directory.reviewQueue(freshnessMonths: months, page: try request.pageNumber(), by: p)
            let items = queue.rows
            let t = context.messages
            var page = ReviewPage(rows: items.map {
                ReviewPage.Row(id: $0.serviceID, name: $0.name, organisation: $0.organizationID.flatMap { orgs[$0] } ?? "", state: t.label($0.reviewState),
                               verified: $0.lastVerifiedAt.map(t.date) ?? t.text("directoryReview.neverVerified"), stale: $0.stale,
                               conflicts: $0.conflicts.isEmpty ? nil : $0.conflicts.joined(separator: ", "))
            }, isEmpty: items.isEmpty, months: months, links: PageLinks(queue, list: "listings", request: request, context.messages))
            page.due = try await directory.governanceDue(by: p).map { due in
                // The check by its code (Core names it in English for the API).
                return ReviewPage.Due(organisation: due.organisationName, check: t.text("governance.check.\(due.checkCode.rawValue)"),
                                      expires: t.date(due.expires), expired: due.expired)
            }
            page.hasDue = !page.due.isEmpty
            return HTML(renderer.render(.directoryReview, View(title: context.messages.text("titles.directoryReview"), context: context, page: page)))
        }
        router.get("/provider/listings") { request, context in
            let p = try context.require(.provider)
            let listings = try await directory.providerListings(page: try request.pageNumber(), by: p)
            let page = ListingsPage(rows: listings.rows.map {
                ListingsPage.Row(id: $0.service.id, name: $0.service.name, status: context.messages.label($0.service.status),
                                 review: context.messages.label($0.reviewState))
            }, isEmpty: listings.rows.isEmpty, links: PageLinks(listings, list: "listings", request: request, context.messages))
            return HTML(renderer.render(.directoryListings, View(title: context.messages.text("titles.ourListings"), context: context, page: page)))
        }
        // Registered feeds: the admin's list with each feed's last sync, a form to add one, "sync now".
        router.get("/admin/feeds") { request, context in
            let p = try context.require(.admin)
            return try await feedsPage(request, context, p)
        }
        router.post("/admin/feeds") { request, context in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            let url = form["url"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let source = URL(string: url).map(FeedReader.sourceName) ?? url
            do {
                let minutes = form["intervalMinutes"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                if let text = form["intervalMinutes"], !text.trimmingCharacters(in: .whitespaces).isEmpty, minutes == nil {
                    throw LinkwellError.invalid([FieldError("intervalMinutes", .minutesNotWholeNumber)])
                }
                _ = try await directory.registerFeed(url: url, intervalMinutes: minutes, source: source, by: p)
            } catch LinkwellError.invalid(let errors) {
                return try await feedsPage(request, context, p, errors: errors, form: form)
            }
            return Response(status: .seeOther, headers: [.location: "/admin/feeds"])
        }
        // "Sync now" runs as a job: the admin follows its progress on the job's page.
        router.post("/admin/feeds/:id/sync") { request, context in
            let p = try context.require(.admin)
            _ = try await request.verifiedForm(context)
            let feed = try await directory.registeredFeed(id: try context.parameters.require("id"), by: p)
            let job = try await jobs.start(source: feed.source, by: p) { progress in
                // A bad feed fails the job with its own failure (unreadable, or the records refused), coded by the job.
                try await FeedSyncer(directory: directory).sync(feed, progress: progress).get()
            }
            return Response(status: .seeOther, headers: [.location: "/admin/imports/\(job.id)"])
        }
        // A one-off import from a feed URL, as a job.
        router.post("/admin/imports") { request, context in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            let url = form["importURL"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count <= 2000, let parsed = URL(string: url), parsed.host != nil else {
                return try await feedsPage(request, context, p, errors: [FieldError("importURL", .feedURLRequired)], form: form)
            }
            let source = FeedReader.sourceName(parsed)
            let full = form.flag("full")
            let job = try await jobs.start(source: source, by: p) { progress in
                try await FeedSyncer(directory: directory).importURL(url, source: source, full: full, progress: progress)
            }
            return Response(status: .seeOther, headers: [.location: "/admin/imports/\(job.id)"])
        }
        router.get("/admin/imports/:id") { request, context in
            let p = try context.require(.admin)
            let job = try await directory.importJob(id: try context.parameters.require("id"), by: p)
            return HTML(renderer.render(.directoryImportJob, View(title: context.messages.text("titles.directoryImport"), context: context, page: ImportJobPage(job, context.messages))))
        }

        // The admin's import: HSDS/ORUK JSON in the body (`kind` says what it holds unless it lists
        // records under their type); `dry_run`, `all_or_nothing`, `verified`, `full`, `source` flags.
        router.post("/api/v1/directory/import") { request, context in
            let p = try context.require(.admin)
            let (feed, options) = try await Self.importRequest(request, p)
            // One request may not hold the database for long: larger feeds go through the job API or the command.
            var v = Validator()
            v.atMost(feed.records.count + feed.rejected.count, Limits.importRecordsPerRequest, "records", .directoryRecordsInOneImportRequest)
            try v.check()
            let report = try await directory.importFeed(feed, options)
            return json(report, status: report.refused ? .unprocessableContent : .ok)
        }
        // The same as a job: answers 202 at once with the job's id; its status (and, when done, the
        // report) is at /api/v1/directory/import/jobs/{id}.
        router.post("/api/v1/directory/import/jobs") { request, context in
            let p = try context.require(.admin)
            let (feed, options) = try await Self.importRequest(request, p)
            let job = try await jobs.start(source: feed.source, by: p) { progress in try await directory.importFeed(feed, options, progress: progress) }
            var response = json(["id": job.id, "status": job.status.rawValue, "status_url": "/api/v1/directory/import/jobs/\(job.id)"], status: .accepted)
            response.headers[.location] = "/api/v1/directory/import/jobs/\(job.id)"
            return response
        }
        router.get("/api/v1/directory/import/jobs/:id") { _, context in
            let p = try context.require(.admin)
            return json(try await directory.importJob(id: try context.parameters.require("id"), by: p))
        }
    }

    /// Reads an import request: the body (up to 50 MB) and its flags. Unreadable JSON is a 422 naming
    /// the line and column.
    static func importRequest(_ request: Request, _ p: Principal) async throws -> (ParsedFeed, ImportOptions) {
        var body = request
        let buffer = try await body.collectBody(upTo: 50_000_000)
        let flags = request.uri.queryParameters
        func flag(_ name: String) -> Bool { flags[Substring(name)].map { $0 == "true" || $0 == "1" || $0 == "yes" } ?? false }
        var kind: HSDSKind?
        if let k = flags["kind"].map(String.init) {
            guard let parsed = HSDSKind(rawValue: k) ?? HSDSKind.named(k) else {
                throw LinkwellError.invalid([.apiOnly("kind", "kind must be one of \(HSDSKind.allCases.map(\.rawValue).joined(separator: ", ")).")])
            }
            kind = parsed
        }
        var feed = ParsedFeed(source: flags["source"].map(String.init).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? "api")
        feed.full = flag("full")
        do { try DirectoryFeed.parse(Data(buffer: buffer), kind: kind, name: "", into: &feed) }
        catch let e as FeedUnreadable { throw LinkwellError.invalid([.apiOnly("feed", "The body is not readable JSON: line \(e.line), column \(e.column): \(e.message).")]) }
        var options = ImportOptions(dryRun: flag("dry_run"), allOrNothing: flag("all_or_nothing"), verified: p.role == .admin && flag("verified"))
        if let b = flags["bounds"] { options.bounds = try GeoBounds.parse(String(b)) }
        return (feed, options)
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

    func feedsPage(_ request: Request, _ context: AppRequestContext, _ p: Principal, errors: [FieldError] = [], form: FormData? = nil) async throws -> Response {
        // Numbered pages in the order the feeds were added, searched by URL in the store.
        let search = request.query("search") ?? ""
        let shown = try await directory.registeredFeeds(search: search, page: try request.pageNumber(), by: p)
        let feeds = shown.rows
        let t = context.messages
        let jobs = try await directory.importJobs(by: p).map { ImportJobPage($0, t) }
        let page = FeedsPage(rows: feeds.map { f in
            let c = f.lastCounts
            return FeedsPage.Row(id: f.id, url: f.url, interval: f.intervalMinutes % 60 == 0 ? t.text("directoryFeeds.intervalHours", ["hours": String(f.intervalMinutes / 60)])
                                    : t.text("directoryFeeds.intervalMinutes", ["minutes": String(f.intervalMinutes)]),
                                 lastSync: f.lastSyncAt.map(t.dateTime) ?? t.text("directoryFeeds.never"), added: c.map { "\($0.added)" } ?? "",
                                 changed: c.map { "\($0.changed)" } ?? "", withdrawn: c.map { "\($0.withdrawn)" } ?? "",
                                 rejected: c.map { "\($0.rejected)" } ?? "", error: f.lastError ?? "",
                                 status: f.lastStatus.map { t.optional("directoryFeeds.status.\($0)") ?? $0 })
        }, isEmpty: feeds.isEmpty, url: form?["url"] ?? "", intervalMinutes: form?["intervalMinutes"] ?? "1440",
           jobs: jobs, hasJobs: !jobs.isEmpty, importURL: form?["importURL"] ?? "",
           links: PageLinks(shown, list: "feeds", request: request, context.messages), search: search, isFiltered: !search.isEmpty)
        return try HTML(renderer.render(.directoryFeeds, View(title: context.messages.text("titles.directoryFeeds"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func editPage(_ request: Request, _ context: AppRequestContext, _ listing: DirectoryListing, errors: [FieldError], form: FormData? = nil) throws -> Response {
        let s = listing.service
        let page = EditPage(id: s.id, name: form?["name"] ?? s.name, description: form?["description"] ?? s.description ?? "",
                            availablePlaces: form?["availablePlaces"] ?? listing.capacity?.availablePlaces.map(String.init) ?? "",
                            waitingListWeeks: form?["waitingListWeeks"] ?? listing.capacity?.waitingListWeeks.map(String.init) ?? "",
                            statuses: HSDSServiceStatus.allCases.map { Choice($0.rawValue, $0.label, selected: $0 == s.status) })
        return try HTML(renderer.render(.directoryEdit, View(title: context.messages.text("titles.editService", ["service": s.name]), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func servicePage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [], status: HTTPResponse.Status = .ok,
                     notice: String? = nil) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor, .admin, .provider)
        let view = try await directory.serviceView(id: try context.parameters.require("id"), by: p)
        let listing = view.listing
        let names = try await casework.staffNames(namedIn: view.history, view.feedback, view.governance)
        var page = DirectoryServicePage(listing, organisation: view.organisation, terms: view.terms, history: view.history,
                                        feedback: view.feedback, governance: view.governance,
                                        names: names, viewer: p, now: casework.env.now(), freshnessMonths: configuration.directoryFreshnessMonths,
                                        context.messages)
        if p.role == .linkWorker || p.role == .supervisor {
            let query = request.uri.queryParameters
            page.backLink = query["back"].map(String.init).flatMap { DirectoryReturn.isResults($0) ? $0 : nil }
            if let referral = query["referral"].map(String.init), !referral.isEmpty, listing.service.status == .active {
                page.referLink = DirectoryReturn.referLink(referral: referral, service: listing.service.id)
            }
        }
        return try HTML(renderer.render(.directoryService, View(title: listing.service.name, context: context, page: page, errors: errors, notice: notice)),
                        status: status).response(from: request, context: context)
    }
}
