@preconcurrency import AsyncKit
import Foundation
import LinkwellCore
import Logging
import Metrics
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import SQLiteNIO

/// How much a read may do, which decides where it runs on SQLite.
enum ReadSize: Sendable {
    /// A few rows found by key (a session by its token, a case's rows by its id): tens of microseconds a
    /// statement, run where the calling task already is. Each statement sent to a connection's thread and back
    /// cost more than the statement itself: two thread switches, 24 of them for one case's ~22 SELECTs.
    case lookup
    /// Anything that may read many rows (a list, a count, a dashboard, an export): each statement on the
    /// connection's own thread, so that a long one never holds up a thread other requests' tasks run on.
    case scan
}

/// How `SQLStore` reaches its database: plain reads, and transactions on one session.
protocol SQLConnections: Sendable {
    var flavor: SQLFlavor { get }
    /// Runs read-only work.
    func read<T: Sendable>(_ size: ReadSize, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs read-only work whose statements must all see one snapshot of the database (a record read
    /// in several SELECTs), in one read-only transaction.
    func snapshot<T: Sendable>(_ size: ReadSize, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body`, which writes with exactly one statement (atomic by itself), committed when it returns: on
    /// PostgreSQL without `BEGIN` and `COMMIT` (two round trips of the three), on SQLite as any transaction.
    func statement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Told after the schema changed (each migration), for connections that keep statements prepared by name.
    func schemaChanged()
    func close() async throws
}

extension SQLConnections {
    /// SQLite prepares a statement again by itself when the schema changed.
    func schemaChanged() {}

    /// A read that may read many rows (`ReadSize.scan`).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(.scan, body)
    }

    /// A snapshot that may read many rows (`ReadSize.scan`).
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await snapshot(.scan, body)
    }

    /// BEGIN, run, COMMIT — or ROLLBACK and rethrow.
    ///
    /// The transaction runs in a task of its own, which the caller's cancellation does not reach (the caller
    /// still waits for it): once begun, a transaction is always ended, and the connection goes back ready for
    /// the next. SQLite's statements run on a thread pool that skips the work of a cancelled task, ROLLBACK
    /// included, so a request whose client hung up mid-write, or a background job being stopped, used to
    /// leave the one writer connection inside its transaction and every later write failing
    /// ("cannot start a transaction within a transaction") until the server restarted. `CancelledWorkTests`.
    func inTransaction<T: Sendable>(_ db: any SQLDatabase, begin: String,
                                    _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await Task {
            try await db.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }.value
    }
}

/// A fair async mutex: SQLite work takes turns on one connection, so a transaction never sees
/// another request's statements.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if locked {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            locked = true
        }
        defer {
            if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}

/// SQLite in WAL mode with `synchronous=FULL` (a committed change survives a power cut): one writer
/// connection that transactions take turns on, and a few read-only connections, so that readers
/// never wait behind a long write (WAL lets them read the last committed state meanwhile).
final class SQLiteConnections: SQLConnections {
    let flavor = SQLFlavor.sqlite
    /// Read-only connections: enough for the two cores of a small server plus some waiting on I/O.
    static let readerCount = 4
    /// Each connection's page cache: 16 MB (negative: in KiB), up to 80 MB for the five. SQLite's default of 2 MB
    /// held too little of a five-year scheme's indexes: a quarter of a caseload request went in copying pages
    /// the operating system already had in memory (`pread`), again and again.
    static let cacheSize = "PRAGMA cache_size=-16384"
    /// How long a statement waits for a lock another process holds (e.g. `linkwell backup`).
    static let busyTimeoutMilliseconds = 5000

    /// The database file.
    let path: String
    private let threads: NIOThreadPool
    private let writer: SQLiteDirectConnection
    private let writerDB: any SQLDatabase
    private let lock = AsyncLock()
    private let groupCommit: SQLiteGroupCommit
    private let readers: SQLiteReaderPool
    /// Checkpoints the write-ahead log into the database file (`checkpoint`), on a connection of its own.
    private let checkpointer: SQLiteDirectConnection
    private let walFull: AsyncStream<Void>.Continuation
    private let checkpointing: Task<Void, Never>
    /// Statements the writer and the readers had to prepare again before running them (`SQLiteConnectionTests`).
    let preparedAgain: SQLiteDirectConnection.Counter
    /// Statements the writer and the readers sent to their threads (`ReadSize`, `SQLiteConnectionTests`).
    let turns = SQLiteDirectConnection.Counter()
    /// SQLite's own threshold for a checkpoint: the log holds this many pages (4 MB).
    static let checkpointPages = 1000

    init(path: String, logger: Logger) async throws {
        self.path = path
        let preparedAgain = SQLiteDirectConnection.Counter()
        self.preparedAgain = preparedAgain
        // Our own threads, one per connection, so a long write never holds up a reader for a thread.
        threads = NIOThreadPool(numberOfThreads: Self.readerCount + 1)
        threads.start()
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        writer = try SQLiteDirectConnection(path: path, inline: true, preparedAgain: preparedAgain, turns: turns, threads: threads,
                                            eventLoop: loop, logger: logger)
        writerDB = writer.sql()
        groupCommit = SQLiteGroupCommit(db: writerDB, lock: lock)
        // The busy timeout first: another process (a backup, a second server) may hold a lock.
        // Temporary storage in memory: each transaction of a shared commit runs in a savepoint (`SQLiteGroupCommit`),
        // whose journal of the pages it changes spilled to a file beyond 64 KB (writes benchmark: 521/531 -> 563/580
        // writes/s).
        for pragma in ["PRAGMA busy_timeout=\(Self.busyTimeoutMilliseconds)", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                       "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY", Self.cacheSize] {
            try await writerDB.raw(SQLQueryString(pragma)).run()
        }
        var connections: [SQLiteDirectConnection] = []
        for _ in 0..<Self.readerCount {
            let reader = try SQLiteDirectConnection(path: path, inline: false, preparedAgain: preparedAgain, turns: turns, threads: threads,
                                                    eventLoop: loop, logger: logger)
            for pragma in ["PRAGMA query_only=ON", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=\(Self.busyTimeoutMilliseconds)", Self.cacheSize] {
                try await reader.sql().raw(SQLQueryString(pragma)).run()
            }
            connections.append(reader)
        }
        readers = SQLiteReaderPool(connections)
        checkpointer = try SQLiteDirectConnection(path: path, inline: false, threads: threads, eventLoop: loop, logger: logger)
        let timeout = "PRAGMA busy_timeout=\(Self.busyTimeoutMilliseconds)"
        try await checkpointer.sql().raw(SQLQueryString(timeout)).run()
        let (full, walFull) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.walFull = walFull
        writer.onCommit { pages in if pages >= Self.checkpointPages { walFull.yield() } }
        checkpointing = Task { [lock, checkpointer, logger] in
            for await _ in full { await Self.checkpoint(checkpointer, lock: lock, logger: logger) }
        }
    }

    /// Copies the write-ahead log into the database file, off the writers' path.
    ///
    /// SQLite checkpoints inside the commit that fills the log to 1,000 pages: that writer copied 4 MB and waited for
    /// the disk while every other writer waited for it (commits of up to 110 ms in the writes benchmark, a quarter of
    /// all commit time, and the p99 of every write). Here the copying is done beside the writers, from a connection
    /// of its own (again while more than 100 pages were written meanwhile); then, between two transactions, the few
    /// pages left, so that the log is wholly copied
    /// and the next write starts it again from the beginning (a log copied only up to a moving end never restarts,
    /// and grows). A checkpoint that cannot finish (a reader still on an older snapshot) is tried again at the next
    /// full log. `WriteAheadLogTests`.
    static func checkpoint(_ connection: SQLiteDirectConnection, lock: AsyncLock, logger: Logger) async {
        let db = connection.sql()
        do {
            // Beside the writers, until what is left to copy is small: the writers append while it copies.
            for _ in 0..<4 {
                let row = try await db.raw("PRAGMA wal_checkpoint(PASSIVE)").first()
                let log = try row?.decode(column: "log", as: Int.self) ?? 0, copied = try row?.decode(column: "checkpointed", as: Int.self) ?? 0
                if log - copied <= 100 { break }
            }
            try await lock.run { try await db.raw("PRAGMA wal_checkpoint(PASSIVE)").run() }
        } catch {
            logger.warning("checkpoint of the write-ahead log failed; tried again at the next commit", metadata: ["error": "\(error)"])
        }
    }

    /// Plain reads run on a reader connection without waiting for the writer, each statement in its own
    /// snapshot (as on PostgreSQL, where each may run on a different pooled connection). No BEGIN and COMMIT:
    /// each statement is a turn on the connection's thread and back, and those two turns were most of a
    /// one-SELECT read's cost. Work that needs one snapshot across statements uses `snapshot`.
    func read<T: Sendable>(_ size: ReadSize, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("read") {
            try await readers.with { connection in try await body(connection.sql(inline: size == .lookup)) }
        }
    }

    /// A transaction on the writer, sharing its `COMMIT` with those waiting beside it (`SQLiteGroupCommit`).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("transaction") { try await groupCommit.transaction(body) }
    }

    /// One statement is a transaction like any other on SQLite's one writer.
    func statement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    /// A read transaction on a reader connection: one consistent snapshot for every statement of the body,
    /// taken without waiting for the writer.
    func snapshot<T: Sendable>(_ size: ReadSize, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("read") {
            try await readers.with { connection in
                try await self.inTransaction(connection.sql(inline: size == .lookup), begin: "BEGIN", body)
            }
        }
    }

    /// The value of a pragma on the writer connection (for tests that check durability settings).
    func pragma(_ name: String) async throws -> String {
        let db = writerDB
        return try await lock.run {
            let row = try await db.raw(SQLQueryString("PRAGMA \(name)")).first()
            let column = row?.allColumns.first ?? name
            if let text = try? row?.decode(column: column, as: String.self) { return text }
            return String(try row?.decode(column: column, as: Int.self) ?? -1)
        }
    }

    func close() async throws {
        for reader in await readers.drain() { reader.close() }
        walFull.finish()
        await checkpointing.value
        checkpointer.close()
        let writer = writer
        try await lock.run { writer.close() }
        try await threads.shutdownGracefully()
    }
}

/// The idle reader connections; a read waits (fairly) only when all of them are busy.
actor SQLiteReaderPool {
    private var idle: [SQLiteDirectConnection]
    private var waiters: [CheckedContinuation<SQLiteDirectConnection, Never>] = []
    private let total: Int
    private var drained = false

    init(_ connections: [SQLiteDirectConnection]) {
        idle = connections
        total = connections.count
    }

    func with<T: Sendable>(_ body: @Sendable (SQLiteDirectConnection) async throws -> T) async throws -> T {
        // Closing has taken (or is waiting for) every connection: a read now would wait for one for ever. Refused as the
        // server stopping (503).
        guard !drained else { throw StorageError.unavailable }
        let connection: SQLiteDirectConnection
        if let free = idle.popLast() {
            connection = free
        } else {
            connection = await withCheckedContinuation { waiters.append($0) }
        }
        defer {
            if waiters.isEmpty { idle.append(connection) } else { waiters.removeFirst().resume(returning: connection) }
        }
        return try await body(connection)
    }

    /// Every connection, waiting for those still in use: closing must not leave one open behind a read.
    /// A second close finds nothing left to close.
    func drain() async -> [SQLiteDirectConnection] {
        guard !drained else { return [] }
        drained = true
        var taken: [SQLiteDirectConnection] = []
        while taken.count < total {
            // Idle ones first, each time round: a read that ends while this waits for the next connection finds no one
            // waiting and leaves its connection idle (a close beside reads in flight waited for ever).
            if let free = idle.popLast() {
                taken.append(free)
            } else {
                taken.append(await withCheckedContinuation { waiters.append($0) })
            }
        }
        return taken
    }
}

/// Database errors that mean "not now" rather than "wrong": SQLite busy or locked, PostgreSQL
/// serialisation failures, deadlocks, lock timeouts, a full or lost connection. They become
/// `StorageError.unavailable` (HTTP 503, retry) instead of escaping as an internal error.
/// Also records the time spent (waiting included) as `linkwell_db_duration_seconds{operation}`.
func translatingErrors<T: Sendable>(_ operation: String = "other", _ body: () async throws -> T) async throws -> T {
    let started = ContinuousClock.now
    defer {
        let elapsed = ContinuousClock.now - started
        Metrics.Timer(label: "linkwell_db_duration_seconds", dimensions: [("operation", operation)])
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
    do {
        return try await body()
    } catch let error as SQLiteError where [.busy, .locked].contains(error.reason) {
        throw StorageError.unavailable
    } catch let error as SQLiteDirectError where error.isTransient {
        throw StorageError.unavailable
    } catch let error as PSQLError {
        let transient: Set<String> = ["40001", "40P01", "55P03", "57P01", "57014", "53300"]
        if error.code == .server, let state = error.serverInfo?[.sqlState], transient.contains(state) { throw StorageError.unavailable }
        if [.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed].contains(error.code) { throw StorageError.unavailable }
        throw error
    } catch is ConnectionPoolTimeoutError {
        throw StorageError.unavailable
    }
}

/// A pool of PostgreSQL connections; each transaction holds one connection from BEGIN to COMMIT.
final class PostgresConnections: SQLConnections, @unchecked Sendable {
    let flavor = SQLFlavor.postgres
    private let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    private let db: any SQLDatabase
    /// The names of the statements prepared on the connections (`PreparingPostgresDatabase`).
    let statementNames = PostgresStatementNames()
    /// The connection URL, for `pg_dump` and `psql`.
    let url: String

    init(url: String, searchPath: [String]?, connectionsPerEventLoop: Int, connectionWait: Int64, logger: Logger) throws {
        self.url = url
        var configuration = try SQLPostgresConfiguration(url: url)
        configuration.searchPath = searchPath
        pool = EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: configuration),
                                            maxConnectionsPerEventLoop: max(1, connectionsPerEventLoop),
                                            requestTimeout: .seconds(connectionWait), logger: logger,
                                            on: MultiThreadedEventLoopGroup.singleton)
        db = PreparingPostgresDatabase(database: pool.database(logger: logger), names: statementNames, logger: logger)
    }

    func schemaChanged() { statementNames.schemaChanged() }

    func read<T: Sendable>(_ size: ReadSize, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("read") { try await body(db) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("transaction") {
            try await db.withSession { session in try await self.inTransaction(session, begin: "BEGIN", body) }
        }
    }

    /// A single statement commits by itself (autocommit): a page's access-log entries were each a `BEGIN`, an `INSERT`
    /// and a `COMMIT` on a connection held for the three.
    func statement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("transaction") { try await body(db) }
    }

    /// Runs `body` on one connection held throughout (a snapshot exported to `pg_dump`).
    func session<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors { try await db.withSession { try await body($0) } }
    }

    /// Plain reads may run each statement on a different pooled connection, each in its own snapshot;
    /// this holds one connection in one REPEATABLE READ transaction, so every statement sees the state
    /// as of its first one.
    func snapshot<T: Sendable>(_ size: ReadSize, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await translatingErrors("read") {
            try await db.withSession { session in
                try await self.inTransaction(session, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
            }
        }
    }

    func close() async throws { try await pool.shutdownAsync() }
}
