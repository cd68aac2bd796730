import Crypto
import Foundation

/// The storage roles the accounts service needs: accounts themselves, the caseloads handed over when
/// someone leaves, the audit trail, the scheme's settings (who must use two-factor sign-in) and the
/// shared sign-in failure counts.
public typealias AccountsStorage = AccountStore & CaseStore & DirectoryStore & AuditStore & SettingsStore & SignInThrottleStore & AdminListStore & KeysetListStore

/// Users, passwords, sign-in, sessions and API tokens. Passwords are hashed by the injected
/// `PasswordHasher` and checked against `PasswordPolicy`; session and API tokens, and recovery codes,
/// are random and stored only as SHA-256 hashes. Every sign-in, failed or not, and every change to an
/// account is audited, with identifiers only.
public struct Accounts: Sendable {
    let store: any AccountsStorage
    public let env: CoreEnvironment
    let hasher: any PasswordHasher
    public let passwords: PasswordPolicy
    public let sessions: SessionPolicy
    public let throttle: SignInThrottle
    /// How long a new API token lasts unless told otherwise.
    public static let defaultTokenLifetimeDays = 90
    /// How long a half-finished sign-in (password given, second factor not yet) may wait.
    public static let pendingSignInLifetime: TimeInterval = 10 * 60

    public init(store: any AccountsStorage, env: CoreEnvironment, hasher: any PasswordHasher, passwords: PasswordPolicy,
                sessions: SessionPolicy = SessionPolicy(), throttle: SignInThrottle = SignInThrottle()) {
        self.store = store
        self.env = env
        self.hasher = hasher
        self.passwords = passwords
        self.sessions = sessions
        self.throttle = throttle
    }

    /// Who is asking and through which route (for the audit trail).
    public typealias Request = CaseworkService.Request

    // MARK: Users

