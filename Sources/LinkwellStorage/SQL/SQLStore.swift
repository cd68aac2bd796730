import Foundation
import LinkwellCore
import Logging
import SQLKit
import Synchronization

/// The storage protocols on SQL: one implementation for SQLite and PostgreSQL, which differ only in
/// how connections and transactions are handled (`SQLConnections`) and in a few column types.
public final class SQLStore: LinkwellStore {
    let connections: any SQLConnections

    init(connections: any SQLConnections) {
        self.connections = connections
    }

    /// The PostgreSQL pool `serve` uses: at most this many connections per event loop (one loop per core).
    public static let defaultConnectionsPerEventLoop = 4

    /// Opens (creating if needed) an SQLite database file.
    public static func sqlite(path: String, logger: Logger = Logger(label: "linkwell.sqlite")) async throws -> SQLStore {
        SQLStore(connections: try await SQLiteConnections(path: path, logger: logger))
    }

    /// Connects to PostgreSQL with a `postgres://user:password@host:port/database` URL.
    /// `searchPath` puts the tables in a schema of their own (the tests use one schema each).
    /// `connectionsPerEventLoop` bounds the pool: at most that many connections per event loop (core); a
    /// request that waits `connectionWait` seconds for one fails as `StorageError.unavailable` (a 503).
    public static func postgres(url: String, searchPath: [String]? = nil, connectionsPerEventLoop: Int = defaultConnectionsPerEventLoop,
                                connectionWait: Int64 = 10, logger: Logger = Logger(label: "linkwell.postgres")) throws -> SQLStore {
        SQLStore(connections: try PostgresConnections(url: url, searchPath: searchPath, connectionsPerEventLoop: connectionsPerEventLoop,
                                                      connectionWait: connectionWait, logger: logger))
    }

