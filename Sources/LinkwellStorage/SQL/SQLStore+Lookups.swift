import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    /// `= ANY($1)`, the values bound as one array, on PostgreSQL; ` IN (?, ?, …)` on SQLite, which has no arrays. Each
    /// value once. PostgreSQL plans a statement it runs by name once for all its values, and in that plan an `IN` list of
    /// binds is an array built again for every row a scan reads: the 29 staff named on a caseload, looked up among 154
    /// users, took 0.25 ms of its executor (the same lookup with one array: 0.02 ms). One array also makes one
    /// statement text for any number of values.
    func isAny(of values: [String]) -> SQLQueryString {
        let distinct = Array(Set(values))
        return flavor == .postgres ? " = ANY(\(bind: distinct))" : " IN (\(binds: distinct))"
    }

    public func services(ids: [ServiceID]) async throws -> [Service] {
        guard !ids.isEmpty else { return [] }
        return try await all("SELECT * FROM services WHERE id\(isAny(of: ids.map(\.rawValue))) ORDER BY name, id")
    }

    public func activeServices(matching text: String, limit: Int) async throws -> [Service] {
        let like = text.likeSubstringPattern
        return try await all("""
            SELECT * FROM services WHERE active = \(bind: true)
              AND (LOWER(name) LIKE \(bind: like) ESCAPE '!' OR LOWER(category) LIKE \(bind: like) ESCAPE '!')
            ORDER BY name, id LIMIT \(bind: limit)
            """)
    }

    public func organisations(ids: [OrganisationID]) async throws -> [Organisation] {
        guard !ids.isEmpty else { return [] }
        return try await all("SELECT * FROM organisations WHERE id\(isAny(of: ids.map(\.rawValue))) ORDER BY name, id")
    }

    public func practices(matching text: String, limit: Int) async throws -> [Organisation] {
        try await all("""
            SELECT * FROM organisations WHERE kind = \(bind: OrganisationKind.gpPractice.rawValue) AND ods_code IS NOT NULL
              AND (ods_code = \(bind: text.uppercased()) OR LOWER(name) LIKE \(bind: text.likeSubstringPattern) ESCAPE '!')
            ORDER BY name, id LIMIT \(bind: limit)
            """)
    }

    public func linkWorkers(referralIDs: [ReferralID]) async throws -> [ReferralID: UserID] {
        var result: [ReferralID: UserID] = [:]
        for start in stride(from: 0, to: referralIDs.count, by: 500) {
            let ids = referralIDs[start..<min(referralIDs.count, start + 500)].map(\.rawValue)
            let rows = try await connections.read { db in
                try await db.raw("SELECT id, link_worker_id FROM referrals WHERE link_worker_id IS NOT NULL AND id IN (\(binds: ids))").all()
            }
            for row in rows { result[try row.decode(column: "id", as: ReferralID.self)] = try row.decode(column: "link_worker_id", as: UserID.self) }
        }
        return result
    }

    public func serviceIDs(onwardReferralIDs: [OnwardReferralID]) async throws -> [OnwardReferralID: ServiceID] {
        var result: [OnwardReferralID: ServiceID] = [:]
        for start in stride(from: 0, to: onwardReferralIDs.count, by: 500) {
            let ids = onwardReferralIDs[start..<min(onwardReferralIDs.count, start + 500)].map(\.rawValue)
            let rows = try await connections.read { db in
                try await db.raw("SELECT id, service_id FROM onward_referrals WHERE id IN (\(binds: ids))").all()
            }
            for row in rows { result[try row.decode(column: "id", as: OnwardReferralID.self)] = try row.decode(column: "service_id", as: ServiceID.self) }
        }
        return result
    }

    public func users(ids: [UserID]) async throws -> [User] {
        guard !ids.isEmpty else { return [] }
        return try await all("SELECT * FROM users WHERE id\(isAny(of: ids.map(\.rawValue))) ORDER BY display_name, id")
    }

    /// Two columns read by name rather than every column of each user decoded (a caseload page names ~30 staff; the
    /// whole rows were 2% of the server's time under load on PostgreSQL).
    public func displayNames(ids: [UserID]) async throws -> [UserID: String] {
        guard !ids.isEmpty else { return [:] }
        let ids = isAny(of: ids.map(\.rawValue))
        return try await connections.read(.lookup) { db in
            var names: [UserID: String] = [:]
            for row in try await db.raw("SELECT id, display_name FROM users WHERE id\(ids)").all() {
                names[try row.decode(column: "id", as: UserID.self)] = try row.decode(column: "display_name", as: String.self)
            }
            return names
        }
    }
}
