import Foundation
@testable import LinkwellCommands
import LinkwellWeb
import Testing

/// `serve` settings from the command line, the environment and a settings file.
@Suite("Serve settings")
struct SettingsTests {
    @Test("Every serve option can come from the environment or the file; the command line wins")
    func precedence() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-\(UUID().uuidString).conf")
        try "port = 9001\npublic-url = https://file.example\nsecure-cookies = true\n# a comment\n".write(to: file, atomically: true, encoding: .utf8)
        let env = ["LINKWELL_CONFIG": file.path, "LINKWELL_PUBLIC_URL": "https://env.example", "LINKWELL_IDLE_TIMEOUT": "12"]
        let args = try ServeSettings.arguments(["serve", "--port", "9002"], environment: env)
        #expect(args.starts(with: ["serve", "--port", "9002"]))
        #expect(ServeSettings.value(of: "public-url", in: args) == "https://env.example")
        #expect(ServeSettings.value(of: "idle-timeout", in: args) == "12")
        #expect(args.contains("--secure-cookies"))
        #expect(args.filter { $0 == "--port" }.count == 1)
        let parsed = try Serve.parse(Array(args.dropFirst()))
        #expect(parsed.port == 9002 && parsed.idleTimeout == 12 && parsed.secureCookies && parsed.mail.publicURL == "https://env.example")
        // Other commands are left alone.
        #expect(try ServeSettings.arguments(["backup", "--output", "x"], environment: env) == ["backup", "--output", "x"])
        try? FileManager.default.removeItem(at: file)
    }

    @Test("The executor is chosen from the database serve will open, however it was given, and only for serve")
    func executorChoice() throws {
        let url = "postgres://u@db.example/linkwell"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-\(UUID().uuidString).conf")
        try "database = \(url)\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        func served(_ given: [String], _ environment: [String: String] = [:]) throws -> String? {
            ServeSettings.servedDatabase(try ServeSettings.arguments(given, environment: environment), environment: environment)
        }
        #expect(try served(["serve", "--database", url]) == url)
        #expect(try served(["--database=\(url)"]) == url, "serve is the command when none is named")
        #expect(try served([], ["LINKWELL_DATABASE": url]) == url)
        #expect(try served(["serve"], ["LINKWELL_CONFIG": file.path]) == url)
        #expect(try served(["serve", "--database", "./here.sqlite"], ["LINKWELL_DATABASE": url]) == "./here.sqlite", "the command line wins")
        #expect(try served([]) == nil, "SQLite's default file")
        #expect(try served(["backup", "--database", url, "--output", "x"]) == nil, "another command runs no server")
        #expect(try served(["--help"], ["LINKWELL_DATABASE": url]) == nil)
        // Not PostgreSQL: Swift's own pool stays the executor (a PostgreSQL URL would install the event loops for this
        // whole test process, so it is not tried here; CI's servers on PostgreSQL run with them).
        for database in [nil, "memory", "./linkwell.sqlite", "/tmp/postgres.sqlite"] as [String?] {
            #expect(!ServerExecutor.useEventLoops(forDatabase: database), "\(database ?? "none")")
        }
    }

    @Test("The settings list names every serve option, so none is missed")
    func everyOptionListed() {
        let help = Serve.helpMessage(columns: 400)
        let names = Set(help.matches(of: /--([a-z][a-z-]+)/).map { String($0.1) }).subtracting(["help", "config", "version"])
        #expect(names == Set(ServeSettings.options + ServeSettings.flags), "\(names.symmetricDifference(ServeSettings.options + ServeSettings.flags))")
    }
}
