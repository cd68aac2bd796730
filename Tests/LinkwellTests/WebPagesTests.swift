import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The browser pages through the router: sign-in, sessions, CSRF, form errors, security headers.
@Suite("Web pages", .closesStores)
struct WebPagesTests {
    /// A browser stand-in that keeps cookies between requests.
    final class Browser: @unchecked Sendable {
        let client: any TestClientProtocol
        var cookies: [String: String] = [:]
        init(_ client: any TestClientProtocol) { self.client = client }

        func go(_ method: HTTPRequest.Method, _ uri: String, form: [String: String]? = nil) async throws -> (TestResponse, String) {
            var headers: HTTPFields = [:]
            if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0)=\($1)" }.joined(separator: "; ") }
            var body: ByteBuffer?
            if let form {
                headers[.contentType] = "application/x-www-form-urlencoded"
                let encoded = form.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
                body = ByteBuffer(string: encoded)
            }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                cookies[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
            }
            return (response, String(buffer: response.body))
        }

        static func hidden(_ name: String, in html: String) -> String? {
            guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }

        func signIn(_ email: String, password: String = TestScheme.password) async throws -> TestResponse {
            let (_, page) = try await go(.get, "/login")
            let token = try #require(Self.hidden("_login", in: page))
            return try await go(.post, "/login", form: ["_login": token, "email": email, "password": password]).0
        }
    }

    func withSite(_ body: @escaping @Sendable (TestScheme, Browser) async throws -> Void) async throws {
        let s = try await TestScheme.make(.sqlite)
        try await withRouter(s) { client in try await body(s, Browser(client)) }
    }

    @Test func signInSetsAHardenedSessionCookie() async throws {
        try await withSite { s, browser in
            let wrong = try await browser.signIn(s.referrer.email, password: "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(browser.cookies["lw_session"] == nil)
            let right = try await browser.signIn(s.referrer.email)
            #expect(right.status == .seeOther)
            let cookie = try #require(right.headers[values: .setCookie].first { $0.hasPrefix("lw_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
            let (home, html) = try await browser.go(.get, "/referrals")
            #expect(home.status == .ok && html.contains("My referrals"))
            #expect(home.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(home.headers[.cacheControl] == "no-store")
        }
    }

    @Test func loginFormNeedsItsDoubleSubmitToken() async throws {
        try await withSite { s, browser in
            let (response, html) = try await browser.go(.post, "/login", form: ["email": s.referrer.email, "password": TestScheme.password])
            #expect(response.status == .unauthorized && html.contains("expired"))
        }
    }

    @Test func referralFormChecksCSRFAndReportsProblems() async throws {
        try await withSite { s, browser in
            _ = try await browser.signIn(s.referrer.email)
            let (_, formPage) = try await browser.go(.get, "/referrals/new")
            let csrf = try #require(Browser.hidden("_csrf", in: formPage))
            var fields = ["person.givenName": "Joan", "person.familyName": "Clarke", "person.dateOfBirth": "1950-01-02",
                          "person.postcode": "LS6 2QT", "person.phone": "07700 900001", "person.nhsNumber": "1234567890",
                          "sourceType": "gp", "needs": "loneliness", "consent.givenBy": "Joan", "consent.method": "verbal"]
            let (forged, _) = try await browser.go(.post, "/referrals", form: fields)
            #expect(forged.status == .forbidden)
            fields["_csrf"] = csrf
            let (refused, html) = try await browser.go(.post, "/referrals", form: fields)
            #expect(refused.status == .unprocessableContent)
            #expect(html.contains("There is a problem") && html.contains("check digit") && html.contains("consent to this referral"))
            #expect(html.contains("value=\"Joan\""), "what was typed is kept")
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)

            fields["person.nhsNumber"] = "943 476 5919"
            fields["consent.given"] = "yes"
            let (made, _) = try await browser.go(.post, "/referrals", form: fields)
            #expect(made.status == .seeOther)
            let id = try #require(try await s.store.referrals(ReferralQuery()).first?.id)
            let (page, body) = try await browser.go(.get, "/referrals/\(id)?made=1")
            #expect(page.status == .ok && body.contains("Referral made") && body.contains("Received"))
        }
    }

    @Test func someoneElsesReferralIsNotFound() async throws {
        try await withSite { s, browser in
            let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
            _ = try await browser.signIn(s.otherReferrer.email)
            let (response, html) = try await browser.go(.get, "/referrals/\(id)")
            #expect(response.status == .notFound && !html.contains("Margaret"))
            #expect(try await s.store.auditEvents(recordID: id.rawValue, limit: 5).first?.outcome == .denied)
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() async throws {
        try await withSite { _, browser in
            let (response, _) = try await browser.go(.get, "/referrals")
            #expect(response.status == .seeOther && response.headers[.location] == "/login")
        }
    }

    @Test("A page model renders without a server")
    func pageModelRenders() async throws {
        let clock = TestClock()
        let p = Principal(userID: UserID("gp"), role: .referrer, organisationID: nil, displayName: "Dr Gee")
        let (person, referral) = try TestScheme.submission().validated(by: p, env: clock.environment, practices: TestScheme.practices)
        let page = CasePage(Case(person: person, referral: referral), names: UserNames([]), services: [], organisations: [])
        #expect(page.canAccept && !page.canReferOut && page.hasRisk && page.nhsNumber == "943 476 5919")
        let renderer = try await PageRenderer()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        let html = renderer.render(.referral, View(title: page.personName, principal: lw, csrf: "token", page: page))
        #expect(html.contains("<h1>Margaret Hughes</h1>") && html.contains("Lives alone") && html.contains("id=\"accept\""))
    }
}

@Suite("Outcome pages", .closesStores)
struct OutcomePagesTests {
    @Test func questionnaireRecordsAndTheCaseShowsTheChart() async throws {
        let s = try await TestScheme.make(.sqlite)
        let id = try await s.engagedReferral()
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (unlicensed, refusal) = try await browser.go(.get, "/referrals/\(id)/outcomes/new?instrument=wemwbs")
            #expect(unlicensed.status == .conflict && refusal.contains("licence"))
            let (form, html) = try await browser.go(.get, "/referrals/\(id)/outcomes/new?instrument=ons4")
            #expect(form.status == .ok && html.contains("Overall, how satisfied are you with your life nowadays?"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            let answers = ["_csrf": csrf, "instrumentId": "ons4", "answers.life_satisfaction": "3", "answers.anxiety": "8"]
            var early = answers
            early["timepoint"] = "follow_up"
            let (refused, why) = try await browser.go(.post, "/referrals/\(id)/outcomes", form: early)
            #expect(refused.status == .conflict && why.contains("needs a baseline first"))
            #expect(try await s.store.administrations(referralID: id).isEmpty)
            var baseline = answers
            baseline["timepoint"] = "baseline"
            let (saved, _) = try await browser.go(.post, "/referrals/\(id)/outcomes", form: baseline)
            #expect(saved.status == .seeOther)
            let (_, casePage) = try await browser.go(.get, "/referrals/\(id)")
            #expect(casePage.contains("<svg class=\"chart\"") && casePage.contains("Life satisfaction") && casePage.contains("Latest: <strong>3 (Low)</strong>"))
            #expect(casePage.contains("id=\"record-ons4\"") && !casePage.contains("id=\"record-swemwbs\""))
        }
    }

    @Test func cohortAndInstrumentPagesCheckTheirInput() async throws {
        let s = try await TestScheme.make(.memory)
        try await withRouter(s) { client in
            let commissioner = WebPagesTests.Browser(client)
            _ = try await commissioner.signIn(s.commissioner.email)
            let (report, html) = try await commissioner.go(.get, "/outcomes/cohorts?instrument=ons4&score=anxiety&by=practice&minimumN=10")
            #expect(report.status == .ok && html.contains("id=\"cohort-table\"") && html.contains("Too few people"))
            #expect(html.contains("ONS Annual Population Survey, April 2022 to March 2023: 3.23"))
            let (bad, _) = try await commissioner.go(.get, "/outcomes/cohorts?instrument=ons4&minimumN=0")
            #expect(bad.status == .unprocessableContent)
            let (notAdmin, _) = try await commissioner.go(.get, "/admin/instruments")
            #expect(notAdmin.status == .forbidden)

            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let (_, page) = try await admin.go(.get, "/admin/instruments")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page))
            let (refused, _) = try await admin.go(.post, "/admin/instruments/swemwbs/licence", form: ["_csrf": csrf, "wording.item1": "x"])
            #expect(refused.status == .unprocessableContent)
            let (badJSON, why) = try await admin.go(.post, "/admin/instruments", form: ["_csrf": csrf, "definition": "{\"id\":"])
            #expect(badJSON.status == .unprocessableContent && why.contains("not valid instrument JSON"))
            #expect(try await s.store.instrumentSetups().isEmpty)
        }
    }
}

