import Foundation
import LinkwellCore
import Logging
import ServiceLifecycle

/// Runs alongside the HTTP server and queues governance reminders (`GovernanceReminders`) once an hour, so
/// that administrators and supervisors are e-mailed before a group's check expires and when it has. Queuing
/// is idempotent, so every instance sharing the database may run it. Logs counts only.
struct GovernanceReminderWorker: ServiceLifecycle.Service {
    let reminders: GovernanceReminders
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let n = try await reminders.queue()
                    if n > 0 { logger.info("governance reminders queued", metadata: ["emails": "\(n)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("governance reminders failed", metadata: ["error": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
