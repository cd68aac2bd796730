import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LinkwellCore
import LinkwellPasswords
import LinkwellTesting
import LinkwellWeb
import Testing

/// The referrer's (GP's) people and messages back are numbered, counted pages like every other list (issue #17:
/// "every list is paged"), counted and cut in the store. On a seeded scheme, on every backend: walked page by page
/// each list is exactly the list worked out from the whole cases, each row once, in order; the totals are true
/// counts beyond one page; a page past the end is the last page; on the web page a bad page is a form error (422)
/// that marks nothing read, and reading a page of messages reads just that page.
@Suite("The referrer's people and messages, numbered pages", .closesStores)
struct ReferrerListsPagingTests {
    /// The people `gp` referred, each once (`ReferredPerson.key`), by their newest referral, each with their referrals
    /// newest first, from whole cases; only the referrals in `found` when given (those a search finds).
    static func people(_ cases: [Case], of gp: User, found: Set<ReferralID>? = nil) -> [(key: String, referrals: [ReferralID])] {
        let theirs = cases.filter { $0.referral.referrerID == gp.id && found.map { [id = $0.referral.id] in $0.contains(id) } ?? true }
        return Dictionary(grouping: theirs, by: { ReferredPerson.key($0.person) }).map { key, found in
            let newest = found.sorted { ($0.referral.receivedAt, $0.referral.id.rawValue) > ($1.referral.receivedAt, $1.referral.id.rawValue) }
            return (key: key, latest: newest[0].referral.receivedAt, referrals: newest.map(\.referral.id))
        }
        .sorted { ($0.latest, $0.key) > ($1.latest, $1.key) }
        .map { (key: $0.key, referrals: $0.referrals) }
    }

