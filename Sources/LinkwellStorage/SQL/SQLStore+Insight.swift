import Foundation
import LinkwellCore
import SQLKit

/// `InsightStore` on SQL: every dashboard is one GROUP BY over `referral_facts` (joined to needs, the
/// deprivation lookup, or referrals out and services where asked).
extension SQLStore {
    public func deprivationDeciles(referralIDs: [ReferralID]) async throws -> [ReferralID: Int] {
        var result: [ReferralID: Int] = [:]
        // In slices, well under either database's limit on bound values.
        for start in stride(from: 0, to: referralIDs.count, by: 500) {
            let ids = referralIDs[start..<min(referralIDs.count, start + 500)].map(\.rawValue)
            let rows = try await connections.read { db in
                try await db.raw("""
                    SELECT f.referral_id, d.decile FROM referral_facts f JOIN deprivation_lookup d ON d.postcode = f.postcode
                    WHERE f.referral_id IN (\(binds: ids))
                    """).all()
            }
            for row in rows {
                result[ReferralID(try row.decode(column: "referral_id", as: String.self))] = try row.decode(column: "decile", as: Int.self)
            }
        }
        return result
    }

    /// Rewrites one case's facts and adds the difference to the rollups (`InsightRollup`), in the caller's transaction.
    static func writeFacts(_ facts: InsightFacts, _ db: any SQLDatabase) async throws {
        let stored = try await storedFacts(facts.referral.referralID, db)
        try await upsert([facts.referral], into: "referral_facts", key: "referral_id", db)
        try await db.delete(from: "onward_facts").where("referral_id", .equal, facts.referral.referralID).run()
        try await insert(facts.onward, into: "onward_facts", db)
        var delta = InsightRollup.delta(old: nil, new: facts)
        if let old = stored.referral { delta.add(old, sign: -1) }
        for (key, cell) in stored.onward { delta.add(onward: key, cell, sign: -1) }
        try await applyRollup(delta, db)
    }

    /// The WHERE clause of a filter over `referral_facts f` (or `onward_facts f`, which has the same filter columns).
    ///
    /// On SQLite the date range is written `+f.received_at` so that the planner scans the table instead of
    /// walking the date index: a dashboard's range is months to years (10–100% of rows), where one pass over
    /// the table beats a row lookup per index entry several times over. PostgreSQL chooses well by itself.
    static func condition(_ filter: InsightFilter, _ flavor: SQLFlavor) -> SQLQueryString {
        let column = flavor == .sqlite ? "+f.received_at" : "f.received_at"
        var parts: [SQLQueryString] = ["1 = 1"]
        if let from = filter.from { parts.append("\(unsafeRaw: column) >= \(bind: from.start)") }
        if let to = filter.to { parts.append("\(unsafeRaw: column) < \(bind: to.next.start)") }
        if let cohorts = filter.cohorts {
            let alternatives = cohorts.map { c -> SQLQueryString in
                var clause: [SQLQueryString] = ["\(unsafeRaw: column) >= \(bind: c.start)", "\(unsafeRaw: column) < \(bind: c.end)"]
                if !c.pathways.isEmpty { clause.append("f.pathway IN (\(binds: c.pathways))") }
                if !c.practiceIDs.isEmpty { clause.append("f.practice_id IN (\(binds: c.practiceIDs))") }
                return "(" + clause.joined(separator: " AND ") + ")"
            }
            parts.append(alternatives.isEmpty ? "1 = 0" : "(" + alternatives.joined(separator: " OR ") + ")")
        }
        return parts.joined(separator: " AND ")
    }

    /// The column a dimension groups by.
    static func column(_ d: InsightDimension) -> String {
        switch d {
        case .need: "rn.need"
        case .deprivation: "d.decile"
        default: "f.\(d.rawValue)"
        }
    }

