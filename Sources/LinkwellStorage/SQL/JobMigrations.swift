/// Versions 250–259: the e-mail outbox carries reminders about no referral (governance checks).
enum JobMigrations {
    static let all: [Migration] = [
        // `OutboxEmail` explains why: an e-mail no longer needs a referral or a message back. Nothing else changes.
        Migration(version: 250, name: "outbox: reminders about no referral") { flavor in
            switch flavor {
            case .postgres:
                return [
                    "ALTER TABLE email_outbox ALTER COLUMN referral_id DROP NOT NULL",
                    "ALTER TABLE email_outbox DROP CONSTRAINT IF EXISTS email_outbox_id_fkey",
                ]
            case .sqlite:
                // SQLite cannot drop a NOT NULL or a reference: the table is rebuilt with the same columns.
                return [
                    """
                    CREATE TABLE email_outbox_new (
                        id {id} PRIMARY KEY, referral_id {id} REFERENCES referrals(id),
                        recipient_id {id} REFERENCES users(id), recipient_organisation_id {id} REFERENCES organisations(id),
                        kind TEXT NOT NULL, state TEXT NOT NULL,
                        attempts INTEGER NOT NULL, not_before {ts} NOT NULL, claimed_until {ts}, sent_at {ts},
                        last_error TEXT, created_at {ts} NOT NULL)
                    """,
                    """
                    INSERT INTO email_outbox_new (id, referral_id, recipient_id, recipient_organisation_id, kind, state, attempts,
                                                  not_before, claimed_until, sent_at, last_error, created_at)
                    SELECT id, referral_id, recipient_id, recipient_organisation_id, kind, state, attempts, not_before, claimed_until,
                           sent_at, last_error, created_at
                    FROM email_outbox
                    """,
                    "DROP TABLE email_outbox",
                    "ALTER TABLE email_outbox_new RENAME TO email_outbox",
                    "CREATE INDEX email_outbox_due ON email_outbox(state, not_before)",
                ].map(flavor.render)
            }
        },
    ]
}