@Suite("Self-completion links", .closesStores)
struct SelfCompletionTests {
    @Test("The person fills in a measure through a one-use link", arguments: TestBackend.available)
    func selfCompletion(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        try await withRouter(s) { client in
            let worker = WebPagesTests.Browser(client)
            _ = try await worker.signIn(s.linkWorker.email)
            let (_, casePage) = try await worker.go(.get, "/referrals/\(id)")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: casePage))
            let (early, _) = try await worker.go(.post, "/referrals/\(id)/outcomes/invite", form: ["_csrf": csrf, "instrumentId": "ons4", "timepoint": "follow_up"])
            #expect(early.status == .conflict)
            let (created, page) = try await worker.go(.post, "/referrals/\(id)/outcomes/invite", form: ["_csrf": csrf, "instrumentId": "ons4", "timepoint": "baseline"])
            #expect(created.status == .ok)
            let link = try #require(page.range(of: "/measure/").map { String(page[$0.lowerBound...].prefix { $0 != "<" }) })

            let person = WebPagesTests.Browser(client)  // no account, no cookies
            let (form, questions) = try await person.go(.get, link)
            #expect(form.status == .ok && questions.contains("how anxious did you feel yesterday") && !questions.contains("Margaret"))
            let (bad, _) = try await person.go(.post, link, form: ["answers.anxiety": "11"])
            #expect(bad.status == .unprocessableContent)
            let (sent, thanks) = try await person.go(.post, link, form: ["answers.life_satisfaction": "4", "answers.anxiety": "6"])
            #expect(sent.status == .ok && thanks.contains("Thank you"))
            let (again, _) = try await person.go(.post, link, form: ["answers.life_satisfaction": "9"])
            #expect(again.status == .notFound, "a link works once")
            let stored = try await s.store.administrations(referralID: id)
            #expect(stored.count == 1 && stored[0].selfCompleted && stored[0].scores == ["life_satisfaction": 4, "anxiety": 6])
            #expect(stored[0].recordedBy == s.linkWorker.id)
            s.clock.advance(seconds: 8 * 86_400)
            _ = try await worker.signIn(s.linkWorker.email)  // the old session timed out meanwhile
            let (_, page2) = try await worker.go(.get, "/referrals/\(id)")
            let csrf2 = try #require(WebPagesTests.Browser.hidden("_csrf", in: page2))
            let (_, followUpPage) = try await worker.go(.post, "/referrals/\(id)/outcomes/invite", form: ["_csrf": csrf2, "instrumentId": "ons4", "timepoint": "follow_up"])
            let expiring = try #require(followUpPage.range(of: "/measure/").map { String(followUpPage[$0.lowerBound...].prefix { $0 != "<" }) })
            s.clock.advance(seconds: 8 * 86_400)
            #expect(try await person.go(.get, expiring).0.status == .notFound, "links expire after 7 days")
        }
    }
}