    /// Creates a user after checking every field, the password against the password policy.
    @discardableResult
    public func createUser(email: String, displayName: String, role: String, organisationID: String?,
                           password: String, personID: String? = nil) async throws -> User {
        var v = Validator()
        let email = v.required(email, "email", label: .email, max: 200).lowercased()
        if !email.isEmpty && !(email.contains("@") && email.contains(".")) { v.add("email", .emailNotValid) }
        let name = v.required(displayName, "displayName", label: .name, max: 200)
        let role = v.choice(role, "role", label: .role, as: Role.self)
        v.add(all: passwords.problems(password, name: name, email: email))
        var organisation: OrganisationID?
        if let raw = organisationID?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if try await store.organisation(id: OrganisationID(raw)) == nil { v.add("organisationId", .organisationUnknown, ["id": raw]) }
            organisation = OrganisationID(raw)
        } else if role == .provider {
            v.add("organisationId", .providerNeedsOrganisation)
        }
        if !email.isEmpty, try await store.user(email: email) != nil { v.add("email", .emailInUse) }
        var person: PersonID?
        if role == .person {
            // A person's account opens their own record: it must name a person who has been referred.
            let id = PersonID((personID ?? "").trimmingCharacters(in: .whitespaces))
            if try await store.referrals(ReferralQuery(personID: id, limit: 1)).isEmpty {
                v.add("personId", .personAccountNeedsPerson)
            } else {
                person = id
            }
        }
        try v.check()
        let user = User(id: env.id(), email: email, displayName: name, role: role!, organisationID: organisation,
                        passwordHash: try await hasher.hash(password), createdAt: env.now(), personID: person)
        do {
            try await store.createUser(user)
        } catch StorageError.duplicate {
            throw LinkwellError.invalid([FieldError("email", .emailInUse)])
        }
        return user
    }

    // MARK: Sessions

    /// Starts a session at a stage of sign-in; returns the cookie token (only its hash is stored).
    public func startSession(for user: User, stage: SessionStage = .complete, userAgent: String = "") async throws -> (token: String, session: LoginSession) {
        let token = Self.randomToken()
        let now = env.now()
        let session = LoginSession(tokenHash: Self.sha256(token), userID: user.id, csrfToken: Self.randomToken(),
                                   createdAt: now, lastSeenAt: now, id: env.newID(), stage: stage,
                                   userAgent: String(userAgent.prefix(200)))
        try await store.createSession(session)
        return (token, session)
    }

    /// The live session and its user for a cookie token, at whatever stage of sign-in; expired sessions,
    /// and sessions of deactivated users, are deleted.
    public func resumeSession(token: String) async throws -> (LoginSession, User)? {
        let hash = Self.sha256(token)
        guard let (session, user) = try await store.sessionAndUser(tokenHash: hash) else { return nil }
        let now = env.now()
        let expired = now.timeIntervalSince(session.lastSeenAt) > sessions.idleTimeout
            || now.timeIntervalSince(session.createdAt) > (session.stage == .complete ? sessions.maxAge : Self.pendingSignInLifetime)
        guard !expired, let user, user.active else {
            try await store.deleteSession(tokenHash: hash)
            return nil
        }
        // Write the activity time at most once a minute, not on every request.
        if now.timeIntervalSince(session.lastSeenAt) > 60 { try await store.touchSession(tokenHash: hash, at: now) }
        return (session, user)
    }

    public func endSession(token: String) async throws {
        try await store.deleteSession(tokenHash: Self.sha256(token))
    }

    /// The caller's own signed-in sessions, newest first.
    public func ownSessions(_ request: Request) async throws -> [LoginSession] {
        try await store.sessions(userID: request.principal.userID).filter { $0.stage == .complete }
    }

    /// Ends one of the caller's own sessions (someone else's answers not found).
    public func endOwnSession(id: String, _ request: Request) async throws {
        guard try await store.deleteSession(id: id, userID: request.principal.userID) else { throw LinkwellError.notFound("session") }
        try await audit(request.principal.userID, "session-ended", type: "user", id: request.principal.userID.rawValue, route: request.route)
    }

    // MARK: API tokens

    /// Creates a bearer token acting as a user, for a stated purpose, lasting `days` (90 by default);
    /// returns the token, which cannot be shown again.
    public func createToken(email: String, purpose: String, days: Int? = nil, route: String = "cli") async throws -> (token: String, record: APIToken) {
        var v = Validator()
        let label = v.required(purpose, "purpose", label: .purpose, max: 100)
        let days = days ?? Self.defaultTokenLifetimeDays
        if !(1...366).contains(days) { v.add("days", .tokenDaysOutOfRange) }
        let user = try await store.user(email: email.trimmingCharacters(in: .whitespaces))
        if user == nil { v.add("email", .userUnknown) } else if user?.active == false { v.add("email", .userDeactivated) }
        try v.check()
        let token = "lw_" + Self.randomToken()
        let now = env.now()
        let record = APIToken(tokenHash: Self.sha256(token), userID: user!.id, name: label, createdAt: now, id: env.newID(),
                              expiresAt: now.addingTimeInterval(TimeInterval(days) * 86_400))
        try await store.createToken(record)
        try await audit(nil, "token-created", type: "api_token", id: record.id, route: route)
        return (token, record)
    }

    /// The user a bearer token acts as, while the token is unrevoked and unexpired and the user active.
    public func user(forBearer token: String) async throws -> User? {
        let hash = Self.sha256(token)
        let now = env.now()
        guard let record = try await store.token(hash: hash), record.isUsable(at: now),
              let user = try await store.user(id: record.userID), user.active else { return nil }
        // Record use at most once a minute, not on every request.
        if record.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true { try await store.touchToken(hash: hash, at: now) }
        return user
    }

    /// Every token (an administrator, or the operator's `linkwell token list`), newest first, with its owner (only the
    /// owners are read, not every user).
    public func tokens(_ request: Request) async throws -> [(APIToken, User?)] {
        try requireAdmin(request)
        let tokens = try await store.tokens(userID: nil)
        var owners: [UserID: User] = [:]
        for id in Set(tokens.map(\.userID)) { owners[id] = try await store.user(id: id) }
        return tokens.map { ($0, owners[$0.userID]) }
    }

    /// A page of everyone's tokens (an administrator), newest first, read by keyset in the store.
    public func tokens(keyset page: PageRequest, _ request: Request) async throws -> Page<APIToken> {
        try requireAdmin(request)
        let page = try page.requireTimed()
        return Page(fetched: try await store.tokens(keyset: page.fetching), limit: page.limit) { PageCursor(at: $0.createdAt, id: $0.id) }
    }

    /// One numbered page of everyone's tokens, newest first, each with its owner (an administrator).
    public func tokens(page: PageNumber, _ request: Request) async throws -> CountedPage<(APIToken, User?)> {
        try requireAdmin(request)
        let tokens = try await CountedPage.load(page, count: { try await store.countTokens() }, rows: { try await store.tokens(page: $0) })
        var owners: [UserID: User] = [:]
        for id in Set(tokens.rows.map(\.userID)) { owners[id] = try await store.user(id: id) }
        return await tokens.map { ($0, owners[$0.userID]) }
    }

    /// The caller's own tokens, newest first.
    public func ownTokens(_ request: Request) async throws -> [APIToken] {
        try await store.tokens(userID: request.principal.userID)
    }

    /// The organisations users can belong to.
    public func organisations() async throws -> [Organisation] { try await store.organisations() }

    /// Revokes a token at once (an administrator, or the token's owner).
    public func revokeToken(id: String, _ request: Request) async throws {
        let p = request.principal
        guard let token = try await store.tokens(userID: p.role == .admin ? nil : p.userID).first(where: { $0.id == id }) else {
            throw LinkwellError.notFound("token")
        }
        guard !token.revoked else { return }
        try await store.revokeTokens(ids: [token.id], at: env.now())
        try await audit(p.userID, "token-revoked", type: "api_token", id: token.id, route: request.route)
    }

    // MARK: Helpers

    func requireAdmin(_ request: Request) throws(LinkwellError) {
        guard request.principal.role == .admin else { throw .forbidden("Only an administrator manages users and tokens.") }
    }

    /// One audit line about an account: identifiers only.
    func audit(_ actor: UserID?, _ action: String, type: String = "user", id: String, route: String, allowed: Bool = true) async throws {
        try await store.append(AuditEvent(id: env.newID(), at: env.now(), actorID: actor, action: action, recordType: type,
                                          recordID: id, route: route, outcome: allowed ? .allowed : .denied))
    }

    /// 32 random bytes, hex-encoded.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    public static func sha256(_ text: String) -> String {
        Hex.string(SHA256.hash(data: Data(text.utf8)))
    }
}
