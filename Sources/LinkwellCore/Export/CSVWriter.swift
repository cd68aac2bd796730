import Foundation

/// One cell of a CSV file Linkwell writes. What kind of cell it is decides how it is written, so that text a
/// person typed can never reach a spreadsheet as a formula.
public struct CSVField: Sendable, Equatable {
    /// How a cell is written (see `CSVWriter`).
    public enum Kind: Sendable, Equatable {
        /// Text from people or imports: always quoted, neutralised when it could start a formula.
        case text
        /// A code or identifier Linkwell made (a status, a month, a column name): written bare when it is safe
        /// bare, and otherwise exactly as text.
        case code
        /// A number Linkwell formatted itself (so `-3` stays a number): written bare.
        case number
    }

    public let value: String
    public let kind: Kind

    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    public static func text(_ value: String) -> CSVField { CSVField(.text, value) }
    public static func code(_ value: String) -> CSVField { CSVField(.code, value) }
    public static func number(_ value: Int) -> CSVField { CSVField(.number, String(value)) }
    /// An optional number: an empty cell when nil.
    public static func number(_ value: Int?) -> CSVField { CSVField(.number, value.map(String.init) ?? "") }
    public static func number(_ value: Double) -> CSVField { CSVField(.number, String(value)) }
    /// An amount of money in pounds, `1234.05`.
    public static func number(_ value: Pence) -> CSVField { CSVField(.number, value.decimal) }
}

/// A whole CSV file, made only by `CSVWriter` (so that a route cannot send CSV that skipped the writer).
public struct CSVDocument: Sendable, Equatable {
    public let text: String
    fileprivate init(text: String) { self.text = text }
}

/// The one CSV writer (RFC 4180, CRLF line ends) behind every CSV Linkwell produces, with the OWASP "CSV
/// Injection" defence: a text cell that begins with `=`, `+`, `-`, `@`, tab or carriage return is prefixed
/// with `'`, so a spreadsheet shows it as text instead of running it; and text is always quoted, with
/// embedded quotes doubled, so a comma, quote or line break inside it cannot start a new cell.
///
/// SQL stores that assemble CSV lines in the database (the facts export) build their expressions from
/// `formulaTriggers`, `neutraliser` and `FactsExport.columns`, and the storage suite checks that they agree.
public enum CSVWriter {
    /// The first characters that make a spreadsheet read a cell as a formula (OWASP).
    public static let formulaTriggers: [Unicode.Scalar] = ["=", "+", "-", "@", "\t", "\r"]
    /// Put before a cell that begins with a formula trigger.
    public static let neutraliser = "'"
    public static let lineEnd = "\r\n"

    /// Whether a text would be read as a formula if written as it is.
    public static func startsFormula(_ text: String) -> Bool {
        text.unicodeScalars.first.map(formulaTriggers.contains) ?? false
    }

    /// One cell, ready to join with commas.
    public static func cell(_ field: CSVField) -> String {
        switch field.kind {
        case .number:
            return field.value
        case .code where !startsFormula(field.value) && !field.value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }):
            return field.value
        case .code, .text:
            return "\"" + (startsFormula(field.value) ? neutraliser : "") + field.value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// One line, with its CRLF.
    public static func line(_ fields: [CSVField]) -> String {
        fields.map(cell).joined(separator: ",") + lineEnd
    }

    /// A header line of column names.
    public static func header(_ names: [String]) -> String {
        line(names.map(CSVField.code))
    }

    /// A whole file: the header, then one line per row.
    public static func document(header names: [String], rows: [[CSVField]]) -> CSVDocument {
        var text = header(names)
        for row in rows { text += line(row) }
        return CSVDocument(text: text)
    }

    /// A file whose rows are written a piece at a time (the streamed facts export): each piece must be whole
    /// lines made by `line(_:)` or `FactsExport.line` (or the SQL equivalent the storage suite checks).
    public static func streamed(_ piece: String) -> CSVDocument { CSVDocument(text: piece) }
}
