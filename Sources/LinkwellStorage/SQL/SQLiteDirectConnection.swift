import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization
// SQLiteNIO's own copy of the SQLite library (its symbols are prefixed `sqlite_nio_`). The writer must use
// that copy and no other: SQLite keeps the POSIX locks of a file per process in the library, and two copies
// in one process would release each other's locks.
import VaporCSQLite

/// A connection to the SQLite file through the C library, with a cache of prepared statements.
///
/// SQLiteNIO's connection runs a statement with a hop to a thread-pool thread, one to an event loop for each
/// row, and one back to the task, and prepares the statement again each time. A write request makes 10–20
/// statements on the one writer while every other writer waits its turn, and those hops and re-preparations
/// were most of a turn: the writes benchmark spent 39% of its time in the kernel switching threads, with a core
/// idle, and held p99 over 100 ms with 16 writers.
///
/// - `inline` (the writer): a statement runs where the calling task already is, microseconds of work with no
///   hop. `COMMIT` alone goes to `threads`: its `fsync` is the disk's time, which must not hold up the thread
///   other requests' tasks run on. A long statement on the writer (a migration's backfill, a retention purge)
///   does hold one of those threads while it runs.
/// - not inline (the readers): each statement is one turn on `threads` that returns all its rows, since a read
///   (a dashboard over a million referrals, an export) can take long enough to stall the tasks of other
///   requests if it ran on their threads. A read of a few rows by key (`ReadSize.lookup`) runs inline on a
///   reader: the turn there and back cost more than the statement.
///
/// Not cancellation-aware, on purpose: a statement that has been started always runs to its end, so a cancelled
/// task cannot leave a connection inside a transaction (`CancelledWorkTests`).
///
/// One task at a time: `SQLiteConnections` gives the writer to one transaction at a time and each reader to one
/// read at a time.
final class SQLiteDirectConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// A statement is running (`run`), or the connection is closing.
    private let running = Atomic<Bool>(false)

    /// Takes the connection for a statement or the close; false, and a stop in a debug build, when a statement runs.
    private func take(_ what: String) -> Bool {
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            assertionFailure("\(what) while an SQLite connection runs a statement")
            return false
        }
        return true
    }
    /// Prepared statements by SQL text: most statements are the same few hundred texts.
    private var statements: [String: OpaquePointer] = [:]
    static let cachedStatementLimit = 512
    let inline: Bool
    /// Counts the statements SQLite had to prepare again before running them (a schema change, or a plan that
    /// depended on a bound value that changed), when given.
    let preparedAgain: Counter?
    /// Counts the statements sent to `threads` (the rest ran inline), when given.
    let turns: Counter?
    let threads: NIOThreadPool
    let eventLoop: any EventLoop
    let logger: Logger

    init(path: String, inline: Bool, preparedAgain: Counter? = nil, turns: Counter? = nil, threads: NIOThreadPool,
         eventLoop: any EventLoop, logger: Logger) throws {
        self.inline = inline
        self.preparedAgain = preparedAgain
        self.turns = turns
        self.threads = threads
        self.eventLoop = eventLoop
        self.logger = logger
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        var opened: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            sqlite_nio_sqlite3_close(opened)
            throw SQLiteDirectError(code: status, message: message)
        }
        handle = opened
        sqlite_nio_sqlite3_extended_result_codes(opened, 0)
    }

    /// A count shared by connections.
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func add(_ n: Int) { value.add(n, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    /// SQLKit's view of this connection; `inline` runs each statement where the calling task is (`COMMIT` on the
    /// writer excepted), by default as the connection was opened.
    func sql(inline: Bool? = nil) -> any SQLDatabase { SQLiteDirectDatabase(connection: self, inline: inline ?? self.inline) }

    /// Runs one statement and returns its rows.
    func run(_ sql: String, _ binds: [SQLiteData]) throws -> [SQLiteDirectRow] {
        // The connection is opened without SQLite's own mutex: two statements at once would corrupt its memory (two
        // closes at once freed it twice: `SQLStoreShutdownTests`). One at a time is the callers' promise
        // (`SQLiteConnections`); a broken promise is refused here instead, and stops a debug build (the tests).
        guard take("a second statement") else {
            throw SQLiteDirectError(code: SQLITE_MISUSE, message: "the connection is running another statement")
        }
        defer { running.store(false, ordering: .releasing) }
        guard let handle else { throw SQLiteDirectError(code: SQLITE_MISUSE, message: "connection closed") }
        let statement = try prepared(sql, handle)
        defer {
            if let preparedAgain, case let again = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 1), again > 0 {
                preparedAgain.add(Int(again))
            }
            sqlite_nio_sqlite3_reset(statement)
        }
        // Every parameter is bound on every run, so the last run's values are never read, and they are not cleared:
        // `sqlite3_clear_bindings` expires a statement whose plan took a bound value into account (SQLite 3.53 does for
        // `column = ?` beside an ORDER BY it sorts for), and each run prepared it again: 5% of the writes benchmark's
        // time, most of it in reading whole cases (`SQLiteConnectionTests`).
        guard Int(sqlite_nio_sqlite3_bind_parameter_count(statement)) == binds.count else {
            throw SQLiteDirectError(code: SQLITE_RANGE, message: "\(binds.count) values for \(sqlite_nio_sqlite3_bind_parameter_count(statement)) parameters")
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), statement), handle)
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        var columns: [String] = []
        columns.reserveCapacity(Int(count))
        for index in 0..<count {
            columns.append(sqlite_nio_sqlite3_column_name(statement, index).map { String(cString: $0) } ?? "")
        }
        var rows: [SQLiteDirectRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw SQLiteDirectError(code: status, message: message(handle)) }
            rows.append(SQLiteDirectRow(columns: columns, values: (0..<count).map { value(statement, $0) }))
        }
        return rows
    }

    /// Calls `handler` with the number of pages in the write-ahead log after each commit, in place of SQLite's own
    /// checkpoint at the end of a commit (`SQLiteConnections` checkpoints in the background instead).
    func onCommit(_ handler: @escaping @Sendable (Int) -> Void) {
        let box = CommitHandler(handler)
        commitHandler = box
        sqlite_nio_sqlite3_wal_hook(handle, { context, _, _, pages in
            Unmanaged<CommitHandler>.fromOpaque(context!).takeUnretainedValue().handler(Int(pages))
            return SQLITE_OK
        }, Unmanaged.passUnretained(box).toOpaque())
    }
    private var commitHandler: CommitHandler?

    func close() {
        guard take("a close") else { return }
        defer { running.store(false, ordering: .releasing) }
        if let handle { sqlite_nio_sqlite3_wal_hook(handle, nil, nil) }
        commitHandler = nil
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close(handle) }
        handle = nil
    }

    deinit { close() }

    private func prepared(_ sql: String, _ handle: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw SQLiteDirectError(code: status, message: message(handle))
        }
        if statements.count >= Self.cachedStatementLimit {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old) }
            statements = [:]
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, _ statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let number): return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number): return sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .text(let text):
            return sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let bytes):
            return bytes.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
            }
        case .null: return sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    private func value(_ statement: OpaquePointer, _ index: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .null }
            return .text(String(cString: text))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, index) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func check(_ status: Int32, _ handle: OpaquePointer) throws {
        guard status == SQLITE_OK else { throw SQLiteDirectError(code: status, message: message(handle)) }
    }

    private func message(_ handle: OpaquePointer) -> String {
        sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown"
    }
}

