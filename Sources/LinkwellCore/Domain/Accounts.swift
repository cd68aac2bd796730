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

    public init(id: UserID, email: String, displayName: String, role: Role, organisationID: OrganisationID?,
                passwordHash: String, active: Bool = true, createdAt: Date, personID: PersonID? = nil) {
        self.personID = personID
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

public enum OrganisationKind: String, Codable, CaseIterable, Sendable {
    case gpPractice = "gp_practice"
    case vcse
    case scheme
    case localAuthority = "local_authority"
    case nhs
    case other
}

/// A GP practice, a voluntary or community group, the scheme itself, a council or NHS body.
public struct Organisation: Codable, Sendable, Identifiable, Equatable {
    public var id: OrganisationID
    public var name: String
    public var kind: OrganisationKind
    public init(id: OrganisationID, name: String, kind: OrganisationKind) {
        self.id = id
        self.name = name
        self.kind = kind
    }
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
    public init(tokenHash: String, userID: UserID, csrfToken: String, createdAt: Date, lastSeenAt: Date) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}

/// A bearer token for an integration. Only the SHA-256 of the token is stored.
public struct APIToken: Codable, Sendable, Equatable {
    public var tokenHash: String
    public var userID: UserID
    public var name: String
    public var createdAt: Date
    public var revoked: Bool
    public init(tokenHash: String, userID: UserID, name: String, createdAt: Date, revoked: Bool = false) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
        self.revoked = revoked
    }
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
