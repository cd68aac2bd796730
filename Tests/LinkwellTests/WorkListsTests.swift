import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LinkwellBench
import LinkwellCore
import LinkwellPasswords
import LinkwellTesting
import LinkwellWeb
@_spi(Testing) import LinkwellStorage
import SQLKit
import Testing

/// The work lists (caseload, waiting list, team view, GP's referrals and messages, provider inbox, plan
/// reviews, caseload counts) are built in a few set-based queries and paged. On a seeded large scheme,
/// on every backend, each list walked page by page must be exactly the list worked out from the whole
/// cases (`loadCase` of every referral, the old per-case path).
@Suite("Work lists: set-based read models and paging", .closesStores)
struct WorkListsTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    struct Loaded: Sendable {
        let scheme: LargeScheme
        let store: any LinkwellStore
        let cases: [Case]
        let env: CoreEnvironment
        var casework: CaseworkService { CaseworkService(store: store, env: env) }
        func request(_ user: User) -> CaseworkService.Request { .init(Principal(user), route: "test") }
    }

    static func load(_ backend: TestBackend, seed: UInt64, referrals: Int = 120) async throws -> Loaded {
        let scheme = LargeScheme(size: .scaled(referrals: referrals), seed: seed, now: now)
        let store = try await backend.makeStore()
        try await scheme.load(into: store, batch: 100)
        var cases: [Case] = []
        for i in 0..<referrals { cases.append(try #require(try await store.loadCase(ReferralID("lg-\(String(format: "%06d", i))")))) }
        let env = CoreEnvironment(now: { now }, newID: { UUID().uuidString.lowercased() })
        return Loaded(scheme: scheme, store: store, cases: cases, env: env)
    }

    /// Every page of a paged list, following the cursors.
    static func walk<Row>(_ limit: Int, _ fetch: (PageRequest) async throws -> Page<Row>) async throws -> [Row] {
        var rows: [Row] = [], page = PageRequest(limit: limit)
        for _ in 0..<10_000 {
            let got = try await fetch(page)
            #expect(got.rows.count <= limit)
            rows += got.rows
            guard let next = got.next else { return rows }
            #expect(got.rows.count == limit, "only the last page is short")
            page.after = next
        }
        Issue.record("paging did not end")
        return rows
    }

    static func newestFirst(_ a: Case, _ b: Case) -> Bool {
        (a.referral.receivedAt, a.referral.id.rawValue) > (b.referral.receivedAt, b.referral.id.rawValue)
    }

    @Test("Each work list, page by page, is the list worked out from whole cases", arguments: TestBackend.available)
    func sameAsWholeCases(backend: TestBackend) async throws {
        let seed = TestSeed()
        var fixture = seed.value % 1000
        var l = try await Self.load(backend, seed: fixture)
        // Four seeds in a thousand give 120 referrals with no waiting referral (five stages): then the next seed's.
        while Set(l.cases.map(\.referral.status)).count < 6 && fixture < seed.value % 1000 + 5 {
            try await l.store.shutdown()
            fixture += 1
            l = try await Self.load(backend, seed: fixture)
        }
        let cases = l.cases
        #expect(Set(cases.map(\.referral.status)).count >= 6, "a realistic mix of stages, \(seed)")

        // Caseloads: every role, every list, pages of 7; searches.
        let lists: [CaseworkService.CaseList] = [.all, .waiting, .urgent, .active, .closed]
        let viewers = [l.scheme.linkWorkers[0], l.scheme.linkWorkers[1], l.scheme.supervisors[0], l.scheme.referrers[0]]
        for viewer in viewers {
            for list in lists {
                for search in [nil, "smith", "SMITH 1"] {
                    let expected = cases.filter { c in
                        let r = c.referral
                        let mine = switch viewer.role {
                        case .referrer: r.referrerID == viewer.id
                        case .linkWorker: r.linkWorkerID == viewer.id || (r.linkWorkerID == nil && r.status.isWaiting)
                        default: true
                        }
                        let inList = switch list {
                        case .all: true
                        case .waiting: r.status.isWaiting
                        case .urgent: r.status.isWaiting && r.urgency == .soon
                        case .active: !r.status.isWaiting && !r.status.isFinal
                        case .closed: r.status.isFinal
                        }
                        return mine && inList && (search.map { NameSearch.matches(name: c.person.fullName, search: $0) } ?? true)
                    }.sorted { list == .waiting || list == .urgent ? Self.newestFirst($1, $0) : Self.newestFirst($0, $1) }  // a queue: oldest first
                    let got = try await Self.walk(7) { try await l.casework.caseload(l.request(viewer), list: list, page: $0, search: search) }
                    #expect(got.map(\.id) == expected.map(\.referral.id), "\(viewer.role) \(list) \(search ?? "") \(seed)")
                    // The web's numbered pages (LIMIT/OFFSET; on PostgreSQL a link worker's list with the waiting list is
                    // read side by side and merged): every page in turn tiles the same list.
                    var numbered: [ReferralID] = []
                    for n in 1...max(1, (expected.count + 6) / 7) {
                        let page = try await l.casework.caseloadPages(l.request(viewer), lists: [(list, PageNumber(n, size: 7))], search: search)[0].page
                        #expect(page.total == expected.count)
                        numbered += page.rows.map(\.id)
                    }
                    #expect(numbered == expected.map(\.referral.id), "numbered pages: \(viewer.role) \(list) \(search ?? "") \(seed)")
                    #expect(got.map(\.status) == expected.map(\.referral.status))
                    #expect(got.map(\.didNotAttendCount) == expected.map { $0.attendance.filter { !$0.attended }.count })
                    if viewer.role != .referrer {  // a referrer's rows are shaped by consent (`ReferrerCaseView.row`)
                        #expect(got.map(\.needs) == expected.map(\.referral.needs), "needs, in order: \(viewer.role) \(list)")
                    }
                    let total = try await l.casework.caseloadLists(l.request(viewer), lists: [(list, PageRequest(limit: 3))], search: search)[0].total
                    #expect(total == expected.count)
                }
            }
            // The whole caseload's groups counted together and read together (one statement each on SQL) are each group
            // counted and read alone, which the loop above compared with whole cases: every field of every row, in
            // order, on the first page, a later one and one past the end (clamped to the last).
            let groups: [CaseworkService.CaseList] = viewer.role == .referrer ? [.waiting, .active, .closed] : [.urgent, .waiting, .active, .closed]
            // First pages are counted and read in one statement (`countedReferrals`), later ones counted first; a search
            // that finds no one leaves that statement no row to carry the counts on.
            for search in [nil, "smith", "qqzx"] {
                for number in [1, 2, 40] {
                    let together = try await l.casework.caseloadPages(l.request(viewer), lists: groups.map { ($0, PageNumber(number, size: 7)) }, search: search)
                    #expect(together.map(\.list) == groups)
                    for (list, page) in together {
                        let alone = try await l.casework.caseloadPages(l.request(viewer), lists: [(list, PageNumber(number, size: 7))], search: search)[0].page
                        let named = "\(viewer.role) \(list) \(search ?? "") page \(number)"
                        if search == "qqzx" { #expect(page.total == 0 && page.rows.isEmpty && page.page.number == 1, "\(named)") }
                        #expect(page.total == alone.total, "\(named): together \(page.total), alone \(alone.total)")
                        #expect(page.page == alone.page, "\(named)")
                        #expect(page.rows == alone.rows, "\(named)")
                    }
                }
            }
        }

        // Plan reviews due within a week, for a link worker and for the team.
        let horizon = CalendarDate(Self.now.addingTimeInterval(7 * 86_400))
        for viewer in [l.scheme.linkWorkers[0], l.scheme.supervisors[0]] {
            let expected = cases.filter { c in
                [.planAgreed, .active, .review].contains(c.referral.status) && (viewer.role == .supervisor || c.referral.linkWorkerID == viewer.id)
                    && (c.plan?.reviewDate).map { $0 <= horizon } == true
            }.sorted { ($0.plan!.reviewDate!, $0.referral.id.rawValue) < ($1.plan!.reviewDate!, $1.referral.id.rawValue) }
            let got = try await l.casework.dueReviews(l.request(viewer))
            #expect(got.map(\.referralID) == expected.map(\.referral.id), "\(seed)")
            #expect(got.map(\.personName) == expected.map(\.person.fullName))
        }

        // The team's caseload counts.
        let yearAgo = Self.now.addingTimeInterval(-365 * 86_400)
        for load in try await l.casework.caseloads(l.request(l.scheme.supervisors[0])) {
            let theirs = cases.filter { $0.referral.linkWorkerID == load.linkWorkerID }
            #expect(load.open == theirs.filter { !$0.referral.status.isFinal }.count)
            #expect(load.takenOnInLastYear == theirs.filter { $0.referral.receivedAt >= yearAgo }.count)
        }

        // Provider inboxes, with names withheld where consent to share with providers is not held.
        for staff in l.scheme.providerStaff {
            let services = Set(l.scheme.services.filter { $0.organisationID == staff.organisationID }.map(\.id))
            let expected = cases.flatMap { c in
                c.onwardReferrals.filter { services.contains($0.serviceID) }.map { (o: $0, c: c) }
            }.sorted { ($0.o.createdAt, $0.o.id.rawValue) > ($1.o.createdAt, $1.o.id.rawValue) }
            let got = try await Self.walk(5) { try await l.casework.providerInbox(l.request(staff), page: $0) }
            #expect(got.map(\.id) == expected.map(\.o.id), "\(seed)")
            #expect(got.map(\.personName) == expected.map { $0.c.referral.consent.covers(.shareWithProviders) ? $0.c.person.fullName : ProviderView.withheld })
            #expect(got.map(\.status) == expected.map(\.o.status))
        }

        // A GP's messages back: their own, and those to their GP practice about its registered patients.
        let practices = Set(l.scheme.practices.filter { $0.kind == .gpPractice }.map(\.id))
        for gp in l.scheme.referrers {
            let practice = gp.organisationID.flatMap { practices.contains($0) ? $0 : nil }
            let expected = cases.flatMap(\.messages)
                .filter { $0.recipientID == gp.id || (practice != nil && $0.recipientOrganisationID == practice) }
                .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }
            let got = try await Self.walk(9) { try await l.casework.messages(l.request(gp), page: $0) }
            #expect(got == expected, "\(seed)")
        }

        // Measures and names for many referrals at once.
        let ids = cases.map(\.referral.id)
        let together = try await l.store.administrations(referralIDs: ids)
        for id in ids {
            #expect(together.filter { $0.referralID == id } == (try await l.store.administrations(referralID: id)))
        }
        #expect(try await l.store.personNames(referralIDs: ids) == Dictionary(uniqueKeysWithValues: cases.map { ($0.referral.id, $0.person.fullName) }))
        try await l.store.shutdown()
    }

    /// A work list's rows name their link workers as the staff list holds them now (the caseload reads no names of its
    /// own): each row of every group of every link worker's and the supervisor's caseload, before and after a link
    /// worker is renamed and one is anonymised.
    @Test("Each row names its link worker as the staff list does now, after a rename too", arguments: TestBackend.available)
    func rowsNameTheirLinkWorkers(backend: TestBackend) async throws {
        let l = try await Self.load(backend, seed: 95, referrals: 80)
        let lists: [(CaseworkService.CaseList, PageNumber)] = [(.urgent, PageNumber(1, size: 200)), (.waiting, PageNumber(1, size: 200)),
                                                              (.active, PageNumber(1, size: 200)), (.closed, PageNumber(1, size: 200))]
        func check(_ step: String) async throws {
            var named = 0
            for viewer in l.scheme.linkWorkers + [l.scheme.supervisors[0]] {
                for group in try await l.casework.caseloadPages(l.request(viewer), lists: lists) {
                    for row in group.page.rows {
                        var expected: String? = nil
                        if let id = row.linkWorkerID { expected = try #require(try await l.store.user(id: id)).displayName }
                        #expect(row.linkWorkerName == expected, "\(step): \(row.id.rawValue) seen by \(viewer.id.rawValue)")
                        if expected != nil { named += 1 }
                    }
                }
            }
            #expect(named > 0, "\(step): some rows have a link worker")
        }
        try await check("as loaded")
        var renamed = l.scheme.linkWorkers[0]
        renamed.displayName = "Renamed Worker Ŵ"
        try await l.store.updateUser(renamed)
        var anonymised = l.scheme.linkWorkers[1]
        anonymised.displayName = Anonymised.name
        anonymised.active = false
        try await l.store.updateUser(anonymised)
        try await check("after a rename")
    }

    @Test("The API lists are paged with next links, and bad paging is a 422 naming the parameter", arguments: TestBackend.available)
    func apiPaging(backend: TestBackend) async throws {
        let l = try await Self.load(backend, seed: 3, referrals: 60)
        var configuration = WebConfiguration()
        configuration.bcryptCost = 4
        let router = try await buildRouter(configuration: configuration, store: l.store, env: l.env)
        let accounts = Accounts(store: l.store, env: l.env, hasher: TestScheme.hasher, passwords: ShippedPasswordPolicy.standard)
        let supervisor = l.scheme.supervisors[0]
        let token = try await accounts.createToken(email: supervisor.email, purpose: "test").token
        let cookie = try await accounts.startSession(for: l.scheme.linkWorkers[0]).token
        let auditBefore = try await l.store.auditEvents(recordID: supervisor.id.rawValue, limit: 10_000).count
        try await Application(router: router).test(.router) { client in
            var path: String? = "/api/v1/referrals?limit=25"
            var ids: [String] = [], pages = 0
            while let next = path {
                let response = try await client.execute(uri: next, method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .ok)
                let rows = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                ids += rows.compactMap { $0["id"] as? String }
                pages += 1
                path = response.headers[HTTPField.Name("Link")!].map { link in
                    String(link.dropFirst().prefix { $0 != ">" })
                }
                #expect(path == nil || rows.count == 25)
                #expect(path?.contains("limit=25") != false, "the next link keeps the page size")
            }
            #expect(pages == 3 && ids.count == 60 && Set(ids).count == 60)
            #expect(ids == l.cases.sorted(by: Self.newestFirst).map(\.referral.id.rawValue))
            // Each page read is audited as a list, as the whole list was.
            #expect(try await l.store.auditEvents(recordID: supervisor.id.rawValue, limit: 10_000).count == auditBefore + 3)

            for (query, field) in [("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"), ("cursor=bm90LWEtY3Vyc29y", "cursor"),
                                   ("cursor=%25%25", "cursor"), ("list=everything", "list"), ("q=" + String(repeating: "a", count: 101), "q")] {
                let response = try await client.execute(uri: "/api/v1/referrals?\(query)", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field], "\(query)")
            }

            // The web caseload shows each group's first few (the day's work), with its total and a link to the group alone.
            let page = try await client.execute(uri: "/referrals", method: .get, headers: [.cookie: "lw_session=\(cookie)"])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            let lw = l.scheme.linkWorkers[0].id
            let closed = l.cases.filter { $0.referral.linkWorkerID == lw && $0.referral.status.isFinal }.sorted(by: Self.newestFirst)
            #expect(html.contains("Closed</a> <span class=\"count\">(\(closed.count))</span>"))
            let shown = closed.prefix(CaseloadPage.homeGroupSize).map { "/referrals/\($0.referral.id)\"" }
            #expect(shown.allSatisfy(html.contains))
            if closed.count > CaseloadPage.homeGroupSize {
                #expect(!html.contains("/referrals/\(closed[CaseloadPage.homeGroupSize].referral.id)\""))
                #expect(html.contains("<a class=\"more\" href=\"/referrals?list=closed\">See all \(closed.count) in Closed</a>"))
            }
            let bad = try await client.execute(uri: "/referrals?list=closed&page=zz", method: .get, headers: [.cookie: "lw_session=\(cookie)"])
            #expect(bad.status == .unprocessableContent)
        }
        try await l.store.shutdown()
    }

    @Test("Overdue referrals out are those of the whole cases, for link worker, supervisor and groups, either side of each answer date",
          arguments: TestBackend.available)
    func overdueRequests(backend: TestBackend) async throws {
        let l = try await Self.load(backend, seed: 17)
        // One more request waiting for its answer, so that every scheme drawn has one (made as a supervisor would).
        let sup = l.request(l.scheme.supervisors[0])
        let inSupport = try #require(l.cases.first { $0.referral.status == .active && $0.referral.consent.covers(.shareWithProviders) },
                                     "an active case with consent to share")
        let service = try #require(l.scheme.services.first { $0.active })
        _ = try await l.casework.referOut(inSupport.referral.id, serviceID: service.id.rawValue, note: nil,
                                          handover: HandoverInput(returnWindowDays: 14), governanceOverride: "Test: the group is known", sup)
        let servicesOf = Dictionary(grouping: l.scheme.services, by: \.organisationID).mapValues { Set($0.map(\.id)) }
        var overdueSeen = 0, notYetSeen = 0
        // Each viewer's panel against the whole cases as stored now.
        func compare(_ when: String) async throws {
        let cases = try await l.store.loadCases(l.cases.map(\.referral.id))
        let requested = cases.flatMap(\.onwardReferrals).filter { $0.status == .requested && $0.returnWindowDays > 0 }
        // Now, and a second either side of each of the first answer dates (the rule is strict: due is not yet overdue).
        let moments = [Self.now] + requested.prefix(4).flatMap { o in [-1.0, 0, 1].map { o.answerDue!.addingTimeInterval($0) } }
        for moment in moments {
            let casework = CaseworkService(store: l.store, env: CoreEnvironment(now: { moment }, newID: { UUID().uuidString.lowercased() }))
            for viewer in [l.scheme.linkWorkers[0], inSupport.referral.linkWorkerID.flatMap { id in l.scheme.linkWorkers.first { $0.id == id } },
                           l.scheme.supervisors[0]].compactMap({ $0 }) + l.scheme.providerStaff.prefix(3) {
                let theirs = cases.flatMap { c in c.onwardReferrals.map { (o: $0, c: c) } }.filter { pair in
                    switch viewer.role {
                    case .linkWorker: pair.c.referral.linkWorkerID == viewer.id
                    case .provider: viewer.organisationID.flatMap { servicesOf[$0] }?.contains(pair.o.serviceID) == true
                    default: true
                    }
                }
                let expected = theirs.filter { $0.o.isOverdue(at: moment) }
                    .sorted { ($0.o.createdAt, $0.o.id.rawValue) < ($1.o.createdAt, $1.o.id.rawValue) }
                let got = try await casework.overdueRequests(l.request(viewer))
                #expect(got.map(\.onwardReferralID) == expected.map(\.o.id), "\(when): \(moment) \(viewer.role)")
                #expect(got.map(\.daysOverdue) == expected.map { Int(moment.timeIntervalSince($0.o.answerDue!) / 86_400) })
                overdueSeen += expected.count
                notYetSeen += theirs.filter { $0.o.status == .requested && !$0.o.isOverdue(at: moment) }.count
            }
        }
        }
        try await compare("as loaded")
        #expect(overdueSeen > 0 && notYetSeen > 0, "requests both overdue and not yet due were compared")

        // A link worker's panel reads the requests kept with each case's link worker (`onward_requests_due`): every change
        // that moves a request on or off it must move its row. The case moves to another link worker, and back.
        let owner = try #require(inSupport.referral.linkWorkerID)
        let other = try #require(l.scheme.linkWorkers.first { $0.id != owner })
        // A month on, the request made above is overdue.
        let later = CaseworkService(store: l.store, env: CoreEnvironment(now: { Self.now.addingTimeInterval(30 * 86_400) }, newID: { UUID().uuidString.lowercased() }))
        _ = try await l.casework.reassign(inSupport.referral.id, toLinkWorkerID: other.id.rawValue, reason: "Cover", sup)
        try await compare("after the case moved to another link worker")
        let moved = try await later.overdueRequests(l.request(other))
        #expect(moved.contains { $0.referralID == inSupport.referral.id }, "the request overdue now follows its case to its new link worker")
        _ = try await l.casework.reassign(inSupport.referral.id, toLinkWorkerID: owner.rawValue, reason: "Back", sup)
        // The answer to the first overdue request of the case's link worker is recorded (by them, for the group): it
        // leaves their panel.
        let ownerUser = try #require(l.scheme.linkWorkers.first { $0.id == owner })
        let answered = try #require(try await later.overdueRequests(l.request(ownerUser)).first)
        let answering = try await l.casework.act(on: answered.referralID, l.request(ownerUser)) { c in
            try c.respondToOnward(answered.onwardReferralID, accept: true, reason: nil, note: nil,
                                  by: l.request(ownerUser).principal, env: l.casework.env)
        }
        #expect(answering.onwardReferrals.first { $0.id == answered.onwardReferralID }?.status == .accepted)
        try await compare("after a request was answered")
        // Another request, to a second group: a month on, it is overdue on the owner's panel.
        let second = try #require(l.scheme.services.first { $0.active && $0.id != service.id })
        _ = try await l.casework.referOut(inSupport.referral.id, serviceID: second.id.rawValue, note: nil,
                                          handover: HandoverInput(returnWindowDays: 14), governanceOverride: "Test: the group is known", sup)
        try await compare("after a second request")
        // The upgrade's backfill (SQL only): the panel reads the kept rows, and the backfill rebuilds what the writes kept.
        if let sql = l.store as? SQLStore {
            #expect(try await !later.overdueRequests(l.request(ownerUser)).isEmpty)
            try await sql.execute { db in try await db.raw("DELETE FROM onward_requests_due").run() }
            #expect(try await later.overdueRequests(l.request(ownerUser)).isEmpty, "the panel reads the kept rows, not every request")
            try await sql.execute { db in
                try await db.raw("DELETE FROM schema_migrations WHERE version = 390").run()
                try await db.raw("DROP TABLE onward_requests_due").run()
            }
            try await sql.migrate()
            try await compare("after migration 390 rebuilt the kept rows")
            try await sql.rebuildOnwardRequestsDue()
            try await compare("after the backfill ran again")
        }
    }
}
