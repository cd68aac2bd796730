/// What a caseload search box was given: an NHS number (10 digits with a valid check digit, spaces allowed), a
/// date of birth (`27/3/1956`, `27 3 1956`, `27-03-1956` day first as people in the UK write it, or `1956-03-27`),
/// or else part of a name. Each is matched in the database: the number and the date exactly, the name word by word
/// (`NameSearch`: each word typed begins a word of the name).
public enum CaseSearch: Equatable, Sendable {
    case none
    case nhsNumber(NHSNumber)
    case dateOfBirth(CalendarDate)
    case name(String)

    public init(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { self = .none; return }
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == " " || $0 == "-") }) {
            if text.filter(\.isNumber).count == 10, let number = NHSNumber(text) { self = .nhsNumber(number); return }
            if let date = CalendarDate(text) { self = .dateOfBirth(date); return }
        }
        let parts = text.split(whereSeparator: { $0 == "/" || $0 == " " || $0 == "-" || $0 == "." })
        if parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && Int($0) != nil }),
           let date = try? DateInput(day: String(parts[0]), month: String(parts[1]), year: String(parts[2])).parsed() {
            self = .dateOfBirth(date); return
        }
        self = .name(text)
    }
}
