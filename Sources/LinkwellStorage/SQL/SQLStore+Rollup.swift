import Foundation
import LinkwellCore
import SQLKit

/// Migrations for insight rollups (versions 190–199, 355 and 356).
@_spi(Testing) public enum RollupMigrations {
    static let all: [Migration] = [
        Migration(version: 190, name: "insight rollups by month and dimension") { flavor in
            // `InsightRollup`: what dashboards read instead of every fact. Built here from the facts already
            // stored, then kept equal to them by every fact write (`SQLStore.writeFacts`).
            [
                """
                CREATE TABLE insight_rollup (
                    dimension TEXT NOT NULL, month TEXT NOT NULL, value TEXT NOT NULL, n BIGINT NOT NULL, key_sum BIGINT NOT NULL,
                    PRIMARY KEY (dimension, month, value))
                """,
                """
                CREATE TABLE onward_rollup (
                    month TEXT NOT NULL, organisation_id TEXT NOT NULL, category TEXT NOT NULL, status TEXT NOT NULL,
                    rejection_reason TEXT NOT NULL, n BIGINT NOT NULL, attended BIGINT NOT NULL, did_not_attend BIGINT NOT NULL,
                    key_sum BIGINT NOT NULL, attended_key_sum BIGINT NOT NULL, did_not_attend_key_sum BIGINT NOT NULL,
                    PRIMARY KEY (month, organisation_id, category, status, rejection_reason))
                """,
            ] + SQLStore.rollupBuildStatements()
        },
    ]

    /// Version 355, applied after every other: the narrow rollups of referrals out (`InsightRollup.OnwardGrouping`).
    /// At a million referrals the wide rollup had 100,000 rows and a referrals-out dashboard summed all of them
    /// twice (83–119 ms); a grouping has one row per month and value.
    static let grouped: [Migration] = [
        // Today's writers keep the table, so a scheme loaded by them before this version may have it already: it is
        // created if absent and built again from the wide rollup.
        Migration(version: 355, name: "narrow rollups of referrals out by the groupings dashboards ask for") { _ in
            [groupedTable, "DELETE FROM onward_grouped_rollup"] + SQLStore.groupedRollupBuildStatements()
        },
    ]

    /// Version 356, after 355: the rollup unmet demand reads (`InsightRollup.NeedCells`). At a million referrals unmet
    /// demand grouped every fact by postcode (417 ms on an idle machine); the rollup has a row per month and postcode,
    /// and one per year and postcode, with a count and key sum per need.
    static let places: [Migration] = [
        Migration(version: 356, name: "rollup of referrals by month and postcode, per need, for unmet demand") { _ in
            [placeTable, "DELETE FROM need_place_rollup"] + SQLStore.placeRollupBuildStatements
        },
    ]

    /// The columns of `need_place_rollup` per need, in `Need.allCases` order: (count, key sum).
    static var placeColumns: [(n: String, k: String)] { Need.allCases.map { ("n_\($0.rawValue)", "k_\($0.rawValue)") } }

    @_spi(Testing) public static let placeTable = """
        CREATE TABLE IF NOT EXISTS need_place_rollup (
            month TEXT NOT NULL, postcode TEXT NOT NULL,
            \(placeColumns.map { "\($0.n) BIGINT NOT NULL, \($0.k) BIGINT NOT NULL" }.joined(separator: ", ")),
            PRIMARY KEY (month, postcode))
        """

    @_spi(Testing) public static let groupedTable = """
        CREATE TABLE IF NOT EXISTS onward_grouped_rollup (
            grouping_name TEXT NOT NULL, month TEXT NOT NULL, first_value TEXT NOT NULL, second_value TEXT NOT NULL,
            n BIGINT NOT NULL, attended BIGINT NOT NULL, did_not_attend BIGINT NOT NULL,
            key_sum BIGINT NOT NULL, attended_key_sum BIGINT NOT NULL, did_not_attend_key_sum BIGINT NOT NULL,
            PRIMARY KEY (grouping_name, month, first_value, second_value))
        """
}

