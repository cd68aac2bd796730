import Foundation

/// The administrator's read side: the audit trail, the e-mail outbox, users and organisations. Administrators
/// manage the scheme, not people's records: nothing here returns a case.
public struct AdministrationService: Sendable {
    /// The storage roles administration reads.
    public typealias Storage = AuditStore & OutboxStore & AccountStore & AdminListStore & ReferenceLookupStore
    private let store: any Storage

    public init(store: any Storage) { self.store = store }

    private func requireAdmin(_ request: ServiceRequest) throws {
        guard request.principal.role == .admin else { throw LinkwellError.forbidden("This page is not available to your role.") }
    }

    /// A page of the audit trail for the API, newest first by `(at, id)`, filtered and cut in the store; the cursor
    /// names the last event shown, so events appended between two reads neither repeat nor hide one.
    /// `actorID` must be a user's id (else refused naming `actorId`); `from` and `to` are whole days, both inclusive.
    public func auditEvents(recordID: String?, actorID: String?, action: String?, from: String?, to: String?,
                            page: PageRequest, _ request: ServiceRequest) async throws -> Page<AuditEvent> {
        try requireAdmin(request)
        var v = Validator()
        func day(_ text: String?, _ field: String) -> CalendarDate? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let date = CalendarDate(text) else { v.add(field, .dateNotRealOrISO); return nil }
            return date
        }
        let first = day(from, "from"), last = day(to, "to")
        if let first, let last, last < first { v.add("to", .toBeforeFrom) }
        let record = recordID?.trimmingCharacters(in: .whitespaces), act = action?.trimmingCharacters(in: .whitespaces)
        if (record?.count ?? 0) > 200 { v.add("recordId", .recordIDTooLong, ["max": "200"]) }
        if (act?.count ?? 0) > 100 { v.add("action", .auditActionTooLong, ["max": "100"]) }
        var filter = AuditFilter(action: act, recordID: record, from: first?.startOfDay,
                                 until: last.map { $0.startOfDay.addingTimeInterval(24 * 60 * 60) })
        if let actor = actorID?.trimmingCharacters(in: .whitespaces), !actor.isEmpty {
            if actor.count <= 200, let user = try await store.user(id: UserID(actor)) { filter.actorID = user.id }
            else { v.add("actorId", .userIDUnknown) }
        }
        try v.check()
        return Page(fetched: try await store.auditEvents(matching: filter, keyset: try page.requireTimed().fetching), limit: page.limit) { PageCursor(at: $0.at, id: $0.id) }
    }

    /// One numbered page of the audit trail, newest first, filtered in the store, with the names of who acted on it.
    /// `actorEmail` names the user whose actions are wanted; an address no user has is refused naming `user`.
    public func auditEvents(matching filter: AuditFilter, actorEmail: String?, page: PageNumber,
                            _ request: ServiceRequest) async throws -> (events: CountedPage<AuditEvent>, names: UserNames) {
        try requireAdmin(request)
        var filter = filter
        if let email = actorEmail?.trimmingCharacters(in: .whitespaces), !email.isEmpty {
            guard let actor = try await store.user(email: email) else { throw LinkwellError.invalid([FieldError("user", .userEmailUnknown)]) }
            filter.actorID = actor.id
        }
        let events = try await CountedPage.load(page, count: { try await store.countAuditEvents(matching: filter) },
                                                rows: { try await store.auditEvents(matching: filter, page: $0) })
        return (events, try await names(events.rows.compactMap(\.actorID)))
    }

    /// One numbered page of the outbox, newest first, optionally only e-mails in one state, with the names of
    /// their recipients and how many e-mails are in each state.
    public func outbox(state: OutboxState?, page: PageNumber, _ request: ServiceRequest) async throws
        -> (emails: CountedPage<OutboxEmail>, names: UserNames, counts: [OutboxState: Int]) {
        try requireAdmin(request)
        let emails = try await CountedPage.load(page, count: { try await store.countOutbox(state: state) },
                                                rows: { try await store.outbox(state: state, page: $0) })
        var counts: [OutboxState: Int] = [:]
        for s in OutboxState.allCases { counts[s] = try await store.countOutbox(state: s) }
        return (emails, try await names(emails.rows.compactMap(\.recipientID)), counts)
    }

    /// The names of just these users (a page's worth), not of everyone.
    private func names(_ ids: [UserID]) async throws -> UserNames {
        UserNames(try await store.users(ids: Array(Set(ids))))
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
