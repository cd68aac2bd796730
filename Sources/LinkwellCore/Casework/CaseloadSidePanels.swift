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

    /// The whole caseload's side panels, read together (`CaseloadPanelStore`: one statement on SQL where they were four),
    /// each as its own list gives it (`caseloadTeams`, `OutcomeService.dueList` with no page, `dueReviews`,
    /// `overdueRequests`), `team` narrowing the measures and reviews in the store. Read only beside the whole caseload,
    /// whose own access-log entry covers them, as it covers each of them read there apart.
    public func caseloadPanels(_ request: Request, team: String?, reviewsShown: Int) async throws -> SidePanels {
        let p = request.principal
        guard p.role == .linkWorker || p.role == .supervisor else { throw LinkwellError.forbidden("Only link workers and supervisors have a caseload's panels.") }
        let now = env.now(), today = CalendarDate(now)
        let found = try await store.caseloadPanels(CaseloadPanelsQuery(
            linkWorkerID: p.role == .linkWorker ? p.userID : nil, team: try await caseloadTeam(team, p), now: now,
            reviewsDueBy: CalendarDate(now.addingTimeInterval(7 * 86_400)), today: today, reviewsShown: reviewsShown))
        let due = found.measuresDue
        return SidePanels(
            teams: Self.byName(found.teams),
            due: OutcomeService.DueList(page: CountedPage(rows: [], total: due.total, page: PageNumber(1).clamped(total: due.total)), overdue: due.overdue),
            reviews: Self.dueReviews(found.planReviews, page: PageNumber(1, size: reviewsShown), today: today),
            requests: Self.overdue(found.onwardRequests, role: p.role, at: now))
    }
}
