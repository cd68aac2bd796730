import Foundation

/// What a signed-in user is to the scheme; decides which relationship checks apply.
public enum Role: String, Codable, CaseIterable, Sendable {
    case referrer
    case linkWorker = "link_worker"
    case supervisor
    case provider
    case commissioner
    case admin
    /// The person referred, with an account to see their own record.
    case person
    /// A member of the scheme's multi-stakeholder steering group: a read-only, de-identified summary.
    case steeringGroup = "steering_group"

    public var label: String {
        switch self {
        case .referrer: "Referrer"
        case .linkWorker: "Link worker"
        case .supervisor: "Supervisor"
        case .provider: "Provider"
        case .commissioner: "Commissioner"
        case .admin: "Administrator"
        case .person: "Person"
        case .steeringGroup: "Steering group member"
        }
    }
}

/// A person who signs in to Linkwell.
public struct User: Codable, Sendable, Identifiable, Equatable {
    public var id: UserID
    /// Lower-cased; unique.
    public var email: String
    public var displayName: String
    public var role: Role
    /// The practice, VCSE group or body the user works for. Providers must have one.
    public var organisationID: OrganisationID?
    /// A bcrypt hash; never the password.
    public var passwordHash: String
    public var active: Bool
    public var createdAt: Date
    /// For a person's own account: whose record it is.
    public var personID: PersonID?
    /// The base-32 secret of two-factor sign-in, once set up and confirmed.
    public var twoFactorSecret: String?
    /// A secret being set up, not yet confirmed with a code.
    public var twoFactorPendingSecret: String?

    public init(id: UserID, email: String, displayName: String, role: Role, organisationID: OrganisationID?,
                passwordHash: String, active: Bool = true, createdAt: Date, personID: PersonID? = nil,
                twoFactorSecret: String? = nil, twoFactorPendingSecret: String? = nil) {
        self.personID = personID
        self.twoFactorSecret = twoFactorSecret
        self.twoFactorPendingSecret = twoFactorPendingSecret
        self.id = id
        self.email = email.lowercased()
        self.displayName = displayName
        self.role = role
        self.organisationID = organisationID
        self.passwordHash = passwordHash
        self.active = active
        self.createdAt = createdAt
    }
}

/// What kind of body an organisation is. GP practices, PCNs and ICBs carry the ODS code NHS England
/// gives them (`ODSCode`); a GP practice must have one.
public enum OrganisationKind: String, Codable, CaseIterable, Sendable {
    case gpPractice = "gp_practice"
    /// A primary care network.
    case pcn
    /// An integrated care board.
    case icb
    /// A council (county, district, unitary or metropolitan borough).
    case localAuthority = "local_authority"
    case vcse
    case scheme
    /// Another NHS body (a trust, a hospital).
    case nhs
    case other

    public var label: String {
        switch self {
        case .gpPractice: "GP practice"
        case .pcn: "Primary care network"
        case .icb: "Integrated care board"
        case .localAuthority: "Council"
        case .vcse: "Voluntary, community or social enterprise group"
        case .scheme: "The social prescribing scheme"
        case .nhs: "Other NHS body"
        case .other: "Other"
        }
    }
}

/// A GP practice, a PCN, an ICB, a council, a voluntary or community group, the scheme itself or another body.
public struct Organisation: Codable, Sendable, Identifiable, Equatable {
    public var id: OrganisationID
    public var name: String
    public var kind: OrganisationKind
    /// The Organisation Data Service code, upper case (e.g. a practice's "B86012"); nil when it has none.
    public var odsCode: String?
    /// Address lines, one a line.
    public var address: String
    public var postcode: String
    /// The contact route for messages back: a secure (e.g. nhs.net) mailbox. Empty when there is none.
    public var email: String
    public var phone: String

    public init(id: OrganisationID, name: String, kind: OrganisationKind, odsCode: String? = nil, address: String = "",
                postcode: String = "", email: String = "", phone: String = "") {
        self.id = id
        self.name = name
        self.kind = kind
        self.odsCode = odsCode
        self.address = address
        self.postcode = postcode
        self.email = email
        self.phone = phone
    }

    enum CodingKeys: String, CodingKey { case id, name, kind, odsCode, address, postcode, email, phone }

