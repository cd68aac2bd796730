import Foundation
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import Testing

/// The complaints log and staff training and DBS records (issue #16), through the JSON API on every backend.
@Suite("Complaints and staff records", .closesStores)
struct StaffRecordsTests {
    func fields(_ problem: [String: Any]) -> [String] { (problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? [] }

    @Test("Complaints are logged, refused when wrong, closed with an outcome, and kept", arguments: TestBackend.available)
    func complaints(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let today = CalendarDate(s.clock.now)
            let lastWeek = CalendarDate(s.clock.now.addingTimeInterval(-7 * 86_400))
            let tomorrow = CalendarDate(s.clock.now.addingTimeInterval(86_400))
            try await api.call(.post, "/api/v1/complaints", as: s.supervisor, json: "{}", expect: .forbidden)
            let bad = try await api.call(.post, "/api/v1/complaints", as: s.admin, json: #"{"receivedOn":"\#(tomorrow)","about":""}"#,
                                         expect: .unprocessableContent)
            #expect(Set(fields(bad)) == ["receivedOn", "about"])
            let early = try await api.call(.post, "/api/v1/complaints", as: s.admin,
                                           json: #"{"receivedOn":"\#(today)","about":"Waited weeks","closedOn":"\#(lastWeek)","outcome":"Apology"}"#,
                                           expect: .unprocessableContent)
            #expect(fields(early) == ["closedOn"])
            let open = try await api.call(.post, "/api/v1/complaints", as: s.admin,
                                          json: #"{"receivedOn":"\#(lastWeek)","about":"Nobody called back after the referral"}"#, expect: .created)
            let id = try #require(open["id"] as? String)
            try await api.call(.post, "/api/v1/complaints/\(id)/close", as: s.admin, json: #"{"closedOn":"\#(today)"}"#, expect: .unprocessableContent)
            let closed = try await api.call(.post, "/api/v1/complaints/\(id)/close", as: s.admin,
                                            json: #"{"closedOn":"\#(today)","outcome":"Upheld: call-back rota changed"}"#, expect: .ok)
            #expect(closed["closedOn"] as? String == "\(today)" && closed["outcome"] as? String == "Upheld: call-back rota changed")
            try await api.call(.post, "/api/v1/complaints/\(id)/close", as: s.admin, json: #"{"closedOn":"\#(today)","outcome":"Again"}"#, expect: .conflict)
            try await api.call(.post, "/api/v1/complaints/nope/close", as: s.admin, json: #"{"closedOn":"\#(today)","outcome":"x"}"#, expect: .notFound)
            let list = try await api.call(.get, "/api/v1/complaints", as: s.admin, expect: .ok)["list"] as? [[String: Any]]
            #expect(list?.count == 1 && list?.first?["receivedOn"] as? String == "\(lastWeek)")
            try await api.call(.get, "/api/v1/complaints", as: s.linkWorker, expect: .forbidden)
            let stored = try await s.store.complaints()
            #expect(stored.count == 1 && stored[0].closedOn == today && stored[0].receivedOn == lastWeek)
            #expect(try await s.store.auditEvents(recordID: id, limit: 10).map(\.action).sorted() == ["close", "create"])
        }
    }

    @Test("Staff training and DBS records keep their expiry dates", arguments: TestBackend.available)
    func staffChecks(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let issued = CalendarDate(s.clock.now.addingTimeInterval(-400 * 86_400))
            let expired = CalendarDate(s.clock.now.addingTimeInterval(-5 * 86_400))
            let bad = try await api.call(.post, "/api/v1/staff-checks", as: s.admin, json: """
                {"userId":"nobody","kind":"passport","title":"","completedOn":"\(issued)","expiresOn":"\(issued)"}
                """, expect: .unprocessableContent)
            #expect(Set(fields(bad)) == ["userId", "kind", "title", "expiresOn"])
            let made = try await api.call(.post, "/api/v1/staff-checks", as: s.admin, json: """
                {"userId":"\(s.linkWorker.id)","kind":"dbs","title":"Enhanced DBS 001234567890","completedOn":"\(issued)","expiresOn":"\(expired)"}
                """, expect: .created)
            #expect(made["expiresOn"] as? String == "\(expired)")
            try await api.call(.post, "/api/v1/staff-checks", as: s.admin, json: """
                {"userId":"\(s.supervisor.id)","kind":"training","title":"Safeguarding adults level 2","completedOn":"\(issued)"}
                """, expect: .created)
            try await api.call(.get, "/api/v1/staff-checks", as: s.supervisor, expect: .forbidden)
            let stored = try await s.store.staffChecks()
            #expect(stored.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.dbs, .training])
            let dbs = try #require(stored.first { $0.kind == .dbs })
            #expect(dbs.userID == s.linkWorker.id && dbs.expiresOn == expired)
            #expect(dbs.expiry(on: CalendarDate(s.clock.now), soon: CalendarDate(s.clock.now.addingTimeInterval(30 * 86_400))) == "Expired")
        }
    }
}
