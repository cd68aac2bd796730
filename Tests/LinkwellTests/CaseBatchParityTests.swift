import Foundation
import LinkwellBench
@testable import LinkwellCore
import LinkwellTesting
import Testing

/// Whole cases read together (`loadCases`: one query per table per slice) are exactly the cases `loadCase` reads
/// one at a time (issue #19), and the read models built on them — the goal-attainment cohort, the evaluation and
/// minimum-dataset exports, the person's own page — equal what the case-by-case reads gave. On a seeded large scheme
/// with every kind of child record, on every backend, compared field by field.
@Suite("Whole cases read set-based", .closesStores)
struct CaseBatchParityTests {
    /// The names of the fields in which two cases differ (empty when equal).
    static func differences(_ a: Case, _ b: Case) -> [String] {
        let left = Mirror(reflecting: a).children, right = Array(Mirror(reflecting: b).children)
        return zip(left, right).compactMap { l, r in String(describing: l.value) == String(describing: r.value) ? nil : (l.label ?? "?") }
    }

    /// A large scheme (ids `lg-000000`…), with concerns, visits, signposts, risks, requested actions, record details,
    /// learned items, gaps and team placements added through the casework on some cases in support.
    static func enriched(_ backend: TestBackend, referrals: Int = 160) async throws -> WorkListsTests.Loaded {
        let l = try await WorkListsTests.load(backend, seed: 7, referrals: referrals)
        let casework = l.casework
        let inSupport = l.cases.filter { [.planAgreed, .active].contains($0.referral.status) && $0.referral.linkWorkerID != nil }.prefix(6)
        #expect(inSupport.count >= 3, "some cases in support to enrich")
        let supervisor = l.scheme.supervisors[0]
        let teams = TeamService(store: l.store, env: l.env)
        let team = try await teams.createTeam(name: "Parity", kind: "locality", l.request(supervisor))
        _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: [l.scheme.linkWorkers[0].id.rawValue], l.request(supervisor))
        for (n, c) in inSupport.enumerated() {
            let id = c.referral.id
            let lw = l.request(try #require(l.scheme.linkWorkers.first { $0.id == c.referral.linkWorkerID }))
            let env = l.env
            _ = try await casework.recordRisk(id, RiskInput(risk: "falls", detail: "Fell in March", start: "2026-01-05", end: nil), lw)
            _ = try await casework.requestAction(id, RequestedActionInput(audience: "professional", description: "Review pain relief", agreedWithPerson: true), lw)
            _ = try await casework.updateRecordDetails(id, RecordDetailsInput(gender: "woman", pronouns: "she/her", carerStatus: "carer",
                                                                              whatMattersToMe: "My garden \(n)", reasonableAdjustments: "Large print"), lw)
            _ = try await casework.learn(id, ProfileItemInput(kind: "interest", need: "loneliness", detail: "Gardening"), lw)
            _ = try await casework.recordGap(id, GapInput(need: "loneliness", reason: "too_far", detail: "Nothing within a bus ride"), lw)
            _ = try await casework.signpost(id, serviceID: nil, description: "Leaflet about the library's reading groups", lw)
            _ = try await casework.act(on: id, lw) { try $0.raiseConcern("Bruises on arm \(n)", escalateTo: "gp", by: lw.principal, env: env) }
            _ = try await casework.act(on: id, lw) { try $0.checkIn(expectedMinutes: 30 + n, by: lw.principal, env: env) }
            if n % 2 == 0 { try await l.store.placeReferral(id, on: team.id) }
        }
        return l
    }

