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
    /// The deprivation decile of the person's postcode (the scheme's lookup; 1 = most deprived 10%).
    case deprivationDecile = "deprivation_decile"
    /// Where the person's baseline score fell: the score's published bands (ONS4), or thirds of its range.
    /// People who start lowest are expected to gain most; this shows whether they do.
    case baselineBand = "baseline_band"

    /// How the cohort page names the grouping.
    public var label: String {
        switch self {
        case .all: "All"
        case .pathway: "Pathway"
        case .practice: "Practice"
        case .need: "Need"
        case .linkWorker: "Link worker"
        case .period: "Period"
        case .funder: "Funder"
        case .contract: "Contract"
        case .deprivationDecile: "Deprivation decile"
        case .baselineBand: "Wellbeing at baseline"
        }
    }
}

extension CohortAnalysis {
    /// The group of a deprivation decile, named so that groups sort from most to least deprived.
    public static func decileGroup(_ decile: Int?) -> String {
        guard let decile, (1...10).contains(decile) else { return "Postcode not in the deprivation lookup" }
        let padded = decile < 10 ? "0\(decile)" : "10"
        return "Decile \(padded)" + (decile == 1 ? " (most deprived)" : decile == 10 ? " (least deprived)" : "")
    }

    /// The group of a baseline score: its band from the score's published bands, numbered in their order
    /// (ONS4: low 0–4, medium 5–6, high 7–8, very high 9–10; anxiety the other way), or, for a score with
    /// no published bands, which third of the score's range it falls in (not a published cut-off).
    public static func baselineGroup(_ value: Double, rule: Instrument.Score, range: ClosedRange<Double>?) -> String {
        func n(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
        if let index = rule.bands.firstIndex(where: { value >= $0.min && value <= $0.max }) {
            let band = rule.bands[index]
            return "\(index + 1). \(band.label) (\(n(band.min))–\(n(band.max)))"
        }
        guard let range, range.upperBound > range.lowerBound else { return "Baseline \(n(value))" }
        let third = (range.upperBound - range.lowerBound) / 3
        let index = min(2, Int((value - range.lowerBound) / third))
        let names = ["Lowest third", "Middle third", "Highest third"]
        let lo = range.lowerBound + Double(index) * third
        return "\(index + 1). \(names[index]) of the range (\(n(lo))–\(n(index == 2 ? range.upperBound : lo + third)))"
    }
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
    /// What fixes each answer's adjustment (`DisclosureControl.adjustedAnswer`): the administration's id.
    public var baselineKey: String
    public var followUpKey: String
    public init(referralID: ReferralID, groups: [String], baseline: Double, followUp: Double?, followUpDue: Bool = true,
                baselineKey: String? = nil, followUpKey: String? = nil) {
        self.referralID = referralID
        self.groups = groups
        self.baseline = baseline
        self.followUp = followUp
        self.followUpDue = followUpDue
        self.baselineKey = baselineKey ?? "\(referralID.rawValue)|baseline"
        self.followUpKey = followUpKey ?? "\(referralID.rawValue)|follow-up"
    }
}

/// The result for one group of a cohort report, as published: every count through `DisclosureControl`
/// (nil, `[c]`, below the minimum group size), and no result at all when the paired count is not shown.
public struct CohortRow: Codable, Sendable, Equatable {
    public var group: String
    /// People with a baseline.
    public var withBaseline: Int?
    /// People with both a baseline and a follow-up.
    public var paired: Int?
    /// People with a baseline whose follow-up was due and never taken (stated beside every result).
    public var lostToFollowUp: Int?
    /// People with a baseline whose follow-up is not due yet.
    public var awaitingFollowUp: Int?
    /// True when fewer than the minimum group size have paired data; no results are shown.
    public var suppressed: Bool
    /// Paired statistics from adjusted answers (see `DisclosureControl.adjustedAnswer`); `n` is the smallest
    /// count the published paired count can stand for, which t, p and the intervals are worked out from.
    public var result: Statistics.PairedResult?
    /// Shares of the paired improved / unchanged / worse: a protected count over the published paired count
    /// (nil where the count is below the minimum group size).
    public var shareImproved: Double?
    public var shareNoMeaningfulChange: Double?
    public var shareWorsened: Double?
    /// Wilson 95% intervals of the three shares (Wilson 1927), to whole per cent: [low, high].
    public var improvedInterval: [Double]?
    public var noMeaningfulChangeInterval: [Double]?
    public var worsenedInterval: [Double]?
}

public enum CohortAnalysis {
    /// Paired analysis per group, plus an "All" row first. Groups whose paired count is below the control's
    /// minimum group size are suppressed; published results are rounded (`Statistics.PairedResult.published`).
    public static func analyse(_ subjects: [CohortSubject], instrument: Instrument, scoreID: String, control: DisclosureControl) -> [CohortRow] {
        var groups: [String: [CohortSubject]] = ["All": subjects]
        for subject in subjects {
            for group in Set(subject.groups) where group != "All" { groups[group, default: []].append(subject) }
        }
        let names = ["All"] + groups.keys.filter { $0 != "All" }.sorted()
        return names.map { row(name: $0, groups[$0]!, instrument: instrument, scoreID: scoreID, control: control) }
    }

