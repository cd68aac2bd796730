import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellTesting
@_spi(Testing) import LinkwellStorage
import Testing

/// The panels beside a whole caseload read together (`CaseloadPanelStore`): on SQL one statement of four parts of
/// different shapes (`SQLStore.together`). Attacked where joining them could break: a part's rows in another part's
/// columns, a part's rows out of their order, a value of one part's type read through a union with another's (a
/// timestamp, a count, an optional link worker), the values bound to one part read by another, a team's narrowing, a
/// count of one page against the whole. Each is compared with the four reads apart, which the work-list suites compare
/// with whole cases. Only the SQL stores: the in-memory store reads the panels apart.
@Suite("The caseload's panels read together", .closesStores)
struct CaseloadPanelsTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    @Test("Read together, the panels are the four reads apart: every link worker and the scheme, by team, at several moments",
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

        var seen = (teams: 0, due: 0, overdue: 0, reviews: 0, cut: 0, requests: 0, unallocated: 0)
        for days in [-40.0, 0, 25, 120] {
            let moment = Self.now.addingTimeInterval(days * 86_400)
            for worker in [nil] + workers { for team in teams { for shown in [1, 4] {
                let query = CaseloadPanelsQuery(linkWorkerID: worker, team: team, now: moment, reviewsDueBy: CalendarDate(moment.addingTimeInterval(7 * 86_400)),
                                                today: CalendarDate(moment), reviewsShown: shown)
                let together = try await store.caseloadPanels(query)
                let apart = CaseloadPanels(
                    teams: try await store.teams(),
                    measuresDue: try await store.measuresDue(query.measuresDue, at: moment, page: nil),
                    planReviews: try await store.planReviews(linkWorkerID: worker, team: team, dueBy: query.reviewsDueBy, today: query.today,
                                                             page: PageNumber(1, size: shown)),
                    onwardRequests: try await store.openOnwardRequests(linkWorkerID: worker, organisationID: nil, overdueAt: moment))
                let step = "\(days) days, \(worker?.rawValue ?? "the scheme"), team \(team?.id.rawValue ?? "none"), \(shown) reviews shown"
                #expect(together.teams == apart.teams, "\(step)")
                #expect(together.measuresDue == apart.measuresDue, "\(step): \(together.measuresDue) against \(apart.measuresDue)")
                #expect(together.planReviews == apart.planReviews, "\(step): \(together.planReviews) against \(apart.planReviews)")
                #expect(together.onwardRequests == apart.onwardRequests, "\(step): \(together.onwardRequests.count) against \(apart.onwardRequests.count)")
                seen.teams += together.teams.count > 1 ? 1 : 0
                seen.due += together.measuresDue.total > 0 ? 1 : 0
                seen.overdue += together.measuresDue.overdue > 0 ? 1 : 0
                seen.reviews += together.planReviews.rows.count > 1 ? 1 : 0
                seen.cut += together.planReviews.total > together.planReviews.rows.count ? 1 : 0
                seen.requests += together.onwardRequests.count > 1 ? 1 : 0
                seen.unallocated += together.onwardRequests.contains { $0.linkWorkerID == nil } ? 1 : 0
            } } }
        }
        // Each part had rows to compare: several teams, measures due and overdue, several reviews and a page cut from
        // more, several requests overdue.
        #expect(seen.teams > 0 && seen.due > 0 && seen.overdue > 0 && seen.reviews > 0 && seen.cut > 0 && seen.requests > 0, "\(seen)")
    }
}
