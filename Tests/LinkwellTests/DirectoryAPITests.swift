import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The ORUK feed and the admin import API through the real router, on every backend.
@Suite("Directory API", .closesStores)
struct DirectoryAPITests {
    typealias F = DirectoryFixture

    /// The ORUK feed (anonymous, open to every origin) and the admin import, over the shared `APIClient`.
    struct Client {
        let api: APIClient
        var s: TestScheme { api.s }

        @discardableResult
        func get(_ uri: String, expect status: HTTPResponse.Status = .ok) async throws -> [String: Any] {
            let (response, text) = try await api.send(.get, uri, as: nil)
            #expect(response.status == status, "GET \(uri): \(text)")
            #expect(response.headers[.accessControlAllowOrigin] == "*", "CORS on \(uri)")
            if status.code >= 400 { #expect(response.headers[.contentType] == "application/problem+json") }
            return APIClient.parse(text)
        }

        func text(_ uri: String) async throws -> String { try await api.send(.get, uri, as: nil).1 }

        @discardableResult
        func importFeed(_ body: String, _ query: String = "", as user: User? = nil, expect status: HTTPResponse.Status = .ok) async throws -> [String: Any] {
            let (response, text) = try await api.send(.post, "/api/v1/directory/import\(query)", as: user ?? s.admin, json: body)
            #expect(response.status == status, "import: \(text)")
            return APIClient.parse(text)
        }
    }

    func withAPI(_ backend: TestBackend, seed: Bool = true, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        if seed {
            try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: true)
            try await s.store.savePostcodes(try PostcodePoint.parseONSCSV("pcds,lat,long\nLS1 4AP,53.7961,-1.5482\n"))
        }
        try await withRouter(s) { client in try await body(Client(api: APIClient(client: client, s: s))) }
    }

