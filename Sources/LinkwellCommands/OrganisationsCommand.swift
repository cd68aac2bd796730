import ArgumentParser
import Foundation
import LinkwellCore

/// `linkwell organisations`: the organisations register (GP practices and their ODS codes).
struct OrganisationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "organisations", abstract: "The organisations register.",
                                                    subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an ODS CSV extract (epraccur.csv as published, or a CSV with a header naming ods_code, name, postcode…). "
                + "Known codes are updated, new ones added, closed organisations (status C) left out. "
                + "Exit 0 all rows imported, 1 some refused, 2 nothing imported.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "The kind of the organisations the file adds: \(OrganisationKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: String = OrganisationKind.gpPractice.rawValue
        @Flag(help: "Import nothing if any row is refused.") var allOrNothing = false

        func run() async throws {
            guard let kind = OrganisationKind(rawValue: kind) else {
                throw ValidationError("--kind must be one of: \(OrganisationKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let report: OrganisationImportReport
            do {
                report = try await db.with { store in
                    try await OrganisationService(store: store, env: .live).importExtract(text, kind: kind, allOrNothing: allOrNothing, nil)
                }
            } catch LinkwellError.invalid(let errors) {
                throw ValidationError(errors.map(\.message).joined(separator: "\n"))
            }
            for r in report.rejected { print("line \(r.line): \(r.field): \(r.message)") }
            print("\(report.created) added, \(report.updated) updated, \(report.skippedClosed) closed left out, \(report.skippedOtherSettings) other prescribing settings left out, \(report.rejected.count) refused.")
            if !report.rejected.isEmpty { throw ExitCode(report.created + report.updated == 0 ? 2 : 1) }
        }
    }
}
