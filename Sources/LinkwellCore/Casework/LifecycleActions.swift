import Foundation

/// The lifecycle steps a link worker or supervisor takes around the main path: triage, redirection,
/// review and reopening. Each is pure, like the actions in `CaseActions.swift`.
extension Case {
    /// Triage: the referral has been looked at and is waiting for a link worker, with what was found.
    public func triage(note: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let text = v.required(note, "note", label: .aTriageNote, max: 2000)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .triaged, note: text)
        return update.change
    }

    /// The referral belongs with another service (e.g. a mental-health team or debt advice). The
    /// referrer always hears where it went and why, through the usual message back, with an optional
    /// message of the link worker's own.
    public func redirect(destination: String?, reason: String?, message: String?, by actor: Principal,
                         env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let whereTo = v.required(destination, "destination", label: .whereTheReferralIsRedirectedTo, max: 200)
        let why = v.required(reason, "reason", label: .aReasonForRedirecting, max: 1000)
        let extra = v.optional(message, "message", label: .messageToTheReferrer, max: 2000)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .redirected, note: "To \(whereTo). Reason: \(why)")
        update.change.referral.outcomeNote = "Redirected to \(whereTo). Reason: \(why)"
        update.messageBack(.redirected, "The social prescribing service has redirected the referral to \(whereTo). Reason: \(why)"
                                        + (extra.isEmpty ? "" : " \(extra)"))
        return update.change
    }

    /// The link worker and the person review how things are going before closing (or carrying on).
    public func startReview(note: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let text = v.optional(note, "note", label: .note, max: 2000)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .review, note: text)
        return update.change
    }

    /// When the case last closed, or nil when it is not closed.
    public var closedAt: Date? {
        guard referral.status == .closed else { return nil }
        return events.last { $0.to == .closed }?.at ?? referral.updatedAt
    }

    /// Reopens a closed case (the person came back) within the scheme's window, with a reason; it goes
    /// back under review (`ReferralStatus.reopensTo`). The closing reason stays on the history.
    public func reopen(reason: String?, windowDays: Int, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let why = v.required(reason, "reason", label: .aReasonForReopening, max: 2000)
        try v.check()
        guard let target = referral.status.reopensTo, let closedAt else {
            throw .conflict(.reopenNotClosed, ["status": referral.status.rawValue])
        }
        let deadline = closedAt.addingTimeInterval(TimeInterval(windowDays) * 86_400)
        guard windowDays > 0, env.now() <= deadline else {
            throw windowDays > 0 ? .conflict(.reopenWindowPassed, ["days": String(windowDays)]) : .conflict(.reopenNotOffered)
        }
        var update = CaseUpdate(self, by: actor, env: env)
        update.change.events.append(ReferralEvent(id: env.id(), referralID: referral.id, from: .closed, to: target,
                                                  actorID: actor.userID, at: update.now, note: "Reopened: \(why)"))
        update.change.referral.status = target
        update.change.referral.closingReason = nil
        update.change.referral.closingFeedback = nil
        return update.change
    }
}
