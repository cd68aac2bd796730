import Foundation
import LinkwellCore
import SQLKit

/// What is learned in support (needs, interests, strengths, barriers), gaps, and the gap column of the
/// insight facts (versions 220–229: the person's voice, emerging needs, equity, the public directory).
enum LearnedMigrations {
    static let all: [Migration] = [
        Migration(version: 221, name: "needs that emerge in support, and gaps") { flavor in
            [
                """
                CREATE TABLE case_profile_items (
                    seq {seq}, id {id} NOT NULL UNIQUE, referral_id {id} NOT NULL REFERENCES referrals(id),
                    kind TEXT NOT NULL, need TEXT, detail TEXT NOT NULL, added_by {id} NOT NULL, added_at {ts} NOT NULL,
                    ended_by {id}, ended_at {ts})
                """,
                "CREATE INDEX case_profile_items_referral ON case_profile_items(referral_id)",
                """
                CREATE TABLE case_gaps (
                    seq {seq}, id {id} NOT NULL UNIQUE, referral_id {id} NOT NULL REFERENCES referrals(id),
                    need TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, recorded_by {id} NOT NULL, recorded_at {ts} NOT NULL)
                """,
                "CREATE INDEX case_gaps_referral ON case_gaps(referral_id)",
                // Existing cases have no gaps, so 0 is their true value: no backfill is needed.
                "ALTER TABLE referral_facts ADD COLUMN gap_mask INTEGER NOT NULL DEFAULT 0",
            ].map(flavor.render)
        },
        // Gaps are recorded for few cases, but counting them read every fact (`gap_mask <> 0` had no index): at a million
        // referrals the unmet-need dashboard spent 150-250 ms of its ~300 ms scanning for them. A partial index of the
        // facts with a gap, holding what the insight filter and the count read, is as small as the gaps are few.
        Migration(version: 357, name: "index the insight facts with a gap") { flavor in
            [
                """
                CREATE INDEX IF NOT EXISTS referral_facts_gaps ON referral_facts(received_at, pathway, practice_id, gap_mask, record_key)
                WHERE gap_mask <> 0
                """,
            ].map(flavor.render)
        },
    ]
}

extension SQLStore {
    /// Per need (as `Need.allCases`), referrals with a gap recorded for it, with their key sums.
    public func gapCells(where filter: InsightFilter) async throws -> [CellCount] {
        let needs = Need.allCases.indices
        let query = SQLQueryString("SELECT " + needs.map {
            "CAST(coalesce(sum((f.gap_mask >> \($0)) & 1), 0) AS BIGINT) AS n\($0), CAST(coalesce(sum(((f.gap_mask >> \($0)) & 1) * f.record_key), 0) AS BIGINT) AS k\($0)"
        }.joined(separator: ", ") + " FROM referral_facts f WHERE f.gap_mask <> 0 AND ") + Self.condition(filter, flavor)
        return try await connections.read { db in
            guard let row = try await db.raw(query).first() else { return needs.map { _ in .zero } }
            return try needs.map { CellCount(count: try row.decode(column: "n\($0)", as: Int.self), keySum: try row.decode(column: "k\($0)", as: Int.self)) }
        }
    }

    /// Link workers' ratings of services given in the period, without their words or authors.
    public func feedbackRatings(from: Date?, to: Date?) async throws -> [FeedbackRating] {
        var query: SQLQueryString = "SELECT id, service_id, rating FROM dir_feedback WHERE 1 = 1"
        if let from { query = query + " AND at >= \(bind: from)" }
        if let to { query = query + " AND at < \(bind: to)" }
        return try await connections.read { [query] db in
            try await db.raw(query).all().map { row in
                FeedbackRating(serviceID: try row.decode(column: "service_id", as: String.self), rating: try row.decode(column: "rating", as: Int.self),
                               recordKey: RecordKey.of(try row.decode(column: "id", as: String.self)))
            }
        }
    }
}
