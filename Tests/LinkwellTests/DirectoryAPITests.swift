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
            let problem = try await api.get("/oruk/services?\(query)", expect: .unprocessableContent)
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
        {"total_items": 5, "contents": [
          {"id": "imp-org", "name": "Imported Group", "description": "From another directory", "website": "https://example.org"},
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

    @Test("Import keeps good records, names each bad one, and is idempotent", arguments: TestBackend.available)
    func importFeed(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let dry = try await api.importFeed(Self.feed, "?dry_run=true")
            #expect((dry["created"] as? [String: Int])?["service"] == 1 && dry["dryRun"] as? Bool == true)
            #expect(try await api.s.store.listing(id: "imp-1") == nil, "a dry run stores nothing")

            let refused = try await api.importFeed(Self.feed, "?all_or_nothing=true", expect: .unprocessableContent)
            #expect(refused["refused"] as? Bool == true)
            #expect(try await api.s.store.listing(id: "imp-1") == nil)
            #expect(try await api.s.store.hsdsOrganization(id: "imp-org") == nil)

            let report = try await api.importFeed(Self.feed)
            let rejected = report["rejected"] as? [[String: Any]] ?? []
            #expect(rejected.compactMap { $0["id"] as? String }.sorted() == ["imp-2", "imp-3", "imp-4", "imp-5"])
            let problems = rejected.flatMap { ($0["problems"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }
            #expect(problems.contains("minimum_age") && problems.contains("attributes[0].taxonomy_term_id")
                    && problems.contains("service_at_locations[0].location.latitude") && problems.contains("status"), "\(problems)")
            #expect((report["created"] as? [String: Int])?["service"] == 1 && (report["created"] as? [String: Int])?["organization"] == 1)
            let stored = try #require(try await api.s.store.listing(id: "imp-1"))
            #expect(stored.reviewState == .pendingNew && stored.service.taxonomyTermIDs == [NeedsTaxonomy.term(.physicalActivity).id])
            for id in ["imp-2", "imp-3", "imp-4", "imp-5"] { #expect(try await api.s.store.listing(id: id) == nil) }

            let again = try await api.importFeed(Self.feed)
            #expect((again["updated"] as? [String: Int])?["service"] == 1 && (again["created"] as? [String: Int])?["service"] == 0)
            #expect(try await api.s.store.searchDirectory(DirectoryQuery()).total == 6)

            try await api.importFeed("{not json", expect: .unprocessableContent)
            try await api.importFeed("42", expect: .unprocessableContent)
            try await api.importFeed(Self.feed, as: api.s.linkWorker, expect: .forbidden)
            #expect(try await api.s.store.searchDirectory(DirectoryQuery()).total == 6)
        }
    }
}
