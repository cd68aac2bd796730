import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellTesting
import Testing

/// A team's rows are chosen in the store before any limit (issue #19): the caseload page's measures-due and
/// reviews-due panels, and a team's waiting list, used to read the first N rows of everyone's and then keep
/// the team's, so a team whose rows lay beyond N others' saw an empty or short panel. On a seeded large scheme,
/// on every backend, each is compared with the list worked out from the whole cases.
@Suite("Team filter in the store, before the limit", .closesStores)
struct TeamFilterInStoreTests {
    @Test("Reviews and measures due for a team whose rows lie beyond the limit; the team's waiting list by keyset",
          arguments: TestBackend.available)
    func beyondTheLimit(backend: TestBackend) async throws {
        let l = try await WorkListsTests.load(backend, seed: 11, referrals: 240)
        let supervisor = l.scheme.supervisors[0], sup = l.request(supervisor)
        let now = WorkListsTests.now
        // A team of the one link worker whose reviews come last, plus some waiting referrals placed on it.
        let horizon = CalendarDate(now.addingTimeInterval(7 * 86_400))
        let reviewing = l.cases.filter { c in
            [.planAgreed, .active, .review].contains(c.referral.status) && (c.plan?.reviewDate).map { $0 <= horizon } == true
        }.sorted { ($0.plan!.reviewDate!, $0.referral.id.rawValue) < ($1.plan!.reviewDate!, $1.referral.id.rawValue) }
        let last = try #require(reviewing.last?.referral.linkWorkerID, "the scheme has reviews due")
        let teams = TeamService(store: l.store, env: l.env)
        let team = try await teams.createTeam(name: "Late reviewers", kind: "locality", sup)
        _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: [last.rawValue], sup)
        let waiting = l.cases.filter { $0.referral.linkWorkerID == nil && [.received, .triaged].contains($0.referral.status) }
        let placed = Set(waiting.map(\.referral.id))
        for id in placed { try await l.store.placeReferral(id, on: team.id) }
        func inTeam(_ c: Case) -> Bool { placed.contains(c.referral.id) || c.referral.linkWorkerID == last }

        // Reviews due: with a limit smaller than the rows before the team's, the team still gets its own.
        let theirs = reviewing.filter(inTeam)
        let limit = 3
        let before = reviewing.prefix(limit).filter(inTeam).count
        #expect(before < min(limit, theirs.count), "the team's reviews lie beyond the first \(limit) of everyone's")
        let reviews = try await l.casework.dueReviews(sup, limit: limit, team: team.id.rawValue)
        #expect(reviews.map(\.referralID) == theirs.prefix(limit).map(\.referral.id))
        #expect(reviews.map(\.personName) == theirs.prefix(limit).map(\.person.fullName))
        #expect(try await l.casework.dueReviews(sup, team: team.id.rawValue).map(\.referralID) == theirs.map(\.referral.id))
        #expect(try await l.casework.dueReviews(sup, limit: 1_000).map(\.referralID) == reviewing.map(\.referral.id), "no team: everyone's")

        // Measures due: the team's are those of everyone's whose referral is the team's, in the same order.
        let outcomes = OutcomeService(store: l.store, casework: l.casework)
        let everyone = try await outcomes.dueMeasures(sup, limit: 100_000)
        // Counted in full, never as the shown page (the caseload said "200 due" of a larger scheme): totals over every
        // measure due, and numbered pages that walk them all in order.
        let counted = try await outcomes.dueList(sup, page: nil)
        #expect(counted.total == everyone.count && counted.overdue == everyone.filter(\.overdue).count && counted.page.rows.isEmpty)
        let size = 3
        #expect(everyone.count > 2 * size, "several pages of measures due")
        var walkedDue: [OutcomeService.DueMeasure] = []
        for n in 1...(PageNumber.count(total: everyone.count, size: size) + 1) {
            let page = try await outcomes.dueList(sup, page: PageNumber(n, size: size))
            #expect(page.total == everyone.count && page.overdue == counted.overdue)
            if page.page.page.number == n { walkedDue += page.page.rows } else { #expect(n > page.page.pageCount, "past the end: the last page") }
        }
        #expect(walkedDue == everyone)
        let byID = Dictionary(uniqueKeysWithValues: l.cases.map { ($0.referral.id, $0) })
        let teamDue = everyone.filter { byID[$0.referralID].map(inTeam) == true }
        #expect(!teamDue.isEmpty, "the team has measures due")
        let scope = CaseloadTeam(id: team.id, members: [last])
        let firstFew = min(4, teamDue.count)
        if everyone.prefix(firstFew).filter({ byID[$0.referralID].map(inTeam) == true }).count == firstFew {
            Issue.record("the fixture should put other teams' measures first")
        }
        #expect(try await outcomes.dueMeasures(sup, limit: firstFew, team: scope) == Array(teamDue.prefix(firstFew)))
        #expect(try await outcomes.dueMeasures(sup, limit: 100_000, team: scope) == teamDue)
        #expect(try await outcomes.dueList(sup, page: nil, team: scope).total == teamDue.count)

        // The team's waiting list: only referrals placed on it, oldest first, walked by keyset.
        let expected = waiting.filter { placed.contains($0.referral.id) }
            .sorted { ($0.referral.receivedAt, $0.referral.id.rawValue) < ($1.referral.receivedAt, $1.referral.id.rawValue) }
        #expect(expected.count >= 2, "a few waiting referrals on the team")
        let walked = try await WorkListsTests.walk(1) { try await teams.waitingList(team.id.rawValue, page: $0, sup) }
        #expect(walked.map(\.id) == expected.map(\.referral.id))
        #expect(try await teams.waitingList(team.id.rawValue, sup).map(\.id) == expected.map(\.referral.id))
        // A page read after the first referral was taken continues after the cursor, neither repeating nor skipping.
        let first = try await teams.waitingList(team.id.rawValue, page: PageRequest(limit: 1), sup)
        _ = try await l.casework.accept(first.rows[0].id, l.request(try #require(l.scheme.linkWorkers.first { $0.id == last })))
        let rest = try await WorkListsTests.walk(1) { page in
            try await teams.waitingList(team.id.rawValue, page: PageRequest(limit: page.limit, after: page.after ?? first.next), sup)
        }
        #expect(first.rows.map(\.id) + rest.map(\.id) == expected.map(\.referral.id))
        try await l.store.shutdown()
    }
}
