import Foundation

/// A complaint about the scheme, logged by the administrator: when it came in, what it was about, and
/// how it ended. Complaints are never deleted; closing one records the outcome and the date.
public struct Complaint: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var receivedOn: CalendarDate
    /// What the complaint is about (no more personal detail than needed).
    public var about: String
    public var outcome: String
    public var closedOn: CalendarDate?
    public var recordedBy: UserID
    public var recordedAt: Date
    public var isOpen: Bool { closedOn == nil }
}

/// The kinds of record kept about a member of staff.
public enum StaffCheckKind: String, Codable, Sendable, CaseIterable {
    case training
    case dbs

    public var label: String { self == .training ? "Training" : "DBS check" }
}

/// A member of staff's training course or DBS check, with its expiry (renewal) date.
public struct StaffCheck: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var userID: UserID
    public var kind: StaffCheckKind
    /// The course's name, or the DBS level and certificate reference.
    public var title: String
    public var completedOn: CalendarDate
    public var expiresOn: CalendarDate?
    public var recordedBy: UserID
    public var recordedAt: Date
}

/// The complaints log and staff training and DBS records.
///
/// Every implementation must guarantee: `saveComplaint` inserts or replaces by id, whole; lists come
/// back newest first (complaints by received date, staff checks by completion date, then id).
public protocol StaffRecordStore: Sendable {
    func saveComplaint(_ complaint: Complaint) async throws
    func complaints() async throws -> [Complaint]
    func addStaffCheck(_ check: StaffCheck) async throws
    func staffChecks() async throws -> [StaffCheck]
}

/// Input for logging a complaint (dates YYYY-MM-DD).
public struct ComplaintInput: Codable, Sendable {
    public var receivedOn: String?
    public var about: String?
    public var outcome: String?
    public var closedOn: String?
    public init(receivedOn: String? = nil, about: String? = nil, outcome: String? = nil, closedOn: String? = nil) {
        (self.receivedOn, self.about, self.outcome, self.closedOn) = (receivedOn, about, outcome, closedOn)
    }
}

/// Input for a staff training or DBS record (dates YYYY-MM-DD).
public struct StaffCheckInput: Codable, Sendable {
    public var userId: String?
    public var kind: String?
    public var title: String?
    public var completedOn: String?
    public var expiresOn: String?
    public init(userId: String? = nil, kind: String? = nil, title: String? = nil, completedOn: String? = nil, expiresOn: String? = nil) {
        (self.userId, self.kind, self.title, self.completedOn, self.expiresOn) = (userId, kind, title, completedOn, expiresOn)
    }
}

/// The administrator's complaints log and staff records. Admin only; every change is audited.
public struct StaffRecordsService: Sendable {
    public typealias Storage = StaffRecordStore & AccountStore & AuditStore & AdminListStore & KeysetListStore
    let store: any Storage
    public let env: CoreEnvironment
    let trail: AuditTrail
    public init(store: any Storage, env: CoreEnvironment) {
        self.store = store
        self.env = env
        self.trail = AuditTrail(store: store, env: env)
    }

    private func requireAdmin(_ r: ServiceRequest) throws {
        guard r.principal.role == .admin else { throw LinkwellError.forbidden("Only an administrator keeps the complaints log and staff records.") }
    }

