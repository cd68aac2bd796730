import Foundation
import LinkwellCore
import LinkwellStorage

extension TestBackend {
    /// Two handles on one new, migrated database, as two app instances sharing it would have (each SQL handle
    /// with its own connections); for memory, the one store twice.
    public func makeSharedStores() async throws -> (any LinkwellStore, any LinkwellStore) {
        switch self {
        case .memory:
            let store = MemoryStore()
            return (store, store)
        case .sqlite:
            let path = testDatabaseFolder.appendingPathComponent("\(UUID().uuidString).sqlite").path
            let first = try await SQLStore.sqlite(path: path)
            try await first.migrate()
            return (first, try await SQLStore.sqlite(path: path))
        case .postgres:
            let schema = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let first = try await SQLStore.postgres(url: Self.postgresURL!, schema: String(schema))
            try await first.migrate()
            return (first, try await SQLStore.postgres(url: Self.postgresURL!, schema: String(schema)))
        }
    }
}
