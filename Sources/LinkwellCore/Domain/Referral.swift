import Foundation

/// Who made the referral in.
public enum SourceType: String, Codable, CaseIterable, Sendable {
    case gp
    case practiceNurse = "practice_nurse"
    case pharmacist
    case mentalHealth = "mental_health"
    case socialWorker = "social_worker"
    case housing
    case hospitalDischarge = "hospital_discharge"
    case vcse
    case selfReferral = "self"
    case other

    public var label: String {
        switch self {
        case .gp: "GP"
        case .practiceNurse: "Practice nurse"
        case .pharmacist: "Pharmacist"
        case .mentalHealth: "Mental health worker"
        case .socialWorker: "Social worker"
        case .housing: "Housing officer"
        case .hospitalDischarge: "Hospital discharge team"
        case .vcse: "VCSE worker"
        case .selfReferral: "Self-referral"
        case .other: "Other"
        }
    }
}

/// A reason for referral, from the scheme's needs taxonomy.
public enum Need: String, Codable, CaseIterable, Sendable {
    case loneliness
    case lowMood = "low_mood"
    case anxiety
    case debt
    case benefits
    case housing
    case employment
    case carerSupport = "carer_support"
    case bereavement
    case physicalActivity = "physical_activity"
    case longTermCondition = "long_term_condition"
    case other

    public var label: String {
        switch self {
        case .loneliness: "Loneliness or isolation"
        case .lowMood: "Low mood"
        case .anxiety: "Anxiety or stress"
        case .debt: "Debt or money worries"
        case .benefits: "Benefits advice"
        case .housing: "Housing"
        case .employment: "Employment, training or volunteering"
        case .carerSupport: "Carer support"
        case .bereavement: "Bereavement"
        case .physicalActivity: "Physical activity"
        case .longTermCondition: "Long-term condition self-management"
        case .other: "Other"
        }
    }
}

public enum Urgency: String, Codable, CaseIterable, Sendable {
    case routine
    case soon
}

public enum ConsentMethod: String, Codable, CaseIterable, Sendable {
    case verbal
    case written
    case electronic
}

/// What the person agreed their information may be used for.
public enum ConsentPurpose: String, Codable, CaseIterable, Sendable {
    /// Required: referral to and support from the social prescribing service.
    case socialPrescribing = "social_prescribing"
    /// Sharing the minimum necessary with community services the link worker refers them to.
    case shareWithProviders = "share_with_providers"
    /// Updates to the referrer and GP.
    case shareWithReferrer = "share_with_referrer"
    /// Pseudonymised use in evaluation.
    case evaluation
}

/// Explicit consent: who gave it, when, how, and for what.
public struct Consent: Codable, Sendable, Equatable {
    /// The name of whoever gave consent (the person, or a representative).
    public var givenBy: String
    public var givenAt: Date
    public var method: ConsentMethod
    public var purposes: [ConsentPurpose]
    public init(givenBy: String, givenAt: Date, method: ConsentMethod, purposes: [ConsentPurpose]) {
        self.givenBy = givenBy
        self.givenAt = givenAt
        self.method = method
        self.purposes = purposes
    }
    public func covers(_ purpose: ConsentPurpose) -> Bool { purposes.contains(purpose) }
}

/// How the referral reached the service: the standard's "referral method" values (PRSB Social Prescribing
/// Information Standard v1.1, referral details; Linkwell's local codes, the standard gives no national code).
public enum ReferralMethod: String, Codable, CaseIterable, Sendable {
    case fax
    case phone
    case secureMessaging = "secure_messaging"
    case secureEmail = "secure_email"
    case letter
    case eRS = "nhs_e_rs"
    case selfReferral = "self_referral"

    public var label: String {
        switch self {
        case .fax: "Fax"
        case .phone: "Phone"
        case .secureMessaging: "Secure messaging"
        case .secureEmail: "Secure email"
        case .letter: "Letter"
        case .eRS: "NHS e-Referral Service (e-RS)"
        case .selfReferral: "Self referral"
        }
    }

    public static let system = "urn:linkwell:codesystem:referral_method"
}

/// How and when the referrer wants to hear back.
public enum FeedbackPreference: String, Codable, CaseIterable, Sendable {
    /// Accepted or declined, first seen, and closed (the information standard's default).
    case keyEvents = "key_events"
    /// Only when the case closes.
    case closingOnly = "closing_only"
}

