import Foundation
import LinkwellBench
@testable import LinkwellCore
@_spi(Testing) @testable import LinkwellStorage
import LinkwellTesting
import PostgresKit
import SQLKit
import Testing

/// PostgreSQL statements run by name (`PreparingPostgresDatabase`): the same rows as the unnamed statement PostgresKit
/// sends, planned once where PostgreSQL chooses to, and still right after the schema changes. Every PostgreSQL test
/// of the storage suite runs through it as well; these attack what naming a statement could break.
@Suite("PostgreSQL statements prepared by name", .closesStores, .enabled(if: TestBackend.postgresURL != nil))
struct PostgresPreparedStatementsTests {
    struct Row: Equatable {
        let id: String, n: Int, x: Double, b: Bool, at: Date, note: String?
    }

    static func rows(_ rows: [any SQLRow]) throws -> [Row] {
        try rows.map {
            Row(id: try $0.decode(column: "id", as: String.self), n: try $0.decode(column: "n", as: Int.self),
                x: try $0.decode(column: "x", as: Double.self), b: try $0.decode(column: "b", as: Bool.self),
                at: try $0.decode(column: "at", as: Date.self), note: try $0.decode(column: "note", as: String?.self))
        }
    }

    /// A migrated store on a schema of its own, and its pool.
    static func connections() async throws -> PostgresConnections {
        let store = try #require(try await TestBackend.postgres.makeStore() as? SQLStore)
        return try #require(store.connections as? PostgresConnections)
    }

    /// Runs `body` on one connection of a new store: the statements by name, and PostgresKit's own unnamed ones there.
    static func onOneConnection(_ body: @escaping @Sendable (_ named: PreparingPostgresDatabase, _ plain: any SQLDatabase) async throws -> Void) async throws {
        try await connections().session { db in
            let named = try #require(db as? PreparingPostgresDatabase)
            try await body(named, named.database.sql())
        }
    }

    struct Prepared {
        let name: String, text: String, generic: Int, custom: Int
    }

    /// The statements prepared on the session's connection under names beginning with `prefix`.
    static func prepared(_ db: any SQLDatabase, prefix: String = "lw") async throws -> [Prepared] {
        try await db.raw("SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements").all().map {
            Prepared(name: try $0.decode(column: "name", as: String.self), text: try $0.decode(column: "statement", as: String.self),
                     generic: try $0.decode(column: "generic_plans", as: Int.self), custom: try $0.decode(column: "custom_plans", as: Int.self))
        }.filter { $0.name.hasPrefix(prefix) }
    }

    /// Encoded with keys: PostgresKit binds it as JSON.
    struct Pair: Codable, Sendable, Equatable { let a: Int }

    static let base = Date(timeIntervalSince1970: 1_790_000_000.25)

