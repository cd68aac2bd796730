import Foundation
import LinkwellCore

/// `CaseSummaryStore` (part of `LinkwellStore`).
extension MemoryStore {
    public func countReferrals(_ query: ReferralQuery) async throws -> Int {
        var query = query
        query.after = nil
        return cases.values.filter { query.matches($0.referral, person: $0.person, team: caseTeam($0.referral.id)) }.count
    }

    /// Whether a row at (`at`, `id`) comes strictly after the cursor in newest-first order.
    static func isAfter(_ cursor: PageCursor?, at: Date, id: String) -> Bool {
        guard let cursor else { return true }
        return (at, id) < (cursor.at, cursor.id)
    }

    public func onwardInbox(organisationID: OrganisationID, page: PageRequest) async throws -> [OnwardInboxRow] {
        cases.values.flatMap { c in
            c.onwardReferrals.compactMap { o -> OnwardInboxRow? in
                guard let service = servicesByID[o.serviceID], service.organisationID == organisationID,
                      Self.isAfter(page.after, at: o.createdAt, id: o.id.rawValue) else { return nil }
                return OnwardInboxRow(summary: OnwardSummary(id: o.id, referralID: c.referral.id, serviceID: service.id, serviceName: service.name,
                                                             personName: c.person.fullName, status: o.status, createdAt: o.createdAt),
                                      consentPurposes: c.referral.consent.purposes)
            }
        }
        .sorted { ($0.summary.createdAt, $0.summary.id.rawValue) > ($1.summary.createdAt, $1.summary.id.rawValue) }
        .prefix(page.limit).map { $0 }
    }

    public func messages(recipientID: UserID, page: PageRequest) async throws -> [MessageBack] {
        cases.values.flatMap(\.messages).filter { $0.recipientID == recipientID && Self.isAfter(page.after, at: $0.createdAt, id: $0.id.rawValue) }
            .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }
            .prefix(page.limit).map { $0 }
    }

    public func loadCases(_ ids: [ReferralID]) async throws -> [Case] {
        ids.compactMap { id in
            guard var c = cases[id] else { return nil }
            c.team = caseTeam(id)
            return c
        }
    }

    public func planReviews(linkWorkerID: UserID?, team: CaseloadTeam?, dueBy: CalendarDate, today: CalendarDate, page: PageNumber) async throws -> PlanReviewsPage {
        let all = cases.values.compactMap { c -> PlanReviewRow? in
            guard c.referral.status.hasPlanReviews, linkWorkerID == nil || c.referral.linkWorkerID == linkWorkerID,
                  team.map({ team in teamData.placements[c.referral.id] == team.id || c.referral.linkWorkerID.map(team.members.contains) == true }) ?? true,
                  let date = c.plan?.reviewDate, date <= dueBy else { return nil }
            return PlanReviewRow(referralID: c.referral.id, personName: c.person.fullName, reviewDate: date)
        }
        .sorted { ($0.reviewDate, $0.referralID.rawValue) < ($1.reviewDate, $1.referralID.rawValue) }
        let shown = page.clamped(total: all.count)
        return PlanReviewsPage(rows: Array(all.dropFirst(shown.offset).prefix(shown.size)), total: all.count,
                               overdue: all.filter { $0.reviewDate < today }.count)
    }

    public func caseloadCounts(receivedSince since: Date) async throws -> [CaseloadCount] {
        Dictionary(grouping: cases.values.compactMap { c in c.referral.linkWorkerID.map { ($0, c.referral) } }, by: \.0)
            .map { id, rows in
                CaseloadCount(linkWorkerID: id, open: rows.filter { !$0.1.status.isFinal }.count,
                              receivedSince: rows.filter { $0.1.receivedAt >= since }.count)
            }
            .sorted { $0.linkWorkerID.rawValue < $1.linkWorkerID.rawValue }
    }

    public func administrations(referralIDs: [ReferralID]) async throws -> [Administration] {
        let wanted = Set(referralIDs)
        return outcomes.filter { wanted.contains($0.referralID) }.sorted { $0.administeredAt < $1.administeredAt }
    }

    /// The rule worked out afresh over every case (the in-memory store keeps no read model).
    public func measuresDue(_ query: ReferralQuery, at now: Date, page: PageNumber?) async throws -> MeasuresDuePage {
        let taken = Dictionary(grouping: outcomes.filter { $0.instrumentID == MeasureDue.instrumentID }
            .sorted { $0.administeredAt < $1.administeredAt }
            .map { MeasureTaken(referralID: $0.referralID, instrumentID: $0.instrumentID, timepoint: $0.timepoint, administeredAt: $0.administeredAt) },
            by: \.referralID)
        let due = cases.values
            .filter { query.matches($0.referral, person: $0.person, team: caseTeam($0.referral.id)) }
            .compactMap { c -> CaseMeasureDue? in
                guard let window = MeasureDue.window(status: c.referral.status, updatedAt: c.referral.updatedAt, taken: taken[c.referral.id] ?? []),
                      window.isDue(at: now) else { return nil }
                return CaseMeasureDue(referralID: c.referral.id, due: window)
            }
            .sorted { ($0.due.dueAt, $0.referralID.rawValue) < ($1.due.dueAt, $1.referralID.rawValue) }
        let rows = page.map { $0.clamped(total: due.count) }.map { Array(due.dropFirst($0.offset).prefix($0.size)) } ?? []
        return MeasuresDuePage(rows: rows, total: due.count, overdue: due.filter { $0.due.isOverdue(at: now) }.count)
    }

    public func personNames(referralIDs: [ReferralID]) async throws -> [ReferralID: String] {
        var result: [ReferralID: String] = [:]
        for id in referralIDs { if let c = cases[id] { result[id] = c.person.fullName } }
        return result
    }
}