/// Why a case closed.
public enum ClosingReason: String, Codable, CaseIterable, Sendable {
    case goalsMet = "goals_met"
    case connectedToCommunity = "connected_to_community"
    case disengaged
    case movedAway = "moved_away"
    case returnedToGP = "returned_to_gp"
    case died
    case other

    public var label: String {
        switch self {
        case .goalsMet: "Goals met"
        case .connectedToCommunity: "Connected to community support"
        case .disengaged: "Disengaged"
        case .movedAway: "Moved away"
        case .returnedToGP: "Returned to GP for clinical or risk reasons"
        case .died: "Died"
        case .other: "Other"
        }
    }
}

/// A referral in to the social prescribing service.
public struct Referral: Codable, Sendable, Identifiable, Equatable {
    public var id: ReferralID
    public var personID: PersonID
    /// The referring user; nil for a self-referral made without an account.
    public var referrerID: UserID?
    public var referrerOrganisationID: OrganisationID?
    public var sourceType: SourceType
    public var needs: [Need]
    /// What the person themself wants from the referral, in their words.
    public var personView: String
    public var consent: Consent
    /// Risk information at intake (e.g. lone-working concerns); shown on every page of the case.
    public var riskInformation: String
    public var feedbackPreference: FeedbackPreference
    public var urgency: Urgency
    /// e.g. long-term conditions, mental health, carers.
    public var pathway: String
    public var status: ReferralStatus
    public var linkWorkerID: UserID?
    public var closingReason: ClosingReason?
    /// Why a referral was declined or redirected, or the note on closing.
    public var outcomeNote: String
    /// What the person said about the service when their case closed, if they chose to.
    public var closingFeedback: ClosingFeedback?
    public var receivedAt: Date
    public var updatedAt: Date
    /// Bumped on every change; guards concurrent updates.
    public var version: Int
    /// The standard's "referral method" (optional; `self_referral` for a self-referral).
    public var referralMethod: ReferralMethod? = nil
    /// The standard's "return response to": who gets the outcome when it is not (only) the referrer —
    /// name, role, organisation and contact, in words (optional).
    public var returnResponseTo: String? = nil
    /// The referrer's grade, team and specialty as the referrer gives them (the standard's referrer details,
    /// optional; free text — no national code list is cited for them). Nil when not given.
    public var referrerGrade: String? = nil
    public var referrerTeam: String? = nil
    public var referrerSpecialty: String? = nil

    public init(id: ReferralID, personID: PersonID, referrerID: UserID?, referrerOrganisationID: OrganisationID?,
                sourceType: SourceType, needs: [Need], personView: String, consent: Consent, riskInformation: String,
                feedbackPreference: FeedbackPreference, urgency: Urgency, pathway: String, status: ReferralStatus,
                linkWorkerID: UserID?, closingReason: ClosingReason?, outcomeNote: String, closingFeedback: ClosingFeedback? = nil, receivedAt: Date,
                updatedAt: Date, version: Int) {
        self.id = id
        self.personID = personID
        self.referrerID = referrerID
        self.referrerOrganisationID = referrerOrganisationID
        self.sourceType = sourceType
        self.needs = needs
        self.personView = personView
        self.consent = consent
        self.riskInformation = riskInformation
        self.feedbackPreference = feedbackPreference
        self.urgency = urgency
        self.pathway = pathway
        self.status = status
        self.linkWorkerID = linkWorkerID
        self.closingReason = closingReason
        self.outcomeNote = outcomeNote
        self.closingFeedback = closingFeedback
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// A timestamped step of the referral lifecycle, with the user who took it.
public struct ReferralEvent: Codable, Sendable, Equatable {
    public var id: EventID
    public var referralID: ReferralID
    public var from: ReferralStatus?
    public var to: ReferralStatus
    public var actorID: UserID?
    public var at: Date
    public var note: String
    public init(id: EventID, referralID: ReferralID, from: ReferralStatus?, to: ReferralStatus, actorID: UserID?,
                at: Date, note: String) {
        self.id = id
        self.referralID = referralID
        self.from = from
        self.to = to
        self.actorID = actorID
        self.at = at
        self.note = note
    }
}

/// Service-user feedback collected at closing, summarised for the steering group.
public struct ClosingFeedback: Codable, Sendable, Equatable {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    public var satisfaction: Int?
    /// "What would you change?" in the person's words.
    public var wouldChange: String
    public init(satisfaction: Int?, wouldChange: String) {
        self.satisfaction = satisfaction
        self.wouldChange = wouldChange
    }

    public static let satisfactionLabels = ["Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"]
}
