import Foundation

public enum ContactMode: String, Codable, CaseIterable, Sendable {
    case gpPractice = "gp_practice"
    case homeVisit = "home_visit"
    case phone
    case video
    case communityVenue = "community_venue"
    case accompanied

    public var label: String {
        switch self {
        case .gpPractice: "At the GP practice"
        case .homeVisit: "Home visit"
        case .phone: "Phone"
        case .video: "Video"
        case .communityVenue: "Community venue"
        case .accompanied: "Accompanied to a group"
        }
    }
}

/// A conversation (or an attempt at one) between the link worker and the person.
public struct Contact: Codable, Sendable, Equatable, Identifiable {
    public var id: ContactID
    public var referralID: ReferralID
    public var at: Date
    public var mode: ContactMode
    public var durationMinutes: Int
    /// False for an attempt that did not reach the person.
    public var successful: Bool
    /// Sensitive: shown only to the link worker and supervisor.
    public var notes: String
    /// Seen by: the link worker who recorded it (from their sign-in).
    public var recordedBy: UserID
    /// Where the contact took place (the standard's location: a venue or organisation), in words.
    public var location: String = ""
    /// The outcome of the contact, a value of the contact outcomes code list (`CodeListKind.contactOutcomes`);
    /// nil for contacts recorded before outcomes were coded (read as `successful`/`unsuccessful`).
    public var outcome: String?
    public init(id: ContactID, referralID: ReferralID, at: Date, mode: ContactMode, durationMinutes: Int,
                successful: Bool, notes: String, recordedBy: UserID, location: String = "", outcome: String? = nil) {
        self.location = location
        self.outcome = outcome
        self.id = id
        self.referralID = referralID
        self.at = at
        self.mode = mode
        self.durationMinutes = durationMinutes
        self.successful = successful
        self.notes = notes
        self.recordedBy = recordedBy
    }
}

/// The person's plan: "what matters to me".
public struct Plan: Codable, Sendable, Equatable {
    public var referralID: ReferralID
    public var whatMatters: String
    public var agreedAt: Date
    public var agreedBy: UserID
    /// When the plan is next to be reviewed with the person.
    public var reviewDate: CalendarDate?
    /// The person's strengths, in words (the care and support plan's first item; nil when not recorded).
    public var strengths: String? = nil
    /// Who agreed the plan with the link worker — the person or their legitimate representative — by full name
    /// and role (the care and support plan's "agreed with person or legitimate representative"); nil when not recorded.
    public var agreedWithName: String? = nil
    public var agreedWithRole: String? = nil
    /// Who is responsible for reviewing the plan (the standard's "responsibility for review"), in words.
    public var reviewResponsibility: String? = nil
    public init(referralID: ReferralID, whatMatters: String, agreedAt: Date, agreedBy: UserID, reviewDate: CalendarDate? = nil) {
        self.reviewDate = reviewDate
        self.referralID = referralID
        self.whatMatters = whatMatters
        self.agreedAt = agreedAt
        self.agreedBy = agreedBy
    }
}

/// An action agreed in the plan: who does what, by when.
public struct PlanAction: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var description: String
    /// Who will do it, in words ("Margaret", "link worker", "her daughter").
    public var owner: String
    public var due: CalendarDate?
    public var doneAt: Date?
    public var createdAt: Date
    // The care and support plan's items (`CareAndSupportPlan.swift`), each optional.
    /// The goal the action works towards.
    public var goalID: GoalID? = nil
    /// What kind of support it is (a support offered code list value), the standard's coded "what".
    public var support: String? = nil
    /// Where it stands; nil reads as done or not started (`effectiveStatus`).
    public var status: PlanActionStatus? = nil
    /// How confident the person is of doing it, 1–10.
    public var confidence: Int? = nil
    public var reviewDate: CalendarDate? = nil
    /// When the plan details were last changed.
    public var updatedAt: Date? = nil
    public init(id: String, referralID: ReferralID, description: String, owner: String, due: CalendarDate?, doneAt: Date?, createdAt: Date) {
        self.id = id
        self.referralID = referralID
        self.description = description
        self.owner = owner
        self.due = due
        self.doneAt = doneAt
        self.createdAt = createdAt
    }
}

