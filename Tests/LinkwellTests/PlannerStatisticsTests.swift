import Foundation
import LinkwellBench
@testable import LinkwellCore
@_spi(Testing) @testable import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// SQLite plans from statistics only `ANALYZE` writes. A scheme upgraded to a version that adds an index must
/// get statistics for it at start, or the planner may keep its old plan (issue #19: the five-year scheme's
/// caseload, team view and case page read whole tables until the indexes of versions 350–351 were used).
@Suite("Planner statistics after an upgrade", .closesStores)
struct PlannerStatisticsTests {
    @Test("An upgraded SQLite scheme has statistics for the new indexes, and the case page's duplicate check uses them")
    func upgradedSchemeIsAnalysed() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lw-stats-\(UUID().uuidString).sqlite").path
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // As Linkwell left a scheme before version 350: some years of referrals, and statistics from then.
        try await store.migrate(through: 320)
        // Today's bulk loader also writes the words of people's names (version 360), each case's measure due
        // (version 370) and each open case's plan review date (version 380); each creates its table only if it is
        // absent and rewrites every row stored before it.
        try await store.execute { db in
            try await db.raw("CREATE TABLE person_name_terms (term TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (term, person_id))").run()
            try await db.raw(SQLQueryString(RollupMigrations.groupedTable)).run()
            try await db.raw(SQLQueryString(RollupMigrations.placeTable)).run()
            try await db.raw("""
                CREATE TABLE measures_due (referral_id TEXT PRIMARY KEY, timepoint TEXT NOT NULL, due_at REAL NOT NULL, shown_from REAL,
                                           shown_until REAL NOT NULL, overdue_after REAL NOT NULL)
                """).run()
            try await db.raw("CREATE TABLE plan_reviews_due (referral_id TEXT PRIMARY KEY, review_date TEXT NOT NULL)").run()
        }
        let scheme = LargeScheme(size: .scaled(referrals: 200), seed: 5, now: Date(timeIntervalSince1970: 1_790_000_000))
        try await scheme.load(into: store, batch: 100)
        try await store.execute { db in try await db.raw("ANALYZE").run() }
        func statistics() async throws -> Set<String> {
            try await store.execute { db in
                Set(try await db.raw("SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL").all().map { try $0.decode(column: "idx", as: String.self) })
            }
        }
        let before = try await statistics()
        #expect(before.contains("referrals_link_worker_received") && !before.contains("referrals_link_worker_status_urgency"))

        try await store.migrate()
        let after = try await statistics()
        #expect(after.isSuperset(of: ["referrals_link_worker_status_urgency", "people_birth_postcode"]), "\(after.sorted())")
        #expect(after.isDisjoint(with: ["referrals_link_worker", "referrals_status", "referrals_received", "referrals_link_worker_status"]),
                 "indexes another begins with are gone: \(after.sorted())")
        #expect(!after.contains("people_nhs_number"), "the index of every NHS number, known or not, is gone")

        // The duplicate check finds people by index, then their referrals: no table is read whole.
        let plan = try await store.execute { db in
            try await db.raw("""
                EXPLAIN QUERY PLAN SELECT r.id FROM people p CROSS JOIN referrals r
                WHERE r.person_id = p.id AND p.id <> 'x' AND p.merged_into IS NULL AND (
                    (p.nhs_number IS NOT NULL AND p.nhs_number = '9434765919')
                    OR (lower(p.given_name) = 'a' AND lower(p.family_name) = 'b' AND p.date_of_birth = '1960-01-01' AND p.postcode = 'LS1 1AA'))
                ORDER BY r.received_at DESC, r.id DESC
                """).all().map { try $0.decode(column: "detail", as: String.self) }
        }
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
        #expect(plan.contains { $0.contains("people_birth_postcode") } && plan.contains { $0.contains("people_nhs_number_known") }, "\(plan)")
    }

    /// The link worker's groups, with the statistics SQLite's sampled `ANALYZE` (`analysis_limit=1000`) wrote for the
    /// five-year benchmark scheme: every status looks like a tenth of the table, so the status index looked as good as
    /// the link worker's. With them, SQLite read every waiting referral's row in the scheme for the urgent and waiting
    /// groups (1–2 ms a statement, four a page). Each group must be found from the link worker's index, on both sides
    /// of the waiting-list rule, whatever the statistics say.
    @Test("A link worker's caseload groups use the link worker's index even with sampled statistics")
    func caseloadGroupsUseTheLinkWorkersIndex() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lw-plan-\(UUID().uuidString).sqlite").path
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.migrate()
        let scheme = LargeScheme(size: .scaled(referrals: 200), seed: 7, now: Date(timeIntervalSince1970: 1_790_000_000))
        try await scheme.load(into: store, batch: 100)
        let sampled: [(String, String)] = [
            ("referrals_status_updated_ids", "50000 501 1 1 1"), ("referrals_status_received", "50000 501 1 1"),
            ("referrals_link_worker_status_urgency", "50000 1001 501 250 1 1"), ("referrals_link_worker_received", "50000 1001 1 1"),
            ("referrals_referrer_received_person", "50000 1001 1 1 1"), ("referrals_received_id", "50000 1 1"),
            ("referrals_person", "50000 1"), ("sqlite_autoindex_referrals_1", "50000 1"),
        ]
        try await store.execute { db in
            try await db.raw("DELETE FROM sqlite_stat1 WHERE tbl = 'referrals'").run()
            for (index, stat) in sampled {
                try await db.raw("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('referrals', \(bind: index), \(bind: stat))").run()
            }
            try await db.raw("ANALYZE sqlite_schema").run()  // the planner reloads the statistics
        }
        let worker = UserID("lw-plan")
        for list in [CaseworkService.CaseList.urgent, .waiting, .active, .closed] {
            var query = ReferralQuery(linkWorkerID: worker, includeWaiting: true)
            query.waitingFor = worker
            query.statuses = list.statuses
            if list == .urgent { query.urgency = .soon }
            query.oldestFirst = list == .waiting || list == .urgent
            query.limit = 11
            var count = SQLQueryString("SELECT COUNT(*) AS n" + SQLStore.referralSource(query))
            SQLStore.appendFilters(query, flavor: .sqlite, to: &count, paging: false)
            for statement in [count, SQLStore.referralList("r.id", query, flavor: .sqlite)] {
                let plan = try await store.execute { db in
                    try await db.raw(SQLQueryString("EXPLAIN QUERY PLAN ") + statement).all().map { try $0.decode(column: "detail", as: String.self) }
                }.filter { $0.contains(" r ") }
                #expect(!plan.isEmpty && plan.allSatisfy { $0.contains("USING COVERING INDEX referrals_link_worker_status_urgency") },
                        "\(list): \(plan)")
            }
        }
    }
}