    @Test("Run by name, a statement gives the unnamed statement's rows for every value, NULL included, and is planned once")
    func sameRows() async throws {
        try await Self.onOneConnection { db, plain in
            try await db.raw("CREATE TEMP TABLE t (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, b BOOLEAN, at TIMESTAMPTZ, note TEXT)").run()
            for i in 0..<40 {
                let note: String? = i % 3 == 0 ? nil : "note \(i % 5)"
                try await db.raw("""
                    INSERT INTO t (id, n, x, b, at, note) VALUES (\(bind: "r\(i)"), \(bind: i), \(bind: Double(i) / 4), \(bind: i % 2 == 0), \
                    \(bind: Self.base.addingTimeInterval(Double(i) * 3_600.5)), \(bind: note))
                    """).run()
            }
            let inserts = try await Self.prepared(db).filter { $0.text.hasPrefix("INSERT INTO t") }
            #expect(inserts.count == 2, "one name for each set of value types (a NULL note, a text note): \(inserts.map(\.name))")

            for (n, note, since) in [(5, nil, 0.0), (0, "note 1", 3_600.0), (30, nil, 0.0), (7, "note 4", 50_000.0), (100, "note 2", 0.0)] as [(Int, String?, Double)] {
                for _ in 0..<8 {
                    let query: SQLQueryString = """
                        SELECT * FROM t WHERE n >= \(bind: n) AND (\(bind: note)::text IS NULL OR note = \(bind: note)) \
                        AND at >= \(bind: Self.base.addingTimeInterval(since)) ORDER BY id
                        """
                    let byName = try Self.rows(try await db.raw(query).all())
                    let unnamed = try Self.rows(try await plain.raw(query).all())
                    #expect(byName == unnamed)
                    let expected = (0..<40).filter { i in
                        i >= n && Double(i) * 3_600.5 >= since && (note == nil || (i % 3 != 0 && "note \(i % 5)" == note))
                    }.map { "r\($0)" }.sorted()
                    #expect(byName.map(\.id) == expected)
                }
            }
            let selects = try await Self.prepared(db).filter { $0.text.hasPrefix("SELECT * FROM t") }
            #expect(selects.count == 2, "a NULL and a text note are two names: \(selects.map(\.name))")

            // A lookup by key: PostgreSQL keeps one generic plan for it after its first few executions, and plans no more.
            for i in 0..<12 { _ = try await db.raw("SELECT * FROM t WHERE id = \(bind: "r\(i)")").all() }
            let lookup = try #require(try await Self.prepared(db).first { $0.text == "SELECT * FROM t WHERE id = $1" })
            #expect(lookup.generic + lookup.custom == 12)
            #expect(lookup.generic >= 6, "planned \(lookup.custom) times of 12")
        }
    }

