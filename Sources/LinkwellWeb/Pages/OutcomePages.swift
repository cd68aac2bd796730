import Foundation
import LinkwellCore

/// The outcomes part of a case page: what can be recorded, and each score's trajectory with a chart.
public struct CaseOutcomesPanel: Sendable {
    public struct InstrumentChoice: Sendable { public var id, name, reason: String; public var enabled: Bool }
    public struct ScoreRow: Sendable {
        public var label, latest, change, verdict, chart, threshold: String
        /// "Latest: <strong>18</strong>", with the change from baseline and its verdict when there is one (HTML, values escaped).
        public var latestLine = ""
        /// The raw totals beside a converted score (SWEMWBS), and the population norm or "no published norm cited".
        public var raw, norm: String
        public var hasChange: Bool
        public var points: [String]
    }
    public var instruments: [InstrumentChoice]
    public var scores: [ScoreRow]
    public var hasScores: Bool

    public init(instruments: [AvailableInstrument], trajectories: [ScoreTrajectory], _ c: Catalogue = .english) {
        self.instruments = instruments.map {
            $0.instrument.derivedFrom == nil
                ? InstrumentChoice(id: $0.instrument.id, name: $0.instrument.name, reason: $0.unavailableProblem.map(c.message) ?? "", enabled: $0.enabled)
                : InstrumentChoice(id: $0.instrument.id, name: $0.instrument.name, reason: c.text("outcomesPanel.fromGoalRatings"), enabled: false)
        }
        let byID = Dictionary(instruments.map { ($0.instrument.id, $0.instrument) }, uniquingKeysWith: { a, _ in a })
        // Raw totals are shown beside the converted score of the same instrument, not as a chart of their own.
        let shown = trajectories.filter { !$0.points.isEmpty }
        let raws = Dictionary(shown.filter { $0.scoreID == Self.rawTotal }.map { ($0.instrumentID, $0) }, uniquingKeysWith: { a, _ in a })
        scores = shown.filter { $0.scoreID != Self.rawTotal }.map { t in
            let instrument = byID[t.instrumentID]
            let rule = instrument?.scores.first { $0.id == t.scoreID }
            let range = instrument?.range(of: t.scoreID) ?? 0...10
            func signed(_ x: Double) -> String { (x >= 0 ? "+" : "") + SVGChart.display(x) }
            let raw = raws[t.instrumentID].map { r in
                let points = r.points.map { c.text("outcomesPanel.rawPoint", ["timepoint": c.label($0.timepoint), "value": SVGChart.display($0.value)]) }
                    .joined(separator: "; ")
                return r.change.map { c.text("outcomesPanel.rawTotalWithChange", ["score": r.label, "points": points, "change": signed($0)]) }
                    ?? c.text("outcomesPanel.rawTotal", ["score": r.label, "points": points])
            }
            let norm = rule.map { r in
                r.populationMean.map { mean in
                    r.populationSource.map { c.text("outcomesPanel.populationMeanFrom", ["source": $0, "mean": SVGChart.display(mean)]) }
                        ?? c.text("outcomesPanel.populationMean", ["mean": SVGChart.display(mean)])
                } ?? (r.populationSource.map { c.text("outcomesPanel.populationSource", ["source": $0]) } ?? "")
            } ?? ""
            let points = t.points.map { (label: c.label($0.timepoint), value: $0.value) }
            let latest = t.points.last.map { p in
                p.band.map { c.text("outcomesPanel.scoreWithBand", ["score": SVGChart.display(p.value), "band": $0]) } ?? SVGChart.display(p.value)
            } ?? ""
            let verdict = t.verdict.map {
                c.text($0 == .improved ? "outcomesPanel.improved" : $0 == .worsened ? "outcomesPanel.worsened" : "outcomesPanel.noMeaningfulChange")
            } ?? ""
            let change = t.change.map(signed) ?? ""
            var row = ScoreRow(
                label: t.label, latest: latest, change: change, verdict: verdict,
                chart: SVGChart.line(title: c.text("outcomesPanel.chartTitle", ["score": t.label]), points: points, low: range.lowerBound, high: range.upperBound),
                threshold: t.meaningfulChange.map { c.text("outcomesPanel.meaningfulChange", ["points": SVGChart.display($0)]) } ?? "",
                raw: raw ?? "", norm: norm,
                hasChange: t.change != nil,
                points: t.points.map { c.text("outcomesPanel.point", ["timepoint": c.label($0.timepoint), "value": SVGChart.display($0.value)]) })
            row.latestLine = t.change == nil ? c.text("outcomesPanel.latest", ["score": HTMLText.escape(latest)])
                : c.text("outcomesPanel.latestWithChange", ["score": HTMLText.escape(latest), "change": HTMLText.escape(change), "verdict": HTMLText.escape(verdict)])
            return row
        }
        hasScores = !scores.isEmpty
    }

