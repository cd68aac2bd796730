/// Migrations for the community group's voice on referrals out (versions 210–219).
enum VoiceMigrations {
    static let all: [Migration] = [
        Migration(version: 210, name: "threads on referrals out") { flavor in
            [
                """
                CREATE TABLE onward_messages (
                    id {id} PRIMARY KEY, onward_referral_id {id} NOT NULL REFERENCES onward_referrals(id),
                    referral_id {id} NOT NULL REFERENCES referrals(id), author_id {id} NOT NULL REFERENCES users(id),
                    side TEXT NOT NULL, body TEXT NOT NULL, at {ts} NOT NULL)
                """,
                "CREATE INDEX onward_messages_referral ON onward_messages(referral_id, at, id)",
                // The lists of requests waiting for an answer read only referrals out still requested.
                "CREATE INDEX onward_referrals_status ON onward_referrals(status, created_at)",
            ].map(flavor.render)
        },
        Migration(version: 211, name: "governance checks expire") { flavor in
            [
                "ALTER TABLE dir_governance ADD COLUMN safeguarding_policy_expires TEXT",
                "ALTER TABLE dir_governance ADD COLUMN insurance_expires TEXT",
                "ALTER TABLE dir_governance ADD COLUMN dbs_expires TEXT",
            ].map(flavor.render)
        },
        Migration(version: 212, name: "complaints log and staff training and DBS records") { flavor in
            [
                """
                CREATE TABLE complaints (
                    id {id} PRIMARY KEY, received_on TEXT NOT NULL, about TEXT NOT NULL, outcome TEXT NOT NULL, closed_on TEXT,
                    recorded_by {id} NOT NULL REFERENCES users(id), recorded_at {ts} NOT NULL)
                """,
                """
                CREATE TABLE staff_checks (
                    id {id} PRIMARY KEY, user_id {id} NOT NULL REFERENCES users(id), kind TEXT NOT NULL, title TEXT NOT NULL,
                    completed_on TEXT NOT NULL, expires_on TEXT, recorded_by {id} NOT NULL REFERENCES users(id), recorded_at {ts} NOT NULL)
                """,
            ].map(flavor.render)
        },
    ]
}
