import ArgumentParser
import Foundation
import LinkwellCore
@_spi(Benchmarks) @_spi(Testing) import LinkwellStorage
import LinkwellWeb
import SQLKit

extension DirectoryBench {
    /// `linkwell-bench directory import`: how fast an Open Referral feed imports, beside the bare cost
    /// of inserting the same rows with plain SQL, measured in the same run.
    struct ImportBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Benchmark directory import (JSON feed files → checked, merged, stored) against plain SQL inserts of the same rows.",
            discussion: """
                Writes a synthetic ORUK feed (organizations.json, taxonomies.json, taxonomy_terms.json, services.json; full \
                nested services) to a temporary folder, then for each size and backend: (1) import — read the files, check \
                every record, merge with the (empty) store and save, as `directory import` does, with the resident memory \
                sampled; (2) re-import of the same files into the now full store (every record compared, nothing changes); \
                (3) the plain-SQL baseline — every row the import wrote (records, search facts, postings, status history, \
                the casework spine) inserted again into an empty database of the same schema with multi-row INSERTs in one \
                transaction, timing the inserts and the commit only. Use a release build: \
                swift run -c release linkwell-bench directory import --postgres postgres://…
                """)
        @Option(help: "Comma-separated service counts.") var services = "10000,100000"
        @Option(help: "A folder for the SQLite files.") var folder = FileManager.default.temporaryDirectory.path
        @Option(help: "A PostgreSQL URL to measure too (each run gets a fresh schema, dropped afterwards).") var postgres: String?

        /// The import's target on SQLite (issue #11): 10,000 services in under 20 seconds.
        static let targetSeconds = 20.0

        func run() async throws {
            let sizes = services.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--services must be counts, e.g. 10000,100000.") }
            var backends: [Backend] = [.sqlite(folder)]
            if let postgres { backends.append(.postgres(postgres)) }
            print("| services | backend | import s (read / check / store) | services/s | plain SQL s | import ÷ plain SQL | re-import s | memory MB (before → peak) |")
            print("|---:|---|---:|---:|---:|---:|---:|---:|")
            var verdicts: [String] = []
            for n in sizes {
                let feed = try Self.writeFeed(services: n)
                defer { try? FileManager.default.removeItem(at: feed) }
                for backend in backends {
                    let imported = try await backend.open()
                    do {
                        let run = try await Self.timeImport(feed, imported.store)
                        let plain = try await backend.withFresh { try await Self.timePlainInsert(from: imported.store, into: $0) }
                        print(String(format: "| %d | %@ | %.1f (%.1f / %.1f / %.1f) | %.0f | %.1f | %.1f | %.1f | %.0f → %.0f |",
                                     n, backend.name, run.first, run.read, run.check, run.store, Double(n) / run.first, plain,
                                     run.first / plain, run.again, run.rssBefore, run.rssPeak))
                        if n == 10_000, backend.name == "sqlite" {
                            verdicts.append(String(format: "10,000 services on SQLite in %.1f s (target < %.0f s): %@", run.first, Self.targetSeconds,
                                                   run.first < Self.targetSeconds ? "met" : "NOT met"))
                        }
                    } catch {
                        try? await imported.close()
                        throw error
                    }
                    try await imported.close()
                }
            }
            for v in verdicts { print(v) }
        }

        /// A backend to measure: opens fresh, migrated stores and removes them afterwards.
        enum Backend {
            case sqlite(String)
            case postgres(String)

            var name: String {
                switch self {
                case .sqlite: "sqlite"
                case .postgres: "postgres"
                }
            }

            struct Opened {
                let store: SQLStore
                let close: () async throws -> Void
            }

            func open() async throws -> Opened {
                switch self {
                case .sqlite(let folder):
                    let path = (folder as NSString).appendingPathComponent("lw-import-bench-\(UUID().uuidString).sqlite")
                    let store = try await SQLStore.sqlite(path: path)
                    try await store.migrate()
                    return Opened(store: store) {
                        try await store.shutdown()
                        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                    }
                case .postgres(let url):
                    let schema = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
                    let store = try await SQLStore.postgres(url: url, schema: schema)
                    try await store.migrate()
                    return Opened(store: store) {
                        try await store.shutdown()
                        let admin = try SQLStore.postgres(url: url)
                        try await admin.execute { db in try await db.raw("DROP SCHEMA \(ident: schema) CASCADE").run() }
                        try await admin.shutdown()
                    }
                }
            }

            func withFresh<T>(_ body: (SQLStore) async throws -> T) async throws -> T {
                let opened = try await open()
                do {
                    let result = try await body(opened.store)
                    try await opened.close()
                    return result
                } catch {
                    try? await opened.close()
                    throw error
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

        struct ImportRun {
            var first = 0.0, read = 0.0, check = 0.0, store = 0.0, again = 0.0, rssBefore = 0.0, rssPeak = 0.0
        }

        /// Imports the feed files twice (into the empty store, then again over it), as `directory import` does.
        static func timeImport(_ folder: URL, _ store: SQLStore) async throws -> ImportRun {
            let directory = DirectoryService(store: store, env: .live)
            /// When the first service was handed to the store: the end of checking.
            final class Marks: @unchecked Sendable {
                let lock = NSLock()
                var storing: UInt64?
                func mark(_ p: ImportProgress) { lock.withLock { if p.phase == .storing && storing == nil { storing = DispatchTime.now().uptimeNanoseconds } } }
            }
            func once() async throws -> (total: Double, read: Double, check: Double) {
                let marks = Marks()
                let start = DispatchTime.now().uptimeNanoseconds
                var feed = ParsedFeed(source: "bench")
                for name in ["taxonomies.json", "taxonomy_terms.json", "organizations.json", "services.json"] {
                    try await FeedReader().read(folder.appendingPathComponent(name).path, kind: nil, into: &feed)
                }
                let read = DispatchTime.now().uptimeNanoseconds
                let report = try await directory.importFeed(feed, ImportOptions(), progress: { marks.mark($0) })
                let end = DispatchTime.now().uptimeNanoseconds
                guard report.rejected.isEmpty else { throw ValidationError("the synthetic feed had rejected records: \(report.rejected.prefix(3).map(\.summary))") }
                let storing = marks.lock.withLock { marks.storing } ?? end
                return (Double(end - start) / 1e9, Double(read - start) / 1e9, Double(storing - read) / 1e9)
            }
            var run = ImportRun()
            run.rssBefore = InsightBench.residentMegabytes()
            let sampler = Task { () -> Double in
                var peak = 0.0
                while !Task.isCancelled {
                    peak = max(peak, InsightBench.residentMegabytes())
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return peak
            }
            let first = try await once()
            sampler.cancel()
            run.rssPeak = max(await sampler.value, run.rssBefore)
            (run.first, run.read, run.check) = first
            run.store = first.total - first.read - first.check
            run.again = try await once().total
            return run
        }

        /// Every table an import writes, in an order that satisfies the foreign keys. The small ones are
        /// copied whole; the rest per chunk of services (by `service_id`, postings by `rid`).
        static let wholeTables = ["dir_taxonomies", "dir_terms", "dir_organizations", "dir_organization_words", "organisations", "dir_locations"]
        static let serviceTables = ["dir_services", "services", "dir_service_points", "dir_service_terms", "dir_service_hours",
                                    "dir_service_at_locations", "dir_status_history"]

        /// The plain-SQL baseline: the rows the import wrote, read back from `source` and inserted into
        /// `target` with multi-row INSERTs in one transaction. Only the inserts and the commit are timed.
        static func timePlainInsert(from source: SQLStore, into target: SQLStore) async throws -> Double {
            var columns: [String: [Column]] = [:]
            for table in wholeTables + serviceTables + ["dir_postings"] { columns[table] = try await Self.columns(table, source) }
            let allColumns = columns
            let started = DispatchTime.now().uptimeNanoseconds
            let reading = try await target.execute { db -> UInt64 in
                var readNanos: UInt64 = 0
                func read(_ table: String, where condition: SQLQueryString?) async throws -> [[SQLQueryString]] {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    defer { readNanos += DispatchTime.now().uptimeNanoseconds - t0 }
                    let cols = allColumns[table]!
                    var sql: SQLQueryString = "SELECT \(unsafeRaw: cols.map(\.name).joined(separator: ", ")) FROM \(ident: table)"
                    if let condition { sql = sql + " WHERE " + condition }
                    let query = sql
                    return try await source.benchmarkRead { src in try await src.raw(query).all().map { row in try cols.map { try $0.bind(row) } } }
                }
                for table in wholeTables { try await insert(table, allColumns[table]!, try await read(table, where: nil), db) }
                var after: String?
                while true {
                    let chunk: [(id: String, rid: Int)] = try await {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        defer { readNanos += DispatchTime.now().uptimeNanoseconds - t0 }
                        let condition: SQLQueryString = after.map { "WHERE id > \(bind: $0)" } ?? ""
                        return try await source.benchmarkRead { src in
                            try await src.raw("SELECT id, rid FROM dir_services \(condition) ORDER BY id LIMIT 500").all()
                                .map { row -> (id: String, rid: Int) in (try row.decode(column: "id", as: String.self), try row.decode(column: "rid", as: Int.self)) }
                        }
                    }()
                    guard let last = chunk.last else { break }
                    after = last.id
                    let ids = chunk.map(\.id)
                    for table in serviceTables {
                        let key = table == "dir_services" || table == "services" ? "id" : "service_id"
                        try await insert(table, allColumns[table]!, try await read(table, where: "\(ident: key) IN (\(binds: ids))"), db)
                    }
                    try await insert("dir_postings", allColumns["dir_postings"]!, try await read("dir_postings", where: "rid IN (\(unsafeRaw: chunk.map { String($0.rid) }.joined(separator: ", ")))"), db)
                }
                return readNanos
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started - reading) / 1e9
            // The same rows on both sides, or the baseline measured something else.
            for table in wholeTables + serviceTables + ["dir_postings"] {
                let (a, b) = (try await count(table, source), try await count(table, target))
                guard a == b else { throw ValidationError("plain copy of \(table): \(b) rows, the import wrote \(a)") }
            }
            return seconds
        }

        /// Multi-row INSERTs of `rows`, each statement within the engines' limit on bound values.
        static func insert(_ table: String, _ columns: [Column], _ rows: [[SQLQueryString]], _ db: any SQLDatabase) async throws {
            let perStatement = max(1, 30_000 / max(1, columns.count))
            for start in stride(from: 0, to: rows.count, by: perStatement) {
                let values = rows[start..<min(start + perStatement, rows.count)].map { row -> SQLQueryString in "(" + row.joined(separator: ", ") + ")" }
                try await db.raw("INSERT INTO \(ident: table) (\(unsafeRaw: columns.map(\.name).joined(separator: ", "))) VALUES \(values.joined(separator: ", "))").run()
            }
        }

        static func count(_ table: String, _ store: SQLStore) async throws -> Int {
            try await store.benchmarkRead { db in try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0 }
        }

        /// A column and how its values are read and bound again unchanged.
        struct Column: Sendable {
            enum Kind: Sendable { case text, integer, real, boolean, timestamp }
            var name: String
            var kind: Kind

            func bind(_ row: any SQLRow) throws -> SQLQueryString {
                switch kind {
                case .text:
                    let value = try row.decode(column: name, as: String?.self)
                    return "\(bind: value)"
                case .integer:
                    let value = try row.decode(column: name, as: Int?.self)
                    return "\(bind: value)"
                case .real:
                    let value = try row.decode(column: name, as: Double?.self)
                    return "\(bind: value)"
                case .boolean:
                    let value = try row.decode(column: name, as: Bool?.self)
                    return "\(bind: value)"
                case .timestamp:
                    let value = try row.decode(column: name, as: Date?.self)
                    return "\(bind: value)"
                }
            }

            init(name: String, type: String) {
                let t = type.lowercased()
                self.name = name
                kind = t.contains("int") ? .integer : t.contains("bool") ? .boolean : t.contains("timestamp") ? .timestamp
                    : t.contains("real") || t.contains("double") || t.contains("numeric") ? .real : .text
            }
        }

        /// A table's columns and their declared types, from the engine's catalogue.
        static func columns(_ table: String, _ store: SQLStore) async throws -> [Column] {
            let flavor = store.flavor
            return try await store.benchmarkRead { db in
                switch flavor {
                case .sqlite:
                    return try await db.raw("SELECT name, type FROM pragma_table_info(\(bind: table)) ORDER BY cid").all()
                        .map { Column(name: try $0.decode(column: "name", as: String.self), type: try $0.decode(column: "type", as: String.self)) }
                case .postgres:
                    return try await db.raw("""
                        SELECT column_name, data_type FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = \(bind: table) ORDER BY ordinal_position
                        """).all()
                        .map { Column(name: try $0.decode(column: "column_name", as: String.self), type: try $0.decode(column: "data_type", as: String.self)) }
                }
            }
        }
    }
}
