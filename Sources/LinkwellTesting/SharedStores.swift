import Foundation
import LinkwellCore
import LinkwellStorage

extension TestBackend {
    /// Two handles on one new, migrated database, as two app instances sharing it would have (each SQL handle
    /// with its own connections); for memory, the one store twice.
    public func makeSharedStores(connectionsPerEventLoop: Int = 2) async throws -> (any LinkwellStore, any LinkwellStore) {
        switch self {
        case .memory:
            let store = MemoryStore()
            return (store, store)
        case .sqlite:
            let path = try await Self.copyOfMigratedSQLite()
            let first = try await open(at: path, connectionsPerEventLoop: connectionsPerEventLoop)
            try await Self.migrated(first)
            return (first, try await open(at: path, connectionsPerEventLoop: connectionsPerEventLoop))
        case .postgres:
            let schema = TestBackend.newPostgresSchema()
            let first = try await open(at: schema, connectionsPerEventLoop: connectionsPerEventLoop)
            try await Self.migrated(first)
            return (first, try await open(at: schema, connectionsPerEventLoop: connectionsPerEventLoop))
        }
    }
}
