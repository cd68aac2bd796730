import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
@testable import LinkwellWeb
import Testing

/// Many people writing to one case at once: every lost race is retried on fresh state, and what
/// cannot succeed is a 409 that says what changed — never a 500, never a lost write.
@Suite("Contention", .closesStores)
struct ContentionTests {
    static let writers = 32

    struct Outcome: Sendable { var status: Int; var body: String }

    func withRouter(_ backend: TestBackend, _ body: @escaping @Sendable (TestScheme, any TestClientProtocol) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend, connectionsPerEventLoop: SQLStore.defaultConnectionsPerEventLoop)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in try await body(s, client) }
        try await s.store.shutdown()
    }

    /// Sends every request at once and collects the answers.
    func together(_ client: any TestClientProtocol, _ requests: [(uri: String, token: String, body: String)]) async throws -> [Outcome] {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            for r in requests {
                group.addTask {
                    let response = try await client.execute(uri: r.uri, method: .post,
                                                            headers: [.contentType: "application/json", .authorization: "Bearer \(r.token)"],
                                                            body: ByteBuffer(string: r.body))
                    return Outcome(status: Int(response.status.code), body: String(buffer: response.body))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    static let backends = TestBackend.available.filter { $0 != .memory }

    /// The allowed reads of one record in the access log.
    static func reads(_ s: TestScheme, of id: String, type: String = "referral") async throws -> Int {
        try await s.store.auditEvents(recordID: id, limit: 100_000)
            .filter { $0.action == "read" && $0.recordType == type && $0.outcome == .allowed }.count
    }

    @Test("A change the case refuses still logs the read it was made from, once, and stores nothing else", arguments: TestBackend.available)
    func refusedChangeLogsItsRead(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let before = try #require(try await s.store.loadCase(id))
        let reads = try await Self.reads(s, of: id.rawValue)
        // A second acceptance of a case already accepted is refused by the domain after the case was read.
        await #expect(throws: LinkwellError.self) { try await s.casework.accept(id, s.request(s.linkWorker)) }
        #expect(try await Self.reads(s, of: id.rawValue) == reads + 1)
        #expect(try await s.store.loadCase(id) == before)
        try await s.store.shutdown()
    }

    @Test("32 simultaneous contacts on one case are all stored", arguments: backends)
    func contacts(backend: TestBackend) async throws {
        try await withRouter(backend) { s, client in
            let id = try await s.engagedReferral()
            let token = try await s.token(for: s.linkWorker)
            let body = #"{"mode":"phone","durationMinutes":10,"successful":true,"notes":"Busy day"}"#
            let readsBefore = try await Self.reads(s, of: id.rawValue)
            let outcomes = try await together(client, Array(repeating: ("/api/v1/referrals/\(id)/contacts", token, body), count: Self.writers))
            #expect(outcomes.filter { $0.status >= 500 }.isEmpty, "\(outcomes.filter { $0.status >= 500 }.map(\.body))")
            // Each writer loses at most 31 races, within the retries: every contact gets through.
            #expect(outcomes.map(\.status) == Array(repeating: 200, count: Self.writers), "\(outcomes.filter { $0.status != 200 }.map(\.body))")
            let stored = try #require(try await s.store.loadCase(id))
            #expect(stored.contacts.count == Self.writers + 1)
            #expect(stored.referral.version == Self.writers + 3)  // received, accepted, first contact, then 32
            // Each writer's read is logged once, with its change, however many races it lost and re-read after.
            #expect(try await Self.reads(s, of: id.rawValue) - readsBefore == Self.writers)
        }
    }

    @Test("Of 32 simultaneous accepts, one wins and the others hear who took it", arguments: backends)
    func acceptRace(backend: TestBackend) async throws {
        try await withRouter(backend) { s, client in
            let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
            let mine = try await s.token(for: s.linkWorker)
            let theirs = try await s.token(for: s.otherLinkWorker)
            let requests = (0..<Self.writers).map { ("/api/v1/referrals/\(id)/accept", $0.isMultiple(of: 2) ? mine : theirs, "") }
            let outcomes = try await together(client, requests)
            #expect(outcomes.filter { $0.status == 200 }.count == 1)
            #expect(outcomes.allSatisfy { $0.status == 200 || $0.status == 409 }, "\(outcomes.filter { $0.status != 200 && $0.status != 409 }.map(\.body))")
            let stored = try #require(try await s.store.loadCase(id))
            let winner = try #require(stored.referral.linkWorkerID)
            let loserName = winner == s.linkWorker.id ? s.linkWorker.displayName : s.otherLinkWorker.displayName
            // The other link worker is told the referral was taken, and by whom.
            let taken = outcomes.filter { $0.body.contains("accepted by someone else (\(loserName))") }
            #expect(taken.count == Self.writers / 2)
            #expect(stored.events.filter { $0.to == .accepted }.count == 1)
            #expect(stored.messages.filter { $0.kind == .accepted }.count == 1)
        }
    }

    @Test("32 simultaneous attendance reports from a provider are all stored, and the caseload counts the missed ones", arguments: backends)
    func providerReports(backend: TestBackend) async throws {
        try await withRouter(backend) { s, client in
            let id = try await s.engagedReferral()
            let changed = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, s.request(s.linkWorker))
            let onward = try #require(changed.onwardReferrals.first?.id)
            _ = try await s.casework.providerAct(onward, s.request(s.provider)) { [env = s.env, p = Principal(s.provider)] c in
                try c.respondToOnward(onward, accept: true, reason: nil, note: nil, by: p, env: env)
            }
            let token = try await s.token(for: s.provider)
            let readsBefore = try await Self.reads(s, of: onward.rawValue, type: "onward_referral")
            // Every third session missed: the work lists' count of missed sessions is kept beside the referral, one
            // report at a time (`ReferralRowListMigrations`), so each writer changes that count on the case's row.
            let outcomes = try await together(client, (0..<Self.writers).map { i in
                ("/api/v1/onward-referrals/\(onward)/attendance", token, #"{"attended":\#(i % 3 != 0)}"#)
            })
            #expect(outcomes.map(\.status) == Array(repeating: 200, count: Self.writers), "\(outcomes.filter { $0.status != 200 }.map(\.body))")
            let stored = try #require(try await s.store.loadCase(id))
            #expect(stored.attendance(for: onward).count == Self.writers)
            let missed = stored.attendance(for: onward).filter { !$0.attended }.count
            #expect(missed == (Self.writers + 2) / 3)
            let row = try #require(try await s.store.referrals(ReferralQuery(linkWorkerID: s.linkWorker.id, limit: 1_000)).first { $0.id == id })
            #expect(row.didNotAttendCount == missed, "the caseload's row counts every missed session reported at once")
            #expect(try await Self.reads(s, of: onward.rawValue, type: "onward_referral") - readsBefore == Self.writers)
        }
    }

    @Test("32 writers on four cases keep the dashboard rollups equal to the facts they add up", arguments: backends)
    func rollupsUnderContention(backend: TestBackend) async throws {
        try await withRouter(backend) { s, client in
            // Four cases in support, each with a referral out the provider has accepted.
            var cases: [(id: ReferralID, onward: OnwardReferralID)] = []
            for _ in 0..<4 {
                let id = try await s.engagedReferral()
                let changed = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, s.request(s.linkWorker))
                let onward = try #require(changed.onwardReferrals.first?.id)
                _ = try await s.casework.providerAct(onward, s.request(s.provider)) { [env = s.env, p = Principal(s.provider)] c in
                    try c.respondToOnward(onward, accept: true, reason: nil, note: nil, by: p, env: env)
                }
                cases.append((id, onward))
            }
            let sql = try #require(s.store as? SQLStore)
            let lw = try await s.token(for: s.linkWorker), provider = try await s.token(for: s.provider)
            // Every change rewrites its case's facts and adds the difference to shared rollup rows (same month,
            // same practice, same provider): contacts from the link worker, attended and missed sessions from
            // the provider, all at once.
            let requests = (0..<Self.writers).map { i -> (uri: String, token: String, body: String) in
                let c = cases[i % cases.count]
                switch i % 4 {
                case 0, 1: return ("/api/v1/referrals/\(c.id)/contacts", lw, #"{"mode":"phone","durationMinutes":5,"successful":\#(i % 8 == 0)}"#)
                default: return ("/api/v1/onward-referrals/\(c.onward)/attendance", provider, #"{"attended":\#(i % 4 == 2)}"#)
                }
            }
            let outcomes = try await together(client, requests)
            #expect(outcomes.map(\.status) == Array(repeating: 200, count: Self.writers), "\(outcomes.filter { $0.status != 200 }.map(\.body))")
            // The rollup rows kept one change at a time equal a rebuild from the stored facts.
            let kept = try await sql.rollupRows()
            try await sql.rebuildInsightRollups()
            #expect(kept == (try await sql.rollupRows()))
            // And the facts themselves say what happened: 8 attended and 8 missed sessions across the four cases.
            let out = try await s.store.onwardCounts(by: [], where: InsightFilter(), rejectedOnly: false)
            #expect(out.map(\.attended).reduce(0, +) == 8 && out.map(\.didNotAttend).reduce(0, +) == 8, "\(out)")
        }
    }

    @Test("A storage error that escapes a service is a 409 or 503 problem, never a 500")
    func storageErrorsMapped() async throws {
        let cases: [(StorageError, Int)] = [(.versionConflict, 409), (.duplicate("email"), 409), (.overBudget, 409), (.unavailable, 503)]
        for (error, status) in cases {
            let router = Router(context: AppRequestContext.self)
            router.add(middleware: ErrorMiddleware(renderer: try await PageRenderer()))
            router.get("/api/v1/boom") { _, _ -> String in throw error }
            try await Application(router: router).test(.router) { client in
                let response = try await client.execute(uri: "/api/v1/boom", method: .get)
                #expect(Int(response.status.code) == status)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
