import Foundation
import LinkwellCore

extension Catalogue {
    /// Why a search result matched, as one line in this language: each reason a message (`directorySearch.reason.*`),
    /// joined by " · ", the line's first letter a capital; "In the directory" when there is none.
    func matchReasons(_ reasons: [MatchReason]) -> String {
        guard !reasons.isEmpty else { return text("directorySearch.reason.none") }
        func list(_ items: [String]) -> String { items.joined(separator: text("directorySearch.reason.listSeparator")) }
        func time(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
        let line = reasons.map { reason -> String in
            switch reason {
            case let .wordsInName(words): text("directorySearch.reason.wordsInName", ["words": words.joined(separator: " ")])
            case let .mentions(words): text("directorySearch.reason.mentions", ["words": words.joined(separator: " ")])
            case let .categories(names): list(names)
            case let .distance(km) where km < 1: text("directorySearch.reason.metresAway", ["metres": String(format: "%.0f", km * 1000)])
            case let .distance(km): text("directorySearch.reason.kmAway", ["km": String(format: "%.1f", km)])
            case let .openAt(weekday, opens, closes):
                text("directorySearch.reason.openAt", ["day": text("directorySearch.day.\(WeeklyTime.dayCodes[weekday - 1])"),
                                                       "opens": time(opens), "closes": time(closes)])
            case .free: text("directorySearch.reason.free")
            case let .language(code): text("directorySearch.reason.language", ["language": code])
            case let .accessibility(description): text("directorySearch.reason.accessibility", ["description": description])
            case let .age(age): text("directorySearch.reason.age", ["age": String(age)])
            case let .placesFree(places): places == 1 ? text("directorySearch.reason.onePlaceFree")
                : text("directorySearch.reason.placesFree", ["count": String(places)])
            case let .waitingListWeeks(weeks): weeks == 1 ? text("directorySearch.reason.waitingListOneWeek")
                : text("directorySearch.reason.waitingListWeeks", ["weeks": String(weeks)])
            case .temporarilyClosed: text("directorySearch.reason.temporarilyClosed")
            }
        }.joined(separator: " · ")
        return line.prefix(1).uppercased() + line.dropFirst()
    }

    /// Where an organisation's governance checks stand, as one sentence in this language (`governance.summary.<state>`),
    /// what is missing, expired or expiring each a message (`governance.finding.<kind>`) naming the check
    /// (`governance.check.<check>`) and the date.
    func governanceSummary(_ standing: GovernanceStanding) -> String {
        let findings = standing.findings.map(governanceFinding).joined(separator: "; ")
        return text("governance.summary.\(standing.state.rawValue)", ["problems": findings])
    }

    /// One thing wrong with the checks ("insurance expired on 3 Mar 2026").
    func governanceFinding(_ finding: GovernanceFinding) -> String {
        text("governance.finding.\(finding.kind.rawValue)", ["check": text("governance.check.\(finding.check.rawValue)"),
                                                             "date": finding.date.map { date($0) } ?? ""])
    }
}