private final class CommitHandler: Sendable {
    let handler: @Sendable (Int) -> Void
    init(_ handler: @escaping @Sendable (Int) -> Void) { self.handler = handler }
}

/// SQLite's destructor value that makes it copy a bound text or blob.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// An error from a direct connection, with SQLite's primary result code.
struct SQLiteDirectError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    /// SQLITE_BUSY or SQLITE_LOCKED: another process holds a lock; try again later.
    var isTransient: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    var description: String { "SQLite error \(code): \(message)" }
}

/// A row read on a direct connection.
struct SQLiteDirectRow: SQLRow {
    /// One decoder for every value: making one makes a `JSONDecoder`, and a page decodes hundreds of values.
    static let decoder = SQLiteDataDecoder()
    let columns: [String]
    let values: [SQLiteData]
    var allColumns: [String] { columns }
    func contains(column: String) -> Bool { columns.contains(column) }
    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.firstIndex(of: column) else { return true }
        return values[index] == .null
    }
    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.firstIndex(of: column) else {
            throw DecodingError.keyNotFound(SQLiteDirectColumn(stringValue: column),
                                            .init(codingPath: [], debugDescription: "No column \(column)"))
        }
        return try Self.decoder.decode(D.self, from: values[index])
    }
}

private struct SQLiteDirectColumn: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// SQLKit's view of a direct connection.
private struct SQLiteDirectDatabase: SQLDatabase {
    /// One encoder for every bind (making one makes a `JSONEncoder`).
    static let encoder = SQLiteDataEncoder()
    let connection: SQLiteDirectConnection
    /// Statements run where the calling task is (`SQLiteDirectConnection.inline`, `ReadSize.lookup`).
    let inline: Bool
    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let text = serializer.sql
        let binds = try serializer.binds.map { try Self.encoder.encode($0) }
        let connection = connection
        let rows: [SQLiteDirectRow]
        // The writer's `COMMIT` waits for the disk: never where other requests' tasks run.
        if !inline || (connection.inline && text == "COMMIT") {
            connection.turns?.add(1)
            // Resumed from the pool's thread (no event loop between), and not cancellation-aware: the caller
            // gets the statement's own result.
            rows = try await withCheckedThrowingContinuation { continuation in
                connection.threads.submit { state in
                    guard case .active = state else {
                        return continuation.resume(throwing: SQLiteDirectError(code: SQLITE_MISUSE, message: "the connection's threads have stopped"))
                    }
                    continuation.resume(with: Result { try connection.run(text, binds) })
                }
            }
        } else {
            rows = try connection.run(text, binds)
        }
        for row in rows { onRow(row) }
    }
}
