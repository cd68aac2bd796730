import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The standard's referral details beyond the referrer: the referral method and "return response to",
/// through the API, the referral form, storage, the case page, FHIR ServiceRequest and the message back.
@Suite("NHS record: referral method and return response to", .closesStores)
struct ReferralDetailsTests {
    static let json = APITests.referralJSON.replacingOccurrences(of: #""sourceType":"gp","#,
        with: #""sourceType":"gp","referralMethod":"secure_email","returnResponseTo":"Dr Patel, frailty team, frailty@nhs.net","#)

    @Test("Recorded through the API and kept field by field; a bad method is 422 naming it and stores nothing", arguments: TestBackend.available)
    func api(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let bad = Self.json.replacingOccurrences(of: "secure_email", with: "pigeon")
            let long = Self.json.replacingOccurrences(of: "Dr Patel, frailty team, frailty@nhs.net", with: String(repeating: "x", count: 501))
            for (body, field) in [(bad, "referralMethod"), (long, "returnResponseTo")] {
                let problem = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field])
            }
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty, "bad input stores nothing")

            let created = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.json, expect: .created)
            let id = ReferralID(try #require(created["id"] as? String))
            let stored = try #require(try await s.store.loadCase(id))
            #expect(stored.referral.referralMethod == .secureEmail && stored.referral.returnResponseTo == "Dr Patel, frailty team, frailty@nhs.net")
            let plain = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: APITests.referralJSON, expect: .created)
            let plainID = try #require(plain["id"] as? String)
            let plainCase = try #require(try await s.store.loadCase(ReferralID(plainID)))
            #expect(plainCase.referral.referralMethod == nil && plainCase.referral.returnResponseTo == nil, "both optional")

            // FHIR ServiceRequest carries them as annotations (R4 has no element of its own for either).
            let (status, request) = try await FHIRTests.send(client, s, .get, "/fhir/ServiceRequest/\(id.rawValue)", as: s.referrer)
            #expect(status == .ok)
            let notes = ((request["note"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }
            #expect(notes.contains("Referral method: Secure email") && notes.contains("Return response to: Dr Patel, frailty team, frailty@nhs.net"))

            // The message back names who else is to get the outcome.
            _ = try await s.casework.accept(id, s.request(s.linkWorker))
            _ = try await s.casework.recordRisk(id, RiskInput(risk: "no_known_risks"), s.request(s.linkWorker))
            let doc = try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.linkWorker, expect: .ok)
            #expect(doc["returnResponseTo"] as? String == "Dr Patel, frailty team, frailty@nhs.net")
        }
    }

    @Test("The referral form records them; the case page shows them; a self-referral is recorded as one", arguments: TestBackend.available)
    func forms(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var own = TestScheme.submission(givenName: "Selma")
        own.referralMethod = "fax"
        own.returnResponseTo = "Someone"
        let selfMade = try await s.casework.submitReferral(own, by: nil)
        #expect(selfMade.referral.referralMethod == .selfReferral && selfMade.referral.returnResponseTo == nil,
                "a self-referral is a self referral whatever is posted")
        try await withRouter(s) { client in
            let gp = WebPagesTests.Browser(client)
            _ = try await gp.signIn(s.referrer.email)
            let (form, html) = try await gp.go(.get, "/referrals/new")
            #expect(form.status == .ok && html.contains("name=\"referralMethod\"") && html.contains("name=\"returnResponseTo\""))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            var fields = ["_csrf": csrf, "person.givenName": "Agnes", "person.familyName": "Ward", "person.dateOfBirth": "1950-02-03",
                          "person.postcode": "LS1 4AP", "person.phone": "07700 900124", "person.gpPracticeCode": "Y99001",
                          "sourceType": "gp", "needs": "loneliness", "consent.given": "yes", "consent.givenBy": "Agnes Ward",
                          "consent.method": "verbal", "referralMethod": "carrier_pigeon", "returnResponseTo": "Frailty team"]
            let (refused, refusedHTML) = try await gp.go(.post, "/referrals", form: fields)
            #expect(refused.status == .unprocessableContent && refusedHTML.contains("Referral method must be one of"))
            #expect(refusedHTML.contains("value=\"Frailty team\""), "the form keeps what was typed")
            fields["referralMethod"] = "letter"
            let (made, _) = try await gp.go(.post, "/referrals", form: fields)
            let location = try #require(made.headers[.location])
            let id = String(location.dropFirst("/referrals/".count).prefix { $0 != "?" })
            let stored = try #require(try await s.store.loadCase(ReferralID(id)))
            #expect(stored.referral.referralMethod == .letter && stored.referral.returnResponseTo == "Frailty team")
            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.supervisor.email)
            let (_, page) = try await lw.go(.get, "/referrals/\(id)")
            #expect(page.contains("<dd id=\"referral-method\">Letter</dd>") && page.contains("<dd id=\"return-response-to\">Frailty team</dd>"))
        }
    }
}
