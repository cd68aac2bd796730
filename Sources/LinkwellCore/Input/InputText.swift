import Foundation

/// The rule every piece of text entering Linkwell passes, whatever route it came by (JSON API, HTML form):
/// no control characters except line feed and tab. A carriage return is accepted only as the first half of
/// a CRLF line end (browsers send textarea line ends that way). NUL and the other control characters have
/// no place in a name or a note, and would be carried into exports, e-mails and other systems.
public enum InputText {
    /// Whether `scalar` is a control character (Unicode general category Cc: U+0000–U+001F, U+007F–U+009F).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The first character of `text` the rule refuses, or nil when the text is acceptable.
    public static func refusedCharacter(in text: String) -> Unicode.Scalar? {
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            defer { previous = scalar }
            if previous == "\r" && scalar != "\n" { return "\r" }
            guard isControl(scalar), scalar != "\n", scalar != "\t", scalar != "\r" else { continue }
            return scalar
        }
        return previous == "\r" ? "\r" : nil
    }

    /// A field error naming `field` when `text` breaks the rule.
    public static func check(_ text: String, field: String) -> FieldError? {
        guard let bad = refusedCharacter(in: text) else { return nil }
        return FieldError(field, .controlCharacter, ["character": String(format: "%04X", bad.value)])
    }
}
