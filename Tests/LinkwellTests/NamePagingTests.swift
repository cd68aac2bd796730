import Foundation
import HTTPTypes
import LinkwellCore
import LinkwellTesting
import Testing

/// The directory's services and the organisations register are API lists that grow to 100,000 and 13,000
/// rows, so they are paged by keyset on name and id. Paging through either, following the `Link` headers,
/// must give every row exactly once, in the order the whole list has, even with many rows of one name (the
/// id breaks ties) and names of every shape; a cursor Linkwell did not make, or one from another list, is
/// refused naming `cursor`.
@Suite("Name-ordered API lists", .closesStores)
struct NamePagingTests {
    /// Names chosen to collide and to sort differently byte-wise and linguistically.
    static let names = ["Walking group", "walking group", "Walking Group", "Ábaco arts", "Zumba", "Lunch club", "Lunch club ", "Ñandú café",
                        "Men's shed", "Men’s shed", "A", "a", "Ü", "~tilde", "100 steps"]

    func pages(_ api: APIClient, _ path: String, as user: User) async throws -> [String] {
        var ids: [String] = []
        var next: String? = path + "?limit=7"
        var requests = 0
        while let uri = next {
            requests += 1
            let (response, text) = try await api.send(.get, uri, as: user)
            #expect(response.status == .ok, "\(uri): \(text)")
            let rows = APIClient.parse(text)["list"] as? [[String: Any]] ?? []
            #expect(rows.count <= 7)
            ids += rows.compactMap { $0["id"] as? String }
            next = response.headers[HTTPField.Name("Link")!].flatMap { link in
                link.split(separator: "<").last?.split(separator: ">").first.map(String.init)
            }
            if requests > 100 { Issue.record("more pages than rows"); break }
        }
        return ids
    }

    @Test("Every service and organisation once, in list order, however the names collide", arguments: TestBackend.available)
    func everyRowOnce(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        for i in 0..<60 {
            let name = Self.names[i % Self.names.count]
            try await s.store.createService(Service(id: ServiceID("svc-page-\(String(format: "%03d", (i * 37) % 101))"), organisationID: s.service.organisationID,
                                                    name: name, description: "Paging", category: "activity", area: "Leeds"))
            try await s.store.createOrganisation(Organisation(id: OrganisationID("org-page-\(String(format: "%03d", (i * 53) % 103))"), name: name, kind: .vcse))
        }
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let services = try await pages(api, "/api/v1/services", as: s.linkWorker)
            #expect(services == (try await s.store.services().map(\.id.rawValue)))
            #expect(services.count >= 60 && Set(services).count == services.count)
            let organisations = try await pages(api, "/api/v1/organisations", as: s.admin)
            #expect(organisations == (try await s.store.organisations().map(\.id.rawValue)))
            #expect(organisations.count >= 60 && Set(organisations).count == organisations.count)

            // Bad cursors: not ours, and one from a newest-first list.
            for cursor in ["nonsense", PageCursor(at: Date(), id: "svc-page-001").token] {
                let problem = try await api.call(.get, "/api/v1/services?cursor=\(cursor)", as: s.linkWorker, expect: .unprocessableContent)
                #expect(String(describing: problem).contains("cursor"))
            }
            try await api.call(.get, "/api/v1/services?limit=0", as: s.linkWorker, expect: .unprocessableContent)
            try await api.call(.get, "/api/v1/organisations", as: s.linkWorker, expect: .forbidden)
        }
    }

    @Test("A name cursor survives its token, whatever the name holds")
    func tokenRoundTrip() throws {
        for name in Self.names + ["", ":", "~3:abc", "名前", "a.b.c"] {
            for id in ["x", "svc.1", "~1:y", "名"] {
                let cursor = PageCursor(name: name, id: id)
                #expect(try PageCursor(token: cursor.token) == cursor, "\(name) \(id)")
            }
        }
        let dated = PageCursor(at: Date(timeIntervalSince1970: 1_780_000_000.123), id: "ref-1")
        #expect(try PageCursor(token: dated.token) == dated)
    }
}
