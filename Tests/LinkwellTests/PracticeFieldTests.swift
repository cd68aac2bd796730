import Foundation
import HTTPTypes
import LinkwellCore
import LinkwellTesting
import Testing

/// The GP practice on a referral is typed, not picked from a list of every practice (a national ODS import
/// is 13,000): an ODS code, or a name that matches one practice, resolved in the database on submit; a name
/// matching none or several is a form error listing up to 10 to choose from. On every backend.
@Suite("GP practice typed on the referral forms", .closesStores)
struct PracticeFieldTests {
    static let practices = [
        Organisation(id: OrganisationID("org-pf-1"), name: "Hillside Surgery", kind: .gpPractice, odsCode: "Y99201"),
        Organisation(id: OrganisationID("org-pf-2"), name: "Hillside Medical Centre", kind: .gpPractice, odsCode: "Y99202"),
        Organisation(id: OrganisationID("org-pf-3"), name: "Hillside Community Trust", kind: .vcse),
    ] + (1...12).map { Organisation(id: OrganisationID("org-pf-many-\($0)"), name: "Moorland Practice \($0)", kind: .gpPractice, odsCode: "Y993\(String(format: "%02d", $0))") }

    static func scheme(_ backend: TestBackend) async throws -> TestScheme {
        let s = try await TestScheme.make(backend)
        try await s.store.saveOrganisations(Self.practices)
        return s
    }

    func submit(_ s: TestScheme, practice: String?) async throws -> Result<Case, LinkwellError> {
        var sub = TestScheme.submission()
        sub.person?.gpPracticeCode = practice
        do { return .success(try await s.casework.submitReferral(sub, by: Principal(s.linkWorker))) }
        catch let error as LinkwellError { return .failure(error) }
    }

    func problem(_ result: Result<Case, LinkwellError>) -> String? {
        guard case .failure(.invalid(let errors)) = result else { return nil }
        return errors.first { $0.field == "person.gpPracticeCode" }?.message
    }

    @Test("A code, a unique name (any case), or the form's own 'Name (CODE)'; none or several refused, listing up to 10",
          arguments: TestBackend.available)
    func resolution(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        for (typed, expected) in [("y99202", "org-pf-2"), ("hillside surgery", "org-pf-1"), ("  MEDICAL centre ", "org-pf-2"),
                                  ("Hillside Surgery (Y99201)", "org-pf-1"), ("Moorland Practice 12", "org-pf-many-12")] {
            guard case .success(let made) = try await submit(s, practice: typed) else { Issue.record("refused \(typed)"); continue }
            #expect(made.person.gpPracticeID?.rawValue == expected, "\(typed)")
        }
        let stored = try await s.store.referrals(ReferralQuery()).count
        // Several: both listed with their codes; the trust (not a practice) is not.
        let several = try #require(problem(try await submit(s, practice: "Hillside")))
        #expect(several.contains("Hillside Surgery (Y99201)") && several.contains("Hillside Medical Centre (Y99202)"))
        #expect(!several.contains("Trust"))
        // Too many: ten listed, and a request to type more.
        let many = try #require(problem(try await submit(s, practice: "moorland")))
        #expect(many.components(separatedBy: "Moorland Practice").count - 1 == 10 && many.contains("type more of the name"))
        // None, an unknown code, a bad shape: refused naming the field.
        #expect(try #require(problem(try await submit(s, practice: "Nowhere at all"))).contains("No GP practice matches “Nowhere at all”"))
        #expect(try #require(problem(try await submit(s, practice: "Y12345"))).contains("No GP practice with ODS code Y12345"))
        #expect(try #require(problem(try await submit(s, practice: "%"))).contains("No GP practice matches"))
        #expect(try await s.store.referrals(ReferralQuery()).count == stored, "nothing stored for a refused practice")
    }

