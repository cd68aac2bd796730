import Foundation

/// What a cohort can be split by.
public enum CohortDimension: String, Codable, Sendable, CaseIterable {
    case all
    case pathway
    case practice
    case need
    case linkWorker = "link_worker"
    /// The calendar quarter of the baseline.
    case period
    /// The funders whose contracts cover the referral (a referral of a pooled contract counts for each funder).
    case funder
    /// The contracts that cover the referral.
    case contract
}

/// One person's baseline and (if taken) follow-up for one score, with the groups they belong to.
public struct CohortSubject: Sendable, Equatable {
    public var referralID: ReferralID
    public var groups: [String]
    public var baseline: Double
    public var followUp: Double?
    /// Whether a follow-up should have been taken by now (the case ended, or the follow-up is overdue).
    /// People without a follow-up who are not yet due are "awaiting", not "lost".
    public var followUpDue: Bool
    public init(referralID: ReferralID, groups: [String], baseline: Double, followUp: Double?, followUpDue: Bool = true) {
        self.referralID = referralID
        self.groups = groups
        self.baseline = baseline
        self.followUp = followUp
        self.followUpDue = followUpDue
    }
}

/// The result for one group of a cohort report. Every figure is nil when the group is suppressed.
public struct CohortRow: Codable, Sendable, Equatable {
    public var group: String
    /// People with a baseline.
    public var withBaseline: Int
    /// People with both a baseline and a follow-up.
    public var paired: Int
    /// People with a baseline whose follow-up was due and never taken (stated beside every result).
    public var lostToFollowUp: Int
    /// People with a baseline whose follow-up is not due yet.
    public var awaitingFollowUp: Int
    /// True when fewer than the minimum number of people have paired data; no results are shown.
    public var suppressed: Bool
    public var result: Statistics.PairedResult?
    public var shareImproved: Double?
    public var shareNoMeaningfulChange: Double?
    public var shareWorsened: Double?
}

public enum CohortAnalysis {
    /// Paired analysis per group, plus an "All" row first. Groups with fewer than `minimumN` pairs are suppressed.
    public static func analyse(_ subjects: [CohortSubject], instrument: Instrument, scoreID: String, minimumN: Int) -> [CohortRow] {
        var groups: [String: [CohortSubject]] = ["All": subjects]
        for subject in subjects {
            for group in Set(subject.groups) where group != "All" { groups[group, default: []].append(subject) }
        }
        let names = ["All"] + groups.keys.filter { $0 != "All" }.sorted()
        return names.map { row(name: $0, groups[$0]!, instrument: instrument, scoreID: scoreID, minimumN: minimumN) }
    }

    static func row(name: String, _ subjects: [CohortSubject], instrument: Instrument, scoreID: String, minimumN: Int) -> CohortRow {
        let pairs = subjects.compactMap { s in s.followUp.map { (s.baseline, $0) } }
        let suppressed = pairs.count < max(minimumN, 2)
        let unpaired = subjects.filter { $0.followUp == nil }
        var row = CohortRow(group: name, withBaseline: subjects.count, paired: pairs.count,
                            lostToFollowUp: unpaired.filter(\.followUpDue).count,
                            awaitingFollowUp: unpaired.filter { !$0.followUpDue }.count, suppressed: suppressed)
        guard !suppressed else { return row }
        row.result = Statistics.paired(baseline: pairs.map(\.0), followUp: pairs.map(\.1))
        let verdicts = pairs.compactMap { instrument.verdict(score: scoreID, from: $0.0, to: $0.1) }
        if !verdicts.isEmpty {
            let n = Double(verdicts.count)
            row.shareImproved = Double(verdicts.filter { $0 == .improved }.count) / n
            row.shareNoMeaningfulChange = Double(verdicts.filter { $0 == .noMeaningfulChange }.count) / n
            row.shareWorsened = Double(verdicts.filter { $0 == .worsened }.count) / n
        }
        return row
    }

    /// "2026 Q3" for a date.
    public static func quarter(_ date: Date) -> String {
        let day = CalendarDate(date)
        return "\(day.year) Q\((day.month - 1) / 3 + 1)"
    }
}
