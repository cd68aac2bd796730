import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    /// ` WHERE a AND b…`, or nothing when there are no conditions.
    static func whereClause(_ conditions: [SQLQueryString]) -> SQLQueryString {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// ` LIMIT … OFFSET …` of one numbered page.
    static func window(_ page: PageNumber) -> SQLQueryString { " LIMIT \(bind: page.size) OFFSET \(bind: page.offset)" }

    func count(_ query: SQLQueryString) async throws -> Int {
        try await connections.read { db in try await db.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    static func conditions(_ filter: UserFilter) -> [SQLQueryString] {
        var c: [SQLQueryString] = []
        if let role = filter.role { c.append("role = \(bind: role.rawValue)") }
        if let search = filter.search {
            let like = search.likeSubstringPattern
            c.append("(LOWER(display_name) LIKE \(bind: like) ESCAPE '!' OR LOWER(email) LIKE \(bind: like) ESCAPE '!')")
        }
        return c
    }

    public func users(matching filter: UserFilter, page: PageNumber) async throws -> [User] {
        try await all("SELECT * FROM users" + Self.whereClause(Self.conditions(filter)) + " ORDER BY display_name, id" + Self.window(page))
    }
    public func countUsers(matching filter: UserFilter) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM users" + Self.whereClause(Self.conditions(filter)))
    }

    static func conditions(_ filter: AuditFilter) -> [SQLQueryString] {
        var c: [SQLQueryString] = []
        if let actor = filter.actorID { c.append("actor_id = \(bind: actor.rawValue)") }
        if let action = filter.action { c.append("action = \(bind: action)") }
        if let record = filter.recordID { c.append("(record_id = \(bind: record) OR subject_id = \(bind: record))") }
        if let from = filter.from { c.append("at >= \(bind: from)") }
        if let until = filter.until { c.append("at < \(bind: until)") }
        return c
    }

    public func auditEvents(matching filter: AuditFilter, page: PageNumber) async throws -> [AuditEvent] {
        try await all("SELECT * FROM audit_events" + Self.whereClause(Self.conditions(filter)) + " ORDER BY at DESC, id DESC" + Self.window(page))
    }
    public func auditEvents(matching filter: AuditFilter, keyset page: PageRequest) async throws -> [AuditEvent] {
        var conditions = Self.conditions(filter)
        if let after = page.after {
            conditions.append("(at < \(bind: after.at) OR (at = \(bind: after.at) AND id < \(bind: after.id)))")
        }
        return try await all("SELECT * FROM audit_events" + Self.whereClause(conditions) + " ORDER BY at DESC, id DESC LIMIT \(bind: page.limit)")
    }
    public func countAuditEvents(matching filter: AuditFilter) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM audit_events" + Self.whereClause(Self.conditions(filter)))
    }

    static func conditions(_ state: OutboxState?) -> [SQLQueryString] { state.map { ["state = \(bind: $0.rawValue)"] } ?? [] }

    public func outbox(state: OutboxState?, page: PageNumber) async throws -> [OutboxEmail] {
        try await all("SELECT * FROM email_outbox" + Self.whereClause(Self.conditions(state)) + " ORDER BY created_at DESC, id DESC" + Self.window(page))
    }
    public func countOutbox(state: OutboxState?) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM email_outbox" + Self.whereClause(Self.conditions(state)))
    }

    static func conditions(open: Bool?) -> [SQLQueryString] {
        open.map { [$0 ? "closed_on IS NULL" : "closed_on IS NOT NULL"] } ?? []
    }
    public func complaints(open: Bool?, page: PageNumber) async throws -> [Complaint] {
        try await all("SELECT * FROM complaints" + Self.whereClause(Self.conditions(open: open)) + " ORDER BY received_on DESC, id DESC" + Self.window(page))
    }
    public func countComplaints(open: Bool?) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM complaints" + Self.whereClause(Self.conditions(open: open)))
    }

    /// Dates are stored as `YYYY-MM-DD` text, which sorts and compares as the dates do.
    static func conditions(_ filter: StaffCheckFilter) -> [SQLQueryString] {
        switch filter.expiry {
        case nil: []
        case .expired: ["expires_on < \(bind: filter.today.description)"]
        case .expiring: ["expires_on >= \(bind: filter.today.description) AND expires_on <= \(bind: filter.soon.description)"]
        }
    }
    public func staffChecks(matching filter: StaffCheckFilter, page: PageNumber) async throws -> [StaffCheck] {
        try await all("SELECT * FROM staff_checks" + Self.whereClause(Self.conditions(filter)) + " ORDER BY completed_on DESC, id DESC" + Self.window(page))
    }
    public func countStaffChecks(matching filter: StaffCheckFilter) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM staff_checks" + Self.whereClause(Self.conditions(filter)))
    }

    public func tokens(page: PageNumber) async throws -> [APIToken] {
        try await all("SELECT * FROM api_tokens ORDER BY created_at DESC, id" + Self.window(page))
    }
    public func countTokens() async throws -> Int { try await count("SELECT COUNT(*) AS n FROM api_tokens") }

    public func teams(page: PageNumber) async throws -> [Team] {
        try await teams("SELECT id, name, kind, created_at FROM teams ORDER BY name, id" + Self.window(page))
    }
    public func countTeams() async throws -> Int { try await count("SELECT COUNT(*) AS n FROM teams") }
}