    /// Connects to PostgreSQL with the tables in their own schema, creating the schema if needed.
    public static func postgres(url: String, schema: String, connectionsPerEventLoop: Int = defaultConnectionsPerEventLoop,
                                connectionWait: Int64 = 10, logger: Logger = Logger(label: "linkwell.postgres")) async throws -> SQLStore {
        guard schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw LinkwellError.invalid([.apiOnly("schema", "A schema name may contain only letters, digits and underscores.")])
        }
        let admin = try PostgresConnections(url: url, searchPath: nil, connectionsPerEventLoop: 1, connectionWait: connectionWait, logger: logger)
        do {
            try await admin.transaction { db in try await db.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run() }
            try await admin.close()
        } catch {
            try? await admin.close()
            throw error
        }
        return try postgres(url: url, searchPath: [schema], connectionsPerEventLoop: connectionsPerEventLoop,
                            connectionWait: connectionWait, logger: logger)
    }

    public var flavor: SQLFlavor { connections.flavor }

    /// A database setting, for tests of the durability configuration (SQLite only).
    public func sqlitePragma(_ name: String) async throws -> String? {
        try await (connections as? SQLiteConnections)?.pragma(name)
    }

    /// How many statements SQLite has had to prepare again before running them, on the writer and the readers
    /// (SQLite only), for the test that keeps the statement cache working.
    @_spi(Testing) public var sqliteStatementsPreparedAgain: Int? { (connections as? SQLiteConnections)?.preparedAgain.count }
    /// How many statements SQLite's connections have sent to their threads (SQLite only), for the test that keeps reads
    /// by key inline (`ReadSize`).
    @_spi(Testing) public var sqliteThreadTurns: Int? { (connections as? SQLiteConnections)?.turns.count }

    /// Closes the connections once. Every later or concurrent call waits for that one close and hears its outcome: a test
    /// and its scope, or two parts of a server stopping, may both shut a store down, and two closes at once freed each
    /// SQLite connection's memory twice (a crash of the whole process, `SQLStoreShutdownTests`).
    public func shutdown() async throws {
        let closing = closing.withLock { closing in
            if let closing { return closing }
            let started = Task { [connections] in try await connections.close() }
            closing = started
            return started
        }
        try await closing.value
    }
    private let closing = Mutex<Task<Void, any Error>?>(nil)

    // MARK: Migrations

    public func migrate() async throws { try await migrate(through: nil) }

    /// Applies the migrations up to `version` only (all when nil), then indexes what needs it: for the
    /// upgrade tests, which build a database as an older Linkwell left it.
    @_spi(Testing) public func migrate(through version: Int?) async throws {
        let flavor = connections.flavor
        let statisticsBefore = flavor == .sqlite ? try await connections.transaction { db in try await Self.statistics(db) } : ""
        try await connections.transaction { db in
            try await db.raw(SQLQueryString(flavor.render(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {ts} NOT NULL)"
            ))).run()
        }
        for migration in Migrations.all where version.map({ migration.version <= $0 }) ?? true {
            let applied = try await connections.transaction { db -> Bool in
                let done = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").first()
                guard done == nil else { return false }
                for statement in migration.statements(flavor) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date()))").run()
                return true
            }
            if applied { connections.schemaChanged() }
        }
        if version == nil {
            try await rebuildSearchIndex()
            try await indexPersonNames()
            try await indexOrganizationWords()
            try await indexMeasuresDue()
        }
        if flavor == .sqlite {
            try await connections.transaction { db in
                try await Self.refreshStatistics(db)
                // A connection reads the statistics with the schema, and reads the schema again only when it changes:
                // the readers, which may have read it before this start analysed (the index rebuilds above read),
                // kept planning from the old statistics until the server restarted. Changing the schema makes each
                // of them read both again at its next statement.
                if try await Self.statistics(db) != statisticsBefore {
                    try await db.raw("CREATE TABLE statistics_changed (x INTEGER)").run()
                    try await db.raw("DROP TABLE statistics_changed").run()
                }
            }
        }
    }

    /// SQLite's planner statistics as text, to tell whether a start changed them.
    private static func statistics(_ db: any SQLDatabase) async throws -> String {
        guard try await db.raw("SELECT 1 AS x FROM sqlite_schema WHERE name = 'sqlite_stat1'").first() != nil else { return "" }
        return try await db.raw("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx").all().map { row in
            "\(try row.decode(column: "tbl", as: String.self)) \(try row.decode(column: "idx", as: String?.self) ?? "") \(try row.decode(column: "stat", as: String.self))"
        }.joined(separator: "\n")
    }

    /// SQLite's planner reads statistics that only `ANALYZE` writes (PostgreSQL's autovacuum keeps its own): without
    /// them it guesses how many rows each index value holds, and an index added by an upgrade has none. Each start
    /// analyses, in full, only the tables SQLite's own rule (`PRAGMA optimize`) says need it: one with an index that
    /// has no statistics, or whose size has changed tenfold since it was analysed. Statistics from a sample of each
    /// index (`analysis_limit=1000`, what each start wrote until 5 December) read the first thousand entries of
    /// an index sorted by its key: at 500,000 services they said a word's postings were 1,001 rows and a weekday's
    /// opening hours 1,001 (there are 142,143), and the directory search's p99 went from 18 to 66 ms
    /// (`StatisticsTests`; migration 359 replaced the sampled statistics once, in full).
    static func refreshStatistics(_ db: any SQLDatabase) async throws {
        try await db.raw("PRAGMA analysis_limit=0").run()
        try await db.raw("PRAGMA optimize(0x10002)").run()
    }

    /// Runs SQL in one transaction: for the upgrade tests (rows as an older Linkwell wrote them) and
    /// the import benchmark's plain-SQL baseline.
    @_spi(Testing) public func execute<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await connections.transaction(body)
    }

    /// Every schema version this build knows, in order: what `migrate` brings a database up to.
    public static var knownMigrations: [Int] { Migrations.all.map(\.version).sorted() }

    /// The versions applied so far, in order.
    public func appliedMigrations() async throws -> [Int] {
        try await connections.read { db in
            try await db.raw("SELECT version FROM schema_migrations ORDER BY version").all().map { try $0.decode(column: "version", as: Int.self) }
        }
    }

    // MARK: HealthStore

    public func health() async throws -> StoreHealth {
        try await connections.read { db in
            let applied = Set(try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
            // Counted through the (state, not_before) index: sent e-mails pile up over the years.
            func count(_ state: String) async throws -> Int {
                try await db.raw("SELECT COUNT(*) AS n FROM email_outbox WHERE state = \(bind: state)").first()?.decode(column: "n", as: Int.self) ?? 0
            }
            return StoreHealth(pendingMigrations: Self.knownMigrations.filter { !applied.contains($0) },
                               outboxQueued: try await count("queued"), outboxFailed: try await count("failed"))
        }
    }

    // MARK: CaseStore

    public func createReferral(person: Person, referral: Referral, event: ReferralEvent, team: TeamID?) async throws {
        try await connections.transaction { db in
            try await db.insert(into: "people").model(person, keyEncodingStrategy: toColumns).run()
            try await Self.writeNameTerms([person], replacing: false, db)
            try await db.insert(into: "referrals").model(ReferralRow(referral)).run()
            try await Self.insertNeeds([referral], db)
            try await Self.insert([event], into: "referral_events", db)
            try await Self.writeFacts(InsightFacts(Case(person: person, referral: referral, events: [event])), db)
            // A new referral has no measures; only one made at a stage of support can have one due.
            if MeasureDue.window(status: referral.status, updatedAt: referral.updatedAt, taken: []) != nil {
                try await Self.writeMeasuresDue([referral.id], db)
            }
            if let team {
                try await db.raw("INSERT INTO team_placements (referral_id, team_id) VALUES (\(bind: referral.id), \(bind: team))").run()
            }
        }
    }

    /// The referral and its ~15 kinds of child rows, read in one snapshot so that a concurrent change
    /// is seen whole or not at all.
    public func loadCase(_ id: ReferralID) async throws -> Case? {
        try await connections.snapshot(.lookup) { db in
            guard let referralRow = try await db.raw("SELECT * FROM referrals WHERE id = \(bind: id)").first() else { return nil }
            let needs = try await Self.needs(for: [id], db)[id] ?? []
            let referral = try referralRow.decode(model: ReferralRow.self).referral(needs: needs)
            guard let person = try await db.raw("SELECT * FROM people WHERE id = \(bind: referral.personID)").first(decoding: Person.self, keyDecodingStrategy: fromColumns) else { return nil }
            func children<T: Decodable & Sendable>(_ table: String, _ type: T.Type, key: String = "referral_id") async throws -> [T] {
                try await db.raw("SELECT * FROM \(ident: table) WHERE \(ident: key) = \(bind: id) ORDER BY seq").all(decoding: T.self, keyDecodingStrategy: fromColumns)
            }
            let onwardIn = "SELECT id FROM onward_referrals WHERE referral_id = "
            var found = Case(
                person: person, referral: referral,
                events: try await children("referral_events", ReferralEvent.self),
                contacts: try await children("contacts", Contact.self),
                plan: try await db.raw("SELECT * FROM plans WHERE referral_id = \(bind: id)").first(decoding: Plan.self, keyDecodingStrategy: fromColumns),
                goals: try await children("goals", Goal.self),
                goalRatings: try await db.raw("SELECT r.* FROM goal_ratings r JOIN goals g ON g.id = r.goal_id WHERE g.referral_id = \(bind: id) ORDER BY r.seq").all(decoding: GoalRating.self, keyDecodingStrategy: fromColumns),
                onwardReferrals: try await children("onward_referrals", OnwardReferral.self),
                onwardEvents: try await db.raw("SELECT * FROM onward_events WHERE onward_referral_id IN (\(unsafeRaw: onwardIn)\(bind: id)) ORDER BY seq").all(decoding: OnwardEvent.self, keyDecodingStrategy: fromColumns),
                attendance: try await db.raw("SELECT * FROM attendance_reports WHERE onward_referral_id IN (\(unsafeRaw: onwardIn)\(bind: id)) ORDER BY seq").all(decoding: AttendanceReport.self, keyDecodingStrategy: fromColumns),
                messages: try await children("messages_back", MessageBack.self),
                concerns: try await children("safeguarding_concerns", SafeguardingConcern.self),
                signposts: try await children("signposts", Signpost.self),
                visits: try await children("lone_working_visits", LoneWorkingVisit.self),
                actions: try await children("plan_actions", PlanAction.self),
                profile: try await children("case_profile_items", ProfileItem.self),
                gaps: try await children("case_gaps", GapRecord.self))
            found.risks = try await children("case_risks", RiskEntry.self)
            found.requestedActions = try await children("case_requested_actions", RequestedAction.self)
            found.details = try await db.raw("SELECT * FROM case_record_details WHERE referral_id = \(bind: id)").first(decoding: RecordDetails.self, keyDecodingStrategy: fromColumns)
            if let placed = try await db.raw("SELECT team_id FROM team_placements WHERE referral_id = \(bind: id)").first() {
                let teamID = TeamID(try placed.decode(column: "team_id", as: String.self))
                let members = try await db.raw("SELECT link_worker_id FROM team_members WHERE team_id = \(bind: teamID) ORDER BY link_worker_id").all()
                    .map { UserID(try $0.decode(column: "link_worker_id", as: String.self)) }
                found.team = CaseTeam(teamID: teamID, linkWorkerIDs: members)
            }
            return found
        }
    }

    public func apply(_ change: CaseChange) async throws {
        try await connections.transaction { db in try await Self.write(change, db) }
    }

    /// Writes one casework change under its version guard, inside the caller's transaction (`apply`, and
    /// the bulk import of a referral's history).
    static func write(_ change: CaseChange, _ db: any SQLDatabase) async throws {
        // Every column but the key: writing the key, even unchanged, makes SQLite check every table that
        // points at the referral (see `ForeignKeyIndexMigrations`).
        let columns = try SQLQueryEncoder(nilEncodingStrategy: .asNil).encode(ReferralRow(change.referral)).filter { $0.0 != "id" }
        let updated = try await columns.reduce(db.update("referrals")) { $0.set(SQLColumn($1.0), to: $1.1) }
            .where("id", .equal, change.referral.id)
            .where("version", .equal, change.expectedVersion)
            .returning("id")
            .all()
        guard !updated.isEmpty else { throw StorageError.versionConflict }
        try await db.delete(from: "referral_needs").where("referral_id", .equal, change.referral.id).run()
        try await Self.insertNeeds([change.referral], db)
        try await Self.insert(change.events, into: "referral_events", db)
        try await Self.insert(change.contacts, into: "contacts", db)
        if let plan = change.plan {
            // Nil items are written as NULL, so that an item cleared on the plan is cleared in the row.
            try await db.insert(into: "plans").model(plan, keyEncodingStrategy: toColumns, nilEncodingStrategy: .asNil)
                .onConflict(with: ["referral_id"]) { try $0.set(excludedContentOf: plan, keyEncodingStrategy: toColumns, nilEncodingStrategy: .asNil) }
                .run()
        }
        try await Self.upsert(change.goals, into: "goals", db)
        try await Self.insert(change.goalRatings, into: "goal_ratings", db)
        try await Self.upsert(change.onwardReferrals, into: "onward_referrals", db)
        try await Self.insert(change.onwardEvents, into: "onward_events", db)
        try await Self.insert(change.attendance, into: "attendance_reports", db)
        try await Self.insert(change.messages, into: "messages_back", db)
        try await Self.insert(change.messages.map(OutboxEmail.init(message:)), into: "email_outbox", db)
        try await Self.insert(change.signposts, into: "signposts", db)
        try await Self.upsert(change.actions, into: "plan_actions", db)
        try await Self.upsert(change.visits, into: "lone_working_visits", db)
        try await Self.upsert(change.concerns, into: "safeguarding_concerns", db)
        try await Self.upsert(change.profile, into: "case_profile_items", db)
        try await Self.insert(change.gaps, into: "case_gaps", db)
        try await Self.upsert(change.risks, into: "case_risks", db)
        try await Self.upsert(change.requestedActions, into: "case_requested_actions", db)
        if let details = change.details { try await Self.upsert([details], into: "case_record_details", key: "referral_id", db) }
        if let facts = change.facts { try await Self.writeFacts(facts, db) }
        try await Self.writeMeasuresDue([CaseStage(change.referral)], db)
        try await Self.writePlanReviewDue(change, db)
        try await Self.writeOnwardRequestsDue(change, db)
        try await Self.insert(change.audit, into: "audit_events", db)
    }

    public func possibleDuplicates(of person: Person) async throws -> [ReferralID] {
        // People first (`CROSS JOIN` fixes the order in SQLite), found by index, then their referrals.
        try await connections.read { db in
            try await db.raw("""
                SELECT r.id FROM people p CROSS JOIN referrals r
                WHERE r.person_id = p.id AND p.id <> \(bind: person.id) AND p.merged_into IS NULL AND (
                    (p.nhs_number IS NOT NULL AND p.nhs_number = \(bind: person.nhsNumber?.digits ?? "-"))
                    OR (lower(p.given_name) = \(bind: person.givenName.lowercased()) AND lower(p.family_name) = \(bind: person.familyName.lowercased())
                        AND p.date_of_birth = \(bind: "\(person.dateOfBirth)") AND p.postcode = \(bind: person.postcode)))
                ORDER BY r.received_at DESC, r.id DESC
                """).all().map { try $0.decode(column: "id", as: ReferralID.self) }
        }
    }

    public func mergePeople(keep: PersonID, duplicate: PersonID) async throws {
        try await connections.transaction { db in
            try await db.raw("UPDATE referrals SET person_id = \(bind: keep), version = version + 1 WHERE person_id = \(bind: duplicate)").run()
            try await db.raw("UPDATE people SET merged_into = \(bind: keep) WHERE id = \(bind: duplicate)").run()
        }
    }

    // MARK: OutboxStore

    public func queueReminders(_ emails: [OutboxEmail]) async throws -> Int {
        guard !emails.isEmpty else { return 0 }
        return try await connections.transaction { db in
            var added = 0
            for email in emails {
                // ON CONFLICT DO NOTHING: another instance queuing the same reminder at the same moment wins quietly.
                let rows = try await db.raw("""
                    INSERT INTO email_outbox (id, referral_id, recipient_id, kind, state, attempts, not_before, created_at)
                    VALUES (\(bind: email.id), NULL, \(bind: email.recipientID), \(bind: email.kind.rawValue), 'queued', 0,
                            \(bind: email.notBefore), \(bind: email.createdAt))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """).all()
                added += rows.count
            }
            return added
        }
    }

    public func claimEmails(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxEmail] {
        let lock = flavor == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await connections.transaction { db in
            try await db.raw("""
                UPDATE email_outbox SET claimed_until = \(bind: leaseUntil), attempts = attempts + 1
                WHERE id IN (SELECT id FROM email_outbox WHERE state = 'queued' AND not_before <= \(bind: now)
                    AND (claimed_until IS NULL OR claimed_until < \(bind: now))
                    ORDER BY created_at, id LIMIT \(bind: limit)\(unsafeRaw: lock))
                RETURNING *
                """).all(decoding: OutboxEmail.self, keyDecodingStrategy: fromColumns)
        }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func markEmailSent(_ id: MessageID, at: Date) async throws {
        try await connections.transaction { db in
            try await db.raw("""
                UPDATE email_outbox SET state = 'sent', sent_at = \(bind: at), claimed_until = NULL, last_error = NULL
                WHERE id = \(bind: id)
                """).run()
        }
    }

    public func markEmailFailed(_ id: MessageID, error: String, retryAt: Date?) async throws {
        try await connections.transaction { db in
            if let retryAt {
                try await db.raw("""
                    UPDATE email_outbox SET not_before = \(bind: retryAt), claimed_until = NULL, last_error = \(bind: error)
                    WHERE id = \(bind: id) AND state = 'queued'
                    """).run()
            } else {
                try await db.raw("""
                    UPDATE email_outbox SET state = 'failed', claimed_until = NULL, last_error = \(bind: error)
                    WHERE id = \(bind: id) AND state = 'queued'
                    """).run()
            }
        }
    }

    public func outbox(limit: Int) async throws -> [OutboxEmail] {
        try await all("SELECT * FROM email_outbox ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)")
    }

    public func openVisits() async throws -> [LoneWorkingVisit] {
        try await all("SELECT * FROM lone_working_visits WHERE checked_out_at IS NULL ORDER BY checked_in_at, id")
    }

    public func safeguardingConcerns(openOnly: Bool, recipientID: UserID?) async throws -> [SafeguardingConcern] {
        var sql = SQLQueryString("SELECT * FROM safeguarding_concerns WHERE 1 = 1")
        if openOnly { sql.appendInterpolation(unsafeRaw: " AND resolved_at IS NULL") }
        if let recipientID { sql.appendInterpolation(unsafeRaw: " AND recipient_id = "); sql.appendInterpolation(bind: recipientID) }
        sql.appendInterpolation(unsafeRaw: " ORDER BY raised_at, id")
        return try await all(sql)
    }

    public func referrals(_ query: ReferralQuery) async throws -> [ReferralSummary] {
        let flavor = connections.flavor
        return try await connections.read { db in
            // The page's ids are chosen first, from the indexes alone where the filters allow (the person is
            // joined only when a filter reads them); the names and counts are then read for those rows only, not
            // for every row the sort had to see (a link worker's 1,300 closed cases for a page of 50).
            let order = query.oldestFirst ? "ASC" : "DESC"
            var sql = SQLQueryString("SELECT " + Self.summaryColumns + " FROM (")
            sql.appendInterpolation(Self.referralIDs(query, flavor: flavor))
            sql.appendInterpolation(unsafeRaw: ") k" + Self.summarySource + " ORDER BY r.received_at \(order), r.id \(order)")
            return try await db.raw(sql).all().map(Self.summary)
        }
    }

    /// Every list's rows in one statement: each list's ids chosen as `referrals` chooses them, on its own, then the
    /// rows read for them all together, each in its list's order. A caseload's four groups were four statements, each
    /// a turn on a reader's thread on SQLite and a round trip on PostgreSQL.
    public func referrals(_ queries: [ReferralQuery]) async throws -> [[ReferralSummary]] {
        if queries.isEmpty { return [] }
        if queries.count == 1 { return [try await referrals(queries[0])] }
        let sql = Self.listsTogether(queries, flavor: connections.flavor)
        return try await connections.read { db in try Self.lists(try await db.raw(sql).all(), count: queries.count) }
    }

    /// The counts and the rows in one statement: the counts (`countReferrals`' single row) joined to every row of the
    /// lists (`listsTogether`), and alone when no list has a row. The caseload's first pages need no count first (a
    /// first page is never past the end), so a whole caseload is this one statement. On PostgreSQL the read's
    /// access-log entry is inserted by the same statement (`WITH logged AS (INSERT …)`, which runs whether or not the
    /// rest reads it): one round trip and one commit instead of two, and no read without its entry. SQLite's readers
    /// cannot write, and SQLite has no `INSERT` in a `WITH`: there it is stored after the read, as `append` stores it.
    public func countedReferrals(_ queries: [ReferralQuery], logging entry: AuditEvent?) async throws -> (totals: [Int], rows: [[ReferralSummary]]) {
        if queries.isEmpty {
            if let entry { try await append(entry) }
            return ([], [])
        }
        var sql = SQLQueryString("SELECT c.*, x.* FROM (")
        sql.appendInterpolation(countsTogether(queries))
        sql.appendInterpolation(unsafeRaw: ") c LEFT JOIN (")
        sql.appendInterpolation(Self.listsTogether(queries, flavor: connections.flavor, ordered: false))
        sql.appendInterpolation(unsafeRaw: ") x ON 1 = 1")
        Self.appendListOrder(queries, table: "x", to: &sql)
        let logged = flavor == .postgres ? entry : nil
        let read: @Sendable (any SQLDatabase) async throws -> (totals: [Int], rows: [[ReferralSummary]]) = { [sql] db in
            var statement = sql
            if let logged {
                // The row as `append` inserts it (`insert(_:into:)`: SQLKit's insert of the model, nil as NULL).
                let insert = try db.insert(into: "audit_events").model(logged, keyEncodingStrategy: toColumns, nilEncodingStrategy: .asNil).insert
                statement = "WITH logged AS (" + SQLQueryString("\(insert)") + " RETURNING 1) " + sql
            }
            let found = try await db.raw(statement).all()
            guard let first = found.first else { return (queries.map { _ in 0 }, queries.map { _ in [] }) }
            return (try queries.indices.map { try first.decode(column: "n\($0)", as: Int.self) }, try Self.lists(found, count: queries.count))
        }
        if logged != nil { return try await connections.statement(read) }
        let found = try await connections.read(.scan, read)
        if let entry { try await append(entry) }
        return found
    }

    /// The rows of `listsTogether`, each in its list `g` (a row without a list, the counts' own when no list has a row,
    /// is skipped).
    static func lists(_ rows: [any SQLRow], count: Int) throws -> [[ReferralSummary]] {
        var lists = [[ReferralSummary]](repeating: [], count: count)
        for row in rows where !(try row.decodeNil(column: "g")) {
            let index = try row.decode(column: "g", as: Int.self)
            guard lists.indices.contains(index) else { continue }
            lists[index].append(try summary(row))
        }
        return lists
    }

    /// `SELECT k.g, summaryColumns …`: each list's ids chosen as `referrals` chooses them, numbered `g`, and their rows;
    /// sorted each in its list's direction unless `ordered` is false (the caller sorts).
    static func listsTogether(_ queries: [ReferralQuery], flavor: SQLFlavor, ordered: Bool = true) -> SQLQueryString {
        // `SELECT 0 AS g, id FROM (…) k0 UNION ALL …`: each list's ids with its own order and limit, in a subquery of its
        // own (SQLite has no parenthesised members of a compound SELECT, and PostgreSQL 15 wants each subquery named).
        var sql = SQLQueryString("SELECT k.g, " + Self.summaryColumns + " FROM (")
        for (index, query) in queries.enumerated() {
            sql.appendInterpolation(unsafeRaw: index == 0 ? "SELECT 0 AS g, id FROM (" : " UNION ALL SELECT \(index) AS g, id FROM (")
            sql.appendInterpolation(Self.referralIDs(query, flavor: flavor))
            sql.appendInterpolation(unsafeRaw: ") k\(index)")
        }
        sql.appendInterpolation(unsafeRaw: ") k" + Self.summarySource)
        if ordered { appendListOrder(queries, table: "k", rows: "r", to: &sql) }
        return sql
    }

    /// ` ORDER BY g, …`: each list in its own direction, its rows sorted by its own pair of columns, NULL in the other
    /// pair. `table` holds the list number `g`; `rows` the rows' `received_at` and `id` (the same table when nil).
    static func appendListOrder(_ queries: [ReferralQuery], table: String, rows: String? = nil, to sql: inout SQLQueryString) {
        let rows = rows ?? table
        let oldestFirst = queries.indices.filter { queries[$0].oldestFirst }.map(String.init).joined(separator: ", ")
        let newestFirst = queries.indices.filter { !queries[$0].oldestFirst }.map(String.init).joined(separator: ", ")
        sql.appendInterpolation(unsafeRaw: " ORDER BY \(table).g")
        for (groups, order) in [(oldestFirst, "ASC"), (newestFirst, "DESC")] where !groups.isEmpty {
            sql.appendInterpolation(unsafeRaw: ", CASE WHEN \(table).g IN (\(groups)) THEN \(rows).received_at END \(order), CASE WHEN \(table).g IN (\(groups)) THEN \(rows).id END \(order)")
        }
    }

    /// A referral list's columns on `summarySource`: each row's needs in their order and its count of sessions missed,
    /// both kept on the referral's row (`ReferralRowListMigrations`), and its link worker's name (a caseload's names were
    /// a statement of their own).
    static let summaryColumns = """
        r.id, p.given_name, p.family_name, r.status, r.urgency, r.received_at, r.updated_at,
               r.referrer_id, r.link_worker_id, r.risk_information, r.pathway, r.referrer_organisation_id, r.consent_purposes,
               r.did_not_attend, r.needs_list AS needs, lw.display_name AS link_worker_name
        """

    /// What `summaryColumns` reads, joined to a page's ids `k`: the referral, its person and its link worker. Joined,
    /// not a subquery for each row: PostgreSQL read the 154 users once for each of a caseload's 40 rows that way.
    static let summarySource = " JOIN referrals r ON r.id = k.id JOIN people p ON p.id = r.person_id LEFT JOIN users lw ON lw.id = r.link_worker_id"

    /// A row of `summaryColumns`.
    static func summary(_ row: any SQLRow) throws -> ReferralSummary {
        // Every value read as plain text, an integer or a time, and the identifiers and names made from the text here:
        // each row of every work list passes this way, and through `Decodable` each identifier and status cost a
        // decoder of its own (`perf`: 10% of the caseload's CPU on PostgreSQL after the plain values were quick).
        func text(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
        func optionalText(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
        func known<T: RawRepresentable<String>>(_ column: String, as type: T.Type) throws -> T {
            let raw = try text(column)
            guard let value = T(rawValue: raw) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(column): '\(raw)' is not one Linkwell knows."))
            }
            return value
        }
        // The lists split on the comma's byte (a split by `Character` walked each name's graphemes: a third of this
        // function's time).
        func parts(_ list: String) -> [String] { list.utf8.split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) } }
        let needs = try parts(optionalText("needs") ?? "").map { part -> Need in
            guard let need = Need(rawValue: part) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "A referral's need is not one Linkwell knows."))
            }
            return need
        }
        let id = ReferralID(try text("id"))
        let personName = try text("given_name") + " " + text("family_name")
        let status = try known("status", as: ReferralStatus.self), urgency = try known("urgency", as: Urgency.self)
        let receivedAt = try row.decode(column: "received_at", as: Date.self), updatedAt = try row.decode(column: "updated_at", as: Date.self)
        let referrerID = try optionalText("referrer_id").map(UserID.init(rawValue:))
        let linkWorkerID = try optionalText("link_worker_id").map(UserID.init(rawValue:))
        let organisationID = try optionalText("referrer_organisation_id").map(OrganisationID.init(rawValue:))
        let consent = try parts(text("consent_purposes")).compactMap(ConsentPurpose.init(rawValue:))
        return ReferralSummary(
            id: id, personName: personName, status: status, needs: needs, urgency: urgency, receivedAt: receivedAt, updatedAt: updatedAt,
            referrerID: referrerID, linkWorkerID: linkWorkerID, didNotAttendCount: try row.decode(column: "did_not_attend", as: Int.self),
            hasRisk: !(try text("risk_information")).isEmpty, pathway: try text("pathway"), referrerOrganisationID: organisationID,
            consentPurposes: consent, linkWorkerName: try optionalText("link_worker_name"))
    }

    /// The WHERE conditions of a `ReferralQuery` on `referrals r JOIN people p` (the same rules as
    /// `ReferralQuery.matches`); `paging: false` leaves out the cursor, for counts.
    /// `AND (…)`: the referral `r` is placed on the team or allocated to one of its members (`CaseloadTeam`).
    static func appendTeam(_ team: CaseloadTeam?, to sql: inout SQLQueryString) {
        guard let team else { return }
        sql.appendInterpolation(unsafeRaw: " AND (EXISTS (SELECT 1 FROM team_placements tpt WHERE tpt.referral_id = r.id AND tpt.team_id = ")
        sql.appendInterpolation(bind: team.id)
        sql.appendInterpolation(unsafeRaw: ") OR r.link_worker_id IN (")
        sql.appendInterpolation(binds: team.members.isEmpty ? ["-"] : team.members.map(\.rawValue))
        sql.appendInterpolation(unsafeRaw: "))")
    }

    /// `SELECT r.id AS id FROM referrals r … WHERE … ORDER BY … LIMIT …`: the ids of the referrals `query` lists, in its
    /// order, the person joined (as `p`) only when a filter reads them. A link worker's list that reaches the waiting
    /// list is read as its two sides (`waitingSides`), each its page, merged.
    static func referralIDs(_ query: ReferralQuery, flavor: SQLFlavor) -> SQLQueryString {
        guard let sides = waitingSides(query) else {
            var sql = SQLQueryString("SELECT r.id AS id" + referralSource(query))
            appendFilters(query, flavor: flavor, to: &sql, paging: true)
            appendOrder(query, flavor: flavor, to: &sql)
            return sql
        }
        // `SELECT * FROM (…) a UNION ALL SELECT * FROM (…) b`: SQLite has no parenthesised members of a compound
        // SELECT, and PostgreSQL 15 wants each subquery named.
        var sql = SQLQueryString("SELECT u.id AS id FROM (")
        for (n, var side) in [sides.own, sides.waiting].enumerated() {
            // Each side's rows up to the end of the page; the page is cut from the merge.
            (side.limit, side.offset) = (query.limit + query.offset, 0)
            sql.appendInterpolation(unsafeRaw: n == 0 ? "SELECT * FROM (SELECT r.id, r.received_at" : ") a UNION ALL SELECT * FROM (SELECT r.id, r.received_at")
            if walksWaitingList(side, flavor: flavor) {
                sql.appendInterpolation(unsafeRaw: " FROM referrals r INDEXED BY referrals_waiting_list WHERE " + waitingListCondition("r.") + " AND")
            } else {
                sql.appendInterpolation(unsafeRaw: referralSource(side))
            }
            appendFilters(side, flavor: flavor, to: &sql, paging: true)
            appendOrder(side, flavor: flavor, to: &sql)
        }
        let order = query.oldestFirst ? "ASC" : "DESC"
        sql.appendInterpolation(unsafeRaw: ") b) u ORDER BY u.received_at \(order), u.id \(order) LIMIT ")
        sql.appendInterpolation(bind: query.limit)
        if query.offset > 0 { sql.appendInterpolation(unsafeRaw: " OFFSET "); sql.appendInterpolation(bind: query.offset) }
        return sql
    }

    /// `SELECT … AS n`: how many referrals `query` lists (a link worker's list that reaches the waiting list counted
    /// side by side, `waitingSides`).
    static func referralCount(_ query: ReferralQuery, flavor: SQLFlavor) -> SQLQueryString {
        func count(_ query: ReferralQuery) -> SQLQueryString {
            if let tallied = talliedCount(query) { return tallied }
            var sql = SQLQueryString("SELECT COUNT(*) AS n" + referralSource(query))
            appendFilters(query, flavor: flavor, to: &sql, paging: false)
            return sql
        }
        return waitingSides(query).map { "SELECT (" + count($0.own) + ") + (" + count($0.waiting) + ") AS n" } ?? count(query)
    }

    /// `SELECT COALESCE(SUM(tally.n), 0) AS n FROM referral_tallies tally …`: the count of a query that filters on nothing but the
    /// link worker (or none), statuses, urgency and the waiting list's team rule (`waitingFor`), added up from the
    /// tallies the database keeps (`ReferralTallyMigrations`); nil for any other filter, which is counted from the referrals.
    static func talliedCount(_ query: ReferralQuery) -> SQLQueryString? {
        // `waitingFor` reads the teams only for unallocated referrals, which a link worker's own list without the
        // waiting list cannot hold (`appendFilters` leaves it out there too).
        let waitingFor = query.linkWorkerID == nil || query.waitingListReachable ? query.waitingFor : nil
        guard query.referrerID == nil, query.personID == nil, !query.waitingListReachable,
              query.updatedSince == nil, query.teamID == nil, query.nhsNumber == nil, query.dateOfBirth == nil,
              (query.search ?? "").isEmpty else { return nil }
        var sql = SQLQueryString("SELECT COALESCE(SUM(tally.n), 0) AS n FROM referral_tallies tally WHERE 1 = 1")
        if let id = query.linkWorkerID { sql.appendInterpolation(unsafeRaw: " AND tally.link_worker_id = "); sql.appendInterpolation(bind: id) }
        if query.unallocatedOnly { sql.appendInterpolation(unsafeRaw: " AND tally.link_worker_id = ''") }
        // The query's statuses and urgency, on the tallies or the referrals.
        func kind(_ table: String) -> String {
            (query.statuses.map { $0.isEmpty ? " AND 1 = 0" : " AND \(table).status IN (\(literals($0)))" } ?? "")
                + (query.urgency.map { " AND \(table).urgency = '\($0.rawValue)'" } ?? "")
        }
        sql.appendInterpolation(unsafeRaw: kind("tally"))
        guard let waitingFor else { return sql }
        // The waiting list a link worker may pick up from (`AccessPolicy.mayPickUp`): every unallocated referral
        // tallied, less those placed on a team they are not in, found from the placements rather than by walking the
        // waiting list (its 730 referrals, 0.1–0.2 ms a count on PostgreSQL, two counts a caseload).
        var hidden = SQLQueryString("SELECT COUNT(*) AS n FROM referrals r WHERE r.id IN (SELECT tp.referral_id FROM team_placements tp"
            + " WHERE NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = tp.team_id AND tm.link_worker_id = ")
        hidden.appendInterpolation(bind: waitingFor)
        hidden.appendInterpolation(unsafeRaw: ")) AND r.link_worker_id IS NULL" + kind("r"))
        return "SELECT (" + sql + ") - (" + hidden + ") AS n"
    }

    /// A link worker's list that reaches the waiting list (`ReferralQuery.waitingListReachable`) as its two disjoint
    /// sides: their own cases, and the unallocated waiting referrals they may pick up. PostgreSQL reads each from the
    /// link worker's index alone. The OR of the two made PostgreSQL a bitmap scan that visited the page of every matching
    /// row (a scheme's 730 waiting referrals: 1.2 ms to count them, against 0.2 ms for the two sides), and SQLite a union
    /// of row ids from two searches, one of them every case the link worker ever had (1,620 in the five-year scheme),
    /// each row then read from the table: 0.5–1 ms and ~500,000 steps of its engine for each of the urgent and waiting
    /// groups' counts and pages, against ~0.1 ms for the two sides, each one range of the link worker's index.
    static func waitingSides(_ query: ReferralQuery) -> (own: ReferralQuery, waiting: ReferralQuery)? {
        guard query.linkWorkerID != nil, query.waitingListReachable else { return nil }
        var own = query
        own.includeWaiting = false
        own.waitingFor = nil
        var waiting = query
        waiting.linkWorkerID = nil
        waiting.includeWaiting = false
        waiting.unallocatedOnly = true
        waiting.statuses = (query.statuses ?? ReferralStatus.allCases).filter(\.isWaiting)
        return (own, waiting)
    }

    /// The condition of `referrals_waiting_list` (version 366): the unallocated referrals at a waiting status, its
    /// columns named through `table` (`"r."` in a query, which must repeat it word for word).
    static func waitingListCondition(_ table: String = "") -> String {
        "\(table)link_worker_id IS NULL AND \(table)status IN (\(literals(ReferralStatus.allCases.filter(\.isWaiting))))"
    }

    /// Whether a page of `query` walks the waiting list's own index in its order on SQLite (`referrals_waiting_list`):
    /// the waiting list side of a link worker's group (`waitingSides`) with no filter but an urgency. SQLite's planner
    /// otherwise walks the unallocated referrals by date through the link worker's index, declined ones and all, or
    /// reads and sorts every waiting referral; `INDEXED BY` names the index, whose condition the query repeats.
    static func walksWaitingList(_ query: ReferralQuery, flavor: SQLFlavor) -> Bool {
        flavor == .sqlite && query.unallocatedOnly && query.linkWorkerID == nil && query.oldestFirst
            && query.statuses.map { !$0.isEmpty && $0.allSatisfy(\.isWaiting) } == true
            && query.referrerID == nil && query.personID == nil && query.updatedSince == nil && query.teamID == nil
            && query.nhsNumber == nil && query.dateOfBirth == nil && (query.search ?? "").isEmpty
    }

    /// ` ORDER BY … LIMIT … OFFSET …` of a referral list (`ReferralQuery.oldestFirst`, `limit`, `offset`).
    static func appendOrder(_ query: ReferralQuery, flavor: SQLFlavor, to sql: inout SQLQueryString) {
        // Open cases are few beside the closed, which grow for ever, and so are cases changed lately. Without
        // statistics on how statuses and changes are spread over time, SQLite walks the whole `received_at` index
        // to find them in order (97 ms for a waiting list of 50 at 50,000 referrals); `+` makes it read them by
        // status and sort them (3 ms). PostgreSQL's statistics choose well, and it has no unary `+` on a timestamp.
        let few = query.statuses.map { !$0.isEmpty && !$0.contains(where: \.isFinal) } == true || query.updatedSince != nil
        let sortOpen = flavor == .sqlite && few && !walksWaitingList(query, flavor: flavor)
        let key = sortOpen ? "+r.received_at" : "r.received_at"
        let order = query.oldestFirst ? "ASC" : "DESC"
        // The limit and offset written in, not bound: PostgreSQL plans a statement run by name once for all its values
        // only when that plan is no costlier than one made for the values, and for a bound limit it assumes a tenth of
        // the rows (`PreparingPostgresDatabase`). Page sizes are few, so the texts stay few.
        sql.appendInterpolation(unsafeRaw: " ORDER BY \(key) \(order), r.id \(order) LIMIT \(query.limit)")
        if query.offset > 0 { sql.appendInterpolation(unsafeRaw: " OFFSET \(query.offset)") }
    }

    /// Statuses written into a statement as its own constants, not bound: a condition on a status decides which
    /// indexes a plan may use (a partial index holds only some statuses), and a plan made once for all values
    /// (PostgreSQL's for a statement run by name) cannot use one for a bound status.
    static func literals(_ statuses: [ReferralStatus]) -> String {
        statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }

    /// ` FROM referrals r … WHERE` for `query`: the person joined (as `p`) only when a filter reads them, so that a
    /// count or a page of ids can come from the referrals' indexes alone.
    static func referralSource(_ query: ReferralQuery) -> String {
        // A name search reads `person_name_terms` by the referral's `person_id` (`appendNameSearch`), not the person.
        let readsPerson = query.nhsNumber != nil || query.dateOfBirth != nil
        return " FROM referrals r" + (readsPerson ? " JOIN people p ON p.id = r.person_id" : "") + " WHERE"
    }

    static func appendFilters(_ query: ReferralQuery, flavor: SQLFlavor, to sql: inout SQLQueryString, paging: Bool) {
        sql.appendInterpolation(unsafeRaw: " 1 = 1")
        if let id = query.referrerID { sql.appendInterpolation(unsafeRaw: " AND r.referrer_id = "); sql.appendInterpolation(bind: id) }
        if let id = query.linkWorkerID {
            sql.appendInterpolation(unsafeRaw: " AND (r.link_worker_id = "); sql.appendInterpolation(bind: id)
            if query.waitingListReachable {
                sql.appendInterpolation(unsafeRaw: " OR (\(waitingListCondition("r.")))")
            }
            sql.appendInterpolation(unsafeRaw: ")")
        }
        if let id = query.personID { sql.appendInterpolation(unsafeRaw: " AND r.person_id = "); sql.appendInterpolation(bind: id) }
        if query.unallocatedOnly { sql.appendInterpolation(unsafeRaw: " AND r.link_worker_id IS NULL") }
        // With a link worker and no waiting list to reach, every row is allocated and the check cannot fail.
        if let id = query.waitingFor, query.linkWorkerID == nil || query.waitingListReachable {
            // `AccessPolicy.mayPickUp`: an unallocated referral placed on a team only for that team's members.
            sql.appendInterpolation(unsafeRaw: " AND (r.link_worker_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM team_placements tp"
                + " WHERE tp.referral_id = r.id AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = tp.team_id AND tm.link_worker_id = ")
            sql.appendInterpolation(bind: id)
            sql.appendInterpolation(unsafeRaw: ")))")
        }
        if let statuses = query.statuses {
            // A link worker's cases are found by their id and status together (`referrals_link_worker_status_urgency`).
            // Only inside the waiting-list OR (`waitingSides` reads lists without it; the measures due still use it) did
            // SQLite, with sampled statistics, take the status index alone and read every waiting referral's row in
            // the scheme (1–2 ms a statement, four a page); there `+` keeps it to the link worker's index.
            let status = flavor == .sqlite && query.linkWorkerID != nil && query.waitingListReachable ? "+r.status" : "r.status"
            sql.appendInterpolation(unsafeRaw: " AND \(status) IN (\(literals(statuses)))")
        }
        if paging, let after = query.after {
            let beyond = query.oldestFirst ? ">" : "<"
            sql.appendInterpolation(unsafeRaw: " AND (r.received_at \(beyond) "); sql.appendInterpolation(bind: after.at)
            sql.appendInterpolation(unsafeRaw: " OR (r.received_at = "); sql.appendInterpolation(bind: after.at)
            sql.appendInterpolation(unsafeRaw: " AND r.id \(beyond) "); sql.appendInterpolation(bind: after.id)
            sql.appendInterpolation(unsafeRaw: "))")
        }
        if let urgency = query.urgency { sql.appendInterpolation(unsafeRaw: " AND r.urgency = '\(urgency.rawValue)'") }
        if let since = query.updatedSince { sql.appendInterpolation(unsafeRaw: " AND r.updated_at >= "); sql.appendInterpolation(bind: since) }
        if let team = query.teamID { appendTeam(CaseloadTeam(id: team, members: query.teamMembers), to: &sql) }
        if let nhs = query.nhsNumber { sql.appendInterpolation(unsafeRaw: " AND p.nhs_number = "); sql.appendInterpolation(bind: nhs) }
        if let born = query.dateOfBirth { sql.appendInterpolation(unsafeRaw: " AND p.date_of_birth = "); sql.appendInterpolation(bind: "\(born)") }
        if let search = query.search, !search.isEmpty {
            // The waiting list (unallocated referrals: a link worker's list reads it as a side of its own) is few too.
            appendNameSearch(search, narrow: query.linkWorkerID != nil || query.referrerID != nil || query.personID != nil || query.unallocatedOnly,
                             to: &sql)
        }
    }

    public func referralID(forOnward id: OnwardReferralID) async throws -> ReferralID? {
        try await connections.read(.lookup) { db in
            try await db.raw("SELECT referral_id FROM onward_referrals WHERE id = \(bind: id)").first()?
                .decode(column: "referral_id", as: ReferralID.self)
        }
    }

    public func onwardReferrals(organisationID: OrganisationID) async throws -> [OnwardSummary] {
        try await connections.read { db in
            try await db.raw("""
                SELECT o.id, o.referral_id, o.service_id, s.name AS service_name, p.given_name, p.family_name,
                       o.status, o.created_at
                FROM onward_referrals o JOIN services s ON s.id = o.service_id
                JOIN referrals r ON r.id = o.referral_id JOIN people p ON p.id = r.person_id
                WHERE s.organisation_id = \(bind: organisationID)
                ORDER BY o.created_at DESC, o.id DESC
                """).all().map(Self.onwardSummary)
        }
    }

    /// One row of the provider inbox's query (onward referral joined to its service and person).
    static func onwardSummary(_ row: any SQLRow) throws -> OnwardSummary {
        OnwardSummary(
            id: try row.decode(column: "id", as: OnwardReferralID.self),
            referralID: try row.decode(column: "referral_id", as: ReferralID.self),
            serviceID: try row.decode(column: "service_id", as: ServiceID.self),
            serviceName: try row.decode(column: "service_name", as: String.self),
            personName: try row.decode(column: "given_name", as: String.self) + " " + row.decode(column: "family_name", as: String.self),
            status: try row.decode(column: "status", as: OnwardStatus.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    public func messages(recipientID: UserID) async throws -> [MessageBack] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM messages_back WHERE recipient_id = \(bind: recipientID) ORDER BY created_at DESC, id DESC")
                .all(decoding: MessageBack.self, keyDecodingStrategy: fromColumns)
        }
    }

    // MARK: AccountStore

    public func createUser(_ user: User) async throws {
        try await connections.transaction { db in
            let existing = try await db.raw("SELECT id FROM users WHERE email = \(bind: user.email.lowercased())").first()
            guard existing == nil else { throw StorageError.duplicate("email") }
            try await db.insert(into: "users").model(user, keyEncodingStrategy: toColumns).run()
        }
    }

    public func user(id: UserID) async throws -> User? { try await first("users", "id", id.rawValue) }
    public func user(email: String) async throws -> User? { try await first("users", "email", email.lowercased()) }
    public func users() async throws -> [User] { try await all("SELECT * FROM users ORDER BY display_name, id") }

    public func createOrganisation(_ organisation: Organisation) async throws { try await insertOne(organisation, into: "organisations") }
    public func organisation(id: OrganisationID) async throws -> Organisation? { try await first("organisations", "id", id.rawValue) }
    public func organisations() async throws -> [Organisation] { try await all("SELECT * FROM organisations ORDER BY name, id") }

    public func organisations(page: PageRequest) async throws -> [Organisation] { try await byName("organisations", page) }

    /// A page of a table in name-then-id order, by keyset (the same cost however deep the page).
    private func byName<T: Decodable & Sendable>(_ table: String, _ page: PageRequest) async throws -> [T] {
        let after: SQLQueryString = page.after.map { "WHERE name > \(bind: $0.name ?? "") OR (name = \(bind: $0.name ?? "") AND id > \(bind: $0.id))" } ?? ""
        return try await all("SELECT * FROM \(unsafeRaw: table) " + after + " ORDER BY name, id LIMIT \(bind: page.limit + 1)")
    }

    public func createSession(_ session: LoginSession) async throws { try await insertOne(session, into: "sessions") }
    public func session(tokenHash: String) async throws -> LoginSession? { try await first("sessions", "token_hash", tokenHash) }

    /// One statement: the user's columns as they are, the session's under `s_` (its columns named here; a column
    /// `LoginSession` reads and this list lacks fails every signed-in request, so every sign-in test would catch it).
    public func sessionAndUser(tokenHash: String) async throws -> (session: LoginSession, user: User?)? {
        try await connections.read(.lookup) { db in
            guard let row = try await db.raw("""
                SELECT u.*, s.token_hash AS s_token_hash, s.user_id AS s_user_id, s.csrf_token AS s_csrf_token, s.created_at AS s_created_at,
                       s.last_seen_at AS s_last_seen_at, s.id AS s_id, s.stage AS s_stage, s.user_agent AS s_user_agent
                FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token_hash = \(bind: tokenHash)
                """).first() else { return nil }
            let session = try row.decode(model: LoginSession.self, prefix: "s_", keyDecodingStrategy: fromColumns)
            return (session, try row.decodeNil(column: "id") ? nil : try row.decode(model: User.self, keyDecodingStrategy: fromColumns))
        }
    }
    public func touchSession(tokenHash: String, at: Date) async throws {
        try await connections.transaction { db in
            try await db.update("sessions").set("last_seen_at", to: at).where("token_hash", .equal, tokenHash).run()
        }
    }
    public func deleteSession(tokenHash: String) async throws {
        try await connections.transaction { db in
            try await db.delete(from: "sessions").where("token_hash", .equal, tokenHash).run()
        }
    }

    public func createToken(_ token: APIToken) async throws { try await insertOne(token, into: "api_tokens") }
    public func token(hash: String) async throws -> APIToken? { try await first("api_tokens", "token_hash", hash) }

    // MARK: DirectoryStore

    public func createService(_ service: Service) async throws { try await insertOne(service, into: "services") }
    public func service(id: ServiceID) async throws -> Service? { try await first("services", "id", id.rawValue) }
    public func services() async throws -> [Service] { try await all("SELECT * FROM services ORDER BY name, id") }

    public func services(page: PageRequest) async throws -> [Service] { try await byName("services", page) }

    // MARK: AuditStore

    public func append(_ event: AuditEvent) async throws { try await insertOne(event, into: "audit_events") }

    public func auditEvents(subjectID: ReferralID, limit: Int) async throws -> [AuditEvent] {
        try await all("""
            SELECT * FROM audit_events WHERE subject_id = \(bind: subjectID.rawValue) OR record_id = \(bind: subjectID.rawValue)
            ORDER BY seq DESC LIMIT \(bind: limit)
            """)
    }

    public func auditEvents(recordID: String?, limit: Int) async throws -> [AuditEvent] {
        if let recordID {
            return try await all("SELECT * FROM audit_events WHERE record_id = \(bind: recordID) ORDER BY seq DESC LIMIT \(bind: limit)")
        }
        return try await all("SELECT * FROM audit_events ORDER BY seq DESC LIMIT \(bind: limit)")
    }

    // MARK: OutcomeStore

    public func saveAdministration(_ administration: Administration) async throws {
        try await connections.transaction { db in
            try await Self.insert(administration, db)
            try await Self.writeMeasuresDue([administration.referralID], db)
        }
    }

    public func createInvitation(_ invitation: MeasureInvitation) async throws { try await insertOne(invitation, into: "measure_invitations") }
    public func invitation(tokenHash: String) async throws -> MeasureInvitation? { try await first("measure_invitations", "token_hash", tokenHash) }

    public func saveSelfCompleted(_ administration: Administration, invitationTokenHash: String, at: Date) async throws {
        try await connections.transaction { db in
            let used = try await db.update("measure_invitations").set("used_at", to: at)
                .where("token_hash", .equal, invitationTokenHash).where("used_at", .is, SQLLiteral.null)
                .returning("token_hash").all()
            guard !used.isEmpty else { throw StorageError.duplicate("invitation") }
            try await Self.insert(administration, db)
            try await Self.writeMeasuresDue([administration.referralID], db)
        }
    }

    static func insert(_ administration: Administration, _ db: any SQLDatabase) async throws {
        let row = try AdministrationRow(administration)
        do {
            if administration.timepoint == .baseline {
                let existing = try await db.raw("""
                    SELECT id FROM administrations WHERE referral_id = \(bind: administration.referralID)
                    AND instrument_id = \(bind: administration.instrumentID) AND timepoint = 'baseline'
                    """).first()
                guard existing == nil else { throw StorageError.duplicate("baseline") }
            }
            try await db.insert(into: "administrations").model(row).run()
        } catch let error as StorageError {
            throw error
        } catch where administration.timepoint == .baseline {
            // The unique index caught a concurrent second baseline.
            throw StorageError.duplicate("baseline")
        }
    }

    public func administrations(referralID: ReferralID) async throws -> [Administration] {
        try await administrations("SELECT * FROM administrations WHERE referral_id = \(bind: referralID) ORDER BY administered_at, seq")
    }

    public func administrations(instrumentID: String) async throws -> [Administration] {
        try await administrations("SELECT * FROM administrations WHERE instrument_id = \(bind: instrumentID) ORDER BY administered_at, seq")
    }

    private func administrations(_ query: SQLQueryString) async throws -> [Administration] {
        try await connections.read { db in try await db.raw(query).all(decoding: AdministrationRow.self).map { try $0.administration() } }
    }

    public func saveInstrumentSetup(_ setup: InstrumentSetup) async throws {
        let row = try InstrumentSetupRow(setup)
        try await connections.transaction { db in
            try await db.insert(into: "instrument_setups").model(row, nilEncodingStrategy: .asNil)
                .onConflict(with: ["instrument_id"]) { try $0.set(excludedContentOf: row, nilEncodingStrategy: .asNil) }
                .run()
        }
    }

    public func instrumentSetups() async throws -> [InstrumentSetup] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM instrument_setups ORDER BY instrument_id").all(decoding: InstrumentSetupRow.self).map { try $0.setup() }
        }
    }

    // MARK: SettingsStore

    public func schemeSettings() async throws -> SchemeSettings {
        try await connections.read(.lookup) { db in
            guard let row = try await db.raw("SELECT value FROM scheme_settings WHERE name = 'scheme'").first() else { return SchemeSettings() }
            return try fromJSON(try row.decode(column: "value", as: String.self), as: SchemeSettings.self)
        }
    }

    public func saveSchemeSettings(_ settings: SchemeSettings) async throws {
        let value = try jsonText(settings)
        try await connections.transaction { db in
            try await db.raw("DELETE FROM scheme_settings WHERE name = 'scheme'").run()
            try await db.raw("INSERT INTO scheme_settings (name, value) VALUES ('scheme', \(bind: value))").run()
        }
    }

    // MARK: SecretStore

    public func secret(named name: String) async throws -> [UInt8] {
        // Insert-if-absent, then read: concurrent first calls all read the one row that won.
        let fresh = Self.freshSecret().map { String(format: "%02x", $0) }.joined()
        return try await connections.transaction { db in
            try await db.raw("INSERT INTO scheme_secrets (name, value) VALUES (\(bind: name), \(bind: fresh)) ON CONFLICT (name) DO NOTHING").run()
            guard let row = try await db.raw("SELECT value FROM scheme_secrets WHERE name = \(bind: name)").first() else {
                throw StorageError.versionConflict  // rotated between the two statements
            }
            return Self.bytes(hex: try row.decode(column: "value", as: String.self))
        }
    }

    public func rotateSecret(named name: String) async throws {
        let fresh = Self.freshSecret().map { String(format: "%02x", $0) }.joined()
        try await connections.transaction { db in
            try await db.raw("DELETE FROM scheme_secrets WHERE name = \(bind: name)").run()
            try await db.raw("INSERT INTO scheme_secrets (name, value) VALUES (\(bind: name), \(bind: fresh))").run()
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }

    // MARK: SupervisionStore

    public func addSupervisionNote(_ note: SupervisionNote) async throws { try await insertOne(note, into: "supervision_notes") }
    public func supervisionNotes(linkWorkerID: UserID) async throws -> [SupervisionNote] {
        try await all("SELECT * FROM supervision_notes WHERE link_worker_id = \(bind: linkWorkerID) ORDER BY seq DESC")
    }

    // MARK: Helpers

    /// One row, one `INSERT` (`SQLConnections.statement`).
    private func insertOne<T: Encodable & Sendable>(_ model: T, into table: String) async throws {
        try await connections.statement { db in try await Self.insert([model], into: table, db) }
    }

    /// Inserts each row, or replaces the row with the same id.
    static func upsert<T: Encodable & Sendable>(_ models: [T], into table: String, key: String = "id", _ db: any SQLDatabase) async throws {
        for model in models {
            try await db.insert(into: table).model(model, keyEncodingStrategy: toColumns, nilEncodingStrategy: .asNil)
                .onConflict(with: [key]) { try $0.set(excludedContentOf: model, keyEncodingStrategy: toColumns, nilEncodingStrategy: .asNil) }
                .run()
        }
    }

    static func insert<T: Encodable & Sendable>(_ models: [T], into table: String, _ db: any SQLDatabase) async throws {
        guard !models.isEmpty else { return }
        try await db.insert(into: table).models(models, keyEncodingStrategy: toColumns, nilEncodingStrategy: .asNil).run()
    }

    /// The row whose `column` (a key) is `value`.
    func first<T: Decodable & Sendable>(_ table: String, _ column: String, _ value: String) async throws -> T? {
        try await connections.read(.lookup) { db in
            try await db.raw("SELECT * FROM \(ident: table) WHERE \(ident: column) = \(bind: value)")
                .first(decoding: T.self, keyDecodingStrategy: fromColumns)
        }
    }

    func all<T: Decodable & Sendable>(_ query: SQLQueryString) async throws -> [T] {
        try await connections.read { db in
            try await db.raw(query).all(decoding: T.self, keyDecodingStrategy: fromColumns)
        }
    }

    /// The referrals' needs in one statement, each with its position in the referral's list.
    static func insertNeeds(_ referrals: [Referral], _ db: any SQLDatabase) async throws {
        let rows: [[any SQLExpression]] = referrals.flatMap { r in r.needs.enumerated().map { [SQLBind(r.id.rawValue), SQLBind($0.element.rawValue), SQLBind($0.offset)] } }
        guard !rows.isEmpty else { return }
        try await db.insert(into: "referral_needs").columns("referral_id", "need", "position").rows(rows).run()
    }

    static func needs(for ids: [ReferralID], _ db: any SQLDatabase) async throws -> [ReferralID: [Need]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.raw("SELECT referral_id, need FROM referral_needs WHERE referral_id IN (\(binds: ids.map(\.rawValue))) ORDER BY referral_id, position").all()
        var result: [ReferralID: [Need]] = [:]
        for row in rows {
            result[try row.decode(column: "referral_id", as: ReferralID.self), default: []]
                .append(try row.decode(column: "need", as: Need.self))
        }
        return result
    }
}

