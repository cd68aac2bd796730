import Foundation

/// How far a browser session has got through signing in.
public enum SessionStage: String, Codable, Sendable, CaseIterable {
    /// Signed in.
    case complete
    /// The password was right; a code from the authenticator app (or a recovery code) is still needed.
    case secondFactor = "second_factor"
    /// The password was right, and the user's role must use two-factor sign-in, which they have not set up.
    case enrolment
}

extension Accounts {
    /// One try at signing in with an e-mail and password.
    public struct SignInAttempt: Sendable {
        public var email: String
        public var password: String
        /// The client's address, for the per-client count (stored only as a hash).
        public var client: String
        public var userAgent: String
        public var route: String
        public init(email: String, password: String, client: String, userAgent: String = "", route: String) {
            self.email = email
            self.password = password
            self.client = client
            self.userAgent = userAgent
            self.route = route
        }
    }

    /// A session that has been started: its cookie token, the session and its user.
    public struct StartedSession: Sendable {
        public var token: String
        public var session: LoginSession
        public var user: User
    }

    static func accountKey(_ email: String) -> String { "account:" + sha256(email.trimmingCharacters(in: .whitespaces).lowercased()) }
    static func clientKey(_ client: String) -> String { "client:" + sha256(client) }

    /// Checks the password, throttled per account and per client. Returns a complete session, or one
    /// waiting for the second factor (or for enrolment, when the user's role requires two-factor sign-in).
    /// A wrong password, an unknown e-mail and a deactivated account get the same answer.
    public func signIn(_ attempt: SignInAttempt) async throws -> StartedSession {
        let accountKey = Self.accountKey(attempt.email), clientKey = Self.clientKey(attempt.client)
        let user = try await store.user(email: attempt.email.trimmingCharacters(in: .whitespaces))
        let recordID = user?.id.rawValue ?? "unknown"
        try await checkThrottle(accountKey: accountKey, clientKey: clientKey, recordID: recordID, route: attempt.route)
        // An over-long password never matches: bcrypt would compare only its first 72 bytes.
        let fits = attempt.password.utf8.count <= PasswordPolicy.maximumBytes
        let matches = try await hasher.verify(fits ? attempt.password : "", against: user?.passwordHash ?? hasher.decoyHash) && fits
        guard let user, user.active, matches else {
            try await recordFailure(accountKey: accountKey, clientKey: clientKey, recordID: recordID, action: "login-failed", route: attempt.route)
            throw LinkwellError.invalid([FieldError("email", .signInRefused)])
        }
        let stage: SessionStage
        if user.twoFactorSecret != nil {
            stage = .secondFactor
        } else if try await store.schemeSettings().twoFactorRoles.contains(user.role) {
            stage = .enrolment
        } else {
            stage = .complete
        }
        if stage == .complete { try await store.clearSignInFailures(key: accountKey) }
        let (token, session) = try await startSession(for: user, stage: stage, userAgent: attempt.userAgent)
        try await audit(stage == .complete ? user.id : nil, stage == .complete ? "login" : "login-password-accepted", id: user.id.rawValue, route: attempt.route)
        return StartedSession(token: token, session: session, user: user)
    }

    /// The second step of signing in: a code from the authenticator app, or one of the recovery codes.
    /// Failures count against the account like wrong passwords. On success the half-signed-in session is
    /// replaced by a new one (a new cookie), so a token seen before sign-in is worth nothing after.
    public func completeSecondFactor(session: LoginSession, user: User, code: String, client: String, route: String) async throws -> StartedSession {
        guard session.stage == .secondFactor, let secret = user.twoFactorSecret.flatMap(Base32.decode) else {
            throw LinkwellError.conflict(.noSignInWaiting)
        }
        let accountKey = Self.accountKey(user.email), clientKey = Self.clientKey(client)
        try await checkThrottle(accountKey: accountKey, clientKey: clientKey, recordID: user.id.rawValue, route: route)
        let now = env.now()
        var accepted = false, usedRecoveryCode = false
        if let step = TOTP.matchingStep(code, secret: secret, at: now) {
            // A code is good once: a second use of the same step (a replayed code) is refused.
            accepted = try await store.claimTwoFactorStep(userID: user.id, step: step)
        } else if let normalised = Self.normalisedRecoveryCode(code) {
            accepted = try await store.useRecoveryCode(userID: user.id, hash: Self.sha256(normalised), at: now)
            usedRecoveryCode = accepted
        }
        guard accepted else {
            try await recordFailure(accountKey: accountKey, clientKey: clientKey, recordID: user.id.rawValue, action: "login-code-failed", route: route)
            throw LinkwellError.invalid([FieldError("code", .secondFactorCodeRefused)])
        }
        try await store.clearSignInFailures(key: accountKey)
        try await store.deleteSession(tokenHash: session.tokenHash)
        let (token, fresh) = try await startSession(for: user, userAgent: session.userAgent)
        if usedRecoveryCode { try await audit(user.id, "recovery-code-used", id: user.id.rawValue, route: route) }
        try await audit(user.id, "login", id: user.id.rawValue, route: route)
        return StartedSession(token: token, session: fresh, user: user)
    }

