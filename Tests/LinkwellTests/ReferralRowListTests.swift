import Foundation
import LinkwellBench
import LinkwellCore
import LinkwellTesting
@_spi(Testing) import LinkwellStorage
import SQLKit
import Testing

/// Each work list row's needs and missed sessions are kept on the referral's own row (`ReferralRowListMigrations`).
/// Attacked as a writer would break them: an import with years of history, new referrals, needs reordered, dropped,
/// added and emptied, attendance reports of both kinds, reports removed and corrected by hand, and a scheme upgraded with
/// its referrals already there. After each, every referral's row is compared with its whole case, read from the tables
/// the case is kept in. (32 reports at once on one case: `ContentionTests.providerReports`.)
@Suite("A work list row's needs and missed sessions", .closesStores)
struct ReferralRowListTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// Every referral's row, as the work lists read it, against its whole case: the needs in order, the missed sessions.
    static func compare(_ store: any LinkwellStore, _ step: String) async throws {
        let rows = try await store.referrals(ReferralQuery(limit: 100_000))
        var missed = 0, needs = 0
        for row in rows {
            let whole = try #require(try await store.loadCase(row.id))
            let expected = whole.attendance.filter { !$0.attended }.count
            #expect(row.didNotAttendCount == expected, "\(step): \(row.id.rawValue) shows \(row.didNotAttendCount) missed, its case \(expected)")
            #expect(row.needs == whole.referral.needs, "\(step): \(row.id.rawValue) shows \(row.needs), its case \(whole.referral.needs)")
            missed += expected
            needs += whole.referral.needs.count
        }
        #expect(rows.count >= 60 && missed > 0 && needs > 0, "\(step): rows with needs and missed sessions to compare")
    }

    /// The case's next version, changed by `change` (which may add attendance reports to the change).
    static func change(_ store: any LinkwellStore, _ id: ReferralID, _ change: (inout Referral, Case) -> [AttendanceReport] = { _, _ in [] }) async throws {
        let whole = try #require(try await store.loadCase(id))
        var next = whole.referral
        let reports = change(&next, whole)
        next.version = whole.referral.version + 1
        next.updatedAt = whole.referral.updatedAt.addingTimeInterval(60)
        var stored = CaseChange(expectedVersion: whole.referral.version, referral: next)
        stored.attendance = reports
        try await store.apply(stored)
    }

    static func id(_ n: Int) -> ReferralID { ReferralID("lg-\(String(format: "%06d", n))") }

    @Test("Each row's needs and missed sessions are its case's: after an import, new referrals, changed needs and new reports",
          arguments: TestBackend.available)
    func rowsFollowEveryWrite(backend: TestBackend) async throws {
        let scheme = LargeScheme(size: .scaled(referrals: 80), seed: 392, now: Self.now)
        let store = try await backend.makeStore()
        try await scheme.load(into: store, batch: 30)
        try await Self.compare(store, "after the import")

        // New referrals, copies of loaded ones under new ids, each with the needs of its source in reverse.
        var r = SplitMix64(seed: 392)
        for i in 0..<10 {
            let source = try #require(try await store.loadCase(Self.id(r.int(80))))
            try await store.createCopy(of: source, id: "row-\(i)") { $0.needs = i % 4 == 0 ? [] : Array(source.referral.needs.reversed()) }
        }
        try await Self.compare(store, "after new referrals")

        // Needs reordered, one dropped, one added, all removed, and a change that leaves them alone.
        for round in 0..<30 {
            try await Self.change(store, Self.id(r.int(80))) { referral, _ in
                switch round % 5 {
                case 0: referral.needs.reverse()
                case 1: if !referral.needs.isEmpty { referral.needs.removeFirst() }
                case 2: referral.needs.append(Need.allCases.first { !referral.needs.contains($0) } ?? .other)
                case 3: referral.needs = []
                default: referral.pathway += " "
                }
                return []
            }
        }
        try await Self.compare(store, "after needs changed")

        // Attendance reported on every referral out of a dozen cases: missed, attended, and several in one change.
        var withOnward: [ReferralID] = []
        for row in try await store.referrals(ReferralQuery(limit: 100_000)) where try await store.loadCase(row.id)?.onwardReferrals.isEmpty == false {
            withOnward.append(row.id)
        }
        #expect(withOnward.count >= 12, "cases with referrals out to report on")
        for (n, id) in withOnward.prefix(12).enumerated() {
            try await Self.change(store, id) { _, whole in
                whole.onwardReferrals.enumerated().flatMap { (k, onward) in
                    (0..<(n % 3 + 1)).map { s in
                        AttendanceReport(id: "row-report-\(n)-\(k)-\(s)", onwardReferralID: onward.id, sessionDate: CalendarDate(Self.now),
                                         attended: (n + k + s) % 2 == 0, reportedBy: scheme.providerStaff[0].id, reportedAt: Self.now)
                    }
                }
            }
        }
        try await Self.compare(store, "after new attendance reports")

        // A repair by hand: a missed session's report removed, an attended one corrected to missed, a missed one to
        // attended; a need removed, one moved to the front, one moved to a referral with none.
        if let sql = store as? SQLStore {
            try await sql.execute { db in
                try await db.raw("DELETE FROM referral_needs WHERE referral_id = \(bind: Self.id(3).rawValue) AND position = 0").run()
                try await db.raw("UPDATE referral_needs SET position = -1 WHERE referral_id = \(bind: Self.id(4).rawValue) AND position = 1").run()
                try await db.raw("UPDATE referral_needs SET referral_id = 'row-0', position = 9 WHERE referral_id = \(bind: Self.id(5).rawValue) AND position = 0").run()
                try await db.raw("DELETE FROM attendance_reports WHERE id = (SELECT MIN(id) FROM attendance_reports WHERE NOT attended)").run()
                try await db.raw("UPDATE attendance_reports SET attended = \(bind: false) WHERE id = (SELECT MIN(id) FROM attendance_reports WHERE attended)").run()
                try await db.raw("UPDATE attendance_reports SET attended = \(bind: true) WHERE id = (SELECT MAX(id) FROM attendance_reports WHERE NOT attended)").run()
            }
            try await Self.compare(store, "after reports removed and corrected by hand")
        }
    }

    @Test("An upgrade fills in the needs and missed sessions of a scheme's referrals already there, and keeps them from then on",
          arguments: TestBackend.available.filter { $0 != .memory })
    func upgradeFillsWhatIsThere(backend: TestBackend) async throws {
        let scheme = LargeScheme(size: .scaled(referrals: 70), seed: 393, now: Self.now)
        let sql = try #require(try await backend.makeStore() as? SQLStore)
        try await scheme.load(into: sql, batch: 70)
        // The database as version 391 left it, with the referrals of today's writers: no columns, no triggers.
        try await sql.execute { db in
            switch backend {
            case .postgres:
                for (trigger, table) in [("referral_needs_list", "referral_needs"), ("referral_did_not_attend", "attendance_reports")] {
                    try await db.raw(SQLQueryString("DROP TRIGGER \(trigger) ON \(table)")).run()
                    try await db.raw(SQLQueryString("DROP FUNCTION \(trigger)_keep()")).run()
                }
            default:
                for trigger in ["referral_needs_list", "referral_did_not_attend"] {
                    for event in ["insert", "update", "delete"] { try await db.raw(SQLQueryString("DROP TRIGGER \(trigger)_\(event)")).run() }
                }
            }
            try await db.raw("ALTER TABLE referrals DROP COLUMN needs_list").run()
            try await db.raw("ALTER TABLE referrals DROP COLUMN did_not_attend").run()
            try await db.raw("DELETE FROM schema_migrations WHERE version = 392").run()
        }
        try await sql.migrate()
        try await Self.compare(sql, "after the upgrade")
        try await Self.change(sql, Self.id(1)) { referral, whole in
            referral.needs.reverse()
            return whole.onwardReferrals.map {
                AttendanceReport(id: "upgrade-\($0.id.rawValue)", onwardReferralID: $0.id, sessionDate: CalendarDate(Self.now), attended: false,
                                 reportedBy: scheme.providerStaff[0].id, reportedAt: Self.now)
            }
        }
        try await Self.compare(sql, "after a change once upgraded")
    }
}