    static func ids(_ page: [String: Any]) -> [String] { (page["contents"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }

    @Test("The ORUK feed: paging object, filters, nested detail, open to all", arguments: TestBackend.available)
    func feed(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let about = try await api.get("/oruk/")
            #expect(about["version"] as? String == "3.0")
            let all = try await api.get("/oruk/services?per_page=2")
            #expect(all["total_items"] as? Int == 5 && all["total_pages"] as? Int == 3 && all["page_number"] as? Int == 1)
            #expect(all["size"] as? Int == 2 && all["first_page"] as? Bool == true && all["last_page"] as? Bool == false && all["empty"] as? Bool == false)
            let last = try await api.get("/oruk/services?per_page=2&page=3")
            #expect(last["last_page"] as? Bool == true && Self.ids(last).count == 1)
            #expect(Set(Self.ids(try await api.get("/oruk/services?search=walks"))) == [F.walksID, F.choirID, F.closedID])
            #expect(Set(Self.ids(try await api.get("/oruk/services?taxonomy_term_id=\(F.debt.id)"))) == [F.debtID])
            #expect(Set(Self.ids(try await api.get("/oruk/services?organization_id=\(F.moneyOrg)"))) == [F.debtID, F.swimID])
            #expect(Set(Self.ids(try await api.get("/oruk/services?modified_after=2024-10-01T00:00:00Z"))) == [F.swimID, F.closedID])
            #expect(Self.ids(try await api.get("/oruk/services?postcode=ls14ap&proximity=5000")) == [F.closedID, F.walksID, F.choirID])
            #expect(Self.ids(try await api.get("/oruk/services?lat=53.7961&long=-1.5482&proximity=1000&search=group")) == [F.walksID])
            #expect(Self.ids(try await api.get("/oruk/services?open_day=WE&open_time=19:00")) == [F.choirID])
            let list = try await api.get("/oruk/services?search=choir")
            let item = try #require((list["contents"] as? [[String: Any]])?.first)
            #expect((item["organization"] as? [String: Any])?["name"] as? String == "Riverside Walkers")
            #expect(item["service_at_locations"] == nil, "list items carry one-to-one fields only")

            let detail = try await api.get("/oruk/services/\(F.debtID)")
            #expect(detail["status"] as? String == "active")
            let attribute = try #require((detail["attributes"] as? [[String: Any]])?.first)
            let term = try #require(attribute["taxonomy_term"] as? [String: Any])
            #expect(term["name"] as? String == F.debt.name && (term["taxonomy_detail"] as? [String: Any])?["name"] as? String == "Linkwell needs")
            let location = try #require(((detail["service_at_locations"] as? [[String: Any]])?.first)?["location"] as? [String: Any])
            #expect(location["latitude"] as? Double == 53.845)

            #expect((try await api.get("/oruk/organizations"))["total_items"] as? Int == 2)
            #expect((try await api.get("/oruk/organizations/\(F.moneyOrg)"))["name"] as? String == "Money Matters")
            #expect((try await api.get("/oruk/taxonomies"))["total_items"] as? Int == 1)
            #expect((try await api.get("/oruk/taxonomy_terms?per_page=100"))["total_items"] as? Int == Need.allCases.count)
            #expect((try await api.get("/oruk/taxonomy_terms/\(F.debt.id)"))["name"] as? String == F.debt.name)
            try await api.get("/oruk/services/nope", expect: .notFound)
            try await api.get("/oruk/organizations/nope", expect: .notFound)
        }
    }

    @Test("Bad parameters get a clear 4xx naming the parameter", arguments: [
        ("per_page=0", "per_page"), ("per_page=10000", "per_page"), ("page=0", "page"), ("page=99", "page"),
        ("postcode=NOT A POSTCODE", "postcode"), ("postcode=ZZ9%209ZZ", "postcode"), ("lat=95&long=0", "point.latitude"),
        ("lat=50&long=-200", "point.longitude"), ("modified_after=yesterday", "modified_after"), ("proximity=-5", "proximity"),
        ("proximity=1000", "proximity"), ("open_day=XX&open_time=10:00", "open_day"), ("open_day=MO&open_time=25:99", "open_time"),
    ])
    func badInput(query: String, field: String) async throws {
        try await withAPI(.memory) { api in
            let problem = try await api.get("/oruk/services?\(query)", expect: .badRequest)
            let fields = (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields.contains(field), "\(query): \(problem)")
        }
    }

    @Test("Only public data goes out: no feedback, capacity or review state", arguments: TestBackend.available)
    func publicOnly(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            try await s.store.addFeedback(ServiceFeedback(id: "fb", serviceID: F.walksID, authorID: s.linkWorker.id, at: s.clock.now,
                                                          rating: 1, text: "PRIVATE-NOTE-1234"))
            try await s.store.updateCare(serviceID: F.walksID, lastVerifiedAt: nil, reviewState: .pendingChange,
                                         capacity: ServiceCapacity(availablePlaces: 77, waitingListWeeks: 9, updatedAt: s.clock.now))
            for uri in ["/oruk/services/\(F.walksID)", "/oruk/services", "/oruk/organizations/\(F.walkersOrg)"] {
                let text = try await api.text(uri)
                #expect(!text.contains("PRIVATE-NOTE") && !text.contains("pending") && !text.contains("77") && !text.contains("capacity"), "\(uri)")
            }
        }
    }

    static let feed = """
        {"organizations": [{"id": "imp-org", "name": "Imported Group", "description": "From another directory", "website": "https://example.org"}],
         "services": [
          {"id": "imp-1", "organization_id": "imp-org", "name": "Imported walks", "status": "active", "description": "Walks",
           "attributes": [{"id": "a1", "taxonomy_term_id": "\(NeedsTaxonomy.term(.physicalActivity).id)"}]},
          {"id": "imp-2", "organization_id": "imp-org", "name": "Negative ages", "status": "active", "minimum_age": -3},
          {"id": "imp-3", "organization_id": "imp-org", "name": "Unknown term", "status": "active",
           "attributes": [{"id": "a3", "taxonomy_term_id": "no-such-term"}]},
          {"id": "imp-4", "organization_id": "imp-org", "name": "Off the map", "status": "active",
           "service_at_locations": [{"id": "sal4", "location": {"id": "l4", "location_type": "physical", "latitude": 123.0, "longitude": 2}}]},
          {"id": "imp-5", "organization_id": "imp-org", "name": "Bad status", "status": "open"}
        ]}
        """

    static func id(_ sourceID: String) -> String { HSDSIdentifiers.map(sourceID, source: "api") }

