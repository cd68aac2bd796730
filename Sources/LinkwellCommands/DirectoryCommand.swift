import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LinkwellCore
import LinkwellStorage
import LinkwellWeb

/// `linkwell directory …`: import and export Open Referral data, and load postcodes.
struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory", abstract: "The community directory (Open Referral HSDS / ORUK).",
        subcommands: [Import.self, Export.self, Postcodes.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import Open Referral (HSDS 3.0 / ORUK) JSON files, feed URLs or HSDS CSV packages.",
            discussion: """
                Record types are never guessed: they come from the file name (services.json, organizations.json, \
                locations.json, service_at_locations.json, taxonomies.json, taxonomy_terms.json, or *_list / *_full), \
                the URL's endpoint, --kind, or keys naming them ({"organizations": [...], "services": [...]}). \
                A feed URL is walked page by page and each record read in full from its detail endpoint; a base \
                URL (e.g. https://other.example/oruk) reads the whole directory. Records merge into what is \
                stored: a partial record never erases a field, and local decisions survive unless the source \
                changed the same field (then the conflict goes to the review queue). Exit codes: 0 all imported, \
                1 imported with rejected records, 2 nothing imported, 3 unreadable input.
                """)
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "JSON files, http(s) URLs, or folders of HSDS CSV files (one source).") var sources: [String]
        @Flag(help: "Report what would happen; store nothing.") var dryRun = false
        @Flag(help: "Refuse the whole import if any record is bad.") var allOrNothing = false
        @Flag(help: "Mark imported listings verified and approved (a trusted source).") var verified = false
        @Flag(help: "The input is the whole of its source: withdraw the source's services it no longer lists.") var full = false
        @Option(help: "What the JSON holds: \(HSDSKind.allCases.map(\.rawValue).joined(separator: ", ")) (default: from the name).") var kind: String?
        @Option(help: "The source's name (default: the feed URL's base, or the file or folder name).") var source: String?
        @Option(help: "Refuse places outside south,west,north,east (default: the UK).") var bounds: String?
        @Option(help: "Requests in flight at once when reading a URL.") var concurrency = 4

        func run() async throws {
            let code = await Self.importing(self)
            if code != 0 { throw ExitCode(code) }
        }

        /// Runs the import and prints the report; returns the exit code (nothing on standard output
        /// is longer than a line per record, and no line quotes more than a short excerpt).
        static func importing(_ c: Import) async -> Int32 {
            do {
                var options = ImportOptions(dryRun: c.dryRun, allOrNothing: c.allOrNothing, verified: c.verified)
                if let b = c.bounds { options.bounds = try GeoBounds.parse(b) }
                var kind: HSDSKind?
                if let k = c.kind {
                    guard let parsed = HSDSKind(rawValue: k) ?? HSDSKind.named(k) else {
                        throw LinkwellError.invalid([.apiOnly("kind", "--kind must be one of \(HSDSKind.allCases.map(\.rawValue).joined(separator: ", ")).")])
                    }
                    kind = parsed
                }
                let first = c.sources.first ?? ""
                let name = c.source ?? (first.hasPrefix("http") ? URL(string: first).map(FeedReader.sourceName) ?? first : (first as NSString).lastPathComponent)
                var feed = ParsedFeed(source: name)
                var reader = FeedReader()
                reader.concurrency = max(1, c.concurrency)
                let interactive = isatty(2) != 0
                reader.progress = { p in
                    guard interactive else { return }
                    FileHandle.standardError.write(Data("\rread \(p.records) record(s), \(p.requests) request(s)\(p.pages.map { " of \($0) page(s)" } ?? "")   ".utf8))
                }
                for source in c.sources { try await reader.read(source, kind: kind, into: &feed) }
                if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                if c.full { feed.full = true }
                // The progress bar, on a terminal only: checking, then storing, n of the services.
                let bar: ImportProgressSink = { p in
                    guard interactive else { return }
                    let line = "\r\(p.phase.rawValue) \(p.done) of \(p.total ?? 0) service(s)   "
                    FileHandle.standardError.write(Data(line.utf8))
                    if p.phase == .storing && p.done == p.total { FileHandle.standardError.write(Data("\n".utf8)) }
                }
                let report = try await c.db.with { store in try await DirectoryService(store: store, env: .live).importFeed(feed, options, progress: bar) }
                print(DirectoryCommand.describe(report))
                return report.exitCode
            } catch let e as FeedUnreadable {
                print("UNREADABLE \(e.description)")
                return 3
            } catch LinkwellError.invalid(let errors) {
                for e in errors { print("ERROR \(e.field): \(e.message)") }
                return 2
            } catch {
                print("ERROR \(String(describing: error).prefix(300))")
                return 2
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write every service, fully nested, as an HSDS JSON array.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Output file ('-' for standard output).") var output = "-"

        func run() async throws {
            let data = try await db.with { store in
                let directory = DirectoryService(store: store, env: .live)
                return try HSDSJSON.encoder.encode(try await directory.serviceDocuments(documents: try await directory.allServiceDocuments(DirectoryQuery())))
            }
            if output == "-" { FileHandle.standardOutput.write(data) } else { try data.write(to: URL(fileURLWithPath: output)) }
        }
    }

    struct Postcodes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a postcode lookup CSV in the ONS Postcode Directory layout (pcds, lat, long).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The CSV file; 'sample' loads the small fictional sample that ships for the demo.") var file: String

        func run() async throws {
            let points: [PostcodePoint]
            if file == "sample" {
                points = try PostcodePoint.parseONSCSV(try BundledData.samplePostcodes())
            } else {
                // Streamed a megabyte at a time: the full ONSPD is over a gigabyte.
                guard let handle = FileHandle(forReadingAtPath: file) else { throw ValidationError("Cannot read \(file).") }
                defer { try? handle.close() }
                var reader = ONSPostcodeReader(), splitter = LineSplitter()
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    for line in splitter.lines(in: chunk) { try reader.read(line: line) }
                }
                if let last = splitter.finish() { try reader.read(line: last) }
                points = try reader.finish()
            }
            try await db.with { store in
                for start in stride(from: 0, to: points.count, by: 50_000) {
                    try await store.savePostcodes(Array(points[start..<min(start + 50_000, points.count)]))
                }
            }
            print("Loaded \(points.count) postcodes.")
        }
    }

    static func describe(_ report: ImportReport) -> String {
        var lines: [String] = []
        let verb = report.dryRun ? "Would import" : "Imported"
        lines.append("Source: \(report.source)")
        if report.refused {
            lines.append("Import refused: \(report.rejected.count) bad record(s), and --all-or-nothing was given. Nothing was stored.")
        } else {
            for kind in HSDSKind.allCases.map(\.rawValue) where kind != "service_at_location" {
                lines.append("\(verb) \(kind): \(report.created[kind] ?? 0) new, \(report.updated[kind] ?? 0) updated, \(report.unchanged[kind] ?? 0) unchanged")
            }
            if !report.withdrawn.isEmpty { lines.append("Withdrawn (no longer in the source, now inactive): \(report.withdrawn.count)") }
            for (id, fields) in report.conflicts.sorted(by: { $0.key < $1.key }) {
                lines.append("CONFLICT service \"\(id)\": the source changed \(fields.joined(separator: ", ")), also changed here; kept the local value, sent to review")
            }
            if report.storedCount == 0 && report.withdrawn.isEmpty && report.rejected.isEmpty { lines.append("The feed holds no records: nothing imported.") }
        }
        for r in report.rejected { lines.append("REJECTED \(r.summary)") }
        return lines.joined(separator: "\n")
    }
}