    static func row(name: String, _ subjects: [CohortSubject], instrument: Instrument, scoreID: String, control: DisclosureControl) -> CohortRow {
        let paired = subjects.filter { $0.followUp != nil }
        let pairs = paired.map { ($0.baseline, $0.followUp!) }
        let unpaired = subjects.filter { $0.followUp == nil }
        func cell(_ list: [CohortSubject]) -> CellCount { .records(list.map(\.referralID.rawValue)) }
        let shownPaired = control.publish(cell(paired))
        let suppressed = shownPaired == nil || pairs.count < 2
        var row = CohortRow(group: name, withBaseline: control.publish(cell(subjects)), paired: shownPaired,
                            lostToFollowUp: control.publish(cell(unpaired.filter(\.followUpDue))),
                            awaitingFollowUp: control.publish(cell(unpaired.filter { !$0.followUpDue })), suppressed: suppressed)
        guard !suppressed, let shown = shownPaired, let range = instrument.range(of: scoreID) else {
            row.suppressed = true
            return row
        }
        // Statistics from adjusted answers only, worked out as if from the smallest count the published paired
        // count can stand for: differencing any two published figures recovers at most an adjusted answer, and
        // no statistic gives away the true count (docs/disclosure.md, rule 11).
        let adjusted = paired.map { s in
            (control.adjustedAnswer(s.baseline, key: "\(s.baselineKey)|\(scoreID)", range: range),
             control.adjustedAnswer(s.followUp!, key: "\(s.followUpKey)|\(scoreID)", range: range))
        }
        row.result = Statistics.paired(baseline: adjusted.map(\.0), followUp: adjusted.map(\.1),
                                       asIfFrom: control.smallestCount(behind: shown))?.published
        let verdicts = pairs.compactMap { instrument.verdict(score: scoreID, from: $0.0, to: $0.1) }
        if verdicts.count == pairs.count {
            // Each share is a published (protected) count over the published paired count, to whole per cent;
            // a share whose count is below the minimum group size is not shown.
            func count(_ v: Instrument.Change) -> Int? {
                control.publish(.records(zip(paired, verdicts).filter { $0.1 == v }.map(\.0.referralID.rawValue))).map { min($0, shown) }
            }
            func share(_ k: Int?) -> Double? { k.map { (Double($0) / Double(shown) * 100).rounded() / 100 } }
            func interval(_ k: Int?) -> [Double]? {
                k.flatMap { Statistics.wilson($0, of: shown) }.map { [($0.low * 100).rounded() / 100, ($0.high * 100).rounded() / 100] }
            }
            let improved = count(.improved), unchanged = count(.noMeaningfulChange), worsened = count(.worsened)
            row.shareImproved = share(improved)
            row.shareNoMeaningfulChange = share(unchanged)
            row.shareWorsened = share(worsened)
            row.improvedInterval = interval(improved)
            row.noMeaningfulChangeInterval = interval(unchanged)
            row.worsenedInterval = interval(worsened)
        }
        return row
    }

    /// "2026 Q3" for a date.
    public static func quarter(_ date: Date) -> String {
        let day = CalendarDate(date)
        return "\(day.year) Q\((day.month - 1) / 3 + 1)"
    }
}