    @Test("Import keeps good records, names each bad one, and is idempotent", arguments: TestBackend.available)
    func importFeed(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let dry = try await api.importFeed(Self.feed, "?dry_run=true")
            #expect((dry["created"] as? [String: Int])?["service"] == 1 && dry["dryRun"] as? Bool == true)
            #expect(try await api.s.store.listing(id: Self.id("imp-1")) == nil, "a dry run stores nothing")

            let refused = try await api.importFeed(Self.feed, "?all_or_nothing=true", expect: .unprocessableContent)
            #expect(refused["refused"] as? Bool == true)
            #expect(try await api.s.store.listing(id: Self.id("imp-1")) == nil)
            #expect(try await api.s.store.hsdsOrganization(id: Self.id("imp-org")) == nil)

            let report = try await api.importFeed(Self.feed)
            let rejected = report["rejected"] as? [[String: Any]] ?? []
            #expect(rejected.compactMap { $0["id"] as? String }.sorted() == ["imp-2", "imp-3", "imp-4", "imp-5"])
            let problems = rejected.flatMap { ($0["problems"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }
            #expect(problems.contains("minimum_age") && problems.contains("attributes[0].taxonomy_term_id")
                    && problems.contains("service_at_locations[0].location.latitude") && problems.contains("status"), "\(problems)")
            #expect((report["created"] as? [String: Int])?["service"] == 1 && (report["created"] as? [String: Int])?["organization"] == 1)
            let stored = try #require(try await api.s.store.listing(id: Self.id("imp-1")))
            #expect(stored.reviewState == .pendingNew && stored.service.taxonomyTermIDs == [NeedsTaxonomy.term(.physicalActivity).id])
            for id in ["imp-2", "imp-3", "imp-4", "imp-5"] { #expect(try await api.s.store.listing(id: Self.id(id)) == nil) }

            let again = try await api.importFeed(Self.feed)
            #expect((again["unchanged"] as? [String: Int])?["service"] == 1 && (again["created"] as? [String: Int])?["service"] == nil)
            #expect(try await api.s.store.searchDirectory(DirectoryQuery()).total == 6)

            let broken = try await api.importFeed("{\"services\": [\n{not json", "?kind=service", expect: .unprocessableContent)
            #expect("\(broken)".contains("line 2, column 2"), "\(broken)")
            try await api.importFeed("42", "?kind=service", expect: .unprocessableContent)
            try await api.importFeed(#"[{"id": "x", "name": "Guess me"}]"#, expect: .unprocessableContent)
            try await api.importFeed(Self.feed, as: api.s.linkWorker, expect: .forbidden)
            #expect(try await api.s.store.searchDirectory(DirectoryQuery()).total == 6)
        }
    }

    @Test("A large import runs as a job: 202 with an id, then its status and report", arguments: [TestBackend.sqlite])
    func importJob(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let token = try await api.s.token(for: api.s.admin)
            let response = try await api.api.client.execute(uri: "/api/v1/directory/import/jobs", method: .post,
                                                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                        body: ByteBuffer(string: Self.feed))
            #expect(response.status == .accepted)
            let started = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any] ?? [:]
            let url = try #require(started["status_url"] as? String)
            var status: [String: Any] = [:]
            for _ in 0..<200 {
                let r = try await api.api.client.execute(uri: url, method: .get, headers: [.authorization: "Bearer \(token)"])
                status = try JSONSerialization.jsonObject(with: Data(String(buffer: r.body).utf8)) as? [String: Any] ?? [:]
                if status["status"] as? String != "running" { break }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(status["status"] as? String == "done", "\(status)")
            #expect(((status["report"] as? [String: Any])?["created"] as? [String: Int])?["service"] == 1)
            let unknown = try await api.api.client.execute(uri: "/api/v1/directory/import/jobs/nope", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(unknown.status == .notFound)
        }
    }

    @Test("The complete ORUK API: service_at_locations, every UK filter, default page of 50, 400 for unknown parameters, JSON with CORS everywhere",
          arguments: TestBackend.available)
    func completeAPI(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            // service_at_locations: one per service here, each with its service and location.
            let sals = try await api.get("/oruk/service_at_locations?per_page=2")
            #expect(sals["total_items"] as? Int == 5 && (sals["contents"] as? [[String: Any]])?.count == 2)
            let first = try #require((sals["contents"] as? [[String: Any]])?.first)
            #expect((first["service"] as? [String: Any])?["id"] as? String == first["service_id"] as? String)
            #expect((first["location"] as? [String: Any])?["latitude"] != nil && first["location_id"] != nil)
            let salID = try #require(first["id"] as? String)
            let detail = try await api.get("/oruk/service_at_locations/\(salID)")
            #expect(detail["id"] as? String == salID && ((detail["service"] as? [String: Any])?["attributes"] as? [Any]) != nil)
            try await api.get("/oruk/service_at_locations/nope", expect: .notFound)
            let near = try await api.get("/oruk/service_at_locations?postcode=LS1%204AP&proximity=1000")
            #expect(Set((near["contents"] as? [[String: Any]] ?? []).compactMap { $0["service_id"] as? String }) == [F.walksID, F.choirID, F.closedID])

            // UK profile filters.
            #expect(Set(Self.ids(try await api.get("/oruk/services?taxonomy_id=\(NeedsTaxonomy.taxonomy.id)"))).count == 5)
            #expect(Self.ids(try await api.get("/oruk/services?taxonomy_id=no-such-taxonomy")).isEmpty)
            #expect(Set(Self.ids(try await api.get("/oruk/services?minimum_age=18"))) == [F.choirID, F.swimID])
            #expect(Set(Self.ids(try await api.get("/oruk/services?minimum_age=50"))) == [F.swimID])
            #expect(Set(Self.ids(try await api.get("/oruk/services?day=WE"))) == [F.choirID])
            #expect(Set(Self.ids(try await api.get("/oruk/services?day=TU&start_time=09:30&end_time=12:00"))) == [F.walksID])
            #expect(Self.ids(try await api.get("/oruk/services?day=TU&start_time=10:30")).isEmpty)
            #expect(Set(Self.ids(try await api.get("/oruk/services?end_time=11:30"))) == [F.walksID])
            let orgs = try await api.get("/oruk/organizations?search=money")
            #expect(Self.ids(orgs) == [F.moneyOrg])
            #expect(Self.ids(try await api.get("/oruk/organizations?search=nothing-like-it")).isEmpty)
            let terms = try await api.get("/oruk/taxonomy_terms?search=debt&per_page=100")
            #expect(Self.ids(terms) == [F.debt.id])
            #expect((try await api.get("/oruk/taxonomy_terms?parent_id=nobody"))["total_items"] as? Int == 0)
            #expect((try await api.get("/oruk/taxonomy_terms?top_only=true&per_page=100"))["total_items"] as? Int == Need.allCases.count)
            #expect(Self.ids(try await api.get("/oruk/taxonomies?search=needs")) == [NeedsTaxonomy.taxonomy.id])
            #expect(((try await api.get("/oruk/services?full=true&search=choir"))["contents"] as? [[String: Any]])?.first?["service_at_locations"] != nil)
            #expect(((try await api.get("/oruk/services?minimal=true"))["contents"] as? [[String: Any]])?.first?.keys.sorted() == ["id", "last_modified"])
            #expect(((try await api.get("/oruk/organizations/\(F.moneyOrg)?full_service=true"))["services"] as? [Any])?.count == 2)

            // Unknown parameters, unsupported values and paths: 400/404/405 problems, JSON, CORS.
            for (uri, field) in [("/oruk/services?colour=red", "colour"), ("/oruk/services?format=xml", "format"), ("/oruk/services?full=maybe", "full"),
                                 ("/oruk/services/\(F.walksID)?page=2", "page"), ("/oruk/taxonomies?taxonomy_id=x", "taxonomy_id"),
                                 ("/oruk/service_at_locations?minimal=true", "minimal"), ("/oruk/services?day=Funday", "day"),
                                 ("/oruk/services?start_time=9am", "start_time"), ("/oruk/services?minimum_age=old", "minimum_age"),
                                 ("/oruk/services?search=a&search=b", "search")] {
                let problem = try await api.get(uri, expect: .badRequest)
                #expect((problem["errors"] as? [[String: Any]] ?? []).contains { $0["field"] as? String == field }, "\(uri): \(problem)")
            }
            try await api.get("/oruk/no_such_endpoint", expect: .notFound)
            try await api.get("/oruk/services/\(F.walksID)/extra", expect: .notFound)
            let post = try await api.api.client.execute(uri: "/oruk/services", method: .post)
            #expect([.methodNotAllowed, .notFound].contains(post.status) && post.headers[.accessControlAllowOrigin] == "*"
                    && post.headers[.contentType] == "application/problem+json", "\(post.status)")
        }
    }