/// The referrals table's row: the referral with its consent flattened into columns.
struct ReferralRow: Codable, Sendable {
    var id: ReferralID
    var person_id: PersonID
    var referrer_id: UserID?
    var referrer_organisation_id: OrganisationID?
    var source_type: SourceType
    var person_view: String
    var consent_given_by: String
    var consent_given_at: Date
    var consent_method: ConsentMethod
    /// Comma-separated `ConsentPurpose` raw values.
    var consent_purposes: String
    var risk_information: String
    var feedback_preference: FeedbackPreference
    var urgency: Urgency
    var pathway: String
    var status: ReferralStatus
    var link_worker_id: UserID?
    var closing_reason: ClosingReason?
    var outcome_note: String
    var feedback_satisfaction: Int?
    var feedback_would_change: String?
    var received_at: Date
    var updated_at: Date
    var version: Int
    var referral_method: ReferralMethod?
    var return_response_to: String?
    var referrer_grade: String?
    var referrer_team: String?
    var referrer_specialty: String?

    init(_ r: Referral) {
        id = r.id
        person_id = r.personID
        referrer_id = r.referrerID
        referrer_organisation_id = r.referrerOrganisationID
        source_type = r.sourceType
        person_view = r.personView
        consent_given_by = r.consent.givenBy
        consent_given_at = r.consent.givenAt
        consent_method = r.consent.method
        consent_purposes = r.consent.purposes.map(\.rawValue).joined(separator: ",")
        risk_information = r.riskInformation
        feedback_preference = r.feedbackPreference
        urgency = r.urgency
        pathway = r.pathway
        status = r.status
        link_worker_id = r.linkWorkerID
        closing_reason = r.closingReason
        outcome_note = r.outcomeNote
        feedback_satisfaction = r.closingFeedback?.satisfaction
        feedback_would_change = r.closingFeedback?.wouldChange
        received_at = r.receivedAt
        updated_at = r.updatedAt
        version = r.version
        referral_method = r.referralMethod
        return_response_to = r.returnResponseTo
        (referrer_grade, referrer_team, referrer_specialty) = (r.referrerGrade, r.referrerTeam, r.referrerSpecialty)
    }