/// A goal in the plan, rated 1–10 over time (goal attainment).
public struct Goal: Codable, Sendable, Equatable, Identifiable {
    public var id: GoalID
    public var referralID: ReferralID
    public var description: String
    public var createdAt: Date
    // The care and support plan's items (`CareAndSupportPlan.swift`), each optional.
    /// The need or concern the goal answers (a needs code list value).
    public var need: String? = nil
    /// How much the goal matters to the person, 1–10.
    public var importance: Int? = nil
    /// Where the goal stands: its outcome status.
    public var status: GoalStatus? = nil
    /// The outcome in words.
    public var outcome: String? = nil
    /// When the plan details were last changed.
    public var updatedAt: Date? = nil
    public init(id: GoalID, referralID: ReferralID, description: String, createdAt: Date) {
        self.id = id
        self.referralID = referralID
        self.description = description
        self.createdAt = createdAt
    }
}

public struct GoalRating: Codable, Sendable, Equatable {
    public var goalID: GoalID
    /// 1 (not at all) to 10 (fully achieved).
    public var rating: Int
    public var at: Date
    public var ratedBy: UserID
    public init(goalID: GoalID, rating: Int, at: Date, ratedBy: UserID) {
        self.goalID = goalID
        self.rating = rating
        self.at = at
        self.ratedBy = ratedBy
    }
}

/// Who makes the first contact after a referral out.
public enum FirstContact: String, Codable, Sendable, CaseIterable {
    case providerContactsPerson = "provider_contacts_person"
    case personContactsProvider = "person_contacts_provider"
    case linkWorkerIntroduces = "link_worker_introduces"

    public var label: String {
        switch self {
        case .providerContactsPerson: "The service contacts the person"
        case .personContactsProvider: "The person contacts the service"
        case .linkWorkerIntroduces: "The link worker introduces them (or goes along)"
        }
    }
}

/// Who keeps in touch with the person after the handover.
public enum FollowUpOwner: String, Codable, Sendable, CaseIterable {
    case linkWorker = "link_worker"
    case provider

    public var label: String { self == .linkWorker ? "The link worker" : "The service" }
}

/// The handover agreement of a referral out, as submitted (every field has a sensible default).
public struct HandoverInput: Codable, Sendable {
    public var firstContact: String?
    public var followUpOwner: String?
    /// Days after the handover within which the person may come back to the link worker (0: no return).
    public var returnWindowDays: Int?
    public var reportsNonAttendance: Bool?
    /// What outcome information the service shares back.
    public var outcomeSharing: String?
    public init(firstContact: String? = nil, followUpOwner: String? = nil, returnWindowDays: Int? = nil,
                reportsNonAttendance: Bool? = nil, outcomeSharing: String? = nil) {
        self.firstContact = firstContact
        self.followUpOwner = followUpOwner
        self.returnWindowDays = returnWindowDays
        self.reportsNonAttendance = reportsNonAttendance
        self.outcomeSharing = outcomeSharing
    }
}

/// Information given so that the person can make contact themself — recorded apart from referrals out.
public struct Signpost: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    /// The directory service signposted to, when it is listed.
    public var serviceID: ServiceID?
    /// What information was given.
    public var description: String
    public var at: Date
    public var recordedBy: UserID
    public init(id: String, referralID: ReferralID, serviceID: ServiceID?, description: String, at: Date, recordedBy: UserID) {
        self.id = id
        self.referralID = referralID
        self.serviceID = serviceID
        self.description = description
        self.at = at
        self.recordedBy = recordedBy
    }
}

/// A referral out — the social prescription — to a community service, with its handover agreement.
public struct OnwardReferral: Codable, Sendable, Equatable, Identifiable {
    public var id: OnwardReferralID
    public var referralID: ReferralID
    public var serviceID: ServiceID
    public var status: OnwardStatus
    public var rejectionReason: RejectionReason?
    /// What the link worker tells the provider (minimum necessary).
    public var note: String
    public var createdBy: UserID
    public var createdAt: Date
    public var updatedAt: Date
    // The handover agreement.
    public var firstContact: FirstContact
    public var followUpOwner: FollowUpOwner
    public var returnWindowDays: Int
    public var reportsNonAttendance: Bool
    public var outcomeSharing: String

