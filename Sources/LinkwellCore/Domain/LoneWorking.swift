import Foundation

/// A lone-working check-in for a home visit: the link worker says when they expect to be back, and
/// checks out afterwards. A visit not checked out by then alerts the supervisor.
public struct LoneWorkingVisit: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var linkWorkerID: UserID
    public var checkedInAt: Date
    public var expectedBackBy: Date
    public var checkedOutAt: Date?

    public func isOverdue(at now: Date) -> Bool { checkedOutAt == nil && now > expectedBackBy }
}

extension Case {
    /// The link worker checks in before a home visit, saying how long it should take (15 minutes to 8 hours).
    public func checkIn(expectedMinutes: Int?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard let minutes = expectedMinutes, (15...480).contains(minutes) else {
            throw .invalid([FieldError("expectedMinutes", .visitMinutesOutOfRange)])
        }
        guard !visits.contains(where: { $0.checkedOutAt == nil && $0.linkWorkerID == actor.userID }) else {
            throw .conflict(.alreadyCheckedIn)
        }
        var update = CaseUpdate(self, by: actor, env: env)
        try update.requireInSupport(.visitNotInSupport)
        update.change.visits.append(LoneWorkingVisit(id: env.newID(), referralID: referral.id, linkWorkerID: actor.userID,
                                                     checkedInAt: update.now, expectedBackBy: update.now.addingTimeInterval(Double(minutes) * 60)))
        return update.change
    }

    /// The link worker checks out safely after the visit.
    public func checkOut(by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var visit = visits.last(where: { $0.checkedOutAt == nil && $0.linkWorkerID == actor.userID }) else {
            throw .conflict(.notCheckedIn)
        }
        var update = CaseUpdate(self, by: actor, env: env)
        visit.checkedOutAt = update.now
        update.change.visits.append(visit)
        return update.change
    }
}