    func referral(needs: [Need]) -> Referral {
        var referral = Referral(id: id, personID: person_id, referrerID: referrer_id, referrerOrganisationID: referrer_organisation_id,
                 sourceType: source_type, needs: needs, personView: person_view,
                 consent: Consent(givenBy: consent_given_by, givenAt: consent_given_at, method: consent_method,
                                  purposes: consent_purposes.split(separator: ",").compactMap { ConsentPurpose(rawValue: String($0)) }),
                 riskInformation: risk_information, feedbackPreference: feedback_preference, urgency: urgency,
                 pathway: pathway, status: status, linkWorkerID: link_worker_id, closingReason: closing_reason,
                 outcomeNote: outcome_note, closingFeedback: feedback_would_change.map { ClosingFeedback(satisfaction: feedback_satisfaction, wouldChange: $0) },
                 receivedAt: received_at, updatedAt: updated_at, version: version)
        referral.referralMethod = referral_method
        referral.returnResponseTo = return_response_to
        (referral.referrerGrade, referral.referrerTeam, referral.referrerSpecialty) = (referrer_grade, referrer_team, referrer_specialty)
        return referral
    }
}

/// Swift property names to column names: `referralID` → `referral_id`, `nhsNumber` → `nhs_number`.
/// (SQLKit's own conversion turns `referralID` into `referral_iD`.) Called for every field of every row read or
/// written, so ASCII names (all of ours) are converted byte by byte; `columnNameOfAnyName` is the same rule over
/// characters, for any other name.
func columnName(_ key: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(key.utf8.count + 4)
    var previous: UInt8 = 0
    var iterator = key.utf8.makeIterator()
    var current = iterator.next()
    var index = 0
    while let c = current {
        guard c < 0x80 else { return columnNameOfAnyName(key) }
        let next = iterator.next()
        if c >= 0x41 && c <= 0x5A {  // A–Z
            if index > 0 {
                let previousIsLower = previous >= 0x61 && previous <= 0x7A, previousIsUpper = previous >= 0x41 && previous <= 0x5A
                let previousIsDigit = previous >= 0x30 && previous <= 0x39
                let nextIsLower = next.map { $0 >= 0x61 && $0 <= 0x7A } ?? false
                if previousIsLower || previousIsDigit || (previousIsUpper && nextIsLower) { out.append(0x5F) }
            }
            out.append(c + 0x20)
        } else {
            out.append(c)
        }
        previous = c
        current = next
        index += 1
    }
    return String(decoding: out, as: UTF8.self)
}

