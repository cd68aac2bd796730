import Foundation

/// Display names of staff, for read models that name who did what.
public struct UserNames: Sendable {
    private let names: [UserID: String]
    public init(_ users: [User]) { names = Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }) }
    public init(_ names: [UserID: String]) { self.names = names }
    /// The user's name, or a dash when there is none.
    public subscript(_ id: UserID?) -> String { id.flatMap { names[$0] } ?? "—" }
    /// The user's name, or nil when unknown.
    public func name(_ id: UserID?) -> String? { id.flatMap { names[$0] } }
}

// Every view of a case that someone other than its link worker gets is built here, from the case and the
// person's consent as it stands now: withdrawing a purpose changes every view at once. Who may open which
// case at all is `AccessPolicy`; this file decides what they see once they have.
//
// | viewer        | built by                   | consent that governs it                                   |
// |---------------|----------------------------|-----------------------------------------------------------|
// | referrer      | `ReferrerCaseView.init`    | `shareWithReferrer`: progress beyond the decision         |
// | provider      | `ProviderView.init`        | `shareWithProviders`: the person's name and contact details|
// | person        | `OwnRecordView`            | none: it is their own record                              |
// | evaluator     | `EvaluationExport`         | `evaluation`: only people who agreed are exported         |
// | commissioner  | aggregates only            | no person-level view exists (`InsightService`)            |

/// What a referrer receives about their referral. The decision (accepted, declined, redirected) always goes
/// back to them; everything after it — who is supporting the person, when they were first seen, the
/// services they were referred to and how the case closed — only while the person's consent to share with
/// the referrer stands. Casework notes never go back.
public struct ReferrerCaseView: Encodable, Sendable {
    public struct Onward: Codable, Sendable, Equatable { public var serviceName: String; public var status: OnwardStatus }
    public var id: ReferralID
    public var personName: String
    public var status: ReferralStatus
    public var receivedAt: Date
    public var firstSeenAt: Date?
    public var closingReason: ClosingReason?
    public var outcomeNote: String?
    public var linkWorkerName: String?
    /// The lifecycle steps, without their notes.
    public var events: [ReferralEvent]
    public var messages: [MessageBack]
    public var onwardReferrals: [Onward]
    /// Safeguarding escalations to this referrer (their duty to act, whatever the consent).
    public var escalations: [SafeguardingConcern]
    /// False when the person has not agreed (or no longer agrees) to progress being shared with the referrer.
    public var progressShared: Bool
    /// Staff names, for saying who took each step (not part of the JSON).
    public var staff: UserNames

    // `staff` is left out of the JSON.
    enum CodingKeys: String, CodingKey {
        case id, personName, status, receivedAt, firstSeenAt, closingReason, outcomeNote, linkWorkerName, events, messages,
             onwardReferrals, escalations, progressShared
    }


    /// A row of the referrer's own list, shaped by the same rule as the whole view: without consent to share
    /// progress, the status stops at the decision and the link worker and attendance are not shown.
    public static func row(_ summary: ReferralSummary) -> ReferralSummary {
        guard !summary.consentPurposes.contains(.shareWithReferrer) else { return summary }
        var row = summary
        if !decisionStatuses.contains(row.status) { row.status = .accepted }
        row.linkWorkerID = nil
        row.didNotAttendCount = 0
        return row
    }

    /// The statuses a referrer learns without consent to share progress: the decision on their referral.
    static let decisionStatuses: Set<ReferralStatus> = [.received, .triaged, .accepted, .declined, .redirected]

