import Foundation
import LinkwellWeb

/// Every `serve` option may also come from the environment (`LINKWELL_PUBLIC_URL` for
/// `--public-url`) or a settings file (`--config FILE` or `LINKWELL_CONFIG`, lines of
/// `public-url = https://…`). The command line wins over the environment, which wins over the file.
/// This turns the environment and the file into command-line arguments before parsing, so each
/// value is validated by the same code however it was given.
public enum ServeSettings {
    /// Options that take a value (without `--`), as `Serve` declares them.
    static let options = ["host", "port", "database", "contact-attempts", "caseload-limit", "directory-freshness-months",
                          "maildir", "smtp", "mail-from", "public-url", "backup-directory", "backup-every", "backup-keep",
                          "idle-timeout", "body-timeout", "max-body-bytes", "max-connections", "ready-outbox-threshold", "log-format",
                          "trusted-proxies"]
    /// On/off flags.
    static let flags = ["demo", "secure-cookies", "test-right-to-left"]

    /// The environment variable for an option: `public-url` → `LINKWELL_PUBLIC_URL`.
    static func variable(_ option: String) -> String { "LINKWELL_" + option.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The arguments `serve` is parsed from: those given, then any option not given taken from the
    /// environment, then from the settings file. Other commands' arguments are returned unchanged.
    public static func arguments(_ given: [String], environment: [String: String]) throws -> [String] {
        guard serves(given) else { return given }
        var result = given
        let named = Set(given.compactMap { argument -> String? in
            guard argument.hasPrefix("--") else { return nil }
            return String(argument.dropFirst(2).split(separator: "=", maxSplits: 1).first ?? "")
        })
        var file: [String: String] = [:]
        let configPath = value(of: "config", in: given) ?? environment["LINKWELL_CONFIG"]
        if let configPath { file = try read(configPath) }
        for option in options where !named.contains(option) {
            // LINKWELL_DATABASE has always been read by --database's default; it stays that way.
            if let value = environment[variable(option)], option != "database" { result += ["--\(option)", value] }
            else if let value = file[option] { result += ["--\(option)", value] }
        }
        for flag in flags where !named.contains(flag) {
            let raw = environment[variable(flag)] ?? file[flag]
            if let raw, ["1", "true", "yes", "on"].contains(raw.lowercased()) { result.append("--\(flag)") }
        }
        return result
    }

    /// Whether these arguments run `serve` (named, or the default command), not another command or help.
    static func serves(_ given: [String]) -> Bool {
        let subcommands = LinkwellCommand.configuration.subcommands.map { $0._commandName }.filter { $0 != "serve" } + ["help"]
        guard let first = given.first else { return true }
        return !(subcommands.contains(first) || first == "--help" || first == "-h")
    }

    /// The database `serve` opens with these arguments (completed by `arguments`); nil for another command.
    static func servedDatabase(_ arguments: [String], environment: [String: String]) -> String? {
        guard serves(arguments) else { return nil }
        return value(of: "database", in: arguments) ?? environment["LINKWELL_DATABASE"]
    }

    /// The value given for `--option` (as `--option value` or `--option=value`), if any.
    public static func value(of option: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--\(option)", index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--\(option)=") { return String(argument.dropFirst(option.count + 3)) }
        }
        return nil
    }

    /// `option = value` lines; `#` starts a comment; unknown options are refused by name.
    static func read(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SettingsError("Cannot read the settings file \(path).") }
        var values: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, options.contains(parts[0]) || flags.contains(parts[0]) else {
                throw SettingsError("\(path) line \(number + 1): expected 'option = value' with one of: \((options + flags).joined(separator: ", ")).")
            }
            values[parts[0]] = parts[1]
        }
        return values
    }
}

/// A settings file that cannot be used; the message names the file and line.
struct SettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension LinkwellCommand {
    /// Chooses where the server's tasks run from its database (`ServerExecutor`). The entry calls it first, before any
    /// task starts; settings it cannot read are left for `mainWithSettings` to report.
    public static func chooseExecutor() {
        let environment = ProcessInfo.processInfo.environment
        guard let arguments = try? ServeSettings.arguments(Array(CommandLine.arguments.dropFirst()), environment: environment) else { return }
        ServerExecutor.useEventLoops(forDatabase: ServeSettings.servedDatabase(arguments, environment: environment))
    }

    /// Runs the command line, with `serve`'s settings completed from the environment and settings file.
    public static func mainWithSettings() async {
        do {
            let arguments = try ServeSettings.arguments(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
            await main(arguments)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            Foundation.exit(64)
        }
    }
}
