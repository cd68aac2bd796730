import LinkwellCore
import Testing

/// Every message's placeholders are filled by `Placeholders.fill`, which finds the braces in the text's UTF-8 bytes.
/// Attacked with text around them that is not ASCII (Welsh, right-to-left, emoji, combining marks), values that hold
/// braces themselves, names with no value, and braces that never close.
@Suite("Placeholders")
struct PlaceholdersTests {
    @Test("Each placeholder is filled once, in any script, and nothing else in the text changes", arguments: [
        ("Ŵyt ti’n {name}?", ["name": "Siân"], "Ŵyt ti’n Siân?"),
        ("{a}{b}", ["a": "1", "b": "2"], "12"),
        ("👩🏽‍⚕️ {who} — {when} 👍", ["who": "Dr Ó Súilleabháin", "when": "27 Tach 2026"], "👩🏽‍⚕️ Dr Ó Súilleabháin — 27 Tach 2026 👍"),
        ("שלום {name}", ["name": "דנה"], "שלום דנה"),
        ("e\u{301}{x}e\u{301}", ["x": "é"], "e\u{301}ée\u{301}"),
        // A value holding braces is never read as another placeholder.
        ("{name} wrote {note}", ["name": "{note}", "note": "{name}"], "{note} wrote {name}"),
        // A name with no value, and a brace that never closes, stay as written.
        ("{missing} and {name}", ["name": "Ana"], "{missing} and Ana"),
        ("{name} {unclosed", ["name": "Ana"], "Ana {unclosed"),
        ("no placeholders at all", ["name": "Ana"], "no placeholders at all"),
        ("{name}", [:], "{name}"),
        ("", ["name": "Ana"], ""),
    ] as [(String, [String: String], String)])
    func fills(template: String, values: [String: String], expected: String) {
        #expect(Placeholders.fill(template, values) == expected)
    }
}
