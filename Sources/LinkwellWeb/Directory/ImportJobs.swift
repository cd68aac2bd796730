import Foundation
import LinkwellCore

/// Runs directory imports in the background of this process, so the admin (browser or API) is
/// answered at once. Each job is recorded in the database as it goes — progress at most twice a
/// second, and a heartbeat every `ImportJob.heartbeat` seconds even without news — so any instance
/// sharing the database, or this one after a restart, can say how it is getting on.
struct ImportJobRunner: Sendable {
    let directory: DirectoryService

    /// The work of one job: it reports progress to the sink and returns the import's report.
    typealias Work = @Sendable (@escaping ImportProgressSink) async throws -> ImportReport

    /// Saves a new job for `source`, starts `work` in the background and returns the job at once.
    func start(source: String, by p: Principal, _ work: @escaping Work) async throws -> ImportJob {
        let job = try directory.newImportJob(source: source, by: p)
        try await directory.saveImportJob(job)
        let recorder = ImportJobRecorder(job: job, directory: directory)
        Task.detached {
            let saver = Task { await recorder.saveWhileRunning() }
            let outcome: Result<ImportReport, any Error>
            do { outcome = .success(try await work { recorder.progress($0) }) } catch { outcome = .failure(error) }
            saver.cancel()
            await saver.value
            // Only now, with the periodic saver stopped, so no older state can land after the outcome.
            await recorder.finish(outcome)
        }
        return job
    }
}

/// The latest state of one running job, and the one task that writes it to the database.
final class ImportJobRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var job: ImportJob
    private var changed = false
    private let directory: DirectoryService

    init(job: ImportJob, directory: DirectoryService) { (self.job, self.directory) = (job, directory) }

    /// Called by the import (synchronously, from any task) as it gets on.
    func progress(_ p: ImportProgress) {
        lock.withLock {
            job.progress = p
            changed = true
        }
    }

    private func snapshot(force: Bool) -> ImportJob? {
        lock.withLock {
            guard changed || force else { return nil }
            changed = false
            job.updatedAt = directory.env.now()
            return job
        }
    }

    /// Saves news twice a second, and the job at least every heartbeat, until cancelled.
    func saveWhileRunning() async {
        var lastSaved = Date()
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let beat = Date().timeIntervalSince(lastSaved) >= ImportJob.heartbeat
            guard let job = snapshot(force: beat) else { continue }
            // A failed save is tried again with the next news (the import itself goes on).
            if (try? await directory.saveImportJob(job)) != nil { lastSaved = Date() } else { lock.withLock { changed = true } }
        }
    }

    /// Records the outcome: done with the report, or failed with why.
    func finish(_ outcome: Result<ImportReport, any Error>) async {
        let job: ImportJob = lock.withLock {
            let now = directory.env.now()
            switch outcome {
            case .success(let report):
                self.job.status = .done
                self.job.report = report
            case .failure(let error):
                let (failure, detail) = Self.failure(of: error)
                self.job.fail(failure, detail: detail)
            }
            self.job.finishedAt = now
            self.job.updatedAt = now
            return self.job
        }
        // The outcome must not be lost to a passing database hiccup: a few tries.
        for attempt in 0..<5 {
            if (try? await directory.saveImportJob(job)) != nil { return }
            try? await Task.sleep(for: .milliseconds(200 << attempt))
        }
    }

    /// A short reason, naming the field, for the admin (no input is quoted at length).
    static func describe(_ error: any Error) -> String {
        let (failure, detail) = self.failure(of: error)
        return failure.english.replacingOccurrences(of: "{detail}", with: detail)
    }

    /// The same as a code and its detail.
    static func failure(of error: any Error) -> (ImportJob.Failure, String) {
        if let e = error as? FeedUnreadable { return (.unreadable, String(e.description.prefix(300))) }
        if case LinkwellError.invalid(let errors) = error {
            return (.invalid, errors.map { "\($0.field): \($0.message)" }.joined(separator: " ").prefix(300).description)
        }
        return (.other, Problem(error).detail)
    }
}
