import ArgumentParser
import Foundation
import Hummingbird
import HTTPTypes
import LinkwellCore
import LinkwellPasswords
@_spi(Benchmarks) import LinkwellStorage
import LinkwellWeb
import Logging
import HummingbirdTesting
import NIOCore
import NIOPosix

/// `linkwell-bench pages`: the pages people work in all day and the API lists, on the large scheme
/// (`LargeScheme`), over HTTP on 127.0.0.1, each beside `GET /healthz` measured in the same run.
struct PagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pages",
        abstract: "Load the large synthetic scheme (if absent) and time every work page and API list for one user, and the caseload under 8 clients.")
    @Option(help: "A SQLite file or a postgres:// URL (a dedicated benchmark database: the scheme is added to it).") var database: String
    @Option(help: "Referrals in the scheme (50,000 is the issue's five-year scheme; fewer scales the staff down).") var referrals = 50_000
    @Option(help: "Timed requests per page, after a warm-up of a tenth as many.") var requests = 200
    @Option(help: "Concurrent clients for the throughput runs.") var clients = 8
    @Option(help: "Seconds of each throughput run.") var seconds = 2.0
    @Option(help: "Rounds of the health check and the caseload under load, one after the other; each round's ratio is theirs.") var rounds = 5
    @Option(help: "Port for the benchmark server.") var port = 18_091
    @Option(help: "Time only the pages and lists whose name contains this (e.g. 'team view'), beside the health check, and skip the throughput runs.")
    var only: String?

    func validate() throws {
        guard database != "memory" else { throw ValidationError("Benchmark SQLite or PostgreSQL, not memory.") }
        guard (50...1_000_000).contains(referrals) else { throw ValidationError("--referrals must be from 50 to 1,000,000.") }
        guard (1...100_000).contains(requests), (1...256).contains(clients), seconds > 0, (1...100).contains(rounds) else {
            throw ValidationError("Bad --requests, --clients, --seconds or --rounds.")
        }
    }

    func run() async throws {
        try await withSQLBenchStore(database) { try await measure($0) }
    }

    /// The scheme's "now": the start of this UTC day, so that a database loaded earlier today is reused.
    static func schemeNow() -> Date { Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) }

    /// Migrates the store and loads the large scheme of `referrals` referrals unless it is there already.
    static func loadedScheme(_ store: SQLStore, referrals: Int) async throws -> LargeScheme {
        try await store.migrate()
        let size = referrals == 50_000 ? LargeScheme.Size.full : .scaled(referrals: referrals)
        let scheme = LargeScheme(size: size, now: Self.schemeNow())
        if try await store.user(id: scheme.admin.id) == nil {
            print("Loading the large scheme: \(size.referrals) referrals over \(size.years) years, \(size.linkWorkers) link workers, "
                  + "\(size.practices) practices, \(size.services) services…")
            let started = Date()
            try await scheme.load(into: store, batch: 500) { done in
                if done % 5_000 == 0 || done == size.referrals {
                    print("  \(done) referrals (\(Int(Double(done) / Date().timeIntervalSince(started))) per second)")
                }
            }
            try await store.analyze()
        }
        return scheme
    }

    func measure(_ store: SQLStore) async throws {
        let scheme = try await Self.loadedScheme(store, referrals: referrals)
        let counts = try await store.countReferrals(ReferralQuery())
        print("Scheme: \(counts) referrals on \(store.flavor.rawValue).")

        // Sign the users in through Accounts (a session cookie for pages, a bearer token for the API).
        let accounts = Accounts(store: store, env: .live, hasher: BcryptPasswordHasher(cost: 4), passwords: ShippedPasswordPolicy.standard)
        func cookie(_ user: User) async throws -> HTTPFields {
            let (token, _) = try await accounts.startSession(for: user)
            return [.cookie: "lw_session=\(token)"]
        }
        func bearer(_ user: User) async throws -> HTTPFields {
            let (token, _) = try await accounts.createToken(email: user.email, purpose: "page benchmark", days: 1)
            return [.authorization: "Bearer \(token)"]
        }
        let lw = scheme.linkWorkers[0], supervisor = scheme.supervisors[0], gp = scheme.referrers[0], provider = scheme.providerStaff[0]
        // A case in support on the link worker's caseload (any of theirs in a tiny scheme).
        let inSupport = try await store.referrals(ReferralQuery(linkWorkerID: lw.id, statuses: [.active, .review], limit: 1)).first
        let anyOfTheirs = try await store.referrals(ReferralQuery(linkWorkerID: lw.id, limit: 1)).first
        let someCase = (inSupport ?? anyOfTheirs)?.id.rawValue ?? "none"
        let (lwCookie, supervisorCookie, gpCookie, providerCookie) = try await (cookie(lw), cookie(supervisor), cookie(gp), cookie(provider))
        let (lwToken, supervisorToken, gpToken, providerToken) = try await (bearer(lw), bearer(supervisor), bearer(gp), bearer(provider))

        let server = try await startBenchServer(store: store, port: port)
        let client = try await BenchClient.connect(port: port)
        // The API's second page of the link worker's closed cases: a cursor from the first.
        let first = try await client.client.get("/api/v1/referrals?list=closed", headers: lwToken)
        let nextLink = first.headers[HTTPField.Name("Link")!].flatMap { $0.split(separator: "<").last?.split(separator: ">").first }.map(String.init)

        let targets: [(kind: String, name: String, path: String, headers: HTTPFields)] = [
            ("baseline", "GET /healthz", "/healthz", [:]),
            ("page", "link worker's caseload /referrals", "/referrals", lwCookie),
            ("page", "link worker: closed, page 2", "/referrals?list=closed&page=2", lwCookie),
            ("page", "supervisor's team view /referrals", "/referrals", supervisorCookie),
            ("page", "GP's referrals and messages /referrals", "/referrals", gpCookie),
            ("page", "provider's inbox /provider", "/provider", providerCookie),
            ("page", "a case /referrals/{id}", "/referrals/\(someCase)", lwCookie),
            ("page", "caseload search ?q=smith", "/referrals?q=smith", lwCookie),
            ("api", "GET /api/v1/referrals (link worker)", "/api/v1/referrals", lwToken),
            ("api", "GET /api/v1/referrals (supervisor)", "/api/v1/referrals", supervisorToken),
            ("api", "GET /api/v1/referrals page 2", nextLink ?? "/api/v1/referrals", lwToken),
            ("api", "GET /api/v1/messages (GP)", "/api/v1/messages", gpToken),
            ("api", "GET /api/v1/onward-referrals (provider)", "/api/v1/onward-referrals", providerToken),
            ("api", "GET /api/v1/plan-reviews (link worker)", "/api/v1/plan-reviews", lwToken),
            ("api", "GET /api/v1/outcomes/due (link worker)", "/api/v1/outcomes/due", lwToken),
            ("api", "GET /api/v1/caseloads (supervisor)", "/api/v1/caseloads", supervisorToken),
        ]
        print("One user, \(requests) requests each over HTTP on 127.0.0.1 (milliseconds; target: pages p95 ≤ 50, API p95 ≤ 20, HTML ≤ 100 KB)")
        print("what".padding(toLength: 44, withPad: " ", startingAt: 0) + "   p50      p95      max   ÷health p50   KB   rows")
        var healthP50 = 0.0
        for target in targets where target.kind == "baseline" || only.map({ target.name.localizedCaseInsensitiveContains($0) }) != false {
            var times: [Double] = []
            var bytes = 0
            for i in 0..<(requests + max(1, requests / 10)) {
                let start = DispatchTime.now().uptimeNanoseconds
                let response = try await client.client.get(target.path, headers: target.headers)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                guard response.status == .ok else { throw ValidationError("\(target.name) answered \(response.status.code)") }
                bytes = response.body?.readableBytes ?? 0
                if i >= max(1, requests / 10) { times.append(ms) }
            }
            let p50 = DirectoryBench.Search.percentile(times, 0.5), p95 = DirectoryBench.Search.percentile(times, 0.95)
            if target.kind == "baseline" { healthP50 = p50 }
            let body = try await client.client.get(target.path, headers: target.headers).body ?? ByteBuffer()
            let rows = target.kind == "api" ? String(String(buffer: body).components(separatedBy: "{\"").count - 1) : ""
            print(target.name.padding(toLength: 44, withPad: " ", startingAt: 0)
                  + String(format: "%6.2f   %6.2f   %6.2f   %8.1f   %6.1f   ", p50, p95, times.max() ?? 0, p50 / max(healthP50, 0.001), Double(bytes) / 1024) + rows)
        }
        try await client.shutdown()
        guard only == nil else {
            server.cancel()
            _ = await server.result
            return
        }

        // Throughput: `clients` keep-alive connections each asking again as soon as answered.
        let (port, clients, seconds) = (self.port, self.clients, self.seconds)
        func throughput(_ path: String, _ headers: HTTPFields) async throws -> Double {
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
            let done = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for _ in 0..<clients {
                    tasks.addTask {
                        let c = try await BenchClient.connect(port: port)
                        var n = 0
                        while DispatchTime.now().uptimeNanoseconds < deadline {
                            let response = try await c.client.get(path, headers: headers)
                            guard response.status == .ok else { throw ValidationError("\(path) answered \(response.status.code) under load") }
                            n += 1
                        }
                        try await c.shutdown()
                        return n
                    }
                }
                return try await tasks.reduce(0, +)
            }
            return Double(done) / seconds
        }
        // The health check and the caseload in rounds, each round's pair one after the other, and the median of the
        // rounds' ratios: on a shared machine the CPU left to this one moves by a quarter from minute to minute, and a
        // single pair measured in two different minutes moved the ratio as much as a change did.
        print("\(clients) clients, \(rounds) rounds of the health check then the caseload, \(seconds) s each (target: caseload ≥ 100 req/s and ≤ 20× a health check)")
        var pairs: [(health: Double, caseload: Double)] = []
        for round in 1...rounds {
            let pair = (health: try await throughput("/healthz", [:]), caseload: try await throughput("/referrals", lwCookie))
            pairs.append(pair)
            print(String(format: "round %d: GET /healthz %8.0f req/s, caseload %6.0f req/s, health ÷ caseload = %.1f×", round, pair.health, pair.caseload,
                         pair.health / max(pair.caseload, 0.001)))
        }
        func median(_ values: [Double]) -> Double { DirectoryBench.Search.percentile(values, 0.5) }
        let health = median(pairs.map(\.health)), ratio = median(pairs.map { $0.health / max($0.caseload, 0.001) })
        let api = try await throughput("/api/v1/referrals", lwToken)
        print(String(format: "GET /healthz                  %8.0f req/s (median of the rounds)", health))
        print(String(format: "link worker's caseload        %8.0f req/s   health ÷ caseload = %.1f× (median of the rounds' ratios)", median(pairs.map(\.caseload)), ratio))
        print(String(format: "GET /api/v1/referrals         %8.0f req/s   health ÷ API list = %.1f× (beside the median health check)", api, health / max(api, 0.001)))
        server.cancel()
        _ = await server.result
    }
}