    @Test("Identifiers, statuses and calendar dates are bound by name as PostgresKit binds them; a value it binds another way runs unnamed")
    func singleValues() async throws {
        try await Self.onOneConnection { db, plain in
            let noStatus: ReferralStatus? = nil
            let cases: [(value: any Encodable & Sendable, text: String?, named: Bool)] = [
                (ReferralStatus.planAgreed, ReferralStatus.planAgreed.rawValue, true),
                (ReferralID("lg-000042"), "lg-000042", true),
                (Optional(UserID("lw-1")), "lw-1", true),
                (CalendarDate(year: 2026, month: 3, day: 1)!, "2026-03-01", true),
                (noStatus, nil, true),
                (Pair(a: 7), #"{"a": 7}"#, false),
            ]
            for (index, c) in cases.enumerated() {
                let query: SQLQueryString = "SELECT \(unsafeRaw: String(index)) AS i, CAST(\(bind: c.value) AS TEXT) AS v"
                let byName = try await db.raw(query).first()?.decode(column: "v", as: String?.self)
                let unnamed = try await plain.raw(query).first()?.decode(column: "v", as: String?.self)
                #expect(byName == unnamed, "\(c.value)")
                if let text = c.text { #expect(byName == text) }
                let prepared = try await Self.prepared(db).contains { $0.text.hasPrefix("SELECT \(index) AS i") }
                #expect(prepared == c.named, "\(c.value)")
            }
        }
    }

    @Test("Rows read by name decode every kind of value as PostgresKit's rows do, and refuse what PostgresKit refuses")
    func rowDecoding() async throws {
        try await Self.onOneConnection { db, plain in
            let query: SQLQueryString = """
                SELECT CAST(\(bind: "lg-7") AS TEXT) AS id, CAST(\(bind: "engaged") AS TEXT) AS status, 'soon' AS urgency, 'lw-2' AS worker,
                       CAST(NULL AS TEXT) AS nobody, '2026-03-01' AS day, TIMESTAMPTZ '2026-03-01 10:00:00+00' AS at, CAST(42 AS BIGINT) AS n,
                       SUM(x) AS total, 'sideways' AS bad_status, CAST('{"a": 3}' AS JSONB) AS pair, CAST(\(bind: 7) AS BIGINT) AS big,
                       TRUE AS yes, CAST(NULL AS BOOLEAN) AS maybe, CAST(NULL AS BIGINT) AS none, CAST(NULL AS TIMESTAMPTZ) AS never,
                       CAST(3 AS INTEGER) AS small, 'plain text' AS words, COUNT(*) AS counted
                FROM (VALUES (CAST(1 AS BIGINT)), (CAST(2 AS BIGINT))) v(x)
                """
            let byName = try #require(try await db.raw(query).first())
            let kit = try #require(try await plain.raw(query).first())
            #expect(byName is PostgresSQLRow)
            #expect(!(kit is PostgresSQLRow))
            func same<T: Decodable & Equatable>(_ column: String, _ type: T.Type, _ expected: T?) throws {
                let a = try byName.decode(column: column, as: T.self), b = try kit.decode(column: column, as: T.self)
                #expect(a == b, "\(column) as \(T.self)")
                if let expected { #expect(a == expected, "\(column) as \(T.self)") }
            }
            try same("id", ReferralID.self, ReferralID("lg-7"))
            try same("id", ReferralID?.self, ReferralID("lg-7"))
            try same("status", ReferralStatus.self, .engaged)
            try same("urgency", Urgency.self, .soon)
            try same("worker", UserID?.self, UserID("lw-2"))
            try same("nobody", UserID?.self, nil)
            try same("nobody", String?.self, nil)
            try same("day", CalendarDate.self, CalendarDate(year: 2026, month: 3, day: 1))
            try same("at", Date.self, Date(timeIntervalSince1970: 1_772_359_200))
            try same("n", Int.self, 42)
            try same("total", Double.self, 3)
            try same("pair", Pair.self, Pair(a: 3))
            try same("big", Int.self, 7)
            // Plain values, decoded from their cells without PostgresKit's general decoder (`PostgresSQLRow.plain`).
            try same("words", String.self, "plain text")
            try same("words", String?.self, "plain text")
            try same("yes", Bool.self, true)
            try same("yes", Bool?.self, true)
            try same("maybe", Bool?.self, nil)
            try same("none", Int?.self, nil)
            try same("n", Int?.self, 42)
            try same("small", Int.self, 3)
            try same("counted", Int.self, 2)
            try same("never", Date?.self, nil)
            try same("at", Date?.self, Date(timeIntervalSince1970: 1_772_359_200))
            #expect(try byName.decodeNil(column: "nobody") && !byName.decodeNil(column: "id"))
            #expect(byName.allColumns == kit.allColumns)
            // What PostgresKit refuses, so does the row read by name.
            #expect(throws: (any Error).self) { try kit.decode(column: "bad_status", as: ReferralStatus.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "bad_status", as: ReferralStatus.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "nobody", as: UserID.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "absent", as: UserID.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "status", as: Int.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "none", as: Int.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "maybe", as: Bool.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "nobody", as: String.self) }
            #expect(throws: (any Error).self) { try byName.decode(column: "words", as: Date.self) }
            #expect(throws: (any Error).self) { try kit.decode(column: "none", as: Int.self) }
            #expect(throws: (any Error).self) { try kit.decode(column: "words", as: Date.self) }
        }
    }

    @Test("After a schema change a prepared SELECT * gives the new columns; without being told, PostgreSQL refuses it")
    func schemaChange() async throws {
        let connections = try await Self.connections()
        try await connections.session { db in
            try await db.raw("CREATE TEMP TABLE s (id TEXT PRIMARY KEY, a BIGINT)").run()
            try await db.raw("INSERT INTO s (id, a) VALUES (\(bind: "one"), \(bind: 1))").run()
            let query: SQLQueryString = "SELECT * FROM s WHERE id = \(bind: "one")"
            #expect(try await db.raw(query).first()?.allColumns == ["id", "a"])
            try await db.raw("ALTER TABLE s ADD COLUMN c TEXT").run()
            // What `schemaChanged` prevents: the statement prepared before the change is refused.
            await #expect(throws: PSQLError.self) { try await db.raw(query).all() }
            connections.schemaChanged()
            let row = try #require(try await db.raw(query).first())
            #expect(row.allColumns == ["id", "a", "c"])
            #expect(try row.decode(column: "a", as: Int.self) == 1)
            // A change no migration of this server told it of (another server's): in a session the one statement is
            // refused, and the next is prepared afresh.
            try await db.raw("ALTER TABLE s ADD COLUMN d TEXT").run()
            await #expect(throws: PSQLError.self) { try await db.raw(query).all() }
            #expect(try await db.raw(query).first()?.allColumns == ["id", "a", "c", "d"])
        }
    }

    @Test("A plain read whose table another server changed runs again unnamed: no read fails")
    func schemaChangedElsewhere() async throws {
        let connections = try await Self.connections()
        try await connections.read { db in try await db.raw("CREATE TABLE elsewhere (id TEXT PRIMARY KEY, a BIGINT)").run() }
        try await connections.read { db in try await db.raw("INSERT INTO elsewhere (id, a) VALUES (\(bind: "one"), \(bind: 1))").run() }
        let query: SQLQueryString = "SELECT * FROM elsewhere WHERE id = \(bind: "one")"
        // Prepared on every connection of the pool (reads at once take different connections).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 { group.addTask { _ = try await connections.read { db in try await db.raw(query).all() } } }
            try await group.waitForAll()
        }
        // Changed behind the store's back: no migration of its own tells it.
        let url = try #require(TestBackend.postgresURL)
        let schema = try await connections.read { db in try await db.raw("SELECT current_schema() AS s").first()?.decode(column: "s", as: String.self) }
        let other = try SQLStore.postgres(url: url, searchPath: [try #require(schema)], connectionsPerEventLoop: 1)
        OpenedStores.current?.add(other)
        try await #require(other.connections as? PostgresConnections).read { db in try await db.raw("ALTER TABLE elsewhere ADD COLUMN b TEXT").run() }
        try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<16 { group.addTask { try await connections.read { db in try await db.raw(query).first()?.allColumns ?? [] } } }
            for try await columns in group { #expect(columns == ["id", "a", "b"]) }
        }
    }

    @Test("A migration applied names every statement afresh; a start with nothing to apply keeps the names")
    func migrationRenames() async throws {
        let store = try await SQLStore.postgres(url: TestBackend.postgresURL!, schema: TestBackend.newPostgresSchema(), connectionsPerEventLoop: 1, connectionWait: 60)
        OpenedStores.current?.add(store)
        let names = try #require(store.connections as? PostgresConnections).statementNames
        let last = try #require(Migrations.all.last).version
        try await store.migrate(through: last - 1)
        let text = "SELECT version FROM schema_migrations WHERE version = $1"
        let before = try #require(names.name(for: text, types: [PostgresDataType.int8.rawValue]))
        try await store.migrate()
        let after = try #require(names.name(for: text, types: [PostgresDataType.int8.rawValue]))
        #expect(after != before)
        try await store.migrate()
        #expect(names.name(for: text, types: [PostgresDataType.int8.rawValue]) == after)
    }

    @Test("Texts beyond the limit run unnamed, with the same rows")
    func limit() async throws {
        let connections = try await Self.connections()
        try await connections.session { db in
            let session = try #require(db as? PreparingPostgresDatabase)
            // Names of its own: the store's names are prepared on this connection already.
            let limited = PreparingPostgresDatabase(database: session.database, names: PostgresStatementNames(prefix: "limited", limit: 2),
                                                    logger: session.logger)
            try await limited.raw("CREATE TEMP TABLE u (id BIGINT PRIMARY KEY)").run()
            for i in 0..<5 { try await limited.raw("INSERT INTO u (id) VALUES (\(bind: i))").run() }
            #expect(try await limited.raw("SELECT id FROM u WHERE id < \(bind: 3) ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) } == [0, 1, 2])
            #expect(try await limited.raw("SELECT id FROM u WHERE id > \(bind: 3) ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) } == [4])
            let ours = try await Self.prepared(limited, prefix: "limited")
            #expect(Set(ours.map(\.text)) == ["INSERT INTO u (id) VALUES ($1)", "SELECT id FROM u WHERE id < $1 ORDER BY id"])
        }
    }

    @Test("Only queries and row changes are named")
    func preparable() {
        for text in ["SELECT 1", " (SELECT a FROM b) UNION ALL (SELECT a FROM c)", "WITH x AS (SELECT 1) SELECT * FROM x", "INSERT INTO a VALUES ($1)",
                     "UPDATE a SET b = $1", "DELETE FROM a WHERE b = $1", "select 1"] {
            #expect(PostgresStatementNames.preparable(text), "\(text)")
        }
        for text in ["BEGIN", "COMMIT", "CREATE INDEX x ON a(b)", "ALTER TABLE a ADD COLUMN b TEXT", "SET search_path = a", "ANALYZE", "COPY a TO STDOUT"] {
            #expect(!PostgresStatementNames.preparable(text), "\(text)")
        }
    }

    /// A statement run by name is planned once for every value (`PreparingPostgresDatabase`). For a link worker's waiting
    /// group that plan fed the group's merge from the link worker's index by date, testing the status of every case they
    /// ever had to find the few of their own still waiting (1,512 in the five-year scheme, every caseload view). Version
    /// 393's index holds only those; the plan made for every link worker must read it, and the rows must not change.
    struct Unwritten: Error { let type: String }

    @Test("Planned once for every link worker, a waiting group reads their own waiting referrals from their own index")
    func ownWaitingSide() async throws {
        let store = try #require(try await TestBackend.postgres.makeStore() as? SQLStore)
        let scheme = LargeScheme(size: .scaled(referrals: 200), seed: 7, now: Date(timeIntervalSince1970: 1_790_000_000))
        try await scheme.load(into: store, batch: 100)
        let worker = try #require(scheme.linkWorkers.first).id
        var query = ReferralQuery(linkWorkerID: worker, includeWaiting: true)
        query.waitingFor = worker
        query.statuses = CaseworkService.CaseList.waiting.statuses
        query.oldestFirst = true
        query.limit = 11
        let statement = SQLStore.referralIDs(query, flavor: .postgres)
        let (plan, rows) = try await store.execute { db in
            // A few of the link worker's cases back at the start, as a referral allocated before it is taken on is.
            try await db.raw("""
                UPDATE referrals SET status = 'received' WHERE id IN (SELECT id FROM referrals WHERE link_worker_id = \(bind: worker) ORDER BY id LIMIT 3)
                """).run()
            try await db.raw("ANALYZE referrals").run()
            var serializer = SQLSerializer(database: db)
            statement.serialize(to: &serializer)
            // The values written in, as the test's own identifiers and numbers (no value here needs quoting).
            let values = try serializer.binds.map { bind -> String in
                if let text = bind as? String { return "'\(text)'" }
                if let id = bind as? UserID { return "'\(id.rawValue)'" }
                if let number = bind as? Int { return "\(number)" }
                throw Unwritten(type: "\(type(of: bind))")
            }
            try await db.raw("SET LOCAL plan_cache_mode = force_generic_plan").run()
            try await db.raw(SQLQueryString("PREPARE own_waiting AS \(unsafeRaw: serializer.sql)")).run()
            let plan = try await db.raw(SQLQueryString("EXPLAIN EXECUTE own_waiting(\(unsafeRaw: values.joined(separator: ", ")))")).all()
                .map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
            let rows = try await db.raw(SQLQueryString("EXECUTE own_waiting(\(unsafeRaw: values.joined(separator: ", ")))")).all()
                .map { try $0.decode(column: "id", as: String.self) }
            try await db.raw("DEALLOCATE own_waiting").run()
            return (plan, rows)
        }
        #expect(plan.contains("referrals_own_waiting"), "\(plan)")
        #expect(!plan.contains("referrals_link_worker_received_status"), "\(plan)")
        // The rows as the rule gives them from the whole cases (`ReferralQuery.matches`): the link worker's own waiting
        // and the waiting list they may pick up from, longest waiting first.
        let ids = try await store.referrals(ReferralQuery(limit: 100_000)).map(\.id)
        let expected = try await store.loadCases(ids).filter { query.matches($0.referral, person: $0.person, team: $0.team) }
            .map(\.referral).sorted { ($0.receivedAt, $0.id.rawValue) < ($1.receivedAt, $1.id.rawValue) }.prefix(11).map(\.id.rawValue)
        #expect(expected.count >= 3 && rows == expected)
    }
}
