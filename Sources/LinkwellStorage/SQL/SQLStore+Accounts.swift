import Foundation
import LinkwellCore
import SQLKit

/// Accounts beyond creating them: changes, sessions per user, tokens, two-factor sign-in and the
/// shared sign-in failure counts.
extension SQLStore {
    public func updateUser(_ user: User) async throws {
        try await connections.transaction { db in
            try await db.update("users")
                .set("display_name", to: user.displayName).set("role", to: user.role.rawValue)
                .set("organisation_id", to: user.organisationID).set("active", to: user.active)
                .set("two_factor_secret", to: user.twoFactorSecret).set("two_factor_pending_secret", to: user.twoFactorPendingSecret)
                .where("id", .equal, user.id)
                .run()
        }
    }

    public func sessions(userID: UserID) async throws -> [LoginSession] {
        try await all("SELECT * FROM sessions WHERE user_id = \(bind: userID) ORDER BY created_at DESC, id")
    }

    public func deleteSession(id: String, userID: UserID) async throws -> Bool {
        try await connections.transaction { db in
            !(try await db.delete(from: "sessions").where("id", .equal, id).where("user_id", .equal, userID)
                .returning("id").all().isEmpty)
        }
    }

    public func deleteSessions(userID: UserID) async throws {
        try await connections.transaction { db in
            try await db.delete(from: "sessions").where("user_id", .equal, userID).run()
        }
    }

    public func tokens(userID: UserID?) async throws -> [APIToken] {
        if let userID {
            return try await all("SELECT * FROM api_tokens WHERE user_id = \(bind: userID) ORDER BY created_at DESC, id")
        }
        return try await all("SELECT * FROM api_tokens ORDER BY created_at DESC, id")
    }

    public func touchToken(hash: String, at: Date) async throws {
        try await connections.transaction { db in
            try await db.update("api_tokens").set("last_used_at", to: at).where("token_hash", .equal, hash).run()
        }
    }

    public func revokeTokens(ids: [String], at: Date) async throws {
        guard !ids.isEmpty else { return }
        try await connections.transaction { db in
            try await db.update("api_tokens").set("revoked", to: true).set("revoked_at", to: at)
                .where("id", .in, ids).where("revoked", .equal, false).run()
        }
    }

    public func claimTwoFactorStep(userID: UserID, step: Int64) async throws -> Bool {
        try await connections.transaction { db in
            !(try await db.raw("""
                UPDATE users SET two_factor_last_step = \(bind: step)
                WHERE id = \(bind: userID) AND (two_factor_last_step IS NULL OR two_factor_last_step < \(bind: step))
                RETURNING id
                """).all().isEmpty)
        }
    }

    public func replaceRecoveryCodes(userID: UserID, hashes: [String]) async throws {
        try await connections.transaction { db in
            try await db.delete(from: "recovery_codes").where("user_id", .equal, userID).run()
            for hash in hashes {
                try await db.insert(into: "recovery_codes").columns("user_id", "code_hash").values(SQLBind(userID), SQLBind(hash)).run()
            }
        }
    }

    public func useRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool {
        // `used_at IS NULL` again outside the subquery: PostgreSQL re-checks it on the locked row, so of two
        // concurrent uses only one updates it.
        try await connections.transaction { db in
            !(try await db.raw("""
                UPDATE recovery_codes SET used_at = \(bind: at)
                WHERE seq = (SELECT seq FROM recovery_codes WHERE user_id = \(bind: userID) AND code_hash = \(bind: hash) AND used_at IS NULL LIMIT 1)
                  AND used_at IS NULL
                RETURNING seq
                """).all().isEmpty)
        }
    }

    public func unusedRecoveryCodes(userID: UserID) async throws -> Int {
        try await connections.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = \(bind: userID) AND used_at IS NULL")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    // MARK: SignInThrottleStore

    public func signInFailures(keys: [String]) async throws -> [SignInFailures] {
        guard !keys.isEmpty else { return [] }
        return try await connections.read { db in
            try await db.select().columns("*").from("sign_in_failures").where("throttle_key", .in, keys).all().map(Self.failures)
        }
    }

    public func recordSignInFailure(key: String, at: Date, forgetBefore: Date) async throws -> SignInFailures {
        try await connections.transaction { db in
            // One statement, so concurrent failures are each counted once.
            guard let row = try await db.raw("""
                INSERT INTO sign_in_failures (throttle_key, failures, last_failure_at) VALUES (\(bind: key), 1, \(bind: at))
                ON CONFLICT (throttle_key) DO UPDATE SET
                    failures = CASE WHEN sign_in_failures.last_failure_at < \(bind: forgetBefore) THEN 1 ELSE sign_in_failures.failures + 1 END,
                    last_failure_at = excluded.last_failure_at
                RETURNING throttle_key, failures, last_failure_at
                """).first() else { throw StorageError.versionConflict }
            return try Self.failures(row)
        }
    }

    public func clearSignInFailures(key: String) async throws {
        try await connections.transaction { db in
            try await db.delete(from: "sign_in_failures").where("throttle_key", .equal, key).run()
        }
    }

    static func failures(_ row: any SQLRow) throws -> SignInFailures {
        SignInFailures(key: try row.decode(column: "throttle_key", as: String.self), failures: try row.decode(column: "failures", as: Int.self),
                       lastFailureAt: try row.decode(column: "last_failure_at", as: Date.self))
    }
}
