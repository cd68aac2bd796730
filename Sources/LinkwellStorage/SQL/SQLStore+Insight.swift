import Foundation
import LinkwellCore
import SQLKit

/// `InsightStore` on SQL: every dashboard is one GROUP BY over `referral_facts` (joined to needs, the
/// deprivation lookup, or referrals out and services where asked).
extension SQLStore {
    static func writeFacts(_ facts: InsightFacts, _ db: any SQLDatabase) async throws {
        try await upsert([facts.referral], into: "referral_facts", key: "referral_id", db)
        try await db.delete(from: "onward_facts").where("referral_id", .equal, facts.referral.referralID).run()
        try await insert(facts.onward, into: "onward_facts", db)
    }

    /// The WHERE clause of a filter over `referral_facts f`.
    static func condition(_ filter: InsightFilter) -> SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        if let from = filter.from { parts.append("f.received_at >= \(bind: from.start)") }
        if let to = filter.to { parts.append("f.received_at < \(bind: to.next.start)") }
        if let cohorts = filter.cohorts {
            let alternatives = cohorts.map { c -> SQLQueryString in
                var clause: [SQLQueryString] = ["f.received_at >= \(bind: c.start)", "f.received_at < \(bind: c.end)"]
                if !c.pathways.isEmpty { clause.append("f.pathway IN (\(binds: c.pathways))") }
                if !c.practiceIDs.isEmpty { clause.append("f.practice_id IN (\(binds: c.practiceIDs))") }
                return "(" + clause.joined(separator: " AND ") + ")"
            }
            parts.append(alternatives.isEmpty ? "1 = 0" : "(" + alternatives.joined(separator: " OR ") + ")")
        }
        return parts.joined(separator: " AND ")
    }

    static func expression(_ d: InsightDimension) -> String {
        switch d {
        case .need: "rn.need"
        case .deprivation: "COALESCE(CAST(d.decile AS TEXT), 'unknown')"
        case .stageReached: "CAST(f.stage_reached AS TEXT)"
        case .satisfaction: "COALESCE(CAST(f.satisfaction AS TEXT), '')"
        default: "f.\(d.rawValue)"
        }
    }

    public func referralCounts(by dimensions: [InsightDimension], where filter: InsightFilter) async throws -> [InsightCount] {
        let keys = dimensions.enumerated().map { "\(Self.expression($0.element)) AS k\($0.offset)" }
        var sql = "SELECT " + (keys + ["count(*) AS n"]).joined(separator: ", ") + " FROM referral_facts f"
        if dimensions.contains(.need) { sql += " JOIN referral_needs rn ON rn.referral_id = f.referral_id" }
        if dimensions.contains(.deprivation) { sql += " LEFT JOIN deprivation_lookup d ON d.postcode = f.postcode" }
        var query = SQLQueryString(sql) + " WHERE " + Self.condition(filter)
        if !dimensions.isEmpty { query += SQLQueryString(" GROUP BY " + dimensions.indices.map { "k\($0)" }.joined(separator: ", ")) }
        let rows = try await connections.read { [query] db in try await db.raw(query).all() }
        return try rows.map { row in
            InsightCount(keys: try dimensions.indices.map { try row.decode(column: "k\($0)", as: String?.self) ?? "" },
                         count: try row.decode(column: "n", as: Int.self))
        }
    }

    public func waitDays(where filter: InsightFilter) async throws -> [Int: Int] {
        let query: SQLQueryString = "SELECT f.wait_days AS k, count(*) AS n FROM referral_facts f WHERE f.wait_days IS NOT NULL AND "
            + Self.condition(filter) + " GROUP BY f.wait_days"
        let rows = try await connections.read { db in try await db.raw(query).all() }
        return Dictionary(try rows.map { (try $0.decode(column: "k", as: Int.self), try $0.decode(column: "n", as: Int.self)) }, uniquingKeysWith: +)
    }

    public func onwardCounts(by dimensions: [OnwardDimension], where filter: InsightFilter) async throws -> [InsightCount] {
        func expression(_ d: OnwardDimension) -> String {
            switch d {
            case .provider: "s.organisation_id"
            case .category: "s.category"
            case .service: "o.service_id"
            case .status: "o.status"
            case .rejectionReason: "o.rejection_reason"
            }
        }
        let keys = dimensions.enumerated().map { "\(expression($0.element)) AS k\($0.offset)" }
        let columns: [String] = keys + ["count(*) AS n", "sum(o.attended) AS a", "sum(o.did_not_attend) AS dna"]
        let head: String = "SELECT " + columns.joined(separator: ", ")
            + " FROM onward_facts o JOIN referral_facts f ON f.referral_id = o.referral_id JOIN services s ON s.id = o.service_id WHERE "
        var query = SQLQueryString(head) + Self.condition(filter)
        if !dimensions.isEmpty { query += SQLQueryString(" GROUP BY " + dimensions.indices.map { "k\($0)" }.joined(separator: ", ")) }
        let rows = try await connections.read { [query] db in try await db.raw(query).all() }
        return try rows.compactMap { row in
            let n = try row.decode(column: "n", as: Int.self)
            guard n > 0 else { return nil }
            return InsightCount(keys: try dimensions.indices.map { try row.decode(column: "k\($0)", as: String?.self) ?? "" }, count: n,
                                attended: try row.decode(column: "a", as: Int?.self) ?? 0, didNotAttend: try row.decode(column: "dna", as: Int?.self) ?? 0)
        }
    }

    public func closingFeedback(where filter: InsightFilter, limit: Int) async throws -> [ClosingFeedback] {
        let query: SQLQueryString = """
            SELECT r.feedback_satisfaction AS s, r.feedback_would_change AS w FROM referral_facts f JOIN referrals r ON r.id = f.referral_id
            WHERE r.feedback_would_change IS NOT NULL AND 
            """ + Self.condition(filter) + " ORDER BY f.received_at DESC, f.referral_id DESC LIMIT \(bind: limit)"
        return try await connections.read { db in
            try await db.raw(query).all().map {
                ClosingFeedback(satisfaction: try $0.decode(column: "s", as: Int?.self), wouldChange: try $0.decode(column: "w", as: String.self))
            }
        }
    }

    public func loadDeprivation(_ rows: [(postcode: String, decile: Int)]) async throws {
        try await connections.transaction { db in
            try await db.delete(from: "deprivation_lookup").run()
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                let insert = db.insert(into: "deprivation_lookup").columns("postcode", "decile")
                for row in rows[chunk..<min(rows.count, chunk + 500)] { insert.values(SQLBind(row.postcode), SQLBind(row.decile)) }
                try await insert.run()
            }
        }
    }

    public func referralFacts(after: ReferralID?, limit: Int) async throws -> [ReferralFact] {
        try await all("SELECT * FROM referral_facts WHERE referral_id > \(bind: after?.rawValue ?? "") ORDER BY referral_id LIMIT \(bind: limit)")
    }
}
