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

/// A cohort group that is not the data's own name (a practice's, a link worker's, a contract's…), as a code with
/// its values, so that a page can word it in its own language; `english` is Core's English name of the group, which
/// the API and the report's `group` give (and, being numbered or padded, sort by).
public struct CohortGroup: Sendable, Hashable, Codable {
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// Everyone in the report (the first row).
        case all
        case noPathway = "no_pathway"
        case selfReferralOrUnknown = "self_referral_or_unknown"
        case unallocated
        case noContract = "no_contract"
        case noFunder = "no_funder"
        /// A need: `need` is its code (`Need`).
        case need
        /// A calendar quarter: `year`, `quarter`.
        case quarter
        /// A deprivation decile: `decile`, two digits; the first and last named as most and least deprived.
        case decile
        case decileMost = "decile_most"
        case decileLeast = "decile_least"
        case decileUnknown = "decile_unknown"
        /// A score's published band: `number` (its place), `band` (the instrument's own name for it), `min`, `max`.
        case band
        /// A third of the score's range, for a score without published bands: `number`, `min`, `max`.
        case lowestThird = "lowest_third"
        case middleThird = "middle_third"
        case highestThird = "highest_third"
        /// A baseline score, for a score without a range: `value`.
        case baseline

        /// The English name, with `{value}` placeholders.
        public var english: String {
            switch self {
            case .all: "All"
            case .noPathway: "No pathway"
            case .selfReferralOrUnknown: "Self-referral or unknown"
            case .unallocated: "Unallocated"
            case .noContract: "No contract"
            case .noFunder: "No funder"
            case .need: "{need}"
            case .quarter: "{year} Q{quarter}"
            case .decile: "Decile {decile}"
            case .decileMost: "Decile {decile} (most deprived)"
            case .decileLeast: "Decile {decile} (least deprived)"
            case .decileUnknown: "Postcode not in the deprivation lookup"
            case .band: "{number}. {band} ({min}–{max})"
            case .lowestThird: "{number}. Lowest third of the range ({min}–{max})"
            case .middleThird: "{number}. Middle third of the range ({min}–{max})"
            case .highestThird: "{number}. Highest third of the range ({min}–{max})"
            case .baseline: "Baseline {value}"
            }
        }
    }

    public var code: Code
    public var values: [String: String]

    public init(_ code: Code, _ values: [String: String] = [:]) {
        self.code = code
        self.values = values
    }

    /// The group's English name (a need by its English label).
    public var english: String {
        var values = values
        if code == .need, let need = values["need"].flatMap(Need.init(rawValue:)) { values["need"] = need.label }
        return CohortGroup.fill(code.english, values)
    }

    /// `template` with each `{name}` replaced by its value.
    public static func fill(_ template: String, _ values: [String: String]) -> String { Placeholders.fill(template, values) }
}

/// What a reader of a cohort report must keep in mind, as codes (`CohortReport.caveatCodes`); `english` gives Core's words.
public enum CohortCaveat: String, Codable, Sendable, CaseIterable {
    case regressionToTheMean = "regression_to_the_mean"
    case noControlGroup = "no_control_group"
    /// More than two groups shown: `{groups}` is how many (`CohortReport.groupsCompared`).
    case multiplicity

    /// The English, with a `{groups}` placeholder.
    public var english: String {
        switch self {
        case .regressionToTheMean:
            "Regression to the mean: people are often referred when they feel at their worst, so some improvement is expected whatever the support."
        case .noControlGroup:
            "No control group: these are before-and-after changes for the people supported, not the effect of social prescribing compared with no support."
        case .multiplicity:
            "Multiplicity: {groups} groups are compared; at the 5% level about one in twenty differences will look significant by chance, so treat any single group's p-value with caution."
        }
    }

    public func english(groupsCompared: Int) -> String { CohortGroup.fill(english, ["groups": String(groupsCompared)]) }
}

extension CohortAnalysis {
    /// The group of a deprivation decile, named so that groups sort from most to least deprived.
    public static func decileGroup(_ decile: Int?) -> String { decileCode(decile).english }

    /// The group of a deprivation decile, as a code.
    public static func decileCode(_ decile: Int?) -> CohortGroup {
        guard let decile, (1...10).contains(decile) else { return CohortGroup(.decileUnknown) }
        let padded = decile < 10 ? "0\(decile)" : "10"
        return CohortGroup(decile == 1 ? .decileMost : decile == 10 ? .decileLeast : .decile, ["decile": padded])
    }

    /// The group of a baseline score: its band from the score's published bands, numbered in their order
    /// (ONS4: low 0–4, medium 5–6, high 7–8, very high 9–10; anxiety the other way), or, for a score with
    /// no published bands, which third of the score's range it falls in (not a published cut-off).
    public static func baselineGroup(_ value: Double, rule: Instrument.Score, range: ClosedRange<Double>?) -> String {
        baselineCode(value, rule: rule, range: range).english
    }

    /// The group of a baseline score, as a code.
    public static func baselineCode(_ value: Double, rule: Instrument.Score, range: ClosedRange<Double>?) -> CohortGroup {
        func n(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
        if let index = rule.bands.firstIndex(where: { value >= $0.min && value <= $0.max }) {
            let band = rule.bands[index]
            return CohortGroup(.band, ["number": String(index + 1), "band": band.label, "min": n(band.min), "max": n(band.max)])
        }
        guard let range, range.upperBound > range.lowerBound else { return CohortGroup(.baseline, ["value": n(value)]) }
        let third = (range.upperBound - range.lowerBound) / 3
        let index = min(2, Int((value - range.lowerBound) / third))
        let codes: [CohortGroup.Code] = [.lowestThird, .middleThird, .highestThird]
        let lo = range.lowerBound + Double(index) * third
        return CohortGroup(codes[index], ["number": String(index + 1), "min": n(lo), "max": n(index == 2 ? range.upperBound : lo + third)])
    }

    /// The calendar quarter of a date, as a code.
    public static func quarterCode(_ date: Date) -> CohortGroup {
        let day = CalendarDate(date)
        return CohortGroup(.quarter, ["year": String(day.year), "quarter": String((day.month - 1) / 3 + 1)])
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
    /// The group's name: the data's own (a practice, a link worker, a contract…) or, for a coded group, its English.
    public var group: String
    /// What a coded group is (`CohortGroup`), for wording it; absent when `group` is the data's own name.
    public var groupCode: CohortGroup?
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
    public static func quarter(_ date: Date) -> String { quarterCode(date).english }
}
