import ArgumentParser
import Foundation
import LinkwellCore
import LinkwellStorage

/// `linkwell backup`: a consistent copy of the database while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database consistently while Linkwell runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump), with a manifest to verify it by.")

    @Option(help: "A SQLite file path or a postgres:// URL. Also read from LINKWELL_DATABASE.")
    var database: String = ProcessInfo.processInfo.environment["LINKWELL_DATABASE"] ?? "./linkwell.sqlite"
    @Option(help: "Write the backup to this file (it must not exist yet).") var output: String?
    @Option(help: "Write a time-stamped backup into this folder instead, keeping the newest --keep.") var directory: String?
    @Option(help: "With --directory: how many backups to keep.") var keep = 7

    func validate() throws {
        guard (output == nil) != (directory == nil) else { throw ValidationError("Give --output FILE or --directory DIR.") }
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1.") }
        guard database != "memory" else { throw ValidationError("An in-memory database cannot be backed up.") }
    }

    func run() async throws {
        // No migration: a backup copies the database exactly as it is.
        guard let store = try await StoreFactory.open(database) as? SQLStore else { throw ValidationError("Only SQLite and PostgreSQL can be backed up.") }
        do {
            if let output {
                let manifest = try await store.backup(to: output)
                print(BackupCommand.summary(output, manifest))
            } else if let directory {
                let (path, manifest, removed) = try await BackupRotation(directory: directory, keep: keep).run(store)
                print(BackupCommand.summary(path, manifest))
                for old in removed { print("Removed old backup \(old)") }
            }
            try await store.shutdown()
        } catch let error as BackupError {
            try? await store.shutdown()
            throw ExitWithMessage("Backup failed: \(error.message)")
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    static func summary(_ path: String, _ manifest: BackupManifest) -> String {
        let rows = manifest.rowCounts.values.reduce(0, +)
        return "Backed up to \(path): \(manifest.bytes) bytes, \(manifest.rowCounts.count) tables, \(rows) rows, schema version \(manifest.schemaVersions.max() ?? 0) (manifest \(BackupManifest.path(for: path)))."
    }
}

/// `linkwell restore`: verify a backup, then (unless --verify-only) put it in place of the database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Verify a backup (checksum, integrity, schema version, row counts), then replace the database with it. Stop the server first.")

    @Argument(help: "The backup file (its .manifest.json must be beside it).") var backup: String
    @Option(help: "The SQLite file or postgres:// URL to restore into. Also read from LINKWELL_DATABASE.")
    var database: String = ProcessInfo.processInfo.environment["LINKWELL_DATABASE"] ?? "./linkwell.sqlite"
    @Flag(help: "Only verify the backup; change nothing.") var verifyOnly = false

    func run() async throws {
        do {
            let manifest = try await SQLStore.verifyBackup(backup)
            let rows = manifest.rowCounts.values.reduce(0, +)
            print("Verified \(backup): made \(ISO8601DateFormatter().string(from: manifest.createdAt)), checksum matches, schema version \(manifest.schemaVersions.max() ?? 0), \(manifest.rowCounts.count) tables, \(rows) rows.")
            if verifyOnly { return }
            if StoreFactory.isSQLite(database) {
                let (_, keptAs) = try await SQLStore.restoreSQLite(backup: backup, into: database)
                print("Restored into \(database).\(keptAs.map { " The database it replaced is kept as \($0)." } ?? "")")
            } else if StoreFactory.isPostgres(database) {
                _ = try await SQLStore.restorePostgres(backup: backup, url: database)
                print("Restored into \(StoreFactory.describe(database)); every table's row count matched the manifest before it was committed.")
            } else {
                throw BackupError("Cannot restore into \(database).")
            }
            print("Start the server as usual; it applies any newer schema migrations itself.")
        } catch let error as BackupError {
            throw ExitWithMessage("Restore refused: \(error.message) Nothing was changed.")
        }
    }
}

/// A failure the administrator can act on: printed as `Error: <message>`, exit status 1.
struct ExitWithMessage: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// `linkwell retention`: report (dry run) or anonymise the records past the scheme's retention period.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Anonymise records kept past the scheme's retention period (a dry-run report unless --apply).")
    @OptionGroup var db: DatabaseOptions
    @Flag(help: "Anonymise what is due; without it, only report.") var apply = false

    func run() async throws {
        let report = try await db.with { try await RetentionService(store: $0, env: .live).run(dryRun: !apply) }
        guard let months = report.retentionMonths, let cutoff = report.cutoff else {
            print("No retention period is set (an administrator sets it in /admin/settings); nothing is due.")
            return
        }
        let day = ISO8601DateFormatter().string(from: cutoff).prefix(10)
        if report.dryRun {
            print("Retention period \(months) months: \(report.people) people (\(report.referrals) referrals) ended before \(day) and are due. Run with --apply to anonymise them.")
        } else {
            print("Retention period \(months) months: anonymised \(report.people) people (\(report.referrals) referrals) whose records ended before \(day).")
        }
    }
}
