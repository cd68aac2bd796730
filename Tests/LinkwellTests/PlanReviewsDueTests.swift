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

/// The plan reviews due are kept with each case (`plan_reviews_due`, migration 380, issue #19): the list walks the
/// open cases' review dates instead of joining every plan of the scheme to the open cases. The promise is that the
/// kept dates never go stale. So, on every backend, a five-year scheme loaded through the bulk import is compared, for
/// the supervisor, two link workers and a team, with the rule over the whole cases (written out here as the oracle)
/// as time passes; then after each kind of write that moves a case on or off the list: a plan agreed, a plan's review
/// date moved later and sooner, a case put under review, closed, reopened, moved to another link worker; and, on SQL,
/// after the rows are thrown away and rebuilt by the upgrade's backfill.
@Suite("Plan reviews due kept with each case", .closesStores)
struct PlanReviewsDueTests {
    struct Due: Equatable, CustomStringConvertible {
        var referralID: ReferralID, personName: String, reviewDate: CalendarDate, overdue: Bool
        var description: String { "\(referralID) \(reviewDate)\(overdue ? " overdue" : "")" }
    }

    /// The rule over whole cases: open cases with an agreed plan whose review date is within the next week or past,
    /// earliest first, then by referral.
    static func oracle(_ cases: [Case], now: Date, owns: (Case) -> Bool) -> [Due] {
        let today = CalendarDate(now), horizon = CalendarDate(now.addingTimeInterval(7 * 86_400))
        return cases.compactMap { c -> Due? in
            guard [.planAgreed, .active, .review].contains(c.referral.status), owns(c), let date = c.plan?.reviewDate, date <= horizon else { return nil }
            return Due(referralID: c.referral.id, personName: c.person.fullName, reviewDate: date, overdue: date < today)
        }.sorted { ($0.reviewDate, $0.referralID.rawValue) < ($1.reviewDate, $1.referralID.rawValue) }
    }

    @Test("The kept review dates equal the rule over whole cases, for every viewer, as time passes and after every kind of change",
          arguments: TestBackend.available)
    func neverStale(backend: TestBackend) async throws {
        let loaded = try await WorkListsTests.load(backend, seed: 37, referrals: 240)
        let store = loaded.store
        let clock = TestClock(WorkListsTests.now)
        let env = CoreEnvironment(now: { clock.now }, newID: { UUID().uuidString.lowercased() })
        let casework = CaseworkService(store: store, env: env)
        let sup = loaded.request(loaded.scheme.supervisors[0])
        let workers = Array(loaded.scheme.linkWorkers.prefix(2))
        let teams = TeamService(store: store, env: env)
        let team = try await teams.createTeam(name: "Reviews", kind: "locality", sup)
        _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: [workers[1].id.rawValue], sup)

        var checked = 0
        /// The whole list for each viewer, compared with the rule; returns the supervisor's (everyone's).
        @discardableResult
        func compare(_ label: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Due] {
            let cases = try await store.loadCases(loaded.cases.map(\.referral.id))
            let viewers: [(String, CaseworkService.Request, String?, (Case) -> Bool)] = [
                ("supervisor", sup, nil, { _ in true }),
                ("link worker 0", loaded.request(workers[0]), nil, { $0.referral.linkWorkerID == workers[0].id }),
                ("link worker 1", loaded.request(workers[1]), nil, { $0.referral.linkWorkerID == workers[1].id }),
                ("team", sup, team.id.rawValue, { $0.referral.linkWorkerID == workers[1].id }),
            ]
            var everyone: [Due] = []
            for (viewer, request, team, owns) in viewers {
                let want = Self.oracle(cases, now: clock.now, owns: owns)
                let got = try await casework.dueReviews(request, limit: 100_000, team: team).map {
                    Due(referralID: $0.referralID, personName: $0.personName, reviewDate: $0.reviewDate, overdue: $0.overdue)
                }
                #expect(got == want, "\(label), \(viewer)", sourceLocation: sourceLocation)
                checked += want.count
                if team == nil && request.principal.role == .supervisor { everyone = want }
            }
            return everyone
        }
        func ids(_ list: [Due]) -> Set<ReferralID> { Set(list.map(\.referralID)) }

        // Time passing alone brings plans' review dates within the week, and then past.
        var sizes: [Int] = []
        for days in [0.0, 10, 45, 200] {
            clock.advance(seconds: WorkListsTests.now.addingTimeInterval(days * 86_400).timeIntervalSince(clock.now))
            sizes.append(try await compare("day \(Int(days)), as loaded").count)
        }
        #expect(sizes.first! > 0 && sizes.last! > sizes.first!, "the list grows as review dates come round: \(sizes)")

