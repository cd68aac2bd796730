import Foundation
import LinkwellCore
import SQLKit

/// `CaseSummaryStore` (part of `LinkwellStore`).
extension SQLStore {
    public func countReferrals(_ query: ReferralQuery) async throws -> Int {
        let sql = Self.referralCount(query, flavor: flavor)
        return try await connections.read { db in
            try await db.raw(sql).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Every count in one statement, each a scalar subquery of its own: a caseload's four groups were four statements,
    /// each a turn on a reader's thread on SQLite and a round trip on PostgreSQL.
    public func countReferrals(_ queries: [ReferralQuery]) async throws -> [Int] {
        if queries.isEmpty { return [] }
        if queries.count == 1 { return [try await countReferrals(queries[0])] }
        let sql = countsTogether(queries)
        return try await connections.read { db in
            guard let row = try await db.raw(sql).first() else { return queries.map { _ in 0 } }
            return try queries.indices.map { try row.decode(column: "n\($0)", as: Int.self) }
        }
    }

    /// `SELECT (…) AS n0, (…) AS n1, …`: each query's count, in one row.
    func countsTogether(_ queries: [ReferralQuery]) -> SQLQueryString {
        var sql = SQLQueryString("SELECT ")
        for (index, query) in queries.enumerated() {
            sql.appendInterpolation(unsafeRaw: index == 0 ? "(" : ", (")
            sql.appendInterpolation(Self.referralCount(query, flavor: flavor))
            sql.appendInterpolation(unsafeRaw: ") AS n\(index)")
        }
        return sql
    }

    /// `AND (time < at OR (time = at AND id < id))`: strictly after the cursor in newest-first order.
    static func appendAfter(_ after: PageCursor?, time: String, id: String, to sql: inout SQLQueryString) {
        guard let after else { return }
        sql.appendInterpolation(unsafeRaw: " AND (\(time) < "); sql.appendInterpolation(bind: after.at)
        sql.appendInterpolation(unsafeRaw: " OR (\(time) = "); sql.appendInterpolation(bind: after.at)
        sql.appendInterpolation(unsafeRaw: " AND \(id) < "); sql.appendInterpolation(bind: after.id)
        sql.appendInterpolation(unsafeRaw: "))")
    }

    public func onwardInbox(organisationID: OrganisationID, page: PageRequest) async throws -> [OnwardInboxRow] {
        var chosen = Self.inboxScope(organisationID, status: nil)
        Self.appendAfter(page.after, time: "o.created_at", id: "o.id", to: &chosen)
        chosen.appendInterpolation(unsafeRaw: " ORDER BY o.created_at DESC, o.id DESC LIMIT ")
        chosen.appendInterpolation(bind: page.limit)
        return try await connections.read { [chosen] db in try await db.raw(Self.inboxRows(chosen: "SELECT o.id" + chosen)).all().map(Self.inboxRow) }
    }

    /// The referrals out to `organisationID`'s services (in `status`, when given), from the services and the referrals
    /// out alone: `onward_referrals_service_created` (service, date, id) holds all a page needs to choose its rows.
    static func inboxScope(_ organisationID: OrganisationID, status: OnwardStatus?) -> SQLQueryString {
        var sql: SQLQueryString = " FROM services s JOIN onward_referrals o ON o.service_id = s.id WHERE s.organisation_id = \(bind: organisationID)"
        if let status { sql.appendInterpolation(unsafeRaw: " AND o.status = "); sql.appendInterpolation(bind: status.rawValue) }
        return sql
    }

    /// The provider inbox's rows for the page of referrals out `chosen` selects (`SELECT o.id …`, ordered and cut):
    /// only those are joined to their case and person, newest first. Joined before the page was cut, SQLite read the
    /// case and person of every referral out the provider ever had before keeping 50 (the benchmark's largest group,
    /// 2,528 over five years: 10–12 ms a page).
    static func inboxRows(chosen: SQLQueryString) -> SQLQueryString {
        "SELECT o.id, o.referral_id, o.service_id, s.name AS service_name, p.given_name, p.family_name, o.status, o.created_at, r.consent_purposes"
            + " FROM (" + chosen + ") page JOIN onward_referrals o ON o.id = page.id JOIN services s ON s.id = o.service_id"
            + " JOIN referrals r ON r.id = o.referral_id JOIN people p ON p.id = r.person_id ORDER BY o.created_at DESC, o.id DESC"
    }

    static func inboxRow(_ row: any SQLRow) throws -> OnwardInboxRow {
        OnwardInboxRow(summary: try onwardSummary(row), consentPurposes: purposes(try row.decode(column: "consent_purposes", as: String.self)))
    }

    static func purposes(_ text: String) -> [ConsentPurpose] { text.split(separator: ",").compactMap { ConsentPurpose(rawValue: String($0)) } }

    public func messages(recipientID: UserID, page: PageRequest) async throws -> [MessageBack] {
        try await connections.read { db in
            var sql = SQLQueryString("SELECT * FROM messages_back WHERE recipient_id = \(bind: recipientID)")
            Self.appendAfter(page.after, time: "created_at", id: "id", to: &sql)
            sql.appendInterpolation(unsafeRaw: " ORDER BY created_at DESC, id DESC LIMIT ")
            sql.appendInterpolation(bind: page.limit)
            return try await db.raw(sql).all(decoding: MessageBack.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func planReviews(linkWorkerID: UserID?, team: CaseloadTeam?, dueBy: CalendarDate, today: CalendarDate, page: PageNumber) async throws -> PlanReviewsPage {
        let scope = Self.planReviewsScope(linkWorkerID: linkWorkerID, team: team, dueBy: dueBy)
        return try await connections.read { db in
            // The page and the counts in one statement (each row carries the counts of all, counted before the page is
            // cut); only a page past the end, which has no row to carry them, counts again and reads the last page.
            func read(_ shown: PageNumber) async throws -> PlanReviewsPage? {
                try Self.planReviewsPage(try await db.raw(Self.planReviewsListing(scope, today: today, page: shown)).all())
            }
            let none = PlanReviewsPage(rows: [], total: 0, overdue: 0)
            if let found = try await read(page) { return found }
            guard page.number > 1 else { return none }
            let total = try await db.raw("SELECT COUNT(*) AS total" + scope).first()?.decode(column: "total", as: Int.self) ?? 0
            return total > 0 ? try await read(page.clamped(total: total)) ?? none : none
        }
    }

    /// ` FROM plan_reviews_due pl … WHERE …`: the reviews `planReviews` counts.
    static func planReviewsScope(linkWorkerID: UserID?, team: CaseloadTeam?, dueBy: CalendarDate) -> SQLQueryString {
        // The open cases' review dates, kept with each case (`PlanReviewsDueMigrations`): counted, then walked in date
        // order, and only the page shown is named, not the thousands of a whole scheme's.
        // Each row carries its case's link worker, rewritten in the transaction of every change to the case (migration
        // 381), so only a team's filter, which reads the case, joins the referrals (joined to filter on the link worker
        // again, each row's case was read for nothing: 0.4 ms of every caseload view on SQLite).
        var scope = SQLQueryString(" FROM plan_reviews_due pl" + (team == nil ? "" : " JOIN referrals r ON r.id = pl.referral_id") + " WHERE pl.review_date <= ")
        scope.appendInterpolation(bind: "\(dueBy)")
        if let linkWorkerID {
            // The link worker's own rows (`plan_reviews_due_link_worker`), not every open case's.
            scope.appendInterpolation(unsafeRaw: " AND pl.link_worker_id = "); scope.appendInterpolation(bind: linkWorkerID)
        }
        appendTeam(team, to: &scope)
        return scope
    }

    /// `SELECT d.id, p.given_name, p.family_name, d.review_date, d.total, d.overdue … ORDER BY d.review_date, d.id`: the
    /// reviews of `page` in `scope`, each row carrying the counts of them all.
    static func planReviewsListing(_ scope: SQLQueryString, today: CalendarDate, page: PageNumber) -> SQLQueryString {
        """
        SELECT d.id, p.given_name, p.family_name, d.review_date, d.total, d.overdue FROM (SELECT pl.referral_id AS id, pl.review_date,
        COUNT(*) OVER () AS total, SUM(CASE WHEN pl.review_date < \(bind: "\(today)") THEN 1 ELSE 0 END) OVER () AS overdue
        """ + scope + """
         ORDER BY pl.review_date, pl.referral_id LIMIT \(bind: page.size) OFFSET \(bind: page.offset)
        ) d JOIN referrals named ON named.id = d.id JOIN people p ON p.id = named.person_id ORDER BY d.review_date, d.id
        """
    }

    /// The page `planReviewsListing` read; nil when it has no row (no reviews, or a page past the end).
    static func planReviewsPage(_ found: [any SQLRow]) throws -> PlanReviewsPage? {
        guard let first = found.first else { return nil }
        let rows = try found.compactMap { row -> PlanReviewRow? in
            guard let date = CalendarDate(try row.decode(column: "review_date", as: String.self)) else { return nil }
            return PlanReviewRow(referralID: try row.decode(column: "id", as: ReferralID.self),
                                 personName: try row.decode(column: "given_name", as: String.self) + " " + row.decode(column: "family_name", as: String.self),
                                 reviewDate: date)
        }
        return PlanReviewsPage(rows: rows, total: try first.decode(column: "total", as: Int.self), overdue: try first.decode(column: "overdue", as: Int.self))
    }

    public func caseloadCounts(receivedSince since: Date) async throws -> [CaseloadCount] {
        let open = ReferralStatus.allCases.filter { !$0.isFinal }.map(\.rawValue)
        // Per link worker: the open cases added up from the tallies the database keeps (`ReferralTallyMigrations`), the
        // recent ones a range of an index (link worker and date received), rather than every referral of the scheme
        // grouped (a five-year scheme's 47,000).
        return try await connections.read { db in
            try await db.raw("""
                SELECT u.id AS link_worker_id,
                       (SELECT COALESCE(SUM(tally.n), 0) FROM referral_tallies tally WHERE tally.link_worker_id = u.id AND tally.status IN (\(binds: open))) AS open,
                       (SELECT COUNT(*) FROM referrals r WHERE r.link_worker_id = u.id AND r.received_at >= \(bind: since)) AS recent
                FROM users u WHERE EXISTS (SELECT 1 FROM referral_tallies tally WHERE tally.link_worker_id = u.id AND tally.n > 0) ORDER BY u.id
                """).all().map { row in
                CaseloadCount(linkWorkerID: try row.decode(column: "link_worker_id", as: UserID.self),
                              open: try row.decode(column: "open", as: Int.self), receivedSince: try row.decode(column: "recent", as: Int.self))
            }
        }
    }

    public func administrations(referralIDs: [ReferralID]) async throws -> [Administration] {
        var result: [Administration] = []
        // In slices, well under either database's limit on bound values.
        for start in stride(from: 0, to: referralIDs.count, by: 500) {
            let ids = referralIDs[start..<min(referralIDs.count, start + 500)].map(\.rawValue)
            result += try await connections.read { db in
                try await db.raw("SELECT * FROM administrations WHERE referral_id IN (\(binds: ids)) ORDER BY administered_at, seq")
                    .all(decoding: AdministrationRow.self).map { try $0.administration() }
            }
        }
        return referralIDs.count > 500 ? result.sorted { $0.administeredAt < $1.administeredAt } : result
    }

    public func personNames(referralIDs: [ReferralID]) async throws -> [ReferralID: String] {
        var result: [ReferralID: String] = [:]
        for start in stride(from: 0, to: referralIDs.count, by: 500) {
            let ids = referralIDs[start..<min(referralIDs.count, start + 500)].map(\.rawValue)
            let rows = try await connections.read(.lookup) { db in
                try await db.raw("SELECT r.id, p.given_name, p.family_name FROM referrals r JOIN people p ON p.id = r.person_id WHERE r.id IN (\(binds: ids))").all()
            }
            for row in rows {
                result[try row.decode(column: "id", as: ReferralID.self)] =
                    try row.decode(column: "given_name", as: String.self) + " " + row.decode(column: "family_name", as: String.self)
            }
        }
        return result
    }
}
