import Foundation
import LinkwellCore
import SQLKit

/// `CaseloadPanelStore` on SQL: the four panels in one statement (`together`), each part the statement its own method
/// runs, its rows decoded by that method's own decoder.
extension SQLStore {
    public func caseloadPanels(_ query: CaseloadPanelsQuery) async throws -> CaseloadPanels {
        let reviews = Self.planReviewsScope(linkWorkerID: query.linkWorkerID, team: query.team, dueBy: query.reviewsDueBy)
        let parts = [
            Part(Self.everyTeam, columns: [("id", .text), ("name", .text), ("kind", .text), ("created_at", .timestamp)], order: ["id"]),
            Part(Self.measuresDueCounting(measuresDueSource(query.measuresDue, at: query.now), at: query.now),
                 columns: [("total", .integer), ("overdue", .integer)], order: []),
            Part(Self.planReviewsListing(reviews, today: query.today, page: PageNumber(1, size: query.reviewsShown)),
                 columns: [("id", .text), ("given_name", .text), ("family_name", .text), ("review_date", .text), ("total", .integer), ("overdue", .integer)],
                 order: ["review_date", "id"]),
            Part(openOnwardRequestsStatement(linkWorkerID: query.linkWorkerID, organisationID: nil, overdueAt: query.now),
                 columns: [("id", .text), ("referral_id", .text), ("service_id", .text), ("service_name", .text), ("organisation_id", .text),
                           ("link_worker_id", .text), ("given_name", .text), ("family_name", .text), ("consent_purposes", .text),
                           ("created_at", .timestamp), ("return_window_days", .integer)],
                 order: ["created_at", "id"]),
        ]
        let sql = Self.together(parts, flavor: flavor)
        let found = try await connections.read { db in try Self.parts(try await db.raw(sql).all(), count: parts.count) }
        let due = try Self.measuresDueCounts(found[1].first)
        // A first page is never past the end: no rows means no reviews (`planReviews` counts again only past the end).
        return CaseloadPanels(
            teams: try found[0].map(Self.team),
            measuresDue: MeasuresDuePage(rows: [], total: due.total, overdue: due.overdue),
            planReviews: try Self.planReviewsPage(found[2]) ?? PlanReviewsPage(rows: [], total: 0, overdue: 0),
            onwardRequests: try found[3].map(Self.openOnwardRequest))
    }

    /// A statement read as one part of `together`: its output columns by name and kind, and those that order its rows
    /// (ending with one that is unique), as its own `ORDER BY` orders them.
    struct Part {
        /// What a column holds, for the NULL that stands for it in the other parts' rows: PostgreSQL gives a union's
        /// column a type from its first two parts, and two bare NULLs make it text, which a later part's timestamp or
        /// number then cannot join. SQLite's columns have no type.
        enum Kind {
            case text, integer, timestamp
            func null(_ flavor: SQLFlavor) -> String {
                guard flavor == .postgres else { return "NULL" }
                switch self {
                case .text: return "CAST(NULL AS TEXT)"
                case .integer: return "CAST(NULL AS BIGINT)"
                case .timestamp: return "CAST(NULL AS TIMESTAMPTZ)"
                }
            }
        }
        let sql: SQLQueryString
        let columns: [(name: String, kind: Kind)]
        let order: [String]
        init(_ sql: SQLQueryString, columns: [(name: String, kind: Kind)], order: [String]) { (self.sql, self.columns, self.order) = (sql, columns, order) }
    }

    /// Several reads of different shapes as one statement: `SELECT 0 AS part, t.a AS w0_a, NULL AS w1_b … FROM (…) t
    /// UNION ALL SELECT 1, NULL, t.b …`, every part's columns side by side under its own prefix, NULL in the other
    /// parts' rows, ordered by part and then by each part's own order (the other parts' columns, all NULL, tie). A
    /// statement's rows arrive in the order it was written to give, not the order a subquery happened to read them.
    static func together(_ parts: [Part], flavor: SQLFlavor) -> SQLQueryString {
        func name(_ part: Int, _ column: String) -> String { partPrefix(part) + column }
        var sql = SQLQueryString("")
        for (index, part) in parts.enumerated() {
            let columns = parts.enumerated().flatMap { other, each in
                each.columns.map { other == index ? "t.\($0.name) AS \(name(other, $0.name))" : "\($0.kind.null(flavor)) AS \(name(other, $0.name))" }
            }
            sql.appendInterpolation(unsafeRaw: (index == 0 ? "SELECT " : " UNION ALL SELECT ") + "\(index) AS part, " + columns.joined(separator: ", ") + " FROM (")
            sql.appendInterpolation(part.sql)
            sql.appendInterpolation(unsafeRaw: ") t")
        }
        let order = ["part"] + parts.enumerated().flatMap { index, part in part.order.map { name(index, $0) } }
        sql.appendInterpolation(unsafeRaw: " ORDER BY " + order.joined(separator: ", "))
        return sql
    }

    /// The rows of `together`, each part's as its own statement gives them (columns by their own names).
    static func parts(_ rows: [any SQLRow], count: Int) throws -> [[any SQLRow]] {
        var parts = [[any SQLRow]](repeating: [], count: count)
        for row in rows {
            let index = try row.decode(column: "part", as: Int.self)
            guard parts.indices.contains(index) else { continue }
            parts[index].append(PartRow(row: row, prefix: partPrefix(index)))
        }
        return parts
    }

    /// The prefix of part `index`'s columns in `together`.
    static func partPrefix(_ index: Int) -> String { "w\(index)_" }

    /// A row of one part of `together`, its columns read by the names its own statement gives them.
    struct PartRow: SQLRow {
        let row: any SQLRow
        let prefix: String
        var allColumns: [String] { row.allColumns.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
        func contains(column: String) -> Bool { row.contains(column: prefix + column) }
        func decodeNil(column: String) throws -> Bool { try row.decodeNil(column: prefix + column) }
        func decode<D: Decodable>(column: String, as type: D.Type) throws -> D { try row.decode(column: prefix + column, as: D.self) }
    }
}
