import Foundation

/// Indexes on the foreign keys that point at a case (versions 320–329).
///
/// SQLite checks a parent's children whenever the parent's key is written or the parent is deleted, and
/// PostgreSQL does so on delete. A child column without an index makes that check a scan of the whole child
/// table. The outbox (`email_outbox.referral_id`) has a row for every message sent, so without its index every
/// casework write and every erasure read the whole outbox. (Measured on a scheme of 21,500 referrals and
/// 57,000 messages: importing 500 referrals took minutes, not seconds.) `ForeignKeyIndexTests` keeps every
/// key that points at a person, a referral or a referral out indexed.
enum ForeignKeyIndexMigrations {
    static let all: [Migration] = [
        Migration(version: 320, name: "indexes on every foreign key that points at a person, a referral or a referral out") { flavor in
            [
                "CREATE INDEX IF NOT EXISTS email_outbox_referral ON email_outbox(referral_id)",
                "CREATE INDEX IF NOT EXISTS measure_invitations_referral ON measure_invitations(referral_id)",
                "CREATE INDEX IF NOT EXISTS onward_messages_onward_referral ON onward_messages(onward_referral_id)",
                "CREATE INDEX IF NOT EXISTS people_merged_into ON people(merged_into)",
                "CREATE INDEX IF NOT EXISTS users_person ON users(person_id)",
            ].map(flavor.render)
        },
    ]
}
