import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The three-field date of birth on the staff referral form and the self-referral form, through the router.
@Suite("Date input on referral forms", .closesStores)
struct DateInputPagesTests {
    typealias Browser = WebPagesTests.Browser

    func withSite(_ backend: TestBackend, _ body: @escaping @Sendable (TestScheme, Browser) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in try await body(s, Browser(client)) }
    }

    static let person = ["person.givenName": "Joan", "person.familyName": "Clarke", "person.postcode": "LS6 2QT",
                         "person.phone": "07700 900001", "person.nhsNumber": "943 476 5919", "needs": "loneliness",
                         "consent.given": "yes", "consent.givenBy": "Joan", "consent.method": "verbal", "sourceType": "gp"]

    @Test("Staff form: a missing month is named, only that part is marked, what was typed stays; then the date is stored",
          arguments: TestBackend.available)
    func staffForm(backend: TestBackend) async throws {
        try await withSite(backend) { s, browser in
            _ = try await browser.signIn(s.referrer.email)
            let (_, formPage) = try await browser.go(.get, "/referrals/new")
            #expect(formPage.contains("<legend>Date of birth</legend>") && formPage.contains("id=\"person.dateOfBirth-day\"")
                    && formPage.contains("id=\"person.dateOfBirth-month\"") && formPage.contains("id=\"person.dateOfBirth-year\""))
            #expect(!formPage.contains("type=\"date\""), "no browser date picker")
            var fields = Self.person
            fields["_csrf"] = try #require(Browser.hidden("_csrf", in: formPage))
            fields["person.dateOfBirth-day"] = "2"
            fields["person.dateOfBirth-month"] = ""
            fields["person.dateOfBirth-year"] = "1950"
            let (refused, html) = try await browser.go(.post, "/referrals", form: fields)
            #expect(refused.status == .unprocessableContent)
            #expect(html.contains("Date of birth must include a month."))
            #expect(html.contains("aria-describedby=\"person.dateOfBirth-hint person.dateOfBirth-error\""), "the fieldset is described by the message")
            #expect(html.contains("id=\"person.dateOfBirth-month\" name=\"person.dateOfBirth-month\" value=\"\" inputmode=\"numeric\" class=\"w-2 input-error\" aria-invalid=\"true\""))
            #expect(html.contains("id=\"person.dateOfBirth-day\" name=\"person.dateOfBirth-day\" value=\"2\" inputmode=\"numeric\" class=\"w-2\">"),
                    "the day was right: kept and not marked")
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)

            fields["person.dateOfBirth-month"] = "1"
            let (made, _) = try await browser.go(.post, "/referrals", form: fields)
            #expect(made.status == .seeOther)
            let referral = try #require(try await s.store.referrals(ReferralQuery()).first)
            let made1 = try #require(try await s.store.loadCase(referral.id))
            #expect("\(made1.person.dateOfBirth)" == "1950-01-02")
        }
    }

    @Test("Self-referral: a date in the future marks all three parts; the person's own birthday may be autofilled",
          arguments: TestBackend.available)
    func selfReferral(backend: TestBackend) async throws {
        try await withSite(backend) { s, browser in
            let (_, formPage) = try await browser.go(.get, "/self-referral")
            #expect(formPage.contains("<legend>Your date of birth</legend>") && formPage.contains("autocomplete=\"bday-year\""))
            var fields = Self.person
            fields["_form"] = try #require(Browser.hidden("_form", in: formPage))
            fields["person.dateOfBirth-day"] = "1"
            fields["person.dateOfBirth-month"] = "1"
            fields["person.dateOfBirth-year"] = "2999"
            let (refused, html) = try await browser.go(.post, "/self-referral", form: fields)
            #expect(refused.status == .unprocessableContent)
            #expect(html.contains("Date of birth must be today or in the past."))
            #expect(html.components(separatedBy: "aria-invalid=\"true\"").count - 1 == 3, "all three parts are marked")
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)
        }
    }

    @Test("Provider's attendance: three fields with today to start with; a bad day is named and records nothing; a good date is recorded",
          arguments: TestBackend.available)
    func attendance(backend: TestBackend) async throws {
        try await withSite(backend) { s, browser in
            let id = try await s.engagedReferral()
            let api = APIClient(client: browser.client, s: s)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                         json: #"{"serviceId":"\#(s.service.id.rawValue)","handover":{"returnWindowDays":14}}"#, expect: .created)
            let onward = try #require((out["onwardReferrals"] as? [[String: Any]])?.last?["id"] as? String)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)
            s.clock.advance(seconds: 3 * 86_400)
            let today = CalendarDate(s.clock.now), yesterday = CalendarDate(s.clock.now.addingTimeInterval(-86_400))
            _ = try await browser.signIn(s.provider.email)
            let path = "/provider/referrals/\(onward)"
            let (_, formPage) = try await browser.go(.get, path)
            #expect(formPage.contains("<legend>Session date</legend>") && formPage.contains("id=\"sessionDate-month\""))
            #expect(!formPage.contains("type=\"date\""), "no browser date picker")
            #expect(formPage.contains("id=\"sessionDate-day\" name=\"sessionDate-day\" value=\"\(today.day)\""), "today to start with")
            func recorded() async throws -> [AttendanceReport] { try #require(try await s.store.loadCase(id)).attendance }
            var fields = ["_csrf": try #require(Browser.hidden("_csrf", in: formPage)), "attended": "yes",
                          "sessionDate-day": "32", "sessionDate-month": String(yesterday.month), "sessionDate-year": String(yesterday.year)]
            for (day, message) in [("32", "Session date must be a real date."), ("x", "The day of session date must be a number."),
                                   ("", "Session date must include a day.")] {
                fields["sessionDate-day"] = day
                let (refused, html) = try await browser.go(.post, "\(path)/attendance", form: fields)
                #expect(refused.status == .unprocessableContent, "\(day)")
                #expect(html.contains(message), "\(day): \(message)")
                #expect(html.contains("<a href=\"#sessionDate-day\">"), "the summary links to the day field")
                #expect(html.contains("aria-describedby=\"sessionDate-hint sessionDate-error\""), "the fieldset is described by the message")
                #expect(html.contains("id=\"sessionDate-day\" name=\"sessionDate-day\" value=\"\(day)\" inputmode=\"numeric\" class=\"w-2 input-error\" aria-invalid=\"true\""))
                #expect(html.contains("id=\"sessionDate-year\" name=\"sessionDate-year\" value=\"\(yesterday.year)\""), "what was typed stays")
                #expect(try await recorded().isEmpty, "\(day): nothing recorded")
            }
            // A date in the future: all three parts marked.
            let tomorrow = CalendarDate(s.clock.now.addingTimeInterval(86_400))
            fields["sessionDate-day"] = String(tomorrow.day)
            fields["sessionDate-month"] = String(tomorrow.month)
            fields["sessionDate-year"] = String(tomorrow.year)
            let (future, futureHTML) = try await browser.go(.post, "\(path)/attendance", form: fields)
            #expect(future.status == .unprocessableContent && futureHTML.contains("Session date cannot be in the future."))
            #expect(futureHTML.components(separatedBy: "aria-invalid=\"true\"").count - 1 == 3)
            #expect(try await recorded().isEmpty)

            fields["sessionDate-day"] = String(yesterday.day)
            fields["sessionDate-month"] = String(yesterday.month)
            fields["sessionDate-year"] = String(yesterday.year)
            let (done, _) = try await browser.go(.post, "\(path)/attendance", form: fields)
            #expect(done.status == .seeOther)
            #expect(try await recorded().map(\.sessionDate) == [yesterday], "the date typed is recorded")
            #expect(try await recorded().map(\.attended) == [true])
        }
    }
}
