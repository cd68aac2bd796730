import Foundation
import LinkwellCore

/// Directory imports running in the background of this process, so an API client is answered at
/// once and asks for the outcome later. (Held in memory: a job is known to the instance that runs it.)
actor ImportJobs {
    struct Status: Codable, Sendable {
        var id: String
        /// `running`, `done` or `failed`.
        var status: String
        var startedAt: Date
        var finishedAt: Date?
        var report: ImportReport?
        var error: String?
    }

    private var jobs: [String: Status] = [:]

    /// Starts `work` in the background and returns the job's id.
    func start(_ work: @escaping @Sendable () async throws -> ImportReport) -> String {
        let id = UUID().uuidString.lowercased()
        jobs[id] = Status(id: id, status: "running", startedAt: Date())
        Task.detached { [weak self] in
            do {
                let report = try await work()
                await self?.finish(id, report: report, error: nil)
            } catch {
                await self?.finish(id, report: nil, error: Problem(error).detail)
            }
        }
        return id
    }

    private func finish(_ id: String, report: ImportReport?, error: String?) {
        jobs[id]?.status = report == nil ? "failed" : "done"
        jobs[id]?.finishedAt = Date()
        jobs[id]?.report = report
        jobs[id]?.error = error
    }

    func status(_ id: String) -> Status? { jobs[id] }
}
