import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// Rate limits live in the store (shared by every instance) and count the client a trusted proxy names.
@Suite("Rate limits and client addresses", .closesStores)
struct RateLimitTests {
    // MARK: Client addresses

    @Test("Addresses and networks are read strictly")
    func addresses() throws {
        #expect(IPAddress("192.0.2.1")?.description == "192.0.2.1")
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"), "IPv4-mapped is the IPv4 address")
        #expect(IPAddress("2001:db8::1")?.bytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        #expect(IPAddress("[2001:db8::1]") == IPAddress("2001:db8::1") && IPAddress("fe80::1%eth0") == IPAddress("fe80::1"))
        for bad in ["", "unknown", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80", "::1::2", "12345::", "1.2.3.-4"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        let net = try #require(IPRange("10.0.0.0/8"))
        #expect(net.contains(IPAddress("10.255.1.2")!) && !net.contains(IPAddress("11.0.0.1")!))
        #expect(IPRange("10.0.0.1")?.contains(IPAddress("10.0.0.1")!) == true && IPRange("10.0.0.1")?.contains(IPAddress("10.0.0.2")!) == false)
        #expect(IPRange("fd00::/8")?.contains(IPAddress("fd12::5")!) == true && IPRange("fd00::/8")?.contains(IPAddress("10.0.0.1")!) == false)
        #expect(IPRange("10.0.0.0/33") == nil && IPRange("10.0.0.0/x") == nil)
        #expect(throws: LinkwellError.self) { try TrustedProxies(parsing: "10.0.0.1,not-a-proxy") }
        #expect(ClientAddress(IPAddress("2001:db8:1:2:3:4:5:6")).rateLimitKey == ClientAddress(IPAddress("2001:db8:1:2:ffff::1")).rateLimitKey,
                "an IPv6 client is counted by its /64")
    }

