import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
@testable import LinkwellWeb
import Testing

/// The message catalogues and the person's choice of language: every language has every message with
/// the same placeholders; the public pages follow `?lang=`, the cookie and `Accept-Language`; staff pages
/// stay English; the right-to-left test language lays pages out right to left; validated instruments keep
/// their English wording (with a note) where no official translation is published.
@Suite("Languages", .closesStores)
struct LanguageTests {
    /// The page's text with apostrophes as written (Mustache escapes them as `&#39;`).
    static func text(_ html: String) -> String { html.replacingOccurrences(of: "&#39;", with: "'") }

    @Test("Every catalogue has every English key, with the same placeholders, and no empty message")
    func catalogues() throws {
        #expect(Catalogue.problems().isEmpty, "\(Catalogue.problems())")
        #expect(Catalogue.welsh.keys == Catalogue.english.keys)
        #expect(Catalogue.testRightToLeft.keys == Catalogue.english.keys)
        for key in Catalogue.english.keys {
            #expect(Catalogue.placeholders(Catalogue.welsh.text(key)) == Catalogue.placeholders(Catalogue.english.text(key)), "\(key)")
        }
        // Every code Core words for the person has a message (so a new status cannot reach a Welsh page in English).
        for status in ReferralStatus.allCases { #expect(Catalogue.welsh.optional("status.\(status.rawValue)") != nil) }
        for status in OnwardStatus.allCases { #expect(Catalogue.welsh.optional("onward.\(status.rawValue)") != nil) }
        for need in Need.allCases { #expect(Catalogue.welsh.optional("need.\(need.rawValue)") != nil) }
        // English labels are Core's own words, written once.
        #expect(Catalogue.english.text("need.loneliness") == Need.loneliness.label)
        #expect(Catalogue.english.text("status.closed") == ReferralStatus.closed.personLabel)
    }

    /// The templates the public or the person sees: their words must be public messages (translated, escaped).
    static let publicTemplates: Set<String> = [
        "layout", "error", "date_input", "login", "login_code", "me", "me_link_worker_changes", "measure_self",
        "measure_thanks", "public_directory", "public_service", "self_referral", "self_referral_chosen_service",
        "self_referral_done", "equality_monitoring",
    ]

    @Test("No template shows a word of its own: every word is a message, and public pages use only translated ones")
    func everyWordIsAMessage() throws {
        let directory = try #require(PageRenderer.bundledDirectory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }
        #expect(files.count >= 60)
        for file in files.sorted() {
            let template = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            #expect(Catalogue.wordsOutsideCatalogue(in: template).isEmpty, "\(file): \(Catalogue.wordsOutsideCatalogue(in: template))")
            let name = String(file.dropLast(".mustache".count))
            if Self.publicTemplates.contains(name) {
                #expect(!template.contains("{{{t."), "\(file) is public but shows a staff message, which is not translated")
                for key in Catalogue.references(in: template) { #expect(Catalogue.welsh.keys.contains(key), "\(file): \(key) has no Welsh") }
            }
        }
    }

    @Test("The word check finds text, attribute words and words beside Mustache tags, and passes messages")
    func wordCheckFindsWords() {
        #expect(Catalogue.wordsOutsideCatalogue(in: "<h1>{{{t.a.b}}}</h1><p>{{t.c.d}} {{name}}</p><!-- a note --><option{{#x}} selected{{/x}}>{{label}}</option>").isEmpty)
        #expect(Catalogue.wordsOutsideCatalogue(in: "<p>Sent {{when}}</p>") == ["Sent"])
        #expect(Catalogue.wordsOutsideCatalogue(in: #"<nav aria-label="Pages">{{t.x}}</nav>"#) == ["Pages"])
        #expect(Catalogue.wordsOutsideCatalogue(in: "{{#a}}Yes{{/a}}") == ["Yes"])
        #expect(Catalogue.wordsOutsideCatalogue(in: "<textarea>{{v}} kept</textarea><script>var x</script> · —").isEmpty)
    }

    @Test("The check finds a missing key, an extra key, a placeholder that differs and an empty message")
    func checkFindsProblems() {
        var broken = Catalogue.welsh.messages
        broken.removeValue(forKey: "selfReferral.heading")
        broken["selfReferral.nonsense"] = "Dim"
        broken["me.received"] = "Atgyfeiriad wedi'i dderbyn {dyddiad}"
        broken["me.title"] = " "
        let problems = Catalogue.problems([Catalogue.english, Catalogue(language: .welsh, messages: broken)])
        #expect(problems.contains("cy lacks selfReferral.heading"))
        #expect(problems.contains("cy has selfReferral.nonsense, which English lacks"))
        #expect(problems.contains { $0.hasPrefix("cy me.received has placeholders") })
        #expect(problems.contains("cy me.title is empty"))
        #expect(problems.count == 4, "\(problems)")
    }

    @Test("Placeholders are filled by name, and dates name the month in the language")
    func placeholdersAndDates() {
        let date = Date(timeIntervalSince1970: 1_795_000_000)  // 18 Nov 2026, 11:06 UTC (GMT in November)
        #expect(Catalogue.welsh.date(date) == "18 Tach 2026" && Catalogue.welsh.dateTime(date) == "18 Tach 2026, 11:06")
        #expect(Catalogue.english.date(date) == "18 Nov 2026")
        #expect(Catalogue.welsh.text("me.received", ["date": "19 Tach 2026"]) == "Atgyfeiriad wedi'i dderbyn 19 Tach 2026")
        #expect(Catalogue.placeholders("A {one} and {two}") == ["one", "two"])
    }

    @Test("A template naming a message no catalogue has fails the start, naming both")
    func unknownMessageFailsStart() async throws {
        let copy = try RenderingTests.templatesCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("self_referral.mustache")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("{{t.selfReferral.heading}}"))
        try text.replacingOccurrences(of: "{{t.selfReferral.heading}}", with: "{{t.selfReferral.headin}}").write(to: file, atomically: true, encoding: .utf8)
        let error = await #expect(throws: TemplateError.self) { try await PageRenderer(directory: copy.path) }
        #expect(error?.description.contains("self_referral.mustache") == true && error?.description.contains("selfReferral.headin") == true,
                "\(String(describing: error))")
    }

    @Test("Accept-Language picks the best offered language by quality; the test language is never picked")
    func acceptLanguage() {
        let offered: [Language] = [.english, .welsh, .testRightToLeft]
        #expect(Language.preferred("cy-GB,cy;q=0.9,en;q=0.8", offered: offered) == .welsh)
        #expect(Language.preferred("en-GB,en;q=0.9,cy;q=0.8", offered: offered) == .english)
        #expect(Language.preferred("fr-FR, cy;q=0.5, en;q=0.4", offered: offered) == .welsh)
        #expect(Language.preferred("cy;q=0, en", offered: offered) == .english)
        #expect(Language.preferred("fr, de", offered: offered) == nil)
        #expect(Language.preferred("en-x-rtl", offered: offered) == .english, "its primary language is English")
        #expect(Language.preferred("en-x-rtl, en", offered: [.welsh, .testRightToLeft]) == nil, "the test language is never picked")
        #expect(Language.preferred(nil, offered: offered) == nil)
    }

    @Test("The public pages follow ?lang=, then the cookie, then Accept-Language; staff pages stay English")
    func choosing() async throws {
        let s = try await TestScheme.make(.sqlite)
        try await withRouter(s) { client in
            let english = try await client.execute(uri: "/self-referral", method: .get)
            let englishHTML = String(buffer: english.body)
            #expect(englishHTML.contains(#"<html lang="en-GB" dir="ltr">"#) && englishHTML.contains("Refer yourself to social prescribing"))
            #expect(englishHTML.contains(#"href="/self-referral?lang=cy" lang="cy" hreflang="cy""#) && englishHTML.contains(">Cymraeg</a>"))
            #expect(!englishHTML.contains("lang=en-x-rtl"), "the test language is offered only when the server is started for it")

            let asked = try await client.execute(uri: "/self-referral", method: .get, headers: [.acceptLanguage: "cy-GB,cy;q=0.9,en;q=0.5"])
            let welsh = Self.text(String(buffer: asked.body))
            #expect(welsh.contains(#"<html lang="cy" dir="ltr">"#))
            #expect(welsh.contains("Atgyfeirio eich hun at bresgripsiynu cymdeithasol") && !welsh.contains("Refer yourself to social prescribing"))
            #expect(welsh.contains("<title>Atgyfeirio eich hun – Linkwell</title>") && welsh.contains("Unigrwydd neu ynysigrwydd"))
            #expect(welsh.contains(#"href="/self-referral?lang=en" lang="en-GB""#) && welsh.contains(">English</a>"))

            let browser = WebPagesTests.Browser(client)
            let (chosen, _) = try await browser.go(.get, "/login?lang=cy")
            let cookie = try #require(chosen.headers[values: .setCookie].first { $0.hasPrefix("lw_lang=cy") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("Max-Age=31536000"))
            let remembered = Self.text(try await browser.go(.get, "/self-referral/sent").1)
            #expect(remembered.contains(#"lang="cy""#) && remembered.contains("Diolch — mae eich atgyfeiriad wedi'i anfon"))
            let (_, signIn) = try await browser.go(.get, "/login")
            #expect(signIn.contains("<h1>Mewngofnodi</h1>") && signIn.contains("Cyfeiriad e-bost"))
            let (_, unknown) = try await browser.go(.get, "/login?lang=xx")
            #expect(unknown.contains(#"lang="cy""#), "an unknown language leaves the choice as it was")
            // A member of staff with the cookie still gets English staff pages.
            #expect(try await browser.signIn(s.linkWorker.email).status == .seeOther)
            let (_, caseload) = try await browser.go(.get, "/referrals")
            #expect(caseload.contains(#"<html lang="en-GB" dir="ltr">"#) && caseload.contains("Sign out") && !caseload.contains("Cymraeg"))
        }
    }

    @Test("Refused self-referrals are explained in Welsh, beside each field, and nothing is stored")
    func welshErrors() async throws {
        let s = try await TestScheme.make(.sqlite)
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            browser.cookies["lw_lang"] = "cy"
            let (_, html) = try await browser.go(.get, "/self-referral")
            let token = try #require(WebPagesTests.Browser.hidden("_form", in: html))
            let (refused, shown) = try await browser.go(.post, "/self-referral", form: [
                "_form": token, "person.givenName": "Rhys", "person.familyName": "", "person.dateOfBirth": "2090-01-01",
                "person.postcode": "nowhere", "person.phone": "07700 900123", "needs": "loneliness"])
            let problems = Self.text(shown)
            #expect(refused.status == .unprocessableContent)
            #expect(problems.contains("<title>Gwall: Atgyfeirio eich hun – Linkwell</title>") && problems.contains("Mae problem"))
            #expect(problems.contains("Rhowch eich cyfenw (hyd at 100 nod)"))
            #expect(problems.contains("Rhowch eich dyddiad geni fel dyddiad go iawn yn y gorffennol"))
            #expect(problems.contains("Rhowch god post yn y DU"))
            #expect(problems.contains("Ticiwch y blwch i gytuno i gael eich atgyfeirio"))
            #expect(problems.contains(#"<span class="visually-hidden">Gwall:</span>"#))
            #expect(!problems.contains("is required") && !problems.contains("cannot be in the future"), "no English domain message")
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)
        }
    }

