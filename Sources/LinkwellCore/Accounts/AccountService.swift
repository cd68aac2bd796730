import Crypto
import Foundation

/// The storage roles the accounts service needs.
public typealias AccountsStorage = AccountStore & CaseStore

/// Users, passwords, sessions and API tokens. Passwords are hashed by the injected `PasswordHasher`;
/// session and API tokens are random and stored only as SHA-256 hashes.
public struct Accounts: Sendable {
    public let store: any AccountsStorage
    public let env: CoreEnvironment
    public let hasher: any PasswordHasher
    public let sessions: SessionPolicy

    public init(store: any AccountsStorage, env: CoreEnvironment, hasher: any PasswordHasher, sessions: SessionPolicy = SessionPolicy()) {
        self.store = store
        self.env = env
        self.hasher = hasher
        self.sessions = sessions
    }

    public static let minimumPasswordLength = 12

    /// Creates a user after checking every field.
    @discardableResult
    public func createUser(email: String, displayName: String, role: String, organisationID: String?,
                           password: String, personID: String? = nil) async throws -> User {
        var v = Validator()
        let email = v.required(email, "email", label: "Email", max: 200).lowercased()
        if !email.isEmpty && !(email.contains("@") && email.contains(".")) { v.add("email", "Email address is not valid.") }
        let name = v.required(displayName, "displayName", label: "Name", max: 200)
        let role = v.choice(role, "role", label: "Role", as: Role.self)
        if password.count < Self.minimumPasswordLength {
            v.add("password", "Password must be at least \(Self.minimumPasswordLength) characters.")
        }
        var organisation: OrganisationID?
        if let raw = organisationID?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if try await store.organisation(id: OrganisationID(raw)) == nil { v.add("organisationId", "No organisation has id \(raw).") }
            organisation = OrganisationID(raw)
        } else if role == .provider {
            v.add("organisationId", "A provider user must belong to the organisation that runs their services.")
        }
        if !email.isEmpty, try await store.user(email: email) != nil { v.add("email", "A user with this email already exists.") }
        var person: PersonID?
        if role == .person {
            // A person's account opens their own record: it must name a person who has been referred.
            let id = PersonID((personID ?? "").trimmingCharacters(in: .whitespaces))
            if try await store.referrals(ReferralQuery(personID: id, limit: 1)).isEmpty {
                v.add("personId", "A person's account must name a person who has a referral.")
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
            throw LinkwellError.invalid("email", "A user with this email already exists.")
        }
        return user
    }

    /// The user whose email and password match, or nil. Takes as long for an unknown email as for a
    /// wrong password, so that sign-in does not reveal who has an account.
    public func verify(email: String, password: String) async throws -> User? {
        let user = try await store.user(email: email.trimmingCharacters(in: .whitespaces))
        let matches = try await hasher.verify(password, against: user?.passwordHash ?? hasher.decoyHash)
        guard let user, user.active, matches else { return nil }
        return user
    }

    // MARK: Sessions

    /// Starts a session; returns the cookie token (only its hash is stored).
    public func startSession(for user: User) async throws -> (token: String, session: LoginSession) {
        let token = Self.randomToken()
        let now = env.now()
        let session = LoginSession(tokenHash: Self.sha256(token), userID: user.id, csrfToken: Self.randomToken(),
                                   createdAt: now, lastSeenAt: now)
        try await store.createSession(session)
        return (token, session)
    }

    /// The live session and its user for a cookie token; expired sessions are deleted.
    public func resumeSession(token: String) async throws -> (LoginSession, User)? {
        let hash = Self.sha256(token)
        guard let session = try await store.session(tokenHash: hash) else { return nil }
        let now = env.now()
        let expired = now.timeIntervalSince(session.lastSeenAt) > sessions.idleTimeout
            || now.timeIntervalSince(session.createdAt) > sessions.maxAge
        guard !expired, let user = try await store.user(id: session.userID), user.active else {
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

    // MARK: API tokens

    /// Creates a bearer token for an integration and returns it; it cannot be shown again.
    public func createToken(email: String, name: String) async throws -> String {
        guard let user = try await store.user(email: email) else { throw LinkwellError.invalid("email", "No user has the email \(email).") }
        var v = Validator()
        let label = v.required(name, "name", label: "Token name", max: 100)
        try v.check()
        let token = "lw_" + Self.randomToken()
        try await store.createToken(APIToken(tokenHash: Self.sha256(token), userID: user.id, name: label, createdAt: env.now()))
        return token
    }

    public func user(forBearer token: String) async throws -> User? {
        guard let record = try await store.token(hash: Self.sha256(token)), !record.revoked,
              let user = try await store.user(id: record.userID), user.active else { return nil }
        return user
    }

    // MARK: Helpers

    /// 32 random bytes, hex-encoded.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
