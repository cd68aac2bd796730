import ArgumentParser
import Foundation
import LinkwellCore

/// `linkwell outcomes`: outcome tools that need no database.
struct OutcomesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outcomes", abstract: "Outcome measure tools.",
                                                    subcommands: [PairedStats.self])

    /// Runs Linkwell's paired analysis on data from standard input, so that evaluators (and CI, against
    /// scipy) can check the numbers Linkwell reports.
    struct PairedStats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paired-stats",
            abstract: "Read {\"baseline\":[…],\"followUp\":[…]} per line from standard input; print Linkwell's paired statistics as JSON per line.")

        struct Input: Decodable { var baseline: [Double]; var followUp: [Double] }

        func run() throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            while let line = readLine(), !line.isEmpty {
                let input = try JSONDecoder().decode(Input.self, from: Data(line.utf8))
                guard input.baseline.count == input.followUp.count else {
                    throw ValidationError("baseline and followUp must have the same number of values")
                }
                let result = Statistics.paired(baseline: input.baseline, followUp: input.followUp)
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            }
        }
    }
}
