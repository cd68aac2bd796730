import Foundation
import LinkwellCore

/// Chooses the storage backend from one `--database` value.
public enum StoreFactory {
    /// `memory`, a `postgres://` (or `postgresql://`) URL, or a SQLite file path.
    public static func open(_ database: String) async throws -> any LinkwellStore {
        if database == "memory" { return MemoryStore() }
        if isPostgres(database) { return try SQLStore.postgres(url: database) }
        return try await SQLStore.sqlite(path: database)
    }

    /// Whether `database` names a SQLite file (not memory, not PostgreSQL).
    public static func isSQLite(_ database: String) -> Bool { database != "memory" && !isPostgres(database) }

    /// Whether `database` is a PostgreSQL URL.
    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// The database named without its password, for logs and messages.
    public static func describe(_ database: String) -> String {
        guard var components = URLComponents(string: database), components.scheme?.hasPrefix("postgres") == true else { return database }
        if components.password != nil { components.password = "***" }
        return components.string ?? "postgres"
    }
}
