import Foundation
import HTTPTypes
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
@testable import LinkwellWeb
import Testing

/// Every word a staff page shows comes from the message catalogue (issue #17), also the words page models,
/// controllers and Core's code labels build in Swift: the main staff pages are rendered with a marked catalogue
/// (every message wrapped in ⟦…⟧), and whatever text the body shows outside a mark must be the fixture's own data.
@Suite("Staff pages: every word a message", .closesStores)
struct StaffMessagesTests {
    /// Every English message, public and staff, wrapped in ⟦…⟧ (placeholders kept, so values land inside).
    static let marked: Catalogue = {
        var messages: [String: String] = [:]
        for key in Catalogue.english.keys { messages[key] = "⟦" + Catalogue.english.text(key) + "⟧" }
        for (key, message) in Catalogue.englishStaffMessages { messages[key] = "⟦" + message + "⟧" }
        return Catalogue(language: .english, messages: messages)
    }()

    /// Signs `user` in and fetches each of `paths`: each must answer 200 with no word outside the catalogue but
    /// `allowed`. The pages, by path.
    @discardableResult
    static func check(_ client: any TestClientProtocol, _ user: User, _ paths: [String], allowed: [String],
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: String] {
        let browser = WebPagesTests.Browser(client)
        #expect(try await browser.signIn(user.email).status == .seeOther, sourceLocation: sourceLocation)
        var pages: [String: String] = [:]
        for path in paths {
            let (response, html) = try await browser.go(.get, path)
            #expect(response.status == .ok, "\(path)", sourceLocation: sourceLocation)
            let left = unmarked(html, allowed: allowed)
            #expect(left.isEmpty, "\(path) shows words outside the catalogue: \(left)", sourceLocation: sourceLocation)
            pages[path] = html
        }
        return pages
    }

    /// The visible text of the page's `<body>` (header, menu, content, footer) left outside every mark, as phrases (tags, scripts and marked
    /// messages removed, entities decoded), less `allowed` (the fixture's own data) and anything without letters.
    static func unmarked(_ html: String, allowed: [String]) -> [String] {
        var main = html
        if let start = html.range(of: "<body"), let end = html.range(of: "</body>") { main = String(html[start.lowerBound..<end.upperBound]) }
        var text = main.replacing(/<(script|style)\b[^>]*>.*?<\/\1>/.dotMatchesNewlines(), with: " ")
            .replacing(/<[^>]*>/, with: "\u{1}")
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&nbsp;", with: " ")
        // Marks nest (a message holding another as a value): remove innermost first.
        while let match = text.firstMatch(of: /⟦[^⟦⟧]*⟧/) { text.replaceSubrange(match.range, with: "\u{1}") }
        // A chart shortens a long label with "…", cutting off its mark's end: still a message.
        text = text.replacing(/⟦[^⟦⟧\u{1}]*…/, with: "\u{1}")
        for value in allowed.sorted(by: { $0.count > $1.count }) { text = text.replacingOccurrences(of: value, with: "\u{1}") }
        return text.split(separator: "\u{1}").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { $0.contains(/[A-Za-z]/) }
    }

    @Test("The marking finds words outside messages and passes messages, nested ones and allowed data")
    func markingFindsWords() {
        #expect(Self.unmarked("<body><h1>⟦Caseload⟧</h1><p>⟦Waiting ⟦3⟧ days⟧ Margaret</p></body>", allowed: ["Margaret"]).isEmpty)
        #expect(Self.unmarked("<body><p>⟦Status⟧: Not yet allocated</p><p>Margaret</p></body>", allowed: []) == [": Not yet allocated", "Margaret"])
        #expect(Self.unmarked("<body><nav>Menu</nav><script>let a = 1</script></body>", allowed: []) == ["Menu"], "the menu counts; scripts do not")
        #expect(Self.unmarked("<title>Caseload</title><body><p>⟦x⟧</p></body>", allowed: []).isEmpty, "only <body> counts")
    }

