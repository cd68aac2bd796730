import Foundation

/// What the panels beside a whole caseload read (`CaseloadPanelStore`).
public struct CaseloadPanelsQuery: Sendable, Equatable {
    /// The link worker whose panels these are; nil for the whole scheme's (a supervisor's).
    public var linkWorkerID: UserID?
    /// One team's caseload (`CaseworkService.caseloadTeam`): the measures and reviews are narrowed to it in the store.
    public var team: CaseloadTeam?
    /// The moment the measures due and the requests overdue are judged at.
    public var now: Date
    /// The plan reviews dated on or before `reviewsDueBy` are counted (`overdue`: those before `today`), and the first
    /// `reviewsShown` of them read.
    public var reviewsDueBy: CalendarDate
    public var today: CalendarDate
    public var reviewsShown: Int

    public init(linkWorkerID: UserID?, team: CaseloadTeam?, now: Date, reviewsDueBy: CalendarDate, today: CalendarDate, reviewsShown: Int) {
        (self.linkWorkerID, self.team, self.now) = (linkWorkerID, team, now)
        (self.reviewsDueBy, self.today, self.reviewsShown) = (reviewsDueBy, today, reviewsShown)
    }

    /// The referrals whose measures due are counted: the link worker's own (or the scheme's), narrowed to the team.
    public var measuresDue: ReferralQuery {
        var query = ReferralQuery(linkWorkerID: linkWorkerID)
        query.teamID = team?.id
        query.teamMembers = team?.members ?? []
        return query
    }
}

/// The panels beside a whole caseload, each exactly what its own store method answers.
public struct CaseloadPanels: Sendable, Equatable {
    /// Every team (`TeamStore.teams`).
    public var teams: [Team]
    /// The measures due, counted only (`measuresDue(query.measuresDue, at: now, page: nil)`).
    public var measuresDue: MeasuresDuePage
    /// The first page of the plan reviews due, counted (`planReviews`).
    public var planReviews: PlanReviewsPage
    /// The referrals out still unanswered whose answer is due by `now`, the link worker's own or the scheme's
    /// (`openOnwardRequests(linkWorkerID:organisationID: nil, overdueAt: now)`).
    public var onwardRequests: [OpenOnwardRequest]

    public init(teams: [Team], measuresDue: MeasuresDuePage, planReviews: PlanReviewsPage, onwardRequests: [OpenOnwardRequest]) {
        (self.teams, self.measuresDue, self.planReviews, self.onwardRequests) = (teams, measuresDue, planReviews, onwardRequests)
    }
}

/// The panels beside a whole caseload read together.
///
/// The caseload page shows, beside its groups, the teams to narrow it by, the measures due, the plan reviews due and
/// the referrals out overdue an answer: four reads, each a round trip of its own on PostgreSQL and a turn on a reader's
/// thread on SQLite, on every view of the page people open most (issue #19: a throwaway build without the four, their
/// statements, rows and panels all left out, took a quarter off a caseload view's CPU on PostgreSQL).
///
/// Every implementation must guarantee that the panels are exactly what the four methods answer apart
/// (`CaseloadPanelsTests` compares them on both SQL stores, for link workers, supervisors and teams).
public protocol CaseloadPanelStore: Sendable {
    func caseloadPanels(_ query: CaseloadPanelsQuery) async throws -> CaseloadPanels
}

extension CaseloadPanelStore where Self: CaseSummaryStore & TeamStore & OnwardThreadStore {
    /// Each panel read on its own method (the in-memory store, which has no round trips to save).
    public func caseloadPanels(_ query: CaseloadPanelsQuery) async throws -> CaseloadPanels {
        CaseloadPanels(
            teams: try await teams(),
            measuresDue: try await measuresDue(query.measuresDue, at: query.now, page: nil),
            planReviews: try await planReviews(linkWorkerID: query.linkWorkerID, team: query.team, dueBy: query.reviewsDueBy, today: query.today,
                                               page: PageNumber(1, size: query.reviewsShown)),
            onwardRequests: try await openOnwardRequests(linkWorkerID: query.linkWorkerID, organisationID: nil, overdueAt: query.now))
    }
}
