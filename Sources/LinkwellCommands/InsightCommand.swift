import ArgumentParser
import Foundation
import LinkwellCore
import LinkwellStorage

/// `linkwell insight`: data that insight dashboards use.
struct InsightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insight", abstract: "Insight data.", subcommands: [LoadDeprivation.self, RebuildRollups.self])

    struct RebuildRollups: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild-rollups",
            abstract: "Rebuild the dashboards' rollups from the insight facts (after facts were corrected by hand in the database).")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await db.with { store in
                guard let sql = store as? SQLStore else { throw ValidationError("Only SQLite and PostgreSQL keep rollups.") }
                try await sql.rebuildInsightRollups()
            }
            print("Rebuilt the insight rollups from the facts.")
        }
    }

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
