import ArgumentParser
import Foundation
import Hummingbird
import LinkwellCore
import LinkwellPasswords
import LinkwellStorage
import LinkwellWeb
import Logging

/// `linkwell`: run and administer a Linkwell scheme.
public struct LinkwellCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "linkwell",
        abstract: "Linkwell: open software for running a social prescribing scheme.",
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, TokenCommand.self, OutcomesCommand.self, OutboxCommand.self, InsightCommand.self, DirectoryCommand.self, OrganisationsCommand.self, ExportCommand.self, BackupCommand.self, RestoreCommand.self, RetentionCommand.self],
        defaultSubcommand: Serve.self
    )
    public init() {}
}

/// Where the data lives: a SQLite file (the default), a `postgres://` URL, or `memory`.
public struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "A SQLite file path, a postgres:// URL, or 'memory'. Also read from LINKWELL_DATABASE.")
    public var database: String = ProcessInfo.processInfo.environment["LINKWELL_DATABASE"] ?? "./linkwell.sqlite"

    public init() {}

    /// Opens the store, brings its schema up to date, runs `body`, and always closes the store.
    public func with<T>(_ body: (any LinkwellStore) async throws -> T) async throws -> T {
        let store = try await StoreFactory.open(database)
        do {
            try await store.migrate()
            let result = try await body(store)
            try await store.shutdown()
            return result
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web application and the API.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @OptionGroup var db: DatabaseOptions
    @Flag(help: "Seed the fictional demo scheme first (if the database has no demo data yet).") var demo = false
    @Flag(help: "Mark cookies Secure (set this when Linkwell is served over HTTPS).") var secureCookies = false
    @Flag(help: "Also offer a right-to-left test language (English text, laid out right to left), for testing layouts; never for a live scheme.")
    var testRightToLeft = false
    @Option(help: "Unsuccessful contact attempts after which a case becomes 'unable to contact'.") var contactAttempts = 3
    @Option(help: "People a link worker may take on in a year before the supervisor is warned.") var caseloadLimit = 250
    @Option(help: "Directory listings not verified for this many months are flagged for review.") var directoryFreshnessMonths = 12
    @OptionGroup var mail: MailOptions
    @Option(help: "Proxies (addresses or CIDR networks, comma-separated, e.g. 10.0.0.1,10.0.0.0/8) whose X-Forwarded-For names the client for rate limits. Also read from LINKWELL_TRUSTED_PROXIES. Default: none, the connection's address is used.")
    var trustedProxies: String?

    /// The flag, else the environment variable.
    func proxies() throws -> TrustedProxies {
        let list = trustedProxies ?? ProcessInfo.processInfo.environment["LINKWELL_TRUSTED_PROXIES"] ?? ""
        switch TrustedProxies.parse(list) {
        case .success(let proxies): return proxies
        case .failure(let problem): throw ValidationError("--trusted-proxies: \(problem.message)")
        }
    }

    @Option(help: "Take backups into this folder while serving (SQLite or PostgreSQL).") var backupDirectory: String?
    @Option(help: "How often to back up with --backup-directory: minutes, or with a unit (90m, 24h, 7d).") var backupEvery = "24h"
    @Option(help: "How many scheduled backups to keep.") var backupKeep = 7
    @Option(help: "Close a connection idle (or still sending its request headers) for this many seconds.") var idleTimeout = 30
    @Option(help: "Refuse (408) a request whose body has not fully arrived after this many seconds.") var bodyTimeout = 30
    @Option(help: "Largest request body in bytes (the directory import API allows 50 MB).") var maxBodyBytes = 1_048_576
    @Option(help: "Connections served at once; more wait until one closes.") var maxConnections = 512
    @Option(help: "/readyz reports not ready when more e-mails than this are queued.") var readyOutboxThreshold = 1000
    @Option(help: "Log format: json (one object per line, for log shippers) or text.") var logFormat = "json"
    @Option(help: "Read settings from this file: one 'option = value' per line, e.g. 'port = 8080' (command-line options and LINKWELL_* environment variables win).") var config: String?

    func validate() throws {
        _ = try proxies()

        guard (1...3600).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be from 1 to 3600 seconds.") }
        guard (1...3600).contains(bodyTimeout) else { throw ValidationError("--body-timeout must be from 1 to 3600 seconds.") }
        guard (1024...100_000_000).contains(maxBodyBytes) else { throw ValidationError("--max-body-bytes must be from 1024 to 100000000.") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be from 1 to 100000.") }
        guard readyOutboxThreshold >= 0 else { throw ValidationError("--ready-outbox-threshold must not be negative.") }
        guard ["json", "text"].contains(logFormat) else { throw ValidationError("--log-format must be json or text.") }
        if backupDirectory != nil {
            guard let minutes = Self.minutes(backupEvery), minutes >= 1 else { throw ValidationError("--backup-every must be like 90m, 24h or 7d.") }
            _ = minutes
            guard backupKeep >= 1 else { throw ValidationError("--backup-keep must be at least 1.") }
            guard db.database != "memory" else { throw ValidationError("An in-memory database cannot be backed up.") }
        }
        guard (1...20).contains(contactAttempts) else { throw ValidationError("--contact-attempts must be from 1 to 20.") }
        guard (1...120).contains(directoryFreshnessMonths) else { throw ValidationError("--directory-freshness-months must be from 1 to 120.") }
        guard (1...2000).contains(caseloadLimit) else { throw ValidationError("--caseload-limit must be from 1 to 2000.") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be from 1 to 65535.") }
    }

    func run() async throws {
        if logFormat == "json" { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        var logger = Logger(label: "linkwell")
        logger.logLevel = .info
        // One server per SQLite file: a second one is refused before it touches the database.
        let serverLock: SQLiteServerLock?
        do {
            serverLock = StoreFactory.isSQLite(db.database) ? try SQLiteServerLock(databasePath: db.database) : nil
        } catch let busy as SQLiteServerLock.Busy {
            FileHandle.standardError.write(Data((busy.message + "\n").utf8))
            throw ExitCode(3)
        }
        defer { serverLock?.release() }
        try await db.with { store in
            try await InsightService.backfillFacts(store)
            if demo {
                print("Preparing the demo scheme…")
                print(try await DemoScheme.seed(into: store).summary)
            }
            var configuration = WebConfiguration(host: host, port: port, secureCookies: secureCookies,
                                                 rules: CaseworkRules(maxContactAttempts: contactAttempts, yearlyCaseloadLimit: caseloadLimit))
            configuration.mail = mail.setting
            configuration.directoryFreshnessMonths = directoryFreshnessMonths
            configuration.trustedProxies = try proxies()
            configuration.publicURL = mail.publicURL
            configuration.readyOutboxThreshold = readyOutboxThreshold
            configuration.logRequests = true
            configuration.testRightToLeft = testRightToLeft
            configuration.limits.idleTimeout = .seconds(idleTimeout)
            configuration.limits.bodyTimeout = .seconds(bodyTimeout)
            configuration.limits.maxBodyBytes = maxBodyBytes
            configuration.limits.maxConnections = maxConnections
            configuration.outbox = mail.policy(defaultURL: configuration.linkBase)
            if let backupDirectory, let minutes = Self.minutes(backupEvery) {
                configuration.backups = BackupSchedule(directory: backupDirectory, interval: .seconds(minutes * 60), keep: backupKeep)
            }
            let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
            print("Linkwell is running at http://\(host):\(port)/ (database: \(StoreFactory.describe(db.database)))")
            // Redirected output is block-buffered: flush, so that the demo logins and the address reach a log
            // file or collector now, not when the server stops.
            fflush(nil)
            try await app.runService()
        }
    }
}

extension Serve {
    /// "90m", "24h", "7d" or a plain number of minutes.
    static func minutes(_ text: String) -> Int? {
        let units: [Character: Int] = ["m": 1, "h": 60, "d": 1440]
        if let unit = text.last, let factor = units[unit] { return Int(text.dropLast()).map { $0 * factor } }
        return Int(text)
    }
}

/// Where e-mail notifications go; shared by `serve` and `outbox send`.
struct MailOptions: ParsableArguments {
    @Option(help: "Deliver e-mail notifications into this Maildir (for a local mail system to pick up).") var maildir: String?
    @Option(help: "Deliver e-mail notifications to this SMTP relay, smtp://host:port.") var smtp: String?
    @Option(help: "Sender address of e-mail notifications.") var mailFrom = "linkwell@localhost"
    @Option(help: "The address people use to reach Linkwell (e.g. https://linkwell.example.org), for every link it makes in e-mails and pages (default: the listening address).") var publicURL: String?

    func validate() throws {
        guard maildir == nil || smtp == nil else { throw ValidationError("Give --maildir or --smtp, not both.") }
        if let smtp, URLComponents(string: smtp)?.scheme != "smtp" { throw ValidationError("--smtp must look like smtp://host:port.") }
        if let publicURL, !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            throw ValidationError("--public-url must start with http:// or https://.")
        }
    }

    var setting: MailSetting {
        if let maildir { return .maildir(maildir) }
        if let smtp { return .smtp(smtp) }
        return .off
    }

    func policy(defaultURL: String) -> OutboxPolicy {
        OutboxPolicy(from: mailFrom, publicURL: publicURL ?? defaultURL)
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "The e-mail outbox of messages back.",
                                                    subcommands: [Send.self])

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send every due e-mail once, then stop (for a scheduler; `serve` does this by itself).")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var mail: MailOptions

        func validate() throws {
            guard mail.setting != .off else { throw ValidationError("Give --maildir or --smtp.") }
        }

        func run() async throws {
            let (sent, retrying, failed) = try await db.with { store in
                try await sendOutbox(store: store, mail: mail.setting, policy: mail.policy(defaultURL: "http://127.0.0.1:8080"))
            }
            print("Sent \(sent), to retry \(retrying), failed \(failed).")
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        try await db.with { try await InsightService.backfillFacts($0) }
        print("Database schema is up to date (\(StoreFactory.describe(db.database))).")
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Seed a realistic fictional scheme and print its logins.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        print(try await db.with { try await DemoScheme.seed(into: $0) }.summary)
    }
}
