import Foundation
import LinkwellCore

/// Core's validation problems (`FieldError`) worded in a catalogue's language: each code is a message
/// (`fieldError.<code>`) and each field label one too (`fieldLabel.<label>`), whose English is Core's (`ValidationEnglish`),
/// so the API and the pages say the same and a translation can override each.
extension Catalogue {
    /// A field's problem in this language: `fieldError.<code>` with the problem's values, its label worded by
    /// `fieldLabel.<label>`. A problem without a message here keeps the words it has: an `apiOnly` or `uncoded` problem
    /// Core's English, and one a page has worded already (the public forms' one message a field in a language that has
    /// not translated the code) that page's. English falls back to the staff messages, every other language only
    /// uses a message it translated itself.
    public func message(_ error: FieldError) -> String {
        guard let template = own("fieldError.\(error.code)") else { return error.message }
        var values = error.values
        if let label = values["label"] {
            values["label"] = own("fieldLabel.\(label)") ?? FieldLabel(rawValue: label)?.english ?? label
            values["labelLowercased"] = values["label"]?.lowercasedFirst
        }
        return ValidationEnglish.fill(template, values)
    }

    /// The problem as this language words it, for showing on a page.
    func worded(_ error: FieldError) -> FieldError { error.worded(message(error)) }

    private func own(_ key: String) -> String? { isEnglish ? optional(key) : messages[key] }

    /// The English of every code and label, made from Core's: one English source for the API and the pages.
    static func errorWords() -> [String: String] {
        var words: [String: String] = [:]
        for code in ValidationCode.allCases { words["fieldError.\(code.rawValue)"] = code.english }
        for label in FieldLabel.allCases { words["fieldLabel.\(label.rawValue)"] = label.english }
        return words
    }
}
