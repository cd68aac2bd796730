import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

@Suite("Three-field date input: parsing Day, Month and Year, errors naming the part")
struct DateInputTests {
    @Test("Real dates are read from their parts", arguments: [
        (("27", "3", "1956"), "1956-03-27"), (("01", "12", "2000"), "2000-12-01"), ((" 9 ", "09", "1984"), "1984-09-09"),
        (("29", "2", "2024"), "2024-02-29"),
    ])
    func parsesParts(parts: (String, String, String), expected: String) throws {
        let date = try DateInput(day: parts.0, month: parts.1, year: parts.2).parsed()
        #expect("\(date)" == expected)
    }

    @Test("Each problem is named by the part it is in", arguments: [
        (("", "", ""), DateInputError.missing),
        (("27", "", "1956"), .missingParts([.month])),
        (("", "3", ""), .missingParts([.day, .year])),
        (("x", "3", "1956"), .notNumbers([.day])),
        (("27", "March", "19５6"), .notNumbers([.month, .year])),
        (("27", "3", "56"), .yearNotFourDigits),
        (("27", "13", "1956"), .monthOutOfRange),
        (("31", "4", "1956"), .notReal),
        (("29", "2", "2023"), .notReal),
        (("1", "1", "1066"), .notReal),
        (("-1", "3", "1956"), .notReal),
    ])
    func namesThePart(parts: (String, String, String), expected: DateInputError) {
        #expect(throws: expected) { try DateInput(day: parts.0, month: parts.1, year: parts.2).parsed() }
    }

    @Test func messagesNameTheFieldAndPart() {
        func message(_ error: DateInputError) -> String { error.fieldError("person.dateOfBirth", label: .dateOfBirth).message }
        #expect(message(.missingParts([.month])) == "Date of birth must include a month.")
        #expect(message(.missingParts([.day, .year])) == "Date of birth must include a day and year.")
        #expect(message(.missing) == "Enter date of birth.")
        #expect(message(.yearNotFourDigits).contains("year"))
        #expect(DateInputError.missingParts([.month]).fieldError("x", label: .dateOfBirth).code == "dateMissingParts")
        #expect(DateInputError.missingParts([.month]).parts == [.month])
        #expect(DateInputError.notReal.parts == DateInput.Part.allCases)
    }

    @Test("The API's YYYY-MM-DD and the form's joined parts read the same")
    func textRoundTrip() throws {
        let typed = DateInput(day: "7", month: "11", year: "1949")
        #expect(DateInput(text: typed.text) == typed)
        #expect("\(try DateInput(text: "1949-11-07").parsed())" == "1949-11-07")
        #expect(DateInput(text: "").isEmpty)
        #expect(throws: DateInputError.notReal) { try DateInput(text: "07/11/1949").parsed() }
        #expect(throws: DateInputError.missingParts([.month])) { try DateInput(text: "1949--07").parsed() }
    }

    @Test("A referral's date of birth error names the missing part")
    func referralNamesPart() {
        var bad = TestScheme.submission(nhsNumber: "9434765919", consent: true)
        bad.person?.dateOfBirth = DateInput(day: "27", month: "", year: "1956").text
        let p = Principal(userID: UserID("u1"), role: .referrer, organisationID: nil, displayName: "Dr Gee")
        do {
            _ = try bad.validated(by: p, env: TestClock().environment, practices: TestScheme.practices)
            Issue.record("a referral without a month of birth was accepted")
        } catch let LinkwellError.invalid(errors) {
            #expect(errors.contains { $0.field == "person.dateOfBirth" && $0.message == "Date of birth must include a month." })
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
