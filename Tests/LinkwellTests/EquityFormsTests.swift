import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Equality monitoring on every referral form: optional, with "prefers not to say" kept apart from a blank
/// ("not stated"), the same values as the API takes; a forged value is refused by name and nothing is stored.
@Suite("Equality monitoring on the referral forms", .closesStores)
struct EquityFormsTests {
    @Test("Staff and self-referral forms ask, optionally, with prefer not to say", arguments: TestBackend.available)
    func forms(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            // A GP's form.
            let gp = WebPagesTests.Browser(client)
            _ = try await gp.signIn(s.referrer.email)
            let (_, blank) = try await gp.go(.get, "/referrals/new")
            #expect(blank.contains("Equality monitoring (optional)") && blank.contains("value=\"prefer_not_to_say\""))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: blank))
            var fields = ["_csrf": csrf, "person.givenName": "Ann", "person.familyName": "Hughes", "person.dateOfBirth": "1950-01-02",
                          "person.postcode": "LS6 2QT", "person.phone": "07700 900001", "sourceType": "gp", "needs": "loneliness",
                          "consent.given": "yes", "consent.givenBy": "Ann", "consent.method": "verbal", "person.gpPracticeCode": "Y99001",
                          "person.sex": "sideways", "person.ethnicity": "H"]
            let (refused, again) = try await gp.go(.post, "/referrals", form: fields)
            #expect(refused.status == .unprocessableContent && again.contains("id=\"person.sex-error\""))
            #expect(again.contains("<option value=\"H\" selected>Asian or Asian British - Indian</option>"), "the answer given is kept when the form comes back")
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)
            fields["person.sex"] = "prefer_not_to_say"
            let (made, _) = try await gp.go(.post, "/referrals", form: fields)
            #expect(made.status == .seeOther)
            let staff = try #require(try await s.store.referrals(ReferralQuery()).first)
            let person = try #require(try await s.store.loadCase(staff.id)?.person)
            #expect(person.sex == .preferNotToSay && person.ethnicity == .asianIndian)

            // The public self-referral form: left blank, the answers are "not stated".
            let visitor = WebPagesTests.Browser(client)
            let (_, form) = try await visitor.go(.get, "/self-referral")
            #expect(form.contains("Equality monitoring (optional)"))
            let token = try #require(WebPagesTests.Browser.hidden("_form", in: form))
            let (sent, _) = try await visitor.go(.post, "/self-referral", form: [
                "_form": token, "person.givenName": "Rose", "person.familyName": "Hall", "person.dateOfBirth": "1950-02-03",
                "person.postcode": "LS9 6PL", "person.phone": "07700 900777", "needs": "loneliness", "consent.given": "yes",
                "person.sex": "", "person.ethnicity": "Z"])
            #expect(sent.status == .seeOther)
            let own = try #require(try await s.store.referrals(ReferralQuery()).first { $0.id != staff.id })
            let rose = try #require(try await s.store.loadCase(own.id)?.person)
            #expect(rose.sex == .notStated && rose.ethnicity == .notStated, "Z: the person chose not to say")
        }
    }
}
