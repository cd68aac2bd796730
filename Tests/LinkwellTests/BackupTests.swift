import Foundation
import LinkwellCore
@testable import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// Backups taken while writes go on hold every write acknowledged before the backup began; a
/// restore checks the backup before it replaces anything.
@Suite("Backup and restore", .closesStores)
struct BackupTests {
    static let backends = TestBackend.available.filter { $0 != .memory }

    /// Referral ids in the order their writes were acknowledged.
    actor Acknowledged {
        var ids: [ReferralID] = []
        var stopped = false
        func add(_ id: ReferralID) { ids.append(id) }
        func stop() { stopped = true }
    }

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("A backup under write load, restored, has every write acknowledged before it began", arguments: backends)
    func backupUnderLoad(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let store = try #require(s.store as? SQLStore)
        let acknowledged = Acknowledged()
        let writers = (0..<3).map { w in
            Task {
                var n = 0
                while await !acknowledged.stopped {
                    n += 1
                    let id = try await s.casework.submitReferral(TestScheme.submission(givenName: "Writer\(w)x\(n)", nhsNumber: nil), by: Principal(s.referrer)).referral.id
                    await acknowledged.add(id)
                }
            }
        }
        while await acknowledged.ids.count < 15 { try await Task.sleep(for: .milliseconds(20)) }
        let before = await acknowledged.ids
        let dir = try folder()
        let path = dir + "/backup.\(backend == .postgres ? "dump" : "sqlite")"
        let manifest = try await store.backup(to: path)
        let afterBackup = await acknowledged.ids.count
        while await acknowledged.ids.count < afterBackup + 10 { try await Task.sleep(for: .milliseconds(10)) }
        await acknowledged.stop()
        for writer in writers { try await writer.value }
        let all = await acknowledged.ids
        #expect(manifest.rowCounts["referrals"].map { $0 >= before.count && $0 <= afterBackup } == true)
        #expect(manifest.schemaVersions == (try await store.appliedMigrations()))

        // Restore into the same database, replacing the later writes.
        let restored: SQLStore
        switch backend {
        case .sqlite:
            let file = try #require(store.connections as? SQLiteConnections).path
            try await store.shutdown()
            let (_, kept) = try await SQLStore.restoreSQLite(backup: path, into: file)
            #expect(kept != nil)
            restored = try await SQLStore.sqlite(path: file)
        default:
            let schema = try await store.connections.read { db in try await db.raw("SELECT current_schema() AS s").first()!.decode(column: "s", as: String.self) }
            try await store.shutdown()
            try await SQLStore.restorePostgres(backup: path, url: TestBackend.postgresURL!)
            restored = try SQLStore.postgres(url: TestBackend.postgresURL!, searchPath: [schema])
        }
        for id in before { #expect(try await restored.loadCase(id) != nil, "acknowledged write \(id) is in the backup") }
        let present = try await restored.referrals(ReferralQuery(limit: 100_000)).map(\.id)
        #expect(present.count == manifest.rowCounts["referrals"])
        #expect(!present.contains(all.last!), "the restore replaced writes made after the backup")
        #expect(try await restored.users().count == 9)
        // The counts the database keeps (`referral_tallies`) came back with the rows they count, and its triggers with
        // them: a referral made after the restore is counted.
        func countsMatchRows(_ step: String) async throws {
            #expect(try await restored.countReferrals(ReferralQuery()) == (try await restored.referrals(ReferralQuery(limit: 100_000)).count), "\(step)")
            for status in ReferralStatus.allCases {
                let query = ReferralQuery(statuses: [status], limit: 100_000)
                #expect(try await restored.countReferrals(query) == (try await restored.referrals(query).count), "\(step): \(status)")
            }
        }
        try await countsMatchRows("restored")
        _ = try await CaseworkService(store: restored, env: s.env).submitReferral(TestScheme.submission(givenName: "Restored", nhsNumber: nil), by: Principal(s.referrer))
        #expect(try await restored.countReferrals(ReferralQuery()) == present.count + 1)
        try await countsMatchRows("a referral made after the restore")
        try await restored.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test("A damaged or tampered SQLite backup is refused before anything is replaced")
    func damagedBackup() async throws {
        let s = try await TestScheme.make(.sqlite)
        let store = try #require(s.store as? SQLStore)
        _ = try await s.engagedReferral()
        let dir = try folder()
        let path = dir + "/b.sqlite"
        try await store.backup(to: path)
        let original = try await SQLStore.verifyBackup(path)
        #expect(original.rowCounts["referrals"] == 1)
        await #expect(throws: BackupError.self) { try await store.backup(to: path) }  // never overwritten

        // A changed byte: the checksum no longer matches.
        let damaged = dir + "/damaged.sqlite"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: damaged))
        try FileManager.default.copyItem(atPath: BackupManifest.path(for: path), toPath: BackupManifest.path(for: damaged))
        do { _ = try await SQLStore.verifyBackup(damaged); Issue.record("damaged backup accepted") } catch let e as BackupError {
            #expect(e.message.contains("does not match its manifest"))
        }
        // A manifest whose row counts disagree with the file (checksum re-made to match).
        var manifest = original
        manifest.rowCounts["referrals"] = 2
        try manifest.write(for: path)
        do { _ = try await SQLStore.verifyBackup(path); Issue.record("wrong row count accepted") } catch let e as BackupError {
            #expect(e.message.contains("Table referrals holds 1 rows; the manifest says 2"))
        }
        // A restore into a file a server is using is refused, and the file is untouched.
        try original.write(for: path)
        let target = dir + "/live.sqlite"
        try FileManager.default.copyItem(atPath: path, toPath: target)
        let lock = try SQLiteServerLock(databasePath: target)
        do { _ = try await SQLStore.restoreSQLite(backup: path, into: target); Issue.record("restore under a running server") } catch let e as BackupError {
            #expect(e.message.contains("Stop it before restoring"))
        }
        lock.release()
        try await store.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test("Scheduled backups keep the newest N")
    func rotation() async throws {
        let s = try await TestScheme.make(.sqlite)
        let store = try #require(s.store as? SQLStore)
        let dir = try folder()
        let rotation = BackupRotation(directory: dir, keep: 2)
        for minute in 0..<4 {
            _ = try await rotation.run(store, at: Date(timeIntervalSince1970: 1_780_000_000 + Double(minute) * 60))
        }
        let kept = try rotation.backups().map { ($0 as NSString).lastPathComponent }
        #expect(kept == ["linkwell-20260528T202840Z.sqlite", "linkwell-20260528T202940Z.sqlite"])
        for path in try rotation.backups() { _ = try await SQLStore.verifyBackup(path) }
        try await store.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
