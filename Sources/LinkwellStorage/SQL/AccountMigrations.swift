/// The schema of sign-in security: failure counts for throttling, token and session details, two-factor
/// sign-in. Versions 40–49 belong to accounts.
enum AccountMigrations {
    static let all: [Migration] = [
        Migration(version: 40, name: "sign-in failures (throttling and lockout)") { flavor in
            [
                """
                CREATE TABLE sign_in_failures (
                    throttle_key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at {ts} NOT NULL)
                """,
            ].map(flavor.render)
        },
        Migration(version: 41, name: "API token expiry, use and revocation; sessions listed per user") { flavor in
            [
                "ALTER TABLE api_tokens ADD COLUMN id TEXT",
                "ALTER TABLE api_tokens ADD COLUMN expires_at {ts}",
                "ALTER TABLE api_tokens ADD COLUMN last_used_at {ts}",
                "ALTER TABLE api_tokens ADD COLUMN revoked_at {ts}",
                "UPDATE api_tokens SET id = substr(token_hash, 1, 16)",
                // Tokens made before expiry existed last the default 90 days from when they were made.
                flavor == .postgres
                    ? "UPDATE api_tokens SET expires_at = created_at + interval '90 days'"
                    : "UPDATE api_tokens SET expires_at = created_at + 7776000",
                "CREATE UNIQUE INDEX api_tokens_id ON api_tokens(id)",
                "CREATE INDEX api_tokens_user ON api_tokens(user_id)",
                "ALTER TABLE sessions ADD COLUMN id TEXT",
                "ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'complete'",
                "ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT ''",
                "UPDATE sessions SET id = substr(token_hash, 1, 32)",
                "CREATE INDEX sessions_user ON sessions(user_id)",
            ].map(flavor.render)
        },
        Migration(version: 42, name: "two-factor sign-in") { flavor in
            [
                "ALTER TABLE users ADD COLUMN two_factor_secret TEXT",
                "ALTER TABLE users ADD COLUMN two_factor_pending_secret TEXT",
                "ALTER TABLE users ADD COLUMN two_factor_last_step BIGINT",
                """
                CREATE TABLE recovery_codes (
                    seq {seq}, user_id {id} NOT NULL REFERENCES users(id), code_hash TEXT NOT NULL, used_at {ts})
                """,
                "CREATE INDEX recovery_codes_user ON recovery_codes(user_id)",
            ].map(flavor.render)
        },
    ]
}
