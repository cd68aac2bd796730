import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellTesting
@_spi(Testing) import LinkwellStorage
import SQLKit
import Testing

/// The measures due are kept with each case (`MeasureDue`, migration 370, issue #19): the list reads the windows
/// open now instead of running the rule over every open case. The promise is that the kept windows never go stale.
/// So, on every backend, a five-year scheme loaded through the bulk import is compared, for the supervisor, two
/// link workers and a team, at moments from now to a year on, with the rule as it ran before the read model (kept
/// here, written out in full, as the oracle) over the whole cases; then again after each kind of write that moves a
/// window: a baseline, a follow-up, a self-completed follow-up, a case put under review, a case closed, a case moved to
/// another link worker; and, on SQL, after the windows are thrown away and rebuilt by the upgrade's backfill.
@Suite("Measures due kept with each case", .closesStores)
struct MeasuresDueTests {
    struct Due: Equatable, CustomStringConvertible {
        var referralID: ReferralID, timepoint: Timepoint, dueMillis: Int64, overdue: Bool, name: String
        var description: String { "\(referralID) \(timepoint.rawValue) \(dueMillis) \(overdue ? "overdue" : "")" }
    }

    /// The rule as `OutcomeService.dueList` ran it before the windows were kept (session 12), over whole cases:
    /// open cases in support, and cases closed in the last 28 days.
    static func oracle(_ cases: [Case], _ administrations: [Administration], now: Date) -> [Due] {
        let histories = Dictionary(grouping: administrations.filter { $0.instrumentID == "ons4" }, by: \.referralID)
        var due: [Due] = []
        for c in cases {
            let r = c.referral
            let counted = [.engaged, .planAgreed, .active, .review].contains(r.status)
                || (r.status == .closed && r.updatedAt >= now.addingTimeInterval(-28 * 86_400))
            guard counted else { continue }
            let mine = histories[r.id] ?? []
            func add(_ t: Timepoint, _ at: Date, overdue: Bool) {
                due.append(Due(referralID: r.id, timepoint: t, dueMillis: Int64((at.timeIntervalSince1970 * 1000).rounded()), overdue: overdue,
                               name: c.person.fullName))
            }
            if r.status == .closed && (!mine.contains { $0.timepoint == .baseline } || mine.contains { $0.timepoint == .closing }) { continue }
            if let baseline = mine.first(where: { $0.timepoint == .baseline }), [.review, .closed].contains(r.status),
               !mine.contains(where: { $0.timepoint == .closing }) {
                add(.closing, max(r.updatedAt, baseline.administeredAt), overdue: now > r.updatedAt.addingTimeInterval(14 * 86_400))
            } else if let baseline = mine.first(where: { $0.timepoint == .baseline }) {
                let followUpDue = baseline.administeredAt.addingTimeInterval(84 * 86_400)
                let hasFollowUp = mine.contains { $0.timepoint != .baseline && $0.administeredAt >= followUpDue.addingTimeInterval(-14 * 86_400) }
                if !hasFollowUp && now >= followUpDue.addingTimeInterval(-14 * 86_400) {
                    add(.followUp, followUpDue, overdue: now > followUpDue.addingTimeInterval(14 * 86_400))
                }
            } else {
                add(.baseline, r.updatedAt, overdue: now > r.updatedAt.addingTimeInterval(14 * 86_400))
            }
        }
        return due.sorted { ($0.dueMillis, $0.referralID.rawValue) < ($1.dueMillis, $1.referralID.rawValue) }
    }

    static func listed(_ rows: [OutcomeService.DueMeasure]) -> [Due] {
        rows.map { Due(referralID: $0.referralID, timepoint: $0.timepoint, dueMillis: Int64(($0.dueAt.timeIntervalSince1970 * 1000).rounded()),
                       overdue: $0.overdue, name: $0.personName) }
    }

    @Test("The kept windows equal the rule over whole cases, for every viewer, over a year, after every kind of change",
          arguments: TestBackend.available)
    func neverStale(backend: TestBackend) async throws {
        let loaded = try await WorkListsTests.load(backend, seed: 31, referrals: 240)
        let store = loaded.store
        let clock = TestClock(WorkListsTests.now)
        let env = CoreEnvironment(now: { clock.now }, newID: { UUID().uuidString.lowercased() })
        let casework = CaseworkService(store: store, env: env)
        let outcomes = OutcomeService(store: store, casework: casework)
        let supervisor = loaded.scheme.supervisors[0]
        let sup = loaded.request(supervisor)
        let workers = Array(loaded.scheme.linkWorkers.prefix(2))
        let teams = TeamService(store: store, env: env)
        let team = try await teams.createTeam(name: "Due", kind: "locality", sup)
        _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: [workers[1].id.rawValue], sup)
        let scope = CaseloadTeam(id: team.id, members: [workers[1].id])

