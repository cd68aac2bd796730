/// The referral lifecycle of DESIGN.md §2. `allowedNext` is the whole state machine.
public enum ReferralStatus: String, Codable, CaseIterable, Sendable {
    case received
    case triaged
    case accepted
    case declined
    case redirected
    case contactAttempted = "contact_attempted"
    case engaged
    case planAgreed = "plan_agreed"
    case active
    case review
    case closed
    case unableToContact = "unable_to_contact"
    case withdrawn

    /// The statuses this one may move to. Triage may be implicit: a received referral can be accepted
    /// or declined directly.
    public var allowedNext: Set<ReferralStatus> {
        switch self {
        case .received: [.triaged, .accepted, .declined, .redirected, .withdrawn]
        case .triaged: [.accepted, .declined, .redirected, .withdrawn]
        case .accepted: [.contactAttempted, .engaged, .unableToContact, .withdrawn]
        case .contactAttempted: [.contactAttempted, .engaged, .unableToContact, .withdrawn]
        case .engaged: [.planAgreed, .closed, .withdrawn]
        case .planAgreed: [.active, .closed, .withdrawn]
        case .active: [.review, .closed, .withdrawn]
        case .review: [.active, .closed, .withdrawn]
        case .declined, .redirected, .closed, .unableToContact, .withdrawn: []
        }
    }

    public func canMove(to next: ReferralStatus) -> Bool { allowedNext.contains(next) }

    /// Where a reopened case goes back to. Reopening is deliberately not in `allowedNext`: a closed case
    /// stays final (lists, retention and reports treat it as ended) and comes back only through
    /// `Case.reopen`, which needs a reason, is refused outside the scheme's reopening window
    /// (`SchemeSettings.reopenWindowDays`) and is written to the audit trail. It reopens under review,
    /// so the link worker and the person look at the plan again before it is active or closed again.
    public var reopensTo: ReferralStatus? { self == .closed ? .review : nil }

    /// Ended: nothing more can happen to the case.
    public var isFinal: Bool { allowedNext.isEmpty }

    /// Waiting for a link worker to pick it up.
    public var isWaiting: Bool { self == .received || self == .triaged }

    /// A link worker is working with the person (referrals out may be made).
    public var isInSupport: Bool { [.engaged, .planAgreed, .active, .review].contains(self) }

    /// A plan is agreed and the case still open: the plan's review date puts the case on the link worker's reviews due.
    public var hasPlanReviews: Bool { [.planAgreed, .active, .review].contains(self) }

    public var label: String {
        switch self {
        case .received: "Received"
        case .triaged: "Triaged"
        case .accepted: "Accepted"
        case .declined: "Declined"
        case .redirected: "Redirected"
        case .contactAttempted: "Contact attempted"
        case .engaged: "Engaged"
        case .planAgreed: "Plan agreed"
        case .active: "Active"
        case .review: "Review"
        case .closed: "Closed"
        case .unableToContact: "Unable to contact"
        case .withdrawn: "Withdrawn"
        }
    }
}

/// The status of a referral out, following the HL7 Gravity SDOH closed-loop Task.
public enum OnwardStatus: String, Codable, CaseIterable, Sendable {
    case requested
    case accepted
    case rejected
    case cancelled
    case inProgress = "in-progress"
    case onHold = "on-hold"
    case completed
    case failed
    case enteredInError = "entered-in-error"

    public var allowedNext: Set<OnwardStatus> {
        switch self {
        case .requested: [.accepted, .rejected, .cancelled, .enteredInError]
        case .accepted: [.inProgress, .onHold, .completed, .failed, .cancelled, .enteredInError]
        case .inProgress: [.onHold, .completed, .failed, .cancelled, .enteredInError]
        case .onHold: [.inProgress, .completed, .failed, .cancelled, .enteredInError]
        case .rejected, .cancelled, .completed, .failed: [.enteredInError]
        case .enteredInError: []
        }
    }

    public func canMove(to next: OnwardStatus) -> Bool { allowedNext.contains(next) }

    /// Set by the provider (the Gravity Task's performer): accepting, rejecting, attending, on hold,
    /// completed, failed. The link worker (the requester) only cancels or marks one entered in error.
    public var setByProvider: Bool { ![.requested, .cancelled, .enteredInError].contains(self) }

    /// Ends the referral out from the link worker's side: chosen explicitly and confirmed, never a default.
    public var isDestructive: Bool { self == .cancelled || self == .enteredInError }

    /// Still waiting on the provider: closing the case with one of these leaves a loose end.
    public var isAwaitingProvider: Bool { self == .requested || self == .accepted }

    /// The provider has taken the person on; attendance can be reported.
    public var acceptsAttendance: Bool { self == .accepted || self == .inProgress }

    public var label: String {
        switch self {
        case .requested: "Requested"
        case .accepted: "Accepted"
        case .rejected: "Rejected"
        case .cancelled: "Cancelled"
        case .inProgress: "Attending"
        case .onHold: "On hold"
        case .completed: "Completed"
        case .failed: "Failed"
        case .enteredInError: "Entered in error"
        }
    }
}

/// Why a provider could not take a referral (Gravity Task `statusReason`).
public enum RejectionReason: String, Codable, CaseIterable, Sendable {
    case noCapacity = "no_capacity"
    case waitingList = "waiting_list"
    case notEligible = "not_eligible"
    case unableToContact = "unable_to_contact"
    case other

    public var label: String {
        switch self {
        case .noCapacity: "No capacity"
        case .waitingList: "Waiting list"
        case .notEligible: "Not eligible"
        case .unableToContact: "Unable to contact the person"
        case .other: "Other"
        }
    }
}
