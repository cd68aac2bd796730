import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LinkwellCore
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteNIO

/// What a backup holds, written beside it as `<backup>.manifest.json`. `linkwell restore` checks the
/// backup against it (checksum, schema version, row counts) before it replaces anything.
public struct BackupManifest: Codable, Sendable, Equatable {
    public var format: String
    /// `sqlite` (a database file made by `VACUUM INTO`) or `postgres` (a `pg_dump` custom archive).
    public var backend: String
    public var createdAt: Date
    /// The schema migrations applied in the backed-up database.
    public var schemaVersions: [Int]
    /// Rows per table, counted in the same snapshot as the copy.
    public var rowCounts: [String: Int]
    /// SHA-256 of the backup file, hex.
    public var sha256: String
    public var bytes: Int
    /// PostgreSQL only: the schema the tables live in.
    public var schema: String?

    public static let currentFormat = "linkwell-backup/1"

    /// The manifest's path for a backup file.
    public static func path(for backup: String) -> String { backup + ".manifest.json" }

    public static func read(for backup: String) throws -> BackupManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: path(for: backup)) else {
            throw BackupError("The backup's manifest \(path(for: backup)) is missing; it is written beside every backup.")
        }
        return try decoder.decode(BackupManifest.self, from: data)
    }

    func write(for backup: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try durablyWrite(try encoder.encode(self), to: Self.path(for: backup))
    }
}