/// `columnName` over characters (any script's upper and lower case).
func columnNameOfAnyName(_ key: String) -> String {
    let chars = Array(key)
    var out = ""
    for (i, c) in chars.enumerated() {
        if c.isUppercase, i > 0 {
            let previous = chars[i - 1]
            let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
            if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { out.append("_") }
        }
        out.append(contentsOf: c.lowercased())
    }
    return out
}

let toColumns = SQLQueryEncoder.KeyEncodingStrategy.custom { SomeCodingKey(stringValue: columnName($0.last!.stringValue)) }
let fromColumns = SQLRowDecoder.KeyDecodingStrategy.custom { SomeCodingKey(stringValue: columnName($0.last!.stringValue)) }

private let jsonEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}()

func jsonText<T: Encodable>(_ value: T) throws -> String { String(decoding: try jsonEncoder.encode(value), as: UTF8.self) }
func fromJSON<T: Decodable>(_ text: String, as type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: Data(text.utf8)) }

/// An administration's row: answers and scores as JSON text (the same in SQLite and PostgreSQL).
struct AdministrationRow: Codable, Sendable {
    var id: String
    var referral_id: ReferralID
    var instrument_id: String
    var timepoint: Timepoint
    var answers: String
    var scores: String
    var complete: Bool
    var administered_at: Date
    var recorded_by: UserID
    var self_completed: Bool

