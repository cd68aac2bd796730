import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The person's voice from their own record, through the API and the pages, on every backend: asking to
/// come back, a worry about a group (to supervisors only), consent given and withdrawn per purpose
/// (every view changes at once), plain wording — and nobody else can do any of it for them.
@Suite("The person's voice", .closesStores)
struct PersonVoiceTests {
    /// A referral to Health walks for Margaret, accepted and seen, with her own account; and a second
    /// person (Nora) with an account of her own.
    static func setUp(_ s: TestScheme, _ api: APIClient) async throws -> (referral: String, onward: String, person: User, other: User) {
        let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: APITests.referralJSON, expect: .created)["id"] as? String)
        try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                           json: #"{"mode":"phone","durationMinutes":30,"successful":true,"notes":""}"#, expect: .ok)
        let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                     json: #"{"serviceId":"svc-walks","note":"Meet at the gate"}"#, expect: .created)
        let onward = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
        let c = try #require(try await s.store.loadCase(ReferralID(id)))
        let person = try await s.accounts.createUser(email: "margaret@test.example", displayName: "Margaret Hughes", role: "person",
                                                     organisationID: nil, password: TestScheme.password, personID: c.person.id.rawValue)
        let nora = try await s.casework.submitReferral(TestScheme.submission(givenName: "Nora", nhsNumber: nil), by: Principal(s.referrer))
        let other = try await s.accounts.createUser(email: "nora@test.example", displayName: "Nora Hughes", role: "person",
                                                    organisationID: nil, password: TestScheme.password, personID: nora.person.id.rawValue)
        return (id, onward, person, other)
    }

    static func requests(_ body: [String: Any]) -> [[String: Any]] { body["list"] as? [[String: Any]] ?? [] }

    @Test("Through the API: worries go to supervisors, coming back to the link worker, consent changes every view", arguments: TestBackend.available)
    func api(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (id, onward, person, nora) = try await Self.setUp(s, api)

            // Nobody else raises anything on Margaret's referral: Nora is told it does not exist, and it is audited.
            try await api.call(.post, "/api/v1/me/referrals/\(id)/worries", as: nora, json: "{\"onwardReferralId\":\"\(onward)\",\"message\":\"x\"}", expect: .notFound)
            try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: nora, json: #"{"purpose":"evaluation","given":false}"#, expect: .notFound)
            try await api.call(.post, "/api/v1/me/referrals/\(id)/come-back", as: s.linkWorker, json: "{}", expect: .forbidden)
            let denied = try await s.store.auditEvents(subjectID: ReferralID(id), limit: 1000).filter { $0.actorID == nora.id }
            #expect(denied.count == 2 && denied.allSatisfy { $0.outcome == .denied })

            // Coming back is for when support has ended.
            try await api.call(.post, "/api/v1/me/referrals/\(id)/come-back", as: person, json: "{}", expect: .conflict)
            // A worry names its group and says what it is; a group not on this referral is refused by name.
            let bad = try await api.call(.post, "/api/v1/me/referrals/\(id)/worries", as: person, json: #"{"onwardReferralId":"nope","message":""}"#,
                                         expect: .unprocessableContent)
            let fields = Set(((bad["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["onwardReferralId", "message"], "\(bad)")
            let worry = try await api.call(.post, "/api/v1/me/referrals/\(id)/worries", as: person,
                                           json: "{\"onwardReferralId\":\"\(onward)\",\"message\":\"The leader shouted at me\"}", expect: .created)
            #expect(worry["kind"] as? String == "worry")
            try await api.call(.post, "/api/v1/me/referrals/\(id)/worries", as: person,
                               json: "{\"onwardReferralId\":\"\(onward)\",\"message\":\"Again\"}", expect: .conflict)

            // The worry reaches supervisors, not the link worker's list and not the group.
            #expect(Self.requests(try await api.call(.get, "/api/v1/person-requests", as: s.linkWorker, expect: .ok)).isEmpty)
            let supervisorList = Self.requests(try await api.call(.get, "/api/v1/person-requests", as: s.supervisor, expect: .ok))
            #expect(supervisorList.count == 1)
            #expect(supervisorList.first?["serviceName"] as? String == "Health walks")
            #expect(supervisorList.first?["personName"] as? String == "Margaret Hughes")
            try await api.call(.get, "/api/v1/person-requests", as: s.provider, expect: .forbidden)
            let worryID = try #require(worry["id"] as? String)
            try await api.call(.post, "/api/v1/person-requests/\(worryID)/answer", as: s.linkWorker, json: #"{"answer":"x"}"#, expect: .notFound)
            try await api.call(.post, "/api/v1/person-requests/\(worryID)/answer", as: s.supervisor, json: #"{"answer":""}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/person-requests/\(worryID)/answer", as: s.supervisor,
                               json: #"{"answer":"I have spoken to the group's leader."}"#, expect: .ok)
            try await api.call(.post, "/api/v1/person-requests/\(worryID)/answer", as: s.supervisor, json: #"{"answer":"Twice"}"#, expect: .conflict)
            #expect(Self.requests(try await api.call(.get, "/api/v1/person-requests", as: s.supervisor, expect: .ok)).isEmpty)

            // Consent withdrawn by the person: the provider stops seeing her name at once; given again, it comes back.
            func providerSeesName() async throws -> Bool {
                try await api.call(.get, "/api/v1/onward-referrals/\(onward)", as: s.provider, expect: .ok)["personName"] as? String == "Margaret Hughes"
            }
            #expect(try await providerSeesName())
            let withdrawn = try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person,
                                               json: #"{"purpose":"share_with_providers","given":false}"#, expect: .ok)
            #expect((withdrawn["purposes"] as? [String])?.contains("share_with_providers") == false)
            #expect(try await !providerSeesName())
            try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person, json: #"{"purpose":"share_with_providers","given":false}"#, expect: .conflict)
            try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person, json: #"{"purpose":"share_with_providers","given":true}"#, expect: .ok)
            #expect(try await providerSeesName())
            try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person, json: #"{"purpose":"share_with_providers"}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person, json: #"{"purpose":"social_prescribing","given":true}"#, expect: .conflict)

            // Stopping support altogether must be confirmed; then the referral is withdrawn.
            let unconfirmed = try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person,
                                                 json: #"{"purpose":"social_prescribing","given":false}"#, expect: .unprocessableContent)
            #expect(((unconfirmed["errors"] as? [[String: Any]])?.first)?["field"] as? String == "confirm")
            #expect(try await s.store.loadCase(ReferralID(id))?.referral.status == .engaged, "nothing changed")
            let stopped = try await api.call(.post, "/api/v1/me/referrals/\(id)/consent", as: person,
                                             json: #"{"purpose":"social_prescribing","given":false,"confirm":true}"#, expect: .ok)
            #expect(stopped["status"] as? String == "withdrawn")

            // Now she may ask to come back, once at a time; it reaches her link worker and the supervisors only.
            let back = try await api.call(.post, "/api/v1/me/referrals/\(id)/come-back", as: person, json: #"{"message":"I am ready again"}"#, expect: .created)
            try await api.call(.post, "/api/v1/me/referrals/\(id)/come-back", as: person, json: "{}", expect: .conflict)
            let backID = try #require(back["id"] as? String)
            #expect(Self.requests(try await api.call(.get, "/api/v1/person-requests", as: s.linkWorker, expect: .ok)).map { $0["request"] as? [String: Any] }
                .compactMap { $0?["id"] as? String } == [backID])
            #expect(Self.requests(try await api.call(.get, "/api/v1/person-requests", as: s.otherLinkWorker, expect: .ok)).isEmpty)
            try await api.call(.post, "/api/v1/person-requests/\(backID)/answer", as: s.otherLinkWorker, json: #"{"answer":"x"}"#, expect: .notFound)
            try await api.call(.post, "/api/v1/person-requests/\(backID)/answer", as: s.linkWorker, json: #"{"answer":"I will ring you on Monday."}"#, expect: .ok)
            // Answered, a new request may be made again.
            try await api.call(.post, "/api/v1/me/referrals/\(id)/come-back", as: person, json: "{}", expect: .created)

            let mine = Self.requests(try await api.call(.get, "/api/v1/me/requests", as: person, expect: .ok))
            #expect(mine.map { $0["kind"] as? String } == ["worry", "come_back", "come_back"])
            #expect(mine.compactMap { $0["answer"] as? String }.contains("I will ring you on Monday."))
            #expect(Self.requests(try await api.call(.get, "/api/v1/me/requests", as: nora, expect: .ok)).isEmpty)
        }
    }

    @Test("On the page: plain words, the forms, and errors beside the form they came from", arguments: TestBackend.available)
    func pages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (id, onward, _, _) = try await Self.setUp(s, api)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/reject", as: s.provider, json: #"{"reason":"no_capacity"}"#, expect: .ok)

            let me = WebPagesTests.Browser(client)
            _ = try await me.signIn("margaret@test.example")
            var (_, page) = try await me.go(.get, "/me")
            #expect(page.contains("The group could not take you"))
            #expect(!page.contains("Rejected"))
            #expect(page.contains("You are talking with your link worker"))
            #expect(!page.contains("/me/referrals/\(id)/come-back"), "no asking to come back while support goes on")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page))

            // An empty worry is refused beside its own field, nothing stored.
            var (response, refused) = try await me.go(.post, "/me/referrals/\(id)/worries", form: ["_csrf": csrf, "onwardReferralId": onward, "message": ""])
            #expect(response.status == .unprocessableContent)
            #expect(refused.contains("id=\"worries-\(id)-message-error\""))
            #expect(try await s.store.personRequests(referralIDs: [ReferralID(id)]).isEmpty)
            // Without the CSRF token nothing happens.
            (response, _) = try await me.go(.post, "/me/referrals/\(id)/worries", form: ["onwardReferralId": onward, "message": "Hello"])
            #expect(response.status.code >= 400)
            (response, _) = try await me.go(.post, "/me/referrals/\(id)/worries", form: ["_csrf": csrf, "onwardReferralId": onward, "message": "It was too far to walk"])
            #expect(response.status == .seeOther || response.status == .found)
            (_, page) = try await me.go(.get, "/me?done=worry")
            #expect(page.contains("A supervisor will look into your worry"))
            #expect(page.contains("It was too far to walk") && page.contains("We have not answered yet"))

            // Withdrawing consent from the page changes the provider's view at once.
            (response, _) = try await me.go(.post, "/me/referrals/\(id)/consent", form: ["_csrf": csrf, "purpose": "share_with_providers", "given": "false"])
            #expect(response.status.code == 303 || response.status.code == 302)
            let view = try await api.call(.get, "/api/v1/onward-referrals/\(onward)", as: s.provider, expect: .ok)
            #expect(view["consentWithdrawn"] as? Bool == true)
            // Stopping support without ticking the box is refused, with the box marked.
            (response, page) = try await me.go(.post, "/me/referrals/\(id)/consent", form: ["_csrf": csrf, "purpose": "social_prescribing", "given": "false"])
            #expect(response.status == .unprocessableContent)
            #expect(page.contains("Tick the box to confirm"))
            (response, _) = try await me.go(.post, "/me/referrals/\(id)/consent",
                                            form: ["_csrf": csrf, "purpose": "social_prescribing", "given": "false", "confirm": "true"])
            (_, page) = try await me.go(.get, "/me")
            #expect(page.contains("You chose to stop your support"))
            #expect(page.contains("/me/referrals/\(id)/come-back"))
            (response, _) = try await me.go(.post, "/me/referrals/\(id)/come-back", form: ["_csrf": csrf, "message": "Please call me"])
            // A second press is answered in plain words on the page.
            (response, page) = try await me.go(.post, "/me/referrals/\(id)/come-back", form: ["_csrf": csrf, "message": "Please call me"])
            #expect(response.status == .conflict && page.contains("You have already asked to come back"))

            // The link worker answers from their requests page; the person reads the answer.
            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            var staff: String
            (_, staff) = try await lw.go(.get, "/requests")
            #expect(staff.contains("Asked to come back") && staff.contains("Please call me") && !staff.contains("It was too far to walk"))
            let requestID = try #require(try await s.store.openPersonRequests(limit: 10).first { $0.kind == .comeBack }?.id)
            let lwCSRF = try #require(WebPagesTests.Browser.hidden("_csrf", in: staff))
            (response, staff) = try await lw.go(.post, "/requests/\(requestID)/answer", form: ["_csrf": lwCSRF, "answer": ""])
            #expect(response.status == .unprocessableContent && staff.contains("id=\"answer-\(requestID)-error\""))
            (response, _) = try await lw.go(.post, "/requests/\(requestID)/answer", form: ["_csrf": lwCSRF, "answer": "I will ring on Monday"])
            (_, page) = try await me.go(.get, "/me")
            #expect(page.contains("Our answer") && page.contains("I will ring on Monday"))
            #expect(page.contains("Sent a request from your record"), "the access log names the person's own requests")
        }
    }
}
