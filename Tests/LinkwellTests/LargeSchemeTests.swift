import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// The large synthetic scheme of the page benchmarks: its journeys are the casework actions' own
/// changes, and loading them in bulk (`ReferralImportStore` with history) stores exactly what the
/// casework path (`createReferral`, then `apply` of each change, `saveAdministration`, `saveFacts`)
/// stores, on every backend.
@Suite("Large synthetic scheme", .closesStores)
struct LargeSchemeTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let scheme = LargeScheme(size: .scaled(referrals: 240), seed: 5, now: now)

    static func prepare(_ backend: TestBackend) async throws -> any LinkwellStore {
        let store = try await backend.makeStore()
        for organisation in scheme.practices + scheme.providers + [scheme.schemeOrganisation] { try await store.createOrganisation(organisation) }
        for service in scheme.services { try await store.createService(service) }
        for user in scheme.users { try await store.createUser(user) }
        return store
    }

    @Test("The journeys are a realistic mix of stages and histories")
    func realistic() throws {
        let records = try Self.scheme.referrals(0..<240)
        let statuses = Dictionary(grouping: records, by: \.referral.status.rawValue)
        let final = Dictionary(grouping: records.map { r in r.history.last?.referral.status ?? r.referral.status }, by: { $0 }).mapValues(\.count)
        // Most of five years' referrals have ended; some wait, some are in support now.
        #expect(statuses.keys.count == 1, "every referral is stored as received; the history moves it on")
        #expect((final[.closed] ?? 0) > 100)
        #expect((final[.received] ?? 0) >= 1 && (final[.declined] ?? 0) >= 5 && (final[.unableToContact] ?? 0) >= 5)
        #expect([.engaged, .planAgreed, .active, .review, .accepted, .contactAttempted].contains { (final[$0] ?? 0) > 0 })
        #expect(records.contains { r in r.history.contains { !$0.attendance.isEmpty } })
        #expect(records.contains { r in r.history.contains { $0.plan != nil } })
        #expect(records.filter { !$0.administrations.isEmpty }.count > 100)
        #expect(records.allSatisfy { r in r.history.allSatisfy { $0.facts == nil } })
        #expect(records.allSatisfy { $0.referral.receivedAt <= Self.now })
        #expect(try Self.scheme.referral(17) == records[17], "a referral depends only on its index")
    }

    @Test("Loading in bulk with histories stores what the casework path stores", arguments: TestBackend.available)
    func sameAsCasework(backend: TestBackend) async throws {
        let records = try Self.scheme.referrals(0..<40)  // small for CI: every stage mix appears by 40
        let bulk = try await Self.prepare(backend), casework = try await Self.prepare(backend)
        let importer = try #require(bulk as? any ReferralImportStore)
        try await importer.importReferrals(Array(records.prefix(15)))
        try await importer.importReferrals(Array(records.dropFirst(15)))
        for r in records {
            try await casework.createReferral(person: r.person, referral: r.referral, event: r.event)
            for change in r.history { try await casework.apply(change) }
            for a in r.administrations { try await casework.saveAdministration(a) }
            try await casework.saveFacts(r.facts)
        }
        for r in records {
            let stored = try #require(try await bulk.loadCase(r.referral.id))
            #expect(stored == (try await casework.loadCase(r.referral.id)), "\(r.referral.id)")
            #expect(stored.referral.version == 1 + r.history.count)
            #expect(try await bulk.administrations(referralID: r.referral.id) == (try await casework.administrations(referralID: r.referral.id)))
        }
        #expect(try await bulk.referralFacts(after: nil, limit: 1000) == (try await casework.referralFacts(after: nil, limit: 1000)))
        #expect(try await bulk.referrals(ReferralQuery()) == (try await casework.referrals(ReferralQuery())))
        #expect(try await bulk.outbox(limit: 10_000).count == (try await casework.outbox(limit: 10_000)).count)
        try await bulk.shutdown()
        try await casework.shutdown()
    }

    @Test("A history whose versions do not follow on stores nothing of the batch", arguments: TestBackend.available)
    func brokenHistory(backend: TestBackend) async throws {
        var records = try Self.scheme.referrals(0..<40)
        let index = try #require(records.firstIndex { $0.history.count > 2 })
        records[index].history.remove(at: 1)
        let store = try await Self.prepare(backend)
        let importer = try #require(store as? any ReferralImportStore)
        await #expect(throws: (any Error).self) { try await importer.importReferrals(records) }
        #expect(try await store.loadCase(records[0].referral.id) == nil)
        #expect(try await store.referrals(ReferralQuery()).isEmpty)
        try await store.shutdown()
    }
}
