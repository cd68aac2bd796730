import Foundation

// The community group's side of a referral out (issue #16): a message thread with the link worker,
// concerns about the person routed to the supervisors, notices when a referral arrives or a case
// closes, and requests left unanswered past the handover agreement's window.

/// Who wrote a message on a referral out's thread.
public enum ThreadSide: String, Codable, Sendable, CaseIterable {
    /// The link worker or a supervisor (the social prescribing service).
    case scheme
    /// Staff of the community group the referral out was sent to.
    case group

    public var label: String { self == .scheme ? "Link worker" : "Community group" }
}

/// One message on the thread between the link worker and the community group about one referral out.
/// Messages are never changed or deleted (anonymising a person empties their text).
public struct OnwardMessage: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var onwardReferralID: OnwardReferralID
    public var referralID: ReferralID
    public var authorID: UserID
    public var side: ThreadSide
    public var body: String
    public var at: Date
    public init(id: String, onwardReferralID: OnwardReferralID, referralID: ReferralID, authorID: UserID, side: ThreadSide,
                body: String, at: Date) {
        self.id = id
        self.onwardReferralID = onwardReferralID
        self.referralID = referralID
        self.authorID = authorID
        self.side = side
        self.body = body
        self.at = at
    }
}

/// A referral out still waiting for the group's answer, with what the lists need to flag it.
public struct OpenOnwardRequest: Sendable, Equatable {
    public var onwardReferralID: OnwardReferralID
    public var referralID: ReferralID
    public var serviceID: ServiceID
    public var serviceName: String
    public var organisationID: OrganisationID
    public var linkWorkerID: UserID?
    public var personName: String
    public var consentPurposes: [ConsentPurpose]
    public var createdAt: Date
    public var returnWindowDays: Int
    public init(onwardReferralID: OnwardReferralID, referralID: ReferralID, serviceID: ServiceID, serviceName: String,
                organisationID: OrganisationID, linkWorkerID: UserID?, personName: String, consentPurposes: [ConsentPurpose],
                createdAt: Date, returnWindowDays: Int) {
        self.onwardReferralID = onwardReferralID
        self.referralID = referralID
        self.serviceID = serviceID
        self.serviceName = serviceName
        self.organisationID = organisationID
        self.linkWorkerID = linkWorkerID
        self.personName = personName
        self.consentPurposes = consentPurposes
        self.createdAt = createdAt
        self.returnWindowDays = returnWindowDays
    }
}

/// The threads of referrals out, and the requests still waiting for an answer.
///
/// Every implementation must guarantee:
/// - `addOnwardMessage` stores the message whole or not at all; messages are never changed or deleted.
/// - Threads come back oldest first (by time, then id).
/// - `openOnwardRequests` returns the referrals out whose status is `requested` and whose answer was due by `now`
///   (`OpenOnwardRequest.isOverdue(at:)`; a store may also return those due up to a second later, which the caller's
///   rule drops), filtered by the link worker of their referral and/or the organisation of their service when
///   given, oldest first.
public protocol OnwardThreadStore: Sendable {
    func addOnwardMessage(_ message: OnwardMessage) async throws
    /// Every message on the threads of one referral's referrals out, oldest first.
    func onwardMessages(referralID: ReferralID) async throws -> [OnwardMessage]
    /// Referrals out still `requested` whose answer was due by `now`, oldest first.
    func openOnwardRequests(linkWorkerID: UserID?, organisationID: OrganisationID?, overdueAt now: Date) async throws -> [OpenOnwardRequest]
}

extension OnwardReferral {
    /// When the group should have answered: the handover agreement's window after the referral was
    /// sent. A window of 0 days ("no return") sets no deadline.
    public var answerDue: Date? {
        returnWindowDays > 0 ? createdAt.addingTimeInterval(TimeInterval(returnWindowDays) * 86_400) : nil
    }

    /// Still waiting for the group's answer after the handover agreement's window.
    public func isOverdue(at now: Date) -> Bool {
        status == .requested && (answerDue.map { now > $0 } ?? false)
    }
}

extension OpenOnwardRequest {
    /// The same rule as `OnwardReferral.isOverdue`, on a list row.
    public func isOverdue(at now: Date) -> Bool {
        returnWindowDays > 0 && now > createdAt.addingTimeInterval(TimeInterval(returnWindowDays) * 86_400)
    }
}