        var checked = 0, seen = Set<Timepoint>(), overdueSeen = 0
        func compare(_ label: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let cases = try await store.loadCases(loaded.cases.map(\.referral.id))
            let administrations = try await store.administrations(referralIDs: cases.map(\.referral.id))
            let expected = Self.oracle(cases, administrations, now: clock.now)
            let viewers: [(String, CaseworkService.Request, CaseloadTeam?, (Case) -> Bool)] = [
                ("supervisor", sup, nil, { _ in true }),
                ("link worker 0", loaded.request(workers[0]), nil, { $0.referral.linkWorkerID == workers[0].id }),
                ("link worker 1", loaded.request(workers[1]), nil, { $0.referral.linkWorkerID == workers[1].id }),
                ("team", sup, scope, { $0.referral.linkWorkerID == workers[1].id }),
            ]
            let byID = Dictionary(uniqueKeysWithValues: cases.map { ($0.referral.id, $0) })
            for (viewer, request, team, owns) in viewers {
                let want = expected.filter { byID[$0.referralID].map(owns) == true }
                let list = try await outcomes.dueList(request, page: PageNumber(1, size: 100_000), team: team)
                #expect(Self.listed(list.page.rows) == want, "\(label), \(viewer)", sourceLocation: sourceLocation)
                let counted = try await outcomes.dueList(request, page: nil, team: team)
                #expect(counted.total == want.count && counted.overdue == want.filter(\.overdue).count && counted.page.rows.isEmpty,
                        "\(label), \(viewer): counts", sourceLocation: sourceLocation)
                checked += want.count
            }
            seen.formUnion(expected.map(\.timepoint))
            overdueSeen += expected.filter(\.overdue).count
        }

        // Time passing alone moves cases into and out of their windows: follow-ups open, closings lapse, all go overdue.
        for days in [0.0, 15, 71, 120, 400] {
            clock.advance(seconds: WorkListsTests.now.addingTimeInterval(days * 86_400).timeIntervalSince(clock.now))
            try await compare("day \(Int(days)), as loaded")
        }
        #expect(seen == [.baseline, .followUp, .closing], "every kind of measure fell due at some moment")
        #expect(overdueSeen > 0 && checked > 100)

        // Then each kind of change, back at the start, compared after each.
        clock.advance(seconds: WorkListsTests.now.addingTimeInterval(86_400).timeIntervalSince(clock.now))
        let cases = try await store.loadCases(loaded.cases.map(\.referral.id))
        let taken = Dictionary(grouping: try await store.administrations(referralIDs: cases.map(\.referral.id)).filter { $0.instrumentID == "ons4" },
                               by: \.referralID)
        func has(_ c: Case, _ t: Timepoint) -> Bool { taken[c.referral.id]?.contains { $0.timepoint == t } == true }
        let answers = ["life_satisfaction": 6, "worthwhile": 7, "happiness": 6, "anxiety": 3]
        let inSupport: [ReferralStatus] = [.engaged, .planAgreed, .active]

        let noBaseline = try #require(cases.first { inSupport.contains($0.referral.status) && !has($0, .baseline) }, "a case awaiting its baseline")
        _ = try await outcomes.record(noBaseline.referral.id, .init(instrumentId: "ons4", timepoint: "baseline", answers: answers), sup)
        try await compare("after a baseline")

        let awaitingFollowUp = try #require(cases.first { inSupport.contains($0.referral.status) && has($0, .baseline) && !has($0, .followUp) },
                                            "a case with a baseline")
        clock.advance(seconds: 86_400)
        _ = try await outcomes.record(awaitingFollowUp.referral.id, .init(instrumentId: "ons4", timepoint: "follow_up", answers: answers), sup)
        try await compare("after a follow-up")

        let selfCompleting = try #require(cases.first { c in
            inSupport.contains(c.referral.status) && has(c, .baseline) && !has(c, .followUp) && c.referral.id != awaitingFollowUp.referral.id
        }, "another case with a baseline")
        let token = "due-\(backend)"
        _ = try await outcomes.invite(selfCompleting.referral.id, instrumentID: "ons4", timepoint: "follow_up", tokenHash: token, sup)
        _ = try await outcomes.completeInvitation(tokenHash: token, answers: answers)
        try await compare("after a self-completed follow-up")

        let reviewed = try #require(cases.first { $0.referral.status == .active && has($0, .baseline) && !has($0, .closing) },
                                    "an active case with a baseline")
        clock.advance(seconds: 86_400)
        _ = try await casework.act(on: reviewed.referral.id, sup) { [env] in try $0.end(as: .review, note: nil, by: sup.principal, env: env) }
        try await compare("after a case was put under review")

        clock.advance(seconds: 86_400)
        _ = try await casework.act(on: reviewed.referral.id, sup) { [env] in
            try $0.close(reason: ClosingReason.goalsMet.rawValue, note: nil, confirmed: true, by: sup.principal, env: env)
        }
        try await compare("after the case closed")
        clock.advance(seconds: 29 * 86_400)
        try await compare("29 days after it closed")

        let moved = try #require(cases.first { $0.referral.linkWorkerID == workers[0].id && inSupport.contains($0.referral.status) },
                                 "a case of link worker 0 in support")
        _ = try await casework.reassign(moved.referral.id, toLinkWorkerID: workers[1].id.rawValue, reason: "Cover", sup)
        try await compare("after a case moved to link worker 1")

        // The upgrade's backfill (SQL only): every window thrown away, every case queued again, and `migrate` rewrites them.
        if let sql = store as? SQLStore {
            try await sql.execute { db in
                try await db.raw("DELETE FROM measures_due").run()
                try await db.raw("INSERT INTO measures_due_pending (referral_id) SELECT id FROM referrals").run()
            }
            let gone = try await outcomes.dueList(sup, page: nil)
            #expect(gone.total == 0, "the list reads the kept windows, not the rule")
            try await sql.migrate()
            try await compare("after the backfill rebuilt them")
            // Migration 371's upgrade: the windows as version 370 left them (no link worker column), then `migrate`.
            try await sql.execute { db in
                try await db.raw("DELETE FROM schema_migrations WHERE version IN (371, 372)").run()
                try await db.raw("DROP INDEX measures_due_link_worker_window").run()
                try await db.raw("ALTER TABLE measures_due DROP COLUMN link_worker_id").run()
            }
            try await sql.migrate()
            try await compare("after migrations 371 and 372 gave the kept windows their link workers and their index")
        }
    }
}
