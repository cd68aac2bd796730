import Foundation
import LinkwellCore

extension CaseworkService {
    /// The practices to choose from on a referral form sent back because its practice name matched several
    /// (at most `PracticeLookup.listed`); none when the practice field was fine or held an ODS code.
    func practiceMatches(for form: FormData?, errors: [FieldError]) async throws -> [Organisation] {
        guard let form, errors.contains(where: { $0.field == "person.gpPracticeCode" }),
              let typed = form["person.gpPracticeCode"], !typed.isEmpty else { return [] }
        return try await practices(matching: typed)
    }
}
