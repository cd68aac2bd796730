@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import SQLiteNIO

/// How `SQLStore` reaches its database: plain reads, and transactions on one session.
protocol SQLConnections: Sendable {
    var flavor: SQLFlavor { get }
    /// Runs read-only work.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs read-only work whose statements must all see one snapshot of the database (a record read
    /// in several SELECTs), in one read-only transaction.
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async throws
}

extension SQLConnections {
    /// BEGIN, run, COMMIT — or ROLLBACK and rethrow.
    func inTransaction<T: Sendable>(_ db: any SQLDatabase, begin: String,
                                    _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.raw(SQLQueryString(begin)).run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
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

/// One SQLite connection in WAL mode with `synchronous=FULL`: a committed change survives a power cut.
final class SQLiteConnections: SQLConnections {
    let flavor = SQLFlavor.sqlite
    private let connection: SQLiteConnection
    private let db: any SQLDatabase
    private let lock = AsyncLock()

    init(path: String, logger: Logger) async throws {
        connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        db = connection.sql()
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"] {
            try await db.raw(SQLQueryString(pragma)).run()
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = self.db
        return try await lock.run { try await body(db) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = self.db
        return try await lock.run { try await self.inTransaction(db, begin: "BEGIN IMMEDIATE", body) }
    }

    /// Statements already take turns on the one connection, so no write can come between them; the
    /// deferred transaction also keeps them to one WAL snapshot should another process write.
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = self.db
        return try await lock.run { try await self.inTransaction(db, begin: "BEGIN DEFERRED", body) }
    }

    /// The value of a pragma (for tests that check durability settings).
    func pragma(_ name: String) async throws -> String {
        try await read { db in
            let row = try await db.raw(SQLQueryString("PRAGMA \(name)")).first()
            let column = row?.allColumns.first ?? name
            if let text = try? row?.decode(column: column, as: String.self) { return text }
            return String(try row?.decode(column: column, as: Int.self) ?? -1)
        }
    }

    func close() async throws { try await connection.close() }
}

/// A pool of PostgreSQL connections; each transaction holds one connection from BEGIN to COMMIT.
final class PostgresConnections: SQLConnections, @unchecked Sendable {
    let flavor = SQLFlavor.postgres
    private let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    private let db: any SQLDatabase

    init(url: String, searchPath: [String]?, logger: Logger) throws {
        var configuration = try SQLPostgresConfiguration(url: url)
        configuration.searchPath = searchPath
        pool = EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: configuration),
                                            maxConnectionsPerEventLoop: 4, logger: logger,
                                            on: MultiThreadedEventLoopGroup.singleton)
        db = pool.database(logger: logger).sql()
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await body(db)
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.withSession { session in try await self.inTransaction(session, begin: "BEGIN", body) }
    }

    /// Plain reads may run each statement on a different pooled connection, each in its own snapshot;
    /// this holds one connection in one REPEATABLE READ transaction, so every statement sees the state
    /// as of its first one.
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.withSession { session in
            try await self.inTransaction(session, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
        }
    }

    func close() async throws { try await pool.shutdownAsync() }
}