    /// The score id of a raw total shown beside its instrument's converted score.
    static let rawTotal = "raw_total"
}

/// A questionnaire, one fieldset per item.
public struct QuestionnairePage: Sendable {
    public struct Option: Sendable { public var value: String; public var label: String; public var checked: Bool }
    public struct Question: Sendable { public var id, text: String; public var options: [Option] }
    public var referralID, instrumentID, name, instructions, copyright, personName: String
    public var questions: [Question]
    public var timepoints: [Choice]

    /// `t` words the timepoints (the staff code labels); the instrument's own wording is shown as published.
    public init(referralID: ReferralID, personName: String, instrument: Instrument, answers: [String: String] = [:], timepoint: String? = nil,
                hasBaseline: Bool, _ t: Catalogue = .english) {
        self.referralID = referralID.rawValue
        self.personName = personName
        instrumentID = instrument.id
        name = instrument.name
        instructions = instrument.instructions
        copyright = instrument.licence.copyright
        questions = instrument.items.map { item in
            Question(id: item.id, text: item.text ?? item.id, options: (item.min...item.max).map { value in
                let label = instrument.responseLabels[String(value)].map { "\(value) – \($0)" } ?? String(value)
                return Option(value: String(value), label: label, checked: answers[item.id] == String(value))
            })
        }
        let chosen = timepoint ?? (hasBaseline ? Timepoint.followUp.rawValue : Timepoint.baseline.rawValue)
        timepoints = Timepoint.allCases.map { Choice($0.rawValue, t.label($0), selected: $0.rawValue == chosen) }
    }
}

/// The cohort report: a query form, a chart of mean change with confidence intervals, and the table.
public struct CohortPage: Sendable {
    public struct Row: Sendable {
        public var group, withBaseline, paired, lost, awaiting, baseline, followUp, change, ci, p, dz, improved, same, worse: String
        public var suppressed: Bool
    }
    public var instruments: [Choice]
    public var scores: [Choice]
    public var dimensions: [Choice]
    public var minimumN: String
    public var followUps: [Choice]
    /// Who is counted and what is compared, in words.
    public var included: String
    /// The meaningful-change threshold and its source, the caveats, and incomplete forms counted apart.
    public var threshold: String
    public var caveats: [String]
    public var incomplete: String
    public var hasReport: Bool
    public var title: String
    public var rows: [Row]
    public var chart: String
    /// "UK average …: 7.45", when a population norm is known for the score.
    public var norm: String
    public var hasNorm: Bool
    /// How far each answer behind the statistics is moved, as a share of the score's range ("15%").
    public var adjustment: String
    /// Supervisors may download the pseudonymised person-level export.
    public var canExport = false

