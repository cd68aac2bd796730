import SQLKit

/// Group commit on SQLite's one writer: the transactions waiting for the writer run one after another inside one
/// SQLite transaction, each in a savepoint of its own, and are made durable by one `COMMIT`.
///
/// Each commit waits for the disk (`synchronous=FULL`): in the writes benchmark, 16 writers spent more than half of
/// their turns on the writer in `COMMIT`, one at a time. Writers that arrive while a batch is running wait, and run as
/// the next batch: the busier the writer, the more transactions share a commit.
///
/// Each transaction keeps its own outcome:
/// - one that throws is rolled back to its savepoint, and the error reaches its caller at once; the others go on (a
///   batch of one runs without a savepoint, and its failure rolls back the batch's transaction, reaching its caller
///   the same way);
/// - one that returns hears its result only after the `COMMIT` has succeeded: what a caller is told is stored, is;
/// - if the `COMMIT` (or the batch's own `BEGIN`, `SAVEPOINT` or `ROLLBACK TO`) fails, every transaction of the
///   batch that had not already failed hears that error, and none of them is stored.
///
/// Batches run in a task of their own, which a caller's cancellation does not reach, under `lock` (shared with the
/// checkpointer and closing). `GroupCommitTests`.
actor SQLiteGroupCommit {
    /// A transaction's work, run inside the batch; what to tell its caller once the batch's fate is known.
    struct Job: Sendable {
        /// `alone`: the only job of its batch, which runs without a savepoint (below).
        let run: @Sendable (_ db: any SQLDatabase, _ alone: Bool) async throws -> Outcome?
    }
    /// For a transaction whose work succeeded: tell the caller of the `COMMIT`'s success or failure.
    struct Outcome: Sendable {
        let committed: @Sendable () -> Void
        let failed: @Sendable (any Error) -> Void
    }

    /// At most this many transactions share a commit, so that the first of them does not wait long for the last.
    static let largestBatch = 16

    private let db: any SQLDatabase
    private let lock: AsyncLock
    private var waiting: [(job: Job, fail: @Sendable (any Error) -> Void)] = []
    private var draining = false

    init(db: any SQLDatabase, lock: AsyncLock) {
        self.db = db
        self.lock = lock
    }

    /// Runs `body` in its own savepoint of the next batch, and returns its result once that batch is committed.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (caller: CheckedContinuation<T, any Error>) in
            let job = Job { db, alone in
                // A batch of one needs no savepoint: its failure rolls the whole transaction back (`run`). Inside a
                // savepoint SQLite keeps every page the transaction changes in an in-memory sub-journal, and at the end
                // of each statement walks that journal's chunks to truncate it: a bulk load's transaction (thousands of
                // referrals) slowed from ~160 referrals a second to ~6, 83% of the time in `memjrnlTruncate`.
                if alone {
                    let value = try await body(db)
                    return Outcome(committed: { caller.resume(returning: value) }, failed: { caller.resume(throwing: $0) })
                }
                try await db.raw("SAVEPOINT job").run()
                do {
                    let value = try await body(db)
                    try await db.raw("RELEASE job").run()
                    return Outcome(committed: { caller.resume(returning: value) }, failed: { caller.resume(throwing: $0) })
                } catch {
                    // Undo this transaction alone; if that fails, the batch fails (and this caller with it).
                    try await db.raw("ROLLBACK TO job").run()
                    try await db.raw("RELEASE job").run()
                    caller.resume(throwing: error)
                    return nil
                }
            }
            waiting.append((job, { caller.resume(throwing: $0) }))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.largestBatch))
            waiting.removeFirst(batch.count)
            let (db, lock) = (self.db, self.lock)
            _ = try? await lock.run { await Self.run(batch, on: db) }
        }
        draining = false
    }

    /// BEGIN, each job in its savepoint, COMMIT; then each caller hears its outcome.
    private static func run(_ batch: [(job: Job, fail: @Sendable (any Error) -> Void)], on db: any SQLDatabase) async {
        var succeeded: [Outcome] = []
        // Jobs before `next` have run; the job at `next`, if the batch fails while running it, has not told its caller.
        var next = 0
        do {
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                while next < batch.count {
                    if let outcome = try await batch[next].job.run(db, batch.count == 1) { succeeded.append(outcome) }
                    next += 1
                }
                try await db.raw("COMMIT").run()
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        } catch {
            // Nothing of the batch is stored: the jobs that succeeded, the one that failed the batch, and those not
            // yet run all hear why (a job whose own work failed has already heard its own error).
            for outcome in succeeded { outcome.failed(error) }
            for index in next..<batch.count { batch[index].fail(error) }
            return
        }
        for outcome in succeeded { outcome.committed() }
    }
}
