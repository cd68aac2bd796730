import Foundation
import LinkwellCore
import SQLKit

/// `BoundedListStore`: each page one indexed range read after the cursor's own sort values (`LIMIT`, no `OFFSET`).
extension SQLStore {
    public func ledger(contractID: ContractID, keyset page: PageRequest) async throws -> [LedgerEntry] {
        var c: [SQLQueryString] = ["contract_id = \(bind: contractID)"]
        if let a = page.after { c.append(Self.after("at", a.at, id: "id", a.id, keyBefore: false, idBefore: false)) }
        let query = "SELECT * FROM ledger_entries" + Self.whereClause(c) + " ORDER BY at, id" + Self.limit(page)
        return try await connections.read { db in try await db.raw(query).all().map(Self.ledgerEntry) }
    }

    public func grants(organisationID: OrganisationID?, keyset page: PageRequest) async throws -> [GrantApplication] {
        var c: [SQLQueryString] = organisationID.map { ["organisation_id = \(bind: $0)"] } ?? []
        if let a = page.after { c.append(Self.after("applied_at", a.at, id: "id", a.id, keyBefore: true, idBefore: true)) }
        let query = "SELECT body FROM grants" + Self.whereClause(c) + " ORDER BY applied_at DESC, id DESC" + Self.limit(page)
        return try await connections.read { db in
            try await db.raw(query).all().map { try fromJSON(try $0.decode(column: "body", as: String.self), as: GrantApplication.self) }
        }
    }

    public func serviceOrganisationIDs(keyset page: PageRequest) async throws -> [OrganisationID] {
        let c: [SQLQueryString] = page.after.map { ["organisation_id > \(bind: $0.id)"] } ?? []
        let query = "SELECT DISTINCT organisation_id FROM services" + Self.whereClause(c) + " ORDER BY organisation_id" + Self.limit(page)
        return try await connections.read { db in
            try await db.raw(query).all().map { OrganisationID(try $0.decode(column: "organisation_id", as: String.self)) }
        }
    }

    public func auditEvents(aboutReferrals referralIDs: [ReferralID], keyset page: PageRequest) async throws -> [AuditEvent] {
        guard !referralIDs.isEmpty else { return [] }
        let ids = referralIDs.map(\.rawValue)
        var c: [SQLQueryString] = ["(subject_id IN (\(binds: ids)) OR record_id IN (\(binds: ids)))"]
        if let a = page.after { c.append(Self.after("at", a.at, id: "id", a.id, keyBefore: true, idBefore: true)) }
        return try await all("SELECT * FROM audit_events" + Self.whereClause(c) + " ORDER BY at DESC, id DESC" + Self.limit(page))
    }

    public func supervisionNotes(linkWorkerID: UserID, page: PageNumber) async throws -> CountedPage<SupervisionNote> {
        try await countedPage(page, select: "SELECT *", from: "FROM supervision_notes WHERE link_worker_id = \(bind: linkWorkerID)",
                              order: "at DESC, id DESC") { try $0.decode(model: SupervisionNote.self, keyDecodingStrategy: fromColumns) }
    }

    public func caseMeetings(teamID: TeamID, page: PageNumber) async throws -> CountedPage<CaseMeeting> {
        try await connections.read { db in
            let total = try await db.raw("SELECT COUNT(*) AS n FROM case_meetings WHERE team_id = \(bind: teamID)").first()?.decode(column: "n", as: Int.self) ?? 0
            let shown = page.clamped(total: total)
            guard total > 0 else { return CountedPage(rows: [], total: 0, page: shown) }
            let rows = try await db.raw("SELECT id, team_id, held_on, attendees, note, recorded_by, recorded_at FROM case_meetings WHERE team_id = \(bind: teamID)"
                                        + " ORDER BY held_on DESC, id DESC" + Self.window(shown)).all()
            return CountedPage(rows: try await Self.caseMeetings(rows, db), total: total, page: shown)
        }
    }
}
