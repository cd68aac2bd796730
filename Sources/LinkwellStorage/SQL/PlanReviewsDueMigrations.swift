import LinkwellCore
import SQLKit

/// The plan reviews due, kept with each case (versions 380–389; the rule is `ReferralStatus.hasPlanReviews`).
///
/// The list joined every plan of the scheme to the open cases: on a five-year scheme 36,000 plans, almost all of
/// cases long closed, against 5,000 open cases. On PostgreSQL that hash join was the slowest read of a supervisor's
/// team view (about 21 ms of its 62–71 at p95). A case's row here changes only when the case does, so it is written
/// in the transaction of every change to the case (`SQLStore.write`), and the list walks the open cases' review
/// dates in order through an index.
enum PlanReviewsDueMigrations {
    static let all: [Migration] = [
        Migration(version: 380, name: "keep each open case's plan review date") { flavor in
            [
                "CREATE TABLE IF NOT EXISTS plan_reviews_due (referral_id {id} PRIMARY KEY REFERENCES referrals(id), review_date TEXT NOT NULL)",
                "CREATE INDEX IF NOT EXISTS plan_reviews_due_date ON plan_reviews_due(review_date, referral_id)",
            ].map(flavor.render) + rebuild(withLinkWorker: false)
        },
        // As `measures_due` (migration 371): each row carries its case's link worker, rewritten with it on every change
        // to the case, so that a link worker's count and page read their own rows rather than every open case's.
        Migration(version: 381, name: "keep the link worker with each plan review due") { flavor in
            [
                "ALTER TABLE plan_reviews_due ADD COLUMN link_worker_id {id}",
                "UPDATE plan_reviews_due SET link_worker_id = (SELECT r.link_worker_id FROM referrals r WHERE r.id = plan_reviews_due.referral_id)",
                "CREATE INDEX IF NOT EXISTS plan_reviews_due_link_worker ON plan_reviews_due(link_worker_id, review_date, referral_id)",
            ].map(flavor.render)
        },
    ]

    /// Every case's row from its stage and plan as stored: the upgrade's backfill. Today's writers keep the table, so a
    /// scheme loaded by them before this version may have rows already; they are written again.
    /// `withLinkWorker: false` is the backfill as version 380 ran it, before the table had the column (migration 381).
    static func rebuild(withLinkWorker: Bool) -> [String] {
        [
            "DELETE FROM plan_reviews_due",
            """
            INSERT INTO plan_reviews_due (referral_id, review_date\(withLinkWorker ? ", link_worker_id" : ""))
            SELECT pl.referral_id, pl.review_date\(withLinkWorker ? ", r.link_worker_id" : "") FROM plans pl JOIN referrals r ON r.id = pl.referral_id
            WHERE pl.review_date IS NOT NULL AND r.status IN (\(ReferralStatus.allCases.filter(\.hasPlanReviews).map { "'\($0.rawValue)'" }.joined(separator: ", ")))
            """,
        ]
    }
}

extension SQLStore {
    /// Rewrites the change's case's row of `plan_reviews_due` inside the caller's transaction: its plan's review
    /// date while the case is at a stage whose plan is reviewed, no row otherwise.
    static func writePlanReviewDue(_ change: CaseChange, _ db: any SQLDatabase) async throws {
        let id = change.referral.id
        try await db.raw("DELETE FROM plan_reviews_due WHERE referral_id = \(bind: id)").run()
        guard change.referral.status.hasPlanReviews else { return }
        // The plan as stored, the change's own already written in this transaction.
        try await db.raw("""
            INSERT INTO plan_reviews_due (referral_id, review_date, link_worker_id)
            SELECT referral_id, review_date, \(bind: change.referral.linkWorkerID) FROM plans WHERE referral_id = \(bind: id) AND review_date IS NOT NULL
            """).run()
    }

    /// Runs the upgrade's backfill again (tests: the backfill must give what the writes keep).
    @_spi(Testing) public func rebuildPlanReviewsDue() async throws {
        try await connections.transaction { db in
            for statement in PlanReviewsDueMigrations.rebuild(withLinkWorker: true) { try await db.raw(SQLQueryString(statement)).run() }
        }
    }
}
