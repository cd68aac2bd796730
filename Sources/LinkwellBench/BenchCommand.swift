import ArgumentParser

/// `linkwell-bench`: synthetic data and benchmarks, kept out of the product modules. Results are
/// printed as tables; speed targets live here, not in timed tests.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "linkwell-bench",
        abstract: "Linkwell's benchmarks on synthetic data (use a dedicated database: synthetic rows are added to it).",
        subcommands: [InsightBench.self, DirectoryBench.self, PagesBench.self, WritesBench.self])
    public init() {}
}
