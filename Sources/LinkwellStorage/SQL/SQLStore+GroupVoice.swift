import Foundation
import LinkwellCore
import SQLKit

/// `OnwardThreadStore` on SQL.
extension SQLStore {
    public func addOnwardMessage(_ message: OnwardMessage) async throws {
        try await connections.transaction { db in try await Self.insert([message], into: "onward_messages", db) }
    }

    public func onwardMessages(referralID: ReferralID) async throws -> [OnwardMessage] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM onward_messages WHERE referral_id = \(bind: referralID) ORDER BY at, id")
                .all(decoding: OnwardMessage.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func openOnwardRequests(linkWorkerID: UserID?, organisationID: OrganisationID?, overdueAt now: Date) async throws -> [OpenOnwardRequest] {
        let sql = openOnwardRequestsStatement(linkWorkerID: linkWorkerID, organisationID: organisationID, overdueAt: now)
        return try await connections.read { db in try await db.raw(sql).all().map(Self.openOnwardRequest) }
    }

    /// `SELECT o.id, o.referral_id, … ORDER BY o.created_at, o.id`: the rows of `openOnwardRequests`.
    func openOnwardRequestsStatement(linkWorkerID: UserID?, organisationID: OrganisationID?, overdueAt now: Date) -> SQLQueryString {
        // Due by `now` (a window of 0 days sets no answer date): the backlog of a five-year scheme is hundreds of
        // requests, most not yet due, each decoded only to be dropped (14% of a supervisor's team view on PostgreSQL).
        // The window counts exact seconds (an interval of days would follow the server's clock changes); a second of
        // slack keeps any rounding of the engines' arithmetic on the side of the caller's own rule, which decides.
        // `d` is the request's row of `onward_requests_due` for a link worker, the request itself otherwise.
        let t = linkWorkerID == nil ? "o" : "d"
        let days = flavor == .postgres ? "\(t).return_window_days * INTERVAL '86400 seconds'" : "\(t).return_window_days * 86400"
        let due: SQLQueryString = " AND \(unsafeRaw: t).return_window_days > 0 AND \(unsafeRaw: t).created_at + \(unsafeRaw: days) < \(bind: now.addingTimeInterval(1))"
        // `CROSS JOIN` fixes SQLite's order. A link worker's requests are their own rows of `onward_requests_due`
        // (the unanswered requests of their cases, kept with each change to a case), read by the index that holds
        // what the due check reads: the requests and cases read are the answer's. Before, the panel started from
        // every case the link worker ever had (1,620 in the five-year scheme), each looked up among the unanswered
        // requests (~0.5 ms a view). A provider's and the scheme's start from the requests, each joined to its case.
        let source = linkWorkerID == nil
            ? "onward_referrals o CROSS JOIN referrals r"
            : "onward_requests_due d CROSS JOIN onward_referrals o CROSS JOIN referrals r"
        var sql = SQLQueryString("""
            SELECT o.id, o.referral_id, o.service_id, s.name AS service_name, s.organisation_id, r.link_worker_id,
                   p.given_name, p.family_name, r.consent_purposes, o.created_at, o.return_window_days
            FROM \(unsafeRaw: source) JOIN services s ON s.id = o.service_id JOIN people p ON p.id = r.person_id
            WHERE r.id = o.referral_id AND o.status = 'requested'
            """) + due
        if let linkWorkerID {
            // The kept row names the request and the case's link worker; the case's own column is checked as well.
            sql.appendInterpolation(unsafeRaw: " AND o.id = d.onward_referral_id AND d.link_worker_id = "); sql.appendInterpolation(bind: linkWorkerID.rawValue)
            sql.appendInterpolation(unsafeRaw: " AND r.link_worker_id = "); sql.appendInterpolation(bind: linkWorkerID.rawValue)
        }
        if let organisationID { sql.appendInterpolation(unsafeRaw: " AND s.organisation_id = "); sql.appendInterpolation(bind: organisationID.rawValue) }
        sql.appendInterpolation(unsafeRaw: " ORDER BY o.created_at, o.id")
        return sql
    }

    static func openOnwardRequest(_ row: any SQLRow) throws -> OpenOnwardRequest {
        OpenOnwardRequest(
            onwardReferralID: try row.decode(column: "id", as: OnwardReferralID.self),
            referralID: try row.decode(column: "referral_id", as: ReferralID.self),
            serviceID: try row.decode(column: "service_id", as: ServiceID.self),
            serviceName: try row.decode(column: "service_name", as: String.self),
            organisationID: try row.decode(column: "organisation_id", as: OrganisationID.self),
            linkWorkerID: try row.decode(column: "link_worker_id", as: UserID?.self),
            personName: try row.decode(column: "given_name", as: String.self) + " " + row.decode(column: "family_name", as: String.self),
            consentPurposes: purposes(try row.decode(column: "consent_purposes", as: String.self)),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            returnWindowDays: try row.decode(column: "return_window_days", as: Int.self))
    }
}

/// `StaffRecordStore` on SQL.
extension SQLStore {
    public func saveComplaint(_ complaint: Complaint) async throws {
        try await connections.transaction { db in try await Self.upsert([complaint], into: "complaints", db) }
    }

    public func complaints() async throws -> [Complaint] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM complaints ORDER BY received_on DESC, id DESC").all(decoding: Complaint.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func addStaffCheck(_ check: StaffCheck) async throws {
        try await connections.transaction { db in try await Self.insert([check], into: "staff_checks", db) }
    }

    public func staffChecks() async throws -> [StaffCheck] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM staff_checks ORDER BY completed_on DESC, id DESC").all(decoding: StaffCheck.self, keyDecodingStrategy: fromColumns)
        }
    }
}
