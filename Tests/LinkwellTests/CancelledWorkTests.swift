import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// A task cancelled in the middle of a transaction — a client that hangs up, a background job stopped — must
/// leave the store as it was or with the whole change, and the connection ready for the next one. SQLite's
/// statements run on a thread pool that skips the work of a cancelled task, ROLLBACK included: a write
/// cancelled between BEGIN and COMMIT once left the one writer connection inside its transaction, and every
/// write after it failed until the server restarted (CI, stop 31: a directory import's progress saver was
/// stopped mid-save, and no one could sign in).
@Suite("Cancelled work leaves the store whole and usable", .closesStores)
struct CancelledWorkTests {
    static let rounds = 40

    @Test("Writes cancelled at random moments: each change whole or absent, and writing goes on", arguments: TestBackend.available.filter { $0 != .memory })
    func cancelledWrites(backend: TestBackend) async throws {
        let store = try #require(try await backend.makeStore() as? SQLStore)
        try await store.execute { db in
            try await db.raw("CREATE TABLE cancel_probe (round_no INTEGER NOT NULL, part INTEGER NOT NULL, PRIMARY KEY (round_no, part))").run()
        }
        var generator = SystemRandomNumberGenerator()
        for round in 0..<Self.rounds {
            let task = Task {
                try await store.execute { db in
                    try await db.raw("INSERT INTO cancel_probe (round_no, part) VALUES (\(bind: round), 1)").run()
                    // Statements and suspension points between the two halves, where a cancellation can land.
                    for _ in 0..<5 { _ = try await db.raw("SELECT COUNT(*) AS n FROM cancel_probe").all() }
                    try await Task.sleep(for: .milliseconds(2))
                    try await db.raw("INSERT INTO cancel_probe (round_no, part) VALUES (\(bind: round), 2)").run()
                }
            }
            // Cancelled before it starts, while it runs, or after it has finished.
            try await Task.sleep(for: .microseconds(Int.random(in: 0...4_000, using: &generator)))
            task.cancel()
            _ = try? await task.value
        }
        // Writing goes on: a transaction of its own commits.
        try await store.execute { db in try await db.raw("INSERT INTO cancel_probe (round_no, part) VALUES (-1, 1)").run() }
        let parts = try await store.execute { db in
            try await db.raw("SELECT round_no, COUNT(*) AS n FROM cancel_probe GROUP BY round_no").all()
                .map { (try $0.decode(column: "round_no", as: Int.self), try $0.decode(column: "n", as: Int.self)) }
        }
        #expect(parts.contains { $0.0 == -1 && $0.1 == 1 })
        let halves = parts.filter { $0.0 >= 0 && $0.1 != 2 }
        #expect(halves.isEmpty, "rounds with half a change: \(halves)")
        // Casework goes on through the real write path: a scheme is set up, a referral made, accepted and engaged.
        let scheme = try await TestScheme.make(store: store)
        #expect(try await store.loadCase(try await scheme.engagedReferral())?.referral.status == .engaged)
    }

    @Test("Reads cancelled at random moments leave every reader usable", arguments: TestBackend.available.filter { $0 != .memory })
    func cancelledReads(backend: TestBackend) async throws {
        let store = try #require(try await backend.makeStore() as? SQLStore)
        let id = try await TestScheme.make(store: store).engagedReferral()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<Self.rounds {
            let tasks = (0..<4).map { _ in Task { try await store.loadCase(id) } }
            try await Task.sleep(for: .microseconds(Int.random(in: 0...2_000, using: &generator)))
            tasks.forEach { $0.cancel() }
            for task in tasks { _ = try? await task.value }
        }
        // More reads at once than there are reader connections: each of them answers.
        let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<12 { group.addTask { try await store.loadCase(id) != nil } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers == Array(repeating: true, count: 12))
    }
}
