import Logging
import ServiceLifecycle

/// Runs alongside the HTTP server and does one pass of some work every `interval` (the outbox, governance
/// reminders, directory feeds), until graceful shutdown. A pass that throws is logged by its error's type
/// only and the next pass runs as usual. `pass` returns log metadata to report (counts only, never personal
/// data), or nil when the pass did nothing worth a line.
struct PeriodicWorker: ServiceLifecycle.Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let pass: @Sendable () async throws -> Logger.Metadata?

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if let metadata = try await pass() { logger.info("\(name)", metadata: metadata) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("\(name) failed", metadata: ["error": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
