import ArgumentParser
import Logging
@_spi(Benchmarks) import LinkwellStorage
import LinkwellCommands
import LinkwellCore
import LinkwellWeb

/// `linkwell-bench`: synthetic data and benchmarks, kept out of the product modules. Results are
/// printed as tables; speed targets live here, not in timed tests.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "linkwell-bench",
        abstract: "Linkwell's benchmarks on synthetic data (use a dedicated database: synthetic rows are added to it).",
        subcommands: [InsightBench.self, DirectoryBench.self, PagesBench.self, WritesBench.self, DemoPagesBench.self])
    public init() {}

    /// A benchmark on PostgreSQL runs its server's tasks where `linkwell serve` would (`ServerExecutor`). The entry
    /// calls it first, before any task starts.
    public static func chooseExecutor() {
        ServerExecutor.useEventLoops(forDatabase: ServeSettings.value(of: "database", in: CommandLine.arguments))
    }
}

/// Opens a benchmark database (a SQLite file or a postgres:// URL), runs `body` on it and shuts the store down
/// whether or not `body` threw.
func withBenchStore(_ database: String, _ body: (any LinkwellStore) async throws -> Void) async throws {
    let store = try await StoreFactory.open(database)
    do {
        try await body(store)
        try await store.shutdown()
    } catch {
        try? await store.shutdown()
        throw error
    }
}

/// `withBenchStore` for the benchmarks that need SQL (they read and load through `SQLStore` directly).
func withSQLBenchStore(_ database: String, _ body: (SQLStore) async throws -> Void) async throws {
    try await withBenchStore(database) { store in
        guard let sql = store as? SQLStore else { throw ValidationError("Not an SQL database.") }
        try await body(sql)
    }
}

/// Starts the real application over `store` on 127.0.0.1:`port`, with a cheap password hash unless sign-in is
/// what is measured (`bcryptCost`), and only critical logs (a failed request stops a benchmark anyway; this keeps the
/// server's complaints about being cancelled at the end out of the results). Returns once it answers
/// `/health`; cancel the task to stop it.
func startBenchServer(store: any LinkwellStore, port: Int, bcryptCost: UInt8 = 4) async throws -> Task<Void, any Error> {
    var configuration = WebConfiguration(port: port)
    configuration.bcryptCost = bcryptCost
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
    let server = Task { try await app.runService() }
    do {
        try await BenchClient.connect(port: port).shutdown()
    } catch {
        server.cancel()
        throw error
    }
    return server
}
