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
    /// bcrypt work factor for new password hashes (10 by default: OWASP's minimum, see `BcryptPasswordHasher`).
    public var bcryptCost: UInt8
    /// The scheme's casework rules (contact attempts, caseload limit).
    public var rules: CaseworkRules
    /// Self-referrals accepted from one client address per hour.
    public var selfReferralsPerHour: Int
    /// Self-completion links (outcome questionnaires) that may be tried from one client address per hour
    /// without being valid.
    public var unknownMeasureLinksPerHour = 20
    /// Proxies whose `X-Forwarded-For` names the client (`serve --trusted-proxies`); none by default.
    public var trustedProxies = TrustedProxies.none
    /// Directory listings not verified for this many months are flagged for review.
    public var directoryFreshnessMonths = 12
    /// Re-import registered directory feeds on their schedules (`serve`).
    public var syncDirectoryFeeds = true
    /// How e-mail notifications of messages back leave Linkwell (off by default: they stay queued).
    public var mail: MailSetting = .off
    /// The sender address and the link base of e-mail notifications.
    public var outbox = OutboxPolicy()
    /// The address people use to reach Linkwell (`--public-url`), for every link Linkwell makes;
    /// never taken from a request's Host header, which a client controls.
    public var publicURL: String?
    /// `/readyz` reports not ready when more e-mails than this are queued.
    public var readyOutboxThreshold = 1000
    /// Scheduled backups while serving (off unless a folder is given).
    public var backups: BackupSchedule?
    /// Log one line per request (method, route template, status, time, request id); `serve` turns it on.
    public var logRequests = false
    /// Also offer the right-to-left test language (`Language.testRightToLeft`), for layout tests only.
    public var testRightToLeft = false
    /// The messages staff pages are shown in (`context.messages` for staff): the English staff messages, until a
    /// scheme translates them. Tests set a marked catalogue here to prove every word on a staff page is a message.
    public var staffMessages: Catalogue = .english
    /// The languages public pages are offered in.
    public var languages: [Language] { testRightToLeft ? [.english, .welsh, .testRightToLeft] : [.english, .welsh] }
    /// Limits that keep slow or idle clients from holding the server.
    public var limits = ServerLimits()

    /// How long browser sessions last.
    public var sessionPolicy: SessionPolicy { SessionPolicy(idleTimeout: sessionIdleTimeout, maxAge: sessionMaxAge) }

    public init(host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false,
                sessionIdleTimeout: TimeInterval = 30 * 60, sessionMaxAge: TimeInterval = 12 * 3600,
                bcryptCost: UInt8 = 10, rules: CaseworkRules = .standard, selfReferralsPerHour: Int = 5) {
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

extension WebConfiguration {
    /// The base of links: `publicURL`, or the listening address; no trailing slash.
    public var linkBase: String {
        let base = publicURL ?? "http://\(host):\(port)"
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }
}

/// How long the server waits for clients and how many it serves at once.
public struct ServerLimits: Sendable, Equatable {
    /// A connection with no request in progress is closed after this long. This also bounds how
    /// long a client may take to send a request's headers (they count as activity only once whole).
    public var idleTimeout: Duration = .seconds(30)
    /// A request's body must arrive within this long (a client sending a byte a second is cut off).
    public var bodyTimeout: Duration = .seconds(30)
    /// Largest request body, in bytes (the directory import API allows `importBodyBytes`).
    public var maxBodyBytes = 1_048_576
    /// Largest body of `POST /api/v1/directory/import`.
    public var importBodyBytes = 50_000_000
    /// Connections open at once; more wait in the listen queue until one closes.
    public var maxConnections = 512

    public init() {}
}

/// Backups taken by the running server: every `interval`, into `directory`, keeping the newest `keep`.
public struct BackupSchedule: Sendable, Equatable {
    public var directory: String
    public var interval: Duration
    public var keep: Int
    public init(directory: String, interval: Duration, keep: Int) {
        self.directory = directory
        self.interval = interval
        self.keep = keep
    }
}
