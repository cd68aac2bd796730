import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCommands
import LinkwellCore
@_spi(Benchmarks) import LinkwellStorage
import LinkwellWeb
import Logging
import NIOPosix
import SQLKit

/// `linkwell-bench directory …`: a synthetic UK-like directory, and the ORUK search benchmark over it.
struct DirectoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory", abstract: "The community directory: a synthetic directory and the search benchmark.",
        subcommands: [Generate.self, Search.self, ImportBench.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a synthetic UK-like directory (and matching postcodes) for benchmarks.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "How many services (e.g. 10000, 100000, 500000).") var services = 10_000

        func run() async throws {
            try await db.with { store in try await Self.load(services: services, into: store) }
        }

        static func load(services: Int, into store: any LinkwellStore) async throws {
            let synthetic = SyntheticDirectory()
            let start = Date()
            try await store.saveDirectory(DirectoryBatch(taxonomies: [synthetic.taxonomy], terms: synthetic.terms), at: Date(), verified: true)
            try await store.savePostcodes(synthetic.postcodes())
            var done = 0
            for batch in synthetic.batches(services: services) {
                try await store.saveDirectory(batch, at: Date(), verified: true)
                done += batch.services.count
                if done % 20_000 == 0 { print("  \(done) services…") }
            }
            print("Loaded \(services) synthetic services in \(String(format: "%.0f", Date().timeIntervalSince(start))) s.")
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmark the ORUK search endpoint over HTTP on 127.0.0.1 and the same SQL in-process.",
            discussion: "Query mix: 40% postcode+radius+words, 25% postcode+radius+taxonomy, 10% postcode+radius+opening time, 10% national words only, 10% service detail, 5% deep pages.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Generate this many synthetic services first when the directory has fewer.") var services = 10_000
        @Option(help: "Measured requests of each kind (endpoint and SQL).") var requests = 2000
        @Option(help: "Port for the benchmark server.") var port = 18_089

        func run() async throws {
            try await withBenchStore(db.database) { try await measure($0) }
        }

        func measure(_ store: any LinkwellStore) async throws {
            try await store.migrate()
            guard let sql = store as? SQLStore else { throw ValidationError("The benchmark needs SQLite or PostgreSQL.") }
            var probe = DirectoryQuery()
            probe.perPage = 1
            if try await store.searchDirectory(probe).total < services {
                try await Generate.load(services: services, into: store)
                try await sql.analyze()
            }
            let total = try await store.searchDirectory(probe).total
            let synthetic = SyntheticDirectory()
            var shares: [Double] = []
            for word in SyntheticDirectory.common.prefix(60) {
                probe.words = ServiceFacts.words(word)
                shares.append(Double(try await store.searchDirectory(probe).total) / Double(max(total, 1)))
            }
            print(String(format: "The 60 query words each match %.1f%%–%.1f%% of services (median %.1f%%).",
                         100 * shares.min()!, 100 * shares.max()!, 100 * shares.sorted()[30]))
            let postcodes = synthetic.postcodes()
            let mix = Self.mix(count: requests, synthetic: synthetic, postcodes: postcodes, services: services)

            // Each request three ways, one after the other so that all three see the same caches: the SQL
            // the endpoint runs (in-process, same connections), the handler's work without HTTP, and the
            // real application over HTTP on 127.0.0.1.
            let directory = DirectoryService(store: store, env: .live)
            let feed = ORUKFeed(directory: directory)
            let server = try await startBenchServer(store: store, port: port)
            let client = try await BenchClient.connect(port: port)
            var raw: [String: [Double]] = [:], handler: [String: [Double]] = [:], endpoint: [String: [Double]] = [:]
            let warmUp = min(200, mix.count)
            for (i, (kind, path)) in (Array(mix.prefix(warmUp)) + mix).enumerated() {
                let request = try await Request(kind: kind, path: path, sql: sql)
                var (sqlMS, handlerMS, endpointMS) = (0.0, 0.0, 0.0)
                for way in 0..<3 {
                    // Whichever goes first meets the colder cache, so the order turns with each request.
                    switch (way + i) % 3 {
                    case 0: sqlMS = try await request.timeSQL(sql)
                    case 1: handlerMS = try await request.timeHandler(feed)
                    default:
                        let (ms, status) = try await client.get(path)
                        guard status == 200 else { throw ValidationError("\(path) answered \(status)") }
                        endpointMS = ms
                    }
                }
                guard i >= warmUp else { continue }
                raw[kind, default: []].append(sqlMS)
                handler[kind, default: []].append(handlerMS)
                endpoint[kind, default: []].append(endpointMS)
            }
            try await client.shutdown()
            server.cancel()
            _ = await server.result
            print("Directory benchmark: \(total) services on \(sql.flavor.rawValue), \(mix.count) requests each way")
            print("kind                        endpoint p50/p99 ms   handler p50/p99 ms   SQL p50/p99 ms   endpoint÷SQL p50/p99")
            for kind in Self.kinds + ["all"] {
                func values(_ m: [String: [Double]]) -> [Double] { kind == "all" ? m.values.flatMap { $0 } : m[kind] ?? [] }
                let (e, h, r) = (values(endpoint), values(handler), values(raw))
                guard !e.isEmpty, !r.isEmpty else { continue }
                let (e50, e99, r50, r99) = (Self.percentile(e, 0.5), Self.percentile(e, 0.99), Self.percentile(r, 0.5), Self.percentile(r, 0.99))
                print(kind.padding(toLength: 28, withPad: " ", startingAt: 0)
                      + String(format: "%7.2f / %-7.2f     %7.2f / %-7.2f    %6.2f / %-6.2f   %5.2f / %-5.2f",
                               e50, e99, Self.percentile(h, 0.5), Self.percentile(h, 0.99), r50, r99, e50 / r50, e99 / r99))
            }
        }

        static let kinds = ["postcode+radius+words", "postcode+radius+taxonomy", "postcode+radius+open", "national words", "service detail", "deep page"]

        static func mix(count: Int, synthetic: SyntheticDirectory, postcodes: [PostcodePoint], services: Int) -> [(String, String)] {
            var random = SplitMix64(seed: 7)
            let words = Array(SyntheticDirectory.common.prefix(60))
            func word() -> String {
                words[Int(random.unit() * Double(words.count))].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "group"
            }
            func postcode() -> String {
                postcodes[Int(random.unit() * Double(postcodes.count))].postcode.replacingOccurrences(of: " ", with: "%20")
            }
            func term() -> String { synthetic.terms[SyntheticDirectory.pick(synthetic.termCumulative, random.unit())].id }
            return (0..<count).map { _ in
                let r = random.unit()
                let radius = [3000, 5000, 10000][Int(random.unit() * 3)]
                switch r {
                case ..<0.40: return (kinds[0], "/oruk/services?postcode=\(postcode())&proximity=\(radius)&search=\(word())")
                case ..<0.65: return (kinds[1], "/oruk/services?postcode=\(postcode())&proximity=\(radius)&taxonomy_term_id=\(term())")
                case ..<0.75: return (kinds[2], "/oruk/services?postcode=\(postcode())&proximity=\(radius)&open_day=\(WeeklyTime.dayCodes[Int(random.unit() * 7)])&open_time=\(10 + Int(random.unit() * 8)):30")
                case ..<0.85: return (kinds[3], "/oruk/services?search=\(word())")
                case ..<0.95: return (kinds[4], "/oruk/services/\(syntheticUUID(0x5e0, 1 + Int(random.unit() * Double(services))))")
                default:
                    // A common word (in ~5-10% of services), well past the first page but within the results.
                    let deepest = max(2, min(50, services / 500))
                    let word = words[Int(random.unit() * 3)], deep = 2 + Int(random.unit() * Double(deepest - 1))
                    // A directory too small to have a second page of a word (the smoke run) asks for the first.
                    return (kinds[5], "/oruk/services?search=\(word)&page=\(services >= 1000 ? deep : 1)")
                }
            }
        }

        /// One request of the mix, parsed as the endpoint parses it (with the postcode looked up), ready
        /// to be timed as SQL alone or as the endpoint's whole handler without HTTP.
        struct Request {
            var detailID: String?
            var input = DirectorySearchInput()
            var query = DirectoryQuery()

            init(kind: String, path: String, sql: SQLStore) async throws {
                if kind == kinds[4] { detailID = String(path.split(separator: "/").last!); return }
                var values: [String: String] = [:]
                for pair in (path.split(separator: "?").last ?? "").split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                    if parts.count == 2 { values[parts[0]] = parts[1] }
                }
                input = ORUKFeed.searchInput { values[$0] }
                var (query, postcode) = try input.query(linkWorkerDefaults: false)
                if let postcode { query.near = try await sql.postcodePoint(postcode) }
                self.query = query
            }

            func timeSQL(_ sql: SQLStore) async throws -> Double {
                if let detailID { return try await time { _ = try await Search.rawListing(sql, id: detailID) } }
                return try await time { _ = try await sql.rawDirectorySearch(query) }
            }

            func timeHandler(_ feed: ORUKFeed) async throws -> Double {
                if let detailID { return try await time { _ = try await feed.service(id: detailID) } }
                return try await time { _ = try await feed.services(input) }
            }
        }

        static func time(_ body: () async throws -> Void) async throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try await body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }

        static func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }

        /// The SQL behind a service's ORUK detail (the record, its terms, the taxonomies, its organisation),
        /// rows fetched but not decoded: the detail request's in-process baseline.
        static func rawListing(_ sql: SQLStore, id: String) async throws -> Int {
            try await sql.benchmarkRead { db in
                var rows = try await db.raw("SELECT doc, review_state, last_verified_at, capacity FROM dir_services WHERE id = \(bind: id)").all().count
                rows += try await db.raw("SELECT doc FROM dir_terms WHERE id IN (SELECT term_id FROM dir_service_terms WHERE service_id = \(bind: id)) ORDER BY name, id").all().count
                rows += try await db.raw("SELECT doc FROM dir_taxonomies ORDER BY name, id").all().count
                rows += try await db.raw("SELECT doc FROM dir_organizations WHERE id IN (SELECT organization_id FROM dir_services WHERE id = \(bind: id)) ORDER BY name, id").all().count
                return rows
            }
        }
    }
}

/// One keep-alive HTTP/1.1 connection to the benchmark server (Hummingbird's NIO test client, on an
/// event loop of its own so that it takes no thread from the server). Measures from sending the
/// request to the whole response.
struct BenchClient: Sendable {
    let client: TestClient
    let loop: MultiThreadedEventLoopGroup

    /// Connects once the server answers `/health`.
    static func connect(port: Int) async throws -> BenchClient {
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        for _ in 0..<100 {
            let client = TestClient(host: "127.0.0.1", port: port, eventLoopGroupProvider: .shared(loop))
            client.connect()
            if (try? await client.get("/health"))?.status == .ok { return BenchClient(client: client, loop: loop) }
            try? await client.shutdown()
            try await Task.sleep(for: .milliseconds(50))
        }
        try await loop.shutdownGracefully()
        throw ValidationError("The benchmark server did not start on port \(port).")
    }

    /// (milliseconds, status)
    func get(_ path: String) async throws -> (Double, Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await client.get(path)
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, Int(response.status.code))
    }

    func shutdown() async throws {
        try await client.shutdown()
        try await loop.shutdownGracefully()
    }
}
