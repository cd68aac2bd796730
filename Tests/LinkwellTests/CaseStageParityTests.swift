import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellTesting
import Testing

/// The due-measures rule reads lean rows (`caseStages`, `measuresTaken`) in place of whole list rows and whole
/// administrations (issue #19: a supervisor's team view read 6,000 list rows with their needs and counts, and
/// every answer of every measure, to count what is due). The lean reads must list exactly what the full ones do,
/// for every filter the rule uses, on every backend; `updatedSince` must cut exactly where the in-memory rule did.
@Suite("Lean reads for the due-measures rule", .closesStores)
struct CaseStageParityTests {
    static func stage(_ r: ReferralSummary) -> CaseStage { CaseStage(id: r.id, status: r.status, updatedAt: r.updatedAt) }

    @Test("caseStages lists what referrals lists, and measuresTaken what administrations holds, in the same order",
          arguments: TestBackend.available)
    func sameRows(backend: TestBackend) async throws {
        // Over 500 referrals, so that administrations are read in more than one slice and merged.
        let l = try await WorkListsTests.load(backend, seed: 23, referrals: 520)
        let inSupport: [ReferralStatus] = [.engaged, .planAgreed, .active, .review]
        let teams = TeamService(store: l.store, env: l.env)
        let team = try await teams.createTeam(name: "Stages", kind: "locality", l.request(l.scheme.supervisors[0]))
        let members = Array(l.scheme.linkWorkers.prefix(2).map(\.id))
        _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: members.map(\.rawValue), l.request(l.scheme.supervisors[0]))
        // Some unallocated referrals placed on the team: the team filter's other half.
        for c in l.cases.filter({ $0.referral.linkWorkerID == nil }).prefix(3) { try await l.store.placeReferral(c.referral.id, on: team.id) }

        let updates = l.cases.map(\.referral.updatedAt).sorted()
        let middle = updates[updates.count / 2]
        var queries: [(String, ReferralQuery)] = [
            ("every case", ReferralQuery(limit: 10_000)),
            ("a scheme's cases in support", ReferralQuery(statuses: inSupport, limit: 10_000)),
            ("closed, changed since the middle", { var q = ReferralQuery(statuses: [.closed], limit: 10_000); q.updatedSince = middle; return q }()),
            ("oldest first, a page in", { var q = ReferralQuery(statuses: inSupport, limit: 7); q.oldestFirst = true; q.offset = 5; return q }()),
        ]
        for lw in l.scheme.linkWorkers.prefix(3) {
            queries.append(("\(lw.id) in support", ReferralQuery(linkWorkerID: lw.id, statuses: inSupport, limit: 10_000)))
        }
        var teamQuery = ReferralQuery(statuses: inSupport + [.received, .triaged], limit: 10_000)
        teamQuery.teamID = team.id
        teamQuery.teamMembers = members
        queries.append(("the team's", teamQuery))

        var nonEmpty = 0
        for (name, query) in queries {
            let full = try await l.store.referrals(query).map(Self.stage)
            let lean = try await l.store.caseStages(query)
            #expect(lean == full, "\(name)")
            if !full.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty == queries.count, "every query lists some cases")

        // `updatedSince` cuts at the same instant as the rule in memory did (`updatedAt >= since`, the boundary kept).
        let closed = try await l.store.referrals(ReferralQuery(statuses: [.closed], limit: 10_000))
        let cut = try #require(closed.map(\.updatedAt).sorted().dropFirst(closed.count / 3).first)
        var since = ReferralQuery(statuses: [.closed], limit: 10_000)
        since.updatedSince = cut
        let kept = try await l.store.referrals(since)
        #expect(kept.map(\.id) == closed.filter { $0.updatedAt >= cut }.map(\.id))
        #expect(kept.contains { $0.updatedAt == cut } && kept.count < closed.count, "the boundary kept, earlier ones left out")

        // Measures taken: every referral (two slices), one instrument and none.
        let ids = l.cases.map(\.referral.id)
        let administrations = try await l.store.administrations(referralIDs: ids)
        let instruments = Set(administrations.map(\.instrumentID))
        #expect(administrations.count > 100 && !instruments.isEmpty, "the scheme has measures taken")
        for instrument in instruments {
            let expected = administrations.filter { $0.instrumentID == instrument }
                .map { MeasureTaken(referralID: $0.referralID, instrumentID: $0.instrumentID, timepoint: $0.timepoint, administeredAt: $0.administeredAt) }
            let taken = try await l.store.measuresTaken(referralIDs: ids, instrumentIDs: [instrument])
            // Equal times may come in either order between the two reads' slices; each referral's own history,
            // which is what the rule reads, must be in the same order.
            #expect(Dictionary(grouping: taken, by: \.referralID) == Dictionary(grouping: expected, by: \.referralID), "\(instrument)")
            #expect(taken.map(\.administeredAt) == taken.map(\.administeredAt).sorted(), "oldest first")
        }
        #expect(try await l.store.measuresTaken(referralIDs: ids, instrumentIDs: []).isEmpty)
    }
}