    public init(instruments: [AvailableInstrument], query: (instrument: String, score: String?, by: CohortDimension, minimumN: Int),
                followUp: OutcomeService.FollowUpPoint = .latest, report: OutcomeService.CohortReport?, _ t: Catalogue = .english) {
        followUps = OutcomeService.FollowUpPoint.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == followUp) }
        included = report.map { t.cohortIncluded($0) } ?? ""
        threshold = report.map { r in
            r.meaningfulChange.map { t.text("outcomesCohorts.threshold", ["points": SVGChart.display($0), "source": t.meaningfulChangeSource(r)]) }
            ?? t.meaningfulChangeSource(r)
        } ?? ""
        caveats = report.map { r in r.caveatCodes.map { t.cohortCaveat($0, groupsCompared: r.groupsCompared) } } ?? []
        incomplete = report.map {
            t.text("outcomesCohorts.incomplete", ["baselines": $0.incompleteBaselines.map(String.init) ?? "[c]", "followUps": $0.incompleteFollowUps.map(String.init) ?? "[c]"])
        } ?? ""
        self.instruments = instruments.map { Choice($0.instrument.id, $0.instrument.name, selected: $0.instrument.id == query.instrument) }
        let instrument = instruments.first { $0.instrument.id == query.instrument }?.instrument ?? instruments.first?.instrument
        scores = (instrument?.scores ?? []).map { Choice($0.id, $0.label, selected: $0.id == (report?.scoreID ?? query.score)) }
        dimensions = CohortDimension.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == query.by) }
        minimumN = String(report?.minimumN ?? query.minimumN)
        hasReport = report != nil
        title = report.map { t.text("outcomesCohorts.title", ["score": $0.scoreLabel, "followUp": t.label($0.followUp)]) } ?? ""
        func f(_ x: Double?, _ digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "—" }
        func pct(_ x: Double?, _ ci: [Double]? = nil) -> String {
            guard let x else { return "—" }
            return String(format: "%.0f%%", x * 100) + (ci.map { String(format: " (%.0f–%.0f%%)", $0[0] * 100, $0[1] * 100) } ?? "")
        }
        rows = (report?.rows ?? []).map { r in
            let s = r.result
            let count: (Int?) -> String = { $0.map(String.init) ?? "[c]" }
            return Row(group: t.cohortGroup(r), withBaseline: count(r.withBaseline), paired: count(r.paired), lost: count(r.lostToFollowUp),
                       awaiting: count(r.awaitingFollowUp),
                       baseline: f(s?.meanBaseline, 1), followUp: f(s?.meanFollowUp, 1), change: f(s?.meanChange, 1),
                       ci: s.map { t.text("outcomesCohorts.interval", ["low": f($0.changeLow, 1), "high": f($0.changeHigh, 1)]) } ?? "—",
                       p: s.map { $0.p < 0.001 ? "<0.001" : f($0.p, 3) } ?? "—",
                       dz: s.map { t.text("outcomesCohorts.effectSize", ["dz": f($0.cohenDz), "low": f($0.dzLow), "high": f($0.dzHigh)]) } ?? "—",
                       improved: pct(r.shareImproved, r.improvedInterval), same: pct(r.shareNoMeaningfulChange, r.noMeaningfulChangeInterval),
                       worse: pct(r.shareWorsened, r.worsenedInterval),
                       suppressed: r.suppressed)
        }
        let bars = (report?.rows ?? []).compactMap { r in r.result.map { (label: t.cohortGroup(r), mean: $0.meanChange, low: $0.changeLow, high: $0.changeHigh) } }
        chart = bars.isEmpty ? "" : SVGChart.changeBars(title: title, rows: bars)
        norm = report.map { r in
            r.populationMean.map { t.text("outcomesCohorts.normMean", ["source": r.populationSource ?? t.text("outcomesCohorts.populationAverage"),
                                                                      "mean": SVGChart.display($0)]) }
                ?? (r.populationSource.map { t.text("outcomesCohorts.norm", ["source": $0.prefix(1).lowercased() + $0.dropFirst()]) } ?? "")
        } ?? ""
        hasNorm = !norm.isEmpty
        adjustment = String(format: "%.0f%%", (report?.disclosure.answerAdjustmentShare ?? DisclosureControl.answerAdjustmentShare) * 100)
    }
}

/// The administrator's instruments page.
public struct InstrumentsAdminPage: Sendable {
    public struct Row: Sendable {
        public var id, name, terms, copyright, reason: String
        public var enabled, needsLicence: Bool
        public var items: [String]
    }
    public var rows: [Row]
    public var definition: String

    public init(_ instruments: [AvailableInstrument], definition: String = "", _ c: Catalogue = .english) {
        rows = instruments.map {
            Row(id: $0.instrument.id, name: $0.instrument.name, terms: $0.instrument.licence.terms, copyright: $0.instrument.licence.copyright,
                reason: $0.unavailableProblem.map(c.message) ?? "", enabled: $0.enabled, needsLicence: $0.instrument.licence.wordingRequiresLicence,
                items: $0.instrument.items.map(\.id))
        }
        self.definition = definition
    }
}

/// The link a link worker gives the person, shown once.
public struct InvitationPage: Sendable {
    public var referralID, link, expires: String
}

/// The questionnaire the person fills in through a link: no personal details on it.
public struct SelfMeasurePage: Sendable {
    public var name, instructions, copyright, timepoint, intro: String
    public var questions: [QuestionnairePage.Question]
    /// The language of the instrument's wording when it differs from the page's (`en`): a validated
    /// instrument is shown in another language only where an official translation is published, and none
    /// is cited in Linkwell yet, so every language but English shows the English wording with a note why.
    public var wordingLang: String?

    public init(_ instrument: Instrument, timepoint: Timepoint, form: FormData? = nil, messages: Catalogue = .english) {
        var answers: [String: String] = [:]
        for (name, values) in form?.values ?? [:] where name.hasPrefix("answers.") { answers[String(name.dropFirst(8))] = values.first }
        let questionnaire = QuestionnairePage(referralID: ReferralID(""), personName: "", instrument: instrument, answers: answers,
                                              timepoint: timepoint.rawValue, hasBaseline: false)
        name = instrument.name
        instructions = instrument.instructions
        copyright = instrument.licence.copyright
        self.timepoint = messages.text("timepoint.\(timepoint.rawValue)")
        intro = messages.text("measure.intro", ["timepoint": self.timepoint])
        wordingLang = messages.isEnglish ? nil : "en"
        questions = questionnaire.questions
    }
}