    @Test("The person's own record and a self-completed measure in Welsh; the instrument keeps its English wording")
    func ownRecordAndMeasure() async throws {
        let s = try await TestScheme.make(.sqlite)
        let id = try await s.engagedReferral()
        try await withRouter(s) { client in
            let c = try #require(try await s.store.loadCase(id))
            let person = try await s.accounts.createUser(email: "gwen@test.example", displayName: "Gwen Hughes", role: "person",
                                                         organisationID: nil, password: TestScheme.password, personID: c.person.id.rawValue)
            let browser = WebPagesTests.Browser(client)
            browser.cookies["lw_lang"] = "cy"
            #expect(try await browser.signIn(person.email).status == .seeOther)
            let (own, mine) = try await browser.go(.get, "/me")
            let me = Self.text(mine)
            #expect(own.status == .ok && me.contains(#"<html lang="cy" dir="ltr">"#))
            #expect(me.contains("<h1>Fy nghofnod</h1>") && me.contains("Pwy sydd wedi edrych ar fy nghofnod"))
            #expect(me.contains("Rydych chi'n siarad â'ch gweithiwr cyswllt"), "the stage, in Welsh")
            #expect(me.contains("Cymorth gan y gwasanaeth presgripsiynu cymdeithasol") && me.contains(">Fy nghofnod</a>"))
            #expect(me.contains("Atgyfeiriad wedi'i dderbyn "))
            #expect(!me.contains("What you have agreed to") && !me.contains("Where it is now"))

            let worker = WebPagesTests.Browser(client)
            _ = try await worker.signIn(s.linkWorker.email)
            let (_, casePage) = try await worker.go(.get, "/referrals/\(id)")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: casePage))
            let (_, page) = try await worker.go(.post, "/referrals/\(id)/outcomes/invite", form: ["_csrf": csrf, "instrumentId": "ons4", "timepoint": "baseline"])
            let link = try #require(page.range(of: "/measure/").map { String(page[$0.lowerBound...].prefix { $0 != "<" }) })
            // In English there is no note and the wording is not marked (looking does not use the link up).
            let (_, plain) = try await WebPagesTests.Browser(client).go(.get, link)
            #expect(!plain.contains("translation-note") && !plain.contains(#"<div lang="en">"#) && plain.contains("There are no right or wrong answers."))
            let filler = WebPagesTests.Browser(client)
            filler.cookies["lw_lang"] = "cy"
            let (form, shownQuestions) = try await filler.go(.get, link)
            let questions = Self.text(shownQuestions)
            #expect(form.status == .ok && questions.contains(#"<html lang="cy""#))
            #expect(questions.contains("Mae eich gweithiwr cyswllt wedi gofyn i chi ateb y cwestiynau hyn (ar y dechrau)."))
            #expect(questions.contains(#"id="translation-note""#) && questions.contains("nad oes cyfieithiad swyddogol i'r Gymraeg wedi'i gyhoeddi"))
            #expect(questions.contains(#"<div lang="en">"#) && questions.contains("Overall, how satisfied are you with your life nowadays?"),
                    "the validated English wording, marked as English")
            #expect(questions.contains("Anfon fy atebion"))
            let (bad, badPage) = try await filler.go(.post, link, form: ["answers.anxiety": "x"])
            let problems = Self.text(badPage)
            #expect(bad.status == .unprocessableContent && problems.contains("Dewiswch ateb i'r cwestiwn hwn"))
            let (sent, thanks) = try await filler.go(.post, link, form: ["answers.life_satisfaction": "6"])
            #expect(sent.status == .ok && thanks.contains("<h1>Diolch</h1>") && thanks.contains(#"lang="cy""#))

        }
    }

    @Test("The right-to-left test language, offered only when configured, sets dir=rtl")
    func rightToLeft() async throws {
        let s = try await TestScheme.make(.sqlite)
        var configuration = s.configuration
        configuration.testRightToLeft = true
        try await withRouter(s, configuration: configuration) { client in
            let browser = WebPagesTests.Browser(client)
            let (_, offered) = try await browser.go(.get, "/self-referral")
            #expect(offered.contains(#"href="/self-referral?lang=en-x-rtl""#))
            let (_, rtl) = try await browser.go(.get, "/self-referral?lang=en-x-rtl")
            #expect(rtl.contains(#"<html lang="en-x-rtl" dir="rtl">"#) && rtl.contains("Refer yourself to social prescribing"))
        }
        try await withRouter(try await TestScheme.make(.sqlite)) { client in
            let (_, ignored) = try await WebPagesTests.Browser(client).go(.get, "/self-referral?lang=en-x-rtl")
            #expect(ignored.contains(#"dir="ltr""#), "not offered, so not chosen")
        }
    }

    @Test("The public directory's search and service pages are in Welsh when Welsh is chosen, and in English otherwise")
    func welshDirectory() async throws {
        let s = try await TestScheme.make(.sqlite)
        try await s.store.saveDirectory(DirectoryFixture.batch, at: s.clock.now, verified: true)
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            let (_, english) = try await browser.go(.get, "/find-support")
            #expect(english.contains("<h1>Find local groups and services</h1>") && english.contains(">Cymraeg</a>"))
            browser.cookies["lw_lang"] = "cy"
            let loneliness = try #require(NeedsTaxonomy.terms.first { $0.code == Need.loneliness.rawValue })
            let (searched, html) = try await browser.go(.get, "/find-support?need=\(loneliness.id)")
            let welsh = Self.text(html)
            #expect(searched.status == .ok)
            #expect(welsh.contains("<h1>Dod o hyd i grwpiau a gwasanaethau lleol</h1>") && welsh.contains("<title>Dod o hyd i grwpiau a gwasanaethau lleol – Linkwell</title>"))
            #expect(welsh.contains("Gyda beth hoffech chi gael help? (dewisol)") && welsh.contains(">Unrhyw beth</option>"))
            #expect(welsh.contains("Unigrwydd neu ynysigrwydd</option>"), "the needs in Welsh")
            #expect(welsh.contains(#"<h2 id="results-title">Wedi dod o hyd i"#) || welsh.contains(#"<h2 id="results-title">Doedden ni ddim"#))
            #expect(!welsh.contains("What are you looking for?") && !welsh.contains("Your postcode") && !welsh.contains("Ask a link worker"))
            let (_, service) = try await browser.go(.get, "/find-support/\(DirectoryFixture.walksID)")
            let page = Self.text(service)
            #expect(page.contains("Yn ôl i'r chwiliad") && !page.contains("Back to the search"))
            let (refused, problem) = try await browser.go(.get, "/find-support?postcode=12345")
            #expect(refused.status == .unprocessableContent && Self.text(problem).contains("Dydyn ni ddim yn gwybod ble mae'r cod post hwnnw"))
        }
    }
}
