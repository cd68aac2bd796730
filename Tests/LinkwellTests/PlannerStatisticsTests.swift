import Foundation
import LinkwellBench
@testable import LinkwellCore
@_spi(Testing) @_spi(Benchmarks) @testable import LinkwellStorage
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
        let path = temporarySQLitePath("lw-stats")
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // As Linkwell left a scheme before version 350: some years of referrals, and statistics from then.
        try await store.migrate(through: 320)
        // Today's bulk loader also writes the words of people's names (version 360), each case's measure due
        // (version 370), each open case's plan review date (version 380), each unanswered referral out (version 390) and the words of directory organisations
        // (version 361); each creates its table only if it is
        // absent and rewrites every row stored before it.
        try await store.execute { db in
            try await db.raw("CREATE TABLE person_name_terms (term TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (term, person_id))").run()
            try await db.raw(SQLQueryString(RollupMigrations.groupedTable)).run()
            try await db.raw(SQLQueryString(RollupMigrations.placeTable)).run()
            try await db.raw("""
                CREATE TABLE measures_due (referral_id TEXT PRIMARY KEY, timepoint TEXT NOT NULL, due_at REAL NOT NULL, shown_from REAL,
                                           shown_until REAL NOT NULL, overdue_after REAL NOT NULL, link_worker_id TEXT)
                """).run()
            try await db.raw("CREATE TABLE plan_reviews_due (referral_id TEXT PRIMARY KEY, review_date TEXT NOT NULL, link_worker_id TEXT)").run()
            try await db.raw("""
                CREATE TABLE onward_requests_due (onward_referral_id TEXT PRIMARY KEY, referral_id TEXT NOT NULL, link_worker_id TEXT,
                                                  created_at REAL NOT NULL, return_window_days INTEGER NOT NULL)
                """).run()
            try await db.raw("CREATE TABLE dir_organization_words (word TEXT NOT NULL, organization_id TEXT NOT NULL, PRIMARY KEY (word, organization_id)) WITHOUT ROWID").run()
        }
        let scheme = LargeScheme(size: .scaled(referrals: 200), seed: 5, now: Date(timeIntervalSince1970: 1_790_000_000))
        try await scheme.load(into: store, batch: 100)
        // The link workers those two tables gained in versions 371 and 381 are added by the upgrade.
        try await store.execute { db in
            try await db.raw("ALTER TABLE measures_due DROP COLUMN link_worker_id").run()
            try await db.raw("ALTER TABLE plan_reviews_due DROP COLUMN link_worker_id").run()
            try await db.raw("ANALYZE").run()
        }
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
        let path = temporarySQLitePath("lw-plan")
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.migrate()
        let scheme = LargeScheme(size: .scaled(referrals: 200), seed: 7, now: Date(timeIntervalSince1970: 1_790_000_000))
        try await scheme.load(into: store, batch: 100)
        let sampled: [(String, String)] = [
            ("referrals_status_updated_ids", "50000 501 1 1 1"), ("referrals_status_received", "50000 501 1 1"),
            ("referrals_link_worker_status_urgency", "50000 1001 501 250 1 1 1"), ("referrals_link_worker_received_status", "50000 1001 1 1 1 1"),
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
        // Each group alone, and searched by name: the search reads each case's person, which the indexes hold too.
        for list in [CaseworkService.CaseList.urgent, .waiting, .active, .closed] { for search in [nil, "smith"] {
            var query = ReferralQuery(linkWorkerID: worker, search: search, includeWaiting: true)
            query.waitingFor = worker
            query.statuses = list.statuses
            if list == .urgent { query.urgency = .soon }
            query.oldestFirst = list == .waiting || list == .urgent
            query.limit = 11
            // A page of the waiting list's side (no search) walks the waiting list's own index in order (version 366).
            let walks = (list == .urgent || list == .waiting) && search == nil
            for (statement, page) in [(SQLStore.referralCount(query, flavor: .sqlite), false), (SQLStore.referralIDs(query, flavor: .sqlite), true)] {
                let plan = try await store.execute { db in
                    try await db.raw(SQLQueryString("EXPLAIN QUERY PLAN ") + statement).all().map { try $0.decode(column: "detail", as: String.self) }
                }.filter { $0.contains(" r ") || $0.contains(" tally ") }
                // One of the link worker's indexes: by status (covering), or, for the closed cases that are most of
                // a caseload, walked newest first (with their status) until the page is full (no waiting list to add since `waitingListReachable`).
                // A count of their own cases without a search adds up their tallies (version 368) by the tallies' key;
                // the waiting list's side takes away those placed on a team they are not in, each read by its id from
                // the placements (not the waiting list walked).
                #expect(!plan.isEmpty && plan.allSatisfy {
                    $0.contains("USING COVERING INDEX referrals_link_worker_status_urgency (link_worker_id=?")
                        || (list == .closed && $0.contains("USING COVERING INDEX referrals_link_worker_received_status (link_worker_id=?)"))
                        || (walks && page && $0.hasSuffix("USING COVERING INDEX referrals_waiting_list"))
                        || (!page && search == nil && $0.contains("SEARCH tally USING INDEX sqlite_autoindex_referral_tallies_1 (link_worker_id=? AND status=?"))
                        || (!page && search == nil && walks && $0.hasSuffix("SEARCH r USING INDEX sqlite_autoindex_referrals_1 (id=?)"))
                }, "\(list) \(search ?? ""): \(plan)")
                #expect(plan.contains { $0.contains(" tally ") } == (!page && search == nil), "\(list) \(search ?? ""): \(plan)")
                #expect(plan.contains { $0.contains("referrals_waiting_list") } == (walks && page), "\(list) \(search ?? ""): \(plan)")
            }
        } }
    }

    /// A table of 20,000 rows whose index starts with ten keys of 1,000 rows each and then has 10,000 keys of one row:
    /// the first thousand entries of the index, which is all a sampled `ANALYZE` reads, say every key has 1,000 rows.
    static func skewedTable(_ store: SQLStore) async throws {
        try await store.execute { db in
            try await db.raw("CREATE TABLE t_skew (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v INTEGER NOT NULL)").run()
            try await db.raw("CREATE INDEX t_skew_k ON t_skew(k, v)").run()
            try await db.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO t_skew (id, k, v) SELECT i, CASE WHEN i <= 10000 THEN i % 10 ELSE i END, i FROM n
                """).run()
        }
    }

    /// A new SQLite file of its own, migrated, with the skewed table (the caller removes the file).
    static func storeWithSkewedTable() async throws -> (SQLStore, String) {
        let path = temporarySQLitePath("lw-stats")
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        try await store.migrate()
        try await skewedTable(store)
        return (store, path)
    }

    static func skewStatistics(_ store: SQLStore) async throws -> String? {
        try await store.execute { db in
            try await db.raw("SELECT stat FROM sqlite_stat1 WHERE idx = 't_skew_k'").first()?.decode(column: "stat", as: String.self)
        }
    }

    /// What a full `ANALYZE` of the table says, written over whatever was there.
    static func fullStatistics(_ store: SQLStore) async throws -> String? {
        try await store.execute { db in
            try await db.raw("PRAGMA analysis_limit=0").run()
            try await db.raw("ANALYZE t_skew").run()
        }
        return try await skewStatistics(store)
    }

    @Test("Each start analyses in full what lacks statistics, and leaves alone what has not changed")
    func startAnalysesInFull() async throws {
        let (store, path) = try await Self.storeWithSkewedTable()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await Self.skewStatistics(store) == nil)

        try await store.migrate()  // a start
        let atStart = try #require(try await Self.skewStatistics(store))
        let full = try #require(try await Self.fullStatistics(store))
        #expect(atStart == full, "statistics at start \(atStart), in full \(full)")
        #expect(full == "20000 2 1", "about two rows a key: \(full)")

        // Nothing changed: the next start does not analyse the table again (it would overwrite this).
        try await store.execute { db in try await db.raw("UPDATE sqlite_stat1 SET stat = '20000 3 1' WHERE idx = 't_skew_k'").run() }
        try await store.migrate()
        #expect(try await Self.skewStatistics(store) == "20000 3 1")
    }

    @Test("Sampled statistics an older start wrote are replaced in full by the upgrade, once")
    func sampledStatisticsReplaced() async throws {
        let (store, path) = try await Self.storeWithSkewedTable()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let full = try #require(try await Self.fullStatistics(store))
        // As every start wrote them until migration 359.
        try await store.execute { db in
            try await db.raw("PRAGMA analysis_limit=1000").run()
            try await db.raw("ANALYZE").run()
            try await db.raw("DELETE FROM schema_migrations WHERE version = 359").run()
        }
        let sampled = try #require(try await Self.skewStatistics(store))
        #expect(sampled != full, "the sample must mislead for this test to mean anything: \(sampled)")

        try await store.migrate()
        #expect(try await Self.skewStatistics(store) == full)
    }

    @Test("Every reader plans from the statistics a start wrote, not from those it read before")
    func readersReloadStatistics() async throws {
        let path = temporarySQLitePath("lw-stats")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let old = try await SQLStore.sqlite(path: path)
        try await old.migrate()
        // k: 2 rows a key in truth, 1,001 in a sample; g: 100 rows a value either way. `k = ? AND g = ?` is best
        // found by k, and by g to a planner that believes the sample.
        try await old.execute { db in
            try await db.raw("CREATE TABLE t_two (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, g INTEGER NOT NULL)").run()
            try await db.raw("CREATE INDEX t_two_k ON t_two(k)").run()
            try await db.raw("CREATE INDEX t_two_g ON t_two(g)").run()
            try await db.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO t_two (id, k, g) SELECT i, CASE WHEN i <= 10000 THEN i % 10 ELSE i END, i % 200 FROM n
                """).run()
            try await db.raw("PRAGMA analysis_limit=1000").run()
            try await db.raw("ANALYZE").run()
            try await db.raw("DELETE FROM schema_migrations WHERE version = 359").run()
        }
        try await old.shutdown()

        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        /// The index each of the readers (all four held at once) would use. A statement is run first: a connection
        /// finds the schema changed when it runs one (an `EXPLAIN` is planned, not run), and the `EXPLAIN` is new
        /// text each time so that no connection answers it from its cache of prepared statements.
        func readersPlans(_ round: Int) async throws -> [String] {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await store.benchmarkRead { db in
                            _ = try await db.raw("SELECT COUNT(*) AS n FROM t_two").all()
                            let plan = try await db.raw(SQLQueryString("EXPLAIN QUERY PLAN SELECT id FROM t_two WHERE k = \(unsafeRaw: String(12345 + round)) AND g = 145")).all()
                                .map { try $0.decode(column: "detail", as: String.self) }.joined()
                            try await Task.sleep(for: .milliseconds(200))
                            return plan.contains("t_two_k") ? "k" : plan.contains("t_two_g") ? "g" : plan
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(try await readersPlans(0) == ["g", "g", "g", "g"], "the sample must mislead for this test to mean anything")
        try await store.migrate()
        #expect(try await readersPlans(1) == ["k", "k", "k", "k"])
    }
}
