import Foundation

/// What a store answers when a rate-limited attempt is counted.
public struct RateLimitHit: Sendable, Equatable {
    /// Whether the attempt was within the limit (and so was recorded).
    public var allowed: Bool
    /// Attempts in the window, including this one when it was allowed.
    public var count: Int
    /// The oldest attempt still in the window: a place frees up when it leaves the window.
    public var oldest: Date?
    /// The recorded attempt, for `forgetRateLimitHit`; nil when refused.
    public var id: String?

    public init(allowed: Bool, count: Int, oldest: Date?, id: String?) {
        self.allowed = allowed
        self.count = count
        self.oldest = oldest
        self.id = id
    }
}

/// Counters behind Linkwell's rate limits (sign-in, self-referral, self-completion links), kept in the
/// database so that every app instance sharing it shares one budget per client.
///
/// Every implementation must guarantee:
/// - `recordRateLimitHit` is atomic per key, across connections and processes: however many calls for one
///   key run at once, no more than `limit` attempts are ever recorded with `at >= windowStart`.
/// - Attempts older than a day may be forgotten at any time (windows are at most a day long).
public protocol RateLimitStore: Sendable {
    /// Counts the attempts recorded under `key` at or after `windowStart`; when there are fewer than `limit`,
    /// records one more at `now` and answers allowed, otherwise records nothing and answers refused.
    func recordRateLimitHit(key: String, limit: Int, windowStart: Date, now: Date) async throws -> RateLimitHit
    /// Forgets one recorded attempt (one that turned out not to count, e.g. a sign-in that succeeded).
    func forgetRateLimitHit(id: String) async throws
}