    /// The messages back to `gp` and (a GP practice) their practice, newest first, from whole cases.
    static func messages(_ l: WorkListsTests.Loaded, to gp: User) -> [MessageBack] {
        let practices = Set(l.scheme.practices.filter { $0.kind == .gpPractice }.map(\.id))
        let practice = gp.organisationID.flatMap { practices.contains($0) ? $0 : nil }
        return l.cases.flatMap(\.messages)
            .filter { $0.recipientID == gp.id || (practice != nil && $0.recipientOrganisationID == practice) }
            .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }
    }

    /// The HTML from `start` to the end of its section.
    static func section(_ html: String, from start: String) -> String {
        guard let at = html.range(of: start), let end = html.range(of: "</section>", range: at.upperBound..<html.endIndex) else { return "" }
        return String(html[at.upperBound..<end.lowerBound])
    }

    /// The first capture group of every match of `pattern`.
    static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
    }

    @Test("People and messages: the pages tile each list once, in order, counted in the store; past the end is the last page",
          arguments: TestBackend.available)
    func walked(backend: TestBackend) async throws {
        let l = try await WorkListsTests.load(backend, seed: 31, referrals: 120)
        var beyondOnePeople = 0, beyondOneMessages = 0
        for gp in l.scheme.referrers {
            let r = l.request(gp)
            for search in [nil, "a"] as [String?] {
                // What the search finds, from the caseload's own (keyset-paged) list; the grouping from whole cases.
                var found: Set<ReferralID>?
                if let search {
                    found = Set(try await WorkListsTests.walk(50) { try await l.casework.caseload(r, list: .all, page: $0, search: search) }.map(\.id))
                }
                #expect(found.map { !$0.isEmpty } ?? true, "the search finds someone")
                let expected = Self.people(l.cases, of: gp, found: found)
                let size = 3
                let first = try await l.casework.referrerHome(r, page: PageNumber(1, size: size), search: search)
                #expect(first.people.total == expected.count, "\(gp.email) \(search ?? "")")
                #expect(first.people.pageCount == PageNumber.count(total: expected.count, size: size))
                if search == nil && expected.count > size { beyondOnePeople += 1 }
                var keys: [String] = [], referrals: [[ReferralID]] = []
                for n in 1...first.people.pageCount {
                    let page = try await l.casework.referrerHome(r, page: PageNumber(n, size: size), search: search)
                    #expect(page.people.page.number == n && page.people.total == expected.count)
                    #expect(page.people.rows.count == (n < first.people.pageCount ? size : expected.count - size * (first.people.pageCount - 1)))
                    keys += page.people.rows.map(\.person.key)
                    referrals += page.people.rows.map { $0.person.referrals.map(\.id) }
                }
                #expect(keys == expected.map(\.key), "each person once, in order: \(gp.email) \(search ?? "")")
                #expect(referrals == expected.map(\.referrals))
                let past = try await l.casework.referrerHome(r, page: PageNumber(first.people.pageCount + 4, size: size), search: search)
                #expect(past.people.page.number == first.people.pageCount && past.people.total == expected.count)
                #expect(past.people.rows.map(\.person.key) == Array(expected.map(\.key).suffix(past.people.rows.count)))
            }

            let expected = Self.messages(l, to: gp)
            let size = 4
            let first = try await l.casework.messages(r, page: PageNumber(1, size: size))
            #expect(first.total == expected.count, "\(gp.email)")
            if expected.count > size { beyondOneMessages += 1 }
            var got: [MessageID] = []
            for n in 1...first.pageCount {
                let page = try await l.casework.messages(r, page: PageNumber(n, size: size))
                #expect(page.page.number == n && page.total == expected.count)
                got += page.rows.map(\.id)
            }
            #expect(got == expected.map(\.id), "each message once, in order: \(gp.email)")
            let past = try await l.casework.messages(r, page: PageNumber(9_999, size: size))
            #expect(past.page.number == first.pageCount && past.rows.map(\.id) == Array(expected.map(\.id).suffix(past.rows.count)))
        }
        #expect(beyondOnePeople > 0 && beyondOneMessages > 0, "some lists run over one page, so the walk walks")
        try await l.store.shutdown()
    }

    @Test("On the web page: numbered links keep the search, the last page past the end, a bad page refused and nothing read",
          arguments: TestBackend.available)
    func pages(backend: TestBackend) async throws {
        let l = try await WorkListsTests.load(backend, seed: 37, referrals: 240)
        var configuration = WebConfiguration()
        configuration.bcryptCost = 4
        let router = try await buildRouter(configuration: configuration, store: l.store, env: l.env)
        let accounts = Accounts(store: l.store, env: l.env, hasher: TestScheme.hasher, passwords: ShippedPasswordPolicy.standard)
        // The referrer with the most people, then the one with the most messages.
        let byPeople = l.scheme.referrers.max { Self.people(l.cases, of: $0).count < Self.people(l.cases, of: $1).count }!
        let byMessages = l.scheme.referrers.max { Self.messages(l, to: $0).count < Self.messages(l, to: $1).count }!
        let people = Self.people(l.cases, of: byPeople)
        let messages = Self.messages(l, to: byMessages)
        #expect(people.count > CaseloadPage.peopleSize, "more people than one page: \(people.count)")
        #expect(messages.count > CaseloadPage.messagesSize, "more messages than one page: \(messages.count)")
        let peopleCookie = try await accounts.startSession(for: byPeople).token
        let messagesCookie = try await accounts.startSession(for: byMessages).token

        try await Application(router: router).test(.router) { client in
            func get(_ uri: String, _ cookie: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: "lw_session=\(cookie)"])
                return (response.status, String(buffer: response.body))
            }
            // People: walked by the numbered links, each referral once, in order.
            let pageCount = PageNumber.count(total: people.count, size: CaseloadPage.peopleSize)
            var uri: String? = "/referrals", shown: [String] = [], pages = 0
            while let next = uri, pages < 100 {
                let (status, html) = try await get(next, peopleCookie)
                #expect(status == .ok, "\(next)")
                pages += 1
                if pages == 1 {
                    #expect(html.contains("People 1 to \(CaseloadPage.peopleSize) of \(people.count)") && html.contains("aria-label=\"Pages of people\""))
                    #expect(!html.contains("cursor="), "no \"More\" links left")
                }
                shown += Self.matches("href=\"/referrals/([^\"/?#]+)\"", in: Self.section(html, from: "id=\"people-title\""))
                uri = AdminListPagingTests.href(rel: "next", in: html)
            }
            #expect(pages == pageCount)
            #expect(shown == people.flatMap { $0.referrals.map(\.rawValue) }, "every person's referrals once, in order")
            let (past, pastHTML) = try await get("/referrals?page=\(pageCount + 7)", peopleCookie)
            let last = people.suffix(people.count - (pageCount - 1) * CaseloadPage.peopleSize)
            #expect(past == .ok && Self.matches("href=\"/referrals/([^\"/?#]+)\"", in: Self.section(pastHTML, from: "id=\"people-title\""))
                == last.flatMap { $0.referrals.map(\.rawValue) }, "past the end: the last page")
            // The search is kept in the links.
            let (_, searched) = try await get("/referrals?q=a", peopleCookie)
            if let next = AdminListPagingTests.href(rel: "next", in: searched) { #expect(next.contains("q=a") && next.contains("page=2")) }
            for bad in ["/referrals?page=0", "/referrals?page=-1", "/referrals?page=x", "/referrals?q=a&page=1.5"] {
                #expect(try await get(bad, peopleCookie).0 == .unprocessableContent, "\(bad)")
            }

            // Messages: a bad page is refused before anything is read.
            let r = l.request(byMessages)
            let unread = try await l.casework.unreadMessageCount(r)
            #expect(unread == messages.count, "nothing read yet")
            for bad in ["/referrals?list=messages&page=0", "/referrals?list=messages&page=-1", "/referrals?list=messages&page=x"] {
                #expect(try await get(bad, messagesCookie).0 == .unprocessableContent, "\(bad)")
            }
            #expect(try await l.casework.unreadMessageCount(r) == unread, "a refused page reads nothing")
            // Page 2 alone: exactly its messages are read, marked new as they are shown.
            let (second, secondHTML) = try await get("/referrals?list=messages&page=2", messagesCookie)
            let onSecond = Array(messages.dropFirst(CaseloadPage.messagesSize).prefix(CaseloadPage.messagesSize))
            #expect(second == .ok && Self.matches("data-message=\"([^\"]+)\"", in: secondHTML) == onSecond.map(\.id.rawValue))
            #expect(secondHTML.contains("Messages back \(CaseloadPage.messagesSize + 1) to \(CaseloadPage.messagesSize + onSecond.count) of \(messages.count)"))
            #expect(secondHTML.components(separatedBy: "class=\"unread\"").count - 1 == onSecond.count, "all new before this visit")
            #expect(try await l.casework.unreadMessageCount(r) == unread - onSecond.count)
            #expect(try await l.casework.readMessages(Array(messages.prefix(CaseloadPage.messagesSize)), r).isEmpty, "page 1 not read")
            let previous = try #require(AdminListPagingTests.href(rel: "prev", in: secondHTML))
            #expect(previous.contains("list=messages") && !previous.contains("page="), "the links keep the list: \(previous)")
            // Walked: every message once, in order.
            var walked: [String] = [], at: String? = "/referrals?list=messages"
            pages = 0
            while let next = at, pages < 100 {
                let (_, html) = try await get(next, messagesCookie)
                walked += Self.matches("data-message=\"([^\"]+)\"", in: html)
                at = AdminListPagingTests.href(rel: "next", in: html)
                pages += 1
            }
            #expect(walked == messages.map(\.id.rawValue))
            #expect(try await l.casework.unreadMessageCount(r) == 0, "every page read")
        }
        try await l.store.shutdown()
    }
}