/// A backup or restore that could not be done; the message says why, and nothing was replaced.
public struct BackupError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension SQLStore {
    /// Makes a consistent copy of the database while it is in use, and its manifest.
    /// SQLite: `VACUUM INTO` (one read snapshot; writers carry on meanwhile). PostgreSQL: `pg_dump`
    /// in custom format, reading a snapshot exported from a transaction that also counts the rows.
    /// The copy is written under a temporary name, flushed to disk, then renamed, so a backup file
    /// that exists is always complete.
    @discardableResult
    public func backup(to destination: String) async throws -> BackupManifest {
        let files = FileManager.default
        guard !files.fileExists(atPath: destination) else { throw BackupError("\(destination) already exists; choose a new name.") }
        let partial = destination + ".partial"
        try? files.removeItem(atPath: partial)
        var manifest: BackupManifest
        if let sqlite = connections as? SQLiteConnections {
            let connection = try await Self.openSQLite(sqlite.path)
            do {
                try await connection.sql().raw("VACUUM INTO \(bind: partial)").run()
                try await connection.close()
            } catch {
                try? await connection.close()
                try? files.removeItem(atPath: partial)
                throw error
            }
            manifest = try await Self.inspectSQLite(partial)
        } else if let postgres = connections as? PostgresConnections {
            do {
                manifest = try await postgres.session { session in
                    try await postgres.inTransaction(session, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { db in
                        let snapshot = try await db.raw("SELECT pg_export_snapshot() AS s").first()!.decode(column: "s", as: String.self)
                        let schema = try await db.raw("SELECT current_schema() AS s").first()!.decode(column: "s", as: String.self)
                        let manifest = try await Self.inspect(db, schema: schema, backend: "postgres")
                        try await PostgresTools.run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(snapshot)",
                                                                "--schema=\(schema)", "--file=\(partial)", PostgresTools.plainURL(postgres.url)])
                        return manifest
                    }
                }
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                throw error
            }
        } else {
            throw BackupError("Only SQLite and PostgreSQL databases can be backed up.")
        }
        try syncFile(partial)
        (manifest.sha256, manifest.bytes) = try sha256(of: partial)
        try files.moveItem(atPath: partial, toPath: destination)
        try manifest.write(for: destination)
        try syncDirectory(of: destination)
        return manifest
    }

    /// Checks a backup without touching any database: the file matches its manifest's checksum, its
    /// schema is one this build knows, and (SQLite) it passes `PRAGMA integrity_check` and holds
    /// exactly the rows the manifest lists; (PostgreSQL) `pg_restore` can read its table of contents.
    public static func verifyBackup(_ backup: String) async throws -> BackupManifest {
        let manifest = try BackupManifest.read(for: backup)
        guard manifest.format == BackupManifest.currentFormat else { throw BackupError("Unknown backup format \(manifest.format).") }
        guard FileManager.default.fileExists(atPath: backup) else { throw BackupError("\(backup) does not exist.") }
        let (hash, bytes) = try sha256(of: backup)
        guard hash == manifest.sha256, bytes == manifest.bytes else {
            throw BackupError("\(backup) does not match its manifest (checksum or size differs): it was changed or damaged after the backup.")
        }
        let unknown = Set(manifest.schemaVersions).subtracting(knownMigrations)  // a backup from a newer build is refused
        guard unknown.isEmpty else {
            throw BackupError("The backup has schema versions this Linkwell does not know (\(unknown.sorted())): restore it with the version that made it.")
        }
        switch manifest.backend {
        case "sqlite":
            let found = try await inspectSQLite(backup)
            guard found.schemaVersions == manifest.schemaVersions else { throw BackupError("The backup's schema versions differ from its manifest.") }
            for (table, count) in manifest.rowCounts where found.rowCounts[table] != count {
                throw BackupError("Table \(table) holds \(found.rowCounts[table].map(String.init) ?? "no") rows; the manifest says \(count).")
            }
        case "postgres":
            try await PostgresTools.run("pg_restore", ["--list", backup], discardOutput: true)
        default:
            throw BackupError("Unknown backend \(manifest.backend).")
        }
        return manifest
    }

    /// Replaces a SQLite database with a verified backup. Refused while a server uses the file.
    /// The old file is kept as `<database>.before-restore-<time>`; the backup is copied, flushed and
    /// renamed into place, so the database is at every moment either the old one or the backup.
    public static func restoreSQLite(backup: String, into database: String) async throws -> (BackupManifest, keptAs: String?) {
        let manifest = try await verifyBackup(backup)
        guard manifest.backend == "sqlite" else { throw BackupError("\(backup) is a \(manifest.backend) backup, not SQLite.") }
        let lock: SQLiteServerLock
        do { lock = try SQLiteServerLock(databasePath: database) } catch let busy as SQLiteServerLock.Busy {
            throw BackupError(busy.message.replacingOccurrences(of: "Stop it first, or use PostgreSQL (--database postgres://…) to run several servers.",
                                                                with: "Stop it before restoring."))
        }
        defer { lock.release() }
        let files = FileManager.default
        let incoming = database + ".restoring"
        try? files.removeItem(atPath: incoming)
        try files.copyItem(atPath: backup, toPath: incoming)
        try syncFile(incoming)
        var keptAs: String?
        if files.fileExists(atPath: database) {
            // Fold any WAL into the old file first, so the kept copy is whole on its own.
            let old = try await openSQLite(database)
            try await old.sql().raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
            try await old.close()
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            keptAs = "\(database).before-restore-\(stamp)"
            try files.moveItem(atPath: database, toPath: keptAs!)
        }
        for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: database + suffix) }
        try files.moveItem(atPath: incoming, toPath: database)
        try syncDirectory(of: database)
        return (manifest, keptAs)
    }

    /// Replaces the Linkwell tables of a PostgreSQL database with a verified backup, in one
    /// transaction that also checks every table's row count against the manifest before it commits:
    /// if anything differs or fails, the database is left exactly as it was.
    public static func restorePostgres(backup: String, url: String) async throws -> BackupManifest {
        let manifest = try await verifyBackup(backup)
        guard manifest.backend == "postgres" else { throw BackupError("\(backup) is a \(manifest.backend) backup, not PostgreSQL.") }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-restore-\(UUID().uuidString).sql").path
        defer { try? FileManager.default.removeItem(atPath: script) }
        try await PostgresTools.run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=\(script)", backup])
        var checks = "\nDO $linkwell_verify$ DECLARE n bigint; BEGIN\n"
        for (table, count) in manifest.rowCounts.sorted(by: { $0.key < $1.key }) {
            let name = (manifest.schema.map { "\"\($0)\"." } ?? "") + "\"\(table)\""
            checks += "  SELECT count(*) INTO n FROM \(name); IF n <> \(count) THEN RAISE EXCEPTION 'restore check: \(table) has %, expected \(count)', n; END IF;\n"
        }
        checks += "END $linkwell_verify$;\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: script))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(checks.utf8))
        try handle.close()
        try await PostgresTools.run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", PostgresTools.plainURL(url), "-f", script],
                                    discardOutput: true)
        return manifest
    }

    // MARK: Helpers

    static func openSQLite(_ path: String) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: Logger(label: "linkwell.backup"))
        try await connection.sql().raw("PRAGMA busy_timeout=\(unsafeRaw: String(SQLiteConnections.busyTimeoutMilliseconds))").run()
        return connection
    }

    /// Integrity check, schema versions and row counts of a SQLite file.
    static func inspectSQLite(_ path: String) async throws -> BackupManifest {
        let connection = try await openSQLite(path)
        do {
            let db = connection.sql()
            let check = try await db.raw("PRAGMA integrity_check").all().map { try $0.decode(column: "integrity_check", as: String.self) }
            guard check == ["ok"] else { throw BackupError("\(path) fails SQLite's integrity check: \(check.prefix(3).joined(separator: "; "))") }
            let manifest = try await inspect(db, schema: nil, backend: "sqlite")
            try await connection.close()
            return manifest
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Schema versions and row counts, read in the caller's snapshot.
    static func inspect(_ db: any SQLDatabase, schema: String?, backend: String) async throws -> BackupManifest {
        let tables: [String]
        if let schema {
            tables = try await db.raw("SELECT tablename AS name FROM pg_tables WHERE schemaname = \(bind: schema) ORDER BY tablename")
                .all().map { try $0.decode(column: "name", as: String.self) }
        } else {
            tables = try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .all().map { try $0.decode(column: "name", as: String.self) }
        }
        guard tables.contains("schema_migrations") else { throw BackupError("This is not a Linkwell database (no schema_migrations table).") }
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()!.decode(column: "n", as: Int.self)
        }
        let versions = try await db.raw("SELECT version FROM schema_migrations ORDER BY version").all().map { try $0.decode(column: "version", as: Int.self) }
        return BackupManifest(format: BackupManifest.currentFormat, backend: backend, createdAt: Date(), schemaVersions: versions,
                              rowCounts: counts, sha256: "", bytes: 0, schema: schema)
    }
}

