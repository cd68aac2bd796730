import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// The supervisor's lists narrowed to one team (issue #17), on every backend: a team's caseload is the referrals
/// placed on it and those allocated to its link workers; counted, paged and searched in the database.
@Suite("Caseload narrowed to a team", .closesStores)
struct CaseloadTeamTests {
    /// Two teams, North (the link worker) and South (the other link worker), and three referrals an hour apart:
    /// one placed on North and waiting, one accepted by North's link worker, one by South's.
    static func northAndSouth(_ s: TestScheme) async throws
        -> (north: Team, south: Team, placedNorth: ReferralID, byNorthWorker: ReferralID, bySouthWorker: ReferralID) {
        let sup = s.request(s.supervisor)
        let teams = TeamService(store: s.store, env: s.env)
        let north = try await teams.createTeam(name: "North", kind: "locality", sup)
        let south = try await teams.createTeam(name: "South", kind: "locality", sup)
        _ = try await teams.setMembers(north.id.rawValue, linkWorkerIDs: [s.linkWorker.id.rawValue], sup)
        _ = try await teams.setMembers(south.id.rawValue, linkWorkerIDs: [s.otherLinkWorker.id.rawValue], sup)
        let placedNorth = try await submit("Ann", s)
        try await s.store.placeReferral(placedNorth, on: north.id)
        let byNorthWorker = try await submit("Ben", s)
        _ = try await s.casework.accept(byNorthWorker, s.request(s.linkWorker))
        let bySouthWorker = try await submit("Cat", s)
        _ = try await s.casework.accept(bySouthWorker, s.request(s.otherLinkWorker))
        return (north, south, placedNorth, byNorthWorker, bySouthWorker)
    }

    /// A GP's referral of `name`; the clock then moves on an hour.
    static func submit(_ name: String, _ s: TestScheme) async throws -> ReferralID {
        let id = try await s.casework.submitReferral(TestScheme.submission(givenName: name, nhsNumber: nil), by: Principal(s.referrer)).referral.id
        s.clock.advance(seconds: 3_600)
        return id
    }

    @Test("A team's waiting list and active cases, counted and paged; an unknown team or a referrer's filter is refused",
          arguments: TestBackend.available)
    func teamFilter(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (north, south, placedNorth, byNorthWorker, bySouthWorker) = try await Self.northAndSouth(s)
        let sup = s.request(s.supervisor)
        func submit(_ name: String) async throws -> ReferralID { try await Self.submit(name, s) }
        let unplaced = try await submit("Dan")

        func lists(_ team: String?, search: String? = nil, limit: Int = 10) async throws -> [(ids: Set<ReferralID>, total: Int, more: Bool)] {
            try await s.casework.caseloadLists(sup, lists: [(.waiting, PageRequest(limit: limit)), (.active, PageRequest(limit: limit))],
                                               search: search, team: team)
                .map { (Set($0.page.rows.map(\.id)), $0.total, $0.page.next != nil) }
        }
        let northLists = try await lists(north.id.rawValue)
        #expect(northLists.map(\.ids) == [[placedNorth], [byNorthWorker]])
        #expect(northLists.map(\.total) == [1, 1])
        let southLists = try await lists(south.id.rawValue)
        #expect(southLists.map(\.ids) == [[], [bySouthWorker]])
        let all = try await lists(nil)
        #expect(all.map(\.ids) == [[placedNorth, unplaced], [byNorthWorker, bySouthWorker]])
        #expect(try await lists("").map(\.ids) == all.map(\.ids), "an empty choice is every team")
        let paged = try await lists(nil, limit: 1)
        #expect(paged.map(\.more) == [true, true] && paged.map(\.total) == [2, 2])
        #expect(try await lists(north.id.rawValue, search: "ben").map(\.ids) == [[], [byNorthWorker]])
        #expect(try await lists(north.id.rawValue, search: "cat").map(\.ids) == [[], []])

        await #expect(throws: LinkwellError.self) { try await lists("no-such-team") }
        await #expect(throws: LinkwellError.self) {
            try await s.casework.caseloadLists(s.request(s.referrer), lists: [(.waiting, PageRequest(limit: 5))], team: north.id.rawValue)
        }
        #expect(try await s.casework.caseloadTeams(sup).map(\.name) == ["North", "South"])
        #expect(try await s.casework.caseloadTeams(s.request(s.referrer)).isEmpty)
    }
}
