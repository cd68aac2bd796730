import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// On SQLite, transactions waiting for the writer share one `COMMIT` (`SQLiteGroupCommit`). The promise, attacked
/// with many writers at once, some of whose work fails half-way and some of whose work breaks a constraint only the
/// `COMMIT` checks: every caller told its transaction is stored finds all of it stored, every caller told it failed
/// finds none of it, and each caller hears its own result. The same test runs on PostgreSQL, where each transaction
/// commits alone.
@Suite("Shared commits: each transaction whole or absent, as its caller was told", .closesStores)
struct GroupCommitTests {
    struct HalfDone: Error { let n: Int }
    enum Kind: CaseIterable { case good, throwsHalfway, breaksDeferredKey }

    /// The rows each writer writes, and a parent its rows point at (a key checked only at `COMMIT`).
    static func probeTables(_ store: SQLStore) async throws {
        try await store.execute { db in
            try await db.raw("CREATE TABLE commit_parent (id INTEGER PRIMARY KEY)").run()
            try await db.raw("""
                CREATE TABLE commit_probe (writer INTEGER NOT NULL, part INTEGER NOT NULL,
                    parent INTEGER REFERENCES commit_parent (id) DEFERRABLE INITIALLY DEFERRED, PRIMARY KEY (writer, part))
                """).run()
            try await db.raw("INSERT INTO commit_parent (id) VALUES (1)").run()
        }
    }

    @Test("48 writers at once, a third failing half-way and some breaking a deferred key: each told the truth", arguments: TestBackend.available.filter { $0 != .memory })
    func eachCallerToldTheTruth(backend: TestBackend) async throws {
        let store = try #require(try await backend.makeStore() as? SQLStore)
        try await Self.probeTables(store)
        for round in 0..<3 {
            let base = round * 1000
            let kinds = (0..<48).map { n in n % 3 == 1 ? Kind.throwsHalfway : (n % 16 == 5 ? .breaksDeferredKey : .good) }
            let told = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for (n, kind) in kinds.enumerated() {
                    let writer = base + n
                    group.addTask {
                        do {
                            let value = try await store.execute { db in
                                try await db.raw("INSERT INTO commit_probe (writer, part, parent) VALUES (\(bind: writer), 1, 1)").run()
                                for _ in 0..<3 { _ = try await db.raw("SELECT COUNT(*) AS n FROM commit_probe").all() }
                                if kind == .throwsHalfway { throw HalfDone(n: writer) }
                                // A parent that does not exist: refused only when the transaction commits.
                                let parent = kind == .breaksDeferredKey ? 999_999 : 1
                                try await db.raw("INSERT INTO commit_probe (writer, part, parent) VALUES (\(bind: writer), 2, \(bind: parent))").run()
                                return writer * 7
                            }
                            return (writer, .success(value))
                        } catch {
                            return (writer, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
            }
            let stored = try await store.execute { db in
                try await db.raw("SELECT writer, COUNT(*) AS n FROM commit_probe WHERE writer >= \(bind: base) AND writer < \(bind: base + 1000) GROUP BY writer").all()
                    .reduce(into: [Int: Int]()) { $0[try $1.decode(column: "writer", as: Int.self)] = try $1.decode(column: "n", as: Int.self) }
            }
            #expect(told.count == kinds.count, "every caller heard back")
            for (n, kind) in kinds.enumerated() {
                let writer = base + n
                switch told[writer] {
                case .success(let value):
                    #expect(kind == .good, "writer \(writer) (\(kind)) was told it succeeded")
                    #expect(value == writer * 7, "writer \(writer) heard another's result: \(value)")
                    #expect(stored[writer] == 2, "writer \(writer) was told it was stored, but \(stored[writer] ?? 0) of 2 rows are")
                case .failure(let error):
                    #expect(stored[writer] == nil, "writer \(writer) was told it failed, but \(stored[writer] ?? 0) rows are stored")
                    if kind == .throwsHalfway {
                        #expect((error as? HalfDone)?.n == writer, "writer \(writer) heard \(error), not its own error")
                    }
                case nil:
                    Issue.record("writer \(writer) never heard back")
                }
            }
            let goodStored = kinds.indices.filter { kinds[$0] == .good && stored[base + $0] == 2 }.count
            #expect(goodStored > 0, "round \(round): some good writers were stored")
        }
        // Writing goes on afterwards.
        try await store.execute { db in try await db.raw("INSERT INTO commit_probe (writer, part, parent) VALUES (-1, 1, 1)").run() }
    }

    /// A transaction with the writer to itself runs without a savepoint (`SQLiteGroupCommit`): its failure half-way, or
    /// at `COMMIT`, must still leave nothing of it, tell its caller its own error, and leave the writer ready.
    @Test("One writer at a time, each kind in turn: whole or absent, its own error, and the next write goes on", arguments: TestBackend.available.filter { $0 != .memory })
    func aloneEachCallerToldTheTruth(backend: TestBackend) async throws {
        let store = try #require(try await backend.makeStore() as? SQLStore)
        try await Self.probeTables(store)
        for (writer, kind) in (Kind.allCases + Kind.allCases.reversed()).enumerated() {
            let told: Result<Int, any Error>
            do {
                told = .success(try await store.execute { db in
                    // Enough rows that the transaction spans many pages, each statement after the first changing pages
                    // the transaction has changed already.
                    for part in 0..<50 {
                        try await db.raw("INSERT INTO commit_probe (writer, part, parent) VALUES (\(bind: writer), \(bind: part), 1)").run()
                    }
                    if kind == .throwsHalfway { throw HalfDone(n: writer) }
                    let parent = kind == .breaksDeferredKey ? 999_999 : 1
                    try await db.raw("INSERT INTO commit_probe (writer, part, parent) VALUES (\(bind: writer), 50, \(bind: parent))").run()
                    return writer * 7
                })
            } catch {
                told = .failure(error)
            }
            let stored = try await store.execute { db in
                try await db.raw("SELECT COUNT(*) AS n FROM commit_probe WHERE writer = \(bind: writer)").first()?.decode(column: "n", as: Int.self) ?? -1
            }
            switch (kind, told) {
            case (.good, .success(let value)):
                #expect(value == writer * 7)
                #expect(stored == 51, "writer \(writer) was told it was stored, but \(stored) of 51 rows are")
            case (.throwsHalfway, .failure(let error)):
                #expect((error as? HalfDone)?.n == writer, "writer \(writer) heard \(error), not its own error")
                #expect(stored == 0, "writer \(writer) failed half-way, but \(stored) rows are stored")
            case (.breaksDeferredKey, .failure):
                #expect(stored == 0, "writer \(writer) broke a key checked at COMMIT, but \(stored) rows are stored")
            default:
                Issue.record("writer \(writer) (\(kind)) was told \(told)")
            }
        }
    }
}
