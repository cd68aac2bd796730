import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LinkwellCore
import LinkwellPasswords
import LinkwellTesting
import LinkwellWeb
import Testing

/// The lists that were read whole or by "More" links are numbered pages counted and cut in the store (issue #17:
/// "supervisors get paging, filters and search; every list is paged"): the organisations register (searched by
/// name or ODS code and by kind), a provider's inbox (by status), the directory feeds (by URL) and a provider's own
/// listings. On every backend: each page holds exactly the rows after the one before, the pages tile the list once,
/// the filter is applied before LIMIT/OFFSET and counted exactly, a page past the end is the last page; on the pages,
/// the links keep the filters, and a malformed page or filter is a form error (422), never a 500.
@Suite("Staff lists, numbered pages", .closesStores)
struct StaffListPagingTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// 53 organisations "Pager Org 000"… with ids in the opposite order; even ones GP practices with an ODS code
    /// "P90000"…, odd ones community groups; plus one whose name holds a `%`.
    func addOrganisations(_ s: TestScheme) async throws -> [Organisation] {
        var made: [Organisation] = []
        for n in 0..<53 {
            let o = Organisation(id: OrganisationID(String(format: "po-%03d", 52 - n)), name: String(format: "Pager Org %03d", n),
                                 kind: n % 2 == 0 ? .gpPractice : .vcse, odsCode: n % 2 == 0 ? String(format: "P9%04d", n) : nil)
            try await s.store.createOrganisation(o)
            made.append(o)
        }
        try await s.store.createOrganisation(Organisation(id: OrganisationID("po-pct"), name: "Fifty % Pager Org", kind: .localAuthority))
        return made
    }

    @Test("Organisations: searched by name or ODS code and by kind in the store, paged in name order", arguments: TestBackend.available)
    func organisationsPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let made = try await addOrganisations(s)
        let filter = OrganisationFilter(search: "pager ORG 0")
        let first = try await s.store.organisations(matching: filter, page: PageNumber(1))
        #expect(first.total == 53 && first.pageCount == 2)
        #expect(first.rows.map(\.name) == made.prefix(50).map(\.name))
        let second = try await s.store.organisations(matching: filter, page: PageNumber(2))
        #expect(second.rows.map(\.id) == made.suffix(3).map(\.id), "page 2 holds exactly the 3 after page 1")
        // Past the end: the last page, numbered as such.
        let past = try await s.store.organisations(matching: filter, page: PageNumber(9))
        #expect(past.page == PageNumber(2) && past.rows.map(\.id) == second.rows.map(\.id) && past.total == 53)
        // Smaller pages tile the list once each.
        var tiled: [OrganisationID] = []
        for n in 1...6 { tiled += try await s.store.organisations(matching: filter, page: PageNumber(n, size: 10)).rows.map(\.id) }
        #expect(tiled == made.map(\.id))
        // The kind is applied before LIMIT: 27 practices, page 2 of 25 holds the last two.
        let practices = OrganisationFilter(search: "pager org", kind: .gpPractice)
        let p2 = try await s.store.organisations(matching: practices, page: PageNumber(2, size: 25))
        #expect(p2.total == 27 && p2.rows.map(\.name) == ["Pager Org 050", "Pager Org 052"])
        // The ODS code matches in any case; LIKE wildcards are literal.
        #expect(try await s.store.organisations(matching: OrganisationFilter(search: "p90007"), page: PageNumber()).rows.isEmpty, "odd ones have no code")
        #expect(try await s.store.organisations(matching: OrganisationFilter(search: "p90008"), page: PageNumber()).rows.map(\.name) == ["Pager Org 008"])
        #expect(try await s.store.organisations(matching: OrganisationFilter(search: "%"), page: PageNumber()).rows.map(\.name) == ["Fifty % Pager Org"])
        #expect(try await s.store.organisations(matching: OrganisationFilter(search: "_"), page: PageNumber()).total == 0)
        let none = try await s.store.organisations(matching: OrganisationFilter(search: "nothing like this"), page: PageNumber(4))
        #expect(none.total == 0 && none.rows.isEmpty && none.page == PageNumber(1))
        // No filter: the whole register in name order, as the unpaged read has it.
        let everyone = try await s.store.organisations()
        let all2 = try await s.store.organisations(matching: OrganisationFilter(), page: PageNumber(2, size: 7))
        #expect(all2.total == everyone.count && all2.rows.map(\.id) == Array(everyone.dropFirst(7).prefix(7)).map(\.id))
        // Only an administrator.
        let service = OrganisationService(store: s.store, env: s.env)
        await #expect(throws: LinkwellError.self) { try await service.organisations(matching: filter, page: PageNumber(), .init(Principal(s.supervisor), route: "test")) }
        #expect(try await service.organisations(matching: filter, page: PageNumber(2), .init(Principal(s.admin), route: "test")).rows.count == 3)
    }

    @Test("A provider's inbox: numbered pages newest first, by status, each provider only their own", arguments: TestBackend.available)
    func inboxPaged(backend: TestBackend) async throws {
        let l = try await WorkListsTests.load(backend, seed: 17, referrals: 120)
        var checked = 0
        for staff in l.scheme.providerStaff {
            let services = Set(l.scheme.services.filter { $0.organisationID == staff.organisationID }.map(\.id))
            let expected = l.cases.flatMap { c in c.onwardReferrals.filter { services.contains($0.serviceID) }.map { (o: $0, c: c) } }
                .sorted { ($0.o.createdAt, $0.o.id.rawValue) > ($1.o.createdAt, $1.o.id.rawValue) }
            var got: [OnwardSummary] = []
            let pages = PageNumber.count(total: expected.count, size: 4)
            for n in 1...pages {
                let page = try await l.casework.providerInbox(l.request(staff), matching: InboxFilter(), page: PageNumber(n, size: 4))
                #expect(page.total == expected.count && page.page.number == n)
                #expect(page.rows.count == (n < pages ? 4 : expected.count - 4 * (pages - 1)), "only the last page is short")
                got += page.rows
            }
            #expect(got.map(\.id) == expected.map(\.o.id))
            #expect(got.map(\.personName) == expected.map { $0.c.referral.consent.covers(.shareWithProviders) ? $0.c.person.fullName : ProviderView.withheld })
            // Each status counted and paged in the store; together they are the whole inbox.
            var byStatus = 0
            for status in OnwardStatus.allCases {
                let wanted = expected.filter { $0.o.status == status }
                let page = try await l.store.onwardInbox(organisationID: staff.organisationID!, matching: InboxFilter(status: status), page: PageNumber(1, size: 500))
                #expect(page.total == wanted.count && page.rows.map(\.summary.id) == wanted.map(\.o.id), "\(status)")
                byStatus += page.total
            }
            #expect(byStatus == expected.count)
            // Past the end: the last page.
            let past = try await l.store.onwardInbox(organisationID: staff.organisationID!, matching: InboxFilter(), page: PageNumber(999, size: 4))
            #expect(past.page.number == max(1, pages) && past.rows.map(\.summary.id) == Array(expected.map(\.o.id).suffix(past.rows.count)))
            if !expected.isEmpty { checked += 1 }
        }
        #expect(checked > 0, "some provider has referrals")
        // Not a provider: refused.
        await #expect(throws: LinkwellError.self) {
            try await l.casework.providerInbox(l.request(l.scheme.linkWorkers[0]), matching: InboxFilter(), page: PageNumber())
        }
        try await l.store.shutdown()
    }

    @Test("Directory feeds by URL and a provider's own listings: paged in the store", arguments: TestBackend.available)
    func feedsAndListingsPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        for n in 0..<55 {
            try await s.store.saveFeed(RegisteredFeed(id: String(format: "feed-%03d", 54 - n), url: String(format: "https://feed%03d.example/oruk", n),
                                                      source: String(format: "feed%03d.example", n), intervalMinutes: 60,
                                                      createdAt: Self.start.addingTimeInterval(Double(n))))
        }
        let directory = DirectoryService(store: s.store, env: s.env)
        let admin = Principal(s.admin)
        let p1 = try await directory.registeredFeeds(search: nil, page: PageNumber(1), by: admin)
        let p2 = try await directory.registeredFeeds(search: nil, page: PageNumber(2), by: admin)
        #expect(p1.total == 55 && p1.rows.count == 50 && p2.rows.count == 5)
        #expect((p1.rows + p2.rows).map(\.url) == (0..<55).map { String(format: "https://feed%03d.example/oruk", $0) }, "in the order they were added")
        let searched = try await directory.registeredFeeds(search: " FEED04", page: PageNumber(2, size: 4), by: admin)
        #expect(searched.total == 10 && searched.rows.map(\.source) == (44...47).map { String(format: "feed%03d.example", $0) })
        #expect(try await directory.registeredFeeds(search: "feed04", page: PageNumber(30, size: 4), by: admin).rows.map(\.source)
                == ["feed048.example", "feed049.example"], "past the end: the last page")
        #expect(try await directory.registeredFeeds(search: "%", page: PageNumber(), by: admin).total == 0)
        await #expect(throws: LinkwellError.self) { try await directory.registeredFeeds(search: nil, page: PageNumber(), by: Principal(s.provider)) }

        // 52 more listings of the walkers' organisation beside the fixture's own two.
        let extra = (0..<52).map { n in
            HSDSService(id: syntheticUUID(0xf7, n), organizationID: DirectoryFixture.walkersOrg, name: String(format: "Walkers listing %03d", n),
                        description: "A paged listing.")
        }
        try await s.store.saveDirectory(DirectoryBatch(services: extra), at: s.clock.now, verified: false)
        let provider = Principal(s.provider)
        let all = try await directory.providerListings(page: PageNumber(1, size: 500), by: provider)
        #expect(all.total >= 52 && all.rows.count == all.total)
        #expect(all.rows.allSatisfy { $0.service.organizationID == DirectoryFixture.walkersOrg })
        var tiled: [String] = []
        for n in 1...PageNumber.count(total: all.total, size: 20) {
            tiled += try await directory.providerListings(page: PageNumber(n, size: 20), by: provider).rows.map(\.service.id)
        }
        #expect(tiled == all.rows.map(\.service.id), "pages tile the listings once, in the same order")
        let last = try await directory.providerListings(page: PageNumber(99, size: 20), by: provider)
        #expect(last.page.number == PageNumber.count(total: all.total, size: 20) && last.rows.map(\.service.id) == Array(tiled.suffix(last.rows.count)))
        #expect(try await directory.providerListings(page: PageNumber(), by: Principal(s.otherProvider)).rows.allSatisfy {
            $0.service.organizationID == DirectoryFixture.moneyOrg
        })
        await #expect(throws: LinkwellError.self) { try await directory.providerListings(page: PageNumber(), by: Principal(s.admin)) }

        // The review queue (the 52 unverified listings at least), in name order, paged in the store.
        let cutoff = s.clock.now.addingTimeInterval(-86_400)
        let queue = try await s.store.reviewQueue(staleBefore: cutoff)
        #expect(queue.count >= 52)
        var queued: [String] = []
        let queuePages = PageNumber.count(total: queue.count, size: 20)
        for n in 1...queuePages {
            let page = try await s.store.reviewQueue(staleBefore: cutoff, page: PageNumber(n, size: 20))
            #expect(page.total == queue.count)
            queued += page.rows.map(\.serviceID)
        }
        #expect(queued == queue.map(\.serviceID))
        #expect(try await s.store.reviewQueue(staleBefore: cutoff, page: PageNumber(99, size: 20)).page.number == queuePages)
        let (reviewed, _) = try await directory.reviewQueue(freshnessMonths: 12, page: PageNumber(2, size: 20), by: admin)
        #expect(reviewed.rows.map(\.serviceID) == Array(try await s.store.reviewQueue(staleBefore: FreshnessRule(months: 12).cutoff(now: s.env.now())).dropFirst(20).prefix(20)).map(\.serviceID))
        await #expect(throws: LinkwellError.self) { try await directory.reviewQueue(freshnessMonths: 12, page: PageNumber(), by: provider) }
    }

    @Test("The pages: counts, links keeping the filters, the last page past the end, bad parameters refused", arguments: TestBackend.available)
    func pages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        _ = try await addOrganisations(s)
        let queued = (0..<3).map { HSDSService(id: syntheticUUID(0xf8, $0), organizationID: DirectoryFixture.walkersOrg, name: "Queued \($0)", description: nil) }
        try await s.store.saveDirectory(DirectoryBatch(services: queued), at: s.clock.now, verified: false)
        for n in 0..<53 {
            try await s.store.saveFeed(RegisteredFeed(id: String(format: "feed-%03d", n), url: String(format: "https://feed%03d.example/oruk", n),
                                                      source: "feed.example", intervalMinutes: 60, createdAt: Self.start.addingTimeInterval(Double(n))))
        }
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let (first, html1) = try await admin.go(.get, "/admin/organisations?search=pager+org+0")
            #expect(first.status == .ok)
            #expect(html1.contains("Organisations 1 to 50 of 53") && html1.contains("aria-label=\"Pages of organisations\""))
            #expect(html1.contains("Pager Org 049") && !html1.contains("Pager Org 050") && !html1.contains("Fifty % Pager"))
            #expect(html1.contains("value=\"pager org 0\""), "the search box keeps what was searched")
            #expect(!html1.contains("more-organisations") && !html1.contains("cursor="), "no \"More\" links left")
            let next = try #require(AdminListPagingTests.href(rel: "next", in: html1))
            #expect(next.contains("search=pager") && next.contains("page=2"), "the next link keeps the search: \(next)")
            let (second, html2) = try await admin.go(.get, next)
            #expect(second.status == .ok && html2.contains("Organisations 51 to 53 of 53") && html2.contains("Pager Org 052") && !html2.contains("Pager Org 049"))
            let previous = try #require(AdminListPagingTests.href(rel: "prev", in: html2))
            #expect(previous.contains("search=pager") && !previous.contains("page="))
            let (kinds, kindsHTML) = try await admin.go(.get, "/admin/organisations?search=P90&kind=gp_practice&page=40")
            #expect(kinds.status == .ok && kindsHTML.contains("27 organisations") && kindsHTML.contains("Pager Org 052") && !kindsHTML.contains("Pager Org 051"))
            let (feeds, feedsHTML) = try await admin.go(.get, "/admin/feeds?search=example&page=2")
            #expect(feeds.status == .ok && feedsHTML.contains("Feeds 51 to 53 of 53") && feedsHTML.contains("feed052") && !feedsHTML.contains("feed049"))
            let (none, noneHTML) = try await admin.go(.get, "/admin/feeds?search=nowhere")
            #expect(none.status == .ok && noneHTML.contains("No feed's URL contains this."))
            let (review, reviewHTML) = try await admin.go(.get, "/directory/review?page=9")
            #expect(review.status == .ok && reviewHTML.contains("id=\"review-queue\"") && reviewHTML.contains("Queued 2"))
            for uri in ["/admin/organisations?page=abc", "/admin/organisations?page=0", "/admin/organisations?kind=wizard",
                        "/admin/feeds?page=1.5", "/admin/feeds?page=-1", "/directory/review?page=x"] {
                let (response, body) = try await admin.go(.get, uri)
                #expect(response.status == .unprocessableContent, "\(uri)")
                #expect(!body.isEmpty)
            }
            let provider = WebPagesTests.Browser(client)
            _ = try await provider.signIn(s.provider.email)
            for uri in ["/provider?page=x", "/provider?status=lost", "/provider/listings?page=0", "/provider/listings?page=%00"] {
                #expect(try await provider.go(.get, uri).0.status == .unprocessableContent, "\(uri)")
            }
            let (inbox, inboxHTML) = try await provider.go(.get, "/provider?status=accepted&page=3")
            #expect(inbox.status == .ok && inboxHTML.contains("No referrals have this status."))
            let (listings, listingsHTML) = try await provider.go(.get, "/provider/listings?page=7")
            #expect(listings.status == .ok && listingsHTML.contains("Queued 0") && listingsHTML.contains("3 listings"), "past the end: the last (only) page")
        }
    }

    @Test("The caseload's groups: numbered pages tile each group in its order, as the API's keyset pages do", arguments: TestBackend.available)
    func caseloadPaged(backend: TestBackend) async throws {
        let l = try await WorkListsTests.load(backend, seed: 23, referrals: 120)
        for viewer in [l.scheme.linkWorkers[0], l.scheme.supervisors[0], l.scheme.referrers[0]] {
            let r = l.request(viewer)
            for list in [CaseworkService.CaseList.urgent, .waiting, .active, .closed] {
                for search in [nil, "a"] as [String?] {
                    let whole = try await WorkListsTests.walk(7) { try await l.casework.caseload(r, list: list, page: $0, search: search) }
                    let first = try await l.casework.caseloadPages(r, lists: [(list, PageNumber(1, size: 7))], search: search)[0].page
                    #expect(first.total == whole.count, "\(viewer.role) \(list) \(search ?? "")")
                    var tiled: [ReferralID] = []
                    for n in 1...first.pageCount {
                        let page = try await l.casework.caseloadPages(r, lists: [(list, PageNumber(n, size: 7))], search: search)[0].page
                        #expect(page.rows.count == (n < first.pageCount ? 7 : whole.count - 7 * (first.pageCount - 1)))
                        tiled += page.rows.map(\.id)
                    }
                    #expect(tiled == whole.map(\.id), "\(viewer.role) \(list) \(search ?? "")")
                    let past = try await l.casework.caseloadPages(r, lists: [(list, PageNumber(500, size: 7))], search: search)[0].page
                    #expect(past.page.number == first.pageCount && past.rows.map(\.id) == Array(whole.map(\.id).suffix(past.rows.count)))
                }
            }
        }
        // On the page: a group alone is numbered, the list and search kept in its links; a bad page is a form error.
        var configuration = WebConfiguration()
        configuration.bcryptCost = 4
        let router = try await buildRouter(configuration: configuration, store: l.store, env: l.env)
        let accounts = Accounts(store: l.store, env: l.env, hasher: TestScheme.hasher, passwords: ShippedPasswordPolicy.standard)
        let supervisor = l.scheme.supervisors[0]
        let cookie = try await accounts.startSession(for: supervisor).token
        let closed = try await WorkListsTests.walk(50) { try await l.casework.caseload(l.request(supervisor), list: .closed, page: $0) }
        let due = try await OutcomeService(store: l.store, casework: l.casework).dueList(l.request(supervisor), page: nil)
        try await Application(router: router).test(.router) { client in
            func get(_ uri: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: "lw_session=\(cookie)"])
                return (response.status, String(buffer: response.body))
            }
            let (status, whole) = try await get("/referrals")
            #expect(status == .ok && !whole.contains("cursor="))
            // The measures due are counted in full on the whole caseload; the table alone is numbered.
            #expect(due.total > 0 && whole.contains(due.overdue > 0 ? "\(due.total) due, \(due.overdue) overdue." : "\(due.total) due."))
            let (tableStatus, table) = try await get("/referrals?list=measures")
            #expect(tableStatus == .ok && table.contains("aria-label=\"Pages of measures due\"") == (due.total > PageNumber.webSize))
            #expect(try await get("/referrals?list=measures&page=none").0 == .unprocessableContent)
            if closed.count > CaseloadPage.homeGroupSize {
                #expect(whole.contains("class=\"more\" href=\"/referrals?list=closed\""), "the whole caseload links the group alone")
            }
            let last = PageNumber.count(total: closed.count, size: CaseloadPage.groupSize)
            let (alone, html) = try await get("/referrals?list=closed&page=\(last + 3)")
            #expect(alone == .ok)
            let shown = closed.suffix(closed.count - (last - 1) * CaseloadPage.groupSize)
            #expect(shown.allSatisfy { html.contains("/referrals/\($0.id)\"") }, "past the end: the last page")
            if last > 1 {
                #expect(html.contains("aria-label=\"Pages of referrals\"") && !html.contains("/referrals/\(closed[0].id)\""))
                let previous = try #require(AdminListPagingTests.href(rel: "prev", in: html))
                #expect(previous.contains("list=closed"), "the links keep the list: \(previous)")
            }
            for uri in ["/referrals?list=closed&page=0", "/referrals?list=waiting&page=x", "/referrals?list=active&page=1.5"] {
                #expect(try await get(uri).0 == .unprocessableContent, "\(uri)")
            }
        }
        try await l.store.shutdown()
    }

    @Test("A team's waiting list: numbered pages oldest first, counted in the store; the team page links its pages", arguments: TestBackend.available)
    func teamWaitingPaged(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let team = Team(id: TeamID("t-paged"), name: "Paged team", kind: .locality, createdAt: s.clock.now)
        try await s.store.saveTeam(team)
        try await s.store.setMembers(teamID: team.id, linkWorkerIDs: [s.linkWorker.id])
        var placed: [ReferralID] = []
        for n in 0..<55 {
            s.clock.advance(seconds: 60)
            let id = try await s.casework.submitReferral(TestScheme.submission(givenName: String(format: "Waiter%03d", n), nhsNumber: nil),
                                                         by: Principal(s.referrer)).referral.id
            // Two are left off the team: they are not on its list.
            if n % 27 != 5 { try await s.store.placeReferral(id, on: team.id); placed.append(id) }
        }
        let teams = TeamService(store: s.store, env: s.env)
        let whole = try await teams.waitingList(team.id.rawValue, s.request(s.supervisor))
        #expect(whole.map(\.id) == placed, "oldest first")
        let first = try await teams.waitingList(team.id.rawValue, page: PageNumber(1), s.request(s.supervisor))
        #expect(first.total == 53 && first.rows.map(\.id) == Array(placed.prefix(50)))
        var tiled: [ReferralID] = []
        for n in 1...6 { tiled += try await teams.waitingList(team.id.rawValue, page: PageNumber(n, size: 10), s.request(s.linkWorker)).rows.map(\.id) }
        #expect(tiled == placed)
        let past = try await teams.waitingList(team.id.rawValue, page: PageNumber(9), s.request(s.supervisor))
        #expect(past.page == PageNumber(2) && past.rows.map(\.id) == Array(placed.suffix(3)))
        await #expect(throws: LinkwellError.self) { try await teams.waitingList(team.id.rawValue, page: PageNumber(), s.request(s.otherLinkWorker)) }
        try await withRouter(s) { client in
            let supervisor = WebPagesTests.Browser(client)
            _ = try await supervisor.signIn(s.supervisor.email)
            // The waiting table alone (the meeting form's case picker lists every open case).
            func table(_ html: String) -> String {
                html.components(separatedBy: "id=\"team-waiting\"").dropFirst().first?.components(separatedBy: "</table>").first ?? ""
            }
            let (first, html1) = try await supervisor.go(.get, "/teams/t-paged")
            #expect(first.status == .ok && html1.contains("Waiting referrals 1 to 50 of 53"))
            #expect(table(html1).contains("Waiter000") && table(html1).contains("Waiter051") && !table(html1).contains("Waiter052"))
            let next = try #require(AdminListPagingTests.href(rel: "next", in: html1))
            #expect(next.contains("/teams/t-paged") && next.contains("page=2"))
            let (second, html2) = try await supervisor.go(.get, next)
            #expect(second.status == .ok && html2.contains("Waiting referrals 51 to 53 of 53"))
            #expect(table(html2).contains("Waiter054") && !table(html2).contains("Waiter049"))
            #expect(try await supervisor.go(.get, "/teams/t-paged?page=abc").0.status == .unprocessableContent)
        }
    }
}
