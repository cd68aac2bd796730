/// A date as typed into the NHS design system's three-field date input (Day, Month, Year), or as the API's
/// `YYYY-MM-DD` text, before it is known to be a real date. The pattern is the NHS digital service manual's
/// "Date input" (https://service-manual.nhs.uk/design-system/components/date-input): three numeric fields in
/// one fieldset, and an error message that says which part is missing or wrong.
public struct DateInput: Equatable, Sendable {
    /// One of the three fields, named as the page labels it.
    public enum Part: String, CaseIterable, Sendable {
        case day, month, year
    }

    public var day: String
    public var month: String
    public var year: String

    public init(day: String, month: String, year: String) {
        self.day = day.trimmingCharacters(in: .whitespaces)
        self.month = month.trimmingCharacters(in: .whitespaces)
        self.year = year.trimmingCharacters(in: .whitespaces)
    }

    /// Splits `YYYY-MM-DD` (or the `year-month-day` that `text` writes) into its parts; text that is not three
    /// parts joined by `-` fails as "not a real date" rather than as missing.
    public init(text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3 { self.init(day: String(parts[2]), month: String(parts[1]), year: String(parts[0])) }
        else {
            self.init(day: "", month: "", year: "")
            malformed = !text.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }

    private var malformed = false

    /// The parts as one `year-month-day` line (empty when nothing was typed), the form the API also takes;
    /// `DateInput(text:)` reads it back part for part.
    public var text: String { isEmpty ? "" : "\(year)-\(month)-\(day)" }

    /// True when nothing was typed in any part.
    public var isEmpty: Bool { day.isEmpty && month.isEmpty && year.isEmpty && !malformed }

    public func value(of part: Part) -> String {
        switch part { case .day: day; case .month: month; case .year: year }
    }

    /// The real date typed, or the first problem found, named by part.
    public func parsed() throws(DateInputError) -> CalendarDate {
        if isEmpty { throw .missing }
        if malformed { throw .notReal }
        let missing = Part.allCases.filter { value(of: $0).isEmpty }
        if !missing.isEmpty { throw .missingParts(missing) }
        let numbers = Part.allCases.map { part in (part, Int(value(of: part)).flatMap { value(of: part).allSatisfy(\.isASCII) ? $0 : nil }) }
        let notNumbers = numbers.filter { $0.1 == nil }.map(\.0)
        if !notNumbers.isEmpty { throw .notNumbers(notNumbers) }
        if year.count != 4 { throw .yearNotFourDigits }
        guard let d = numbers[0].1, let m = numbers[1].1, let y = numbers[2].1 else { throw .notReal }
        if !(1...12).contains(m) { throw .monthOutOfRange }
        guard let date = CalendarDate(year: y, month: m, day: d) else { throw .notReal }
        return date
    }
}

/// Why a typed date is not a date, in terms of the fields the person sees.
public enum DateInputError: Error, Equatable, Sendable {
    /// Nothing typed in any part.
    case missing
    /// Some parts typed, these left empty.
    case missingParts([DateInput.Part])
    /// These parts are not whole numbers.
    case notNumbers([DateInput.Part])
    /// The year is not four digits (so "56" is not guessed as 1956 or 2056).
    case yearNotFourDigits
    /// The month is not 1 to 12.
    case monthOutOfRange
    /// Numbers, but no such day (31 April, 29 February in a common year, a year before 1850).
    case notReal

    /// The parts the message is about, so the page can mark just those fields (all three when the date as a
    /// whole is wrong).
    public var parts: [DateInput.Part] {
        switch self {
        case .missing, .notReal: DateInput.Part.allCases
        case .missingParts(let parts), .notNumbers(let parts): parts
        case .yearNotFourDigits: [.year]
        case .monthOutOfRange: [.month]
        }
    }

    /// The problem with field `field`, in the NHS design system's wording for date errors with the field's own
    /// label, e.g. "Date of birth must include a month".
    public func fieldError(_ field: String, label: FieldLabel) -> FieldError {
        func list(_ parts: [DateInput.Part]) -> String {
            let names = parts.map(\.rawValue)
            return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
        }
        return switch self {
        case .missing: FieldError(field, .dateMissing, label: label)
        case .missingParts(let parts): FieldError(field, .dateMissingParts, ["parts": list(parts)], label: label)
        case .notNumbers(let parts): FieldError(field, parts.count == 1 ? .datePartNotANumber : .datePartsNotNumbers, ["parts": list(parts)], label: label)
        case .yearNotFourDigits: FieldError(field, .dateYearNotFourDigits, label: label)
        case .monthOutOfRange: FieldError(field, .dateMonthOutOfRange, label: label)
        case .notReal: FieldError(field, .dateNotReal, label: label)
        }
    }
}

extension String {
    /// "Date of birth" → "date of birth", for a label inside a sentence.
    public var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