extension SQLStore {
    /// The rollups worked out from the facts in SQL (the same rows `InsightRollup.Delta` adds up one case at a
    /// time): for the migration, the deprivation rows when the lookup is replaced, and the check that the rows
    /// kept by deltas equal a rebuild.
    static func rollupBuildStatements(deprivationOnly: Bool = false) -> [String] {
        let deprivation = "COALESCE(CAST(d.decile AS TEXT), 'unknown')"
        let deprivationRows = """
            INSERT INTO insight_rollup (dimension, month, value, n, key_sum)
            SELECT '\(InsightDimension.deprivation.rawValue)', f.month, \(deprivation), count(*), sum(f.record_key)
            FROM referral_facts f LEFT JOIN deprivation_lookup d ON d.postcode = f.postcode GROUP BY f.month, \(deprivation)
            """
        if deprivationOnly { return [deprivationRows] }
        func rows(_ dimension: String, _ value: String, where condition: String = "1 = 1", constant: Bool = false) -> String {
            // PostgreSQL refuses a constant in GROUP BY.
            """
            INSERT INTO insight_rollup (dimension, month, value, n, key_sum)
            SELECT '\(dimension)', month, \(value), count(*), sum(record_key) FROM referral_facts WHERE \(condition) GROUP BY month\(constant ? "" : ", " + value)
            """
        }
        var statements: [String] = []
        for d in InsightDimension.allCases {
            switch d {
            case .need, .deprivation: continue
            case .stageReached: statements.append(rows(d.rawValue, "CAST(stage_reached AS TEXT)"))
            case .satisfaction: statements.append(rows(d.rawValue, "COALESCE(CAST(satisfaction AS TEXT), '')"))
            default: statements.append(rows(d.rawValue, d.rawValue))
            }
        }
        for (i, need) in Need.allCases.enumerated() {
            statements.append(rows(InsightDimension.need.rawValue, "'\(need.rawValue)'", where: "(needs_mask >> \(i)) & 1 = 1", constant: true))
        }
        statements.append(rows(InsightRollup.statusStage, "status || '|' || CAST(stage_reached AS TEXT)"))
        statements.append(rows(InsightRollup.waitDays, "CAST(wait_days AS TEXT)", where: "wait_days IS NOT NULL"))
        statements.append(deprivationRows)
        statements.append("""
            INSERT INTO onward_rollup (month, organisation_id, category, status, rejection_reason, n, attended, did_not_attend, key_sum,
                                       attended_key_sum, did_not_attend_key_sum)
            SELECT f.month, o.organisation_id, o.category, o.status, o.rejection_reason, count(*), sum(o.attended), sum(o.did_not_attend),
                   sum(o.record_key), sum(o.attended * o.record_key), sum(o.did_not_attend * o.record_key)
            FROM onward_facts o JOIN referral_facts f ON f.referral_id = o.referral_id
            GROUP BY f.month, o.organisation_id, o.category, o.status, o.rejection_reason
            """)
        return statements
    }

    /// The rollup of referrals by month and postcode, per need, from the facts: month rows, then year rows
    /// (`InsightRollup.yearKey`: 'Y' and the month's first four characters).
    static var placeRollupBuildStatements: [String] {
        let columns = RollupMigrations.placeColumns
        return ["month", "'Y' || substr(month, 1, 4)"].map { period in
            """
            INSERT INTO need_place_rollup (month, postcode, \(columns.map { "\($0.n), \($0.k)" }.joined(separator: ", ")))
            SELECT \(period), postcode, \(columns.indices.map { "sum((needs_mask >> \($0)) & 1), sum(((needs_mask >> \($0)) & 1) * record_key)" }.joined(separator: ", "))
            FROM referral_facts WHERE needs_mask <> 0 GROUP BY \(period), postcode
            """
        }
    }