    @Test("X-Forwarded-For is believed only from a trusted proxy, and only as far as trusted proxies vouch")
    func forwardedFor() throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.1, 192.168.0.0/16")
        func client(_ peer: String?, _ header: [String]) -> String { proxies.clientAddress(peer: peer, forwardedFor: header).description }
        #expect(client("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9", "an untrusted peer's header is ignored")
        #expect(client("10.0.0.1", ["198.51.100.1"]) == "198.51.100.1")
        #expect(client("10.0.0.1", ["6.6.6.6, 198.51.100.1"]) == "198.51.100.1", "what the client wrote itself is not used")
        #expect(client("10.0.0.1", ["6.6.6.6", "198.51.100.1, 192.168.4.4"]) == "198.51.100.1", "chained trusted proxies are skipped")
        #expect(client("10.0.0.1", []) == "10.0.0.1")
        #expect(client("10.0.0.1", ["192.168.1.1"]) == "192.168.1.1", "all trusted: the furthest")
        #expect(client("10.0.0.1", ["6.6.6.6, garbage"]) == "10.0.0.1", "an unreadable hop stops the walk")
        #expect(client(nil, ["6.6.6.6"]) == "unknown")
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.1", forwardedFor: ["6.6.6.6"]).description == "10.0.0.1")
    }

    // MARK: Storage

    @Test("Attempts are counted in a sliding window, refused past the limit, and can be forgiven", arguments: TestBackend.available)
    func counting(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let clock = TestClock()
        let limiter = RateLimiter(store: store, env: clock.environment)
        let rule = RateLimit(name: "test", limit: 3, window: 600)
        let client = ClientAddress(IPAddress("198.51.100.7"))
        var decisions: [RateLimitDecision] = []
        for _ in 0..<3 {
            decisions.append(try await limiter.attempt(rule, client: client))
            clock.advance(seconds: 60)
        }
        #expect(decisions.map { if case .allowed(let n, _) = $0 { n } else { -1 } } == [1, 2, 3])
        let start = clock.now.addingTimeInterval(-180)
        #expect(try await limiter.attempt(rule, client: client) == .refused(retryAfter: start.addingTimeInterval(600)))
        #expect(try await limiter.attempt(rule, client: ClientAddress(IPAddress("198.51.100.8"))) != .refused(retryAfter: start.addingTimeInterval(600)),
                "another client has its own budget")
        #expect(try await limiter.attempt(RateLimit(name: "other", limit: 3, window: 600), client: client) != .refused(retryAfter: start.addingTimeInterval(600)),
                "another limit has its own budget")
        try await limiter.forgive(decisions[1])
        guard case .allowed = try await limiter.attempt(rule, client: client) else { Issue.record("a forgiven attempt frees its place"); return }
        #expect(try await limiter.attempt(rule, client: client) == .refused(retryAfter: start.addingTimeInterval(600)))
        clock.advance(seconds: 600 - 180 + 1)
        guard case .allowed = try await limiter.attempt(rule, client: client) else { Issue.record("the oldest attempt left the window"); return }
        // A counted-only-on-failure action: successes cost nothing, failures run out.
        let links = RateLimit(name: "links", limit: 2, window: 3600)
        for _ in 0..<5 { _ = try await limiter.countingFailures(links, client: client) { 1 } }
        for _ in 0..<2 { await #expect(throws: LinkwellError.self) { try await limiter.countingFailures(links, client: client) { () throws -> Int in throw LinkwellError.notFound("link") } } }
        await #expect(throws: RateLimited.self) { try await limiter.countingFailures(links, client: client) { 1 } }
    }

    @Test("32 concurrent attempts from two app instances sharing the database never exceed the limit", arguments: TestBackend.available)
    func concurrency(backend: TestBackend) async throws {
        let (a, b) = try await backend.makeSharedStores(connectionsPerEventLoop: SQLStore.defaultConnectionsPerEventLoop)
        let clock = TestClock()
        let limiters = [RateLimiter(store: a, env: clock.environment), RateLimiter(store: b, env: clock.environment)]
        let rule = RateLimit(name: "race", limit: 5, window: 3600)
        let client = ClientAddress(IPAddress("203.0.113.50"))
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<32 {
                group.addTask { if case .allowed = try await limiters[i % 2].attempt(rule, client: client) { true } else { false } }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 5)
        for limiter in limiters {
            if case .allowed = try await limiter.attempt(rule, client: client) { Issue.record("the limit was exceeded afterwards") }
        }
        try await a.shutdown()
        if backend != .memory { try await b.shutdown() }
    }

    // MARK: Through the web

    /// A client for the public forms that keeps cookies and can send an `X-Forwarded-For`.
    struct Visitor {
        let client: any TestClientProtocol
        var forwardedFor: String?

        func selfRefer() async throws -> HTTPResponse.Status {
            var headers: HTTPFields = [:]
            if let forwardedFor { headers[.init("X-Forwarded-For")!] = forwardedFor }
            let page = try await client.execute(uri: "/self-referral", method: .get, headers: headers)
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("lw_selfreferral=") }).split(separator: ";")[0]
            let token = try #require(WebPagesTests.Browser.hidden("_form", in: String(buffer: page.body)))
            headers[.cookie] = String(cookie)
            headers[.contentType] = "application/x-www-form-urlencoded"
            // An empty referral: refused as incomplete (422) — but it is an attempt, and counts.
            return try await client.execute(uri: "/self-referral", method: .post, headers: headers, body: ByteBuffer(string: "_form=\(token)")).status
        }
    }

    func live(trusting proxies: String, _ body: @escaping @Sendable (any TestClientProtocol, TestScheme) async throws -> Void) async throws {
        let s = try await TestScheme.make(.sqlite)
        var configuration = s.configuration
        configuration.selfReferralsPerHour = 2
        configuration.unknownMeasureLinksPerHour = 3
        configuration.trustedProxies = try TrustedProxies(parsing: proxies)
        let router = try await buildRouter(configuration: configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.live) { client in try await body(client, s) }
        try await s.store.shutdown()
    }

    @Test("A spoofed X-Forwarded-For from an untrusted peer is ignored")
    func untrustedPeer() async throws {
        try await live(trusting: "10.0.0.1") { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for i in 1...3 { statuses.append(try await Visitor(client: client, forwardedFor: "198.51.100.\(i)").selfRefer()) }
            #expect(statuses == [.unprocessableContent, .unprocessableContent, .tooManyRequests], "one budget: the socket's address")
        }
    }

    @Test("Behind a trusted proxy each forwarded client has its own budget, and what a client prepends is not believed")
    func trustedProxy() async throws {
        try await live(trusting: "127.0.0.1,::1") { client, _ in
            for i in 1...3 {
                #expect(try await Visitor(client: client, forwardedFor: "198.51.100.\(i)").selfRefer() == .unprocessableContent)
            }
            var statuses: [HTTPResponse.Status] = []
            for spoof in ["6.6.6.1", "6.6.6.2", "6.6.6.3"] {
                statuses.append(try await Visitor(client: client, forwardedFor: "\(spoof), 203.0.113.77").selfRefer())
            }
            #expect(statuses == [.unprocessableContent, .unprocessableContent, .tooManyRequests])
        }
    }

    @Test("Self-completion links that do not work are limited per client; the person's own link is not")
    func measureLinks() async throws {
        try await live(trusting: "") { client, s in
            for _ in 0..<3 { #expect(try await client.execute(uri: "/measure/guess-\(UUID())", method: .get).status == .notFound) }
            let refused = try await client.execute(uri: "/measure/guess", method: .get)
            #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] != nil)
            #expect(try await client.execute(uri: "/measure/guess", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                             body: ByteBuffer(string: "answers.anxiety=1")).status == .tooManyRequests)
        }
    }

    @Test("Two app instances on one database share one budget")
    func sharedAcrossInstances() async throws {
        let (a, b) = try await TestBackend.sqlite.makeSharedStores()
        let s = try await TestScheme.make(store: a)
        var configuration = s.configuration
        configuration.selfReferralsPerHour = 2
        // Instance one, then instance two, then one again: each sees the attempts made on the other.
        try await Application(router: try await buildRouter(configuration: configuration, store: a, env: s.env)).test(.live) { (one: any TestClientProtocol) async throws -> Void in
            #expect(try await Visitor(client: one).selfRefer() == .unprocessableContent)
        }
        try await Application(router: try await buildRouter(configuration: configuration, store: b, env: s.env)).test(.live) { (two: any TestClientProtocol) async throws -> Void in
            #expect(try await Visitor(client: two).selfRefer() == .unprocessableContent)
            #expect(try await Visitor(client: two).selfRefer() == .tooManyRequests)
        }
        try await Application(router: try await buildRouter(configuration: configuration, store: a, env: s.env)).test(.live) { (one: any TestClientProtocol) async throws -> Void in
            #expect(try await Visitor(client: one).selfRefer() == .tooManyRequests)
        }
        try await a.shutdown()
        try await b.shutdown()
    }
}
