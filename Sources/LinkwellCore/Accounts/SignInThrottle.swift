import Foundation

/// Failed sign-ins counted under one key: an account (by e-mail, known or not) or a client address.
public struct SignInFailures: Sendable, Equatable, Codable {
    /// `account:` or `client:` followed by the SHA-256 of the e-mail or address (never the value itself).
    public var key: String
    public var failures: Int
    public var lastFailureAt: Date
    public init(key: String, failures: Int, lastFailureAt: Date) {
        self.key = key
        self.failures = failures
        self.lastFailureAt = lastFailureAt
    }
}

/// Failed sign-ins, shared by every app instance (they live in the database).
///
/// Every implementation must guarantee that `recordSignInFailure` is atomic: of concurrent failures
/// under one key, each is counted once.
public protocol SignInThrottleStore: Sendable {
    /// The counts under these keys (keys with none are left out).
    func signInFailures(keys: [String]) async throws -> [SignInFailures]
    /// Counts one more failure; a count whose last failure was before `forgetBefore` starts again at one.
    func recordSignInFailure(key: String, at: Date, forgetBefore: Date) async throws -> SignInFailures
    /// Forgets the failures under a key (after a successful sign-in, or an administrator's unlock).
    func clearSignInFailures(key: String) async throws
}

/// When the next sign-in may be tried after failures: growing delays per account and per client, and a
/// temporary lockout of the account after repeated failures (NCSC: "throttling or lockout"; NIST SP
/// 800-63B §5.2.2: no more than 100 consecutive failures per account).
///
/// Accounts are counted by e-mail whether or not the e-mail has an account, so the answers never tell
/// who has one. A client address is only slowed down, never locked out: a whole practice can sit
/// behind one address.
public struct SignInThrottle: Sendable, Equatable {
    /// Failures on an account before delays start.
    public var accountFreeFailures = 3
    /// Failures on an account that lock it.
    public var accountLockAfter = 10
    /// How long a lockout lasts (an administrator can end it sooner).
    public var lockout: TimeInterval = 30 * 60
    /// An account's failures are forgotten after this long without another.
    public var accountMemory: TimeInterval = 24 * 3600
    /// Failures from one client address before delays start.
    public var clientFreeFailures = 20
    /// The longest delay for a client address.
    public var clientMaxDelay: TimeInterval = 15 * 60
    /// A client's failures are forgotten after this long without another.
    public var clientMemory: TimeInterval = 3600

    public init() {}

    /// Why the next attempt must wait, if it must.
    public enum Wait: Sendable, Equatable {
        /// The account is locked until then.
        case locked(until: Date)
        /// Too many attempts: try again from then.
        case slowDown(until: Date)

        public var until: Date {
            switch self { case .locked(let until), .slowDown(let until): until }
        }
    }

    /// The delay after `failures` failures: none up to `free`, then 1, 2, 4, 8 … seconds.
    static func delay(after failures: Int, free: Int, cap: TimeInterval) -> TimeInterval {
        guard failures >= free else { return 0 }
        return min(cap, pow(2, Double(min(failures - free, 30))))
    }

    /// Whether an attempt now must wait, given the account's and the client's failures.
    public func wait(account: SignInFailures?, client: SignInFailures?, now: Date) -> Wait? {
        if let account, now.timeIntervalSince(account.lastFailureAt) < accountMemory {
            if account.failures >= accountLockAfter {
                let until = account.lastFailureAt.addingTimeInterval(lockout)
                if until > now { return .locked(until: until) }
            } else {
                let until = account.lastFailureAt.addingTimeInterval(Self.delay(after: account.failures, free: accountFreeFailures, cap: lockout))
                if until > now { return .slowDown(until: until) }
            }
        }
        if let client, now.timeIntervalSince(client.lastFailureAt) < clientMemory {
            let until = client.lastFailureAt.addingTimeInterval(Self.delay(after: client.failures, free: clientFreeFailures, cap: clientMaxDelay))
            if until > now { return .slowDown(until: until) }
        }
        return nil
    }
}