    /// A grouped column as the text key a count carries.
    static func text(_ d: InsightDimension, _ column: String) -> String {
        switch d {
        case .deprivation: "COALESCE(CAST(\(column) AS TEXT), 'unknown')"
        case .stageReached: "CAST(\(column) AS TEXT)"
        case .satisfaction: "COALESCE(CAST(\(column) AS TEXT), '')"
        default: column
        }
    }

    public func referralCounts(by dimensions: [InsightDimension], where filter: InsightFilter) async throws -> [InsightCount] {
        if InsightRollup.answers(filter), let rolled = InsightRollup.dimension(for: dimensions) {
            return try await rolledUpCounts(rolled.name, keys: rolled.keys, total: dimensions.isEmpty, where: filter)
        }
        // Needs are bits of `needs_mask`: one pass sums each bit, instead of a join per need.
        let needIndex = dimensions.firstIndex(of: .need)
        let others = dimensions.filter { $0 != .need }
        // Grouped by the plain columns (so SQLite can count in the order of a covering index), turned into
        // text keys outside.
        let keys = others.enumerated().map { "\(Self.column($0.element)) AS k\($0.offset)" }
        let counts = needIndex == nil ? ["count(*) AS n", "sum(f.record_key) AS ks"]
            : Need.allCases.indices.flatMap { ["sum((f.needs_mask >> \($0)) & 1) AS n\($0)", "sum(((f.needs_mask >> \($0)) & 1) * f.record_key) AS ks\($0)"] }
        var sql = "SELECT " + (keys + counts).joined(separator: ", ") + " FROM referral_facts f"
        if dimensions.contains(.deprivation) { sql += " LEFT JOIN deprivation_lookup d ON d.postcode = f.postcode" }
        var query = SQLQueryString(sql) + " WHERE " + Self.condition(filter, flavor)
        if !others.isEmpty { query += SQLQueryString(" GROUP BY " + others.indices.map { "k\($0)" }.joined(separator: ", ")) }
        let outer = others.enumerated().map { "\(Self.text($0.element, "g.k\($0.offset)")) AS k\($0.offset)" }
            + (needIndex == nil ? ["g.n AS n", "g.ks AS ks"] : Need.allCases.indices.flatMap { ["g.n\($0) AS n\($0)", "g.ks\($0) AS ks\($0)"] })
        query = SQLQueryString("SELECT " + outer.joined(separator: ", ") + " FROM (") + query + ") g"
        let rows = try await connections.read { [query] db in try await db.raw(query).all() }
        var result: [InsightCount] = []
        for row in rows {
            let otherKeys = try others.indices.map { try row.decode(column: "k\($0)", as: String?.self) ?? "" }
            guard let needIndex else {
                result.append(InsightCount(keys: otherKeys, count: try row.decode(column: "n", as: Int.self),
                                           keySum: try row.decode(column: "ks", as: Int?.self) ?? 0))
                continue
            }
            for (i, need) in Need.allCases.enumerated() {
                let n = try row.decode(column: "n\(i)", as: Int?.self) ?? 0
                guard n > 0 else { continue }
                var keys = otherKeys
                keys.insert(need.rawValue, at: needIndex)
                result.append(InsightCount(keys: keys, count: n, keySum: try row.decode(column: "ks\(i)", as: Int?.self) ?? 0))
            }
        }
        return result
    }

    public func waitDays(where filter: InsightFilter) async throws -> [Int: Int] {
        if InsightRollup.answers(filter) {
            let rows = try await rolledUpCounts(InsightRollup.waitDays, keys: { [$0] }, total: false, where: filter)
            return Dictionary(rows.compactMap { row in Int(row.keys[0]).map { ($0, row.count) } }, uniquingKeysWith: +)
        }
        let query: SQLQueryString = "SELECT f.wait_days AS k, count(*) AS n FROM referral_facts f WHERE f.wait_days IS NOT NULL AND "
            + Self.condition(filter, flavor) + " GROUP BY f.wait_days"
        let rows = try await connections.read { db in try await db.raw(query).all() }
        return Dictionary(try rows.map { (try $0.decode(column: "k", as: Int.self), try $0.decode(column: "n", as: Int.self)) }, uniquingKeysWith: +)
    }

