import Foundation
import LinkwellCore
import SQLKit

/// The measures due, kept with each case (versions 370–379; the rule is `MeasureDue`'s).
///
/// The due list ran the rule over every open case and its measures on each load: for a supervisor of a five-year
/// scheme, 5,900 open cases and their measures, about 40 ms of the team view's 110 before a row was shown. A case's
/// window (`MeasureDue.window`) changes only when the case does, so it is written in the transaction of every change
/// to the case's stage or measures, and the list reads the windows open now through an index.
enum MeasuresDueMigrations {
    static let all: [Migration] = [
        Migration(version: 370, name: "keep the outcome measure due with each case") { flavor in
            let counted = [ReferralStatus.engaged, .planAgreed, .active, .review, .closed].map { "'\($0.rawValue)'" }.joined(separator: ", ")
            return [
                // `shown_until` is never NULL (a window open until the case changes ends at `SQLStore.openEnded`), so
                // "open now" is one range of `measures_due_open`, and cases closed long ago without a closing
                // measure are not read at all.
                """
                CREATE TABLE IF NOT EXISTS measures_due (
                    referral_id {id} PRIMARY KEY REFERENCES referrals(id), timepoint TEXT NOT NULL, due_at {ts} NOT NULL,
                    shown_from {ts}, shown_until {ts} NOT NULL, overdue_after {ts} NOT NULL)
                """,
                "CREATE INDEX IF NOT EXISTS measures_due_open ON measures_due(shown_until, due_at, referral_id)",
                // The cases whose windows are still to be written: every case the rule can find due. The rule takes
                // Swift, so `migrate` writes them after the migrations (`indexMeasuresDue`), a batch a transaction.
                "CREATE TABLE IF NOT EXISTS measures_due_pending (referral_id {id} PRIMARY KEY REFERENCES referrals(id))",
                "INSERT INTO measures_due_pending (referral_id) SELECT id FROM referrals WHERE status IN (\(counted))",
            ].map(flavor.render)
        },
        // A link worker's due list counted the windows open now by joining all of them to the link worker's referrals:
        // on PostgreSQL a scan of every window hash-joined to 1,500 referrals (2.6 ms alone, a caseload page's slowest
        // read but one under load). Each window now carries its case's link worker, written with it (`write` rewrites
        // the window on every change to the case, a reassignment too), so the list reads the link worker's own.
        Migration(version: 371, name: "keep the link worker with each measure due") { flavor in
            [
                "ALTER TABLE measures_due ADD COLUMN link_worker_id {id}",
                "UPDATE measures_due SET link_worker_id = (SELECT r.link_worker_id FROM referrals r WHERE r.id = measures_due.referral_id)",
                "CREATE INDEX IF NOT EXISTS measures_due_link_worker ON measures_due(link_worker_id, shown_until, due_at, referral_id)",
            ].map(flavor.render)
        },
        // A link worker's own due list is counted on every caseload view: with the window's start and its overdue date
        // beside the link worker and its end, the count comes from this index alone (`measuresDue`), not from each
        // window's row (250 a link worker in the five-year scheme, read again after every commit on SQLite: ~1 ms).
        // It serves every read the index it replaces did.
        Migration(version: 372, name: "cover a link worker's count of measures due") { flavor in
            [
                "CREATE INDEX IF NOT EXISTS measures_due_link_worker_window ON measures_due(link_worker_id, shown_until, shown_from, overdue_after, due_at, referral_id)",
                "DROP INDEX IF EXISTS measures_due_link_worker",
            ].map(flavor.render)
        },
    ]
}

extension SQLStore {
    /// Where a window open until the case changes ends: far past any date a case holds, within both engines'
    /// timestamp ranges.
    static let openEnded = Date(timeIntervalSince1970: 253_402_214_400) // 9999-12-31

