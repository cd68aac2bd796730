/// The schema of the NHS record: organisations with ODS codes and contact routes, and messages back
/// addressed to a registered GP practice. Versions 170–189 belong to it.
enum NHSMigrations {
    static let all: [Migration] = [
        Migration(version: 170, name: "organisations: ODS codes and contact routes; messages back to practices") { flavor in
            var statements = [
                "ALTER TABLE organisations ADD COLUMN ods_code TEXT",
                "ALTER TABLE organisations ADD COLUMN address TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE organisations ADD COLUMN postcode TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE organisations ADD COLUMN email TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE organisations ADD COLUMN phone TEXT NOT NULL DEFAULT ''",
                // NULLs are distinct in both engines: organisations without a code do not clash.
                "CREATE UNIQUE INDEX organisations_ods_code ON organisations(ods_code)",
            ]
            switch flavor {
            case .postgres:
                statements += [
                    "ALTER TABLE messages_back ALTER COLUMN recipient_id DROP NOT NULL",
                    "ALTER TABLE messages_back ADD COLUMN recipient_organisation_id {id} REFERENCES organisations(id)",
                    "ALTER TABLE email_outbox ALTER COLUMN recipient_id DROP NOT NULL",
                    "ALTER TABLE email_outbox ADD COLUMN recipient_organisation_id {id} REFERENCES organisations(id)",
                ]
            case .sqlite:
                // SQLite cannot drop a NOT NULL, so both tables are rebuilt. The outbox (which refers to
                // the messages) goes first, so that no reference is ever left dangling; renaming the new
                // messages table rewrites the new outbox's reference to it.
                statements += [
                    """
                    CREATE TABLE messages_back_new (
                        seq {seq}, id {id} NOT NULL UNIQUE, referral_id {id} NOT NULL REFERENCES referrals(id),
                        recipient_id {id} REFERENCES users(id), recipient_organisation_id {id} REFERENCES organisations(id),
                        kind TEXT NOT NULL, snomed_code TEXT, body TEXT NOT NULL, created_at {ts} NOT NULL)
                    """,
                    """
                    INSERT INTO messages_back_new (seq, id, referral_id, recipient_id, kind, snomed_code, body, created_at)
                    SELECT seq, id, referral_id, recipient_id, kind, snomed_code, body, created_at FROM messages_back
                    """,
                    """
                    CREATE TABLE email_outbox_new (
                        id {id} PRIMARY KEY REFERENCES messages_back_new(id), referral_id {id} NOT NULL REFERENCES referrals(id),
                        recipient_id {id} REFERENCES users(id), recipient_organisation_id {id} REFERENCES organisations(id),
                        kind TEXT NOT NULL, state TEXT NOT NULL,
                        attempts INTEGER NOT NULL, not_before {ts} NOT NULL, claimed_until {ts}, sent_at {ts},
                        last_error TEXT, created_at {ts} NOT NULL)
                    """,
                    """
                    INSERT INTO email_outbox_new (id, referral_id, recipient_id, kind, state, attempts, not_before, claimed_until,
                                                  sent_at, last_error, created_at)
                    SELECT id, referral_id, recipient_id, kind, state, attempts, not_before, claimed_until, sent_at, last_error, created_at
                    FROM email_outbox
                    """,
                    "DROP TABLE email_outbox",
                    "DROP TABLE messages_back",
                    "ALTER TABLE messages_back_new RENAME TO messages_back",
                    "ALTER TABLE email_outbox_new RENAME TO email_outbox",
                    "CREATE INDEX messages_back_recipient ON messages_back(recipient_id)",
                    "CREATE INDEX messages_back_referral ON messages_back(referral_id)",
                    "CREATE INDEX email_outbox_due ON email_outbox(state, not_before)",
                ]
            }
            statements.append("CREATE INDEX messages_back_organisation ON messages_back(recipient_organisation_id)")
            return statements.map(flavor.render)
        },
        Migration(version: 171, name: "code lists: local values mapped to SNOMED CT") { flavor in
            [
                """
                CREATE TABLE code_list_concepts (
                    list_name TEXT NOT NULL, value_key TEXT NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
                    display TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (list_name, value_key))
                """,
            ].map(flavor.render)
        },
    ]
}
