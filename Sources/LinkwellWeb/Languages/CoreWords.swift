import Foundation
import LinkwellCore

/// Words Core gives as codes with values (cohort groups and caveats, eligibility reasons), worded in a catalogue's
/// language; their English messages are made from Core's English (`coreWords()`), so the API and the pages say the same.
extension Catalogue {
    /// A cohort report's group in this language: a coded group (`CohortGroup`) from its message
    /// (`outcomesCohorts.groupCode.<code>`, a need by its code label), any other group as the data's own name.
    func cohortGroup(_ row: CohortRow) -> String { row.groupCode.map(cohortGroup) ?? row.group }

    /// A coded cohort group in this language.
    func cohortGroup(_ group: CohortGroup) -> String {
        var values = group.values
        if group.code == .need, let need = values["need"].flatMap(Need.init(rawValue:)) { values["need"] = label(need) }
        return text("outcomesCohorts.groupCode.\(group.code.rawValue)", values)
    }

    /// A cohort report's caveat in this language (`outcomesCohorts.caveat.<code>`).
    func cohortCaveat(_ caveat: CohortCaveat, groupsCompared: Int) -> String {
        text("outcomesCohorts.caveat.\(caveat.rawValue)", ["groups": String(groupsCompared)])
    }

    /// Who a cohort report counts, in this language (`outcomesCohorts.included`).
    func cohortIncluded(_ report: OutcomeService.CohortReport) -> String {
        text("outcomesCohorts.included", ["instrument": report.instrumentName, "followUp": label(report.followUp),
                                          "percent": String(Int(report.disclosure.answerAdjustmentShare * 100))])
    }

    /// One way a person falls outside the scheme's criteria, in this language (`casePage.ineligible.<code>`).
    func ineligibility(_ reason: IneligibilityReason) -> String { text("casePage.ineligible.\(reason.code.rawValue)", reason.values) }

    /// Why an import job failed, in this language (`directoryImportJob.failure.<code>`; the detail is the feed's or
    /// the records' own problem, in Core's words).
    func importFailure(_ failure: ImportJob.Failure, detail: String?) -> String {
        text("directoryImportJob.failure.\(failure.rawValue)", ["detail": detail ?? ""])
    }

    /// A record an import refused, in this language: its kind (`directoryImportJob.kind.<kind>`, else as given), id or
    /// none, name, place in the input and problems (each field with Core's message).
    /// Where a cohort report's meaningful-change threshold comes from, in this language
    /// (`outcomesCohorts.changeSource.<code>`).
    func meaningfulChangeSource(_ report: OutcomeService.CohortReport) -> String {
        text("outcomesCohorts.changeSource.\(report.meaningfulChangeSourceCode.rawValue)",
             MeaningfulChangeSource.values(threshold: report.meaningfulChange))
    }

    func rejectedRecord(_ record: RejectedRecord) -> String {
        var values = ["kind": optional("directoryImportJob.kind.\(record.kind)") ?? record.kind, "position": record.position,
                      "problems": record.problemList]
        values["id"] = record.id.map { text("directoryImportJob.rejected.id", ["id": $0]) } ?? text("directoryImportJob.rejected.noID")
        values["name"] = record.shortName.map { text("directoryImportJob.rejected.name", ["name": $0]) } ?? ""
        return text("directoryImportJob.rejected", values)
    }

    /// The English of these words, made from Core's: one English source for the API and the pages.
    static func coreWords() -> [String: String] {
        var words = ["outcomesCohorts.included": OutcomeService.CohortReport.includedEnglish]
        for code in CohortGroup.Code.allCases { words["outcomesCohorts.groupCode.\(code.rawValue)"] = code.english }
        for caveat in CohortCaveat.allCases { words["outcomesCohorts.caveat.\(caveat.rawValue)"] = caveat.english }
        for source in MeaningfulChangeSource.allCases { words["outcomesCohorts.changeSource.\(source.rawValue)"] = source.english }
        for code in IneligibilityReason.Code.allCases { words["casePage.ineligible.\(code.rawValue)"] = code.english }
        for failure in ImportJob.Failure.allCases { words["directoryImportJob.failure.\(failure.rawValue)"] = failure.english }
        return words
    }
}
