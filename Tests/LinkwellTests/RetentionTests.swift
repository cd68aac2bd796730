import Foundation
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// The retention job: a dry run reports, a real run anonymises exactly what `Case.anonymised()`
/// says, on every backend, and keeps the audit trail and the insight facts.
@Suite("Retention", .closesStores)
struct RetentionTests {
    @Test("Closed records past the retention period are anonymised; the rest are untouched", arguments: TestBackend.available)
    func anonymise(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        // An ended case with notes everywhere, and an open one for someone else.
        let old = try await s.engagedReferral()
        try await s.casework.act(on: old, lw) { [env = s.env] in
            try $0.agreePlan(PlanInput(whatMatters: "Seeing my grandchildren", goals: ["Walk to the park"],
                                       actions: [.init(description: "Call Sam", owner: nil, due: nil)]), by: lw.principal, env: env)
        }
        _ = try await s.casework.referOut(old, serviceID: s.service.id.rawValue, note: "Knee trouble", lw)
        try await s.casework.act(on: old, lw) { [env = s.env] in try $0.raiseConcern("Bruises on arm", escalateTo: "gp", by: lw.principal, env: env) }
        try await s.casework.act(on: old, lw) { [env = s.env] in
            try $0.close(reason: "goals_met", note: "Walking weekly with Sam", feedback: .init(), by: lw.principal, env: env)
        }
        let open = try await s.engagedReferral(TestScheme.submission(givenName: "Olive", nhsNumber: nil))
        let auditBefore = try await s.store.auditEvents(recordID: nil, limit: 100_000).count
        let factsBefore = try await s.store.referralFacts(after: nil, limit: 1000)

        var settings = try await s.store.schemeSettings()
        settings.retentionMonths = 12
        try await s.store.saveSchemeSettings(settings)
        let retention = RetentionService(store: s.store, env: s.env)

        // Not yet past the period.
        #expect(try await retention.run(dryRun: true).people == 0)
        s.clock.advance(seconds: 400 * 86_400)
        let beforeRun = try #require(try await s.store.loadCase(old))
        let dry = try await retention.run(dryRun: true)
        #expect(dry.people == 1 && dry.referrals == 1 && dry.dryRun)
        #expect(try await s.store.loadCase(old) == beforeRun, "a dry run changes nothing")

        let real = try await retention.run(dryRun: false)
        #expect(real.people == 1 && !real.dryRun)
        let after = try #require(try await s.store.loadCase(old))
        #expect(after == beforeRun.anonymised())
        #expect(after.person.givenName == "Removed" && after.person.nhsNumber == nil && after.person.postcode == "LS1")
        #expect(after.contacts.count == beforeRun.contacts.count && after.events.count == beforeRun.events.count)
        #expect(after.concerns.first?.description == "", "the concern stays, without its text")
        let text = String(decoding: try JSONEncoder().encode(after), as: UTF8.self)
        for secret in ["Margaret", "Hughes", "9434765919", "Grandchildren", "grandchildren", "Call Sam", "Knee", "Bruises", "Walking weekly", "07700"] {
            #expect(!text.contains(secret), "\(secret) survived anonymisation")
        }
        // The open case, the audit trail and the insight facts are untouched; a second run finds nothing.
        #expect(try await s.store.loadCase(open)?.person.givenName == "Olive")
        #expect(try await s.store.auditEvents(recordID: nil, limit: 100_000).count == auditBefore)
        #expect(try await s.store.referralFacts(after: nil, limit: 1000) == factsBefore)
        #expect(try await retention.run(dryRun: false).people == 0)
        try await s.store.shutdown()
    }

    @Test("A person with any referral still open or recent is kept whole", arguments: TestBackend.available)
    func keepsPeopleWithOpenReferrals(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        let first = try await s.engagedReferral()
        try await s.casework.act(on: first, lw) { [env = s.env] in
            try $0.close(reason: "goals_met", note: "", feedback: .init(), by: lw.principal, env: env)
        }
        s.clock.advance(seconds: 400 * 86_400)
        // The same person is referred again: the referral is merged onto them, still open.
        let again = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        let firstCase = try #require(try await s.store.loadCase(first))
        try await s.store.mergePeople(keep: firstCase.person.id, duplicate: try #require(try await s.store.loadCase(again)).person.id)
        try await s.store.saveSchemeSettings(SchemeSettings(retentionMonths: 12))
        #expect(try await RetentionService(store: s.store, env: s.env).run(dryRun: false).people == 0)
        #expect(try await s.store.loadCase(first)?.person.givenName == "Margaret")
        try await s.store.shutdown()
    }
}