        // Then each kind of change, back at the start, compared after each.
        clock.advance(seconds: WorkListsTests.now.addingTimeInterval(86_400).timeIntervalSince(clock.now))
        let before = try await compare("back at the start")
        let cases = try await store.loadCases(loaded.cases.map(\.referral.id))
        func plan(_ id: ReferralID, reviewIn days: Double) async throws {
            let date = "\(CalendarDate(clock.now.addingTimeInterval(days * 86_400)))"
            _ = try await casework.act(on: id, sup) { [env] in
                try $0.agreePlan(PlanInput(whatMatters: "Getting out of the house", goals: ["Walk to the park"], reviewDate: date),
                                 by: sup.principal, env: env)
            }
        }

        let engaged = try #require(cases.first { $0.referral.status == .engaged && $0.plan == nil }, "an engaged case without a plan")
        try await plan(engaged.referral.id, reviewIn: 3)
        #expect(ids(try await compare("after a plan was agreed")).contains(engaged.referral.id))

        let dueSoon = try #require(cases.first { c in c.referral.status == .active && before.contains { $0.referralID == c.referral.id } },
                                   "an active case with a review due")
        try await plan(dueSoon.referral.id, reviewIn: 60)
        #expect(!ids(try await compare("after a review date was moved later")).contains(dueSoon.referral.id))

        let dueLater = try #require(cases.first { c in
            c.referral.status == .active && c.plan != nil && !before.contains { $0.referralID == c.referral.id }
        }, "an active case with a plan not yet due")
        try await plan(dueLater.referral.id, reviewIn: 2)
        #expect(ids(try await compare("after a review date was moved sooner")).contains(dueLater.referral.id))

        _ = try await casework.act(on: dueLater.referral.id, sup) { [env] in try $0.end(as: .review, note: nil, by: sup.principal, env: env) }
        #expect(ids(try await compare("after the case was put under review")).contains(dueLater.referral.id))

        clock.advance(seconds: 3_600)
        _ = try await casework.act(on: dueLater.referral.id, sup) { [env] in
            try $0.close(reason: ClosingReason.goalsMet.rawValue, note: nil, confirmed: true, by: sup.principal, env: env)
        }
        #expect(!ids(try await compare("after the case closed")).contains(dueLater.referral.id))

        clock.advance(seconds: 3_600)
        _ = try await casework.reopen(dueLater.referral.id, reason: "Asked for more support", sup)
        #expect(ids(try await compare("after the case was reopened")).contains(dueLater.referral.id))

        let moved = try #require(cases.first { c in
            c.referral.linkWorkerID == workers[0].id && before.contains { $0.referralID == c.referral.id }
                && (c.referral.id != dueSoon.referral.id)
        }, "a case of link worker 0 with a review due")
        _ = try await casework.reassign(moved.referral.id, toLinkWorkerID: workers[1].id.rawValue, reason: "Cover", sup)
        try await compare("after a case moved to link worker 1")
        #expect(checked > 100, "enough rows compared to mean something: \(checked)")

        // The upgrade's backfill (SQL only): the list reads the kept rows, and the backfill rebuilds what the writes kept.
        if let sql = store as? SQLStore {
            try await sql.execute { db in try await db.raw("DELETE FROM plan_reviews_due").run() }
            #expect(try await casework.dueReviews(sup, limit: 100_000).isEmpty, "the list reads the kept rows, not the plans")
            try await sql.rebuildPlanReviewsDue()
            try await compare("after the backfill rebuilt them")
            // Migration 381's upgrade: the rows as version 380 left them (no link worker), then `migrate`.
            try await sql.execute { db in
                try await db.raw("DELETE FROM schema_migrations WHERE version = 381").run()
                try await db.raw("DROP INDEX plan_reviews_due_link_worker").run()
                try await db.raw("ALTER TABLE plan_reviews_due DROP COLUMN link_worker_id").run()
            }
            try await sql.migrate()
            try await compare("after migration 381 gave the kept rows their link workers")
        }
    }

    @Test("Numbered pages of the reviews due tile the whole list, counted in the store; the caseload shows the earliest and links them all",
          arguments: TestBackend.available)
    func paged(backend: TestBackend) async throws {
        let loaded = try await WorkListsTests.load(backend, seed: 41, referrals: 240)
        // Months on, when most plans' reviews have come round.
        let later = WorkListsTests.now.addingTimeInterval(120 * 86_400)
        let env = CoreEnvironment(now: { later }, newID: { UUID().uuidString.lowercased() })
        let casework = CaseworkService(store: loaded.store, env: env)
        let supervisor = loaded.scheme.supervisors[0]
        let sup = loaded.request(supervisor)
        let teams = TeamService(store: loaded.store, env: env)
        let team = try await teams.createTeam(name: "Paged", kind: "locality", sup)
        _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: [loaded.scheme.linkWorkers[1].id.rawValue], sup)
        let cases = try await loaded.store.loadCases(loaded.cases.map(\.referral.id))
        for (request, teamID, owns) in [(sup, nil, { (_: Case) in true }),
                                        (loaded.request(loaded.scheme.linkWorkers[0]), nil, { $0.referral.linkWorkerID == loaded.scheme.linkWorkers[0].id }),
                                        (sup, team.id.rawValue, { $0.referral.linkWorkerID == loaded.scheme.linkWorkers[1].id })] as [(CaseworkService.Request, String?, (Case) -> Bool)] {
            let want = Self.oracle(cases, now: later, owns: owns)
            let first = try await casework.dueReviews(request, page: PageNumber(1, size: 7), team: teamID)
            #expect(first.total == want.count && first.overdue == want.filter(\.overdue).count, "\(request.principal.role) \(teamID ?? "")")
            var tiled: [ReferralID] = []
            for n in 1...max(1, first.page.pageCount) {
                let page = try await casework.dueReviews(request, page: PageNumber(n, size: 7), team: teamID).page
                #expect(page.rows.count <= 7 && (n == first.page.pageCount || page.rows.count == 7))
                tiled += page.rows.map(\.referralID)
            }
            #expect(tiled == want.map(\.referralID), "the pages tile the list once, in order: \(request.principal.role) \(teamID ?? "")")
            let pastAll = try await casework.dueReviews(request, page: PageNumber(500, size: 7), team: teamID)
            // The counts come with the rows of a page; a page past the end, read again as the last, carries them too.
            #expect(pastAll.total == want.count && pastAll.overdue == want.filter(\.overdue).count, "past the end: \(request.principal.role)")
            let past = pastAll.page
            #expect(past.page.number == max(1, first.page.pageCount) && past.rows.map(\.referralID) == Array(want.map(\.referralID).suffix(past.rows.count)))
        }
        let everyone = Self.oracle(cases, now: later, owns: { _ in true })
        #expect(everyone.count > CaseloadPage.reviewsShown, "more reviews due than the caseload shows: \(everyone.count)")

        // On the page: the caseload shows the earliest with the whole count and links the list, which is numbered.
        var configuration = WebConfiguration()
        configuration.bcryptCost = 4
        let router = try await buildRouter(configuration: configuration, store: loaded.store, env: env)
        let accounts = Accounts(store: loaded.store, env: env, hasher: TestScheme.hasher, passwords: ShippedPasswordPolicy.standard)
        let cookie = try await accounts.startSession(for: supervisor).token
        try await Application(router: router).test(.router) { client in
            func get(_ uri: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: "lw_session=\(cookie)"])
                return (response.status, String(buffer: response.body))
            }
            func listed(_ html: String) -> [ReferralID] {
                guard let start = html.range(of: "<ul id=\"reviews\">"), let end = html[start.upperBound...].range(of: "</ul>") else { return [] }
                return html[start.upperBound..<end.lowerBound].components(separatedBy: "<a href=\"/referrals/").dropFirst()
                    .map { ReferralID(String($0.prefix { $0 != "\"" })) }
            }
            let overdue = everyone.filter(\.overdue).count
            let (status, home) = try await get("/referrals")
            #expect(status == .ok && listed(home) == everyone.prefix(CaseloadPage.reviewsShown).map(\.referralID))
            #expect(home.contains(overdue > 0 ? "\(everyone.count) due, \(overdue) overdue." : "\(everyone.count) due."))
            #expect(home.contains("href=\"/referrals?list=reviews\""), "the caseload links the whole list")
            let (_, teamHome) = try await get("/referrals?team=\(team.id.rawValue)")
            #expect(teamHome.contains("href=\"/referrals?list=reviews&amp;team=\(team.id.rawValue)\"") || teamHome.contains("href=\"/referrals?team=\(team.id.rawValue)&amp;list=reviews\""),
                    "the link keeps the team")
            let (one, pageOne) = try await get("/referrals?list=reviews")
            #expect(one == .ok && listed(pageOne) == everyone.prefix(PageNumber.webSize).map(\.referralID))
            #expect(pageOne.contains("aria-label=\"Pages of plan reviews due\"") == (everyone.count > PageNumber.webSize))
            #expect(!pageOne.contains("id=\"reviews-count\"") && !pageOne.contains("id=\"due-title\""), "the list alone")
            // Page 2 is the second fifty, or the last page when there is no second.
            let lastPage = PageNumber(2, size: PageNumber.webSize).clamped(total: everyone.count)
            let (two, pageTwo) = try await get("/referrals?list=reviews&page=2")
            #expect(two == .ok && listed(pageTwo) == Array(everyone.dropFirst(lastPage.offset).prefix(PageNumber.webSize)).map(\.referralID))
            for uri in ["/referrals?list=reviews&page=none", "/referrals?list=reviews&page=0", "/referrals?list=review"] {
                #expect(try await get(uri).0 == .unprocessableContent, "\(uri)")
            }
        }
    }
}
