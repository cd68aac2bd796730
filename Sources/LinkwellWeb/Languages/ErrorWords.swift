import Foundation
import LinkwellCore

/// Core's validation problems (`FieldError`) and conflicts (`Conflict`) worded in a catalogue's language: each code is a
/// message (`fieldError.<code>`, `conflict.<code>`) and each field label one too (`fieldLabel.<label>`), whose English is
/// Core's (`ValidationEnglish`, `ConflictEnglish`), so the API and the pages say the same and a translation can override each.
extension Catalogue {
    /// A field's problem in this language: `fieldError.<code>` with the problem's values, its label worded by
    /// `fieldLabel.<label>`. A problem without a message here keeps the words it has: an `apiOnly` problem
    /// Core's English, and one a page has worded already (the public forms' one message a field in a language that has
    /// not translated the code) that page's. English falls back to the staff messages, every other language only
    /// uses a message it translated itself.
    public func message(_ error: FieldError) -> String {
        if let conflict = error.conflict { return words(conflict) ?? error.message }
        guard let template = own("fieldError.\(error.code)") else { return error.message }
        var values = error.values
        if let label = values["label"] {
            values["label"] = own("fieldLabel.\(label)") ?? FieldLabel(rawValue: label)?.english ?? label
            values["labelLowercased"] = values["label"]?.lowercasedFirst
        }
        return Placeholders.fill(template, values)
    }

    /// A conflict with the record's current state in this language: `conflict.<code>` with the conflict's values, each coded
    /// value (a status, a timepoint, …) worded here too. A language that has not translated the code keeps Core's English.
    public func message(_ conflict: Conflict) -> String { words(conflict) ?? conflict.message }

    /// The conflict in this language's own words, or nil when it has none for the code (English falls back to the staff
    /// messages, where most conflicts' English is; another language uses only what it translated itself).
    func words(_ conflict: Conflict) -> String? {
        guard let template = own("conflict.\(conflict.code.rawValue)") else { return nil }
        return Placeholders.fill(template, conflict.wordedValues(word))
    }

    /// A coded value a conflict names, as this language says it inside a sentence: English from the codes' staff labels
    /// (`code.<group>.<value>`, Core's labels); another language from its own public label of the code when it has one
    /// (`status.<value>`, the words the person sees on their record), else the staff label.
    private func word(_ value: ConflictValue) -> String {
        let (group, raw, staff): (String, String, String) = switch value {
        case .referralStatus(let v): ("status", v.rawValue, label(v))
        case .onwardStatus(let v): ("onward", v.rawValue, label(v))
        case .timepoint(let v): ("timepoint", v.rawValue, label(v))
        case .grantStatus(let v): ("grantStatus", v.rawValue, label(v))
        case .profileKind(let v): ("profileKind", v.rawValue, label(v))
        case .consentPurpose(let v): ("purpose", v.rawValue, label(v))
        }
        if !isEnglish, let own = messages["\(group).\(raw)"] { return value.inSentence(own) }
        return value.inSentence(staff)
    }

    /// The problem as this language words it, for showing on a page.
    func worded(_ error: FieldError) -> FieldError { error.worded(message(error)) }

    private func own(_ key: String) -> String? { isEnglish ? optional(key) : messages[key] }

    /// The English of every code and label, made from Core's: one English source for the API and the pages.
    static func errorWords() -> [String: String] {
        var words: [String: String] = [:]
        for code in ValidationCode.allCases { words["fieldError.\(code.rawValue)"] = code.english }
        for label in FieldLabel.allCases { words["fieldLabel.\(label.rawValue)"] = label.english }
        for code in ConflictCode.allCases where !publicConflicts.contains(code) { words["conflict.\(code.rawValue)"] = code.english }
        return words
    }

    /// The conflicts a person can meet on the public pages and their own record (asking to come back, raising a worry, giving
    /// and withdrawing consent, filling in a measure from a link): public messages, so every language must translate them.
    static let publicConflicts: Set<ConflictCode> = [
        .stillSupported, .alreadyAskedToComeBack, .worryAlreadyRaised, .startSupportByComingBack, .consentAlreadyGiven, .consentNotHeld,
        .answersAlreadySent, .measuresNotInSupport, .instrumentBaselineExists, .measureNeedsBaseline, .changedByManyAtOnce, .changedMeanwhile,
    ]

    /// The error page's title and text for `problem`, in this language: a conflict's reason and input refused outside a
    /// form are worded as a form would word them; every other kind has its own words (`error.<kind>.title`, `.detail`),
    /// never the API's English, which names the record or the rule in terms meant for API clients.
    func errorPage(_ problem: Problem) -> (title: String, detail: String) {
        if let conflict = problem.conflict { return (text("error.conflict"), message(conflict)) }
        if let errors = problem.errors, !errors.isEmpty { return (text("error.invalid"), errors.map(awayFromItsField).joined(separator: " ")) }
        let kind = switch problem.status {
        case 400: "badRequest"
        case 403: "forbidden"
        case 404: "notFound"
        case 413: "tooLarge"
        case 429: "tooMany"
        case 503: "unavailable"
        case 500...: "internal"
        default: "other"
        }
        if let reason = problem.reason { return (text("error.\(kind).title"), message(reason)) }
        return (text("error.\(kind).title"), text("error.\(kind).detail"))
    }

    /// A problem shown away from its form (on the error page): worded as the form would word it, with the field's name in
    /// front when the message does not say which field it is about ("person.familyName: Is not valid UTF-8 text.").
    private func awayFromItsField(_ error: FieldError) -> String {
        let words = message(error)
        guard ValidationCode(rawValue: error.code)?.isReadBesideItsField == true else { return words }
        return "\(error.field): \(words)"
    }

    /// The English of the public conflicts, made from Core's (`conflict.<code>`).
    static func publicConflictWords() -> [String: String] {
        var words = Dictionary(uniqueKeysWithValues: publicConflicts.map { ("conflict.\($0.rawValue)", $0.english) })
        words["error.conflict"] = Problem.conflictTitle  // the error page's title for a conflict
        return words
    }
}
