import Foundation

/// How often one client may do one thing: at most `limit` times in any `window`.
public struct RateLimit: Sendable, Equatable {
    /// Names the counter (and keeps limits apart): `self-referral`, `sign-in`, `measure-link`.
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

    /// Counts one attempt under any key (e.g. an account, for per-account sign-in limits).
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

    /// Takes back an allowed attempt that should not count (a valid link, a successful sign-in).
    public func forgive(_ decision: RateLimitDecision) async throws {
        if case .allowed(_, let id) = decision { try await store.forgetRateLimitHit(id: id) }
    }
}

/// Per-client sign-in throttling, for the sign-in page and any other password check: each attempt is
/// counted before the password is checked (so parallel guesses cannot slip past the count) and taken back
/// when it succeeds, so only failures use up a client's budget. After `freeFailures` failures in the window
/// the caller waits `delay` before answering a failure, doubling each time up to `maxDelay`; at `rule.limit`
/// failures the client is refused until the window frees a place.
///
///     let attempt = try await throttle.begin(client: context.clientAddress)
///     guard case .allowed = attempt.decision else { /* 429, Retry-After: attempt.retryAfter */ }
///     if passwordIsRight { try await throttle.succeeded(attempt) } else { try await Task.sleep(for: .seconds(attempt.delay)) }
public struct SignInThrottle: Sendable {
    public var rule: RateLimit
    public var freeFailures: Int
    public var maxDelay: TimeInterval
    private let limiter: RateLimiter

    /// One sign-in attempt, counted.
    public struct Attempt: Sendable, Equatable {
        public var decision: RateLimitDecision
        /// Seconds to wait before answering if this attempt fails.
        public var delay: TimeInterval
        /// When a refused client may try again.
        public var retryAfter: Date? {
            if case .refused(let date) = decision { return date }
            return nil
        }
    }

    public init(limiter: RateLimiter, rule: RateLimit = RateLimit(name: "sign-in", limit: 30, window: 15 * 60),
                freeFailures: Int = 5, maxDelay: TimeInterval = 16) {
        self.limiter = limiter
        self.rule = rule
        self.freeFailures = freeFailures
        self.maxDelay = maxDelay
    }

    /// Counts an attempt by `client` before its password is checked.
    public func begin(client: ClientAddress) async throws -> Attempt {
        let decision = try await limiter.attempt(rule, client: client)
        guard case .allowed(let n, _) = decision else { return Attempt(decision: decision, delay: 0) }
        return Attempt(decision: decision, delay: Self.delay(failuresBefore: n - 1, free: freeFailures, max: maxDelay))
    }

    /// The attempt succeeded: it does not count against the client.
    public func succeeded(_ attempt: Attempt) async throws {
        try await limiter.forgive(attempt.decision)
    }

    /// 0 for the first `free` failures, then 1, 2, 4, … seconds, at most `max`.
    public static func delay(failuresBefore failures: Int, free: Int, max: TimeInterval) -> TimeInterval {
        guard failures >= free else { return 0 }
        return Swift.min(max, pow(2, Double(Swift.min(failures - free, 30))))
    }
}
