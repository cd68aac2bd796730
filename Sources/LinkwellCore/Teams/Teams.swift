import Foundation

public typealias TeamID = Identifier<Team>

/// What a team is organised around: an area, a partner organisation, or a kind of need.
public enum TeamKind: String, Codable, CaseIterable, Sendable {
    case locality
    case partnerOrganisation = "partner_organisation"
    case need

    public var label: String {
        switch self {
        case .locality: "Locality"
        case .partnerOrganisation: "Partner organisation"
        case .need: "Type of need"
        }
    }
}

/// A team of link workers with its own waiting list. New referrals reach it through routing rules.
public struct Team: Codable, Sendable, Equatable, Identifiable {
    public var id: TeamID
    public var name: String
    public var kind: TeamKind
    public var createdAt: Date
    public init(id: TeamID, name: String, kind: TeamKind, createdAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.createdAt = createdAt
    }
}

/// A link worker's place in a team (a link worker may belong to several).
public struct TeamMembership: Codable, Sendable, Equatable, Hashable {
    public var teamID: TeamID
    public var linkWorkerID: UserID
    public init(teamID: TeamID, linkWorkerID: UserID) {
        self.teamID = teamID
        self.linkWorkerID = linkWorkerID
    }
}

/// What a routing rule looks at in a new referral.
public enum RoutingField: String, Codable, CaseIterable, Sendable {
    /// The person's postcode district, e.g. LS6.
    case postcodeDistrict = "postcode_district"
    /// The referrer's organisation (its id).
    case referrerOrganisation = "referrer_organisation"
    /// One of the referral's needs (its code in the needs list).
    case need

    public var label: String {
        switch self {
        case .postcodeDistrict: "Postcode district"
        case .referrerOrganisation: "Referrer's organisation"
        case .need: "Need"
        }
    }
}

/// "Referrals whose <field> is <value> go to <team>". Rules are tried in `position` order across all
/// teams; the first that matches places the referral.
public struct RoutingRule: Codable, Sendable, Equatable {
    public var teamID: TeamID
    public var field: RoutingField
    public var value: String
    public var position: Int
    public init(teamID: TeamID, field: RoutingField, value: String, position: Int) {
        self.teamID = teamID
        self.field = field
        self.value = value
        self.position = position
    }

    public func matches(_ person: Person, _ referral: Referral) -> Bool {
        switch field {
        case .postcodeDistrict: String(person.postcode.split(separator: " ").first ?? "").uppercased() == value.uppercased()
        case .referrerOrganisation: referral.referrerOrganisationID?.rawValue == value
        case .need: referral.needs.contains { $0.rawValue == value }
        }
    }

    /// The team of the first matching rule, or nil (the referral then waits on the scheme-wide list).
    public static func route(_ person: Person, _ referral: Referral, rules: [RoutingRule]) -> TeamID? {
        rules.sorted { ($0.position, $0.teamID) < ($1.position, $1.teamID) }.first { $0.matches(person, referral) }?.teamID
    }
}

/// A case meeting of a team: when, who was there, what was said, and which cases were discussed.
/// Shown on each case discussed.
public struct CaseMeeting: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var teamID: TeamID
    public var heldOn: CalendarDate
    public var attendees: String
    public var note: String
    public var referralIDs: [ReferralID]
    public var recordedBy: UserID
    public var recordedAt: Date
    public init(id: String, teamID: TeamID, heldOn: CalendarDate, attendees: String, note: String, referralIDs: [ReferralID],
                recordedBy: UserID, recordedAt: Date) {
        self.id = id
        self.teamID = teamID
        self.heldOn = heldOn
        self.attendees = attendees
        self.note = note
        self.referralIDs = referralIDs
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}

/// Teams, their members and routing rules, referrals' places on teams' waiting lists, and case meetings.
///
/// Every implementation must guarantee: `saveTeam` inserts or replaces by id; `setMembers` and
/// `setRoutingRules` replace the team's whole set atomically; a referral is placed on at most one team
/// (placing it again moves it); meetings come back newest first (by date held, then recording time, then
/// the order recorded), each with its cases in id order.
public protocol TeamStore: Sendable {
    func saveTeam(_ team: Team) async throws
    func teams() async throws -> [Team]
    func setMembers(teamID: TeamID, linkWorkerIDs: [UserID]) async throws
    func memberships() async throws -> [TeamMembership]
    func setRoutingRules(teamID: TeamID, rules: [RoutingRule]) async throws
    /// Every team's rules.
    func routingRules() async throws -> [RoutingRule]
    func placeReferral(_ referralID: ReferralID, on teamID: TeamID) async throws
    func team(of referralID: ReferralID) async throws -> TeamID?
    /// The referrals placed on a team, in no particular order.
    func placements(teamID: TeamID) async throws -> [ReferralID]
    func addCaseMeeting(_ meeting: CaseMeeting) async throws
    func caseMeetings(teamID: TeamID) async throws -> [CaseMeeting]
    func caseMeetings(referralID: ReferralID) async throws -> [CaseMeeting]
}
