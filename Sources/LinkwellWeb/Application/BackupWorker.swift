import Foundation
import LinkwellCore
import LinkwellStorage
import Logging
import ServiceLifecycle

/// Takes a backup on a schedule while the server runs, keeping the newest N. Logs the file and
/// counts only. A failed backup is logged and retried at the next interval; it never stops the server.
struct BackupWorker: ServiceLifecycle.Service {
    let store: SQLStore
    let schedule: BackupSchedule
    let logger: Logger

    func run() async throws {
        let rotation = BackupRotation(directory: schedule.directory, keep: schedule.keep)
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: schedule.interval)
                guard !Task.isCancelled else { return }
                do {
                    let (path, manifest, removed) = try await rotation.run(store)
                    Observability.backupTaken(ok: true)
                    logger.info("backup written", metadata: ["file": "\(path)", "bytes": "\(manifest.bytes)", "removed": "\(removed.count)"])
                } catch {
                    Observability.backupTaken(ok: false)
                    logger.error("backup failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