    @Test("The staff form: a text field; an ambiguous name comes back with the NHS error pattern and the matches to choose",
          arguments: TestBackend.available)
    func staffForm(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        try await withRouter(s) { client in
            let gp = WebPagesTests.Browser(client)
            _ = try await gp.signIn(s.referrer.email)
            let (_, blank) = try await gp.go(.get, "/referrals/new")
            // No list of practices: a text field starting with the GP's own practice.
            #expect(!blank.contains("<select id=\"person.gpPracticeCode\"") && !blank.contains("Moorland Practice"))
            #expect(blank.contains("id=\"person.gpPracticeCode\" name=\"person.gpPracticeCode\" value=\"Riverside Medical Practice (Y99001)\""))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: blank))
            var fields = ["_csrf": csrf, "person.givenName": "Ann", "person.familyName": "Hughes", "person.dateOfBirth": "1950-01-02",
                          "person.postcode": "LS6 2QT", "person.phone": "07700 900001", "sourceType": "gp", "needs": "loneliness",
                          "consent.given": "yes", "consent.givenBy": "Ann", "consent.method": "verbal", "person.gpPracticeCode": "Hillside"]
            let (refused, again) = try await gp.go(.post, "/referrals", form: fields)
            #expect(refused.status == .unprocessableContent)
            #expect(again.contains("href=\"#person.gpPracticeCode\""), "the error summary links to the field")
            #expect(again.contains("id=\"person.gpPracticeCode-error\"") && again.contains("aria-invalid=\"true\""))
            #expect(again.contains("id=\"gp-practice-matches\"") && again.contains("value=\"Y99201\"") && again.contains("value=\"Y99202\""))
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)
            // Choosing one of the matches (no JavaScript: a radio button) makes the referral.
            fields["gpPracticeChoice"] = "Y99202"
            let (made, _) = try await gp.go(.post, "/referrals", form: fields)
            #expect(made.status == .seeOther)
            let summary = try #require(try await s.store.referrals(ReferralQuery()).first)
            #expect(try await s.store.loadCase(summary.id)?.person.gpPracticeID?.rawValue == "org-pf-2")
            // The form as it first came (the GP's own practice, as "Name (CODE)") goes through too.
            fields["gpPracticeChoice"] = nil
            fields["person.gpPracticeCode"] = "Riverside Medical Practice (Y99001)"
            fields["person.givenName"] = "Bob"
            #expect(try await gp.go(.post, "/referrals", form: fields).0.status == .seeOther)

            // The self-referral form: the same field, optional.
            let visitor = WebPagesTests.Browser(client)
            let (_, form) = try await visitor.go(.get, "/self-referral")
            #expect(form.contains("<input id=\"person.gpPracticeCode\"") && !form.contains("Moorland Practice"))
            let token = try #require(WebPagesTests.Browser.hidden("_form", in: form))
            let (sent, back) = try await visitor.go(.post, "/self-referral", form: [
                "_form": token, "person.givenName": "Rose", "person.familyName": "Hall", "person.dateOfBirth": "1950-02-03",
                "person.postcode": "LS9 6PL", "person.phone": "07700 900777", "needs": "loneliness", "consent.given": "yes",
                "person.gpPracticeCode": "moorland"])
            #expect(sent.status == .unprocessableContent)
            #expect(back.contains("id=\"gp-practice-matches\"") && back.components(separatedBy: "name=\"gpPracticeChoice\"").count - 1 == 10)

            // The API: an unknown code stays a 422 naming the field; a unique name is resolved.
            let api = APIClient(client: client, s: s)
            let unknown = APITests.referralJSON.replacingOccurrences(of: #""nhsNumber":"9434765919"}"#, with: #""nhsNumber":"9434765919","gpPracticeCode":"Y12345"}"#)
            let problem = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: unknown, expect: .unprocessableContent)
            #expect(String(describing: problem).contains("person.gpPracticeCode"))
            let named = APITests.referralJSON.replacingOccurrences(of: #""nhsNumber":"9434765919"}"#, with: #""nhsNumber":"9434765919","gpPracticeCode":"Hillside Surgery"}"#)
            let made2 = try await api.call(.post, "/api/v1/referrals", as: s.linkWorker, json: named, expect: .created)
            #expect((made2["person"] as? [String: Any])?["gpPracticeID"] as? String == "org-pf-1")
        }
    }
}