    public init(_ c: Case, viewer: UserID, names: UserNames, serviceNames: [ServiceID: String]) {
        let r = c.referral
        let shared = r.consent.covers(.shareWithReferrer)
        progressShared = shared
        staff = names
        id = r.id
        personName = c.person.fullName
        receivedAt = r.receivedAt
        messages = c.messages.filter { $0.recipientID == viewer }
        escalations = c.concerns.filter { $0.recipientID == viewer }
        let steps = c.events.map { event -> ReferralEvent in
            var step = event
            step.note = ""
            return step
        }
        if shared {
            status = r.status
            firstSeenAt = c.firstSeenAt
            closingReason = r.closingReason
            outcomeNote = r.outcomeNote.isEmpty ? nil : r.outcomeNote
            linkWorkerName = names.name(r.linkWorkerID)
            events = steps
            onwardReferrals = c.onwardReferrals.filter { $0.status != .enteredInError }.map {
                Onward(serviceName: serviceNames[$0.serviceID] ?? "A community service", status: $0.status)
            }
        } else {
            events = steps.filter { Self.decisionStatuses.contains($0.to) }
            status = events.last?.to ?? .received
            onwardReferrals = []
        }
    }
}

/// What a provider sees of a referral out: the minimum necessary, never notes, risk detail or NHS number;
/// and, once the person withdraws consent to share with community services, not even their name.
public struct ProviderView: Sendable {
    public var onward: OnwardReferral
    public var service: Service
    public var personName: String
    public var phone: String
    public var email: String
    public var preferredLanguage: String
    public var interpreterNeeded: Bool
    public var communicationNeeds: String
    public var linkWorkerName: String
    public var attendance: [AttendanceReport]
    /// The person has withdrawn consent to share with community services: details are withheld.
    public var consentWithdrawn: Bool

    /// Shown in place of the person's name once they withdraw consent to share with community services.
    public static let withheld = "Details withheld: the person withdrew consent to share"

    public init(_ c: Case, onward: OnwardReferral, service: Service, linkWorkerName: String) {
        let p = c.person
        let shared = c.referral.consent.covers(.shareWithProviders)
        self.onward = onward
        self.service = service
        self.linkWorkerName = linkWorkerName
        attendance = c.attendance(for: onward.id)
        consentWithdrawn = !shared
        personName = shared ? p.fullName : Self.withheld
        phone = shared ? p.phone : ""
        email = shared ? p.email : ""
        preferredLanguage = shared ? p.preferredLanguage : ""
        interpreterNeeded = shared && p.interpreterNeeded
        communicationNeeds = shared ? p.communicationNeeds : ""
    }

    /// A provider's inbox row, with the person's name withheld the same way as the full view.
    public static func inboxRow(_ row: OnwardSummary, consent: Consent?) -> OnwardSummary {
        inboxRow(row, purposes: consent?.purposes ?? [])
    }

    /// The same, from the purposes the person has consented to now (as the inbox's read model has them).
    public static func inboxRow(_ row: OnwardSummary, purposes: [ConsentPurpose]) -> OnwardSummary {
        var row = row
        if !purposes.contains(.shareWithProviders) { row.personName = withheld }
        return row
    }
}

/// The person's own record: their referrals in full, and every access to them (from the audit trail).
public struct OwnRecordView: Sendable {
    /// One line of "who has seen my record".
    public struct Access: Codable, Sendable, Equatable {
        public var at: Date
        public var who: String
        public var role: String
        /// The role's organisation, when the user belongs to one (a provider's group, a practice).
        public var organisation: String
        /// What they did, in plain words ("Looked at your referral to a community service").
        public var what: String
        public var allowed: Bool
    }
    public var cases: [Case]
    public var accesses: [Access]
    public var names: UserNames
    public var serviceNames: [ServiceID: String]
    /// Where the access log continues (older entries), when it has more than this page; nil on its last page.
    public var accessNext: PageCursor? = nil
    /// This page starts after a cursor (not the newest entries).
    public var accessContinued = false

    /// Plain words for one audit event about the person's record.
    public static func describe(action: String, recordType: String) -> String {
        switch (action, recordType) {
        case ("read", "referral"): "Looked at your record"
        case ("read", "onward_referral"): "Looked at your referral to a community service"
        case ("read", "outcome_measures"): "Looked at your wellbeing measures"
        case ("export", "evaluation_export"): "Included your answers, without your name, in an evaluation export"
        case ("create", "person_request"): "Sent a request from your record"
        case ("update", "person_request"): "Answered your request"
        default: "\(action) \(recordType.replacingOccurrences(of: "_", with: " "))"
        }
    }
}
