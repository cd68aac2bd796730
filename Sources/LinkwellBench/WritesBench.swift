import ArgumentParser
import Foundation
import Hummingbird
import HTTPTypes
import LinkwellCore
import LinkwellPasswords
@_spi(Benchmarks) import LinkwellStorage
import LinkwellWeb
import Logging
import NIOCore
import SQLKit

/// `linkwell-bench writes`: the writes people make all day — a referral in, a contact, a referral out — each
/// through the JSON API over HTTP on 127.0.0.1, with many writers at once, on the large scheme; beside the
/// raw rate of tiny committed transactions on a scratch SQLite file on the same disk, measured in the same run
/// (with `synchronous=FULL` every commit waits for the disk, so that rate bounds any write).
struct WritesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writes",
        abstract: "Time a referral in, a contact and a referral out (p50/p99) with concurrent writers, beside the disk's raw committed-transaction rate.")
    @Option(help: "A SQLite file or a postgres:// URL (a dedicated benchmark database: the scheme and the new cases are added to it).") var database: String
    @Option(help: "Referrals in the large scheme loaded first (as `pages`; 50,000 is the five-year scheme).") var referrals = 50_000
    @Option(help: "Concurrent writers (each a GP and a link worker making journeys).") var writers = 16
    @Option(help: "Journeys per writer: each is a referral in, its acceptance, a contact and a referral out.") var journeys = 25
    @Option(help: "Journeys per writer made first and not timed (connections opened, statements prepared, pages cached).") var warmup = 1
    @Option(help: "Seconds of the raw transaction loop on the scratch SQLite file.") var fsyncSeconds = 3.0
    @Option(help: "Port for the benchmark server.") var port = 18_092

    func validate() throws {
        guard database != "memory" else { throw ValidationError("Benchmark SQLite or PostgreSQL, not memory.") }
        guard (50...1_000_000).contains(referrals) else { throw ValidationError("--referrals must be from 50 to 1,000,000.") }
        guard (1...256).contains(writers), (1...10_000).contains(journeys), (0...100).contains(warmup), fsyncSeconds > 0 else {
            throw ValidationError("Bad --writers, --journeys or --fsync-seconds.")
        }
    }

    func run() async throws {
        try await withSQLBenchStore(database) { try await measure($0) }
    }

    /// The scratch file sits beside a SQLite database (the same disk), else in the temporary directory.
    var scratchDirectory: URL {
        if StoreFactory.isPostgres(database) { return FileManager.default.temporaryDirectory }
        return URL(fileURLWithPath: database).deletingLastPathComponent()
    }

    func measure(_ store: SQLStore) async throws {
        let scheme = try await PagesBench.loadedScheme(store, referrals: referrals)
        print("Scheme: \(try await store.countReferrals(ReferralQuery())) referrals on \(store.flavor.rawValue).")

        // The disk's own rate first: one writer committing one tiny row at a time, the way Linkwell opens SQLite.
        let raw = try await Self.rawTransactions(in: scratchDirectory, seconds: fsyncSeconds)
        print(String(format: "Raw committed transactions on a scratch SQLite file (same disk, WAL, synchronous=FULL): %.0f tx/s, p50 %.2f ms, p99 %.2f ms",
                     raw.rate, raw.p50, raw.p99))

        let accounts = Accounts(store: store, env: .live, hasher: BcryptPasswordHasher(cost: 4), passwords: ShippedPasswordPolicy.standard)
        var tokens: [UserID: HTTPFields] = [:]
        for user in scheme.referrers.prefix(writers) + scheme.linkWorkers.prefix(writers) where tokens[user.id] == nil {
            let (token, _) = try await accounts.createToken(email: user.email, purpose: "writes benchmark", days: 1)
            tokens[user.id] = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        }
        guard let service = scheme.services.first(where: \.active) else { throw ValidationError("The scheme has no active service.") }

        let server = try await startBenchServer(store: store, port: port)
        defer { server.cancel() }

        let (port, journeys, warmup) = (self.port, self.journeys, self.warmup)
        let started = DispatchTime.now().uptimeNanoseconds
        let samples = try await withThrowingTaskGroup(of: [String: [Double]].self) { group in
            for w in 0..<writers {
                let gp = tokens[scheme.referrers[w % scheme.referrers.count].id]!, lw = tokens[scheme.linkWorkers[w % scheme.linkWorkers.count].id]!
                group.addTask {
                    let c = try await BenchClient.connect(port: port)
                    var times: [String: [Double]] = [:]
                    var timing = false
                    func post(_ what: String, _ path: String, _ headers: HTTPFields, _ body: String, expect: HTTPResponse.Status) async throws -> ByteBuffer {
                        let start = DispatchTime.now().uptimeNanoseconds
                        let response = try await c.client.post(path, headers: headers, body: ByteBuffer(string: body))
                        if timing { times[what, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
                        guard response.status == expect else {
                            throw ValidationError("\(what) answered \(response.status.code): \(String(buffer: response.body ?? ByteBuffer()))")
                        }
                        return response.body ?? ByteBuffer()
                    }
                    for j in 0..<(warmup + journeys) {
                        timing = j >= warmup
                        let created = try await post("referral in", "/api/v1/referrals", gp, Self.referralJSON(writer: w, journey: j), expect: .created)
                        guard let object = try JSONSerialization.jsonObject(with: Data(String(buffer: created).utf8)) as? [String: Any], let id = object["id"] as? String else {
                            throw ValidationError("A new referral had no id.")
                        }
                        _ = try await post("accept", "/api/v1/referrals/\(id)/accept", lw, "{}", expect: .ok)
                        _ = try await post("contact", "/api/v1/referrals/\(id)/contacts", lw,
                                           #"{"mode":"phone","durationMinutes":20,"successful":true,"notes":"Benchmark call"}"#, expect: .ok)
                        _ = try await post("referral out", "/api/v1/referrals/\(id)/onward-referrals", lw,
                                           #"{"serviceId":"\#(service.id.rawValue)","note":"Benchmark"}"#, expect: .created)
                    }
                    try await c.shutdown()
                    return times
                }
            }
            return try await group.reduce(into: [String: [Double]]()) { all, one in all.merge(one, uniquingKeysWith: +) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        // The rate counts every write made in the time, the untimed first journeys too.
        let total = writers * (warmup + journeys) * 4
        print("\n\(writers) writers × \(journeys) timed journeys (after \(warmup) untimed) over HTTP on \(store.flavor.rawValue) (milliseconds; target p99 ≤ 50 on SQLite)\n")
        print("| write | n | p50 | p99 | max | p99 ÷ raw transaction p50 |")
        print("|---|---:|---:|---:|---:|---:|")
        for what in ["referral in", "accept", "contact", "referral out"] {
            let times = samples[what] ?? []
            let p50 = DirectoryBench.Search.percentile(times, 0.5), p99 = DirectoryBench.Search.percentile(times, 0.99)
            print(String(format: "| %@ | %d | %.1f | %.1f | %.1f | %.0f× |", what, times.count, p50, p99, times.max() ?? 0, p99 / max(raw.p50, 0.001)))
        }
        let worst = ["referral in", "contact", "referral out"].map { DirectoryBench.Search.percentile(samples[$0] ?? [], 0.99) }.max() ?? 0
        print(String(format: "\nAll writes: %d in %.2f s = %.0f writes/s (raw committed transactions on the same disk: %.0f/s); worst p99 %.1f ms (target ≤ 50 ms: %@)",
                     total, seconds, Double(total) / seconds, raw.rate, worst, worst <= 50 ? "met" : "NOT met"))
        server.cancel()
        _ = await server.result
    }

    /// A professional's referral, different for every writer and journey.
    static func referralJSON(writer: Int, journey: Int) -> String {
        let names = ["Margaret", "David", "Aisha", "John", "Fatima", "Peter", "Grace", "Tom"]
        return """
            {"person":{"givenName":"\(names[(writer + journey) % names.count])","familyName":"Writer\(writer)x\(journey)","dateOfBirth":"19\(40 + journey % 50)-0\(1 + writer % 9)-1\(journey % 10)",
             "postcode":"LS1 4AP","phone":"07700 900\(String(format: "%03d", (writer * 31 + journey) % 1000))"},
             "sourceType":"gp","needs":["loneliness","low_mood"],"personView":"Get out more",
             "consent":{"given":true,"givenBy":"The person","method":"verbal","purposes":["share_with_providers","share_with_referrer"]}}
            """
    }

    /// Commits one tiny row per transaction on a fresh SQLite file for `seconds`: the disk's fsync-bound rate.
    static func rawTransactions(in directory: URL, seconds: Double) async throws -> (rate: Double, p50: Double, p99: Double) {
        let path = directory.appendingPathComponent("linkwell-fsync-\(ProcessInfo.processInfo.processIdentifier).sqlite").path
        let scratch = try await SQLStore.sqlite(path: path)
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            try await scratch.benchmarkWrite { db in try await db.raw("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").run() }
            var times: [Double] = []
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
            while DispatchTime.now().uptimeNanoseconds < deadline {
                let start = DispatchTime.now().uptimeNanoseconds
                try await scratch.benchmarkWrite { db in try await db.raw("INSERT INTO t (v) VALUES ('x')").run() }
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            try await scratch.shutdown()
            return (Double(times.count) / seconds, DirectoryBench.Search.percentile(times, 0.5), DirectoryBench.Search.percentile(times, 0.99))
        } catch {
            try? await scratch.shutdown()
            throw error
        }
    }
}
