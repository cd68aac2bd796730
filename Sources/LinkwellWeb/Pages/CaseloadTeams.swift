import Foundation
import LinkwellCore

extension CaseloadPage {
    /// The team filter of a supervisor's or link worker's lists (issue #17): every team, the chosen one selected.
    public mutating func setTeams(_ teams: [Team], chosen: String?) {
        self.teams = [Choice("", catalogue.text("caseload.allTeams"), selected: (chosen ?? "").isEmpty)]
            + teams.map { Choice($0.id.rawValue, $0.name, selected: $0.id.rawValue == chosen) }
        hasTeams = !teams.isEmpty
        teamName = teams.first { $0.id.rawValue == chosen }?.name
        if let teamName { heading = catalogue.text("caseload.headingForTeam", ["heading": heading, "team": teamName]) }
    }
}
