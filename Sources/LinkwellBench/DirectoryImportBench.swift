import ArgumentParser
import Foundation
import LinkwellCore
import LinkwellStorage
import LinkwellWeb

// The directory import benchmark, self-contained so that it can move to the LinkwellBench target.

extension DirectoryBench {
    /// `linkwell-bench directory import`: how fast an Open Referral feed imports, beside a raw insert
    /// of the same records measured in the same run.
    struct ImportBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Benchmark directory import (JSON feed files → checked, merged, stored) against a raw insert of the same services.",
            discussion: """
                Writes a synthetic ORUK feed (organizations.json, taxonomies.json, taxonomy_terms.json, services.json; full \
                nested services) to a temporary folder, then for each size and backend: (1) raw insert — the same typed \
                records saved straight into an empty store in chunks of 500, no reading, checking or merging; (2) import — \
                read the files, check every record, merge with the (empty) store and save, as `directory import` does; \
                (3) re-import of the same files into the now full store (every record compared, nothing changes). \
                Use a release build: swift run -c release linkwell-bench directory import.
                """)
        @Option(help: "Comma-separated service counts.") var services = "10000,100000"
        @Option(help: "A folder for the SQLite files.") var folder = FileManager.default.temporaryDirectory.path
        @Option(help: "A PostgreSQL URL to measure too (its database gets a fresh schema per run).") var postgres: String?

        func run() async throws {
            let sizes = services.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty else { throw ValidationError("--services must be counts, e.g. 10000,100000.") }
            print("size\tbackend\traw insert s\timport s\tre-import s\timport services/s\timport ÷ raw")
            for n in sizes {
                let feed = try Self.writeFeed(services: n)
                defer { try? FileManager.default.removeItem(at: feed) }
                var backends: [(String, () async throws -> any LinkwellStore)] = [
                    ("sqlite", { try await SQLStore.sqlite(path: (folder as NSString).appendingPathComponent("lw-import-bench-\(UUID().uuidString).sqlite")) }),
                ]
                if let postgres {
                    backends.append(("postgres", { try await SQLStore.postgres(url: postgres, schema: "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()) }))
                }
                for (name, open) in backends {
                    let raw = try await Self.timeRawInsert(services: n, open)
                    let (first, again) = try await Self.timeImport(feed, open)
                    print(String(format: "%d\t%@\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f", n, name, raw, first, again, Double(n) / first, first / raw))
                }
            }
        }

        /// The synthetic directory as ORUK JSON files.
        static func writeFeed(services: Int) throws -> URL {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lw-import-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let synthetic = SyntheticDirectory()
            var orgs: [JSONValue] = [], docs: [JSONValue] = []
            var seen = Set<String>()
            for batch in synthetic.batches(services: services) {
                for o in batch.organizations where seen.insert(o.id).inserted { orgs.append(try o.document()) }
                for s in batch.services { docs.append(try s.document()) }
            }
            try HSDSJSON.encoder.encode(orgs).write(to: folder.appendingPathComponent("organizations.json"))
            try HSDSJSON.encoder.encode([try synthetic.taxonomy.document()]).write(to: folder.appendingPathComponent("taxonomies.json"))
            try HSDSJSON.encoder.encode(try synthetic.terms.map { try $0.document() }).write(to: folder.appendingPathComponent("taxonomy_terms.json"))
            try HSDSJSON.encoder.encode(docs).write(to: folder.appendingPathComponent("services.json"))
            return folder
        }

        static func timeRawInsert(services: Int, _ open: () async throws -> any LinkwellStore) async throws -> Double {
            let store = try await open()
            try await store.migrate()
            let synthetic = SyntheticDirectory()
            let start = Date()
            try await store.saveDirectory(DirectoryBatch(taxonomies: [synthetic.taxonomy], terms: synthetic.terms), at: Date(), verified: false)
            for batch in synthetic.batches(services: services) { try await store.saveDirectory(batch, at: Date(), verified: false) }
            let seconds = Date().timeIntervalSince(start)
            try await store.shutdown()
            return seconds
        }

        static func timeImport(_ folder: URL, _ open: () async throws -> any LinkwellStore) async throws -> (Double, Double) {
            let store = try await open()
            try await store.migrate()
            let directory = DirectoryService(store: store, env: .live)
            func once() async throws -> Double {
                let start = Date()
                var feed = ParsedFeed(source: "bench")
                for name in ["taxonomies.json", "taxonomy_terms.json", "organizations.json", "services.json"] {
                    try await FeedReader().read(folder.appendingPathComponent(name).path, kind: nil, into: &feed)
                }
                let report = try await directory.importFeed(feed, ImportOptions())
                guard report.rejected.isEmpty else { throw ValidationError("the synthetic feed had rejected records: \(report.rejected.prefix(3).map(\.summary))") }
                return Date().timeIntervalSince(start)
            }
            let first = try await once()
            let again = try await once()
            try await store.shutdown()
            return (first, again)
        }
    }
}
