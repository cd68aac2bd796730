import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// Every key that points at a person, a referral or a referral out has an index that starts with it.
/// Without one, SQLite reads the whole child table each time the parent's key is written or the parent is
/// deleted, and PostgreSQL each time a parent is deleted (erasure): the outbox's `referral_id` once made every
/// casework write read every message ever sent. The check reads the migrated schema itself, so a new table
/// with an unindexed key to a case fails here.
@Suite("Foreign keys to a case are indexed", .closesStores)
struct ForeignKeyIndexTests {
    static let caseTables: Set<String> = ["people", "referrals", "onward_referrals"]

    @Test("No unindexed key points at a person, a referral or a referral out", arguments: TestBackend.available.filter { $0 != .memory })
    func keysToCasesAreIndexed(backend: TestBackend) async throws {
        let store = try #require(try await backend.makeStore() as? SQLStore)
        let keys = try await Self.foreignKeys(store)
        // The schema has such keys (so the check below checks something).
        #expect(keys.filter { Self.caseTables.contains($0.parent) }.count >= 20)
        let unindexed = keys.filter { Self.caseTables.contains($0.parent) && !$0.indexed }.map { "\($0.table).\($0.column) → \($0.parent)" }
        #expect(unindexed.isEmpty, "unindexed: \(unindexed.sorted())")
    }

    /// Every single-column foreign key: the table, the column, the table it points at, and whether some index
    /// of the table starts with the column.
    static func foreignKeys(_ store: SQLStore) async throws -> [(table: String, column: String, parent: String, indexed: Bool)] {
        let flavor = store.flavor
        return try await store.execute { db in
            switch flavor {
            case .sqlite:
                var out: [(String, String, String, Bool)] = []
                let tables = try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                for table in tables {
                    var leading = Set<String>()
                    for index in try await db.raw("SELECT name FROM pragma_index_list(\(bind: table))").all() {
                        let name = try index.decode(column: "name", as: String.self)
                        if let first = try await db.raw("SELECT name FROM pragma_index_info(\(bind: name)) ORDER BY seqno LIMIT 1").first() {
                            leading.insert(try first.decode(column: "name", as: String.self))
                        }
                    }
                    for key in try await db.raw("SELECT \"table\" AS parent, \"from\" AS col FROM pragma_foreign_key_list(\(bind: table))").all() {
                        let column = try key.decode(column: "col", as: String.self)
                        out.append((table, column, try key.decode(column: "parent", as: String.self), leading.contains(column)))
                    }
                }
                return out
            case .postgres:
                return try await db.raw("""
                    SELECT c.conrelid::regclass::text AS child, a.attname AS col, c.confrelid::regclass::text AS parent,
                           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]) AS indexed
                    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                    WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
                    """).all().map {
                    (try $0.decode(column: "child", as: String.self), try $0.decode(column: "col", as: String.self),
                     try $0.decode(column: "parent", as: String.self), try $0.decode(column: "indexed", as: Bool.self))
                }
            }
        }
    }
}