    /// The narrow rollups of referrals out, summed from the wide one (`InsightRollup.OnwardGrouping`).
    static func groupedRollupBuildStatements() -> [String] {
        let sums = "sum(n), sum(attended), sum(did_not_attend), sum(key_sum), sum(attended_key_sum), sum(did_not_attend_key_sum)"
        return InsightRollup.OnwardGrouping.allCases.map { grouping in
            let columns = grouping.dimensions.map(\.rawValue)
            let second = columns.count > 1 ? columns[1] : "''"
            let group = (["month"] + columns).joined(separator: ", ")
            return """
                INSERT INTO onward_grouped_rollup (grouping_name, month, first_value, second_value, n, attended, did_not_attend, key_sum,
                                                   attended_key_sum, did_not_attend_key_sum)
                SELECT '\(grouping.rawValue)', month, \(columns[0]), \(second), \(sums)
                FROM onward_rollup\(grouping.rejectedOnly ? " WHERE status = '\(OnwardStatus.rejected.rawValue)'" : "") GROUP BY \(group)
                """
        }
    }

    /// A case's facts as stored, before they are rewritten; on PostgreSQL the fact row is locked, so that two
    /// transactions rewriting one case's facts apply their differences one after the other.
    static func storedFacts(_ id: ReferralID, _ db: any SQLDatabase) async throws -> (referral: ReferralFact?, onward: [(InsightRollup.OnwardKey, InsightRollup.OnwardCell)]) {
        let lock = db.dialect.name == "postgresql" ? " FOR UPDATE" : ""
        let row = try await db.raw("SELECT \(unsafeRaw: factColumns) FROM referral_facts WHERE referral_id = \(bind: id)\(unsafeRaw: lock)").first()
        guard let row else { return (nil, []) }
        let onward = try await db.raw("""
            SELECT received_at, organisation_id, category, status, rejection_reason, attended, did_not_attend, record_key
            FROM onward_facts WHERE referral_id = \(bind: id)
            """).all().map { o in
                let attended = try o.decode(column: "attended", as: Int.self), missed = try o.decode(column: "did_not_attend", as: Int.self)
                return (InsightRollup.onwardKey(receivedAt: try o.decode(column: "received_at", as: Date.self),
                                                organisationID: try o.decode(column: "organisation_id", as: String.self),
                                                category: try o.decode(column: "category", as: String.self),
                                                status: try o.decode(column: "status", as: String.self),
                                                rejectionReason: try o.decode(column: "rejection_reason", as: String.self)),
                        InsightRollup.onwardCell(attended: attended, didNotAttend: missed, recordKey: try o.decode(column: "record_key", as: Int.self)))
            }
        return (try decodeFact(row), onward)
    }