    /// Rewrites the due windows of these referrals (`MeasureDue.window`, from their stage and measures as stored)
    /// inside the caller's transaction. Every statement that changes a case's stage or measures calls it in its
    /// transaction: `apply` (and so the import's history), `saveAdministration`, `saveSelfCompleted`, the import's
    /// measures, and the backfill.
    static func writeMeasuresDue(_ ids: [ReferralID], _ db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: ids.count, by: 500) {
            let slice = ids[start..<min(ids.count, start + 500)].map(\.rawValue)
            let stages = try await db.raw("SELECT id, status, updated_at, link_worker_id FROM referrals WHERE id IN (\(binds: slice))").all().map { row in
                CaseStage(id: try row.decode(column: "id", as: ReferralID.self), status: try row.decode(column: "status", as: ReferralStatus.self),
                          updatedAt: try row.decode(column: "updated_at", as: Date.self),
                          linkWorkerID: try row.decode(column: "link_worker_id", as: UserID?.self))
            }
            try await writeMeasuresDue(stages, db)
        }
    }

    /// What a case's due window is worked out from, and the link worker it is listed under.
    struct CaseStage {
        var id: ReferralID, status: ReferralStatus, updatedAt: Date, linkWorkerID: UserID?
    }

    /// `writeMeasuresDue` for referrals whose stage the caller already holds (`write`: the change's referral).
    static func writeMeasuresDue(_ stages: [CaseStage], _ db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: stages.count, by: 500) {
            let stages = stages[start..<min(stages.count, start + 500)]
            let slice = stages.map(\.id.rawValue)
            let taken = try await db.raw("""
                SELECT referral_id, instrument_id, timepoint, administered_at FROM administrations
                WHERE referral_id IN (\(binds: slice)) AND instrument_id = \(bind: MeasureDue.instrumentID) ORDER BY administered_at, seq
                """).all().map { row in
                MeasureTaken(referralID: try row.decode(column: "referral_id", as: ReferralID.self), instrumentID: MeasureDue.instrumentID,
                             timepoint: try row.decode(column: "timepoint", as: Timepoint.self),
                             administeredAt: try row.decode(column: "administered_at", as: Date.self))
            }
            let byReferral = Dictionary(grouping: taken, by: \.referralID)
            try await db.raw("DELETE FROM measures_due WHERE referral_id IN (\(binds: slice))").run()
            let windows = stages.compactMap { s in
                MeasureDue.window(status: s.status, updatedAt: s.updatedAt, taken: byReferral[s.id] ?? []).map { (s, $0) }
            }
            // 70 rows (490 values) a statement, under both engines' limits on bound values.
            for part in stride(from: 0, to: windows.count, by: 70) {
                let values: [SQLQueryString] = windows[part..<min(windows.count, part + 70)].map { s, w in
                    let from: SQLQueryString = w.shownFrom.map { "\(bind: $0)" } ?? "NULL"
                    let worker: SQLQueryString = s.linkWorkerID.map { "\(bind: $0)" } ?? "NULL"
                    return "(\(bind: s.id), \(bind: w.timepoint.rawValue), \(bind: w.dueAt), \(from), \(bind: w.shownUntil ?? openEnded), \(bind: w.overdueAfter), \(worker))"
                }
                try await db.raw("""
                    INSERT INTO measures_due (referral_id, timepoint, due_at, shown_from, shown_until, overdue_after, link_worker_id)
                    VALUES \(values.joined(separator: ", "))
                    """).run()
            }
        }
    }

    /// Writes the windows of the cases migration 370 queued, 500 a transaction (the cases stored before the read
    /// model existed; nothing once they are done).
    func indexMeasuresDue() async throws {
        while true {
            let done = try await connections.transaction { db in
                let ids = try await db.raw("SELECT referral_id FROM measures_due_pending ORDER BY referral_id LIMIT 500").all()
                    .map { try $0.decode(column: "referral_id", as: ReferralID.self) }
                guard !ids.isEmpty else { return true }
                try await Self.writeMeasuresDue(ids, db)
                try await db.raw("DELETE FROM measures_due_pending WHERE referral_id IN (\(binds: ids.map(\.rawValue)))").run()
                return false
            }
            if done { return }
        }
    }

    public func measuresDue(_ query: ReferralQuery, at now: Date, page: PageNumber?) async throws -> MeasuresDuePage {
        let from = measuresDueSource(query, at: now)
        return try await connections.read { db in
            let (total, overdue) = try Self.measuresDueCounts(try await db.raw(Self.measuresDueCounting(from, at: now)).first())
            guard let page = page?.clamped(total: total), total > 0 else { return MeasuresDuePage(rows: [], total: total, overdue: overdue) }
            // Ids compare by bytes on both engines (`{id}` is "C" on PostgreSQL), as in Swift.
            let order = " ORDER BY m.due_at, m.referral_id"
            var listing: SQLQueryString = "SELECT m.referral_id, m.timepoint, m.due_at, m.shown_from, m.shown_until, m.overdue_after"
            listing = listing + from
            listing.appendInterpolation(unsafeRaw: order + " LIMIT ")
            listing.appendInterpolation(bind: page.size)
            listing.appendInterpolation(unsafeRaw: " OFFSET ")
            listing.appendInterpolation(bind: page.offset)
            let rows = try await db.raw(listing).all().map { row in
                let until = try row.decode(column: "shown_until", as: Date.self)
                return CaseMeasureDue(referralID: try row.decode(column: "referral_id", as: ReferralID.self), due: MeasureDue(
                    timepoint: try row.decode(column: "timepoint", as: Timepoint.self), dueAt: try row.decode(column: "due_at", as: Date.self),
                    shownFrom: try row.decode(column: "shown_from", as: Date?.self), shownUntil: until >= Self.openEnded ? nil : until,
                    overdueAfter: try row.decode(column: "overdue_after", as: Date.self)))
            }
            return MeasuresDuePage(rows: rows, total: total, overdue: overdue)
        }
    }

    /// ` FROM … WHERE …`: the windows of the referrals `query` picks out (its link worker and team) open at `now`.
    func measuresDueSource(_ query: ReferralQuery, at now: Date) -> SQLQueryString {
        // A link worker's own list and nothing else is read from their windows alone: each carries its case's link
        // worker, rewritten in the transaction of every change to the case (a reassignment too), so joining the
        // referrals to filter on the same link worker again read each window's case for nothing.
        var bare = query
        (bare.limit, bare.offset, bare.oldestFirst, bare.after) = (ReferralQuery().limit, 0, false, nil)
        let ownOnly = query.linkWorkerID != nil && bare == ReferralQuery(linkWorkerID: query.linkWorkerID)
        let byCaseload = (query.linkWorkerID != nil || query.teamID != nil) && !ownOnly
        // A link worker's windows are found from their own (`measures_due_link_worker_window`), a team's from its
        // referrals, the scheme's from the windows open now (`measures_due_open`).
        var sql: SQLQueryString = byCaseload ? " FROM referrals r JOIN measures_due m ON m.referral_id = r.id WHERE" : " FROM measures_due m WHERE"
        // A link worker's own windows from theirs (`measures_due_link_worker_window`); the referral's own filter follows.
        if let worker = query.linkWorkerID, !query.includeWaiting {
            sql.appendInterpolation(unsafeRaw: " m.link_worker_id = ")
            sql.appendInterpolation(bind: worker)
            sql.appendInterpolation(unsafeRaw: " AND")
        }
        sql.appendInterpolation(unsafeRaw: " m.shown_until >= ")
        sql.appendInterpolation(bind: now)
        sql.appendInterpolation(unsafeRaw: " AND (m.shown_from IS NULL OR m.shown_from <= ")
        sql.appendInterpolation(bind: now)
        sql.appendInterpolation(unsafeRaw: ") AND")
        if byCaseload { Self.appendFilters(query, flavor: flavor, to: &sql, paging: false) } else { sql.appendInterpolation(unsafeRaw: " 1 = 1") }
        return sql
    }

    /// `SELECT COUNT(*) AS total, … AS overdue` of the windows in `from` (`measuresDueSource`).
    static func measuresDueCounting(_ from: SQLQueryString, at now: Date) -> SQLQueryString {
        var counting: SQLQueryString = "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN m.overdue_after < "
        counting.appendInterpolation(bind: now)
        counting.appendInterpolation(unsafeRaw: " THEN 1 ELSE 0 END), 0) AS overdue")
        return counting + from
    }

    static func measuresDueCounts(_ row: (any SQLRow)?) throws -> (total: Int, overdue: Int) {
        (try row?.decode(column: "total", as: Int.self) ?? 0, try row?.decode(column: "overdue", as: Int.self) ?? 0)
    }
}

extension SQLStore.CaseStage {
    init(_ r: Referral) { self.init(id: r.id, status: r.status, updatedAt: r.updatedAt, linkWorkerID: r.linkWorkerID) }
}