    @Test("loadCases equals loadCase of each, field by field, in the order asked; unknown ids left out", arguments: TestBackend.available)
    func sameCases(backend: TestBackend) async throws {
        let l = try await Self.enriched(backend)
        var rng = SplitMix64(seed: 19)
        var ids = l.cases.map(\.referral.id)
        for i in ids.indices.reversed() { ids.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let asked = Array(ids.prefix(40)) + [ReferralID("no-such-referral")] + Array(ids.dropFirst(40))
        let together = try await l.store.loadCases(asked)
        #expect(together.map(\.referral.id) == ids, "in the order asked, the unknown one left out")
        var enriched = 0
        for c in together {
            let one = try #require(try await l.store.loadCase(c.referral.id))
            #expect(Self.differences(c, one).isEmpty, "\(c.referral.id): \(Self.differences(c, one))")
            #expect(c == one)
            if !c.concerns.isEmpty && !c.visits.isEmpty && !c.risks.isEmpty && c.details != nil && !c.profile.isEmpty && !c.gaps.isEmpty
                && !c.signposts.isEmpty && !c.requestedActions.isEmpty { enriched += 1 }
        }
        #expect(enriched >= 3)
        #expect(together.contains { $0.team != nil } && together.contains { !$0.goalRatings.isEmpty } && together.contains { !$0.attendance.isEmpty })
        #expect(try await l.store.loadCases([]).isEmpty)
        // More than one slice of referrals.
        if backend != .memory {
            let many = try await WorkListsTests.load(backend, seed: 5, referrals: 620)
            let all = many.cases.map(\.referral.id)
            let read = try await many.store.loadCases(all)
            #expect(read == many.cases, "620 cases over two slices equal the cases read one by one")
            try await many.store.shutdown()
        }
        try await l.store.shutdown()
    }

    @Test("The goal-attainment cohort and the exports equal the case-by-case build", arguments: TestBackend.available)
    func readModels(backend: TestBackend) async throws {
        let l = try await Self.enriched(backend)
        let supervisor = l.request(l.scheme.supervisors[0])
        let outcomes = OutcomeService(store: l.store, casework: l.casework)
        // The old way, case by case.
        var oldCases: [Case] = []
        for summary in try await l.store.referrals(ReferralQuery(limit: 1_000_000)) { oldCases.append(try #require(try await l.store.loadCase(summary.id))) }
        let statuses: Set<ReferralStatus> = [.planAgreed, .active, .review, .closed]
        let oldGoals = oldCases.filter { statuses.contains($0.referral.status) }.flatMap(GoalAttainment.administrations(of:))
        #expect(!oldGoals.isEmpty)
        let newGoals = try await outcomes.administrations(of: InstrumentRegistry.goalAttainment)
        #expect(newGoals == oldGoals)

        // Minimum dataset: built the old way from the cases read one by one, each consenting case's trajectories read alone.
        var trajectories: [ReferralID: [ScoreTrajectory]] = [:]
        for c in oldCases where c.referral.consent.covers(.evaluation) {
            trajectories[c.referral.id] = try await outcomes.trajectories(ofAuditedRead: c)
        }
        #expect(trajectories.values.contains { !$0.isEmpty })
        #expect(try await outcomes.trajectories(ofAuditedReads: oldCases.filter { $0.referral.consent.covers(.evaluation) }) == trajectories)
        let codes = CodeListService(store: l.store)
        var lists: [CodeListKind: [CodedConcept]] = [:]
        for list in CodeListKind.allCases { lists[list] = try await codes.list(list) }
        let practices = Dictionary(try await l.store.organisations().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let services = Dictionary(try await l.store.services().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let key = DisclosureControl(minimumGroupSize: 10, secret: try await l.store.secret(named: OutcomeService.pseudonymSecret))
        let oldDataset = MinimumDataset.build(cases: oldCases, trajectories: trajectories, codeLists: lists, practices: practices, services: services) {
            "P" + String(key.keyed("mds|icb|\($0.rawValue)"), radix: 16).uppercased()
        }
        let dataset = try await outcomes.minimumDataset(recipient: "icb", supervisor)
        #expect(!dataset.rows.isEmpty)
        #expect(dataset == oldDataset)

        // Evaluation export: every instrument's administrations (goal attainment the old way), the cases read one by one.
        var administrations: [Administration] = []
        for available in try await outcomes.instruments() {
            administrations += available.instrument.id == InstrumentRegistry.goalAttainment.id
                ? oldGoals : try await outcomes.administrations(of: available.instrument)
        }
        var measured: [Case] = []
        for id in Set(administrations.map(\.referralID)).sorted() { measured.append(try #require(try await l.store.loadCase(id))) }
        let oldExport = EvaluationExport.build(cases: measured, administrations: administrations, recipient: "university", coarsen: false) {
            "P" + String(key.keyed("university|\($0.rawValue)"), radix: 16).uppercased()
        }
        let export = try await outcomes.evaluationExport(recipient: "university", supervisor)
        #expect(!export.rows.isEmpty)
        #expect(export == oldExport)

        // The person's own page: their cases, read together, as each read alone; each read audited.
        let person = try #require(oldCases.first { !$0.onwardReferrals.isEmpty })
        let account = User(id: UserID("person-parity"), email: "parity@person.example", displayName: person.person.fullName, role: .person,
                           organisationID: nil, passwordHash: "x", createdAt: WorkListsTests.now, personID: person.person.id)
        try await l.store.createUser(account)
        let own = try await l.casework.ownRecord(.init(Principal(account), route: "test"))
        let theirs = oldCases.filter { $0.person.id == person.person.id }
        #expect(own.cases.map(\.referral.id) == theirs.map(\.referral.id))
        #expect(own.cases == theirs)
        for c in theirs {
            #expect(try await l.store.auditEvents(recordID: c.referral.id.rawValue, limit: 10).contains { $0.actorID == account.id && $0.action == "read" })
        }
        try await l.store.shutdown()
    }
}
