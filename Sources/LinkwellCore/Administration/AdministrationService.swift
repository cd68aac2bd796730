import Foundation

/// The administrator's read side: the audit trail, the e-mail outbox, users and organisations. Administrators
/// manage the scheme, not people's records: nothing here returns a case.
public struct AdministrationService: Sendable {
    /// The storage roles administration reads.
    public typealias Storage = AuditStore & OutboxStore & AccountStore
    private let store: any Storage

    public init(store: any Storage) { self.store = store }

    private func requireAdmin(_ request: ServiceRequest) throws {
        guard request.principal.role == .admin else { throw LinkwellError.forbidden("This page is not available to your role.") }
    }

    /// The newest audit events, optionally only those about one record, with the names of who acted.
    public func auditEvents(recordID: String?, limit: Int, _ request: ServiceRequest) async throws -> (events: [AuditEvent], names: UserNames) {
        try requireAdmin(request)
        return (try await store.auditEvents(recordID: recordID, limit: limit), UserNames(try await store.users()))
    }

    /// The newest e-mails of the outbox, with the names of their recipients.
    public func outbox(limit: Int, _ request: ServiceRequest) async throws -> (emails: [OutboxEmail], names: UserNames) {
        try requireAdmin(request)
        return (try await store.outbox(limit: limit), UserNames(try await store.users()))
    }

    /// Every user and organisation, for the users page.
    public func accounts(_ request: ServiceRequest) async throws -> (users: [User], organisations: [Organisation]) {
        try requireAdmin(request)
        return (try await store.users(), try await store.organisations())
    }
}
