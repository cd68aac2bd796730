import LinkwellCore
import SQLKit

/// The referrals out still waiting for their answer, kept with each case's link worker (versions 390–399).
///
/// A link worker's overdue panel (on every caseload view) started from their cases, every one they ever had (1,620 in
/// the five-year scheme), each looked up among the unanswered requests: ~0.5 ms and ~9,000 steps of SQLite's engine a
/// view to find, most days, nothing. A request's row here changes only when its case does, so it is written in the
/// transaction of every change to the case (`SQLStore.write`: a request made or answered, a reassignment), and the
/// panel reads the link worker's own rows through an index: the requests of their cases still unanswered (tens).
enum OnwardRequestsDueMigrations {
    static let all: [Migration] = [
        Migration(version: 390, name: "keep each unanswered referral out with its case's link worker") { flavor in
            [
                """
                CREATE TABLE IF NOT EXISTS onward_requests_due (
                    onward_referral_id {id} PRIMARY KEY REFERENCES onward_referrals(id), referral_id {id} NOT NULL REFERENCES referrals(id),
                    link_worker_id {id}, created_at {ts} NOT NULL, return_window_days INTEGER NOT NULL)
                """,
                "CREATE INDEX IF NOT EXISTS onward_requests_due_link_worker ON onward_requests_due(link_worker_id, created_at, return_window_days, onward_referral_id)",
                "CREATE INDEX IF NOT EXISTS onward_requests_due_referral ON onward_requests_due(referral_id)",
            ].map(flavor.render) + rebuild
        },
        // Version 363's partial index of the unanswered requests served only the link worker's panel, which reads the
        // rows above now; the provider's and the scheme's lists find the requests by `onward_referrals_status`. An
        // index nothing reads is only a cost to every request made or answered.
        Migration(version: 391, name: "drop the index of unanswered referrals out the overdue panel no longer reads") { _ in
            ["DROP INDEX IF EXISTS onward_referrals_requested"]
        },
    ]

    /// Every unanswered request with a return window, from the cases as stored: the upgrade's backfill (a scheme loaded
    /// by today's writers before this version may have rows already; they are written again).
    static let rebuild = [
        "DELETE FROM onward_requests_due",
        """
        INSERT INTO onward_requests_due (onward_referral_id, referral_id, link_worker_id, created_at, return_window_days)
        SELECT o.id, o.referral_id, r.link_worker_id, o.created_at, o.return_window_days
        FROM onward_referrals o JOIN referrals r ON r.id = o.referral_id WHERE o.status = 'requested' AND o.return_window_days > 0
        """,
    ]
}

extension SQLStore {
    /// Rewrites the change's case's rows of `onward_requests_due` inside the caller's transaction: each of its referrals
    /// out still `requested` with a return window, under the case's link worker as the change leaves it.
    static func writeOnwardRequestsDue(_ change: CaseChange, _ db: any SQLDatabase) async throws {
        let id = change.referral.id
        try await db.raw("DELETE FROM onward_requests_due WHERE referral_id = \(bind: id)").run()
        // The requests as stored, the change's own already written in this transaction.
        try await db.raw("""
            INSERT INTO onward_requests_due (onward_referral_id, referral_id, link_worker_id, created_at, return_window_days)
            SELECT id, referral_id, \(bind: change.referral.linkWorkerID), created_at, return_window_days FROM onward_referrals
            WHERE referral_id = \(bind: id) AND status = 'requested' AND return_window_days > 0
            """).run()
    }

    /// Runs the upgrade's backfill again (tests: the backfill must give what the writes keep).
    @_spi(Testing) public func rebuildOnwardRequestsDue() async throws {
        try await connections.transaction { db in
            for statement in OnwardRequestsDueMigrations.rebuild { try await db.raw(SQLQueryString(statement)).run() }
        }
    }
}
