import Foundation

// The person's voice after referral: from their own record they ask to come back, raise a worry about a
// group, and give or withdraw consent per purpose. Requests are work items for staff (the link worker and
// supervisors, or supervisors alone for a worry about a group); consent changes go through the case like
// any other casework, so every view built from consent (`CaseViews.swift`) changes at once.

/// What a person asks of the service from their own record.
public enum PersonRequestKind: String, Codable, CaseIterable, Sendable {
    /// To come back to the link worker once their support has ended.
    case comeBack = "come_back"
    /// A worry about a community group they were referred to; it goes to the supervisors.
    case worry

    /// Plain words, as staff and the person see them.
    public var label: String {
        switch self {
        case .comeBack: "Asked to come back"
        case .worry: "A worry about a group"
        }
    }
}

/// A request the person made from their own record, and the answer staff gave. Never deleted.
public struct PersonRequest: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var kind: PersonRequestKind
    /// For a worry: the referral out (the group) it is about.
    public var onwardReferralID: OnwardReferralID?
    /// What the person wrote (sensitive: shown to the person and the staff who answer it only).
    public var message: String
    public var raisedBy: UserID
    public var raisedAt: Date
    public var answeredBy: UserID?
    public var answeredAt: Date?
    /// What staff told the person (shown to them on their record).
    public var answer: String

    public init(id: String, referralID: ReferralID, kind: PersonRequestKind, onwardReferralID: OnwardReferralID?, message: String,
                raisedBy: UserID, raisedAt: Date, answeredBy: UserID? = nil, answeredAt: Date? = nil, answer: String = "") {
        self.id = id
        self.referralID = referralID
        self.kind = kind
        self.onwardReferralID = onwardReferralID
        self.message = message
        self.raisedBy = raisedBy
        self.raisedAt = raisedAt
        self.answeredBy = answeredBy
        self.answeredAt = answeredAt
        self.answer = answer
    }

    public var isOpen: Bool { answeredAt == nil }

    /// At most one open request per referral and kind (and group, for a worry): a second press of the
    /// button, or two at once, cannot queue the same request twice. Storage keeps this key unique while
    /// the request is open.
    public var openKey: String? {
        isOpen ? "\(referralID.rawValue)|\(kind.rawValue)|\(onwardReferralID?.rawValue ?? "")" : nil
    }
}

/// Storage of the person's requests.
public protocol PersonRequestStore: Sendable {
    /// Stores a new request. Throws `StorageError.duplicate` when the id exists, or when an open request
    /// with the same `openKey` exists (checked atomically with the insert).
    func addPersonRequest(_ request: PersonRequest) async throws
    /// One request, answered or not.
    func personRequest(id: String) async throws -> PersonRequest?
    /// Every request about these referrals, oldest first.
    func personRequests(referralIDs: [ReferralID]) async throws -> [PersonRequest]
    /// Open requests, oldest first, at most `limit`.
    func openPersonRequests(limit: Int) async throws -> [PersonRequest]
    /// Records the answer only if the request is still open (atomically); false when it was answered
    /// already or does not exist.
    func answerPersonRequest(id: String, by: UserID, at: Date, answer: String) async throws -> Bool
}

// MARK: Plain wording for the person

extension OnwardStatus {
    /// How the person is told where a referral to a group stands, in plain words ("the group could not take
    /// you", never "Rejected").
    public var personLabel: String {
        switch self {
        case .requested: "We have asked the group to take you"
        case .accepted: "The group can take you"
        case .rejected: "The group could not take you"
        case .cancelled: "This referral to the group was stopped"
        case .inProgress: "You are going to the group"
        case .onHold: "Paused for now"
        case .completed: "You have finished with the group"
        case .failed: "This did not work out"
        case .enteredInError: "Made by mistake"
        }
    }
}

extension ReferralStatus {
    /// Where the person's referral stands, in plain words.
    public var personLabel: String {
        switch self {
        case .received, .triaged: "We have your referral"
        case .accepted: "A link worker will get in touch"
        case .declined: "The service could not take your referral"
        case .redirected: "Your referral was passed to another service"
        case .contactAttempted: "We have tried to get in touch"
        case .engaged: "You are talking with your link worker"
        case .planAgreed: "You have agreed a plan"
        case .active, .review: "You are being supported"
        case .closed: "Your support has ended"
        case .unableToContact: "We could not reach you, so your support has ended"
        case .withdrawn: "You chose to stop your support"
        }
    }
}

extension ConsentPurpose {
    /// What the person agrees to, in plain words.
    public var personLabel: String {
        switch self {
        case .socialPrescribing: "Support from the social prescribing service"
        case .shareWithProviders: "Sharing your name and contact details with the groups we refer you to"
        case .shareWithReferrer: "Telling the person who referred you, and your GP, how you are getting on"
        case .evaluation: "Using your answers, without your name, to check that the service works"
        }
    }
}

// MARK: The person's consent

extension Case {
    /// The person gives consent for a purpose again (or for the first time) from their own record. Support
    /// itself is not given back this way: a person whose support stopped asks to come back instead.
    public func giveConsent(_ purpose: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard actor.role == .person, actor.personID == referral.personID else {
            throw .forbidden("Only the person can give their consent from their own record.")
        }
        var v = Validator()
        let purpose = v.choice(purpose, "purpose", label: .whatYouAgreeTo, as: ConsentPurpose.self)
        try v.check()
        guard let purpose else { throw .invalid([FieldError("purpose", .chooseAgreement)]) }
        guard purpose != .socialPrescribing else {
            throw .conflict(.startSupportByComingBack)
        }
        guard !referral.consent.covers(purpose) else { throw .conflict(.consentAlreadyGiven) }
        var update = CaseUpdate(self, by: actor, env: env)
        let status = update.status
        update.change.referral.consent.purposes.append(purpose)
        update.change.events.append(ReferralEvent(id: env.id(), referralID: referral.id, from: status, to: status, actorID: actor.userID,
                                                  at: update.now, note: "Consent given: \(purpose.rawValue) — by the person, from their own record"))
        return update.change
    }

    /// The person withdraws consent from their own record: the same rule as a withdrawal the link worker
    /// records, except that stopping support altogether must be confirmed.
    public func withdrawOwnConsent(_ purpose: String?, confirmed: Bool, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard actor.role == .person, actor.personID == referral.personID else {
            throw .forbidden("Only the person can withdraw their consent from their own record.")
        }
        if purpose == ConsentPurpose.socialPrescribing.rawValue && !confirmed && !referral.status.isFinal {
            throw .invalid([FieldError("confirm", .confirmStopSupport)])
        }
        return try withdrawConsent(purpose, note: "by the person, from their own record", by: actor, env: env)
    }
}