@Suite("Self-referral", .closesStores)
struct SelfReferralTests {
    @Test func aPersonRefersThemselfWithoutSigningIn() async throws {
        let s = try await TestScheme.make(.sqlite)
        var configuration = s.configuration
        configuration.selfReferralsPerHour = 2
        try await withRouter(s, configuration: configuration) { client in
            let visitor = WebPagesTests.Browser(client)
            let (page, html) = try await visitor.go(.get, "/self-referral")
            #expect(page.status == .ok && !html.contains("You are referring as"))
            let token = try #require(WebPagesTests.Browser.hidden("_form", in: html))
            var fields = ["_form": token, "person.givenName": "Rose", "person.familyName": "Hall", "person.dateOfBirth": "1950-02-03",
                          "person.postcode": "LS9 6PL", "person.phone": "07700 900777", "needs": "loneliness",
                          "personView": "I'd like to meet people"]
            let (noConsent, problems) = try await visitor.go(.post, "/self-referral", form: fields)
            #expect(noConsent.status == .unprocessableContent && problems.contains("consent to this referral"))
            fields["_form"] = try #require(WebPagesTests.Browser.hidden("_form", in: problems))  // the form as shown again
            fields["consent.given"] = "yes"
            let (forged, _) = try await WebPagesTests.Browser(client).go(.post, "/self-referral", form: fields)
            #expect(forged.status == .forbidden, "the form token must match this browser's cookie")
            // Sent, then redirected to the thank-you page, which a reload shows again (and does not re-send).
            let (sent, _) = try await visitor.go(.post, "/self-referral", form: fields)
            #expect(sent.status == .seeOther && sent.headers[.location] == "/self-referral/sent")
            let (thanks, confirmation) = try await visitor.go(.get, "/self-referral/sent")
            #expect(thanks.status == .ok && confirmation.contains("your referral has been sent") && !confirmation.contains("Rose"))
            let (_, reloaded) = try await visitor.go(.get, "/self-referral/sent")
            let reference = try #require(reloaded.range(of: #"id="reference">"#).map { String(reloaded[$0.upperBound...].prefix(8)) })
            #expect(confirmation.contains(reference) && reference.count == 8)
            let stored = try await s.store.referrals(ReferralQuery())
            #expect(stored.count == 1 && stored[0].referrerID == nil && stored[0].status == .received)
            let c = try #require(try await s.store.loadCase(stored[0].id))
            #expect(c.referral.sourceType == .selfReferral && c.referral.consent.givenBy == "Rose Hall" && c.referral.consent.method == .electronic)
            #expect(c.referral.consent.purposes == [.socialPrescribing], "optional purposes are opt-in")
            let (resent, _) = try await visitor.go(.post, "/self-referral", form: fields)
            #expect(resent.status == .forbidden, "a sent form cannot be sent twice")
            let (_, fresh) = try await visitor.go(.get, "/self-referral")
            fields["_form"] = try #require(WebPagesTests.Browser.hidden("_form", in: fresh))
            let (limited, _) = try await visitor.go(.post, "/self-referral", form: fields)
            #expect(limited.status == .tooManyRequests)
            #expect(try await s.store.referrals(ReferralQuery()).count == 1)
        }
    }
}

