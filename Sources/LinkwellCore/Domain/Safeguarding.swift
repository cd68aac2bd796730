import Foundation

/// Who a safeguarding concern is escalated to.
public enum EscalationTarget: String, Codable, CaseIterable, Sendable {
    /// The referrer, who acknowledges it in Linkwell.
    case referrer
    /// The person's GP practice (acknowledgement recorded by the link worker, with who acknowledged).
    case gp
    /// Adult social care (acknowledgement recorded by the link worker, with who acknowledged).
    case adultSocialCare = "adult_social_care"
    /// The scheme's supervisors (a community group's concern about the person), acknowledged in Linkwell
    /// by a supervisor.
    case supervisor

    public var label: String {
        switch self {
        case .supervisor: "A supervisor"
        case .referrer: "The referrer"
        case .gp: "The GP practice"
        case .adultSocialCare: "Adult social care"
        }
    }
}

/// A safeguarding concern raised during support. It is never deleted: it is escalated, acknowledged,
/// reviewed by a supervisor and resolved, each step with who and when.
public struct SafeguardingConcern: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var description: String
    public var raisedBy: UserID
    public var raisedAt: Date
    public var escalatedTo: EscalationTarget
    /// The user who must acknowledge it in Linkwell (the referrer), when there is one.
    public var recipientID: UserID?
    public var acknowledgedBy: UserID?
    /// For escalations outside Linkwell: who acknowledged (e.g. "Dr Khan, by phone").
    public var acknowledgedByName: String
    public var acknowledgedAt: Date?
    public var reviewedBy: UserID?
    public var reviewedAt: Date?
    public var resolvedBy: UserID?
    public var resolvedAt: Date?
    public var resolution: String

    public var isOpen: Bool { resolvedAt == nil }
    public var isAcknowledged: Bool { acknowledgedAt != nil }
}

extension Case {
    /// A link worker or supervisor raises a concern and escalates it.
    public func raiseConcern(_ description: String?, escalateTo target: String?, by actor: Principal,
                             env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let text = v.required(description, "description", label: .aDescriptionOfTheConcern, max: 5000)
        let to = v.choice(target, "escalateTo", label: .whoToEscalateTo, as: EscalationTarget.self)
        if to == .referrer && referral.referrerID == nil {
            v.add("escalateTo", .noReferrerToEscalateTo)
        }
        try v.check()
        guard referral.status != .declined && referral.status != .redirected else {
            throw .conflict(.concernsNotTakenOn, ["status": referral.status.rawValue])
        }
        var update = CaseUpdate(self, by: actor, env: env)
        update.change.concerns.append(SafeguardingConcern(
            id: env.newID(), referralID: referral.id, description: text, raisedBy: actor.userID, raisedAt: update.now,
            escalatedTo: to!, recipientID: to == .referrer ? referral.referrerID : nil, acknowledgedBy: nil,
            acknowledgedByName: "", acknowledgedAt: nil, reviewedBy: nil, reviewedAt: nil, resolvedBy: nil, resolvedAt: nil,
            resolution: ""))
        return update.change
    }

    /// The escalation's recipient acknowledges it. For escalations outside Linkwell the link worker
    /// records who acknowledged; nobody else can acknowledge someone else's escalation.
    public func acknowledgeConcern(_ id: String, externalName: String?, by actor: Principal,
                                   env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var concern = concerns.first(where: { $0.id == id }) else { throw .notFound("concern") }
        guard !concern.isAcknowledged else { throw .conflict(.escalationAcknowledged) }
        var update = CaseUpdate(self, by: actor, env: env)
        if let recipient = concern.recipientID {
            guard recipient == actor.userID else { throw .forbidden("Only the person it was escalated to can acknowledge this escalation.") }
        } else if concern.escalatedTo == .supervisor {
            guard actor.role == .supervisor else { throw .forbidden("Only a supervisor acknowledges a concern escalated to the supervisors.") }
        } else {
            guard actor.role == .linkWorker || actor.role == .supervisor else {
                throw .forbidden("Only the link worker or a supervisor records an outside acknowledgement.")
            }
            var v = Validator()
            concern.acknowledgedByName = v.required(externalName, "acknowledgedByName", label: .whoAcknowledgedIt, max: 200)
            try v.check()
        }
        concern.acknowledgedBy = actor.userID
        concern.acknowledgedAt = update.now
        update.change.concerns.append(concern)
        return update.change
    }

    /// A supervisor records that they reviewed the concern.
    public func reviewConcern(_ id: String, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard actor.role == .supervisor else { throw .forbidden("Only a supervisor reviews safeguarding concerns.") }
        guard var concern = concerns.first(where: { $0.id == id }) else { throw .notFound("concern") }
        guard concern.reviewedAt == nil else { throw .conflict(.concernReviewed) }
        var update = CaseUpdate(self, by: actor, env: env)
        concern.reviewedBy = actor.userID
        concern.reviewedAt = update.now
        update.change.concerns.append(concern)
        return update.change
    }

    /// Resolves a concern with who and why. It stays on the record.
    public func resolveConcern(_ id: String, resolution: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var concern = concerns.first(where: { $0.id == id }) else { throw .notFound("concern") }
        guard concern.isOpen else { throw .conflict(.concernResolved) }
        var v = Validator()
        let why = v.required(resolution, "resolution", label: .howTheConcernWasResolved, max: 5000)
        try v.check()
        guard concern.isAcknowledged else { throw .conflict(.escalationNotAcknowledged) }
        var update = CaseUpdate(self, by: actor, env: env)
        concern.resolvedBy = actor.userID
        concern.resolvedAt = update.now
        concern.resolution = why
        update.change.concerns.append(concern)
        return update.change
    }
}
