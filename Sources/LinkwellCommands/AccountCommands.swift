import ArgumentParser
import Foundation
import LinkwellCore
import LinkwellPasswords

/// The accounts service as the command line uses it: real bcrypt, the shipped password list.
func commandLineAccounts(_ store: any LinkwellStore) -> Accounts {
    Accounts(store: store, env: .live, hasher: BcryptPasswordHasher(), passwords: ShippedPasswordPolicy.standard)
}

/// The command line acts as an administrator; the audit trail names it `cli`.
let commandLine = CaseworkService.Request(
    Principal(userID: UserID("cli"), role: .admin, organisationID: nil, displayName: "linkwell command line"), route: "cli")

/// Runs an accounts change, turning field errors and conflicts into the command's own error message.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch LinkwellError.invalid(let errors) {
        throw ValidationError(errors.map { "\($0.field): \($0.message)" }.joined(separator: "\n"))
    } catch LinkwellError.conflict(let why) {
        throw ValidationError(why.message)
    } catch LinkwellError.notFound(let what) {
        throw ValidationError("No such \(what).")
    }
}

/// Finds a user by e-mail for the commands.
func userID(email: String, _ store: any LinkwellStore) async throws -> String {
    guard let user = try await store.user(email: email) else { throw ValidationError("No user has the email \(email).") }
    return user.id.rawValue
}

/// `--handover`: 'supervisors', or the email of the link worker who takes the open referrals.
func handoverOption(_ raw: String?, _ store: any LinkwellStore) async throws -> Accounts.Handover {
    guard let raw else { return .none }
    if raw == "supervisors" { return .supervisors }
    return .linkWorker(UserID(try await userID(email: raw, store)))
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.",
                                                    subcommands: [Create.self, Deactivate.self, Reactivate.self, Role.self, Unlock.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user. The password is read from standard input unless --password is given.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email address (the sign-in name).") var email: String
        @Option(help: "Full name.") var name: String
        @Option(help: "One of: \(LinkwellCore.Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(help: "Organisation id (required for providers).") var organisation: String?
        @Option(help: "For a person's own account: the id of the person whose record it opens.") var person: String?
        @Option(help: "Password (at least 12 characters, not a common one). Prefer standard input, which keeps it out of shell history.") var password: String?

        func run() async throws {
            let secret = password ?? readLine(strippingNewline: true) ?? ""
            let user = try await reportingErrors {
                try await db.with { store in
                    try await commandLineAccounts(store)
                        .createUser(email: email, displayName: name, role: role, organisationID: organisation, password: secret, personID: person)
                }
            }
            print("Created \(user.role.label.lowercased()) \(user.email) (id \(user.id)).")
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deactivate a user who has left: their sessions and API tokens end at once.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The user's email.") var email: String
        @Option(help: "Where a link worker's open referrals go: 'supervisors', or another link worker's email.") var handover: String?

        func run() async throws {
            try await reportingErrors {
                try await db.with { store in
                    let handover = try await handoverOption(handover, store)
                    _ = try await commandLineAccounts(store).deactivate(try await userID(email: email, store), handover: handover, commandLine)
                }
            }
            print("Deactivated \(email).")
        }
    }

    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a deactivated user sign in again.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The user's email.") var email: String

        func run() async throws {
            try await reportingErrors {
                try await db.with { store in _ = try await commandLineAccounts(store).reactivate(try await userID(email: email, store), commandLine) }
            }
            print("Reactivated \(email).")
        }
    }

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's role (they are signed out).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The user's email.") var email: String
        @Option(name: .customLong("to"), help: "The new role.") var role: String
        @Option(help: "Organisation id (for a new provider).") var organisation: String?
        @Option(help: "Where a link worker's open referrals go: 'supervisors', or another link worker's email.") var handover: String?

        func run() async throws {
            let user = try await reportingErrors {
                try await db.with { store in
                    let handover = try await handoverOption(handover, store)
                    return try await commandLineAccounts(store).changeRole(try await userID(email: email, store), to: role, organisationID: organisation,
                                                                           handover: handover, commandLine)
                }
            }
            print("\(user.email) is now: \(user.role.label.lowercased()).")
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a lockout after failed sign-ins.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The user's email.") var email: String

        func run() async throws {
            try await reportingErrors {
                try await db.with { store in try await commandLineAccounts(store).unlock(try await userID(email: email, store), commandLine) }
            }
            print("Unlocked \(email).")
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bearer token for an integration; it is printed once.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email of the user the token acts as (its owner).") var email: String
        @Option(name: [.customLong("purpose"), .customLong("name")], help: "What the token is for, e.g. 'practice system'.") var purpose: String
        @Option(help: "Days until it expires (1–366).") var days = Accounts.defaultTokenLifetimeDays

        func run() async throws {
            let (token, _) = try await reportingErrors {
                try await db.with { store in try await commandLineAccounts(store).createToken(email: email, purpose: purpose, days: days) }
            }
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every token: id, owner, purpose, expiry, last use, state.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let rows = try await db.with { store in try await commandLineAccounts(store).tokens(commandLine) }
            let now = Date()
            let day = Date.ISO8601FormatStyle().year().month().day()
            print(["id", "owner", "purpose", "created", "expires", "last used", "state"].joined(separator: "\t"))
            for (token, owner) in rows {
                let state = token.revoked ? "revoked" : token.expiresAt <= now ? "expired" : "active"
                print([token.id, owner?.email ?? "?", token.name, token.createdAt.formatted(day), token.expiresAt.formatted(day),
                       token.lastUsedAt.map { $0.formatted(.iso8601) } ?? "never", state].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The token's id (from `linkwell token list`).") var id: String

        func run() async throws {
            try await reportingErrors { try await db.with { store in try await commandLineAccounts(store).revokeToken(id: id, commandLine) } }
            print("Revoked \(id).")
        }
    }
}
