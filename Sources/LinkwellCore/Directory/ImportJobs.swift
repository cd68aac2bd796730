import Foundation

/// The stage a directory import is at, for a progress bar.
public enum ImportPhase: String, Codable, Sendable, Equatable {
    /// Fetching a feed URL's pages and records (`done` counts records read; the total is not known yet).
    case reading
    /// Merging each record with what is stored and checking it (`done` of `total` services).
    case checking
    /// Saving the checked records (`done` of `total` services).
    case storing
}

/// How far an import has got.
public struct ImportProgress: Sendable, Equatable, Codable {
    public var phase: ImportPhase
    public var done: Int
    /// Nil while it cannot be known (reading a feed URL).
    public var total: Int?
    public init(phase: ImportPhase, done: Int, total: Int?) { (self.phase, self.done, self.total) = (phase, done, total) }
}

/// Told how an import is getting on (the job recorder, the CLI's progress bar).
public typealias ImportProgressSink = @Sendable (ImportProgress) -> Void

/// A directory import running in the background: where it is, and when finished its report. Kept in
/// the database, so that every server instance, and one started again, sees it.
public struct ImportJob: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, Equatable {
        case running, done, failed
    }
    public var id: String
    /// The source the records are imported from (a name, or the feed URL's).
    public var source: String
    public var status: State
    public var progress: ImportProgress
    public var startedBy: UserID
    public var startedAt: Date
    /// When the job last recorded progress: a running job that has not for `ImportJob.interruptedAfter`
    /// lost the server running it.
    public var updatedAt: Date
    public var finishedAt: Date?
    public var report: ImportReport?
    /// Why it failed (never personal data: a feed error or a count), in English: `failure` and `failureDetail` in words.
    public var error: String?
    /// Why it failed, as a code (absent on a job stored before there were codes: then only `error`).
    public var failure: Failure?
    /// What the failure says beside its code: the feed's or the record's own problem, as Core words it.
    public var failureDetail: String?

    /// How an import failed.
    public enum Failure: String, Codable, Sendable, CaseIterable {
        /// The server running it stopped before it finished.
        case interrupted
        /// The feed could not be read (`failureDetail`: where and why).
        case unreadable
        /// Records were refused as a whole (`failureDetail`: each field and its problem).
        case invalid
        /// Anything else (`failureDetail`: the problem).
        case other

        /// The English, with a `{detail}` placeholder.
        public var english: String {
            switch self {
            case .interrupted: "Interrupted: the server running this import stopped before it finished. Nothing after the last saved chunk was stored; start the import again."
            case .unreadable: "Unreadable: {detail}"
            case .invalid, .other: "{detail}"
            }
        }
    }

    /// Records a failure: its code, its detail and the English of both.
    public mutating func fail(_ failure: Failure, detail: String = "") {
        status = .failed
        self.failure = failure
        failureDetail = detail.isEmpty ? nil : detail
        error = failure.english.replacingOccurrences(of: "{detail}", with: detail)
    }

    public init(id: String, source: String, startedBy: UserID, at: Date) {
        (self.id, self.source, self.startedBy, self.startedAt, self.updatedAt) = (id, source, startedBy, at, at)
        status = .running
        progress = ImportProgress(phase: .reading, done: 0, total: nil)
    }

    /// A running job records progress at least this often (seconds); one silent for longer was interrupted.
    public static let heartbeat: TimeInterval = 20
    public static let interruptedAfter: TimeInterval = 300

    /// The job as it stands at `now`: a running job whose server stopped answering is shown failed.
    public func asOf(_ now: Date) -> ImportJob {
        guard status == .running, now.timeIntervalSince(updatedAt) > Self.interruptedAfter else { return self }
        var job = self
        job.fail(.interrupted)
        return job
    }
}

/// Import jobs, kept where every server instance sharing the database sees them.
///
/// Every implementation must guarantee: `saveImportJob` inserts or replaces the job by id, and reading
/// it back (by id, or in the list) gives exactly what was saved.
public protocol ImportJobStore: Sendable {
    func saveImportJob(_ job: ImportJob) async throws
    func importJob(id: String) async throws -> ImportJob?
    /// The most recently started jobs first, at most `limit`.
    func importJobs(limit: Int) async throws -> [ImportJob]
}

extension DirectoryService {
    /// A new job for the admin's import from `source` (not yet saved: the runner saves it as it goes).
    public func newImportJob(source: String, by p: Principal) throws -> ImportJob {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin imports into the directory.") }
        return ImportJob(id: env.newID(), source: source, startedBy: p.userID, at: env.now())
    }

    /// Records a job's state (the runner's heartbeat, progress and outcome).
    public func saveImportJob(_ job: ImportJob) async throws { try await store.saveImportJob(job) }

    /// One job, for the admin; a job whose server stopped is shown failed (see `ImportJob.asOf`).
    public func importJob(id: String, by p: Principal) async throws -> ImportJob {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin sees import jobs.") }
        guard let job = try await store.importJob(id: id) else { throw LinkwellError.notFound("import job") }
        return job.asOf(env.now())
    }

    /// The latest jobs, newest first, for the admin.
    public func importJobs(by p: Principal, limit: Int = 10) async throws -> [ImportJob] {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin sees import jobs.") }
        return try await store.importJobs(limit: limit).map { $0.asOf(env.now()) }
    }
}