    // Records written before organisations had codes and addresses read with empty ones.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(OrganisationID.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
                  kind: try c.decode(OrganisationKind.self, forKey: .kind), odsCode: try c.decodeIfPresent(String.self, forKey: .odsCode),
                  address: try c.decodeIfPresent(String.self, forKey: .address) ?? "",
                  postcode: try c.decodeIfPresent(String.self, forKey: .postcode) ?? "",
                  email: try c.decodeIfPresent(String.self, forKey: .email) ?? "",
                  phone: try c.decodeIfPresent(String.self, forKey: .phone) ?? "")
    }

    /// The name with the ODS code, as a letter or a list shows it: "Riverside Medical Practice (B86012)".
    public var nameWithCode: String { odsCode.map { "\(name) (\($0))" } ?? name }
}

/// Something a VCSE organisation offers that a link worker can refer a person to.
/// (A minimal listing; the Open Referral directory will enrich it.)
public struct Service: Codable, Sendable, Identifiable, Equatable {
    public var id: ServiceID
    public var organisationID: OrganisationID
    public var name: String
    public var description: String
    /// A need category this service meets, from the needs taxonomy.
    public var category: String
    public var area: String
    public var active: Bool
    public init(id: ServiceID, organisationID: OrganisationID, name: String, description: String,
                category: String, area: String, active: Bool = true) {
        self.id = id
        self.organisationID = organisationID
        self.name = name
        self.description = description
        self.category = category
        self.area = area
        self.active = active
    }
}

/// A server-side login session. The cookie carries a random token; only its hash is stored.
public struct LoginSession: Codable, Sendable, Equatable {
    public var tokenHash: String
    public var userID: UserID
    /// Sent in every state-changing form and checked against this value.
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date
    /// Names the session on the user's own list (so they can end it) without revealing its token.
    public var id: String
    /// How far through signing in the session is; only `complete` sessions are signed in.
    public var stage: SessionStage
    /// The browser's own description (shortened), to help the user recognise the session.
    public var userAgent: String
    public init(tokenHash: String, userID: UserID, csrfToken: String, createdAt: Date, lastSeenAt: Date,
                id: String? = nil, stage: SessionStage = .complete, userAgent: String = "") {
        self.tokenHash = tokenHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.id = id ?? String(tokenHash.prefix(32))
        self.stage = stage
        self.userAgent = userAgent
    }
}

/// A bearer token for an integration, acting as its owner. Only the SHA-256 of the token is stored.
public struct APIToken: Codable, Sendable, Equatable {
    public var tokenHash: String
    /// The owner: the user the token acts as.
    public var userID: UserID
    /// What the token is for (e.g. "practice system").
    public var name: String
    public var createdAt: Date
    public var revoked: Bool
    /// Names the token in lists and for revoking, without revealing it.
    public var id: String
    public var expiresAt: Date
    /// Recorded at most once a minute.
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    public init(tokenHash: String, userID: UserID, name: String, createdAt: Date, revoked: Bool = false,
                id: String? = nil, expiresAt: Date? = nil, lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
        self.revoked = revoked
        self.id = id ?? String(tokenHash.prefix(16))
        self.expiresAt = expiresAt ?? createdAt.addingTimeInterval(90 * 86_400)
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may be used now: not revoked and not expired.
    public func isUsable(at now: Date) -> Bool { !revoked && now < expiresAt }
}

/// One append-only line of the audit trail. Holds identifiers only, never personal data.
public struct AuditEvent: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        case allowed
        case denied
    }
    public var id: String
    public var at: Date
    public var actorID: UserID?
    /// e.g. `read`, `list`, `login`, `login-failed`.
    public var action: String
    /// e.g. `referral`, `onward_referral`, `caseload`.
    public var recordType: String
    public var recordID: String
    /// The HTTP method and path that caused the event.
    public var route: String
    public var outcome: Outcome
    /// The referral whose person the event is about, when the record is part of someone's case (a referral
    /// out, an outcome measure, an export row): what the person's own access log is read by.
    public var subjectID: ReferralID?
    public init(id: String, at: Date, actorID: UserID?, action: String, recordType: String, recordID: String,
                route: String, outcome: Outcome, subjectID: ReferralID? = nil) {
        self.subjectID = subjectID
        self.id = id
        self.at = at
        self.actorID = actorID
        self.action = action
        self.recordType = recordType
        self.recordID = recordID
        self.route = route
        self.outcome = outcome
    }
}

/// A supervision note about a link worker's practice; only that link worker and supervisors see it.
public struct SupervisionNote: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var linkWorkerID: UserID
    public var authorID: UserID
    public var at: Date
    public var text: String
    public init(id: String, linkWorkerID: UserID, authorID: UserID, at: Date, text: String) {
        self.id = id
        self.linkWorkerID = linkWorkerID
        self.authorID = authorID
        self.at = at
        self.text = text
    }
}