/// Runs the PostgreSQL client programs (`pg_dump`, `pg_restore`, `psql`, from the
/// `postgresql-client` package, the same major version as the server or newer).
enum PostgresTools {
    /// The URL as libpq reads it: Linkwell's own query parameters (none today) removed.
    static func plainURL(_ url: String) -> String { url }

    static func run(_ tool: String, _ arguments: [String], discardOutput: Bool = false) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = discardOutput ? FileHandle.nullDevice : FileHandle.standardError
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: BackupError("Cannot run \(tool): \(error). Install the PostgreSQL client tools (postgresql-client)."))
            }
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw BackupError("\(tool) failed (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines).suffix(2000))")
        }
    }
}

func sha256(of path: String) throws -> (String, Int) {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw BackupError("Cannot read \(path).") }
    defer { try? handle.close() }
    var hasher = SHA256()
    var bytes = 0
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        hasher.update(data: chunk)
        bytes += chunk.count
    }
    return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), bytes)
}

/// Flushes a file's contents to disk (SQLite does not for `VACUUM INTO`'s output).
func syncFile(_ path: String) throws {
    guard let handle = FileHandle(forUpdatingAtPath: path) else { throw BackupError("Cannot open \(path).") }
    try handle.synchronize()
    try handle.close()
}

/// Flushes a directory entry, so a rename survives a power cut.
func syncDirectory(of path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}

func durablyWrite(_ data: Data, to path: String) throws {
    let temporary = path + ".partial"
    try data.write(to: URL(fileURLWithPath: temporary))
    try syncFile(temporary)
    if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    try FileManager.default.moveItem(atPath: temporary, toPath: path)
}

/// Backups into a folder with time-stamped names, keeping the newest `keep` (used by
/// `linkwell backup --directory` and by `serve --backup-directory`).
public struct BackupRotation: Sendable {
    public let directory: String
    public let keep: Int

    public init(directory: String, keep: Int) {
        self.directory = directory
        self.keep = keep
    }

    /// The backups in the folder, oldest first (names sort by time).
    public func backups() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("linkwell-") && ($0.hasSuffix(".sqlite") || $0.hasSuffix(".dump")) }
            .sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Makes one backup, then removes the oldest beyond `keep` (with their manifests).
    public func run(_ store: SQLStore, at now: Date = Date()) async throws -> (path: String, manifest: BackupManifest, removed: [String]) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let name = "linkwell-\(formatter.string(from: now)).\(store.flavor == .postgres ? "dump" : "sqlite")"
        let path = (directory as NSString).appendingPathComponent(name)
        let manifest = try await store.backup(to: path)
        var removed: [String] = []
        let all = try backups()
        for old in all.prefix(max(0, all.count - keep)) {
            try? FileManager.default.removeItem(atPath: old)
            try? FileManager.default.removeItem(atPath: BackupManifest.path(for: old))
            removed.append(old)
        }
        return (path, manifest, removed)
    }
}
