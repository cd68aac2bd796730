import ArgumentParser
import Foundation
import LinkwellCore

/// `linkwell export`: data extracts for reporting.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Data extracts for reporting.",
                                                    subcommands: [MinimumDatasetExport.self])

    struct MinimumDatasetExport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "minimum-dataset",
            abstract: "The social prescribing minimum dataset as CSV: per person (pseudonymised, people whose consent covers "
                + "evaluation only), the four groups — demographics; needs and concerns; support offered; outcomes — with their codes. "
                + "--aggregate writes people per coded item instead, small numbers suppressed. --format fhir writes the per-person rows "
                + "as a FHIR R4 Bundle (type collection) instead of CSV.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Who the extract is for: pseudonyms differ between recipients.") var recipient: String = "icb"
        @Flag(help: "Counts of people per coded item, through the scheme's disclosure control.") var aggregate = false
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @Option(help: "csv (default) or fhir: the per-person rows as a FHIR R4 Bundle of type collection.") var format: String = "csv"

        func validate() throws {
            guard ["csv", "fhir"].contains(format) else { throw ValidationError("--format is csv or fhir.") }
            if format == "fhir" && aggregate { throw ValidationError("The FHIR form is per person: leave out --aggregate.") }
        }

        func run() async throws {
            let text: String
            do {
                text = try await db.with { store in
                    let outcomes = OutcomeService(store: store, casework: CaseworkService(store: store, env: .live))
                    if aggregate { return MinimumDataset.csv(try await outcomes.minimumDatasetCounts(nil)).text }
                    let dataset = try await outcomes.minimumDataset(recipient: recipient, nil)
                    guard format == "fhir" else { return dataset.csv.text }
                    let bundle = FHIRMapping.minimumDatasetBundle(dataset, recipient: recipient.trimmingCharacters(in: .whitespaces).lowercased(), now: Date())
                    return String(decoding: try FHIRJSON.data(bundle), as: UTF8.self) + "\n"
                }
            } catch LinkwellError.invalid(let errors) {
                throw ValidationError(errors.map(\.message).joined(separator: "\n"))
            }
            if let output { try text.write(toFile: output, atomically: true, encoding: .utf8) } else { print(text, terminator: "") }
        }
    }
}
