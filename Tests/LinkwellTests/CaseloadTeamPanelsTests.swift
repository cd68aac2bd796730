import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// The caseload page's `team` choice narrows its panels (measures due, reviews due, overdue requests, concerns,
/// visits, the link workers' caseloads) as it narrows its lists (issue #17): a team's rows are those whose
/// referral is placed on the team or allocated to one of its link workers.
@Suite("Caseload panels narrowed to a team", .closesStores)
struct CaseloadTeamPanelsTests {
    @Test("Panel rows kept by placement or allocation, caseloads by membership; an unknown team refused", arguments: TestBackend.available)
    func panels(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (north, south, placedNorth, byNorthWorker, bySouthWorker) = try await CaseloadTeamTests.northAndSouth(s)
        let sup = s.request(s.supervisor)
        func submit(_ name: String) async throws -> ReferralID { try await CaseloadTeamTests.submit(name, s) }
        // Placed on the south team but allocated to the north team's link worker: on both teams' lists.
        let placedSouthByNorth = try await submit("Dee")
        _ = try await s.casework.accept(placedSouthByNorth, s.request(s.linkWorker))
        try await s.store.placeReferral(placedSouthByNorth, on: south.id)
        let unplaced = try await submit("Eve")

        struct Row { var id: ReferralID; var label: String }
        let rows = [placedNorth, byNorthWorker, bySouthWorker, placedSouthByNorth, unplaced].enumerated().map { Row(id: $1, label: "row \($0)") }
        func narrowed(_ team: String?) async throws -> [ReferralID] {
            try await s.casework.narrow(rows, toTeam: team, referralID: \.id, sup).map(\.id)
        }
        #expect(try await narrowed(north.id.rawValue) == [placedNorth, byNorthWorker, placedSouthByNorth])
        #expect(try await narrowed(south.id.rawValue) == [bySouthWorker, placedSouthByNorth])
        #expect(try await narrowed(nil) == rows.map(\.id))
        #expect(try await narrowed("") == rows.map(\.id))
        await #expect(throws: LinkwellError.self) { try await narrowed("no-such-team") }

        let caseloads = try await s.casework.caseloads(sup)
        let northCaseloads = try await s.casework.narrow(caseloads, toTeam: north.id.rawValue, sup)
        #expect(!northCaseloads.isEmpty && northCaseloads.allSatisfy { $0.linkWorkerID == s.linkWorker.id })
        #expect(try await s.casework.narrow(caseloads, toTeam: nil, sup) == caseloads)

        // The page itself answers with the team chosen.
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.supervisor.email)
            #expect(try await browser.go(.get, "/referrals?team=\(north.id.rawValue)").0.status == .ok)
            #expect(try await browser.go(.get, "/referrals?team=nowhere").0.status == .unprocessableContent)
        }
    }
}
