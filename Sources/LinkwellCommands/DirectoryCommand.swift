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
            abstract: "Import HSDS/ORUK JSON (files or a feed URL, following pages) or an HSDS tabular CSV folder.",
            discussion: "Records are upserted by their ids, so running the same import twice changes nothing. Bad records are listed with the reason; the good ones are kept unless --all-or-nothing is given.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "JSON files, http(s) URLs, or folders of HSDS CSV files.") var sources: [String]
        @Flag(help: "Report what would happen; store nothing.") var dryRun = false
        @Flag(help: "Refuse the whole import if any record is bad.") var allOrNothing = false
        @Flag(help: "Mark imported listings verified and approved (a trusted source).") var verified = false
        @Option(help: "What the JSON holds: auto, service, organization, taxonomy, taxonomy_term.") var kind = "auto"

        func run() async throws {
            guard let kind = DirectoryFeed.Kind(rawValue: kind) else { throw ValidationError("--kind must be one of \(DirectoryFeed.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") }
            var feed = ParsedFeed()
            for source in sources { try await DirectoryCommand.read(source, kind: kind, into: &feed) }
            let report = try await db.with { store in
                try await DirectoryService(store: store, env: .live).importFeed(feed, dryRun: dryRun, allOrNothing: allOrNothing, verified: verified)
            }
            print(DirectoryCommand.describe(report))
            if report.refused || !report.rejected.isEmpty { throw ExitCode(report.refused ? 2 : 1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write every service, fully nested, as an HSDS JSON array.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Output file ('-' for standard output).") var output = "-"

        func run() async throws {
            let data = try await db.with { store in
                let directory = DirectoryService(store: store, env: .live)
                var services: [HSDSService] = []
                var query = DirectoryQuery()
                query.perPage = DirectoryQuery.maxPerPage
                while true {
                    let results = try await store.searchDirectory(query)
                    services += try await directory.published(results.hits.map(\.listing.service))
                    if query.offset + results.hits.count >= results.total || results.hits.isEmpty { break }
                    query.page += 1
                }
                return try HSDSJSON.encoder.encode(services)
            }
            if output == "-" { FileHandle.standardOutput.write(data) } else { try data.write(to: URL(fileURLWithPath: output)) }
        }
    }

    struct Postcodes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a postcode lookup CSV in the ONS Postcode Directory layout (pcds, lat, long).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The CSV file; 'sample' loads the small fictional sample that ships for the demo.") var file: String

        func run() async throws {
            let text = file == "sample" ? try BundledData.samplePostcodes() : try String(contentsOfFile: file, encoding: .utf8)
            let points = try PostcodePoint.parseONSCSV(text)
            try await db.with { try await $0.savePostcodes(points) }
            print("Loaded \(points.count) postcodes.")
        }
    }

    /// Reads one source into the feed.
    static func read(_ source: String, kind: DirectoryFeed.Kind, into feed: inout ParsedFeed) async throws {
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            var next: URL? = URL(string: source)
            var page = 1
            while let url = next {
                let (data, response) = try await URLSession.shared.data(from: url)
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw LinkwellError.invalid("feed", "\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0).")
                }
                try DirectoryFeed.parse(data, kind: kind, into: &feed, source: "\(url)")
                // Follow HSDS paging until the last page.
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                if let last = json?["last_page"] as? Bool, !last, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) {
                    page += 1
                    components.queryItems = (components.queryItems ?? []).filter { $0.name != "page" } + [URLQueryItem(name: "page", value: "\(page)")]
                    next = components.url
                } else { next = nil }
            }
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else { throw ValidationError("\(source) does not exist.") }
        if isDirectory.boolValue {
            var files: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".csv") {
                files[name] = try String(contentsOfFile: (source as NSString).appendingPathComponent(name), encoding: .utf8)
            }
            DirectoryTabular.parse(files, into: &feed)
        } else {
            try DirectoryFeed.parse(try Data(contentsOf: URL(fileURLWithPath: source)), kind: kind, into: &feed, source: (source as NSString).lastPathComponent)
        }
    }

    static func describe(_ report: ImportReport) -> String {
        var lines: [String] = []
        let verb = report.dryRun ? "Would import" : "Imported"
        if report.refused {
            lines.append("Import refused: \(report.rejected.count) bad record(s), and --all-or-nothing was given. Nothing was stored.")
        } else {
            for kind in ["taxonomy", "taxonomy_term", "organization", "service"] {
                lines.append("\(verb) \(kind): \(report.created[kind] ?? 0) new, \(report.updated[kind] ?? 0) updated")
            }
        }
        for r in report.rejected { lines.append("REJECTED \(r.summary)") }
        return lines.joined(separator: "\n")
    }
}
