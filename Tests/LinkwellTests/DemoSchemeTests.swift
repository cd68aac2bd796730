import Foundation
import LinkwellCommands
import LinkwellCore
import LinkwellStorage
import Testing

@Suite("Demo scheme", .closesStores)
struct DemoSchemeTests {
    @Test("The demo seeds people at every stage through the real casework rules, once")
    func seeds() async throws {
        let store = MemoryStore()
        let logins = try await DemoScheme.seed(into: store, bcryptCost: 4)
        #expect(logins.rows.count == 12 && logins.summary.contains("linkworker@demo.linkwell.test"))
        let referrals = try await store.referrals(ReferralQuery(limit: 10_000))
        #expect(referrals.count == 200)
        let byStatus = Dictionary(grouping: referrals, by: \.status).mapValues(\.count)
        #expect(byStatus[.received] == 22 && byStatus[.declined] == 8 && byStatus[.unableToContact] == 6 && byStatus[.closed] == 30)
        #expect(byStatus[.active] == 60 && byStatus[.review] == 10 && byStatus[.engaged] == 20)
        #expect(try await store.services().count >= 30)
        #expect(try await store.administrations(instrumentID: "ons4").count > 100)
        let ledger = try await store.ledger(contractID: nil, organisationID: nil)
        #expect(try await store.contracts().count == 2 && !ledger.isEmpty)
        #expect(try await store.referralCounts(by: [], where: InsightFilter()).first?.count == 200, "every referral has its insight facts")
        #expect(try await store.closingFeedback(where: InsightFilter(), limit: 100).count == 30)
        _ = try await DemoScheme.seed(into: store, bcryptCost: 4)
        #expect(try await store.referrals(ReferralQuery(limit: 10_000)).count == 200, "seeding twice adds nothing")
    }
}
