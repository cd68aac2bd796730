import Foundation
import LinkwellCore

/// What the in-memory store keeps for sign-in security besides users, sessions and tokens.
struct MemoryAccountExtras {
    var lastTwoFactorStep: [UserID: Int64] = [:]
    var recoveryCodes: [UserID: [(hash: String, usedAt: Date?)]] = [:]
    var failures: [String: SignInFailures] = [:]
}

extension MemoryStore {
    public func updateUser(_ user: User) async throws {
        guard var stored = users[user.id] else { return }
        (stored.displayName, stored.role, stored.organisationID, stored.active) = (user.displayName, user.role, user.organisationID, user.active)
        (stored.twoFactorSecret, stored.twoFactorPendingSecret) = (user.twoFactorSecret, user.twoFactorPendingSecret)
        users[user.id] = stored
    }

    public func sessions(userID: UserID) async throws -> [LoginSession] {
        sessions.values.filter { $0.userID == userID }.sorted { ($0.createdAt, $1.id) > ($1.createdAt, $0.id) }
    }

    public func deleteSession(id: String, userID: UserID) async throws -> Bool {
        guard let found = sessions.values.first(where: { $0.id == id && $0.userID == userID }) else { return false }
        sessions[found.tokenHash] = nil
        return true
    }

    public func deleteSessions(userID: UserID) async throws {
        sessions = sessions.filter { $0.value.userID != userID }
    }

    public func tokens(userID: UserID?) async throws -> [APIToken] {
        tokens.values.filter { userID == nil || $0.userID == userID }.sorted { ($0.createdAt, $1.id) > ($1.createdAt, $0.id) }
    }

    public func touchToken(hash: String, at: Date) async throws { tokens[hash]?.lastUsedAt = at }

    public func revokeTokens(ids: [String], at: Date) async throws {
        for (hash, token) in tokens where ids.contains(token.id) && !token.revoked {
            tokens[hash]?.revoked = true
            tokens[hash]?.revokedAt = at
        }
    }

    public func claimTwoFactorStep(userID: UserID, step: Int64) async throws -> Bool {
        guard users[userID] != nil, (accountExtras.lastTwoFactorStep[userID] ?? .min) < step else { return false }
        accountExtras.lastTwoFactorStep[userID] = step
        return true
    }

    public func replaceRecoveryCodes(userID: UserID, hashes: [String]) async throws {
        accountExtras.recoveryCodes[userID] = hashes.map { ($0, nil) }
    }

    public func useRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool {
        guard let index = accountExtras.recoveryCodes[userID]?.firstIndex(where: { $0.hash == hash && $0.usedAt == nil }) else { return false }
        accountExtras.recoveryCodes[userID]?[index].usedAt = at
        return true
    }

    public func unusedRecoveryCodes(userID: UserID) async throws -> Int {
        accountExtras.recoveryCodes[userID]?.filter { $0.usedAt == nil }.count ?? 0
    }

    public func signInFailures(keys: [String]) async throws -> [SignInFailures] {
        keys.compactMap { accountExtras.failures[$0] }
    }

    public func recordSignInFailure(key: String, at: Date, forgetBefore: Date) async throws -> SignInFailures {
        var record = accountExtras.failures[key] ?? SignInFailures(key: key, failures: 0, lastFailureAt: at)
        if record.lastFailureAt < forgetBefore { record.failures = 0 }
        record.failures += 1
        record.lastFailureAt = at
        accountExtras.failures[key] = record
        return record
    }

    public func clearSignInFailures(key: String) async throws { accountExtras.failures[key] = nil }
}
