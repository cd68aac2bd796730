import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Closing warns about loose ends; the referral-out control has no destructive default; provider-owned
/// statuses are the provider's alone. API and pages, every backend.
@Suite("Closing without loose ends", .closesStores)
struct ClosingLooseEndsTests {
    /// An active case with a baseline measure and a referral out still requested.
    static func activeCase(_ api: APIClient) async throws -> (String, String) {
        let s = api.s
        let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: APITests.referralJSON, expect: .created)["id"] as? String)
        try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker, json: #"{"mode":"phone","durationMinutes":20,"successful":true}"#, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/administrations", as: s.linkWorker,
                           json: String(format: LifecycleStepsTests.ons4, "baseline"), expect: .created)
        try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: #"{"whatMatters":"People","goals":["Walk"]}"#, expect: .ok)
        let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-walks"}"#, expect: .created)
        let onward = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
        return (id, onward)
    }

    @Test("Close needs confirmation while referrals out wait and measures are unfinished", arguments: TestBackend.available)
    func closeConfirms(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (id, _) = try await Self.activeCase(api)
            let refused = try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met"}"#,
                                             expect: .unprocessableContent)
            let error = try #require((refused["errors"] as? [[String: Any]])?.first)
            #expect(error["field"] as? String == "confirm")
            let message = error["message"] as? String ?? ""
            #expect(message.contains("Health walks is still requested") && message.contains("ONS4 has a baseline but no closing measure"))
            #expect(try await s.store.loadCase(ReferralID(id))?.referral.status == .active, "nothing changed")
            // Confirmed, it closes.
            let closed = try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met","confirm":true}"#, expect: .ok)
            #expect(LifecycleStepsTests.status(closed) == "closed")
        }
    }

    @Test("The link worker cancels only with confirmation; provider statuses are the provider's", arguments: TestBackend.available)
    func onwardStatuses(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (id, onward) = try await Self.activeCase(api)
            let path = "/api/v1/referrals/\(id)/onward-referrals/\(onward)/status"
            for status in ["accepted", "completed", "on-hold", "failed"] {
                let refused = try await api.call(.post, path, as: s.linkWorker, json: #"{"status":"\#(status)"}"#, expect: .unprocessableContent)
                #expect((refused["errors"] as? [[String: Any]])?.first?["field"] as? String == "status", "\(status)")
            }
            let unconfirmed = try await api.call(.post, path, as: s.supervisor, json: #"{"status":"cancelled"}"#, expect: .unprocessableContent)
            #expect((unconfirmed["errors"] as? [[String: Any]])?.first?["field"] as? String == "confirm")
            #expect(try await s.store.loadCase(ReferralID(id))?.onwardReferrals.first?.status == .requested)

            // The provider moves its own statuses on, and cannot cancel.
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/status", as: s.provider, json: #"{"status":"cancelled"}"#, expect: .forbidden)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/status", as: s.otherProvider, json: #"{"status":"on-hold"}"#, expect: .notFound)
            let held = try await api.call(.post, "/api/v1/onward-referrals/\(onward)/status", as: s.provider, json: #"{"status":"on-hold","note":"Back in spring"}"#, expect: .ok)
            #expect(held["status"] as? String == "on-hold")
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/status", as: s.provider, json: #"{"status":"requested"}"#, expect: .forbidden)

            let cancelled = try await api.call(.post, path, as: s.linkWorker, json: #"{"status":"cancelled","confirm":true,"note":"Moved away"}"#, expect: .ok)
            #expect((cancelled["onwardReferrals"] as? [[String: Any]])?.first?["status"] as? String == "cancelled")
        }
    }

    @Test("The case page: no destructive default, and the close form lists loose ends with a confirmation")
    func pages() async throws {
        let s = try await TestScheme.make(.sqlite)
        try await withRouter(s) { client in
            let (id, onward) = try await Self.activeCase(APIClient(client: client, s: s))
            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            let (_, page) = try await lw.go(.get, "/referrals/\(id)")
            let select = try #require(page.range(of: "id=\"status-\(onward)\"").map { String(page[$0.lowerBound...].prefix { $0 != "/" }) })
            #expect(select.contains("<option value=\"\">Choose…<"), "the first option changes nothing")
            let options = page[page.range(of: "id=\"status-\(onward)\"")!.lowerBound...].prefix(600)
            #expect(options.contains("value=\"cancelled\"") && !options.contains("value=\"completed\"") && !options.contains("value=\"accepted\""))
            #expect(page.contains("id=\"loose-ends\"") && page.contains("Health walks is still requested"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page))
            let (refused, again) = try await lw.go(.post, "/referrals/\(id)/onward-status", form: ["_csrf": csrf, "onwardId": onward, "status": "cancelled"])
            #expect(refused.status == .unprocessableContent && again.contains("Confirm that the referral out should be cancelled"))
            let (notClosed, _) = try await lw.go(.post, "/referrals/\(id)/close", form: ["_csrf": csrf, "reason": "goals_met"])
            #expect(notClosed.status == .unprocessableContent)
            _ = try await lw.go(.post, "/referrals/\(id)/close", form: ["_csrf": csrf, "reason": "goals_met", "confirm": "yes"])
            #expect(try await s.store.loadCase(ReferralID(id))?.referral.status == .closed)
        }
    }
}
