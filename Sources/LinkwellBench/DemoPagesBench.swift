import ArgumentParser
import Foundation
import HTTPTypes
import HummingbirdTesting
import LinkwellCommands
import LinkwellCore
import LinkwellPasswords
import NIOCore

/// `linkwell-bench demo`: #17's targets on the demo scheme — every page each demo role can reach, timed
/// over HTTP on 127.0.0.1, and signing in at the shipped password-hash cost.
///
/// Each role signs in through the real form (`GET /login`, then `POST /login` with the form's token), then the
/// benchmark walks the site as that user: their home page, every same-site link on it, and every link on
/// those pages. Pages that differ only by a record's id are one page (`/referrals/{id}`), timed on the first
/// such record found. Each page is then requested `--requests` times; the table gives p50 and p95.
struct DemoPagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seed the demo scheme and time every page each role reaches (target p95 ≤ 100 ms) and sign-in (≤ 500 ms).")
    @Option(help: "A SQLite file or a postgres:// URL for the demo scheme (default: a new temporary SQLite file).") var database: String?
    @Option(help: "Timed requests per page, after a warm-up of a tenth as many.") var requests = 50
    @Option(help: "Timed sign-ins per role.") var signIns = 5
    @Option(help: "Most distinct pages walked per role.") var pagesPerRole = 60
    @Option(help: "Port for the benchmark server.") var port = 18_093

    func validate() throws {
        guard database != "memory" else { throw ValidationError("Benchmark SQLite or PostgreSQL, not memory.") }
        guard (1...10_000).contains(requests), (1...100).contains(signIns), (1...500).contains(pagesPerRole) else {
            throw ValidationError("Bad --requests, --sign-ins or --pages-per-role.")
        }
    }

    func run() async throws {
        let database = self.database ?? FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-demo-bench-\(UUID().uuidString).sqlite").path
        try await withSQLBenchStore(database) { store in
            try await store.migrate()
            let logins = try await DemoScheme.seed(into: store)
            let server = try await startBenchServer(store: store, port: port, bcryptCost: BcryptPasswordHasher.recommendedCost)
            defer { server.cancel() }
            let client = try await BenchClient.connect(port: port)
            do {
                try await measure(client.client, logins: logins.rows)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            server.cancel()
            _ = await server.result
        }
    }

    struct Timed { var role: String; var page: String; var p50: Double; var p95: Double; var kilobytes: Double }

    func measure(_ client: TestClient, logins: [(role: String, email: String)]) async throws {
        var signInTimes: [Double] = []
        var rows: [Timed] = []
        var roles = Set<String>()
        // The public pages (no sign-in), then one user per role.
        for login in [(role: "Public", email: "")] + logins where roles.insert(login.role).inserted {
            var cookie = ""
            for _ in 0..<(login.email.isEmpty ? 0 : signIns) {
                let (session, ms) = try await Self.signIn(client, email: login.email, password: DemoScheme.password)
                signInTimes.append(ms)
                cookie = session
            }
            let headers: HTTPFields = cookie.isEmpty ? [:] : [.cookie: "lw_session=\(cookie)"]
            let pages = try await Self.walk(client, headers: headers, from: cookie.isEmpty ? ["/login", "/self-referral", "/find-support"] : ["/"],
                                            limit: pagesPerRole)
            for (pattern, path) in pages {
                var times: [Double] = []
                var bytes = 0
                for i in 0..<(requests + max(1, requests / 10)) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let response = try await client.get(path, headers: headers)
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    guard response.status == .ok else { throw ValidationError("\(login.role) \(path) answered \(response.status.code)") }
                    bytes = response.body?.readableBytes ?? 0
                    if i >= max(1, requests / 10) { times.append(ms) }
                }
                rows.append(Timed(role: login.role, page: pattern, p50: DirectoryBench.Search.percentile(times, 0.5),
                                  p95: DirectoryBench.Search.percentile(times, 0.95), kilobytes: Double(bytes) / 1024))
            }
        }
        print("Every page each demo role reaches, \(requests) requests each over HTTP on 127.0.0.1 (milliseconds; target p95 ≤ 100)")
        print("| role | page | p50 | p95 | KB |")
        print("|---|---|---:|---:|---:|")
        for row in rows {
            print("| \(row.role) | \(row.page) | " + String(format: "%.1f | %.1f | %.1f |", row.p50, row.p95, row.kilobytes))
        }
        let worst = rows.max { $0.p95 < $1.p95 }
        let over = rows.filter { $0.p95 > 100 }
        print("Pages timed: \(rows.count); slowest p95: " + (worst.map { String(format: "%.1f ms (%@ %@)", $0.p95, $0.role, $0.page) } ?? "none")
              + "; over 100 ms: \(over.count)")
        print(String(format: "Sign-in at bcrypt cost %d: p50 %.0f ms, p95 %.0f ms, max %.0f ms over %d sign-ins (target ≤ 500 ms)",
                     Int(BcryptPasswordHasher.recommendedCost), DirectoryBench.Search.percentile(signInTimes, 0.5),
                     DirectoryBench.Search.percentile(signInTimes, 0.95), signInTimes.max() ?? 0, signInTimes.count))
    }

    /// Signs in through the form; returns the session token and the milliseconds the `POST /login` took.
    static func signIn(_ client: TestClient, email: String, password: String) async throws -> (String, Double) {
        let form = try await client.get("/login")
        guard let loginCookie = cookie(form, "lw_login"),
              let token = String(buffer: form.body ?? ByteBuffer()).firstMatch(of: /name="_login" value="([^"]+)"/)?.1 else {
            throw ValidationError("The sign-in page has no token.")
        }
        let body = "email=\(formEncoded(email))&password=\(formEncoded(password))&_login=\(formEncoded(String(token)))"
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await client.post("/login", headers: [.cookie: "lw_login=\(loginCookie)", .contentType: "application/x-www-form-urlencoded"],
                                              body: ByteBuffer(string: body))
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        guard response.status == .seeOther || response.status == .found, let session = cookie(response, "lw_session"), !session.isEmpty else {
            throw ValidationError("Signing in as \(email) answered \(response.status.code).")
        }
        return (session, ms)
    }

    static func cookie(_ response: TestClient.Response, _ name: String) -> String? {
        response.headers[values: .setCookie].lazy.compactMap { header -> String? in
            let pair = header.split(separator: ";", maxSplits: 1)[0]
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 && parts[0] == name ? String(parts[1]) : nil
        }.first
    }

    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// The pages a signed-in user reaches: home, its links, and their links — one path per pattern (ids folded).
    static func walk(_ client: TestClient, headers: HTTPFields, from start: [String] = ["/"], limit: Int) async throws -> [(pattern: String, path: String)] {
        var found: [(pattern: String, path: String)] = []
        var seen = Set(start.map(pattern))
        var frontier = start
        for _ in 0..<3 where !frontier.isEmpty {
            var next: [String] = []
            for path in frontier {
                let response = try await client.get(path, headers: headers)
                if response.status == .seeOther || response.status == .found, let location = response.headers[.location], location.hasPrefix("/"),
                   seen.insert(pattern(location)).inserted {
                    next.append(location)
                    continue
                }
                guard response.status == .ok, response.headers[.contentType]?.hasPrefix("text/html") == true else { continue }
                if path != "/" { found.append((pattern(path), path)) }
                for match in String(buffer: response.body ?? ByteBuffer()).matches(of: /href="(\/[^"#]*)"/) {
                    let link = String(match.1).replacingOccurrences(of: "&amp;", with: "&")
                    guard !link.hasPrefix("/static"), !link.hasPrefix("/api"), !link.hasPrefix("/oruk"), !link.hasPrefix("/fhir"),
                          !link.hasPrefix("/openapi"), !link.hasPrefix("/logout"), !link.contains("download"), !link.hasSuffix(".csv"),
                          seen.insert(pattern(link)).inserted, found.count + next.count < limit else { continue }
                    next.append(link)
                }
            }
            frontier = next
        }
        return found
    }

    /// A path with its record ids (UUIDs, long digits) folded to `{id}`, and its query's values to `…`.
    static func pattern(_ path: String) -> String {
        let parts = path.split(separator: "?", maxSplits: 1)
        let segments = parts[0].split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            segment.count >= 16 && segment.allSatisfy({ $0.isHexDigit || $0 == "-" }) || (segment.count >= 6 && segment.allSatisfy(\.isNumber)) ? "{id}" : String(segment)
        }
        let query = parts.count > 1 ? "?" + parts[1].split(separator: "&").map { $0.split(separator: "=", maxSplits: 1)[0] + "=…" }.joined(separator: "&") : ""
        return segments.joined(separator: "/") + query
    }
}
