import Foundation
import LinkwellCore

extension MemoryStore {
    /// The rows of one numbered page of a list already filtered and in order.
    static func window<T>(_ rows: [T], _ page: PageNumber) -> [T] {
        Array(rows.dropFirst(page.offset).prefix(page.size))
    }

    private func filteredUsers(_ filter: UserFilter) async throws -> [User] { try await users().filter(filter.matches) }
    public func users(matching filter: UserFilter, page: PageNumber) async throws -> [User] {
        Self.window(try await filteredUsers(filter), page)
    }
    public func countUsers(matching filter: UserFilter) async throws -> Int { try await filteredUsers(filter).count }

    private func filteredAudit(_ filter: AuditFilter) -> [AuditEvent] { audit.filter(filter.matches).sorted { ($0.at, $0.id) > ($1.at, $1.id) } }
    public func auditEvents(matching filter: AuditFilter, page: PageNumber) async throws -> [AuditEvent] {
        Self.window(filteredAudit(filter), page)
    }
    public func countAuditEvents(matching filter: AuditFilter) async throws -> Int { filteredAudit(filter).count }
    public func auditEvents(matching filter: AuditFilter, keyset page: PageRequest) async throws -> [AuditEvent] {
        let newest = audit.filter(filter.matches).sorted { ($0.at, $0.id) > ($1.at, $1.id) }
        let rest = page.after.map { after in newest.filter { ($0.at, $0.id) < (after.at, after.id) } } ?? newest
        return Array(rest.prefix(page.limit))
    }

    private func filteredOutbox(_ state: OutboxState?) -> [OutboxEmail] {
        emails.values.filter { state == nil || $0.state == state }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }
    public func outbox(state: OutboxState?, page: PageNumber) async throws -> [OutboxEmail] { Self.window(filteredOutbox(state), page) }
    public func countOutbox(state: OutboxState?) async throws -> Int { filteredOutbox(state).count }

    private func filteredComplaints(_ open: Bool?) async throws -> [Complaint] {
        try await complaints().filter { open == nil || $0.isOpen == open }
    }
    public func complaints(open: Bool?, page: PageNumber) async throws -> [Complaint] { Self.window(try await filteredComplaints(open), page) }
    public func countComplaints(open: Bool?) async throws -> Int { try await filteredComplaints(open).count }

    public func staffChecks(matching filter: StaffCheckFilter, page: PageNumber) async throws -> [StaffCheck] {
        Self.window(try await staffChecks().filter(filter.matches), page)
    }
    public func countStaffChecks(matching filter: StaffCheckFilter) async throws -> Int { try await staffChecks().filter(filter.matches).count }

    public func tokens(page: PageNumber) async throws -> [APIToken] { Self.window(try await tokens(userID: nil), page) }
    public func countTokens() async throws -> Int { tokens.count }

    public func teams(page: PageNumber) async throws -> [Team] {
        Self.window(try await teams().sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) }, page)
    }
    public func countTeams() async throws -> Int { try await teams().count }
}