    @Test("Every cohort group code and caveat, eligibility reason and import failure has an English message, worded as Core words it for the API")
    func cohortWordsMatchCore() {
        let values = ["need": Need.allCases[0].rawValue, "year": "2026", "quarter": "3", "decile": "05", "number": "2", "band": "Medium",
                      "min": "5", "max": "6", "value": "7"]
        for code in CohortGroup.Code.allCases {
            let group = CohortGroup(code, values.filter { code.english.contains("{\($0.key)}") })
            let page = Catalogue.english.cohortGroup(group)
            #expect(page == group.english && !page.contains("{"), "\(code): \(page)")
            #expect(Self.marked.cohortGroup(group).hasPrefix("⟦"), "\(code) is a message")
        }
        #expect(Catalogue.english.cohortGroup(CohortGroup(.need, ["need": Need.allCases[0].rawValue])) == Need.allCases[0].label)
        for caveat in CohortCaveat.allCases {
            let page = Catalogue.english.cohortCaveat(caveat, groupsCompared: 4)
            #expect(page == caveat.english(groupsCompared: 4) && !page.contains("{") && Self.marked.cohortCaveat(caveat, groupsCompared: 4).hasPrefix("⟦"),
                    "\(caveat): \(page)")
        }
        #expect(CohortCaveat.multiplicity.english(groupsCompared: 4).hasPrefix("Multiplicity: 4 groups"))
        // Where each instrument's meaningful-change threshold comes from: the page's words are Core's, through a message.
        for instrument in InstrumentRegistry.builtIn {
            for rule in instrument.scores {
                let source = MeaningfulChangeSource(instrument.id, rule)
                var thresholds: [Double?] = [rule.meaningfulChange]
                if source != .none { thresholds.append(2.5) }
                for threshold in thresholds {
                    let catalogue = Catalogue.english.text("outcomesCohorts.changeSource.\(source.rawValue)", MeaningfulChangeSource.values(threshold: threshold))
                    #expect(catalogue == source.english(threshold: threshold) && !catalogue.contains("{"), "\(instrument.id)/\(rule.id): \(catalogue)")
                    #expect(Self.marked.text("outcomesCohorts.changeSource.\(source.rawValue)", MeaningfulChangeSource.values(threshold: threshold)).hasPrefix("⟦"))
                }
            }
        }
        #expect(Set(InstrumentRegistry.builtIn.flatMap { i in i.scores.map { MeaningfulChangeSource(i.id, $0) } }).isSuperset(of: [.ons4Convention, .none]),
                "the built-in instruments use the convention and have a score without a threshold")
        #expect(MeaningfulChangeSource.wemwbsMaheswaran2012.english(threshold: 3).hasPrefix("3 points: the bottom"))
        let reasonValues = ["age": "70", "minimum": "90", "maximum": "60", "postcode": "LS1 4AP", "areas": "LS6, LS9"]
        for code in IneligibilityReason.Code.allCases {
            let reason = IneligibilityReason(code, reasonValues.filter { code.english.contains("{\($0.key)}") })
            let page = Catalogue.english.ineligibility(reason)
            #expect(page == reason.english && !page.contains("{") && Self.marked.ineligibility(reason).hasPrefix("⟦"), "\(code): \(page)")
        }
        for failure in ImportJob.Failure.allCases {
            var job = ImportJob(id: "j", source: "s", startedBy: UserID("u"), at: Date())
            job.fail(failure, detail: "line 3: bad")
            let page = Catalogue.english.importFailure(failure, detail: job.failureDetail)
            #expect(page == job.error && !page.contains("{") && Self.marked.importFailure(failure, detail: "x").hasPrefix("⟦"), "\(failure): \(page)")
        }
    }

    @Test("Every validation code and field label has an English message, worded as Core words it for the API; a translation overrides each")
    func fieldErrorWordsMatchCore() throws {
        for code in ValidationCode.allCases {
            // Every value the English names, filled with text of its own (the label from its code).
            let names = Catalogue.placeholders(code.english).subtracting(["label", "labelLowercased"])
            let error = FieldError("f", code, Dictionary(uniqueKeysWithValues: names.map { ($0, "<\($0)>") }), label: .givenName)
            let page = Catalogue.english.message(error)
            #expect(page == error.message && !page.contains("{") && !error.message.contains("{"), "\(code): \(page)")
            #expect(Catalogue.english.text("fieldError.\(code.rawValue)") == code.english)
            #expect(Self.marked.message(error).hasPrefix("⟦") && Self.marked.message(error).hasSuffix("⟧"), "\(code) is a message")
        }
        for label in FieldLabel.allCases { #expect(Catalogue.english.text("fieldLabel.\(label.rawValue)") == label.english) }
        let required = FieldError("person.givenName", .required, label: .givenName)
        #expect(required.message == "Given name is required." && Self.marked.message(required) == "⟦⟦Given name⟧ is required.⟧", "the label is a message too")
        #expect(Catalogue.english.message(DateInputError.missing.fieldError("d", label: .dateOfBirth)) == "Enter date of birth.")
        // What someone typed is a value, never read as a placeholder.
        let typed = FieldError("needs", .needUnknown, ["value": "{allowed}", "allowed": "a, b"])
        #expect(typed.message == "Unknown need '{allowed}'. Use: a, b." && Catalogue.english.message(typed) == typed.message)
        // A translation words a code and a label of its own; a code it has not translated keeps the words it has, and so
        // does a problem without a code.
        let translated = Catalogue(language: .welsh, messages: ["fieldError.required": "Mae angen {label}.", "fieldLabel.givenName": "enw cyntaf"])
        #expect(translated.message(required) == "Mae angen enw cyntaf.")
        #expect(translated.message(FieldError("x", .tooLong, ["max": "5"], label: .givenName)) == "Given name must be at most 5 characters.")
        #expect(translated.message(.page("x", "Mae'r ffurflen wedi dod i ben.")) == "Mae'r ffurflen wedi dod i ben.")
        #expect(Catalogue.english.message(.apiOnly("x", "resourceType must be ServiceRequest.")) == "resourceType must be ServiceRequest.")
        // API clients get the code and its values beside Core's English.
        let json = String(decoding: try JSONEncoder().encode(Problem(LinkwellError.invalid([FieldError("name", .tooLong, ["max": "200"], label: .name)]))), as: UTF8.self)
        #expect(json.contains(#""code":"tooLong""#) && json.contains(#""message":"Name must be at most 200 characters.""#) && json.contains(#""label":"name""#), "\(json)")
    }

    /// A value of its own kind for each placeholder a conflict names: coded values as codes, data as `<name>`.
    static func conflictValues(_ code: ConflictCode) -> [String: String] {
        let coded = ["status": ReferralStatus.planAgreed.rawValue, "next": ReferralStatus.unableToContact.rawValue,
                     "onwardStatus": OnwardStatus.inProgress.rawValue, "onwardNext": OnwardStatus.enteredInError.rawValue,
                     "timepoint": Timepoint.followUp.rawValue, "grantStatus": GrantStatus.awarded.rawValue,
                     "kind": ProfileKind.interest.rawValue, "purpose": ConsentPurpose.shareWithProviders.rawValue]
        return Dictionary(uniqueKeysWithValues: Catalogue.placeholders(code.english).map { ($0, coded[$0] ?? "<\($0)>") })
    }

    @Test("Every conflict code has an English message, worded as Core words it for the API; a translation overrides each")
    func conflictWordsMatchCore() throws {
        for code in ConflictCode.allCases {
            let conflict = Conflict(code, Self.conflictValues(code))
            let page = Catalogue.english.message(conflict)
            #expect(page == conflict.message && !page.contains("{") && !conflict.message.contains("{"), "\(code): \(page)")
            #expect(Catalogue.english.text("conflict.\(code.rawValue)") == code.english)
            let marked = Self.marked.message(conflict)
            #expect(marked.hasPrefix("⟦") && marked.hasSuffix("⟧"), "\(code) is a message: \(marked)")
            // Shown against a form, the conflict keeps its code and is worded the same way.
            let field = FieldError.conflict("action", conflict)
            #expect(field.conflict == conflict && field.message == conflict.message && Self.marked.message(field) == marked, "\(code)")
        }
        // Coded values are codes, worded by the catalogue (a status through its code's label).
        let illegal = Conflict(.illegalTransition, ["status": "plan_agreed", "next": "received"])
        #expect(illegal.message == "A referral that is plan agreed cannot become received.")
        #expect(Self.marked.message(illegal) == "⟦A referral that is ⟦plan agreed⟧ cannot become ⟦received⟧.⟧")
        #expect(Conflict(.grantDecided, ["grantStatus": "awarded"]).message == "This application has already been decided (Awarded).")
        #expect(Conflict(.openReferralToHandOver, ["name": "Sam", "count": "1"]).message
                == "Sam has 1 open referral. Hand them over to another link worker, or back to the supervisors, first.")
        #expect(Conflict(.consentNotHeld, ["purpose": "share_with_referrer"]).message
                == "Consent for 'Updates to the referrer and GP' is not held, so it cannot be withdrawn.", "a purpose by its label, not its code")
        // What someone typed is a value, never read as a placeholder.
        #expect(Conflict(.caseAlreadyHeld, ["name": "{status}"]).message == "{status} already holds this case.")
        // Welsh words the conflicts a person meets, a status in the person's own words for it; a code it has not translated
        // keeps Core's English.
        #expect(Catalogue.welsh.message(Conflict(.measuresNotInSupport, ["status": "closed"]))
                == "Dim ond tra'ch bod chi'n cael cymorth y gellir cofnodi mesurau: mae eich cymorth wedi dod i ben.")
        #expect(Catalogue.welsh.message(Conflict(.measureNeedsBaseline, ["timepoint": "follow_up"])) == "Mae angen mesur ar y dechrau cyn mesur dilynol.")
        #expect(Catalogue.welsh.message(illegal) == illegal.message)
        for code in Catalogue.publicConflicts { #expect(Catalogue.welsh.keys.contains("conflict.\(code.rawValue)"), "\(code) in Welsh") }
        // An instrument that may not be used: a code, worded like any other problem.
        let unavailable = FieldError("instrumentId", .instrumentSwitchedOff, ["instrument": "ONS4"])
        #expect(unavailable.message == "ONS4 has been switched off by the scheme." && Self.marked.message(unavailable) == "⟦ONS4 has been switched off by the scheme.⟧")
        #expect(Conflict(.instrumentSwitchedOff, ["instrument": "ONS4"]).message == unavailable.message)
        // API clients get the code and its values beside Core's English.
        let json = String(decoding: try JSONEncoder().encode(Problem(LinkwellError.conflict(illegal))), as: UTF8.self)
        #expect(json.contains(#""code":"illegalTransition""#) && json.contains(#""next":"received""#) && json.contains(#""status":409"#)
                && json.contains(#""detail":"A referral that is plan agreed cannot become received.""#), "\(json)")
    }

    /// The error summary and every inline message of a page that refused a form: the problems, as fragments.
    static func problemsShown(_ html: String) -> [String] {
        var shown: [String] = []
        if let start = html.range(of: "<div class=\"error-summary\""), let end = html[start.upperBound...].range(of: "</div>") {
            shown.append(String(html[start.lowerBound..<end.upperBound]))
        }
        var rest = html[...]
        while let start = rest.range(of: "<span class=\"error-message\""), let prefix = rest[start.upperBound...].range(of: "</span>"),
              let end = rest[prefix.upperBound...].range(of: "</span>") {
            shown.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return shown
    }

    /// Sends `form` to `path` as `user`, with the CSRF token of `formPage`, expecting `status`: the page and the problems it
    /// shows (`problemsShown`), each of which must be all messages.
    static func submitted(_ client: any TestClientProtocol, _ user: User, _ formPage: String, _ path: String, _ form: [String: String],
                          _ status: HTTPResponse.Status, sourceLocation: SourceLocation) async throws -> (html: String, shown: [String]) {
        let browser = WebPagesTests.Browser(client)
        _ = try await browser.signIn(user.email)
        let (_, page) = try await browser.go(.get, formPage)
        let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page), sourceLocation: sourceLocation)
        let (response, html) = try await browser.go(.post, path, form: form.merging(["_csrf": csrf]) { a, _ in a })
        #expect(response.status == status, "\(path)", sourceLocation: sourceLocation)
        let shown = problemsShown(html)
        for fragment in shown {
            let left = unmarked("<body>\(fragment)</body>", allowed: [])
            #expect(left.isEmpty, "\(path) shows a problem outside the catalogue: \(left) in \(fragment)", sourceLocation: sourceLocation)
        }
        return (html, shown)
    }

    @Test("Refused staff forms (a new referral, a contact on the case page, a new user, an outcome measure, a code list import) word every problem through the catalogue",
          arguments: TestBackend.available)
    func refusedFormsAreMessages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let engaged = try await s.engagedReferral()
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        try await withRouter(s, configuration: configuration) { client in
            /// Sends `form` to `path` as `user` (with the CSRF token of `formPage`): it must be refused with 422, showing at least
            /// `problems` problems in the summary and as many inline, every word of them a message.
            func refused(_ user: User, _ formPage: String, _ path: String, _ form: [String: String], problems: Int, inline: Bool = true,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
                let (html, shown) = try await Self.submitted(client, user, formPage, path, form, .unprocessableContent, sourceLocation: sourceLocation)
                let summary = shown.first ?? ""
                #expect(summary.components(separatedBy: "<li>").count - 1 >= problems, "\(path): \(summary)", sourceLocation: sourceLocation)
                #expect(!inline || shown.count > 1, "\(path) shows inline messages", sourceLocation: sourceLocation)
                return html
            }
            let id = engaged.rawValue
            // A referral with almost everything wrong: no names, a bad NHS number, date of birth, postcode and email, no need, no consent.
            let referral = try await refused(s.linkWorker, "/referrals/new", "/referrals", [
                "person.nhsNumber": "1234567890", "person.dateOfBirth-day": "31", "person.dateOfBirth-month": "2", "person.dateOfBirth-year": "1950",
                "person.postcode": "nowhere", "person.email": "not-an-address", "sourceType": "carrier_pigeon", "person.gpPracticeCode": "Q",
            ], problems: 8)
            #expect(referral.contains("⟦⟦Given name⟧ is required.⟧") && referral.contains("⟦NHS number must be 10 digits with a valid check digit.⟧"))
            // A contact with no duration and a time in the future; a user with a bad email, no name and a short password; a measure
            // with an answer out of range and one not chosen.
            _ = try await refused(s.linkWorker, "/referrals/\(id)", "/referrals/\(id)/contacts",
                                  ["mode": "phone", "at": "2099-01-01T10:00", "outcome": "carrier_pigeon"], problems: 3)
            _ = try await refused(s.admin, "/admin/users", "/admin/users", ["email": "nobody", "role": "wizard", "password": "short"], problems: 4)
            _ = try await refused(s.linkWorker, "/referrals/\(id)/outcomes/new", "/referrals/\(id)/outcomes",
                                  ["instrumentId": "ons4", "timepoint": "follow_up", "answers.anxiety": "11", "answers.happiness": "x"], problems: 1,
                                  inline: false)  // (an answer is a group of radios: its message is the summary's)
            // A code list's rows, each problem named by its row, worded on the page (the row is the data's own reference).
            let codeList = try await refused(s.admin, "/admin/code-lists", "/admin/code-lists/risks/import", ["csv": "key,system,code\ndragons,,\n"], problems: 1)
            #expect(codeList.contains("⟦rows[2].key: ⟦Unknown value 'dragons'"), "the row's problem is a message inside the page's own")
        }
    }

    @Test("Refused actions that conflict with the record (an illegal step on the case page, a provider answering a referral out twice, an admin deactivating themself, a check-out with no check-in) word the reason through the catalogue; the error page words a conflict no form catches, and the person's pages word theirs in Welsh",
          arguments: TestBackend.available)
    func refusedConflictsAreMessages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let engaged = try await s.engagedReferral()
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        try await withRouter(s, configuration: configuration) { client in
            let api = APIClient(client: client, s: s)
            /// Sends `form` to `path` as `user` (with the CSRF token of `formPage`): it must be refused with 409, showing the reason
            /// in the summary and beside the form, every word of it a message.
            func conflicted(_ user: User, _ formPage: String, _ path: String, _ form: [String: String] = [:],
                            sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
                let (html, shown) = try await Self.submitted(client, user, formPage, path, form, .conflict, sourceLocation: sourceLocation)
                #expect(!shown.isEmpty && shown[0].contains("<li>"), "\(path) shows the reason", sourceLocation: sourceLocation)
                return html.replacingOccurrences(of: "&#39;", with: "'")
            }
            let id = engaged.rawValue
            // Accepting a referral already engaged: an illegal step, its statuses messages too.
            let step = try await conflicted(s.linkWorker, "/referrals/\(id)", "/referrals/\(id)/accept")
            #expect(step.contains("⟦A referral that is ⟦engaged⟧ cannot become ⟦accepted⟧.⟧"), "the statuses are messages inside the reason")
            // Checking out of a visit never checked into (a stale page).
            let visit = try await conflicted(s.linkWorker, "/referrals/\(id)", "/referrals/\(id)/visit-check-out")
            #expect(visit.contains("⟦You are not checked in for a visit to this person.⟧"))
            // A provider accepting a referral out they have already accepted.
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-walks"}"#, expect: .created)
            let onward = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)
            let provider = try await conflicted(s.provider, "/provider/referrals/\(onward)", "/provider/referrals/\(onward)/accept")
            #expect(provider.contains("⟦A referral out that is ⟦accepted⟧ cannot become ⟦accepted⟧.⟧"))
            // An administrator deactivating their own account.
            let admin = try await conflicted(s.admin, "/admin/users/\(s.admin.id)", "/admin/users/\(s.admin.id)/deactivate")
            #expect(admin.contains("⟦You cannot deactivate your own account.⟧"))

            // A conflict no form catches: the error page words it through the catalogue of the page's language (error pages are
            // rendered before anyone is known to be signed in, so in the public catalogues). A questionnaire for an instrument the
            // scheme has not licensed, in English: Core's words.
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (response, errorPage) = try await browser.go(.get, "/referrals/\(id)/outcomes/new?instrument=wemwbs")
            #expect(response.status == .conflict)
            let wemwbs = try await s.outcomes.instrument("wemwbs")
            #expect(errorPage.replacingOccurrences(of: "&#39;", with: "'").contains("<h1>Conflict with the record's current state</h1>\n<p>\(try #require(wemwbs.unavailableReason))</p>"))
            // A person answering a measure from a link after their link worker recorded the same baseline, in Welsh.
            let answers = ["life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 3]
            _ = try await s.outcomes.invite(engaged, instrumentID: "ons4", timepoint: "baseline", tokenHash: Accounts.sha256("conflicting-link"), s.request(s.linkWorker))
            _ = try await s.outcomes.record(engaged, .init(instrumentId: "ons4", timepoint: "baseline", answers: answers), s.request(s.linkWorker))
            let visitor = WebPagesTests.Browser(client)
            _ = try await visitor.go(.get, "/measure/conflicting-link?lang=cy")
            let (sent, measurePage) = try await visitor.go(.post, "/measure/conflicting-link",
                                                         form: Dictionary(uniqueKeysWithValues: answers.map { ("answers.\($0.key)", String($0.value)) }))
            #expect(sent.status == .conflict)
            let ons4 = try await s.outcomes.instrument("ons4").instrument.name
            let welshReason = Catalogue.welsh.message(Conflict(.instrumentBaselineExists, ["instrument": ons4]))
            #expect(welshReason.hasPrefix("Mae mesur cyntaf"))
            #expect(measurePage.replacingOccurrences(of: "&#39;", with: "'").contains("<h1>\(Catalogue.welsh.text("error.conflict"))</h1>\n<p>\(welshReason)</p>"),
                    "the error page in Welsh: \(measurePage)")

            // The person's own record in Welsh: asking to come back while still supported.
            let c = try #require(try await s.store.loadCase(engaged))
            let person = try await s.accounts.createUser(email: "margaret@test.example", displayName: "Margaret Hughes", role: "person",
                                                         organisationID: nil, password: TestScheme.password, personID: c.person.id.rawValue)
            let me = WebPagesTests.Browser(client)
            _ = try await me.signIn(person.email)
            let (_, record) = try await me.go(.get, "/me?lang=cy")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: record))
            let (refused, welsh) = try await me.go(.post, "/me/referrals/\(id)/come-back", form: ["_csrf": csrf, "message": ""])
            #expect(refused.status == .conflict)
            #expect(welsh.replacingOccurrences(of: "&#39;", with: "'").contains(Catalogue.welsh.text("conflict.stillSupported")), "the reason in Welsh")
            #expect(!welsh.contains(ConflictCode.stillSupported.english) && !welsh.contains(Catalogue.welsh.text("me.error")))
        }
    }

    @Test("Error pages are worded by the catalogue in the page's language: input refused outside a form (a link with a bad page number) as a form would word it, and a page that is not there, a page the role may not see and one no route knows by their kind, never the API's English",
          arguments: TestBackend.available)
    func refusedLinksAreMessages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let problem = FieldError("page", .pageNumberOutOfRange, ["max": String(PageNumber.maximum)])
            let (response, html) = try await admin.go(.get, "/admin/organisations?page=zz")
            #expect(response.status == .unprocessableContent)
            let english = html.replacingOccurrences(of: "&#39;", with: "'")
            #expect(english.contains("<h1>\(Catalogue.english.text("error.invalid"))</h1>\n<p>\(Catalogue.english.message(problem))</p>"), "\(html)")
            #expect(!english.contains("page: ") && !english.contains("Some of the input is not valid"), "not the API's field-prefixed English")
            // In Welsh (error pages are rendered in the public catalogue of the visitor's language).
            _ = try await admin.go(.get, "/login?lang=cy")
            let (_, welsh) = try await admin.go(.get, "/admin/organisations?page=zz")
            #expect(welsh.contains("<h1>\(Catalogue.welsh.text("error.invalid"))</h1>"), "\(welsh)")
            #expect(Catalogue.welsh.text("error.invalid") != Catalogue.english.text("error.invalid"))

            // Not there (a referral another referrer may not know of, and a path no route knows), and not allowed (an admin
            // page for a referrer), in both languages: each its own words, not the API's ("There is no referral here").
            let referral = try await s.engagedReferral()
            let referrer = WebPagesTests.Browser(client)
            _ = try await referrer.signIn(s.otherReferrer.email)
            for language in [Catalogue.english, Catalogue.welsh] {
                _ = try await referrer.go(.get, "/login?lang=\(language.language == .welsh ? "cy" : "en")")
                for (path, status, kind) in [("/referrals/\(referral.rawValue)", HTTPResponse.Status.notFound, "notFound"),
                                             ("/no-such-page", .notFound, "notFound"), ("/admin/users", .forbidden, "forbidden")] {
                    let (response, page) = try await referrer.go(.get, path)
                    #expect(response.status == status, "\(path)")
                    let shown = page.replacingOccurrences(of: "&#39;", with: "'")
                    #expect(shown.contains("<h1>\(language.text("error.\(kind).title"))</h1>\n<p>\(language.text("error.\(kind).detail"))</p>"),
                            "\(path) in \(language.language): \(page)")
                    #expect(!shown.contains("There is no referral") && !shown.contains("Not allowed") && !shown.contains("<h1>Not Found</h1>"))
                }
            }
            #expect(Catalogue.welsh.text("error.notFound.title") != Catalogue.english.text("error.notFound.title"))
        }
    }

    /// The fixture's own data, which pages show as it is: people's, users', teams' and services' names,
    /// what was typed about the person, e-mail addresses.
    static func fixtureData(_ s: TestScheme) -> [String] {
        let users = [s.referrer, s.otherReferrer, s.linkWorker, s.otherLinkWorker, s.supervisor, s.provider, s.otherProvider, s.admin, s.commissioner]
        return users.flatMap { [$0.displayName, $0.email] } + [
            "Margaret Hughes", "Margaret", "Hughes", "Ada", "LS1 4AP", "ls1 4ap", "07700 900123", "English", "Hard of hearing",
            "I'd like to get out more.", "Lives alone", "long-term conditions", "North", "Health walks", "Debt advice",
            "Riverside Walkers", "Money Matters", TestScheme.practice.name, "Y99001", "ons4", "ONS4",
        ]
    }

    @Test("The caseload, case page, team pages and admin user list show no word outside the catalogue", arguments: TestBackend.available)
    func mainStaffPages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let engaged = try await s.engagedReferral()
        let waiting = try await s.casework.submitReferral(TestScheme.submission(givenName: "Ada"), by: Principal(s.referrer)).referral.id
        // Criteria the person fails (their age and postcode), so that the case page gives the reasons.
        var settings = try await s.store.schemeSettings()
        (settings.minimumAge, settings.catchmentAreas) = (110, ["LS6", "LS9"])
        try await s.store.saveSchemeSettings(settings)
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        // Also data: the instruments' published names, and the messages back stored with the case (written when
        // sent, kept as sent).
        let stored = try await s.casework.readCase(engaged, s.request(s.linkWorker)).messages.map(\.body)
        let allowed = Self.fixtureData(s) + (try await s.outcomes.instruments().map(\.instrument.name)) + stored
        try await withRouter(s, configuration: configuration) { client in
            func check(_ user: User, _ paths: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
                try await Self.check(client, user, paths, allowed: allowed, sourceLocation: sourceLocation)
            }
            let pages = try await Self.check(client, s.linkWorker, ["/referrals", "/referrals/\(engaged.rawValue)", "/referrals/\(waiting.rawValue)?made=1"],
                                             allowed: allowed)
            // (The triage panel of a waiting referral.)
            let casePage = try #require(pages["/referrals/\(waiting.rawValue)?made=1"]).replacingOccurrences(of: "&#39;", with: "'")
            #expect(casePage.contains(/⟦Does not meet the scheme's criteria: ⟦aged \d+, under the minimum of 110⟧; ⟦postcode LS1 4AP is outside the catchment \(LS6, LS9\)⟧\.⟧/),
                    "each reason is a message")
            let supervisor = WebPagesTests.Browser(client)
            _ = try await supervisor.signIn(s.supervisor.email)
            let (_, teams) = try await supervisor.go(.get, "/teams")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: teams))
            let (created, _) = try await supervisor.go(.post, "/teams", form: ["_csrf": csrf, "name": "North", "kind": "locality"])
            let team = try #require(created.headers[.location])
            try await check(s.supervisor, ["/referrals", "/teams", team])
            try await check(s.admin, ["/admin/users"])
        }
    }

    /// The instruments' own published words (names, score names, bands, population sources), shown as they are.
    static func instrumentWords(_ s: TestScheme) async throws -> [String] {
        try await s.outcomes.instruments().flatMap { available -> [String] in
            let i = available.instrument
            return [i.name] + i.scores.flatMap { score in [score.label] + score.bands.map(\.label) + [score.populationSource].compactMap { $0 } }
        }
    }

    @Test("The referrer's case page, the safeguarding queue, the outcomes panel, group threads and the provider's pages show no word outside the catalogue",
          arguments: TestBackend.available)
    func casePartsAndProviderPages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        let engaged = try await s.engagedReferral()
        // Waiting (no link worker yet), not shared with the referrer, and closed with a reason and a note.
        let waiting = try await s.casework.submitReferral(TestScheme.submission(givenName: "Ada"), by: Principal(s.referrer)).referral.id
        var private_ = TestScheme.submission(givenName: "Ada")
        private_.consent?.purposes = ["share_with_providers"]
        let notShared = try await s.engagedReferral(private_)
        let closed = try await s.engagedReferral(TestScheme.submission(givenName: "Ada"))
        // Two ONS4 forms a week apart: a change, a verdict, bands and a chart.
        _ = try await s.outcomes.record(engaged, .init(instrumentId: "ons4", timepoint: "baseline",
                                                       answers: ["life_satisfaction": 3, "worthwhile": 5, "happiness": 4, "anxiety": 8]), lw)
        s.clock.advance(seconds: 7 * 86400)
        _ = try await s.outcomes.record(engaged, .init(instrumentId: "ons4", timepoint: "follow_up",
                                                       answers: ["life_satisfaction": 7, "worthwhile": 5, "happiness": 6, "anxiety": 3]), lw)
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        // The directory's fixture (its listings are searched and opened at the end).
        try await s.store.saveDirectory(DirectoryFixture.batch, at: s.clock.now, verified: true)
        // "test": the purpose of the API tokens the fixture makes (`TestScheme.token(for:)`).
        let written = ["test", "Getting out", "Walk", "She prefers mornings.", "Thursday 10am suits us.", "Disclosed financial abuse by a relative",
                       "Falls at home", "Walking weekly", "Bruising on her arms at the walk"]
        try await withRouter(s, configuration: configuration) { client in
            let api = APIClient(client: client, s: s)
            let id = engaged.rawValue
            try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: #"{"whatMatters":"Getting out","goals":["Walk"]}"#, expect: .ok)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                         json: #"{"serviceId":"\#(s.service.id.rawValue)","handover":{"returnWindowDays":14}}"#, expect: .created)
            let onward = try #require((out["onwardReferrals"] as? [[String: Any]])?.last?["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals/\(onward)/messages", as: s.linkWorker,
                               json: #"{"body":"She prefers mornings."}"#, expect: .created)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/messages", as: s.provider, json: #"{"body":"Thursday 10am suits us."}"#, expect: .created)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/concerns", as: s.provider,
                               json: #"{"description":"Bruising on her arms at the walk"}"#, expect: .created)
            // One concern escalated to the referrer and acknowledged, one to the GP left waiting (overdue after two days).
            let raised = try await api.call(.post, "/api/v1/referrals/\(id)/concerns", as: s.linkWorker,
                                            json: #"{"description":"Disclosed financial abuse by a relative","escalateTo":"referrer"}"#, expect: .ok)
            let concern = try #require((raised["concerns"] as? [[String: Any]])?.last?["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.referrer, json: "{}", expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns", as: s.linkWorker,
                               json: #"{"description":"Falls at home","escalateTo":"gp"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(closed.rawValue)/close", as: s.linkWorker,
                               json: #"{"reason":"goals_met","note":"Walking weekly"}"#, expect: .ok)
            s.clock.advance(seconds: 49 * 3600)
            // The group took the person on and reported a session (its date is shown like every other date).
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)
            let session = CalendarDate(s.clock.now)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/attendance", as: s.provider,
                               json: #"{"attended":true,"sessionDate":"\#(session)"}"#, expect: .ok)

            var stored: [String] = []
            for referral in [engaged, closed, notShared] { stored += try await s.casework.readCase(referral, lw).messages.map(\.body) }
            let allowed = Self.fixtureData(s) + (try await Self.instrumentWords(s)) + stored + written
            func check(_ user: User, _ paths: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: String] {
                try await Self.check(client, user, paths, allowed: allowed, sourceLocation: sourceLocation)
            }
            let referrer = try await check(s.referrer, ["/referrals/\(id)", "/referrals/\(waiting.rawValue)", "/referrals/\(notShared.rawValue)",
                                                        "/referrals/\(closed.rawValue)"])
            // The pages really show what is being checked: the acknowledged escalation, each state's wording, the outcome.
            #expect(referrer["/referrals/\(id)"]?.contains("⟦You acknowledged this on ") == true)
            #expect(referrer["/referrals/\(waiting.rawValue)"]?.contains("⟦Not yet allocated⟧") == true)
            #expect(referrer["/referrals/\(notShared.rawValue)"]?.contains("⟦Not shared with you⟧") == true)
            #expect(referrer["/referrals/\(closed.rawValue)"]?.contains("⟦⟦Goals met⟧: Walking weekly⟧") == true)
            let linkWorker = try await check(s.linkWorker, ["/referrals/\(id)"])
            let casePage = try #require(linkWorker["/referrals/\(id)"])
            #expect(casePage.contains("She prefers mornings.") && casePage.contains("⟦Meaningful improvement⟧") && casePage.contains("<svg class=\"chart\""))
            let supervisor = try await check(s.supervisor, ["/safeguarding"])
            #expect(supervisor["/safeguarding"]?.contains("⟦Waiting for acknowledgement⟧") == true)
            let provider = try await check(s.provider, ["/provider", "/provider/referrals/\(onward)"])
            #expect(provider["/provider/referrals/\(onward)"]?.contains("Thursday 10am suits us.") == true)
            // Session dates read "5 ⟦Dec⟧ 2026", not "2026-12-05", on the provider's page and the link worker's.
            let sessionShown = "\(session.day) ⟦\(Catalogue.english.text("month.\(session.month)"))⟧ \(session.year)"
            #expect(provider["/provider/referrals/\(onward)"]?.contains("<ul id=\"attendance\"><li>\(sessionShown): ") == true)
            #expect(casePage.contains("\(sessionShown): "), "the case page shows the session date as a date")
            // The account page and the administrator's tokens, with a token that has never been used.
            _ = try await s.token(for: s.linkWorker)
            let account = try await check(s.linkWorker, ["/account"])
            #expect(account["/account"]?.contains("⟦Never⟧") == true && account["/account"]?.contains("⟦Active⟧") == true)
            _ = try await check(s.admin, ["/admin/tokens"])
            // The directory search's own words, its results' reasons and the governance lines (an insurance expiring
            // soon, so that the line names a check and a date).
            let soon = CalendarDate(s.clock.now.addingTimeInterval(10 * 86400))
            try await api.call(.post, "/api/v1/directory/organizations/\(DirectoryFixture.walkersOrg)/governance", as: s.admin,
                               json: #"{"constituted":true,"safeguardingPolicy":true,"insurance":true,"insuranceExpires":"\#(soon)"}"#, expect: .ok)
            let directoryData = allowed + DirectoryFixture.batch.services.flatMap { [$0.name + " venue", $0.name, $0.description ?? ""] }
                + DirectoryFixture.batch.organizations.map(\.name) + NeedsTaxonomy.terms.map(\.name) + ["1 Test Street", "Leeds", "LS1 4AP", "Step-free route", "en"]
            // The review queue's reminder of the expiring insurance: the check found by its code and worded by the catalogue.
            let review = try await Self.check(client, s.admin, ["/directory/review"], allowed: directoryData)
            #expect(review["/directory/review"]?.contains(/<ul id="governance-due"><li><strong>[^<]+<\/strong>: ⟦insurance⟧ ⟦expires/) == true,
                    "the reminder names its check by a message")
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (_, search) = try await browser.go(.get, "/directory?search=walks&accessible=yes&day=FR&time=10:30")
            #expect(search.contains(/⟦[1-9]\d* services? found⟧/), "the count is a message")
            #expect(search.contains("⟦Monday⟧") && search.contains("⟦Sunday⟧"), "the days are messages")
            #expect(search.contains("⟦“walks” in the name⟧"), "a reason is a message")
            #expect(search.contains("⟦Governance checks current; ⟦⟦insurance⟧ expires on "), "the governance line is messages")
            let searchLeft = Self.unmarked(search, allowed: directoryData)
            #expect(searchLeft.isEmpty, "the directory search shows words outside the catalogue: \(searchLeft)")
            let (_, service) = try await browser.go(.get, "/directory/services/\(DirectoryFixture.walksID)")
            #expect(service.contains("⟦⟦✓ ⟦constituted⟧⟧"), "the service page's governance line is messages")
            let serviceLeft = Self.unmarked(service, allowed: directoryData)
            #expect(serviceLeft.isEmpty, "the service page shows words outside the catalogue: \(serviceLeft)")
            #expect(service.contains("⟦Last verified ") || service.contains("⟦Never verified⟧"), "when it was verified is a message")
            #expect(service.contains("<span class=\"tag\">⟦Active⟧</span>"), "the status is a code label")
            #expect(service.contains(/<dd id="capacity">⟦[^⟦⟧]+⟧<\/dd>/), "the capacity is a message")
        }
    }

    @Test("Commissioning, insight, outcomes, the referral form and the admin pages show no word outside the catalogue",
          arguments: TestBackend.available)
    func commissioningInsightAndAdminPages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let engaged = try await s.engagedReferral()
        for _ in 0..<3 { _ = try await s.casework.submitReferral(TestScheme.submission(givenName: "Ada"), by: Principal(s.referrer)) }
        _ = try await s.outcomes.record(engaged, .init(instrumentId: "ons4", timepoint: "baseline",
                                                       answers: ["life_satisfaction": 3, "worthwhile": 5, "happiness": 4, "anxiety": 8]), s.request(s.linkWorker))
        let commissioner = s.request(s.commissioner)
        let funder = try await s.commissioning.createFunder(name: "Leeds ICB", kind: "icb", commissioner)
        let contract = try await s.commissioning.createContract(.init(name: "Pooled contract", start: "2026-01-01", end: "2026-12-31",
                                                                      contributions: [funder.id.rawValue: "10000"], grantBudget: "1000"), commissioner)
        let grant = try await s.commissioning.applyForGrant(.init(contractID: contract.id.rawValue, title: "Seed money", purpose: "Chairs for the walk",
                                                                  amount: "300"), s.request(s.provider))
        try await s.store.saveDirectory(DirectoryFixture.batch, at: s.clock.now, verified: false)
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        let organisation = try #require(s.provider.organisationID)
        let allowed = Self.fixtureData(s) + (try await Self.instrumentWords(s))
            + ["Leeds ICB", "Pooled contract", "Seed money", "Chairs for the walk", "Ada", "practice@test.example"]
            + DirectoryFixture.batch.services.map(\.name) + DirectoryFixture.batch.organizations.map(\.name)
            // "[c]": a suppressed count, the UK official statistics symbol, not a word.
            + ["[c]"]
        try await withRouter(s, configuration: configuration) { client in
            func check(_ user: User, _ paths: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
                try await Self.check(client, user, paths, allowed: allowed, sourceLocation: sourceLocation)
            }
            let c = contract.id.rawValue
            try await check(s.commissioner, ["/commissioning", "/commissioning/contracts/\(c)", "/commissioning/contracts/\(c)/report?quarter=2026-Q2",
                                             "/grants", "/grants/\(grant.id.rawValue)", "/insight"])
            // A scope with every part: the contract's name is data, the rest messages.
            let scoped = "/insight?contract=\(c)&from=2026-04&to=2026-06"
            let insight = try await Self.check(client, s.commissioner, [scoped], allowed: allowed)
            #expect(insight[scoped]?.contains("<h2 id=\"scope\">⟦Referrals ⟦funded by Pooled contract⟧⟦, ⟧⟦from ⟦⟦April⟧ 2026⟧⟧⟦, ⟧⟦to ⟦⟦June⟧ 2026⟧⟧⟧</h2>") == true,
                    "the scope is worded from its parts: \(insight[scoped].flatMap { $0.firstMatch(of: /<h2 id="scope">.*?<\/h2>/).map { String($0.0) } } ?? "")")
            try await check(s.supervisor, ["/insight", "/steering", "/outcomes/cohorts?instrument=ons4&by=all&minimumN=1", "/supervision",
                                           "/caseloads/reassign"])
            // The cohort report split every way: its groups named by the catalogue (a coded group) or the data (a link
            // worker's or practice's name), who is included and the caveats messages.
            let cohorts = CohortDimension.allCases.map { "/outcomes/cohorts?instrument=ons4&by=\($0.rawValue)&minimumN=1" }
            let cohortPages = try await Self.check(client, s.supervisor, cohorts, allowed: allowed)
            for (path, html) in cohortPages {
                #expect(html.contains("<th scope=\"row\">⟦All⟧</th>"), "\(path): the first group is a message")
                #expect(html.contains("<p id=\"cohort-included\">⟦People whose consent covers evaluation and who have a baseline ONS4 "), "\(path)")
                #expect(html.contains("<li>⟦Regression to the mean: ") && html.contains("<li>⟦No control group: "), "\(path): the caveats are messages")
            }
            let byNeed = try #require(cohortPages[cohorts[CohortDimension.allCases.firstIndex(of: .need)!]])
            #expect(byNeed.contains(/<th scope="row">⟦⟦[^⟦⟧]+⟧⟧<\/th>/), "a need's group is its code label")
            let byPeriod = try #require(cohortPages[cohorts[CohortDimension.allCases.firstIndex(of: .period)!]])
            #expect(byPeriod.contains(/<th scope="row">⟦20\d\d Q[1-4]⟧<\/th>/), "a quarter is a message")
            try await check(s.referrer, ["/referrals/new"])
            // The audit trail, the code lists and the instruments are checked in `recordsAndSecurityPages`.
            try await check(s.admin, ["/admin/complaints", "/admin/organisations", "/admin/organisations/\(organisation.rawValue)",
                                      "/admin/outbox", "/admin/settings", "/admin/staff-checks", "/admin/feeds", "/directory/review",
                                      "/admin/users/\(s.linkWorker.id.rawValue)"])
            // Two import jobs: one done with a rejected record, one whose server stopped answering (interrupted). The
            // failure and the record's frame are messages; the record's own data and Core's problem with it are data here.
            var done = ImportJob(id: "words-done", source: "words-feed", startedBy: s.admin.id, at: s.clock.now)
            done.status = .done
            done.finishedAt = s.clock.now
            done.report = ImportReport(source: "words-feed", dryRun: false, refused: false,
                                       rejected: [RejectedRecord(kind: "service", id: "x1", name: "Bad walk", position: "services.json [3]",
                                                                 problems: [FieldError.apiOnly("minimum_age", "Ages must be from 0 to 130; -3 is not.")]),
                                                  RejectedRecord(kind: "record", id: nil, name: nil, position: "services.json [4]",
                                                                 problems: [FieldError.apiOnly("record", "is not an object.")])])
            try await s.store.saveImportJob(done)
            let lost = ImportJob(id: "words-lost", source: "words-feed", startedBy: s.admin.id, at: s.clock.now.addingTimeInterval(-ImportJob.interruptedAfter - 60))
            try await s.store.saveImportJob(lost)
            let jobs = try await Self.check(client, s.admin, ["/admin/imports/words-done", "/admin/imports/words-lost"],
                                            allowed: allowed + ["words-feed", "x1", "Bad walk", "services.json [3]", "services.json [4]", "minimum_age",
                                                                "Ages must be from 0 to 130; -3 is not.", "is not an object."])
            #expect(jobs["/admin/imports/words-lost"]?.contains("<p class=\"error\" id=\"import-error\">⟦Interrupted: ") == true, "the failure is a message")
            let rejected = jobs["/admin/imports/words-done"]?.replacingOccurrences(of: "&quot;", with: "\"")
            #expect(rejected?.contains("<li>⟦⟦service⟧ ⟦\"x1\"⟧⟦ (Bad walk)⟧ at services.json [3]: minimum_age: Ages must be from 0 to 130; -3 is not.⟧</li>") == true,
                    "a rejected record's frame is messages")
            #expect(rejected?.contains("<li>⟦⟦record⟧ ⟦without an id⟧ at services.json [4]: record: is not an object.⟧</li>") == true)
        }
    }

    @Test("The audit trail and access log, code lists, instruments, two-factor pages, the message back and the new outcome form show no word outside the catalogue",
          arguments: TestBackend.available)
    func recordsAndSecurityPages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        let engaged = try await s.engagedReferral()
        _ = try await s.outcomes.record(engaged, .init(instrumentId: "ons4", timepoint: "baseline",
                                                       answers: ["life_satisfaction": 3, "worthwhile": 5, "happiness": 4, "anxiety": 8]), lw)
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        try await withRouter(s, configuration: configuration) { client in
            let api = APIClient(client: client, s: s)
            let id = engaged.rawValue
            try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: #"{"whatMatters":"Getting out","goals":["Walk"]}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/risks", as: s.linkWorker, json: #"{"risk":"no_known_risks"}"#, expect: .ok)
            let document = try await s.casework.messageBack(engaged, lw, outcomes: s.outcomes)
            let stored = try await s.casework.readCase(engaged, lw).messages.map(\.body)
            // Data shown as it is: the fixture's, the instruments' published words and licence texts (`AvailableInstrument`; why
            // one cannot be used yet is a message, `fieldError.instrumentNeedsLicence` and the like), the
            // code lists' own displays and codes as published, and the audit trail's records as stored (actions, record types,
            // routes and outcomes are codes written by the system, not words for the reader).
            let instruments = try await s.outcomes.instruments()
            let instrumentData = try await Self.instrumentWords(s) + instruments.flatMap { i in
                [i.instrument.instructions, i.instrument.licence.terms, i.instrument.licence.copyright] + i.instrument.items.compactMap(\.text)
                    + i.instrument.items.map(\.id) + i.instrument.responseLabels.values
            }
            // The code lists' values (codes) and each value's display, as the code list records them.
            let codeListData = CodeListKind.allCases.flatMap { $0.localValues.flatMap { [$0.key, $0.display] } }
            // The message back is a clinical document built in Core to the PRSB standard (its title, the plan's statement,
            // statuses and care plan lines as the document carries them); the page's own words around them are messages.
            let documentData = Self.documentWords(document)
            let allowed = Self.fixtureData(s) + instrumentData + codeListData + documentData + stored + ["Getting out", "Walk"]
            let linkWorker = try await Self.check(client, s.linkWorker, ["/referrals/\(id)/outcomes/new", "/referrals/\(id)/message-back"], allowed: allowed)
            #expect(linkWorker["/referrals/\(id)/message-back"]?.contains("id=\"letter-about\"") == true, "the letter itself, not its 422")
            // The audit trail's rows as stored (actions, record types and ids, routes, outcomes: codes the system wrote, not
            // words for the reader), read after the administrator has signed in once, so that their own sign-in is among them.
            _ = try await WebPagesTests.Browser(client).signIn(s.admin.email)
            let events = try await s.store.auditEvents(matching: AuditFilter(), page: PageNumber(1, size: 1_000))
            let auditData = events.flatMap { [$0.action, $0.recordType, $0.recordID, $0.route, $0.outcome.rawValue] + [$0.subjectID?.rawValue].compactMap { $0 } }
            let admin = try await Self.check(client, s.admin, ["/admin/audit", "/admin/audit?record=\(id)", "/admin/code-lists", "/admin/instruments"],
                                             allowed: allowed + auditData)
            #expect(admin["/admin/audit?record=\(id)"]?.contains(id) == true, "who looked at the record is listed")

            // Two-factor sign-in: setting it up, the recovery codes, and the code asked for at the next sign-in.
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (_, setup) = try await browser.go(.get, "/account/two-factor")
            let secret = try #require(setup.range(of: "<code>").map { String(setup[$0.upperBound...].prefix { $0 != "<" }) })
            // The key as a link for an authenticator app: data, like the key itself.
            let uri = try #require(setup.firstMatch(of: /otpauth:[^<"]+/).map { String($0.output).replacingOccurrences(of: "&amp;", with: "&") })
            let setupLeft = Self.unmarked(setup, allowed: allowed + [secret, uri])
            #expect(setupLeft.isEmpty, "the two-factor set-up page shows words outside the catalogue: \(setupLeft)")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: setup))
            let bytes = try #require(Base32.decode(secret.replacingOccurrences(of: " ", with: "")))
            let (done, codesPage) = try await browser.go(.post, "/account/two-factor", form: ["_csrf": csrf, "code": TOTP.code(secret: bytes, step: TOTP.step(at: s.clock.now))])
            #expect(done.status == .ok)
            let codes = codesPage.components(separatedBy: "<li><code>").dropFirst().map { String($0.prefix { $0 != "<" }) }
            #expect(codes.count == 10)
            let codesLeft = Self.unmarked(codesPage, allowed: allowed + codes)
            #expect(codesLeft.isEmpty, "the recovery codes page shows words outside the catalogue: \(codesLeft)")
            s.clock.advance(seconds: 30)
            let next = WebPagesTests.Browser(client)
            #expect(try await next.signIn(s.linkWorker.email).headers[.location] == "/login/code")
            // Half signed in, the code page is a public page (in the language the person chose, not the staff catalogue
            // marked here): every phrase it shows in English is gone in Welsh, so each is a message.
            let (codeStatus, codePage) = try await next.go(.get, "/login/code")
            #expect(codeStatus.status == .ok)
            let english = Self.unmarked(codePage, allowed: ["Linkwell"])
            #expect(english.contains("Enter your code"), "the English page: \(english)")
            let (welshStatus, welsh) = try await next.go(.get, "/login/code?lang=cy")
            #expect(welshStatus.status == .ok)
            let untranslated = english.filter { welsh.contains($0) && $0 != "Cymraeg" && $0 != "English" }
            #expect(untranslated.isEmpty, "the sign-in code page shows words outside the catalogue: \(untranslated)")
            // A wrong code: in English the page words Core's problem through the catalogue (its code's message), in Welsh
            // every phrase of the refusal is gone.
            let codeCSRF = try #require(WebPagesTests.Browser.hidden("_csrf", in: codePage))
            let (wrongEnglish, refusedEnglish) = try await next.go(.post, "/login/code?lang=en", form: ["_csrf": codeCSRF, "code": "000000"])
            #expect(wrongEnglish.status == .unauthorized)
            let wording = Catalogue.english.message(FieldError("code", .secondFactorCodeRefused))
            let englishProblems = Self.problemsShown(refusedEnglish).flatMap { Self.unmarked("<body>\($0)</body>", allowed: []) }
            #expect(englishProblems.contains(wording) && englishProblems.count >= 3, "\(englishProblems)")
            let (wrongWelsh, refusedWelsh) = try await next.go(.post, "/login/code?lang=cy", form: ["_csrf": codeCSRF, "code": "000000"])
            #expect(wrongWelsh.status == .unauthorized && !Self.problemsShown(refusedWelsh).isEmpty)
            let welshProblems = Self.problemsShown(refusedWelsh).joined()
            let stillEnglish = englishProblems.filter { welshProblems.contains($0) }
            #expect(stillEnglish.isEmpty, "the refused code page shows English in Welsh: \(stillEnglish)")
        }
    }

    /// The text a message back document carries as Core built it (see `MessageBackDocument`), each piece whole.
    static func documentWords(_ d: MessageBackDocument) -> [String] {
        let j = d.summary
        var words = [MessageBackDocument.title, d.planAndRequestedActions.statement].compactMap { $0 }
        words += d.planAndRequestedActions.forProfessionals.map(\.description) + d.planAndRequestedActions.forPersonOrCarer.map(\.description)
        words += [j.status, j.personView, j.note].compactMap { $0 } + j.needs.map(\.display) + (j.closingReason.map { [$0.display] } ?? [])
        words += (j.supportTakenUp + j.supportNotTakenUp + j.signposting).flatMap { [$0.description, $0.organisationName, $0.status, $0.reason].compactMap { $0 } }
        words += j.outcomeScores.flatMap { [$0.scale.display, $0.scoreLabel, $0.verdict].compactMap { $0 } }
        words += j.risks.flatMap { [$0.risk.display, $0.detail].compactMap { $0 } }
        words += j.safeguarding.flatMap { [$0.description, $0.escalatedTo, $0.status, $0.resolution].compactMap { $0 } }
        words += (d.carePlan?.lines ?? []) + d.nationalCodes.map(\.display)
        words += d.recipients.flatMap { [$0.name, $0.jobRole, $0.grade, $0.team, $0.specialty, $0.organisationName, $0.email].compactMap { $0 } }
        words += [d.author.name, d.author.jobRole, d.author.organisationName].compactMap { $0 } + [d.returnResponseTo].compactMap { $0 }
        return words
    }
}
