import Foundation
import LinkwellCore
import SQLKit

/// `KeysetListStore`: each page one indexed range read after the cursor's own sort values (`LIMIT`, no `OFFSET`).
extension SQLStore {
    /// `(key < k OR (key = k AND id < i))` (newest first) or with `>` (ascending): strictly after the cursor.
    static func after(_ key: String, _ keyValue: any Encodable & Sendable, id: String, _ idValue: String, keyBefore: Bool, idBefore: Bool) -> SQLQueryString {
        var sql = SQLQueryString("(")
        sql.appendInterpolation(unsafeRaw: "\(key) \(keyBefore ? "<" : ">") "); sql.appendInterpolation(bind: keyValue)
        sql.appendInterpolation(unsafeRaw: " OR (\(key) = "); sql.appendInterpolation(bind: keyValue)
        sql.appendInterpolation(unsafeRaw: " AND \(id) \(idBefore ? "<" : ">") "); sql.appendInterpolation(bind: idValue)
        sql.appendInterpolation(unsafeRaw: "))")
        return sql
    }

    static func limit(_ page: PageRequest) -> SQLQueryString { " LIMIT \(bind: page.limit)" }

    public func users(matching filter: UserFilter, keyset page: PageRequest) async throws -> [User] {
        var c = Self.conditions(filter)
        if let a = page.after { c.append(Self.after("display_name", a.name ?? "", id: "id", a.id, keyBefore: false, idBefore: false)) }
        return try await all("SELECT * FROM users" + Self.whereClause(c) + " ORDER BY display_name, id" + Self.limit(page))
    }

    public func tokens(keyset page: PageRequest) async throws -> [APIToken] {
        let c = page.after.map { [Self.after("created_at", $0.at, id: "id", $0.id, keyBefore: true, idBefore: false)] } ?? []
        return try await all("SELECT * FROM api_tokens" + Self.whereClause(c) + " ORDER BY created_at DESC, id" + Self.limit(page))
    }

    public func complaints(keyset page: PageRequest) async throws -> [Complaint] {
        let c = page.after.map { [Self.after("received_on", $0.name ?? "", id: "id", $0.id, keyBefore: true, idBefore: true)] } ?? []
        return try await all("SELECT * FROM complaints" + Self.whereClause(c) + " ORDER BY received_on DESC, id DESC" + Self.limit(page))
    }

    public func staffChecks(keyset page: PageRequest) async throws -> [StaffCheck] {
        let c = page.after.map { [Self.after("completed_on", $0.name ?? "", id: "id", $0.id, keyBefore: true, idBefore: true)] } ?? []
        return try await all("SELECT * FROM staff_checks" + Self.whereClause(c) + " ORDER BY completed_on DESC, id DESC" + Self.limit(page))
    }

    public func supervisionNotes(linkWorkerID: UserID, keyset page: PageRequest) async throws -> [SupervisionNote] {
        var c: [SQLQueryString] = ["link_worker_id = \(bind: linkWorkerID)"]
        if let a = page.after { c.append(Self.after("at", a.at, id: "id", a.id, keyBefore: true, idBefore: true)) }
        return try await all("SELECT * FROM supervision_notes" + Self.whereClause(c) + " ORDER BY at DESC, id DESC" + Self.limit(page))
    }

    public func caseMeetings(teamID: TeamID, keyset page: PageRequest) async throws -> [CaseMeeting] {
        var c: [SQLQueryString] = ["m.team_id = \(bind: teamID)"]
        if let a = page.after { c.append(Self.after("m.held_on", a.name ?? "", id: "m.id", a.id, keyBefore: true, idBefore: true)) }
        let query = "SELECT m.id, m.team_id, m.held_on, m.attendees, m.note, m.recorded_by, m.recorded_at FROM case_meetings m"
            + Self.whereClause(c) + " ORDER BY m.held_on DESC, m.id DESC" + Self.limit(page)
        return try await connections.read { db in try await Self.caseMeetings(try await db.raw(query).all(), db) }
    }

    /// Case meetings from rows of `case_meetings`, in their order, with the cases of the whole page read in one query.
    static func caseMeetings(_ rows: [any SQLRow], _ db: any SQLDatabase) async throws -> [CaseMeeting] {
        let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
        // The cases of the whole page in one query, not one per meeting.
        var cases: [String: [ReferralID]] = [:]
        if !ids.isEmpty {
            for row in try await db.raw("SELECT meeting_id, referral_id FROM case_meeting_referrals WHERE meeting_id IN (\(binds: ids)) ORDER BY referral_id").all() {
                cases[try row.decode(column: "meeting_id", as: String.self), default: []]
                    .append(ReferralID(try row.decode(column: "referral_id", as: String.self)))
            }
        }
        return try rows.compactMap { row in
            let id = try row.decode(column: "id", as: String.self)
            guard let heldOn = CalendarDate(try row.decode(column: "held_on", as: String.self)) else { return nil }
            return CaseMeeting(id: id, teamID: TeamID(try row.decode(column: "team_id", as: String.self)), heldOn: heldOn,
                               attendees: try row.decode(column: "attendees", as: String.self),
                               note: try row.decode(column: "note", as: String.self), referralIDs: cases[id] ?? [],
                               recordedBy: UserID(try row.decode(column: "recorded_by", as: String.self)),
                               recordedAt: try row.decode(column: "recorded_at", as: Date.self))
        }
    }

    public func messages(organisationID: OrganisationID, kinds: [MessageKind]?, keyset page: PageRequest) async throws -> [MessageBack] {
        var c: [SQLQueryString] = ["recipient_organisation_id = \(bind: organisationID)"]
        if let kinds { c.append("kind IN (\(binds: kinds.map(\.rawValue)))") }
        if let a = page.after { c.append(Self.after("created_at", a.at, id: "id", a.id, keyBefore: true, idBefore: true)) }
        return try await connections.read { [c] db in
            try await db.raw("SELECT * FROM messages_back" + Self.whereClause(c) + " ORDER BY created_at DESC, id DESC" + Self.limit(page))
                .all(decoding: MessageBack.self, keyDecodingStrategy: fromColumns)
        }
    }
}
