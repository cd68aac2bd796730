import Foundation
import LinkwellCore

/// Settings of the web application, read once by the command line into typed values.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Mark cookies `Secure` even without an `X-Forwarded-Proto: https` header (set when serving over TLS).
    public var secureCookies: Bool
    /// A session ends after this long without activity.
    public var sessionIdleTimeout: TimeInterval
    /// A session ends this long after sign-in, active or not.
    public var sessionMaxAge: TimeInterval
    /// bcrypt work factor for new password hashes.
    public var bcryptCost: UInt8
    /// The scheme's casework rules (contact attempts, caseload limit).
    public var rules: CaseworkRules
    /// Self-referrals accepted from one client address per hour.
    public var selfReferralsPerHour: Int
    /// Directory listings not verified for this many months are flagged for review.
    public var directoryFreshnessMonths = 12
    /// Re-import registered directory feeds on their schedules (`serve`).
    public var syncDirectoryFeeds = true
    /// How e-mail notifications of messages back leave Linkwell (off by default: they stay queued).
    public var mail: MailSetting = .off
    /// The sender address and the link base of e-mail notifications.
    public var outbox = OutboxPolicy()

    public init(host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false,
                sessionIdleTimeout: TimeInterval = 30 * 60, sessionMaxAge: TimeInterval = 12 * 3600,
                bcryptCost: UInt8 = 12, rules: CaseworkRules = .standard, selfReferralsPerHour: Int = 5) {
        self.rules = rules
        self.selfReferralsPerHour = selfReferralsPerHour
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionIdleTimeout = sessionIdleTimeout
        self.sessionMaxAge = sessionMaxAge
        self.bcryptCost = bcryptCost
    }
}