    /// Refuses the attempt, audited, when the account or the client must wait.
    func checkThrottle(accountKey: String, clientKey: String, recordID: String, route: String) async throws {
        let counts = Dictionary(try await store.signInFailures(keys: [accountKey, clientKey]).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let now = env.now()
        guard let wait = throttle.wait(account: counts[accountKey], client: counts[clientKey], now: now) else { return }
        try await audit(nil, "login-throttled", id: recordID, route: route, allowed: false)
        let seconds = max(1, Int(wait.until.timeIntervalSince(now).rounded(.up)))
        switch wait {
        case .locked:
            let minutes = (seconds + 59) / 60
            throw LinkwellError.tooManyAttempts(retryAfter: seconds, minutes == 1 ? FieldError("", .accountLockedAMinute) : FieldError("", .accountLocked, ["minutes": String(minutes)]))
        case .slowDown:
            let minutes = (seconds + 59) / 60
            let wait = seconds == 1 ? FieldError("", .signInsWaitASecond) : seconds < 120 ? FieldError("", .signInsWaitSeconds, ["seconds": String(seconds)])
                : FieldError("", .signInsWaitMinutes, ["minutes": String(minutes)])
            throw LinkwellError.tooManyAttempts(retryAfter: seconds, wait)
        }
    }

    func recordFailure(accountKey: String, clientKey: String, recordID: String, action: String, route: String) async throws {
        let now = env.now()
        let account = try await store.recordSignInFailure(key: accountKey, at: now, forgetBefore: now.addingTimeInterval(-throttle.accountMemory))
        _ = try await store.recordSignInFailure(key: clientKey, at: now, forgetBefore: now.addingTimeInterval(-throttle.clientMemory))
        try await audit(nil, action, id: recordID, route: route, allowed: false)
        if account.failures == throttle.accountLockAfter {
            try await audit(nil, "account-locked", id: recordID, route: route, allowed: false)
        }
    }

    /// Whether the account behind this e-mail is locked now (for the administrator's pages).
    public func isLocked(_ user: User) async throws -> Bool {
        let key = Self.accountKey(user.email)
        let counts = try await store.signInFailures(keys: [key])
        if case .locked = throttle.wait(account: counts.first, client: nil, now: env.now()) { return true }
        return false
    }

    // MARK: Two-factor enrolment

    /// What the authenticator app needs: the secret (base 32) and the `otpauth://` URI.
    public struct Enrolment: Sendable {
        public var secret: String
        public var uri: String
    }

    /// Starts (or continues) setting up two-factor sign-in: a new secret, kept aside until a code from it
    /// is confirmed.
    public func beginEnrolment(_ user: User) async throws -> Enrolment {
        var user = try await current(user)
        let secret = user.twoFactorPendingSecret ?? Base32.encode(TOTP.newSecret())
        if user.twoFactorPendingSecret == nil {
            user.twoFactorPendingSecret = secret
            try await store.updateUser(user)
        }
        return Enrolment(secret: secret, uri: TOTP.uri(secret: Base32.decode(secret) ?? [], account: user.email))
    }

    /// Confirms enrolment with a code from the new secret; returns ten recovery codes (shown once) and,
    /// when this finished a sign-in, the new complete session.
    public func confirmEnrolment(_ user: User, code: String, session: LoginSession?, route: String) async throws -> (recoveryCodes: [String], started: StartedSession?) {
        var user = try await current(user)
        guard let pending = user.twoFactorPendingSecret, let secret = Base32.decode(pending) else {
            throw LinkwellError.conflict(.restartTwoFactorSetup)
        }
        guard let step = TOTP.matchingStep(code, secret: secret, at: env.now()) else {
            throw LinkwellError.invalid([FieldError("code", .enrolmentCodeRefused)])
        }
        user.twoFactorSecret = pending
        user.twoFactorPendingSecret = nil
        try await store.updateUser(user)
        _ = try await store.claimTwoFactorStep(userID: user.id, step: step)
        let codes = try await newRecoveryCodes(for: user)
        try await audit(user.id, "two-factor-enrolled", id: user.id.rawValue, route: route)
        var started: StartedSession?
        if let session, session.stage != .complete {
            try await store.deleteSession(tokenHash: session.tokenHash)
            try await store.clearSignInFailures(key: Self.accountKey(user.email))
            let (token, fresh) = try await startSession(for: user, userAgent: session.userAgent)
            try await audit(user.id, "login", id: user.id.rawValue, route: route)
            started = StartedSession(token: token, session: fresh, user: user)
        }
        return (codes, started)
    }

    /// Ten new single-use recovery codes, replacing any earlier ones.
    public func newRecoveryCodes(for user: User, route: String? = nil) async throws -> [String] {
        guard try await current(user).twoFactorSecret != nil else { throw LinkwellError.conflict(.setUpTwoFactorFirst) }
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let codes = (0..<10).map { _ in
            let letters = String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            return "\(letters.prefix(5))-\(letters.suffix(5))"
        }
        try await store.replaceRecoveryCodes(userID: user.id, hashes: codes.map { Self.sha256(Self.normalisedRecoveryCode($0)!) })
        if let route { try await audit(user.id, "recovery-codes-renewed", id: user.id.rawValue, route: route) }
        return codes
    }

    /// How many recovery codes the user has left.
    public func recoveryCodesLeft(_ user: User) async throws -> Int {
        try await store.unusedRecoveryCodes(userID: user.id)
    }

    /// A recovery code without spaces or dashes, lower-cased; nil when it cannot be one.
    static func normalisedRecoveryCode(_ code: String) -> String? {
        let plain = code.lowercased().filter { $0.isLetter || $0.isNumber }
        return plain.count == 10 ? plain : nil
    }

    /// Whether this user's role must use two-factor sign-in in this scheme.
    public func twoFactorRequired(for user: User) async throws -> Bool {
        try await store.schemeSettings().twoFactorRoles.contains(user.role)
    }

    /// The user as stored now (a session's copy may be older).
    func current(_ user: User) async throws -> User {
        guard let stored = try await store.user(id: user.id) else { throw LinkwellError.notFound("user") }
        return stored
    }
}
