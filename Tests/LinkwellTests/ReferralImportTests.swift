import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// The bulk path the benchmarks load synthetic schemes through (`ReferralImportStore`) must store exactly
/// what the casework path (`createReferral` then `saveFacts`) stores: the same small synthetic scheme is
/// loaded both ways on each backend and every case, fact and breakdown compared.
@Suite("Bulk referral import", .closesStores)
struct ReferralImportTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// 60 synthetic referrals, plus one with every optional field the synthetic ones leave empty.
    static func records(_ scheme: SyntheticScheme) throws -> [ImportedReferral] {
        var rows = scheme.rows(0..<60, now: now)
        var full = scheme.row(60, now: now)
        full.person.nhsNumber = NHSNumber("943 476 5919")
        #expect(full.person.nhsNumber != nil)
        (full.person.phone, full.person.email, full.person.communicationNeeds) = ("0113 496 0000", "someone@example.org", "Uses BSL")
        full.person.interpreterNeeded = true
        full.referral.riskInformation = "Lives alone"
        full.referral.closingReason = .goalsMet
        full.referral.closingFeedback = ClosingFeedback(satisfaction: 4, wouldChange: "More groups \"nearby\", please")
        full.referral.needs = [.debt, .loneliness, .housing]
        full.facts = InsightFacts(Case(person: full.person, referral: full.referral, events: [full.event]))
        rows.append(full)
        return rows
    }

    static func prepare(_ backend: TestBackend, _ scheme: SyntheticScheme) async throws -> any LinkwellStore {
        let store = try await backend.makeStore()
        // The practices people and referrals point to (referrals out appear only as facts).
        for organisation in scheme.practices { try await store.createOrganisation(organisation) }
        return store
    }

    @Test("Loading in bulk stores what the casework path stores", arguments: TestBackend.available)
    func sameAsCasework(backend: TestBackend) async throws {
        let scheme = SyntheticScheme(seed: 11)
        let records = try Self.records(scheme)
        #expect(records.contains { !$0.facts.onward.isEmpty } && Set(records.map(\.referral.status)).count > 4, "the sample exercises the facts")
        let bulk = try await Self.prepare(backend, scheme), casework = try await Self.prepare(backend, scheme)
        let importer = try #require(bulk as? any ReferralImportStore)
        try await importer.importReferrals(Array(records.prefix(25)))
        try await importer.importReferrals(Array(records.dropFirst(25)))
        for r in records {
            try await casework.createReferral(person: r.person, referral: r.referral, event: r.event)
            try await casework.saveFacts(r.facts)
        }

        for r in records {
            let stored = try await bulk.loadCase(r.referral.id)
            #expect(stored == Case(person: r.person, referral: r.referral, events: [r.event]), "\(r.referral.id)")
            #expect(stored == (try await casework.loadCase(r.referral.id)), "\(r.referral.id)")
        }
        let facts = try await bulk.referralFacts(after: nil, limit: 1000)
        #expect(facts == records.map(\.facts.referral).sorted { $0.referralID.rawValue < $1.referralID.rawValue })
        #expect(facts == (try await casework.referralFacts(after: nil, limit: 1000)))
        #expect(try await bulk.referralFactLines(after: nil, limit: 1000).text == (try await casework.referralFactLines(after: nil, limit: 1000)).text)
        for d in InsightDimension.allCases {
            let both = try await (bulk.referralCounts(by: [d], where: InsightFilter()), casework.referralCounts(by: [d], where: InsightFilter()))
            #expect(Set(both.0.map { "\($0)" }) == Set(both.1.map { "\($0)" }), "\(d)")
        }
        for d in OnwardDimension.allCases {
            let both = try await (bulk.onwardCounts(by: [d], where: InsightFilter(), rejectedOnly: false),
                                  casework.onwardCounts(by: [d], where: InsightFilter(), rejectedOnly: false))
            #expect(!both.0.isEmpty && Set(both.0.map { "\($0)" }) == Set(both.1.map { "\($0)" }), "\(d)")
        }
        #expect(try await bulk.referrals(ReferralQuery()) == (try await casework.referrals(ReferralQuery())))
        try await bulk.shutdown()
        try await casework.shutdown()
    }

    @Test("A batch with one bad record stores none of it", arguments: TestBackend.available)
    func atomic(backend: TestBackend) async throws {
        let scheme = SyntheticScheme(seed: 12)
        let store = try await Self.prepare(backend, scheme)
        let importer = try #require(store as? any ReferralImportStore)
        let first = scheme.rows(0..<5, now: Self.now)
        try await importer.importReferrals(first)
        // The last record repeats a stored referral's id.
        var batch = scheme.rows(5..<300, now: Self.now)
        batch.append(first[2])
        await #expect(throws: (any Error).self) { try await importer.importReferrals(batch) }
        #expect(try await store.loadCase(batch[0].referral.id) == nil)
        #expect(try await store.referralFacts(after: nil, limit: 1000).count == 5)
        try await store.shutdown()
    }
}