    @Test("ORUK pages hold 50 records unless asked otherwise")
    func defaultPage() async throws {
        try await withAPI(.sqlite) { api in
            var extra = DirectoryBatch()
            for i in 0..<55 {
                var s = F.batch.services[0]
                s.id = syntheticUUID(0xe0, i + 1)
                s.name = "Extra walk \(i)"
                s.serviceAtLocations = nil
                extra.services.append(s)
            }
            try await api.s.store.saveDirectory(extra, at: api.s.clock.now, verified: true)
            let page = try await api.get("/oruk/services")
            #expect(page["size"] as? Int == 50 && page["total_items"] as? Int == 60 && page["total_pages"] as? Int == 2)
            #expect(try DirectorySearchInput().query(linkWorkerDefaults: true).0.perPage == 20, "link workers' pages stay at 20")
        }
    }

    @Test("A registered feed syncs from another Linkwell's /oruk over HTTP: full records, counts on the feed, withdrawals, and the admin page",
          arguments: [TestBackend.sqlite] + (TestBackend.available.contains(.postgres) ? [TestBackend.postgres] : []))
    func feedSync(backend: TestBackend) async throws {
        let origin = try await TestScheme.make(backend)
        try await origin.store.saveDirectory(F.batch, at: origin.clock.now, verified: true)
        let router = try await buildRouter(configuration: origin.configuration, store: origin.store, env: origin.env)
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let port = try #require(client.port)
            let base = "http://127.0.0.1:\(port)/oruk"
            try await withAPI(backend, seed: false) { api in
                let s = api.s
                let directory = DirectoryService(store: s.store, env: s.env)
                let feed = try await directory.registerFeed(url: base, intervalMinutes: 60, source: FeedReader.sourceName(URL(string: base)!), by: Principal(s.admin))
                await #expect(throws: LinkwellError.self) { try await directory.registerFeed(url: base, intervalMinutes: 60, source: "x", by: Principal(s.admin)) }
                await #expect(throws: LinkwellError.self) { try await directory.registerFeed(url: "ftp://x", intervalMinutes: 5, source: "x", by: Principal(s.admin)) }
                await #expect(throws: LinkwellError.self) { try await directory.registerFeed(url: base + "/x", intervalMinutes: 60, source: "x", by: Principal(s.linkWorker)) }
                #expect(try await directory.dueFeeds().map(\.id) == [feed.id])

                #expect(try await FeedSyncer(directory: directory).syncDue() == 1)
                let synced = try #require(try await directory.registeredFeeds(by: Principal(s.admin)).first)
                #expect(synced.lastStatus == "ok" && synced.lastCounts?.added == 5 + 2 + 1 + Need.allCases.count, "\(String(describing: synced))")
                #expect(try await directory.dueFeeds().isEmpty, "not due again within the hour")
                // Full records came across (locations, terms, schedules), exactly as the origin publishes them
                // (ids that were not UUIDs there are mapped within the source here).
                for id in [F.walksID, F.debtID, F.closedID] {
                    let original = HSDSIdentifiers.mapAll(try await DirectoryService(store: origin.store, env: origin.env).orukService(id: id), source: synced.source)
                    let copied = try await directory.orukService(id: id)
                    guard case .object(var a) = original, case .object(var b) = copied else { Issue.record("not objects"); continue }
                    a["last_modified"] = nil
                    b["last_modified"] = nil
                    #expect(a == b, "service \(id) differs")
                }
                // A second sync of an unchanged feed changes nothing.
                try await FeedSyncer(directory: directory).sync(synced)
                let again = try #require(try await directory.registeredFeeds(by: Principal(s.admin)).first)
                #expect(again.lastCounts?.added == 0 && again.lastCounts?.changed == 0 && again.lastCounts?.withdrawn == 0, "\(String(describing: again.lastCounts))")

                let page = try await api.api.client.execute(uri: "/admin/feeds", method: .get, headers: [.authorization: "Bearer \(try await s.token(for: s.admin))"])
                #expect(page.status != .internalServerError)
            }
        }
        try await origin.store.shutdown()
    }
}