    /// Adds a delta to the rollups, inside the caller's transaction. Rows go in key order (referral rows, then
    /// deprivation rows, then places, then referrals out and their groupings), so that concurrent transactions lock shared rows in one order.
    static func applyRollup(_ delta: InsightRollup.Delta, _ db: any SQLDatabase) async throws {
        guard !delta.isEmpty else { return }
        let postgres = db.dialect.name == "postgresql"
        var referralRows = delta.referrals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        try await upsertReferralRollup(referralRows, db)
        if !delta.postcodes.isEmpty {
            // Holding the rollup's row-exclusive lock before reading the lookup: `loadDeprivation` rebuilds the
            // deprivation rows under an exclusive lock, so it sees this transaction's facts or this transaction
            // sees its lookup, never half of each.
            if postgres { try await db.raw("LOCK TABLE insight_rollup IN ROW EXCLUSIVE MODE").run() }
            let postcodes = Array(Set(delta.postcodes.keys.map(\.postcode)))
            var deciles: [String: Int] = [:]
            for start in stride(from: 0, to: postcodes.count, by: 500) {
                let part = Array(postcodes[start..<min(postcodes.count, start + 500)])
                for row in try await db.raw("SELECT postcode, decile FROM deprivation_lookup WHERE postcode IN (\(binds: part))").all() {
                    deciles[try row.decode(column: "postcode", as: String.self)] = try row.decode(column: "decile", as: Int.self)
                }
            }
            var rows: [InsightRollup.Key: CellCount] = [:]
            for (key, cell) in delta.postcodes {
                let value = deciles[key.postcode].map(String.init) ?? "unknown"
                let row = InsightRollup.Key(dimension: InsightDimension.deprivation.rawValue, month: key.month, value: value)
                rows[row] = (rows[row] ?? .zero) + cell
            }
            referralRows = rows.filter { $0.value != .zero }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            try await upsertReferralRollup(referralRows, db)
        }
        try await upsertPlaceRollup(delta.places, db)
        let onward = delta.onward.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: onward.count, by: 400) {
            let values = onward[start..<min(onward.count, start + 400)].map { k, c -> SQLQueryString in
                "(\(bind: k.month), \(bind: k.organisationID), \(bind: k.category), \(bind: k.status), \(bind: k.rejectionReason), \(bind: c.count), \(bind: c.attended), \(bind: c.didNotAttend), \(bind: c.keySum), \(bind: c.attendedKeySum), \(bind: c.didNotAttendKeySum))"
            }
            let query = SQLQueryString("""
                INSERT INTO onward_rollup (month, organisation_id, category, status, rejection_reason, n, attended, did_not_attend, key_sum,
                                           attended_key_sum, did_not_attend_key_sum) VALUES 
                """) + values.joined(separator: ", ")
                + SQLQueryString(" ON CONFLICT (month, organisation_id, category, status, rejection_reason) DO UPDATE SET "
                                 + onwardSums.map { "\($0) = onward_rollup.\($0) + excluded.\($0)" }.joined(separator: ", "))
            try await db.raw(query).run()
        }
        let grouped = delta.grouped.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: grouped.count, by: 400) {
            let values = grouped[start..<min(grouped.count, start + 400)].map { k, c -> SQLQueryString in
                "(\(bind: k.grouping.rawValue), \(bind: k.month), \(bind: k.first), \(bind: k.second), \(bind: c.count), \(bind: c.attended), \(bind: c.didNotAttend), \(bind: c.keySum), \(bind: c.attendedKeySum), \(bind: c.didNotAttendKeySum))"
            }
            let query = SQLQueryString("""
                INSERT INTO onward_grouped_rollup (grouping_name, month, first_value, second_value, n, attended, did_not_attend, key_sum,
                                                   attended_key_sum, did_not_attend_key_sum) VALUES 
                """) + values.joined(separator: ", ")
                + SQLQueryString(" ON CONFLICT (grouping_name, month, first_value, second_value) DO UPDATE SET "
                                 + onwardSums.map { "\($0) = onward_grouped_rollup.\($0) + excluded.\($0)" }.joined(separator: ", "))
            try await db.raw(query).run()
        }
    }

    private static func upsertPlaceRollup(_ places: [InsightRollup.PostcodeKey: InsightRollup.NeedCells], _ db: any SQLDatabase) async throws {
        let rows = places.sorted { $0.key < $1.key }
        let columns = RollupMigrations.placeColumns
        let update = columns.flatMap { [$0.n, $0.k] }.map { "\($0) = need_place_rollup.\($0) + excluded.\($0)" }.joined(separator: ", ")
        for start in stride(from: 0, to: rows.count, by: 200) {
            let values = rows[start..<min(rows.count, start + 200)].map { k, c -> SQLQueryString in
                "(\(bind: k.month), \(bind: k.postcode), " + c.cells.map { "\(bind: $0.count), \(bind: $0.keySum)" as SQLQueryString }.joined(separator: ", ") + ")"
            }
            let query = SQLQueryString("INSERT INTO need_place_rollup (month, postcode, \(columns.map { "\($0.n), \($0.k)" }.joined(separator: ", "))) VALUES ")
                + values.joined(separator: ", ") + SQLQueryString(" ON CONFLICT (month, postcode) DO UPDATE SET " + update)
            try await db.raw(query).run()
        }
    }

    private static let onwardSums = ["n", "attended", "did_not_attend", "key_sum", "attended_key_sum", "did_not_attend_key_sum"]

    private static func upsertReferralRollup(_ rows: [(InsightRollup.Key, CellCount)], _ db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: rows.count, by: 500) {
            let values = rows[start..<min(rows.count, start + 500)].map { k, c -> SQLQueryString in
                "(\(bind: k.dimension), \(bind: k.month), \(bind: k.value), \(bind: c.count), \(bind: c.keySum))"
            }
            let query = SQLQueryString("INSERT INTO insight_rollup (dimension, month, value, n, key_sum) VALUES ") + values.joined(separator: ", ")
                + " ON CONFLICT (dimension, month, value) DO UPDATE SET n = insight_rollup.n + excluded.n, key_sum = insight_rollup.key_sum + excluded.key_sum"
            try await db.raw(query).run()
        }
    }

    /// The whole-month range of a filter over the rollups' `month` column.
    static func rollupMonths(_ filter: InsightFilter) -> SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        if let from = filter.from { parts.append("month >= \(bind: from.text)") }
        if let to = filter.to { parts.append("month <= \(bind: to.text)") }
        return parts.joined(separator: " AND ")
    }

    /// A breakdown of referrals read from `insight_rollup` (see `InsightRollup.dimension(for:)`).
    func rolledUpCounts(_ dimension: String, keys: @Sendable (String) -> [String], total: Bool, where filter: InsightFilter) async throws -> [InsightCount] {
        let query: SQLQueryString = "SELECT " + (total ? "'' AS value" : "value")
            + ", CAST(sum(n) AS BIGINT) AS n, CAST(sum(key_sum) AS BIGINT) AS ks FROM insight_rollup WHERE dimension = \(bind: dimension) AND "
            + Self.rollupMonths(filter) + (total ? "" : " GROUP BY value")
        let rows = try await connections.read { db in try await db.raw(query).all() }
        var result: [InsightCount] = []
        for row in rows {
            let n = try row.decode(column: "n", as: Int?.self) ?? 0
            // Rows whose referrals all moved elsewhere stay at zero: a breakdown never shows them (a total does, as 0).
            guard n > 0 || total else { continue }
            result.append(InsightCount(keys: keys(try row.decode(column: "value", as: String.self)), count: n,
                                       keySum: try row.decode(column: "ks", as: Int?.self) ?? 0))
        }
        return result
    }

    /// A breakdown of referrals out read from the narrow rollup that answers it (`InsightRollup.OnwardGrouping`), or
    /// else from the wide `onward_rollup`.
    func rolledUpOnwardCounts(by dimensions: [OnwardDimension], where filter: InsightFilter, rejectedOnly: Bool) async throws -> [InsightCount] {
        let sums = Self.onwardSums.map { "CAST(sum(\($0)) AS BIGINT) AS \($0)" }
        var query: SQLQueryString
        if let grouping = InsightRollup.OnwardGrouping.answering(dimensions, rejectedOnly: rejectedOnly) {
            let keys = ["first_value", "second_value"].prefix(dimensions.count)
            query = SQLQueryString("SELECT " + (keys.enumerated().map { "\($0.element) AS k\($0.offset)" } + sums).joined(separator: ", ")
                                   + " FROM onward_grouped_rollup WHERE grouping_name = ") + "\(bind: grouping.rawValue) AND " + Self.rollupMonths(filter)
                + SQLQueryString(" GROUP BY " + keys.joined(separator: ", "))
        } else {
            let keys = dimensions.enumerated().map { "\($0.element.rawValue) AS k\($0.offset)" }
            query = SQLQueryString("SELECT " + (keys + sums).joined(separator: ", ") + " FROM onward_rollup WHERE ") + Self.rollupMonths(filter)
            if rejectedOnly { query += " AND status = 'rejected'" }
            if !dimensions.isEmpty { query += SQLQueryString(" GROUP BY " + dimensions.map(\.rawValue).joined(separator: ", ")) }
        }
        let rows = try await connections.read { [query] db in try await db.raw(query).all() }
        return try rows.compactMap { row in
            let n = try row.decode(column: "n", as: Int?.self) ?? 0
            guard n > 0 else { return nil }
            return InsightCount(keys: try dimensions.indices.map { try row.decode(column: "k\($0)", as: String.self) }, count: n,
                                attended: try row.decode(column: "attended", as: Int?.self) ?? 0,
                                didNotAttend: try row.decode(column: "did_not_attend", as: Int?.self) ?? 0,
                                keySum: try row.decode(column: "key_sum", as: Int?.self) ?? 0,
                                attendedKeySum: try row.decode(column: "attended_key_sum", as: Int?.self) ?? 0,
                                didNotAttendKeySum: try row.decode(column: "did_not_attend_key_sum", as: Int?.self) ?? 0)
        }
    }

    /// Every non-zero rollup row, in key order: for tests that compare the rows kept by deltas with a rebuild.
    @_spi(Testing) public func rollupRows() async throws -> [String] {
        try await connections.read { db in
            let referral = try await db.raw("SELECT dimension, month, value, n, key_sum FROM insight_rollup WHERE n <> 0 OR key_sum <> 0 ORDER BY dimension, month, value")
                .all().map { r in
                    "\(try r.decode(column: "dimension", as: String.self))|\(try r.decode(column: "month", as: String.self))|\(try r.decode(column: "value", as: String.self))|\(try r.decode(column: "n", as: Int.self))|\(try r.decode(column: "key_sum", as: Int.self))"
                }
            let onward = try await db.raw("""
                SELECT month, organisation_id, category, status, rejection_reason, n, attended, did_not_attend, key_sum, attended_key_sum, did_not_attend_key_sum
                FROM onward_rollup WHERE n <> 0 OR key_sum <> 0 OR attended <> 0 OR did_not_attend <> 0 ORDER BY month, organisation_id, category, status, rejection_reason
                """).all().map { r in
                    try ["month", "organisation_id", "category", "status", "rejection_reason"].map { try r.decode(column: $0, as: String.self) }.joined(separator: "|")
                        + "|" + (try ["n", "attended", "did_not_attend", "key_sum", "attended_key_sum", "did_not_attend_key_sum"].map { String(try r.decode(column: $0, as: Int.self)) }.joined(separator: "|"))
                }
            let grouped = try await db.raw("""
                SELECT grouping_name, month, first_value, second_value, n, attended, did_not_attend, key_sum, attended_key_sum, did_not_attend_key_sum
                FROM onward_grouped_rollup WHERE n <> 0 OR key_sum <> 0 OR attended <> 0 OR did_not_attend <> 0
                ORDER BY grouping_name, month, first_value, second_value
                """).all().map { r in
                    try ["grouping_name", "month", "first_value", "second_value"].map { try r.decode(column: $0, as: String.self) }.joined(separator: "|")
                        + "|" + (try Self.onwardSums.map { String(try r.decode(column: $0, as: Int.self)) }.joined(separator: "|"))
                }
            let columns = RollupMigrations.placeColumns.flatMap { [$0.n, $0.k] }
            let places = try await db.raw(SQLQueryString("SELECT month, postcode, " + columns.joined(separator: ", ")
                                                         + " FROM need_place_rollup WHERE " + columns.map { "\($0) <> 0" }.joined(separator: " OR ")
                                                         + " ORDER BY month, postcode"))
                .all().map { r in
                    "place|\(try r.decode(column: "month", as: String.self))|\(try r.decode(column: "postcode", as: String.self))|"
                        + (try columns.map { String(try r.decode(column: $0, as: Int.self)) }.joined(separator: "|"))
                }
            return referral + onward + grouped + places
        }
    }

    /// Empties the rollups and builds them again from the facts, in one transaction: after facts were corrected
    /// by hand in the database (`linkwell insight rebuild-rollups`), and in tests.
    public func rebuildInsightRollups() async throws {
        try await connections.transaction { db in
            try await db.raw("DELETE FROM insight_rollup").run()
            try await db.raw("DELETE FROM onward_rollup").run()
            try await db.raw("DELETE FROM onward_grouped_rollup").run()
            try await db.raw("DELETE FROM need_place_rollup").run()
            for statement in Self.rollupBuildStatements() + Self.groupedRollupBuildStatements() + Self.placeRollupBuildStatements { try await db.raw(SQLQueryString(statement)).run() }
        }
    }
}
