import Foundation
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
@testable import LinkwellWeb
import Testing

/// Every word a staff page shows comes from the message catalogue (issue #17), also the words page models,
/// controllers and Core's code labels build in Swift: the main staff pages are rendered with a marked catalogue
/// (every message wrapped in ⟦…⟧), and whatever text the body shows outside a mark must be the fixture's own data.
@Suite("Staff pages: every word a message", .closesStores)
struct StaffMessagesTests {
    /// Every English message, public and staff, wrapped in ⟦…⟧ (placeholders kept, so values land inside).
    static let marked: Catalogue = {
        var messages: [String: String] = [:]
        for key in Catalogue.english.keys { messages[key] = "⟦" + Catalogue.english.text(key) + "⟧" }
        for (key, message) in Catalogue.englishStaffMessages { messages[key] = "⟦" + message + "⟧" }
        return Catalogue(language: .english, messages: messages)
    }()

    /// The visible text of the page's `<body>` (header, menu, content, footer) left outside every mark, as phrases (tags, scripts and marked
    /// messages removed, entities decoded), less `allowed` (the fixture's own data) and anything without letters.
    static func unmarked(_ html: String, allowed: [String]) -> [String] {
        var main = html
        if let start = html.range(of: "<body"), let end = html.range(of: "</body>") { main = String(html[start.lowerBound..<end.upperBound]) }
        var text = main.replacing(/<(script|style)\b[^>]*>.*?<\/\1>/.dotMatchesNewlines(), with: " ")
            .replacing(/<[^>]*>/, with: "\u{1}")
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&nbsp;", with: " ")
        // Marks nest (a message holding another as a value): remove innermost first.
        while let match = text.firstMatch(of: /⟦[^⟦⟧]*⟧/) { text.replaceSubrange(match.range, with: "\u{1}") }
        for value in allowed.sorted(by: { $0.count > $1.count }) { text = text.replacingOccurrences(of: value, with: "\u{1}") }
        return text.split(separator: "\u{1}").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { $0.contains(/[A-Za-z]/) }
    }

    @Test("The marking finds words outside messages and passes messages, nested ones and allowed data")
    func markingFindsWords() {
        #expect(Self.unmarked("<body><h1>⟦Caseload⟧</h1><p>⟦Waiting ⟦3⟧ days⟧ Margaret</p></body>", allowed: ["Margaret"]).isEmpty)
        #expect(Self.unmarked("<body><p>⟦Status⟧: Not yet allocated</p><p>Margaret</p></body>", allowed: []) == [": Not yet allocated", "Margaret"])
        #expect(Self.unmarked("<body><nav>Menu</nav><script>let a = 1</script></body>", allowed: []) == ["Menu"], "the menu counts; scripts do not")
        #expect(Self.unmarked("<title>Caseload</title><body><p>⟦x⟧</p></body>", allowed: []).isEmpty, "only <body> counts")
    }

    /// The fixture's own data, which pages show as it is: people's, users', teams' and services' names,
    /// what was typed about the person, e-mail addresses.
    static func fixtureData(_ s: TestScheme) -> [String] {
        let users = [s.referrer, s.otherReferrer, s.linkWorker, s.otherLinkWorker, s.supervisor, s.provider, s.otherProvider, s.admin, s.commissioner]
        return users.flatMap { [$0.displayName, $0.email] } + [
            "Margaret Hughes", "Margaret", "Hughes", "Ada", "LS1 4AP", "ls1 4ap", "07700 900123", "English", "Hard of hearing",
            "I'd like to get out more.", "Lives alone", "long-term conditions", "North", "Health walks", "Debt advice",
            "Riverside Walkers", "Money Matters", TestScheme.practice.name, "Y99001", "ons4", "ONS4",
        ]
    }

    @Test("The caseload, case page, team pages and admin user list show no word outside the catalogue", arguments: TestBackend.available)
    func mainStaffPages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let engaged = try await s.engagedReferral()
        let waiting = try await s.casework.submitReferral(TestScheme.submission(givenName: "Ada"), by: Principal(s.referrer)).referral.id
        var configuration = s.configuration
        configuration.staffMessages = Self.marked
        // Also data: the instruments' published names, and the messages back stored with the case (written when
        // sent, kept as sent).
        let stored = try await s.casework.readCase(engaged, s.request(s.linkWorker)).messages.map(\.body)
        let allowed = Self.fixtureData(s) + (try await s.outcomes.instruments().map(\.instrument.name)) + stored
        try await withRouter(s, configuration: configuration) { client in
            func check(_ user: User, _ paths: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let browser = WebPagesTests.Browser(client)
                #expect(try await browser.signIn(user.email).status == .seeOther, sourceLocation: sourceLocation)
                for path in paths {
                    let (response, html) = try await browser.go(.get, path)
                    #expect(response.status == .ok, "\(path)", sourceLocation: sourceLocation)
                    let left = Self.unmarked(html, allowed: allowed)
                    #expect(left.isEmpty, "\(path) shows words outside the catalogue: \(left)", sourceLocation: sourceLocation)
                }
            }
            try await check(s.linkWorker, ["/referrals", "/referrals/\(engaged.rawValue)", "/referrals/\(waiting.rawValue)?made=1"])
            let supervisor = WebPagesTests.Browser(client)
            _ = try await supervisor.signIn(s.supervisor.email)
            let (_, teams) = try await supervisor.go(.get, "/teams")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: teams))
            let (created, _) = try await supervisor.go(.post, "/teams", form: ["_csrf": csrf, "name": "North", "kind": "locality"])
            let team = try #require(created.headers[.location])
            try await check(s.supervisor, ["/referrals", "/teams", team])
            try await check(s.admin, ["/admin/users"])
        }
    }
}