    public func contactedCell(where filter: InsightFilter) async throws -> CellCount {
        if InsightRollup.answers(filter) {
            return try await rolledUpCounts(InsightRollup.waitDays, keys: { _ in [] }, total: true, where: filter).first?.cell ?? .zero
        }
        let query: SQLQueryString = "SELECT count(*) AS n, sum(f.record_key) AS ks FROM referral_facts f WHERE f.wait_days IS NOT NULL AND "
            + Self.condition(filter, flavor)
        return try await connections.read { db in
            guard let row = try await db.raw(query).first() else { return .zero }
            return CellCount(count: try row.decode(column: "n", as: Int.self), keySum: try row.decode(column: "ks", as: Int?.self) ?? 0)
        }
    }

    public func onwardCounts(by dimensions: [OnwardDimension], where filter: InsightFilter, rejectedOnly: Bool) async throws -> [InsightCount] {
        if InsightRollup.answers(dimensions, filter) {
            return try await rolledUpOnwardCounts(by: dimensions, where: filter, rejectedOnly: rejectedOnly)
        }
        func expression(_ d: OnwardDimension) -> String { "f.\(d.rawValue)" }
        let keys = dimensions.enumerated().map { "\(expression($0.element)) AS k\($0.offset)" }
        let columns: [String] = keys + ["count(*) AS n", "sum(f.attended) AS a", "sum(f.did_not_attend) AS dna", "sum(f.record_key) AS ks",
                                        "sum(f.attended * f.record_key) AS ka", "sum(f.did_not_attend * f.record_key) AS kd"]
        // onward_facts carries the referral's filter columns, so the same condition applies with no join.
        let head: String = "SELECT " + columns.joined(separator: ", ") + " FROM onward_facts f WHERE "
        var query = SQLQueryString(head) + Self.condition(filter, flavor)
        if rejectedOnly { query += " AND f.status = 'rejected'" }
        if !dimensions.isEmpty { query += SQLQueryString(" GROUP BY " + dimensions.indices.map { "k\($0)" }.joined(separator: ", ")) }
        let rows = try await connections.read { [query] db in try await db.raw(query).all() }
        return try rows.compactMap { row in
            let n = try row.decode(column: "n", as: Int.self)
            guard n > 0 else { return nil }
            return InsightCount(keys: try dimensions.indices.map { try row.decode(column: "k\($0)", as: String?.self) ?? "" }, count: n,
                                attended: try row.decode(column: "a", as: Int?.self) ?? 0, didNotAttend: try row.decode(column: "dna", as: Int?.self) ?? 0,
                                keySum: try row.decode(column: "ks", as: Int?.self) ?? 0, attendedKeySum: try row.decode(column: "ka", as: Int?.self) ?? 0,
                                didNotAttendKeySum: try row.decode(column: "kd", as: Int?.self) ?? 0)
        }
    }

    public func closingFeedback(where filter: InsightFilter, limit: Int) async throws -> [ClosingFeedback] {
        let query: SQLQueryString = """
            SELECT r.feedback_satisfaction AS s, r.feedback_would_change AS w FROM referral_facts f JOIN referrals r ON r.id = f.referral_id
            WHERE r.feedback_would_change IS NOT NULL AND 
            """ + Self.condition(filter, flavor) + " ORDER BY f.received_at DESC, f.referral_id DESC LIMIT \(bind: limit)"
        return try await connections.read { db in
            try await db.raw(query).all().map {
                ClosingFeedback(satisfaction: try $0.decode(column: "s", as: Int?.self), wouldChange: try $0.decode(column: "w", as: String.self))
            }
        }
    }

