import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Least privilege, attacked route by route: every `/api/v1`, `/fhir` and page route the router has, with every
/// path parameter set to the ids of a real person's case (the referral, the referral out, the FHIR Task and
/// document ids), called with every method it has and an empty JSON body by everyone with no business with
/// that person — no sign-in, a GP at another practice, another community group, the commissioner, and
/// another person with their own login. None may read the person (name, NHS number, phone, casework note,
/// what matters to them), none may change the case, and nothing answers 5xx.
@Suite("Every API route refuses everyone without a relationship to the person", .closesStores)
struct AccessMatrixTests {
    /// What identifies Margaret Hughes or her casework in any response.
    static let secrets = ["Hughes", "4010232137", "401 023 2137", "07700 900123", "Private casework note", "Get out more"]

    @Test("No outsider reads or changes the person through any API route or page", arguments: TestBackend.available)
    func outsiders(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let elsewhere = Organisation(id: OrganisationID("org-elsewhere"), name: "Elsewhere Surgery", kind: .gpPractice, odsCode: "Y99002")
        try await s.store.createOrganisation(elsewhere)
        let outsiderGP = try await s.accounts.createUser(email: "gp@elsewhere.example", displayName: "Dr Elsewhere", role: "referrer",
                                                        organisationID: elsewhere.id.rawValue, password: TestScheme.password)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        let routes = router.routes
            .map { (method: $0.method, path: $0.path.description) }
            .filter { ($0.path.hasPrefix("/api/v1/") || $0.path.hasPrefix("/fhir/")) && !$0.path.contains("*") }
        #expect(routes.count > 100, "the router's routes were read")
        let pageRoutes = router.routes
            .map { (method: $0.method, path: $0.path.description) }
            .filter { !["/api/", "/fhir", "/oruk", "/static", "/openapi", "/logout", "/login"].contains(where: $0.path.hasPrefix) && !$0.path.contains("*") }
        #expect(pageRoutes.count > 60, "the router's page routes were read")

        try await Application(router: router).test(.router) { client in
            let api = APIClient(client: client, s: s)
            // Margaret's case, with something in every part a route could reveal.
            // (Her NHS number is not the NHS's own example number, which forms show as a hint.)
            let margaret = APITests.referralJSON.replacingOccurrences(of: "9434765919", with: "4010232137")
            let id = try await api.referralInSupport(margaret)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                         json: #"{"serviceId":"svc-walks","note":"Meet at the gate"}"#, expect: .created)
            let onwardID = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
            // Another person, with a login of their own to /me and the API.
            var otherJSON = APITests.referralJSON.replacingOccurrences(of: "Hughes", with: "Other")
            otherJSON = otherJSON.replacingOccurrences(of: "9434765919", with: "9000000009").replacingOccurrences(of: "07700 900123", with: "07700 900999")
                .replacingOccurrences(of: "Get out more", with: "Learn to paint")
            let otherID = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: otherJSON, expect: .created)["id"] as? String)
            let otherCase = try #require(try await s.store.loadCase(ReferralID(otherID)))
            let otherPerson = try await s.accounts.createUser(email: "other.person@test.example", displayName: "Margaret Other", role: "person",
                                                             organisationID: nil, password: TestScheme.password, personID: otherCase.person.id.rawValue)
            let before = try #require(try await s.store.loadCase(ReferralID(id)))

            let outsiders: [(String, User?)] = [("no sign-in", nil), ("GP elsewhere", outsiderGP), ("another group", s.otherProvider),
                                                ("commissioner", s.commissioner), ("another person", otherPerson)]
            var tokens: [String: String] = [:]
            for case let (_, user?) in outsiders { tokens[user.email] = try await s.token(for: user) }
            let ids = [id, onwardID, "in-\(id)", "out-\(onwardID)", "message-back-\(id)"]
            var calls = 0
            for route in routes {
                let variants = route.path.contains("{") ? ids.map { value in
                    route.path.replacingOccurrences(of: #"\{[^}]*\}"#, with: value, options: .regularExpression)
                } : [route.path]
                for path in Set(variants) {
                    for (who, user) in outsiders {
                        var headers: HTTPFields = [.contentType: route.path.hasPrefix("/fhir") ? "application/fhir+json" : "application/json"]
                        if let user { headers[.authorization] = "Bearer \(tokens[user.email]!)" }
                        let body = route.method == .get || route.method == .head ? nil : ByteBuffer(string: "{}")
                        let response = try await client.execute(uri: path, method: route.method, headers: headers, body: body)
                        let text = String(buffer: response.body)
                        calls += 1
                        #expect(response.status.code < 500, "\(who): \(route.method) \(path) answered \(response.status.code): \(text.prefix(300))")
                        for secret in Self.secrets where text.contains(secret) {
                            Issue.record("\(who): \(route.method) \(path) (\(response.status.code)) revealed \"\(secret)\": \(text.prefix(300))")
                        }
                    }
                }
            }
            #expect(calls > 500)

            // The pages: every page route, signed in as each outsider in a browser session of their own; forms are
            // posted with the outsider's own valid CSRF token, as a signed-in attacker would.
            for (who, user) in outsiders {
                let browser = WebPagesTests.Browser(client)
                var csrf = ""
                if let user {
                    _ = try await browser.signIn(user.email)
                    let (_, account) = try await browser.go(.get, "/account")
                    csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: account), "\(who) has a CSRF token")
                }
                for route in pageRoutes {
                    let variants = route.path.contains("{") ? ids.map { value in
                        route.path.replacingOccurrences(of: #"\{[^}]*\}"#, with: value, options: .regularExpression)
                    } : [route.path]
                    for path in Set(variants) {
                        let (response, text) = try await browser.go(route.method, path, form: route.method == .get ? nil : ["_csrf": csrf])
                        calls += 1
                        #expect(response.status.code < 500, "\(who): \(route.method) \(path) answered \(response.status.code): \(text.prefix(300))")
                        for secret in Self.secrets where text.contains(secret) {
                            Issue.record("\(who): page \(route.method) \(path) (\(response.status.code)) revealed \"\(secret)\": \(text.prefix(300))")
                        }
                    }
                }
            }
            let after = try #require(try await s.store.loadCase(ReferralID(id)))
            #expect(after == before, "an outsider's call changed the case")
        }
        try await s.store.shutdown()
    }
}