    public init(id: OnwardReferralID, referralID: ReferralID, serviceID: ServiceID, status: OnwardStatus,
                rejectionReason: RejectionReason?, note: String, createdBy: UserID, createdAt: Date, updatedAt: Date,
                firstContact: FirstContact = .providerContactsPerson, followUpOwner: FollowUpOwner = .linkWorker,
                returnWindowDays: Int = 90, reportsNonAttendance: Bool = true, outcomeSharing: String = "Attendance only") {
        self.firstContact = firstContact
        self.followUpOwner = followUpOwner
        self.returnWindowDays = returnWindowDays
        self.reportsNonAttendance = reportsNonAttendance
        self.outcomeSharing = outcomeSharing
        self.id = id
        self.referralID = referralID
        self.serviceID = serviceID
        self.status = status
        self.rejectionReason = rejectionReason
        self.note = note
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A timestamped status change of a referral out.
public struct OnwardEvent: Codable, Sendable, Equatable {
    public var id: String
    public var onwardReferralID: OnwardReferralID
    public var from: OnwardStatus?
    public var to: OnwardStatus
    public var actorID: UserID
    public var at: Date
    public var note: String
    public init(id: String, onwardReferralID: OnwardReferralID, from: OnwardStatus?, to: OnwardStatus,
                actorID: UserID, at: Date, note: String) {
        self.id = id
        self.onwardReferralID = onwardReferralID
        self.from = from
        self.to = to
        self.actorID = actorID
        self.at = at
        self.note = note
    }
}

/// A provider's report that the person came, or did not come, to a session.
public struct AttendanceReport: Codable, Sendable, Equatable {
    public var id: String
    public var onwardReferralID: OnwardReferralID
    public var sessionDate: CalendarDate
    public var attended: Bool
    public var reportedBy: UserID
    public var reportedAt: Date
    public init(id: String, onwardReferralID: OnwardReferralID, sessionDate: CalendarDate, attended: Bool,
                reportedBy: UserID, reportedAt: Date) {
        self.id = id
        self.onwardReferralID = onwardReferralID
        self.sessionDate = sessionDate
        self.attended = attended
        self.reportedBy = reportedBy
        self.reportedAt = reportedAt
    }
}

/// The kinds of "message back" the Social Prescribing Information Standard asks for.
public enum MessageKind: String, Codable, CaseIterable, Sendable {
    case accepted
    case declined
    case firstSeen = "first_seen"
    case closed
    /// The referral belongs with another service; the referrer is told where and why.
    case redirected
    /// The case has a new link worker: told to the person and to the providers working with them.
    case reassigned

    /// To a community group: a referral out to one of its services has arrived (not a message back).
    case referredToGroup = "referred_to_group"
    /// To a community group: the case behind its referral out has ended (not a message back).
    case groupCaseClosed = "group_case_closed"

    /// To administrators and supervisors, by e-mail only: a group's governance check expires within
    /// `GovernanceRules.reminderDays` (not a message back; no referral).
    case governanceDue = "governance_due"
    /// To administrators and supervisors, by e-mail only: a group's governance check has expired.
    case governanceExpired = "governance_expired"

    /// A notice to a community group rather than a message back to the referrer or GP practice.
    public var isGroupNotice: Bool { self == .referredToGroup || self == .groupCaseClosed }
    /// A reminder about the scheme's own records, e-mailed to its staff; never about a person.
    public var isGovernanceReminder: Bool { self == .governanceDue || self == .governanceExpired }

    /// The SNOMED CT UK concept recorded with the message, where one exists.
    public var snomedCode: String? {
        switch self {
        case .accepted: "871731000000106"  // Referral to social prescribing service
        case .declined: "871711000000103"  // Social prescribing declined
        case .firstSeen, .closed, .redirected, .reassigned, .referredToGroup, .groupCaseClosed, .governanceDue, .governanceExpired: nil
        }
    }

    public var label: String {
        switch self {
        case .accepted: "Referral accepted"
        case .declined: "Referral declined"
        case .firstSeen: "First seen by a link worker"
        case .closed: "Case closed"
        case .redirected: "Referral redirected"
        case .reassigned: "Link worker changed"
        case .referredToGroup: "New referral to your service"
        case .groupCaseClosed: "Case closed by the link worker"
        case .governanceDue: "Governance check due for renewal"
        case .governanceExpired: "Governance check expired"
        }
    }
}

/// A message sent back without being asked for: to the referrer (a user), or to the person's registered
/// GP practice (an organisation) when it is not the referrer's own.
public struct MessageBack: Codable, Sendable, Equatable, Identifiable {
    public var id: MessageID
    public var referralID: ReferralID
    /// The user it is for (the referrer); nil when it is for an organisation.
    public var recipientID: UserID?
    /// The organisation it is for (the registered GP practice); nil when it is for a user.
    public var recipientOrganisationID: OrganisationID?
    public var kind: MessageKind
    public var snomedCode: String?
    /// The text the recipient reads (no clinical detail beyond what they already know).
    public var body: String
    public var createdAt: Date
    public init(id: MessageID, referralID: ReferralID, recipientID: UserID?, recipientOrganisationID: OrganisationID? = nil,
                kind: MessageKind, body: String, createdAt: Date) {
        self.id = id
        self.referralID = referralID
        self.recipientID = recipientID
        self.recipientOrganisationID = recipientOrganisationID
        self.kind = kind
        self.snomedCode = kind.snomedCode
        self.body = body
        self.createdAt = createdAt
    }
}
