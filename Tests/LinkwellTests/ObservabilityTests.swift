import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Health, readiness, metrics and request ids through the router; links from configuration only.
@Suite("Health and observability", .closesStores)
struct ObservabilityTests {
    @Test("/healthz, /readyz and /metrics answer without sign-in; readiness follows the outbox", arguments: TestBackend.available)
    func healthAndReadiness(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var configuration = s.configuration
        configuration.readyOutboxThreshold = 1
        let router = try await buildRouter(configuration: configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body) == #"{"checks":{"database":"ok","migrations":"ok","outbox":"ok"},"ready":true}"#)
            // Accepting referrals queues messages back to the referrer; past the threshold the instance is not ready.
            _ = try await s.engagedReferral()
            _ = try await s.engagedReferral(TestScheme.submission(givenName: "Olive", nhsNumber: nil))
            let busy = try await client.execute(uri: "/readyz", method: .get)
            #expect(busy.status == .serviceUnavailable)
            #expect(String(buffer: busy.body).contains("e-mails queued, above the threshold of 1"))

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let readyz = metrics.split(separator: "\n").filter { $0.hasPrefix("linkwell_http_requests_total{") && $0.contains(#"route="/readyz""#) }
            #expect(readyz.contains { $0.contains(#"status="503""#) && $0.contains(#"method="GET""#) }, "\(readyz)")
            #expect(metrics.contains("linkwell_outbox_queued "))
            #expect(metrics.contains("linkwell_http_request_duration_seconds_bucket{"))
        }
        try await s.store.shutdown()
    }

    @Test("Every response carries a request id; a caller's plain id is kept, anything else replaced")
    func requestIDs() async throws {
        let s = try await TestScheme.make(.memory)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in
            let fresh = try await client.execute(uri: "/healthz", method: .get)
            let id = try #require(fresh.headers[.init("X-Request-Id")!])
            #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "128 bits in lowercase hex: \(id)")
            let again = try await client.execute(uri: "/healthz", method: .get)
            #expect(again.headers[.init("X-Request-Id")!] != id, "each request its own id")
            let kept = try await client.execute(uri: "/healthz", method: .get, headers: [.init("X-Request-Id")!: "lb-1234-abcd"])
            #expect(kept.headers[.init("X-Request-Id")!] == "lb-1234-abcd")
            let hostile = try await client.execute(uri: "/healthz", method: .get, headers: [.init("X-Request-Id")!: "x\"; drop"])
            #expect(hostile.headers[.init("X-Request-Id")!] != "x\"; drop")
        }
    }

    @Test("The self-completion link uses --public-url, never the request's Host header")
    func linksFromConfiguration() async throws {
        let s = try await TestScheme.make(.sqlite)
        let id = try await s.engagedReferral()
        var configuration = s.configuration
        configuration.publicURL = "https://linkwell.example.org/"
        let router = try await buildRouter(configuration: configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in
            let worker = WebPagesTests.Browser(client)
            _ = try await worker.signIn(s.linkWorker.email)
            let (_, casePage) = try await worker.go(.get, "/referrals/\(id)")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: casePage))
            var headers: HTTPFields = [.cookie: worker.cookies.map { "\($0)=\($1)" }.joined(separator: "; "),
                                       .contentType: "application/x-www-form-urlencoded"]
            headers[.init("X-Forwarded-Host")!] = "evil.example"
            let response = try await client.execute(uri: "/referrals/\(id)/outcomes/invite", method: .post, headers: headers,
                                                    body: ByteBuffer(string: "_csrf=\(csrf)&instrumentId=ons4&timepoint=baseline"))
            let page = String(buffer: response.body)
            #expect(response.status == .ok)
            #expect(page.contains("https://linkwell.example.org/measure/"))
            #expect(!page.contains("evil.example"))
        }
        try await s.store.shutdown()
    }
}