    /// A date field: required or optional, a real date, not in the future.
    private func date(_ text: String?, _ field: String, _ label: FieldLabel, required: Bool, _ v: inout Validator) -> CalendarDate? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            if required { v.add(field, .required, label: label) }
            return nil
        }
        guard let date = CalendarDate(text) else { v.add(field, .dateNotRealISO, label: label); return nil }
        return date
    }

    /// A page of the complaints log, newest received first, read by keyset in the store.
    public func complaints(keyset page: PageRequest, _ r: ServiceRequest) async throws -> Page<Complaint> {
        try requireAdmin(r)
        let page = try page.requireDated()
        return Page(fetched: try await store.complaints(keyset: page.fetching), limit: page.limit) { PageCursor(name: $0.receivedOn.description, id: $0.id) }
    }

    /// A page of staff training and DBS records, newest completed first, read by keyset in the store.
    public func staffChecks(keyset page: PageRequest, _ r: ServiceRequest) async throws -> Page<StaffCheck> {
        try requireAdmin(r)
        let page = try page.requireDated()
        return Page(fetched: try await store.staffChecks(keyset: page.fetching), limit: page.limit) { PageCursor(name: $0.completedOn.description, id: $0.id) }
    }

    /// One numbered page of the complaints log, newest first; only open (true) or closed (false) ones when given.
    public func complaints(open: Bool?, page: PageNumber, _ r: ServiceRequest) async throws -> CountedPage<Complaint> {
        try requireAdmin(r)
        return try await CountedPage.load(page, count: { try await store.countComplaints(open: open) },
                                          rows: { try await store.complaints(open: open, page: $0) })
    }

    /// The renewal filter as of today: `expiring` is the reminder window (`GovernanceRules.reminderDays`).
    public func staffCheckFilter(_ expiry: StaffCheckFilter.Expiry?) -> StaffCheckFilter {
        let now = env.now()
        return StaffCheckFilter(expiry: expiry, today: CalendarDate(now),
                                soon: CalendarDate(now.addingTimeInterval(TimeInterval(GovernanceRules.reminderDays) * 86_400)))
    }

    /// One numbered page of staff training and DBS records, newest first, filtered by renewal date.
    public func staffChecks(matching filter: StaffCheckFilter, page: PageNumber, _ r: ServiceRequest) async throws -> CountedPage<StaffCheck> {
        try requireAdmin(r)
        return try await CountedPage.load(page, count: { try await store.countStaffChecks(matching: filter) },
                                          rows: { try await store.staffChecks(matching: filter, page: $0) })
    }

    /// Logs a complaint; it may be logged already closed, with its outcome.
    public func logComplaint(_ input: ComplaintInput, _ r: ServiceRequest) async throws -> Complaint {
        try requireAdmin(r)
        var v = Validator()
        let today = CalendarDate(env.now())
        let received = date(input.receivedOn, "receivedOn", .theDateItWasReceived, required: true, &v)
        if let received, received > today { v.add("receivedOn", .receivedInFuture) }
        let about = v.required(input.about, "about", label: .whatTheComplaintIsAbout, max: 2000)
        let outcome = v.optional(input.outcome, "outcome", label: .theOutcome, max: 2000)
        let closed = date(input.closedOn, "closedOn", .theDateItWasClosed, required: false, &v)
        check(closed: closed, received: received, outcome: outcome, today: today, &v)
        try v.check()
        let complaint = Complaint(id: env.newID(), receivedOn: received!, about: about, outcome: outcome, closedOn: closed,
                                  recordedBy: r.principal.userID, recordedAt: env.now())
        try await store.saveComplaint(complaint)
        try await trail.record(r, action: "create", type: "complaint", id: complaint.id, subject: nil, allowed: true)
        return complaint
    }

    /// Closes an open complaint with its outcome.
    public func closeComplaint(_ id: String, outcome: String?, closedOn: String?, _ r: ServiceRequest) async throws -> Complaint {
        try requireAdmin(r)
        guard var complaint = try await store.complaints().first(where: { $0.id == id }) else { throw LinkwellError.notFound("complaint") }
        guard complaint.isOpen else { throw LinkwellError.conflict(.complaintClosed) }
        var v = Validator()
        let text = v.required(outcome, "outcome", label: .theOutcome, max: 2000)
        let closed = date(closedOn, "closedOn", .theDateItWasClosed, required: true, &v)
        check(closed: closed, received: complaint.receivedOn, outcome: text, today: CalendarDate(env.now()), &v)
        try v.check()
        complaint.outcome = text
        complaint.closedOn = closed
        try await store.saveComplaint(complaint)
        try await trail.record(r, action: "close", type: "complaint", id: id, subject: nil, allowed: true)
        return complaint
    }

    private func check(closed: CalendarDate?, received: CalendarDate?, outcome: String, today: CalendarDate, _ v: inout Validator) {
        guard let closed else { return }
        if closed > today { v.add("closedOn", .closedInFuture) }
        if let received, closed < received { v.add("closedOn", .complaintClosedBeforeReceived, ["received": "\(received)"]) }
        if outcome.isEmpty { v.add("outcome", .complaintOutcomeRequired) }
    }

    /// Active staff accounts a record can be about (everyone but people with their own record).
    public func staffUsers(_ r: ServiceRequest) async throws -> [User] {
        try requireAdmin(r)
        return try await store.users().filter { $0.active && $0.role != .person }.sorted { $0.displayName < $1.displayName }
    }

    public func recordStaffCheck(_ input: StaffCheckInput, _ r: ServiceRequest) async throws -> StaffCheck {
        try requireAdmin(r)
        var v = Validator()
        let kind = v.choice(input.kind, "kind", label: .theKindOfRecord, as: StaffCheckKind.self)
        let title = v.required(input.title, "title", label: .theCourseOrCertificate, max: 300)
        let completed = date(input.completedOn, "completedOn", .theDateItWasCompleted, required: true, &v)
        if let completed, completed > CalendarDate(env.now()) { v.add("completedOn", .completedInFuture) }
        let expires = date(input.expiresOn, "expiresOn", .theExpiryDate, required: false, &v)
        if let expires, let completed, expires <= completed { v.add("expiresOn", .expiryNotAfterCompleted) }
        let user = try await input.userId.flatMap { $0.isEmpty ? nil : $0 }.asyncMap { try await store.user(id: UserID($0)) } ?? nil
        if user == nil || user?.role == .person { v.add("userId", .chooseStaffMember) }
        try v.check()
        let check = StaffCheck(id: env.newID(), userID: user!.id, kind: kind!, title: title, completedOn: completed!, expiresOn: expires,
                               recordedBy: r.principal.userID, recordedAt: env.now())
        try await store.addStaffCheck(check)
        try await trail.record(r, action: "create", type: "staff_check", id: check.id, subject: nil, allowed: true)
        return check
    }
}

extension StaffCheck {
    /// "Expired", "Expires within 30 days" or "" on `today`.
    public func expiry(on today: CalendarDate, soon: CalendarDate) -> String {
        guard let expiresOn else { return "" }
        return expiresOn < today ? "Expired" : expiresOn <= soon ? "Expires within \(GovernanceRules.reminderDays) days" : ""
    }
}
