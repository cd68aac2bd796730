import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Triage, redirection, review and reopening through the API and the web forms, on every backend.
@Suite("Lifecycle steps", .closesStores)
struct LifecycleStepsTests {
    static let ons4 = #"{"instrumentId":"ons4","timepoint":"%@","answers":{"life_satisfaction":3,"worthwhile":4,"happiness":3,"anxiety":8}}"#

    func withAPI(_ backend: TestBackend, _ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in try await body(APIClient(client: client, s: s)) }
    }

    func newReferral(_ api: APIClient) async throws -> String {
        try #require(try await api.call(.post, "/api/v1/referrals", as: api.s.referrer, json: APITests.referralJSON, expect: .created)["id"] as? String)
    }

    static func status(_ body: [String: Any]) -> String? { (body["referral"] as? [String: Any])?["status"] as? String }

    @Test("Triage then redirect: the referrer hears where and why; bad input names the field", arguments: TestBackend.available)
    func triageAndRedirect(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try await newReferral(api)
            let noNote = try await api.call(.post, "/api/v1/referrals/\(id)/triage", as: s.linkWorker, json: "{}", expect: .unprocessableContent)
            #expect((noNote["errors"] as? [[String: Any]])?.first?["field"] as? String == "note")
            try await api.call(.post, "/api/v1/referrals/\(id)/triage", as: s.referrer, json: #"{"note":"x"}"#, expect: .forbidden)
            let triaged = try await api.call(.post, "/api/v1/referrals/\(id)/triage", as: s.linkWorker,
                                             json: #"{"note":"Needs debt advice first"}"#, expect: .ok)
            #expect(Self.status(triaged) == "triaged")
            #expect((triaged["referral"] as? [String: Any])?["linkWorkerID"] == nil, "triage leaves it on the waiting list")
            // Triaged twice is an illegal step.
            try await api.call(.post, "/api/v1/referrals/\(id)/triage", as: s.linkWorker, json: #"{"note":"again"}"#, expect: .conflict)

            let missing = try await api.call(.post, "/api/v1/referrals/\(id)/redirect", as: s.linkWorker, json: #"{"reason":"r"}"#,
                                             expect: .unprocessableContent)
            #expect((missing["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["destination"])
            #expect(Self.status(try await api.call(.get, "/api/v1/referrals/\(id)", as: s.linkWorker, expect: .ok)) == "triaged",
                    "a refused redirect changes nothing")
            let redirected = try await api.call(.post, "/api/v1/referrals/\(id)/redirect", as: s.linkWorker,
                                                json: #"{"destination":"Citizens Advice Leeds","reason":"Debt is the main need","message":"Happy to take her back later."}"#,
                                                expect: .ok)
            #expect(Self.status(redirected) == "redirected")
            let messages = try await api.call(.get, "/api/v1/messages", as: s.referrer, expect: .ok)
            let latest = try #require((messages["list"] as? [[String: Any]])?.first)
            #expect(latest["kind"] as? String == "redirected")
            let body = latest["body"] as? String ?? ""
            #expect(body.contains("Citizens Advice Leeds") && body.contains("Debt is the main need") && body.contains("Happy to take her back later."))
            // Redirected is final (and off the waiting list: a link worker no longer sees it at all).
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.supervisor, expect: .conflict)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.linkWorker, expect: .notFound)
        }
    }

    @Test("Review, close from active with a baseline, the closing measure due, reopen within the window only", arguments: TestBackend.available)
    func reviewCloseReopen(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try await newReferral(api)
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                               json: #"{"mode":"phone","durationMinutes":20,"successful":true}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/review", as: s.linkWorker, json: "{}", expect: .conflict)  // engaged, not active
            try await api.call(.post, "/api/v1/referrals/\(id)/administrations", as: s.linkWorker,
                               json: String(format: Self.ons4, "baseline"), expect: .created)
            try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: #"{"whatMatters":"People","goals":["Walk"]}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-walks"}"#, expect: .created)
            let review = try await api.call(.post, "/api/v1/referrals/\(id)/review", as: s.linkWorker, json: #"{"note":"Twelve weeks in"}"#, expect: .ok)
            #expect(Self.status(review) == "review")
            func closingDue() async throws -> Bool {
                let due = try await api.call(.get, "/api/v1/outcomes/due", as: s.linkWorker, expect: .ok)
                return (due["list"] as? [[String: Any]] ?? []).contains { $0["referralID"] as? String == id && $0["timepoint"] as? String == "closing" }
            }
            #expect(try await closingDue())
            // Back to active (the review found more to do), then closed straight from active: the closing measure is still due.
            _ = try await s.casework.act(on: ReferralID(id), s.request(s.linkWorker)) { [env = s.env] in
                try $0.end(as: .active, note: "", by: Principal(s.linkWorker), env: env)
            }
            #expect(try await !closingDue())
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met","confirm":true}"#, expect: .ok)
            #expect(try await closingDue(), "closing from active leaves the closing measure due")
            try await api.call(.post, "/api/v1/referrals/\(id)/administrations", as: s.linkWorker,
                               json: String(format: Self.ons4, "closing"), expect: .created)
            #expect(try await !closingDue())

            // Reopen: reason required; someone else's link worker cannot; within the window it goes back under review.
            let noReason = try await api.call(.post, "/api/v1/referrals/\(id)/reopen", as: s.linkWorker, json: "{}", expect: .unprocessableContent)
            #expect((noReason["errors"] as? [[String: Any]])?.first?["field"] as? String == "reason")
            try await api.call(.post, "/api/v1/referrals/\(id)/reopen", as: s.otherLinkWorker, json: #"{"reason":"x"}"#, expect: .notFound)
            let reopened = try await api.call(.post, "/api/v1/referrals/\(id)/reopen", as: s.linkWorker,
                                              json: #"{"reason":"She asked to come back after a bereavement"}"#, expect: .ok)
            #expect(Self.status(reopened) == "review")
            #expect((reopened["referral"] as? [String: Any])?["closingReason"] == nil)
            let events = reopened["events"] as? [[String: Any]] ?? []
            #expect(events.last?["from"] as? String == "closed" && events.last?["to"] as? String == "review")
            let audit = try await s.store.auditEvents(recordID: id, limit: 100)
            #expect(audit.contains { $0.action == "reopen" && $0.actorID == s.linkWorker.id })

            // Closed again, and past the window: refused (409), nothing changes.
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met","confirm":true}"#, expect: .ok)
            s.clock.advance(seconds: Double(SchemeSettings.defaultReopenWindowDays + 1) * 86_400)
            let late = try await api.call(.post, "/api/v1/referrals/\(id)/reopen", as: s.supervisor, json: #"{"reason":"Came back"}"#, expect: .conflict)
            #expect((late["detail"] as? String ?? "").contains("\(SchemeSettings.defaultReopenWindowDays) days"))
            #expect(Self.status(try await api.call(.get, "/api/v1/referrals/\(id)", as: s.supervisor, expect: .ok)) == "closed")
            // The administrator widens the window: now it may be reopened.
            var settings = try await api.s.store.schemeSettings()
            settings.reopenWindowDays = 365
            try await api.call(.post, "/api/v1/settings", as: s.admin, json: String(decoding: try JSONEncoder().encode(settings), as: UTF8.self), expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/reopen", as: s.supervisor, json: #"{"reason":"Came back"}"#, expect: .ok)
            settings.reopenWindowDays = -1
            let bad = try await api.call(.post, "/api/v1/settings", as: s.admin, json: String(decoding: try JSONEncoder().encode(settings), as: UTF8.self),
                                         expect: .unprocessableContent)
            #expect((bad["errors"] as? [[String: Any]])?.first?["field"] as? String == "reopenWindowDays")
        }
    }

    @Test("The case page offers triage, redirect, review and reopen, and the forms work")
    func webForms() async throws {
        let s = try await TestScheme.make(.sqlite)
        let waiting = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        try await withRouter(s) { client in
            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            let (_, page) = try await lw.go(.get, "/referrals/\(waiting)")
            #expect(page.contains("action=\"/referrals/\(waiting)/triage\"") && page.contains("action=\"/referrals/\(waiting)/redirect\""))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page))
            let (empty, errorPage) = try await lw.go(.post, "/referrals/\(waiting)/triage", form: ["_csrf": csrf, "note": ""])
            #expect(empty.status == .unprocessableContent && errorPage.contains("triage note"))
            let (ok, _) = try await lw.go(.post, "/referrals/\(waiting)/triage", form: ["_csrf": csrf, "note": "Checked eligibility"])
            #expect(ok.status == .seeOther || ok.status == .found)
            let (_, after) = try await lw.go(.get, "/referrals/\(waiting)")
            #expect(after.contains(">Triaged<") && !after.contains("action=\"/referrals/\(waiting)/triage\""))
            _ = try await lw.go(.post, "/referrals/\(waiting)/redirect", form: ["_csrf": csrf, "destination": "Community mental health team", "reason": "Needs clinical care"])
            #expect(try await s.store.loadCase(waiting)?.referral.status == .redirected)
        }
    }
}
