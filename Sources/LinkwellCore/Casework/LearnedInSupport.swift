import Foundation

// What a link worker learns during support — needs that surface only once trust is built, the person's
// interests and strengths, the barriers in their way — and the needs nothing local could meet ("gaps").
// Needs and interests are coded with the same code list as intake needs (`CodeListKind.needs`, accepted
// as local values or `system|code`); strengths and barriers are described in words, as Linkwell has no
// code list for them (none is invented). Current needs feed directory matching and the unmet-demand
// facts; gaps feed the unmet-demand dashboard, through the same disclosure control as every count.

/// The kinds of thing learned about the person during support.
public enum ProfileKind: String, Codable, CaseIterable, Sendable {
    case need, interest, strength, barrier

    public var label: String {
        switch self {
        case .need: "Need"
        case .interest: "Interest"
        case .strength: "Strength"
        case .barrier: "Barrier"
        }
    }

    /// Needs and interests are coded (they match directory services); strengths and barriers are words.
    public var isCoded: Bool { self == .need || self == .interest }
}

/// One thing learned about the person, added and (when it no longer holds) ended; never deleted.
public struct ProfileItem: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var kind: ProfileKind
    /// For needs and interests: the value from the needs code list.
    public var need: Need?
    /// In the link worker's words (required for strengths and barriers).
    public var detail: String
    public var addedBy: UserID
    public var addedAt: Date
    public var endedBy: UserID?
    public var endedAt: Date?
    public var isCurrent: Bool { endedAt == nil }
}

/// Why nothing in the directory fitted a need.
public enum GapReason: String, Codable, CaseIterable, Sendable {
    case noService = "no_service"
    case tooFar = "too_far"
    case full
    case notEligible = "not_eligible"
    case notAccessible = "not_accessible"
    case cost
    case other

    public var label: String {
        switch self {
        case .noService: "No service for this need"
        case .tooFar: "Nothing the person could get to"
        case .full: "Services full or waiting lists too long"
        case .notEligible: "The person is not eligible for what exists"
        case .notAccessible: "Not accessible to the person (language, disability, times)"
        case .cost: "Too expensive for the person"
        case .other: "Another reason"
        }
    }
}

/// A link worker's record that nothing suitable existed for a need: the "eyes and ears" of commissioners.
public struct GapRecord: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var need: Need
    public var reason: GapReason
    /// What the person needed that was missing, in the link worker's words (optional).
    public var detail: String
    public var recordedBy: UserID
    public var recordedAt: Date
}

/// Input for adding something learned about the person.
public struct ProfileItemInput: Codable, Sendable {
    public var kind: String?
    /// A local value of the needs code list, or `system|code` (needs and interests).
    public var need: String?
    public var detail: String?
    public init(kind: String?, need: String?, detail: String?) {
        self.kind = kind
        self.need = need
        self.detail = detail
    }
}

/// Input for recording a gap.
public struct GapInput: Codable, Sendable {
    public var need: String?
    public var reason: String?
    public var detail: String?
    public init(need: String?, reason: String?, detail: String?) {
        self.need = need
        self.reason = reason
        self.detail = detail
    }
}

extension Case {
    /// The needs the person has now: those at intake, then those that emerged in support and still hold.
    public var currentNeeds: [Need] {
        var needs = referral.needs
        for item in profile where item.kind == .need && item.isCurrent {
            if let need = item.need, !needs.contains(need) { needs.append(need) }
        }
        return needs
    }

    /// The link worker records something learned about the person. `need` has been resolved from the code
    /// list already (`CaseworkService.learn`).
    public func addProfileItem(_ input: ProfileItemInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let kind = v.choice(input.kind, "kind", label: .whatYouLearned, as: ProfileKind.self)
        var need: Need?
        if let kind, kind.isCoded {
            need = v.choice(input.need, "need", label: kind == .need ? .theNeed : .theInterest, as: Need.self)
        }
        let detail = kind?.isCoded == false ? v.required(input.detail, "detail", label: .aDescription, max: 500)
                                            : v.optional(input.detail, "detail", label: .aDescription, max: 500)
        try v.check()
        if let need, profile.contains(where: { $0.kind == kind && $0.need == need && $0.isCurrent }) {
            throw .conflict(.profileItemRecorded, ["kind": kind!.rawValue])
        }
        if kind == .need, let need, referral.needs.contains(need) {
            throw .conflict(.needRecordedAtReferral)
        }
        var update = CaseUpdate(self, by: actor, env: env)
        try update.requireInSupport(.learnedNotInSupport)
        update.change.profile.append(ProfileItem(id: env.newID(), referralID: referral.id, kind: kind!, need: need, detail: detail,
                                                 addedBy: actor.userID, addedAt: update.now))
        return update.change
    }

    /// Ends something learned that no longer holds (a need met, an interest dropped). It stays on the record.
    public func endProfileItem(_ id: String, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var item = profile.first(where: { $0.id == id }) else { throw .notFound("profile item") }
        guard item.isCurrent else { throw .conflict(.alreadyEnded) }
        var update = CaseUpdate(self, by: actor, env: env)
        item.endedBy = actor.userID
        item.endedAt = update.now
        update.change.profile.append(item)
        return update.change
    }

    /// The link worker records that nothing suitable existed for a need.
    public func recordGap(_ input: GapInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let need = v.choice(input.need, "need", label: .theNeedNothingFitted, as: Need.self)
        let reason = v.choice(input.reason, "reason", label: .whyNothingFitted, as: GapReason.self)
        let detail = v.optional(input.detail, "detail", label: .whatWasMissing, max: 1000)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.requireInSupport(.gapNotInSupport)
        update.change.gaps.append(GapRecord(id: env.newID(), referralID: referral.id, need: need!, reason: reason!, detail: detail,
                                            recordedBy: actor.userID, recordedAt: update.now))
        return update.change
    }
}
