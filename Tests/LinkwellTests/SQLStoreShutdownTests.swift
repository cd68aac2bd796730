import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// A store is shut down once, however many ask at once: a test and its scope (`ClosesStores`) both shut stores down,
/// and two closes of SQLite's connections at once freed their memory twice — the whole test process aborted (CI,
/// stop 41: signal 6).
@Suite("Shutting a store down", .closesStores)
struct SQLStoreShutdownTests {
    @Test("32 shutdowns of one store at once, beside reads and writes in flight: every one returns, nothing crashes or hangs, and the store then refuses work with an error",
          arguments: TestBackend.available.filter { $0 != .memory })
    func concurrentShutdowns(backend: TestBackend) async throws {
        // Rounds, since which close reaches a connection first is a matter of timing.
        for _ in 0..<3 {
            let s = try await TestScheme.make(backend)
            let reads = [ReferralID("none-1"), ReferralID("none-2")]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<8 {
                    // Reads and writes beside the closing may succeed or be refused; they must return.
                    group.addTask { _ = try? await s.store.loadCase(reads[round % 2]) }
                    group.addTask { _ = try? await s.store.loadCases(reads) }
                    group.addTask { try? await s.store.saveSchemeSettings(SchemeSettings()) }
                }
                for _ in 0..<32 { group.addTask { try await s.store.shutdown() } }
                try await group.waitForAll()
            }
            // Shut down: a read or a write is refused, not left waiting for a connection that will never come back.
            await #expect(throws: (any Error).self) { _ = try await s.store.loadCase(reads[0]) }
            await #expect(throws: (any Error).self) { try await s.store.saveSchemeSettings(SchemeSettings()) }
            // And a later shutdown still returns.
            try await s.store.shutdown()
        }
    }
}
