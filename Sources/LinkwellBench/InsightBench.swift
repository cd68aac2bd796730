import ArgumentParser
import Foundation
import LinkwellCore
@_spi(Benchmarks) import LinkwellStorage
import SQLKit

/// `linkwell-bench insight`: every insight dashboard against a full scan of the facts table, on a
/// synthetic scheme. Timings are medians of repeated runs, each beside a baseline measured in the same run.
struct InsightBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insight",
        abstract: "Load a synthetic scheme of N referrals (if the database has fewer) and time every insight dashboard against a full scan.")
    @Option(help: "A SQLite file or a postgres:// URL (a dedicated benchmark database: synthetic rows are added to it).") var database: String
    @Option(help: "Referrals in the synthetic scheme.") var referrals = 1_000_000
    @Option(help: "Timed runs per query (the median is reported).") var runs = 5

    func validate() throws {
        guard database != "memory" else { throw ValidationError("Benchmark SQLite or PostgreSQL, not memory.") }
        guard (100...20_000_000).contains(referrals) else { throw ValidationError("--referrals must be from 100 to 20,000,000.") }
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be from 1 to 50.") }
    }

    func run() async throws {
        try await withSQLBenchStore(database) { try await measure($0) }
    }

    func measure(_ store: SQLStore) async throws {
        try await store.migrate()
        let now = Date()
        let scheme = SyntheticScheme()
        var have = try await store.referralCounts(by: [], where: InsightFilter()).first?.count ?? 0
        if have < referrals {
            print("Loading \(referrals - have) synthetic referrals…")
            // The organisations and services referrals out go to, through the ordinary write path.
            for organisation in scheme.practices + scheme.providers {
                if try await store.organisation(id: organisation.id) == nil { try await store.createOrganisation(organisation) }
            }
            for service in scheme.services {
                if try await store.service(id: service.id) == nil { try await store.createService(service) }
            }
            let started = Date()
            let batch = 10_000
            while have < referrals {
                let end = min(referrals, have + batch)
                try await store.importReferrals(scheme.rows(have..<end, now: now))
                have = end
                if have % 100_000 == 0 || have == referrals {
                    print("  \(have) referrals (\(Int(Double(have) / Date().timeIntervalSince(started))) per second)")
                }
            }
            try await store.analyze()
        }
        // Unmet demand needs people's postcodes located and a directory to match: load the synthetic ones once.
        let postcodes = scheme.postcodePoints
        if try await store.postcodePoint(postcodes[0].postcode) == nil {
            print("Loading \(postcodes.count) synthetic postcodes and a synthetic directory…")
            try await store.savePostcodes(postcodes)
            try await store.saveDirectory(scheme.directory(), at: now, verified: true)
            try await store.analyze()
        }
        print("Database: \(StoreFactory.describe(database)), \(have) referrals\n")

        func time(_ body: () async throws -> Void) async throws -> (median: Double, max: Double) {
            var samples: [Double] = []
            for _ in 0..<runs {
                let t = DispatchTime.now().uptimeNanoseconds
                try await body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
            }
            samples.sort()
            return (samples[samples.count / 2], samples.last!)
        }
        let scan = try await time { _ = try await Self.scanFacts(store) }
        let service = InsightService(store: store, env: .live)
        let supervisor = CaseworkService.Request(Principal(userID: UserID("bench"), role: .supervisor, organisationID: nil, displayName: "Benchmark"),
                                                 route: "bench")
        // Published periods are whole months, quarters or years (disclosure control): the last calendar year.
        let lastYear = InsightMonth(now).year - 1
        print("Full scan of referral_facts (baseline): median \(String(format: "%.1f", scan.median)) ms\n")
        print("Each dashboard read from the rollups (as served) and from every fact (`InsightRollup.readFacts`), same answers.\n")
        print("| dashboard | all: rollup ms | all: facts ms | facts ÷ rollup | rollup ÷ scan | last calendar year: rollup ms | facts ms | facts ÷ rollup |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        var worst = 0.0, worstRatio = 0.0
        for name in InsightService.tables + ["waiting"] {
            func dashboard(_ q: InsightService.Query) async throws {
                if name == "waiting" { _ = try await service.dashboardWaiting(q, supervisor) } else { _ = try await service.table(name, q, supervisor) }
            }
            let yearQuery = InsightService.Query(from: "\(lastYear)-01", to: "\(lastYear)-12")
            let all = try await time { try await dashboard(.init()) }
            let year = try await time { try await dashboard(yearQuery) }
            let allFacts = try await InsightRollup.$readFacts.withValue(true) { try await time { try await dashboard(.init()) } }
            let yearFacts = try await InsightRollup.$readFacts.withValue(true) { try await time { try await dashboard(yearQuery) } }
            worst = max(worst, all.max, year.max)
            worstRatio = max(worstRatio, all.median / scan.median, year.median / scan.median)
            print(String(format: "| %@ | %.1f | %.1f | %.1f× | %.2f | %.1f | %.1f | %.1f× |", name, all.median, allFacts.median, allFacts.median / all.median,
                         all.median / scan.median, year.median, yearFacts.median, yearFacts.median / year.median))
        }
        print(String(format: "\nSlowest dashboard run on the rollups: %.0f ms (target ≤ 100 ms: %@); worst median ÷ full scan: %.2f",
                     worst, worst <= 100 ? "met" : "NOT met", worstRatio))

        // The de-identified facts export, streamed in pages; memory sampled while it runs. First one page at a time
        // (the baseline), then as served: page ranges read side by side.
        for parallel in [1, 3] {
            let rssBefore = Self.residentMegabytes()
            let sampler = Task { () -> Double in
                var peak = 0.0
                while !Task.isCancelled {
                    peak = max(peak, Self.residentMegabytes())
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return peak
            }
            var bytes = 0
            let started = DispatchTime.now().uptimeNanoseconds
            let rows = try await FactsExport.stream(store, parallel: parallel) { bytes += $0.text.utf8.count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            sampler.cancel()
            let peak = await sampler.value
            let label = parallel == 1 ? "Facts CSV export, one page at a time (baseline)" : "Facts CSV export"
            print(String(format: "\n%@: %d rows, %.0f MB in %.2f s = %.0f rows/s (target ≥ 500000: %@); resident memory %.0f MB before, peak %.0f MB during",
                         label, rows, Double(bytes) / 1e6, seconds, Double(rows) / seconds, Double(rows) / seconds >= 500_000 ? "met" : "NOT met",
                         rssBefore, max(peak, rssBefore)))
        }
    }

    /// A full scan of the facts table that touches every row: the baseline the dashboards are compared with.
    static func scanFacts(_ store: SQLStore) async throws -> Int {
        try await store.benchmarkRead { db in
            try await db.raw("SELECT count(*) AS n, sum(stage_reached + length(month) + length(pathway) + COALESCE(wait_days, 0)) AS s FROM referral_facts")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// VmRSS of this process, in MB (Linux).
    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
