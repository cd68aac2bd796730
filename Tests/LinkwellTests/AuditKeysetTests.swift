import Foundation
import HTTPTypes
import LinkwellCore
import LinkwellTesting
import Testing

/// `GET /api/v1/audit` is a keyset cursor over the whole trail in the store (issue #19), not the newest 1,000
/// events cut in memory. On every backend: walked a page at a time while events keep arriving (newer ones, ones
/// in the very instant of the cursor, and ones stamped earlier), every event that was there at the start comes
/// once, in (at, id) newest-first order, and none twice; the filters are applied in SQL before the limit.
@Suite("Audit trail, keyset cursor", .closesStores)
struct AuditKeysetTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    func event(_ id: String, _ seconds: Double, actor: UserID, action: String = "read", record: String = "ref-keyset") -> AuditEvent {
        AuditEvent(id: id, at: Self.start.addingTimeInterval(seconds), actorID: actor, action: action, recordType: "referral",
                   recordID: record, route: "GET /x", outcome: .allowed)
    }

    @Test("Store: pages never repeat or skip an event, whatever is appended between two reads", arguments: TestBackend.available)
    func storeWalk(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // 90 events, many sharing an instant (ties broken by id), appended out of time order; ids unlike their order.
        for n in 0..<90 {
            try await s.store.append(event(String(format: "k-%02d-%03d", (n * 37) % 100, n), Double((n * 7) % 30), actor: s.linkWorker.id))
        }
        let everything = AuditFilter()
        let before = try await s.store.auditEvents(matching: everything, keyset: PageRequest(limit: 100_000))
        #expect(before.count >= 90)
        #expect(before == before.sorted { ($0.at, $0.id) > ($1.at, $1.id) }, "newest first by (at, id)")
        var seen: [AuditEvent] = [], cursor: PageCursor?, page = 0
        repeat {
            let rows = try await s.store.auditEvents(matching: everything, keyset: PageRequest(limit: 7, after: cursor))
            seen += rows
            cursor = rows.count == 7 ? rows.last.map { PageCursor(at: $0.at, id: $0.id) } : nil
            page += 1
            // Between reads: a newer event, one in the cursor's own instant on either side of its id, and a late one.
            if let c = cursor {
                try await s.store.append(event("new-\(page)", 1_000 + Double(page), actor: s.supervisor.id))
                try await s.store.append(AuditEvent(id: c.id + "~\(page)", at: c.at, actorID: s.supervisor.id, action: "read", recordType: "referral",
                                                    recordID: "tie", route: "GET /x", outcome: .allowed))
                try await s.store.append(AuditEvent(id: "!tie-\(page)", at: c.at, actorID: s.supervisor.id, action: "read",
                                                    recordType: "referral", recordID: "tie", route: "GET /x", outcome: .allowed))
                try await s.store.append(event("late-\(page)", -5_000 - Double(page), actor: s.supervisor.id))
            }
        } while cursor != nil && page < 500
        let ids = seen.map(\.id)
        #expect(Set(ids).count == ids.count, "no event twice")
        let beforeIDs = Set(before.map(\.id))
        #expect(beforeIDs.isSubset(of: Set(ids)), "no event there at the start is skipped")
        #expect(seen.filter { beforeIDs.contains($0.id) }.map(\.id) == before.map(\.id), "in the order of the whole list")
        #expect(seen == seen.sorted { ($0.at, $0.id) > ($1.at, $1.id) }, "each page continues strictly after the last")
        #expect(!ids.contains { $0.hasPrefix("new-") }, "events newer than the cursor belong to a fresh first page")
    }

    @Test("Store: the filters apply before the limit", arguments: TestBackend.available)
    func storeFilters(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // 250 supervisor events newer than the 5 link-worker reads of one record: the 5 are beyond any first page of others.
        for n in 0..<5 { try await s.store.append(event("lw-\(n)", Double(n), actor: s.linkWorker.id, record: "ref-deep")) }
        for n in 0..<250 { try await s.store.append(event("sv-\(n)", 100 + Double(n), actor: s.supervisor.id, action: "list", record: "x")) }
        let mine = try await s.store.auditEvents(matching: AuditFilter(actorID: s.linkWorker.id, recordID: "ref-deep"), keyset: PageRequest(limit: 3))
        #expect(mine.map(\.id) == ["lw-4", "lw-3", "lw-2"])
        let rest = try await s.store.auditEvents(matching: AuditFilter(actorID: s.linkWorker.id, recordID: "ref-deep"),
                                                 keyset: PageRequest(limit: 3, after: PageCursor(at: mine[2].at, id: mine[2].id)))
        #expect(rest.map(\.id) == ["lw-1", "lw-0"])
        let window = AuditFilter(action: "list", from: Self.start.addingTimeInterval(110), until: Self.start.addingTimeInterval(113))
        #expect(try await s.store.auditEvents(matching: window, keyset: PageRequest(limit: 50)).map(\.id) == ["sv-12", "sv-11", "sv-10"])
    }

    /// The ids of every row of `path`, following `Link` headers.
    func walk(_ api: APIClient, _ path: String, as user: User, between: (Int) async throws -> Void = { _ in }) async throws -> [String] {
        var ids: [String] = [], next: String? = path, pages = 0
        while let uri = next {
            let (response, text) = try await api.send(.get, uri, as: user)
            #expect(response.status == .ok, "\(uri): \(text)")
            ids += (APIClient.parse(text)["list"] as? [[String: Any]] ?? []).map { $0["id"] as? String ?? "?" }
            next = response.headers[HTTPField.Name("Link")!].flatMap { $0.split(separator: "<").last?.split(separator: ">").first.map(String.init) }
            pages += 1
            try await between(pages)
            if pages > 300 { Issue.record("endless paging"); break }
        }
        return ids
    }

    @Test("API: the cursor walks the whole trail with its filters; new events never repeat a row; bad filters are 422",
          arguments: TestBackend.available)
    func api(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // More than the old 1,000-event window: the oldest of these were never reachable through the API before.
        for n in 0..<1_030 { try await s.store.append(event(String(format: "old-%04d", n), Double(n) - 2_000_000, actor: s.linkWorker.id, record: "ref-old")) }
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let whole = try await walk(api, "/api/v1/audit?recordId=ref-old&limit=200", as: s.admin)
            #expect(whole == (0..<1_030).reversed().map { String(format: "old-%04d", $0) })
            // Unfiltered, with events appended between pages: every event there at the start comes once.
            let before = try await s.store.auditEvents(matching: AuditFilter(), keyset: PageRequest(limit: 100_000)).map(\.id)
            let walked = try await walk(api, "/api/v1/audit?limit=90", as: s.admin) { page in
                try await s.store.append(event("mid-\(page)", 3_000_000 + Double(page), actor: s.supervisor.id))
            }
            #expect(Set(walked).count == walked.count, "no event twice")
            #expect(Set(before).isSubset(of: Set(walked)), "no event skipped")
            // Filters: who, what, which days.
            try await s.store.append(event("day-1", 86_400 * 3, actor: s.supervisor.id, action: "export"))
            try await s.store.append(event("day-2", 86_400 * 4 + 5, actor: s.supervisor.id, action: "export"))
            // day-1 is 2026-09-24 14:13:20Z, day-2 2026-09-25 14:13:25Z; `to` takes its whole day.
            let who = "action=export&actorId=\(s.supervisor.id)"
            #expect(try await walk(api, "/api/v1/audit?\(who)&from=2026-09-24&to=2026-09-25", as: s.admin) == ["day-2", "day-1"])
            #expect(try await walk(api, "/api/v1/audit?\(who)&from=2026-09-25", as: s.admin) == ["day-2"])
            #expect(try await walk(api, "/api/v1/audit?\(who)&to=2026-09-24", as: s.admin) == ["day-1"])
            #expect(try await walk(api, "/api/v1/audit?action=export&actorId=\(s.linkWorker.id)", as: s.admin).isEmpty)
            #expect(try await walk(api, "/api/v1/audit?action=export", as: s.admin) == ["day-2", "day-1"])
            for (query, field) in [("actorId=nobody", "actorId"), ("from=2026-13-01", "from"), ("from=2026-05-02&to=2026-05-01", "to"),
                                   ("cursor=nonsense", "cursor"), ("cursor=\(PageCursor(name: "a", id: "b").token)", "cursor")] {
                let problem = try await api.call(.get, "/api/v1/audit?\(query)", as: s.admin, expect: .unprocessableContent)
                #expect(String(describing: problem).contains(field), "\(query)")
            }
            try await api.call(.get, "/api/v1/audit", as: s.supervisor, expect: .forbidden)
        }
    }
}
