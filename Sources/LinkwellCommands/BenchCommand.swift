import ArgumentParser
import Foundation
import LinkwellCore
import LinkwellStorage

/// `linkwell bench`: benchmarks with synthetic data. Results are printed as a Markdown table; timings are
/// medians of repeated runs, each beside a baseline measured in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks on synthetic data.",
                                                    subcommands: [Insight.self])

    struct Insight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a synthetic scheme of N referrals (if the database has fewer) and time every insight dashboard against a full scan.")
        @Option(help: "A SQLite file or a postgres:// URL (a dedicated benchmark database: synthetic rows are added to it).") var database: String
        @Option(help: "Referrals in the synthetic scheme.") var referrals = 1_000_000
        @Option(help: "Timed runs per query (the median is reported).") var runs = 5

        func validate() throws {
            guard database != "memory" else { throw ValidationError("Benchmark SQLite or PostgreSQL, not memory.") }
            guard (1_000...20_000_000).contains(referrals) else { throw ValidationError("--referrals must be from 1,000 to 20,000,000.") }
            guard (1...50).contains(runs) else { throw ValidationError("--runs must be from 1 to 50.") }
        }

        func run() async throws {
            guard let store = try await StoreFactory.open(database) as? SQLStore else { throw ValidationError("Not an SQL database.") }
            defer { Task { try? await store.shutdown() } }
            try await store.migrate()
            let now = Date()
            let scheme = SyntheticScheme()
            var have = try await store.referralCount()
            if have < referrals {
                print("Loading \(referrals - have) synthetic referrals…")
                let started = Date()
                let batch = 10_000
                while have < referrals {
                    let end = min(referrals, have + batch)
                    try await store.loadSynthetic(scheme, have..<end, now: now)
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
            let scan = try await time { _ = try await store.scanFacts() }
            let casework = CaseworkService(store: store, env: .live)
            let service = InsightService(casework: casework)
            let supervisor = CaseworkService.Request(Principal(userID: UserID("bench"), role: .supervisor, organisationID: nil, displayName: "Benchmark"),
                                                     route: "bench")
            let lastYear = InsightMonth(now.addingTimeInterval(-335 * 86_400)).text
            print("Full scan of referral_facts (baseline): median \(String(format: "%.1f", scan.median)) ms\n")
            print("| dashboard | all referrals: median ms | max ms | ÷ scan | last 12 months: median ms | ÷ scan |")
            print("|---|---:|---:|---:|---:|---:|")
            var worst = 0.0, worstRatio = 0.0
            for name in InsightService.tables + ["waiting"] {
                let all = try await time {
                    if name == "waiting" { _ = try await service.dashboardWaiting(.init(), supervisor) } else { _ = try await service.table(name, .init(), supervisor) }
                }
                let year = try await time {
                    let q = InsightService.Query(from: lastYear)
                    if name == "waiting" { _ = try await service.dashboardWaiting(q, supervisor) } else { _ = try await service.table(name, q, supervisor) }
                }
                worst = max(worst, all.max, year.max)
                worstRatio = max(worstRatio, all.median / scan.median, year.median / scan.median)
                print(String(format: "| %@ | %.1f | %.1f | %.2f | %.1f | %.2f |", name, all.median, all.max, all.median / scan.median, year.median, year.median / scan.median))
            }
            print(String(format: "\nSlowest dashboard run: %.0f ms (target ≤ 1000 ms: %@); worst median ÷ scan: %.2f (target ≤ 3: %@)",
                         worst, worst <= 1000 ? "met" : "NOT met", worstRatio, worstRatio <= 3 ? "met" : "NOT met"))

            // The de-identified facts export, streamed in pages; memory sampled while it runs.
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
            let rows = try await FactsExport.stream(store) { bytes += $0.text.utf8.count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            sampler.cancel()
            let peak = await sampler.value
            print(String(format: "\nFacts CSV export: %d rows, %.0f MB in %.2f s = %.0f rows/s (target ≥ 500000: %@); resident memory %.0f MB before, peak %.0f MB during",
                         rows, Double(bytes) / 1e6, seconds, Double(rows) / seconds, Double(rows) / seconds >= 500_000 ? "met" : "NOT met",
                         rssBefore, max(peak, rssBefore)))
        }

        /// VmRSS of this process, in MB (Linux).
        static func residentMegabytes() -> Double {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
            return kb / 1024
        }
    }
}

/// `linkwell insight`: data that insight dashboards use.
struct InsightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insight", abstract: "Insight data.", subcommands: [LoadDeprivation.self])

    struct LoadDeprivation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-deprivation",
            abstract: "Replace the postcode → deprivation decile lookup from a CSV (columns pcds or postcode, and imd_decile or decile). All or nothing.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The CSV file.") var csv: String

        func run() async throws {
            let text = try String(contentsOfFile: csv, encoding: .utf8)
            let parsed = Result { () throws(LinkwellError) in try DeprivationLookup.parse(text) }
            guard case .success(let rows) = parsed else {
                if case .failure(.invalid(let errors)) = parsed { throw ValidationError(errors.map(\.message).joined(separator: "\n")) }
                throw ValidationError("The lookup could not be read.")
            }
            try await db.with { try await $0.loadDeprivation(rows) }
            print("Loaded \(rows.count) postcodes.")
        }
    }
}