extension Case {
    /// A message on the thread of one referral out: the case's link worker (or a supervisor), or staff
    /// of the group it was sent to (checked by the service before this is called).
    public func threadMessage(_ onwardID: OnwardReferralID, body: String?, by actor: Principal,
                              env: CoreEnvironment) throws(LinkwellError) -> OnwardMessage {
        guard let onward = onward(onwardID) else { throw .notFound("referral out") }
        var v = Validator()
        let text = v.required(body, "body", label: .theMessage, max: 5000)
        try v.check()
        guard onward.status != .enteredInError else {
            throw .conflict(.threadClosedEnteredInError)
        }
        let side: ThreadSide
        switch actor.role {
        case .linkWorker, .supervisor: side = .scheme
        case .provider: side = .group
        default: throw .forbidden("Only the link worker and the community group write on this thread.")
        }
        return OnwardMessage(id: env.newID(), onwardReferralID: onwardID, referralID: referral.id, authorID: actor.userID, side: side,
                             body: text, at: env.now())
    }

    /// Staff of a community group raise a concern about the person. It goes to the supervisors'
    /// safeguarding queue, where a supervisor acknowledges, reviews and resolves it like any concern.
    public func raiseGroupConcern(_ onwardID: OnwardReferralID, description: String?, by actor: Principal,
                                  env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard actor.role == .provider else { throw .forbidden("Only community group staff raise a concern from a referral out.") }
        guard let onward = onward(onwardID) else { throw .notFound("referral out") }
        var v = Validator()
        let text = v.required(description, "description", label: .aDescriptionOfTheConcern, max: 5000)
        try v.check()
        guard onward.status != .enteredInError else { throw .conflict(.onwardEnteredInError) }
        var update = CaseUpdate(self, by: actor, env: env)
        update.change.concerns.append(SafeguardingConcern(
            id: env.newID(), referralID: referral.id, description: text, raisedBy: actor.userID, raisedAt: update.now,
            escalatedTo: .supervisor, recipientID: nil, acknowledgedBy: nil, acknowledgedByName: "", acknowledgedAt: nil,
            reviewedBy: nil, reviewedAt: nil, resolvedBy: nil, resolvedAt: nil, resolution: ""))
        return update.change
    }
}

/// Notices to community groups, added to any casework change: a new referral out tells its group, and a
/// case that ends tells every group still holding a referral out for it. Applied by `CaseworkService` to
/// every change it stores, so that no action (today's or a later one) can skip them. Each notice is a
/// message to the group's organisation, stored and e-mailed with the change (`CaseStore.apply`).
public enum GroupNotices {
    /// Referral out statuses whose group no longer needs to hear about the case.
    static let finished: Set<OnwardStatus> = [.rejected, .cancelled, .enteredInError]
    /// The case statuses in which the link worker's support has ended. Listed rather than read from
    /// `isFinal`, so that a reopening step added to the lifecycle does not change who is told.
    public static let ended: Set<ReferralStatus> = [.declined, .redirected, .closed, .unableToContact, .withdrawn]

    public static func add(to change: inout CaseChange, before: Case, services: [ServiceID: Service], env: CoreEnvironment) {
        let now = change.referral.updatedAt
        let known = Set(before.onwardReferrals.map(\.id))
        var told: Set<OrganisationID> = []
        for onward in change.onwardReferrals where !known.contains(onward.id) {
            guard let service = services[onward.serviceID] else { continue }
            change.messages.append(MessageBack(
                id: env.id(), referralID: before.referral.id, recipientID: nil, recipientOrganisationID: service.organisationID,
                kind: .referredToGroup, body: "A new referral to \(service.name) is waiting for your answer. Open it from your referrals list.",
                createdAt: now))
        }
        let ended = Self.ended.contains(change.referral.status) && !Self.ended.contains(before.referral.status)
        guard ended else { return }
        let after = change.applied(to: before)
        for onward in after.onwardReferrals where !finished.contains(onward.status) {
            guard let service = services[onward.serviceID], told.insert(service.organisationID).inserted else { continue }
            change.messages.append(MessageBack(
                id: env.id(), referralID: before.referral.id, recipientID: nil, recipientOrganisationID: service.organisationID,
                kind: .groupCaseClosed,
                body: "The link worker's support has ended for someone referred to \(service.name). Please close the referral on your side.",
                createdAt: now))
        }
    }
}
