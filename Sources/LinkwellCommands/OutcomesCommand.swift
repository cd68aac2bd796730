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
            abstract: "Read {\"baseline\":[…],\"followUp\":[…]} per line from standard input; print Linkwell's paired statistics as JSON per line. A line {\"proportion\":[k,n]} prints the Wilson 95% interval of k out of n instead.")

        struct Input: Decodable { var baseline: [Double]?; var followUp: [Double]?; var proportion: [Int]? }
        struct Interval: Encodable { var low: Double; var high: Double }

        func run() throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            while let line = readLine(), !line.isEmpty {
                let input = try JSONDecoder().decode(Input.self, from: Data(line.utf8))
                if let proportion = input.proportion {
                    guard proportion.count == 2, proportion[1] > 0, (0...proportion[1]).contains(proportion[0]) else {
                        throw ValidationError("proportion must be [k, n] with 0 <= k <= n and n > 0")
                    }
                    let (low, high) = Statistics.wilson(proportion[0], of: proportion[1])!
                    print(String(decoding: try encoder.encode(Interval(low: low, high: high)), as: UTF8.self))
                    continue
                }
                guard let baseline = input.baseline, let followUp = input.followUp, baseline.count == followUp.count else {
                    throw ValidationError("baseline and followUp must have the same number of values")
                }
                let result = Statistics.paired(baseline: baseline, followUp: followUp)
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            }
        }
    }
}
