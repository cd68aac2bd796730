import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// The administrator's users list, audit trail and outbox are numbered pages read with LIMIT/OFFSET and
/// filtered in the store (issue #17: "every list is paged"). On every backend: page 2 holds exactly the rows
/// after page 1, the last page is right when the count is not a multiple of the page size, the filters are
/// applied before paging and counted exactly, and a malformed page is a form error, a page past the end shows
/// the last page, never a 500.
@Suite("Admin lists, numbered pages", .closesStores)
struct AdminListPagingTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// 53 users named "Pager 000"… in an order unlike their ids, plus one whose name holds a `%`.
    func addUsers(_ s: TestScheme) async throws -> [User] {
        var made: [User] = []
        for n in 0..<53 {
            let u = User(id: UserID(String(format: "pg-%03d", 52 - n)), email: String(format: "pager%03d@paging.example", n),
                         displayName: String(format: "Pager %03d", n), role: n % 2 == 0 ? .linkWorker : .referrer, organisationID: nil,
                         passwordHash: "x", createdAt: Self.start)
            try await s.store.createUser(u)
            made.append(u)
        }
        try await s.store.createUser(User(id: UserID("pg-pct"), email: "percent@paging.example", displayName: "Fifty % Pager",
                                          role: .provider, organisationID: nil, passwordHash: "x", createdAt: Self.start))
        return made
    }

    @Test("Users: page 2 is the next rows, the filter is in the store, the last page is short", arguments: TestBackend.available)
    func usersPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let made = try await addUsers(s)
        let filter = UserFilter(search: "PAGER 0")  // any case; not the "Fifty % Pager"
        #expect(try await s.store.countUsers(matching: filter) == 53)
        let first = try await s.store.users(matching: filter, page: PageNumber(1))
        let second = try await s.store.users(matching: filter, page: PageNumber(2))
        #expect(first.map(\.displayName) == made.prefix(50).map(\.displayName))
        #expect(second.map(\.displayName) == made.suffix(3).map(\.displayName), "page 2 holds exactly the 3 after page 1")
        #expect(try await s.store.users(matching: filter, page: PageNumber(3)).isEmpty)
        // Smaller pages tile the whole list once each.
        var tiled: [UserID] = []
        for n in 1...6 { tiled += try await s.store.users(matching: filter, page: PageNumber(n, size: 10)).map(\.id) }
        #expect(tiled == made.map(\.id))
        // The role filter is applied before LIMIT: 27 link workers among them.
        let workers = UserFilter(search: "pager 0", role: .linkWorker)
        #expect(try await s.store.countUsers(matching: workers) == 27)
        #expect(try await s.store.users(matching: workers, page: PageNumber(1, size: 25)).allSatisfy { $0.role == .linkWorker })
        #expect(try await s.store.users(matching: workers, page: PageNumber(2, size: 25)).map(\.displayName) == ["Pager 050", "Pager 052"])
        // E-mail matches too; LIKE wildcards in the search are literal.
        #expect(try await s.store.users(matching: UserFilter(search: "PAGER007@"), page: PageNumber()).map(\.displayName) == ["Pager 007"])
        #expect(try await s.store.users(matching: UserFilter(search: "%"), page: PageNumber()).map(\.displayName) == ["Fifty % Pager"])
        #expect(try await s.store.countUsers(matching: UserFilter(search: "_")) == 0)
        // No filter: everyone, in name order, the same as the whole list.
        let everyone = try await s.store.users()
        #expect(try await s.store.countUsers(matching: UserFilter()) == everyone.count)
        #expect(try await s.store.users(matching: UserFilter(), page: PageNumber(2, size: 7)).map(\.id) == Array(everyone.dropFirst(7).prefix(7)).map(\.id))
    }

    @Test("Audit trail: newest first, filtered by who, what, which record and when, before paging", arguments: TestBackend.available)
    func auditPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // 130 events an hour apart: the link worker reads a referral (its measures carry it as subject), the
        // supervisor lists, alternately.
        var events: [AuditEvent] = []
        for n in 0..<130 {
            let worker = n % 2 == 0
            let e = AuditEvent(id: String(format: "ev-%03d", n), at: Self.start.addingTimeInterval(Double(n) * 3600),
                               actorID: worker ? s.linkWorker.id : s.supervisor.id, action: worker ? "read" : "list",
                               recordType: n % 3 == 0 ? "measure" : "referral", recordID: n % 3 == 0 ? "m-\(n)" : "ref-paging",
                               route: "GET /x", outcome: .allowed, subjectID: n % 3 == 0 ? ReferralID("ref-paging") : nil)
            try await s.store.append(e)
            events.append(e)
        }
        let newestFirst = Array(events.reversed())
        let mine = AuditFilter(actorID: s.linkWorker.id)
        #expect(try await s.store.countAuditEvents(matching: mine) == 65)
        let p1 = try await s.store.auditEvents(matching: mine, page: PageNumber(1))
        let p2 = try await s.store.auditEvents(matching: mine, page: PageNumber(2))
        let expected = newestFirst.filter { $0.actorID == s.linkWorker.id }
        #expect(p1.map(\.id) == expected.prefix(50).map(\.id))
        #expect(p2.map(\.id) == expected.suffix(15).map(\.id), "the last page holds the 15 left")
        // "Who looked at this person's record?": the referral itself and the records whose subject it is.
        let person = AuditFilter(recordID: "ref-paging")
        #expect(try await s.store.countAuditEvents(matching: person) == 130)
        let byAction = AuditFilter(action: "list", recordID: "ref-paging")
        #expect(try await s.store.countAuditEvents(matching: byAction) == 65)
        #expect(try await s.store.auditEvents(matching: byAction, page: PageNumber(1)).allSatisfy { $0.action == "list" && $0.actorID == s.supervisor.id })
        // A date range: from inclusive, until exclusive; events 24…47.
        let day = AuditFilter(from: Self.start.addingTimeInterval(24 * 3600), until: Self.start.addingTimeInterval(48 * 3600))
        #expect(try await s.store.countAuditEvents(matching: day) == 24)
        #expect(try await s.store.auditEvents(matching: day, page: PageNumber(2, size: 10)).map(\.id) == (28...37).reversed().map { String(format: "ev-%03d", $0) })
        #expect(try await s.store.countAuditEvents(matching: AuditFilter(action: "delete")) == 0)
    }

    @Test("Outbox: newest first, by state, paged", arguments: TestBackend.available)
    func outboxPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let emails = (0..<57).map { n in
            OutboxEmail(reminder: MessageID(String(format: "ob-%03d", n)), to: s.referrer.id, kind: .accepted, at: Self.start.addingTimeInterval(Double(n)))
        }
        #expect(try await s.store.queueReminders(emails) == 57)
        let before = try await s.store.countOutbox(state: nil)
        #expect(try await s.store.countOutbox(state: .queued) >= 57)
        #expect(try await s.store.countOutbox(state: .sent) == 0)
        #expect(try await s.store.outbox(state: .sent, page: PageNumber(1)).isEmpty)
        let all = try await s.store.outbox(limit: 500)
        #expect(all.count == before)
        #expect(try await s.store.outbox(state: nil, page: PageNumber(2)).map(\.id) == Array(all.dropFirst(50).prefix(50)).map(\.id))
        try await s.store.markEmailSent(MessageID("ob-010"), at: Self.start.addingTimeInterval(100))
        #expect(try await s.store.outbox(state: .sent, page: PageNumber(1)).map(\.id) == [MessageID("ob-010")])
    }

    @Test("Complaints by status, staff checks by expiry, API tokens: paged and filtered in the store", arguments: TestBackend.available)
    func recordsPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let day0 = CalendarDate(year: 2026, month: 1, day: 1)!
        func day(_ n: Int) -> CalendarDate { CalendarDate(day0.startOfDay.addingTimeInterval(Double(n) * 86_400)) }
        // 55 complaints a day apart; every third one closed.
        for n in 0..<55 {
            var fields: [String: Any] = ["id": String(format: "c-%03d", n), "receivedOn": "\(day(n))", "about": "About \(n)",
                                         "outcome": n % 3 == 0 ? "Resolved" : "", "recordedBy": s.admin.id.rawValue, "recordedAt": 0]
            if n % 3 == 0 { fields["closedOn"] = "\(day(n + 1))" }
            try await s.store.saveComplaint(try Self.decode(fields))
        }
        let newest = (0..<55).reversed().map { String(format: "c-%03d", $0) }
        #expect(try await s.store.countComplaints(open: nil) == 55)
        #expect(try await s.store.complaints(open: nil, page: PageNumber(2)).map(\.id) == Array(newest.suffix(5)))
        #expect(try await s.store.countComplaints(open: false) == 19)
        #expect(try await s.store.countComplaints(open: true) == 36)
        let open2 = try await s.store.complaints(open: true, page: PageNumber(2, size: 10))
        #expect(open2.map(\.id) == Array(newest.filter { Int($0.dropFirst(2))! % 3 != 0 }.dropFirst(10).prefix(10)))
        #expect(open2.allSatisfy { $0.isOpen })
        // 60 staff checks completed a day apart, expiring a year and a day later (so 0…59 expire on day 366…425).
        for n in 0..<60 {
            var fields: [String: Any] = ["id": String(format: "sc-%03d", n), "userID": s.linkWorker.id.rawValue, "kind": "training",
                                         "title": "Course \(n)", "completedOn": "\(day(n))", "recordedBy": s.admin.id.rawValue, "recordedAt": 0]
            if n != 59 { fields["expiresOn"] = "\(day(n + 366))" }
            try await s.store.addStaffCheck(try Self.decode(fields))
        }
        let filter = { (e: StaffCheckFilter.Expiry?) in StaffCheckFilter(expiry: e, today: day(400), soon: day(430)) }
        #expect(try await s.store.countStaffChecks(matching: filter(nil)) == 60)
        #expect(try await s.store.countStaffChecks(matching: filter(.expired)) == 34, "day 366…399")
        #expect(try await s.store.countStaffChecks(matching: filter(.expiring)) == 25, "day 400…424; the one without an expiry never")
        #expect(try await s.store.staffChecks(matching: filter(.expired), page: PageNumber(2, size: 30)).map(\.id)
                == (0...3).reversed().map { String(format: "sc-%03d", $0) })
        #expect(try await s.store.staffChecks(matching: filter(nil), page: PageNumber(2)).map(\.id) == (0...9).reversed().map { String(format: "sc-%03d", $0) })
        // 52 tokens, newest first.
        for n in 0..<52 {
            try await s.store.createToken(APIToken(tokenHash: "hash-\(n)", userID: s.admin.id, name: "Token \(n)",
                                                   createdAt: Self.start.addingTimeInterval(Double(n)), id: String(format: "tok-%03d", n)))
        }
        let total = try await s.store.countTokens()
        let everyToken = try await s.store.tokens(userID: nil)
        #expect(total == everyToken.count && total >= 52)
        #expect(try await s.store.tokens(page: PageNumber(1, size: 2)).map(\.id) == ["tok-051", "tok-050"])
        #expect(try await s.store.tokens(page: PageNumber(2)).map(\.id) == Array(everyToken.dropFirst(50)).map(\.id))
    }

    @Test("Teams by name, paged in the store; the teams page shows its count and links", arguments: TestBackend.available)
    func teamsPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // Ids in the opposite order to the names, so a page read in id order would be wrong.
        for n in 0..<53 {
            try await s.store.saveTeam(Team(id: TeamID(String(format: "team-%03d", 52 - n)), name: String(format: "Team %03d", n),
                                            kind: .locality, createdAt: Self.start))
        }
        #expect(try await s.store.countTeams() == 53)
        #expect(try await s.store.teams(page: PageNumber(1)).map(\.name) == (0..<50).map { String(format: "Team %03d", $0) })
        #expect(try await s.store.teams(page: PageNumber(2)).map(\.name) == ["Team 050", "Team 051", "Team 052"])
        let views = try await TeamService(store: s.store, env: s.env).teams(page: PageNumber(2, size: 20), s.request(s.supervisor))
        #expect(views.total == 53 && views.rows.map(\.team.name) == (20..<40).map { String(format: "Team %03d", $0) })
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.supervisor.email)
            let (response, html) = try await browser.go(.get, "/teams?page=2")
            #expect(response.status == .ok && html.contains("Teams 51 to 53 of 53") && html.contains("Team 052") && !html.contains("Team 049"))
            #expect(try await browser.go(.get, "/teams?page=zero").0.status == .unprocessableContent)
        }
    }

    @Test("The page parameter: malformed is a form error, past the end shows the last page")
    func pageParameter() throws {
        for bad in ["0", "-1", "abc", "2.5", "1e3", "٣", "99999999999999999999", "1000001"] {
            #expect(throws: LinkwellError.self, "\(bad)") { try PageNumber(text: bad) }
        }
        #expect(try PageNumber(text: nil) == PageNumber(1))
        #expect(try PageNumber(text: " 3 ").number == 3)
        #expect(PageNumber(9).clamped(total: 101) == PageNumber(3))
        #expect(PageNumber(9).clamped(total: 0) == PageNumber(1))
        #expect(PageNumber(2).clamped(total: 100) == PageNumber(2))
    }

    @Test("The admin's pages: filters kept in the page links, bad parameters refused, never a 500", arguments: TestBackend.available)
    func pages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        _ = try await addUsers(s)
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let (first, html1) = try await admin.go(.get, "/admin/users?search=pager+0")
            #expect(first.status == .ok)
            #expect(html1.contains("Users 1 to 50 of 53"))
            #expect(html1.contains("Pager 049") && !html1.contains("Pager 050") && !html1.contains("Fifty % Pager"))
            #expect(html1.contains("aria-label=\"Pages of users\""))
            #expect(html1.contains("rel=\"next\"") && !html1.contains("rel=\"prev\""))
            let next = try #require(Self.href(rel: "next", in: html1))
            #expect(next.contains("search=pager") && next.contains("page=2"), "the next link keeps the search: \(next)")
            let (second, html2) = try await admin.go(.get, next)
            #expect(second.status == .ok)
            #expect(html2.contains("Users 51 to 53 of 53") && html2.contains("Pager 052") && !html2.contains("Pager 049"))
            let previous = try #require(Self.href(rel: "prev", in: html2))
            #expect(previous.contains("search=pager") && !previous.contains("page="))
            // Past the end: the last page; malformed: a form error naming `page`.
            let (clamped, html3) = try await admin.go(.get, "/admin/users?search=pager+0&page=40")
            #expect(clamped.status == .ok && html3.contains("Users 51 to 53 of 53"))
            for uri in ["/admin/users?page=abc", "/admin/users?page=0", "/admin/users?role=wizard", "/admin/audit?page=-2",
                        "/admin/outbox?page=x", "/admin/outbox?state=lost", "/admin/complaints?status=pending", "/admin/complaints?page=1.5",
                        "/admin/staff-checks?expiry=soonish", "/admin/staff-checks?page=%00", "/admin/tokens?page=two", "/admin/audit?from-day=31&from-month=2&from-year=2026"] {
                let (response, body) = try await admin.go(.get, uri)
                #expect(response.status == .unprocessableContent, "\(uri)")
                #expect(!body.isEmpty)
            }
            let (unknown, body) = try await admin.go(.get, "/admin/audit?user=nobody%40paging.example")
            #expect(unknown.status == .unprocessableContent && body.contains("No user has this e-mail address."))
            // The audit trail filtered by who and what keeps the filter on its pages.
            for n in 0..<60 {
                try await s.store.append(AuditEvent(id: "adm-\(n)", at: Self.start.addingTimeInterval(Double(n)), actorID: s.admin.id, action: "export",
                                                    recordType: "report", recordID: "r-\(n)", route: "GET /x", outcome: .allowed))
            }
            let email = s.admin.email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let (audit, auditHTML) = try await admin.go(.get, "/admin/audit?user=\(email)&action=export")
            #expect(audit.status == .ok && auditHTML.contains("Events 1 to 50 of 60") && auditHTML.contains("r-59") && !auditHTML.contains("r-9<"))
            let auditNext = try #require(Self.href(rel: "next", in: auditHTML))
            #expect(auditNext.contains("action=export") && auditNext.contains("user=") && auditNext.contains("page=2"))
            let (audit2, audit2HTML) = try await admin.go(.get, auditNext)
            #expect(audit2.status == .ok && audit2HTML.contains("Events 51 to 60 of 60") && audit2HTML.contains("r-0<") && !audit2HTML.contains("r-59"))
            for uri in ["/admin/outbox?state=queued&page=3", "/admin/complaints?status=open&page=9", "/admin/staff-checks?expiry=expired&page=2",
                        "/admin/tokens?page=5"] {
                let (response, html) = try await admin.go(.get, uri)
                #expect(response.status == .ok, "\(uri)")
                #expect(html.contains("class=\"list-count\""), "\(uri) shows its count")
            }
        }
    }

    /// A record without a public memberwise initialiser, from its JSON fields.
    static func decode<T: Decodable>(_ fields: [String: Any]) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: fields))
    }

    /// The `href` of the link with this `rel`, entities decoded.
    static func href(rel: String, in html: String) -> String? {
        guard let a = html.range(of: "rel=\"\(rel)\"") else { return nil }
        let before = html[..<a.lowerBound]
        guard let start = before.range(of: "href=\"", options: .backwards) else { return nil }
        return String(before[start.upperBound...].prefix { $0 != "\"" })
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#61;", with: "=").replacingOccurrences(of: "&#43;", with: "+")
    }
}