@Suite("A person's own record", .closesStores)
struct OwnRecordTests {
    @Test func aPersonSeesTheirRecordAndWhoLookedAtIt() async throws {
        let s = try await TestScheme.make(.sqlite)
        let id = try await s.engagedReferral()
        let other = try await s.casework.submitReferral(TestScheme.submission(givenName: "Someone", nhsNumber: nil), by: Principal(s.referrer))
        let c = try #require(try await s.store.loadCase(id))
        await #expect(throws: LinkwellError.self) {
            try await s.accounts.createUser(email: "nobody@test.example", displayName: "N", role: "person", organisationID: nil,
                                            password: TestScheme.password, personID: "no-such-person")
        }
        try await s.accounts.createUser(email: "margaret@test.example", displayName: "Margaret Hughes", role: "person", organisationID: nil,
                                        password: TestScheme.password, personID: c.person.id.rawValue)
        _ = try await s.casework.readCase(other.referral.id, s.request(s.supervisor))
        try await withRouter(s) { client in
            let person = WebPagesTests.Browser(client)
            let signedIn = try await person.signIn("margaret@test.example")
            #expect(signedIn.headers[.location] == "/")
            let (page, html) = try await person.go(.get, "/me")
            #expect(page.status == .ok && html.contains("Lee Worker") && html.contains("You are talking with your link worker"))
            #expect(html.contains("id=\"access-log\"") && html.contains("Link worker") && html.contains("Looked at your record"))
            #expect(!html.contains("Someone"), "only their own referrals")
            let (elsewhere, _) = try await person.go(.get, "/referrals/\(other.referral.id)")
            #expect(elsewhere.status == .forbidden)
        }
    }
}
