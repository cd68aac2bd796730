import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellTesting
@_spi(Testing) import LinkwellStorage
import SQLKit
import Testing

/// The counts a caseload shows come from tallies the database keeps (`ReferralTallyMigrations`). Attacked as a writer
/// would break them: a bulk import, new referrals, every kind of move between link workers, statuses and urgencies, a
/// scheme upgraded with its referrals already there, and 32 writers moving cases between the same tallies at once in
/// opposite directions. After each, every count is compared with the referrals it counts, listed one by one.
@Suite("Referral tallies", .closesStores)
struct ReferralTalliesTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// Every count a tally can answer (each link worker, none, and the whole scheme; each status alone and in the
    /// caseload's groups; each urgency and any; and, for unallocated referrals, the waiting list each link worker may
    /// pick up from, which leaves out those placed on a team they are not in) equals the rows the same query lists; on
    /// SQL the table itself equals the referrals grouped.
    static func compare(_ store: any LinkwellStore, linkWorkers: [UserID], _ step: String) async throws {
        let groups: [[ReferralStatus]?] = [nil, ReferralStatus.allCases.filter(\.isWaiting), ReferralStatus.allCases.filter { !$0.isFinal && !$0.isWaiting },
                                           ReferralStatus.allCases.filter(\.isFinal)] + ReferralStatus.allCases.map { [$0] }
        var queries: [ReferralQuery] = []
        for owner in [nil] + linkWorkers.map(Optional.some) {
            for unallocated in owner == nil ? [false, true] : [false] {
                for waitingFor in owner == nil ? [nil] + linkWorkers.map(Optional.some) : [nil] {
                    for statuses in groups {
                        for urgency in [nil] + Urgency.allCases.map(Optional.some) {
                            var query = ReferralQuery(linkWorkerID: owner, unallocatedOnly: unallocated, statuses: statuses, limit: 100_000)
                            query.urgency = urgency
                            query.waitingFor = waitingFor
                            queries.append(query)
                        }
                    }
                }
            }
        }
        let together = try await store.countReferrals(queries)
        var hidden = 0
        for (query, counted) in zip(queries, together) {
            let listed = try await store.referrals(query).count
            if query.waitingFor != nil {
                var everyone = query
                everyone.waitingFor = nil
                hidden += try await store.referrals(everyone).count - listed
            }
            #expect(counted == listed, "\(step): \(query.linkWorkerID?.rawValue ?? (query.unallocatedOnly ? "unallocated" : "all")) \(query.statuses?.map(\.rawValue) ?? ["any"]) \(query.urgency?.rawValue ?? "any") waiting for \(query.waitingFor?.rawValue ?? "anyone")")
            #expect(try await store.countReferrals(query) == listed, "\(step): counted alone")
        }
        // The team rule must have hidden something, or the counts above did not attack it.
        #expect(hidden > 0, "\(step): placements on teams hide some of the waiting list from some link workers")
        guard let sql = store as? SQLStore else { return }
        let (kept, grouped) = try await sql.execute { db in
            func rows(_ text: String) async throws -> [String] {
                try await db.raw(SQLQueryString(text)).all().map {
                    "\(try $0.decode(column: "w", as: String.self))|\(try $0.decode(column: "s", as: String.self))|\(try $0.decode(column: "u", as: String.self))=\(try $0.decode(column: "n", as: Int.self))"
                }.sorted()
            }
            return (try await rows("SELECT link_worker_id AS w, status AS s, urgency AS u, n FROM referral_tallies WHERE n <> 0"),
                    try await rows("SELECT COALESCE(link_worker_id, '') AS w, status AS s, urgency AS u, COUNT(*) AS n FROM referrals GROUP BY COALESCE(link_worker_id, ''), status, urgency"))
        }
        #expect(!kept.isEmpty, "\(step): the tallies hold rows")
        #expect(kept == grouped, "\(step): the tallies are the referrals grouped")
    }

    /// Two teams, one with the first link worker in it and one with no one: the scheme's unallocated referrals placed
    /// on them in turn (a third on neither), and a few allocated ones too, so that the waiting list each link worker
    /// may pick up from leaves some out.
    static func placeOnTeams(_ store: any LinkwellStore, linkWorkers: [UserID]) async throws {
        let (north, none) = (TeamID("tally-north"), TeamID("tally-none"))
        for id in [north, none] { try await store.saveTeam(Team(id: id, name: id.rawValue, kind: .locality, createdAt: now)) }
        try await store.setMembers(teamID: north, linkWorkerIDs: [linkWorkers[0]])
        let referrals = try await store.referrals(ReferralQuery(limit: 100_000))
        for (i, referral) in referrals.enumerated() where referral.linkWorkerID == nil || i % 7 == 0 {
            if i % 3 < 2 { try await store.placeReferral(referral.id, on: i % 3 == 0 ? north : none) }
        }
    }

    /// `referral` moved as `move` says, stored as a casework change under its version guard.
    static func move(_ store: any LinkwellStore, _ id: ReferralID, _ move: (inout Referral) -> Void) async throws {
        let current = try #require(try await store.loadCase(id)).referral
        var next = current
        move(&next)
        next.version = current.version + 1
        next.updatedAt = current.updatedAt.addingTimeInterval(60)
        try await store.apply(CaseChange(expectedVersion: current.version, referral: next))
    }

    @Test("Every count is the referrals it counts: after an import, new referrals and every kind of move", arguments: TestBackend.available)
    func countsFollowEveryWrite(backend: TestBackend) async throws {
        let scheme = LargeScheme(size: .scaled(referrals: 90), seed: 368, now: Self.now)
        let store = try await backend.makeStore()
        try await scheme.load(into: store, batch: 40)
        let workers = scheme.linkWorkers.map(\.id)
        try await Self.placeOnTeams(store, linkWorkers: workers)
        try await Self.compare(store, linkWorkers: workers, "after the import")

        // New referrals, copies of loaded ones under new ids: allocated or not, at any status and urgency.
        var r = SplitMix64(seed: 368)
        for i in 0..<12 {
            let source = try #require(try await store.loadCase(ReferralID("lg-\(String(format: "%06d", r.int(90)))")))
            try await store.createCopy(of: source, id: "tally-\(i)", team: [nil, TeamID("tally-north"), TeamID("tally-none")][i % 3]) { referral in
                referral.status = ReferralStatus.allCases[r.int(ReferralStatus.allCases.count)]
                referral.linkWorkerID = r.int(3) == 0 ? nil : workers[r.int(workers.count)]
                referral.urgency = Urgency.allCases[r.int(Urgency.allCases.count)]
            }
        }
        try await Self.compare(store, linkWorkers: workers, "after new referrals")

        // Each kind of move alone, then all at once, then a change that moves nothing counted.
        let ids = (0..<90).map { ReferralID("lg-\(String(format: "%06d", $0))") } + (0..<12).map { ReferralID("tally-\($0)") }
        for round in 0..<40 {
            let id = ids[r.int(ids.count)]
            let (status, worker, urgency) = (ReferralStatus.allCases[r.int(ReferralStatus.allCases.count)],
                                             r.int(4) == 0 ? nil : workers[r.int(workers.count)], Urgency.allCases[r.int(Urgency.allCases.count)])
            try await Self.move(store, id) { referral in
                switch round % 5 {
                case 0: referral.status = status
                case 1: referral.linkWorkerID = worker
                case 2: referral.urgency = urgency
                case 3: (referral.status, referral.linkWorkerID, referral.urgency) = (status, worker, urgency)
                default: referral.pathway = referral.pathway + " "
                }
            }
        }
        try await Self.compare(store, linkWorkers: workers, "after 40 moves")
    }

    @Test("An upgrade counts a scheme's referrals already there, and the triggers keep the count from then on", arguments: TestBackend.available.filter { $0 != .memory })
    func upgradeCountsWhatIsThere(backend: TestBackend) async throws {
        let scheme = LargeScheme(size: .scaled(referrals: 60), seed: 369, now: Self.now)
        let sql = try #require(try await backend.makeStore() as? SQLStore)
        try await scheme.load(into: sql, batch: 60)
        // The database as version 367 left it, with the referrals of today's writers: no tallies, no triggers.
        try await sql.execute { db in
            for trigger in ["referral_tallies_insert", "referral_tallies_update", "referral_tallies_delete"] where backend == .sqlite || trigger != "referral_tallies_delete" {
                try await db.raw(SQLQueryString("DROP TRIGGER \(trigger)" + (backend == .postgres ? " ON referrals" : ""))).run()
            }
            if backend == .postgres { try await db.raw("DROP FUNCTION referral_tallies_keep()").run() }
            try await db.raw("DROP TABLE referral_tallies").run()
            try await db.raw("DELETE FROM schema_migrations WHERE version = 368").run()
        }
        let workers = scheme.linkWorkers.map(\.id)
        try await Self.placeOnTeams(sql, linkWorkers: workers)
        try await sql.migrate()
        try await Self.compare(sql, linkWorkers: workers, "after the upgrade")
        try await Self.move(sql, ReferralID("lg-000001")) { $0.status = .withdrawn; $0.linkWorkerID = workers.last }
        try await Self.compare(sql, linkWorkers: workers, "after a move once upgraded")
    }

    /// Two tallies, and 32 writers each moving a case of its own from one to the other at the same moment, half each
    /// way: on PostgreSQL each writer changes both tallies' rows in its transaction, so changed in the order written
    /// they would deadlock (PostgreSQL then fails one writer as "unavailable").
    @Test("32 writers moving cases between two tallies, half each way at once: every change stored, the counts exact",
          arguments: TestBackend.available.filter { $0 != .memory })
    func writersCrossing(backend: TestBackend) async throws {
        let scheme = LargeScheme(size: .scaled(referrals: 64), seed: 370, now: Self.now)
        let store = try await backend.makeStore(connectionsPerEventLoop: SQLStore.defaultConnectionsPerEventLoop)
        try await scheme.load(into: store, batch: 64)
        try await Self.placeOnTeams(store, linkWorkers: scheme.linkWorkers.map(\.id))
        let (a, b) = (scheme.linkWorkers[0].id, scheme.linkWorkers[1].id)
        // Half the cases start in one tally (a's, in support, routine), half in the other (b's, closed, soon).
        let ids = (0..<32).map { ReferralID("lg-\(String(format: "%06d", $0))") }
        for (n, id) in ids.enumerated() {
            try await Self.move(store, id) { referral in
                (referral.linkWorkerID, referral.status, referral.urgency) = n % 2 == 0 ? (a, .active, .routine) : (b, .closed, .soon)
            }
        }
        let failures = try await withThrowingTaskGroup(of: String?.self) { group in
            for (n, id) in ids.enumerated() {
                group.addTask {
                    do {
                        try await Self.move(store, id) { referral in
                            (referral.linkWorkerID, referral.status, referral.urgency) = n % 2 == 0 ? (b, .closed, .soon) : (a, .active, .routine)
                        }
                        return nil
                    } catch {
                        return "\(id.rawValue): \(error)"
                    }
                }
            }
            return try await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        #expect(failures.isEmpty, "every writer's change stored: \(failures)")
        for (n, id) in ids.enumerated() {
            let stored = try #require(try await store.loadCase(id)).referral
            #expect(stored.linkWorkerID == (n % 2 == 0 ? b : a), "\(id.rawValue) moved")
        }
        try await Self.compare(store, linkWorkers: scheme.linkWorkers.map(\.id), "after 32 crossing writers")
    }
}
