import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// "Every read of a person's record is audited", attacked route by route: every `GET` route the router has (the API,
/// FHIR and every page, with each path parameter set to the ids of Margaret's case, and the caseload's single-list
/// views), called by everyone with a relationship to her (her GP, her link worker, a supervisor, the community group
/// she was referred to). Any answer that shows her name must have added an entry to the access log, by that caller,
/// in that request.
@Suite("Every answer that shows a person's name is in the access log", .closesStores)
struct AccessLogSweepTests {
    /// Margaret's case in support: referred out to the walking group, a plan whose review falls due, then 100 days on,
    /// so that the referral out is past its answer window and her measures are due. Her referral's and referral out's ids.
    static func margaretInSupport(_ api: APIClient, _ s: TestScheme) async throws -> (id: String, onwardID: String) {
        let id = try await api.referralInSupport(APITests.referralJSON)
        let review = CalendarDate(s.clock.now.addingTimeInterval(3 * 86_400))
        try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker,
                           json: #"{"whatMatters":"Getting out more","goals":["Walk"],"reviewDate":"\#(review)"}"#, expect: .ok)
        let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                     json: #"{"serviceId":"svc-walks","note":"Meet at the gate"}"#, expect: .created)
        let onwardID = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
        s.clock.advance(seconds: 100 * 86_400)
        return (id, onwardID)
    }

    @Test("Each insider's every GET that shows Margaret's name writes an access-log entry", arguments: TestBackend.available)
    func namedAnswersAreAudited(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        let routes = router.routes.filter { $0.method == .get }.map(\.path.description)
            .filter { !["/static", "/openapi", "/logout", "/login", "/healthz", "/readyz", "/metrics"].contains(where: $0.hasPrefix) && !$0.contains("*") }
        #expect(routes.count > 80, "the router's routes were read")
        try await Application(router: router).test(.router) { client in
            let api = APIClient(client: client, s: s)
            let (id, onwardID) = try await Self.margaretInSupport(api, s)
            // The lists this sweep must reach do show her (else it would prove nothing about them).
            for list in ["/api/v1/plan-reviews", "/api/v1/outcomes/due"] {
                #expect(try await api.send(.get, list, as: s.linkWorker).1.contains("Hughes"), "\(list) shows her")
            }
            let ids = [id, onwardID, "in-\(id)", "out-\(onwardID)", "message-back-\(id)"]
            var paths = Set(routes.flatMap { route in
                route.contains("{") ? ids.map { route.replacingOccurrences(of: #"\{[^}]*\}"#, with: $0, options: .regularExpression) } : [route]
            })
            paths.formUnion(["/referrals?list=reviews", "/referrals?list=measures", "/referrals?list=messages"])
            let insiders = [s.referrer, s.linkWorker, s.supervisor, s.provider]
            var named = 0
            for user in insiders {
                let browser = WebPagesTests.Browser(client)
                _ = try await browser.signIn(user.email)
                for path in paths.sorted() {
                    let before = try await s.store.countAuditEvents(matching: AuditFilter(actorID: user.id))
                    let (status, text) = path.hasPrefix("/api/") || path.hasPrefix("/fhir/")
                        ? try await { let (r, t) = try await api.send(.get, path, as: user); return (r.status, t) }()
                        : try await { let (r, t) = try await browser.go(.get, path); return (r.status, t) }()
                    guard text.contains("Hughes") else { continue }
                    named += 1
                    let after = try await s.store.countAuditEvents(matching: AuditFilter(actorID: user.id))
                    #expect(after > before, "\(user.email): GET \(path) (\(status.code)) showed Margaret Hughes and wrote no access-log entry")
                }
            }
            #expect(named > 30, "the sweep reached her record \(named) times")
        }
        try await s.store.shutdown()
    }

    @Test("The whole caseload writes one access-log entry that covers its panels; each panel's list alone writes its own",
          arguments: TestBackend.available)
    func caseloadOneEntry(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in
            let api = APIClient(client: client, s: s)
            _ = try await Self.margaretInSupport(api, s)
            for user in [s.linkWorker, s.supervisor] {
                let browser = WebPagesTests.Browser(client)
                _ = try await browser.signIn(user.email)
                // The entries `read` adds by this user, and what it answered.
                func added(_ read: () async throws -> String) async throws -> (types: [String], text: String) {
                    let before = try await s.store.auditEvents(matching: AuditFilter(actorID: user.id), page: PageNumber(1, size: 500))
                    let text = try await read()
                    let after = try await s.store.auditEvents(matching: AuditFilter(actorID: user.id), page: PageNumber(1, size: 500))
                    let new = after.filter { event in !before.contains { $0.id == event.id } }
                    #expect(new.allSatisfy { $0.action == "list" && $0.outcome == .allowed }, "\(user.email)")
                    return (new.map(\.recordType), text)
                }
                func page(_ path: String) async throws -> String {
                    let (response, text) = try await browser.go(.get, path)
                    #expect(response.status == .ok, "\(user.email): GET \(path)")
                    return text
                }
                // Every panel that names her is on the page (else one entry would prove nothing about them).
                let whole = try await added { try await page("/referrals") }
                for shown in ["overdue-requests-title", "Hughes"] { #expect(whole.text.contains(shown), "\(user.email): the caseload shows \(shown)") }
                // A supervisor's safeguarding queue, the scheme's concerns rather than a list of their own work, keeps its own.
                let expected = user.role == .supervisor ? ["caseload", "safeguarding_queue"] : ["caseload"]
                #expect(whole.types.sorted() == expected, "\(user.email): one entry for the caseload and the panels of their work")
                // The panels' lists on their own are each audited under their own name.
                let overdue = try await added { try await api.send(.get, "/api/v1/overdue-onward-referrals", as: user).1 }
                #expect(overdue.text.contains("Hughes") && overdue.types == ["overdue_onward_referrals"], "\(user.email): the overdue list alone")
                let reviews = try await added { try await page("/referrals?list=reviews") }
                #expect(reviews.text.contains("Hughes") && reviews.types == ["plan_reviews"], "\(user.email): the reviews list alone")
            }
        }
        try await s.store.shutdown()
    }
}
