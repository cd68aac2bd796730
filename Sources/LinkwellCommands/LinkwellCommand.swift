import ArgumentParser
import Foundation
import Hummingbird
import LinkwellCore
import LinkwellStorage
import LinkwellWeb
import Logging

/// `linkwell`: run and administer a Linkwell scheme.
public struct LinkwellCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "linkwell",
        abstract: "Linkwell: open software for running a social prescribing scheme.",
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, TokenCommand.self, OutcomesCommand.self, OutboxCommand.self, InsightCommand.self, DirectoryCommand.self],
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
    @Option(help: "Unsuccessful contact attempts after which a case becomes 'unable to contact'.") var contactAttempts = 3
    @Option(help: "People a link worker may take on in a year before the supervisor is warned.") var caseloadLimit = 250
    @Option(help: "Directory listings not verified for this many months are flagged for review.") var directoryFreshnessMonths = 12
    @OptionGroup var mail: MailOptions

    func validate() throws {
        guard (1...20).contains(contactAttempts) else { throw ValidationError("--contact-attempts must be from 1 to 20.") }
        guard (1...120).contains(directoryFreshnessMonths) else { throw ValidationError("--directory-freshness-months must be from 1 to 120.") }
        guard (1...2000).contains(caseloadLimit) else { throw ValidationError("--caseload-limit must be from 1 to 2000.") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be from 1 to 65535.") }
    }

    func run() async throws {
        var logger = Logger(label: "linkwell")
        logger.logLevel = .info
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
            configuration.outbox = mail.policy(defaultURL: "http://\(host):\(port)")
            let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
            print("Linkwell is running at http://\(host):\(port)/ (database: \(StoreFactory.describe(db.database)))")
            try await app.runService()
        }
    }
}

/// Where e-mail notifications go; shared by `serve` and `outbox send`.
struct MailOptions: ParsableArguments {
    @Option(help: "Deliver e-mail notifications into this Maildir (for a local mail system to pick up).") var maildir: String?
    @Option(help: "Deliver e-mail notifications to this SMTP relay, smtp://host:port.") var smtp: String?
    @Option(help: "Sender address of e-mail notifications.") var mailFrom = "linkwell@localhost"
    @Option(help: "The address people use to reach Linkwell, for links in e-mails (default: the listening address).") var publicURL: String?

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

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user. The password is read from standard input unless --password is given.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email address (the sign-in name).") var email: String
        @Option(help: "Full name.") var name: String
        @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(help: "Organisation id (required for providers).") var organisation: String?
        @Option(help: "For a person's own account: the id of the person whose record it opens.") var person: String?
        @Option(help: "Password (at least 12 characters). Prefer standard input, which keeps it out of shell history.") var password: String?

        func run() async throws {
            let secret = password ?? readLine(strippingNewline: true) ?? ""
            do {
                let user = try await db.with { store in
                    try await Accounts(store: store, env: .live, configuration: WebConfiguration())
                        .createUser(email: email, displayName: name, role: role, organisationID: organisation, password: secret, personID: person)
                }
                print("Created \(user.role.label.lowercased()) \(user.email) (id \(user.id)).")
            } catch LinkwellError.invalid(let errors) {
                throw ValidationError(errors.map { "\($0.field): \($0.message)" }.joined(separator: "\n"))
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bearer token for an integration; it is printed once.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email of the user the token acts as.") var email: String
        @Option(help: "What the token is for, e.g. 'practice system'.") var name: String

        func run() async throws {
            do {
                let token = try await db.with { store in
                    try await Accounts(store: store, env: .live, configuration: WebConfiguration()).createToken(email: email, name: name)
                }
                print(token)
            } catch LinkwellError.invalid(let errors) {
                throw ValidationError(errors.map { "\($0.field): \($0.message)" }.joined(separator: "\n"))
            }
        }
    }
}