    init(_ a: Administration) throws {
        (id, referral_id, instrument_id, timepoint) = (a.id, a.referralID, a.instrumentID, a.timepoint)
        answers = try jsonText(a.answers)
        scores = try jsonText(a.scores)
        (complete, administered_at, recorded_by, self_completed) = (a.complete, a.administeredAt, a.recordedBy, a.selfCompleted)
    }

    func administration() throws -> Administration {
        Administration(id: id, referralID: referral_id, instrumentID: instrument_id, timepoint: timepoint,
                       answers: try fromJSON(answers, as: [String: Int].self), scores: try fromJSON(scores, as: [String: Double].self),
                       complete: complete, administeredAt: administered_at, recordedBy: recorded_by, selfCompleted: self_completed)
    }
}

struct InstrumentSetupRow: Codable, Sendable {
    var instrument_id: String
    var definition: String?
    var wording: String
    var licence_acknowledged_by: UserID?
    var licence_acknowledged_at: Date?
    var enabled: Bool

    init(_ s: InstrumentSetup) throws {
        instrument_id = s.instrumentID
        definition = try s.definition.map(jsonText)
        wording = try jsonText(s.wording)
        (licence_acknowledged_by, licence_acknowledged_at, enabled) = (s.licenceAcknowledgedBy, s.licenceAcknowledgedAt, s.enabled)
    }

    func setup() throws -> InstrumentSetup {
        InstrumentSetup(instrumentID: instrument_id, definition: try definition.map { try fromJSON($0, as: Instrument.self) },
                        wording: try fromJSON(wording, as: [String: String].self), licenceAcknowledgedBy: licence_acknowledged_by,
                        licenceAcknowledgedAt: licence_acknowledged_at, enabled: enabled)
    }
}
