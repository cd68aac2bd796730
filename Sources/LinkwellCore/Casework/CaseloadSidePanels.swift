import Foundation

extension CaseworkService {
    /// What the whole caseload shows beside its groups.
    public struct SidePanels: Sendable {
        /// Every team, by name, to narrow the page by.
        public var teams: [Team]
        /// The measures due, counted (no rows: the table is `?list=measures`).
        public var due: OutcomeService.DueList
        /// The earliest plan reviews due, counted.
        public var reviews: DueReviews
        /// The referrals out overdue an answer (not narrowed to a team: `narrow` does that, as for the other panels).
        public var requests: [OverdueRequest]
    }

    /// The whole caseload (each of `lists` its first page of `size`, counted) and its side panels, read together
    /// (`CaseloadPanelStore`: one statement on SQL, with the read's access-log entry, where they were five and an entry):
    /// each list as `caseloadPages` gives it, each panel as its own list does (`caseloadTeams`, `OutcomeService.dueList`
    /// with no page, `dueReviews`, `overdueRequests`), `team` narrowing the lists, measures and reviews in the store. The
    /// caseload's one access-log entry covers the panels, as it covers each of them read beside it apart.
    public func caseloadWithPanels(_ request: Request, lists: [CaseList], size: Int, search: String? = nil, team: String? = nil,
                                   reviewsShown: Int) async throws -> (groups: [(list: CaseList, page: CountedPage<ReferralSummary>)], panels: SidePanels) {
        let p = request.principal
        guard p.role == .linkWorker || p.role == .supervisor else { throw LinkwellError.forbidden("Only link workers and supervisors have a caseload's panels.") }
        let scope = try await caseloadTeam(team, p)
        let first = PageNumber(1, size: size)
        let queries = try lists.map { Self.window(try caseloadQuery(p, $0, search: search, team: scope), first) }
        let now = env.now(), today = CalendarDate(now)
        let panels = CaseloadPanelsQuery(linkWorkerID: p.role == .linkWorker ? p.userID : nil, team: scope, now: now,
                                         reviewsDueBy: CalendarDate(now.addingTimeInterval(7 * 86_400)), today: today, reviewsShown: reviewsShown)
        let found = try await store.countedReferrals(queries, logging: ownListEntry(request, "caseload"), beside: panels)
        let groups = lists.indices.map { (list: lists[$0], page: CountedPage(rows: found.rows[$0], total: found.totals[$0], page: first)) }
        let due = found.panels.measuresDue
        return (groups, SidePanels(
            teams: Self.byName(found.panels.teams),
            due: OutcomeService.DueList(page: CountedPage(rows: [], total: due.total, page: PageNumber(1).clamped(total: due.total)), overdue: due.overdue),
            reviews: Self.dueReviews(found.panels.planReviews, page: PageNumber(1, size: reviewsShown), today: today),
            requests: Self.overdue(found.panels.onwardRequests, role: p.role, at: now)))
    }
}
