import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// SQLite's write-ahead log is copied into the database file in the background, not inside the commit that fills
/// it (`SQLiteConnections.checkpoint`). The promise that must survive: under writes that never pause, with readers
/// holding snapshots in between, the log stays bounded (a log copied only up to a moving end never restarts and
/// grows without limit), and every committed row is in the database.
@Suite("The write-ahead log stays bounded under continuous writes", .closesStores)
struct WriteAheadLogTests {
    /// 1,600 writes of 16 KB: 26 MB through the log, six times the 4 MB at which a checkpoint starts.
    static let writes = 1_600
    static let blobBytes = 16 * 1024

    @Test("Eight writers and four readers without a pause: the log never passes three checkpoints' worth, and nothing is lost")
    func logStaysBounded() async throws {
        let path = temporarySQLitePath("lw-wal")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        try await store.migrate()
        try await store.execute { db in
            try await db.raw("CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").run()
        }
        func walBytes() -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
        }
        let largest = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var largest = 0
                    for n in stride(from: writer, to: Self.writes, by: 8) {
                        let body = Data(repeating: UInt8(n % 251), count: Self.blobBytes)
                        try await store.execute { db in try await db.raw("INSERT INTO wal_probe (id, body) VALUES (\(bind: n), \(bind: body))").run() }
                        largest = max(largest, walBytes())
                    }
                    return largest
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    // Readers on the read connections, each read a snapshot the checkpoint must not copy past.
                    for _ in 0..<200 { _ = try await store.countReferrals(ReferralQuery()) }
                    return 0
                }
            }
            return try await group.reduce(0, max)
        }
        let limit = 3 * 1000 * 4096
        #expect(largest > 0, "the store writes through a log")
        #expect(largest < limit, "the log reached \(largest / 1024) KB, over \(limit / 1024) KB")
        let stored = try await store.execute { db in
            try await db.raw("SELECT COUNT(*) AS n, SUM(length(body)) AS bytes, SUM(id) AS ids FROM wal_probe").first()
        }
        #expect(try stored?.decode(column: "n", as: Int.self) == Self.writes)
        #expect(try stored?.decode(column: "bytes", as: Int.self) == Self.writes * Self.blobBytes)
        #expect(try stored?.decode(column: "ids", as: Int.self) == (0..<Self.writes).reduce(0, +))
    }
}
