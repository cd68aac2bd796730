import Foundation
import LinkwellBench
@testable import LinkwellCore
import LinkwellTesting
@_spi(Testing) import LinkwellStorage
import Testing

/// A whole caseload and the panels beside it read together (`CaseloadPanelStore`): on SQL one statement of five parts of
/// different shapes (`SQLStore.together`), with the read's access-log entry. Attacked where joining them could break: a
/// part's rows in another part's columns, a part's rows out of their order (a group oldest first beside one newest
/// first), a value of one part's type read through a union with another's (a timestamp, a count, an optional link
/// worker), the values bound to one part read by another, a team's narrowing, a count of one page against the whole, the
/// entry stored twice or not at all. Each is compared with the five reads apart, which the work-list suites compare with
/// whole cases. Only the SQL stores: the in-memory store reads them apart.
@Suite("A caseload and its panels read together", .closesStores)
struct CaseloadPanelsTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// A caseload's four groups as `CaseworkService.caseloadQuery` makes them: the link worker's (with the waiting list they
    /// may pick up from) or the scheme's, each group's first `size`.
    static func groups(_ worker: UserID?, team: CaseloadTeam?, size: Int) -> [ReferralQuery] {
        [CaseworkService.CaseList.urgent, .waiting, .active, .closed].map { list in
            var query = worker.map { ReferralQuery(linkWorkerID: $0, includeWaiting: true) } ?? ReferralQuery()
            query.waitingFor = worker
            query.statuses = list.statuses
            (query.teamID, query.teamMembers) = (team?.id, team?.members ?? [])
            query.oldestFirst = list == .waiting || list == .urgent
            if list == .urgent { query.urgency = .soon }
            (query.limit, query.offset) = (size, 0)
            return query
        }
    }

    @Test("Read together, a caseload and its panels are the five reads apart, and its entry is stored once: every link worker and the scheme, by team, at several moments",
          arguments: TestBackend.available.filter { $0 != .memory })
    func togetherIsApart(backend: TestBackend) async throws {
        let scheme = LargeScheme(size: .scaled(referrals: 160), seed: 19, now: Self.now)
        let store = try await backend.makeStore()
        try await scheme.load(into: store, batch: 40)
        let workers = scheme.linkWorkers.map(\.id)
        // Teams in an order their ids and names disagree on; one with a member and cases placed on it, one empty.
        let north = TeamID("t-north"), empty = TeamID("a-empty")
        try await store.saveTeam(Team(id: north, name: "North", kind: .locality, createdAt: Self.now.addingTimeInterval(-86_400)))
        try await store.saveTeam(Team(id: empty, name: "Zeta", kind: .need, createdAt: Self.now))
        try await store.setMembers(teamID: north, linkWorkerIDs: [workers[0]])
        let open = try await store.referrals(ReferralQuery(statuses: ReferralStatus.allCases.filter { !$0.isFinal }, limit: 100_000))
        for row in open.enumerated().filter({ $0.offset % 3 == 0 }).map(\.element) { try await store.placeReferral(row.id, on: north) }
        let teams: [CaseloadTeam?] = [nil, CaseloadTeam(id: north, members: [workers[0]]), CaseloadTeam(id: empty, members: [])]

        var seen = (rows: 0, teams: 0, due: 0, overdue: 0, reviews: 0, cut: 0, requests: 0)
        for days in [-40.0, 0, 25, 120] {
            let moment = Self.now.addingTimeInterval(days * 86_400)
            for worker in [nil] + workers { for team in teams { for shown in [1, 4] {
                let query = CaseloadPanelsQuery(linkWorkerID: worker, team: team, now: moment, reviewsDueBy: CalendarDate(moment.addingTimeInterval(7 * 86_400)),
                                                today: CalendarDate(moment), reviewsShown: shown)
                let queries = Self.groups(worker, team: team, size: shown + 2)
                let entry = AuditEvent(id: UUID().uuidString, at: moment, actorID: worker ?? UserID("sv0"), action: "list", recordType: "caseload",
                                       recordID: worker?.rawValue ?? "all", route: "GET /referrals", outcome: .allowed)
                let together = try await store.countedReferrals(queries, logging: entry, beside: query)
                let lists = try await store.countedReferrals(queries, logging: nil)
                let apart = CaseloadPanels(
                    teams: try await store.teams(),
                    measuresDue: try await store.measuresDue(query.measuresDue, at: moment, page: nil),
                    planReviews: try await store.planReviews(linkWorkerID: worker, team: team, dueBy: query.reviewsDueBy, today: query.today,
                                                             page: PageNumber(1, size: shown)),
                    onwardRequests: try await store.openOnwardRequests(linkWorkerID: worker, organisationID: nil, overdueAt: moment))
                let logged = try await store.auditEvents(recordID: entry.recordID, limit: 10_000).filter { $0.id == entry.id }
                #expect(logged == [entry])
                let step = "\(days) days, \(worker?.rawValue ?? "the scheme"), team \(team?.id.rawValue ?? "none"), \(shown) reviews shown"
                #expect(together.totals == lists.totals, "\(step)")
                #expect(together.rows == lists.rows, "\(step): \(together.rows.map { $0.map(\.id.rawValue) }) against \(lists.rows.map { $0.map(\.id.rawValue) })")
                let panels = together.panels
                #expect(panels.teams == apart.teams, "\(step)")
                #expect(panels.measuresDue == apart.measuresDue, "\(step): \(panels.measuresDue) against \(apart.measuresDue)")
                #expect(panels.planReviews == apart.planReviews, "\(step): \(panels.planReviews) against \(apart.planReviews)")
                #expect(panels.onwardRequests == apart.onwardRequests, "\(step): \(panels.onwardRequests.count) against \(apart.onwardRequests.count)")
                seen.rows += together.rows.filter { $0.count > 1 }.count >= 3 ? 1 : 0
                seen.teams += panels.teams.count > 1 ? 1 : 0
                seen.due += panels.measuresDue.total > 0 ? 1 : 0
                seen.overdue += panels.measuresDue.overdue > 0 ? 1 : 0
                seen.reviews += panels.planReviews.rows.count > 1 ? 1 : 0
                seen.cut += panels.planReviews.total > panels.planReviews.rows.count ? 1 : 0
                seen.requests += panels.onwardRequests.count > 1 ? 1 : 0
            } } }
        }
        // Each part had rows to compare: three groups or more of several rows, several teams, measures due and overdue,
        // several reviews and a page cut from more, several requests overdue.
        #expect(seen.rows > 0 && seen.teams > 0 && seen.due > 0 && seen.overdue > 0 && seen.reviews > 0 && seen.cut > 0 && seen.requests > 0, "\(seen)")
    }
}
