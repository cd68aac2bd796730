import Foundation

/// When a case's outcome measure falls due: the rule behind the link worker's "measures due", written as a window
/// in time rather than a yes or no at one moment. Only a change to the case (its stage, or a measure taken) moves
/// the window; time passing only moves "now" through it. So a store keeps each case's window beside the case,
/// rewritten in the same transaction as each change, and answers "due now" without re-running the rule over every
/// open case (`CaseSummaryStore.measuresDue`).
///
/// The rule, for one instrument (the scheme's outcome measure, `instrumentID`):
/// - engaged, plan agreed or active with no baseline: the baseline is due from the last change to the case;
/// - with a baseline and no later measure near the 12-week point: the follow-up is due from two weeks before
///   12 weeks after the baseline;
/// - under review, or closed in the last four weeks, with a baseline and no closing measure: the closing measure
///   is due now (a case closed from any stage of support, not only review); under review with a closing measure
///   already taken, the follow-up rule above still applies;
/// - otherwise nothing is due. Each is overdue two weeks after it fell due.
public struct MeasureDue: Sendable, Equatable {
    /// The instrument the due list follows: ONS4, the personal wellbeing measure the NHS social prescribing
    /// outcomes framework asks of every person supported.
    public static let instrumentID = "ons4"
    /// Scheduled follow-up after the baseline.
    public static let followUpAfter: TimeInterval = 12 * 7 * 86_400
    /// A due measure is overdue this long after it fell due.
    public static let overdueAfter: TimeInterval = 14 * 86_400
    /// How long after closing a missing closing measure stays on the due list.
    public static let closingMeasureWindow: TimeInterval = 28 * 86_400

    public var timepoint: Timepoint
    /// When it falls due: the list's order.
    public var dueAt: Date
    /// Due from this moment (nil: from the change that made it due).
    public var shownFrom: Date?
    /// Due until this moment, inclusive (nil: until the case changes).
    public var shownUntil: Date?
    /// Overdue once this moment has passed.
    public var overdueAfter: Date

    public init(timepoint: Timepoint, dueAt: Date, shownFrom: Date?, shownUntil: Date?, overdueAfter: Date) {
        (self.timepoint, self.dueAt, self.shownFrom, self.shownUntil, self.overdueAfter) = (timepoint, dueAt, shownFrom, shownUntil, overdueAfter)
    }

    public func isDue(at now: Date) -> Bool {
        (shownFrom.map { now >= $0 } ?? true) && (shownUntil.map { now <= $0 } ?? true)
    }

    public func isOverdue(at now: Date) -> Bool { now > overdueAfter }

    /// The case's window for the instrument, given its stage, when it last changed and the measures of the
    /// instrument taken so far (oldest first); nil when none is or will be due without a further change.
    public static func window(status: ReferralStatus, updatedAt: Date, taken: [MeasureTaken]) -> MeasureDue? {
        let mine = taken.filter { $0.instrumentID == instrumentID }
        let baseline = mine.first { $0.timepoint == .baseline }
        let hasClosing = mine.contains { $0.timepoint == .closing }
        switch status {
        case .engaged, .planAgreed, .active, .review, .closed: break
        default: return nil
        }
        guard let baseline else {
            // A closed case is due only its closing measure, and only when there is a baseline to compare.
            if status == .closed { return nil }
            return MeasureDue(timepoint: .baseline, dueAt: updatedAt, shownFrom: nil, shownUntil: nil,
                              overdueAfter: updatedAt.addingTimeInterval(overdueAfter))
        }
        if status == .closed && hasClosing { return nil }
        if (status == .review || status == .closed) && !hasClosing {
            // Under review, so closing soon, or closed already: the closing measure is due now.
            return MeasureDue(timepoint: .closing, dueAt: max(updatedAt, baseline.administeredAt), shownFrom: nil,
                              shownUntil: status == .closed ? updatedAt.addingTimeInterval(closingMeasureWindow) : nil,
                              overdueAfter: updatedAt.addingTimeInterval(overdueAfter))
        }
        let followUpDue = baseline.administeredAt.addingTimeInterval(followUpAfter)
        if mine.contains(where: { $0.timepoint != .baseline && $0.administeredAt >= followUpDue.addingTimeInterval(-overdueAfter) }) {
            return nil
        }
        return MeasureDue(timepoint: .followUp, dueAt: followUpDue, shownFrom: followUpDue.addingTimeInterval(-overdueAfter),
                          shownUntil: nil, overdueAfter: followUpDue.addingTimeInterval(overdueAfter))
    }
}

/// A case's due measure as a store keeps it (`MeasureDue.window`).
public struct CaseMeasureDue: Sendable, Equatable {
    public var referralID: ReferralID
    public var due: MeasureDue
    public init(referralID: ReferralID, due: MeasureDue) { (self.referralID, self.due) = (referralID, due) }
}

/// The measures due on a caseload at one moment: every one counted, one page of them read.
public struct MeasuresDuePage: Sendable, Equatable {
    /// Soonest first (`dueAt`, then referral id); empty when only the counts were asked for.
    public var rows: [CaseMeasureDue]
    public var total: Int
    public var overdue: Int
    public init(rows: [CaseMeasureDue], total: Int, overdue: Int) { (self.rows, self.total, self.overdue) = (rows, total, overdue) }
}