    public func loadDeprivation(_ rows: [(postcode: String, decile: Int)]) async throws {
        try await connections.transaction { db in
            // The deprivation rows of the rollup follow the lookup: rebuilt from the facts under a lock that keeps
            // fact writers out until this commits (see `applyRollup`).
            if db.dialect.name == "postgresql" { try await db.raw("LOCK TABLE insight_rollup IN EXCLUSIVE MODE").run() }
            try await db.delete(from: "deprivation_lookup").run()
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                let insert = db.insert(into: "deprivation_lookup").columns("postcode", "decile")
                for row in rows[chunk..<min(rows.count, chunk + 500)] { insert.values(SQLBind(row.postcode), SQLBind(row.decile)) }
                try await insert.run()
            }
            try await db.delete(from: "insight_rollup").where("dimension", .equal, InsightDimension.deprivation.rawValue).run()
            for statement in Self.rollupBuildStatements(deprivationOnly: true) { try await db.raw(SQLQueryString(statement)).run() }
        }
    }

    public func referralFacts(after: ReferralID?, limit: Int) async throws -> [ReferralFact] {
        // Decoded column by column (not through Codable): this feeds the streamed export.
        try await connections.read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.factColumns)
                FROM referral_facts WHERE referral_id > \(bind: after?.rawValue ?? "") ORDER BY referral_id LIMIT \(bind: limit)
                """).all().map(Self.decodeFact)
        }
    }

    static let factColumns = """
        referral_id, received_at, month, source_type, practice_id, pathway, age_band, sex, ethnicity, postcode, status,
        stage_reached, wait_days, link_worker_id, satisfaction, needs_mask, gap_mask
        """

    static func decodeFact(_ row: any SQLRow) throws -> ReferralFact {
        ReferralFact(referralID: ReferralID(try row.decode(column: "referral_id", as: String.self)),
                     receivedAt: try row.decode(column: "received_at", as: Date.self),
                     month: try row.decode(column: "month", as: String.self), sourceType: try row.decode(column: "source_type", as: String.self),
                     practiceID: try row.decode(column: "practice_id", as: String.self), pathway: try row.decode(column: "pathway", as: String.self),
                     ageBand: try row.decode(column: "age_band", as: String.self), sex: try row.decode(column: "sex", as: String.self),
                     ethnicity: try row.decode(column: "ethnicity", as: String.self), postcode: try row.decode(column: "postcode", as: String.self),
                     status: try row.decode(column: "status", as: String.self), stageReached: try row.decode(column: "stage_reached", as: Int.self),
                     waitDays: try row.decode(column: "wait_days", as: Int?.self), linkWorkerID: try row.decode(column: "link_worker_id", as: String.self),
                     satisfaction: try row.decode(column: "satisfaction", as: Int?.self), needsMask: try row.decode(column: "needs_mask", as: Int.self),
                     gapMask: try row.decode(column: "gap_mask", as: Int.self))
    }

    /// The export's lines are assembled by the database, a whole page into one text value (one value decoded
    /// per page, not sixteen per row), from the same column list and CSV rule as `FactsExport.line`; the
    /// storage suite checks they agree.
    public func referralFactLines(after: ReferralID?, limit: Int) async throws -> (text: String, rows: Int, last: ReferralID?) {
        let aggregate = flavor == .postgres ? "string_agg(line, E'\\r\\n' ORDER BY rid)" : "group_concat(line, char(13) || char(10))"
        let query: SQLQueryString = """
            SELECT \(unsafeRaw: aggregate) AS text, count(*) AS n FROM (
                SELECT referral_id AS rid, \(unsafeRaw: Self.factsLineExpression(flavor)) AS line
                FROM referral_facts WHERE referral_id > \(bind: after?.rawValue ?? "") ORDER BY referral_id LIMIT \(bind: limit)) page
            """
        return try await connections.read { db in
            guard let row = try await db.raw(query).first() else { return ("", 0, nil) }
            let n = try row.decode(column: "n", as: Int.self)
            guard n > 0, let text = try row.decode(column: "text", as: String?.self) else { return ("", 0, nil) }
            // The referral id is the last line's first field (ids never contain commas).
            let lastLine = text.range(of: "\r\n", options: .backwards).map { text[$0.upperBound...] } ?? Substring(text)
            return (text + "\r\n", n, ReferralID(String(lastLine.prefix { $0 != "," })))
        }
    }

    public func referralFactPageEnd(after: ReferralID?, limit: Int) async throws -> ReferralID? {
        // An index-only walk of `limit` primary-key entries: cheap next to reading and formatting the page.
        try await connections.read { db in
            try await db.raw("""
                SELECT referral_id FROM referral_facts WHERE referral_id > \(bind: after?.rawValue ?? "")
                ORDER BY referral_id LIMIT 1 OFFSET \(bind: max(0, limit - 1))
                """).first()?.decode(column: "referral_id", as: ReferralID.self)
        }
    }

    public func referralFactLines(after: ReferralID?, through: ReferralID?) async throws -> (text: String, rows: Int) {
        let aggregate = flavor == .postgres ? "string_agg(line, E'\\r\\n' ORDER BY rid)" : "group_concat(line, char(13) || char(10))"
        let end: SQLQueryString = through.map { " AND referral_id <= \(bind: $0.rawValue)" } ?? ""
        // The LIMIT keeps SQLite from flattening the ordered subquery into the aggregate (and losing the order).
        let query: SQLQueryString = """
            SELECT \(unsafeRaw: aggregate) AS text, count(*) AS n FROM (
                SELECT referral_id AS rid, \(unsafeRaw: Self.factsLineExpression(flavor)) AS line
                FROM referral_facts WHERE referral_id > \(bind: after?.rawValue ?? "")
            """ + end + " ORDER BY referral_id LIMIT 2147483647) page"
        return try await connections.read { db in
            guard let row = try await db.raw(query).first() else { return ("", 0) }
            let n = try row.decode(column: "n", as: Int.self)
            guard n > 0, let text = try row.decode(column: "text", as: String?.self) else { return ("", 0) }
            return (text + "\r\n", n)
        }
    }

    public func referralsWithoutFacts(limit: Int) async throws -> [ReferralID] {
        try await connections.read { db in
            try await db.raw("""
                SELECT r.id FROM referrals r LEFT JOIN referral_facts f ON f.referral_id = r.id WHERE f.referral_id IS NULL
                ORDER BY r.id LIMIT \(bind: limit)
                """).all().map { ReferralID(try $0.decode(column: "id", as: String.self)) }
        }
    }

    public func saveFacts(_ facts: InsightFacts) async throws {
        try await connections.transaction { db in try await Self.writeFacts(facts, db) }
    }

    /// `FactsExport.columns` as one SQL expression writing a CSV line (without its CRLF) the way `CSVWriter`
    /// does: numbers and codes bare, text quoted with quotes doubled and `'` before a formula trigger.
    static func factsLineExpression(_ flavor: SQLFlavor) -> String {
        func literal(_ scalar: Unicode.Scalar) -> String {
            guard scalar.value >= 32 else { return flavor == .postgres ? "chr(\(scalar.value))" : "char(\(scalar.value))" }
            return "'" + String(Character(scalar)).replacingOccurrences(of: "'", with: "''") + "'"
        }
        let triggers = CSVWriter.formulaTriggers.map(literal).joined(separator: ", ")
        let neutraliser = "'" + CSVWriter.neutraliser.replacingOccurrences(of: "'", with: "''") + "'"
        return FactsExport.columns.map { column in
            switch column.kind {
            case .number: "COALESCE(CAST(\(column.name) AS TEXT), '')"
            // Codes in the facts are Linkwell's own (enum values, generated ids, months): safe bare.
            case .code: column.name
            case .text: """
                '"' || CASE WHEN substr(\(column.name), 1, 1) IN (\(triggers)) THEN \(neutraliser) ELSE '' END || replace(\(column.name), '"', '""') || '"'
                """
            }
        }.joined(separator: " || ',' || ")
    }
}
