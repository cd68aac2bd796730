import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    public func services(ids: [ServiceID]) async throws -> [Service] {
        guard !ids.isEmpty else { return [] }
        return try await all("SELECT * FROM services WHERE id IN (\(binds: Array(Set(ids.map(\.rawValue))))) ORDER BY name, id")
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
        return try await all("SELECT * FROM organisations WHERE id IN (\(binds: Array(Set(ids.map(\.rawValue))))) ORDER BY name, id")
    }

    public func practices(matching text: String, limit: Int) async throws -> [Organisation] {
        try await all("""
            SELECT * FROM organisations WHERE kind = \(bind: OrganisationKind.gpPractice.rawValue) AND ods_code IS NOT NULL
              AND (ods_code = \(bind: text.uppercased()) OR LOWER(name) LIKE \(bind: text.likeSubstringPattern) ESCAPE '!')
            ORDER BY name, id LIMIT \(bind: limit)
            """)
    }

    public func users(ids: [UserID]) async throws -> [User] {
        guard !ids.isEmpty else { return [] }
        return try await all("SELECT * FROM users WHERE id IN (\(binds: Array(Set(ids.map(\.rawValue))))) ORDER BY display_name, id")
    }
}
