import Foundation

/// How often one client may do one thing: at most `limit` times in any `window`.
public struct RateLimit: Sendable, Equatable {
    /// Names the counter (and keeps limits apart): `self-referral`, `measure-link`.
    public var name: String
    public var limit: Int
    public var window: TimeInterval

    public init(name: String, limit: Int, window: TimeInterval) {
        self.name = name
        self.limit = limit
        self.window = window
    }
}

/// The answer to one attempt.
public enum RateLimitDecision: Sendable, Equatable {
    /// Go ahead. `attempt` is the n-th in the window; `id` lets the caller take it back (`forgive`).
    case allowed(attempt: Int, id: String)
    /// Refused until `retryAfter`.
    case refused(retryAfter: Date)
}

/// A client has used up a rate limit. The web edge answers 429 with `Retry-After`.
public struct RateLimited: Error, Sendable, Equatable {
    public var rule: String
    /// Whole seconds until the client may try again (at least 1).
    public var retryAfterSeconds: Int
    public init(rule: String, retryAfterSeconds: Int) {
        self.rule = rule
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Counts attempts per client against `RateLimit`s, in the shared `RateLimitStore` (so limits hold across
/// app instances). Clients are keyed by `ClientAddress.rateLimitKey`: the address from a trusted proxy's
/// `X-Forwarded-For`, else the connection's own.
public struct RateLimiter: Sendable {
    private let store: any RateLimitStore
    private let now: @Sendable () -> Date

    public init(store: any RateLimitStore, env: CoreEnvironment) {
        self.store = store
        self.now = env.now
    }

    /// Counts one attempt by `client`.
    public func attempt(_ rule: RateLimit, client: ClientAddress) async throws -> RateLimitDecision {
        try await attempt(rule, key: client.rateLimitKey)
    }

    /// Counts one attempt under any key (e.g. an account).
    public func attempt(_ rule: RateLimit, key: String) async throws -> RateLimitDecision {
        let at = now()
        let hit = try await store.recordRateLimitHit(key: "\(rule.name):\(key)", limit: rule.limit,
                                                     windowStart: at.addingTimeInterval(-rule.window), now: at)
        if hit.allowed, let id = hit.id { return .allowed(attempt: hit.count, id: id) }
        return .refused(retryAfter: (hit.oldest ?? at).addingTimeInterval(rule.window))
    }

    /// Runs `work` as one attempt by `client` that counts only if it fails (throws): for things a real user
    /// gets right (opening their own link) but someone guessing gets wrong. Throws `RateLimited` when the
    /// client has no attempts left, without running `work`.
    public func countingFailures<T: Sendable>(_ rule: RateLimit, client: ClientAddress, _ work: () async throws -> T) async throws -> T {
        let decision = try await attempt(rule, client: client)
        if case .refused(let retryAfter) = decision {
            throw RateLimited(rule: rule.name, retryAfterSeconds: max(1, Int(retryAfter.timeIntervalSince(now()).rounded(.up))))
        }
        let result = try await work()
        try await forgive(decision)
        return result
    }

    /// Takes back an allowed attempt that should not count (e.g. a link that worked).
    public func forgive(_ decision: RateLimitDecision) async throws {
        if case .allowed(_, let id) = decision { try await store.forgetRateLimitHit(id: id) }
    }
}
