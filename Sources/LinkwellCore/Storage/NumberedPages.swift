import Foundation

/// One numbered page of a staff web list ("page 3 of 7, 312 users"): the store reads it with SQL
/// `LIMIT`/`OFFSET`, so only the page's rows are loaded. The API lists page by keyset (`PageRequest`);
/// web pages number theirs so that people can go back as well as on, and see how many there are.
public struct PageNumber: Sendable, Equatable {
    /// The rows a web list shows at a time.
    public static let webSize = 50
    /// The highest page number read from a link; anything above is refused (it would only be clamped).
    public static let maximum = 1_000_000
    /// From 1.
    public var number: Int
    public var size: Int
    public var offset: Int { (number - 1) * size }

    public init(_ number: Int = 1, size: Int = PageNumber.webSize) {
        self.number = max(1, number)
        self.size = max(1, size)
    }

    /// From a `page` query parameter: absent or empty is the first page; anything but a whole number from 1 to
    /// `maximum` is refused naming `page`.
    public init(text: String?, size: Int = PageNumber.webSize) throws(LinkwellError) {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { self.init(1, size: size); return }
        guard trimmed.allSatisfy(\.isASCII), let value = Int(trimmed), (1...Self.maximum).contains(value) else {
            throw .invalid([FieldError("page", .pageNumberOutOfRange, ["max": String(Self.maximum)])])
        }
        self.init(value, size: size)
    }

    /// How many pages `total` rows fill (at least one, so an empty list has a page 1).
    public static func count(total: Int, size: Int) -> Int { max(1, (total + size - 1) / size) }

    /// This page, or the last page of `total` rows when this one is past the end (a link kept after rows went).
    public func clamped(total: Int) -> PageNumber { PageNumber(min(number, Self.count(total: total, size: size)), size: size) }
}

/// A numbered page's rows with the number of rows in the whole (filtered) list.
public struct CountedPage<Row: Sendable>: Sendable {
    public var rows: [Row]
    public var total: Int
    /// The page shown (after clamping).
    public var page: PageNumber
    public var pageCount: Int { PageNumber.count(total: total, size: page.size) }

    public init(rows: [Row], total: Int, page: PageNumber) {
        self.rows = rows
        self.total = total
        self.page = page
    }

    /// Counts the filtered list, clamps `page` to it, then reads just that page's rows.
    public static func load(_ page: PageNumber, count: () async throws -> Int,
                            rows: (PageNumber) async throws -> [Row]) async throws -> CountedPage<Row> {
        let total = try await count()
        let shown = page.clamped(total: total)
        return CountedPage(rows: total == 0 ? [] : try await rows(shown), total: total, page: shown)
    }

    public func map<T: Sendable>(_ transform: (Row) async throws -> T) async rethrows -> CountedPage<T> {
        var mapped: [T] = []
        for row in rows { mapped.append(try await transform(row)) }
        return CountedPage<T>(rows: mapped, total: total, page: page)
    }
}

/// The administrator's search of the users list.
public struct UserFilter: Sendable, Equatable {
    /// Part of the name or e-mail address, ASCII letters in any case (as the SQL backends fold).
    public var search: String?
    public var role: Role?
    public init(search: String? = nil, role: Role? = nil) {
        let trimmed = search?.trimmingCharacters(in: .whitespaces)
        self.search = trimmed?.isEmpty == false ? trimmed : nil
        self.role = role
    }

    /// Whether `user` is in the filtered list (the in-memory store's reading; SQL stores say the same in `WHERE`).
    public func matches(_ user: User) -> Bool {
        if let role, user.role != role { return false }
        if let search {
            return user.displayName.containsFoldingASCII(search) || user.email.containsFoldingASCII(search)
        }
        return true
    }
}

/// An information governance lead's questions of the audit trail: who did what, to which record, when.
public struct AuditFilter: Sendable, Equatable {
    /// Only what this user did.
    public var actorID: UserID?
    /// Only this action (`read`, `list`, `login`…).
    public var action: String?
    /// Only events about this record, or about the person whose referral this is (their referrals out,
    /// measures, exports): "who looked at this person's record?".
    public var recordID: String?
    /// From this instant (inclusive) …
    public var from: Date?
    /// … to before this instant.
    public var until: Date?
    public init(actorID: UserID? = nil, action: String? = nil, recordID: String? = nil, from: Date? = nil, until: Date? = nil) {
        self.actorID = actorID
        self.action = action.flatMap { $0.isEmpty ? nil : $0 }
        self.recordID = recordID.flatMap { $0.isEmpty ? nil : $0 }
        self.from = from
        self.until = until
    }

    public func matches(_ event: AuditEvent) -> Bool {
        if let actorID, event.actorID != actorID { return false }
        if let action, event.action != action { return false }
        if let recordID, event.recordID != recordID && event.subjectID?.rawValue != recordID { return false }
        if let from, event.at < from { return false }
        if let until, event.at >= until { return false }
        return true
    }
}

/// The administrator's filter of staff training and DBS records by their renewal date.
public struct StaffCheckFilter: Sendable, Equatable {
    public enum Expiry: String, Sendable, CaseIterable {
        /// Expired before `today`.
        case expired
        /// Expiring from `today` to `soon` (both inclusive), the reminder window.
        case expiring
    }
    public var expiry: Expiry?
    public var today, soon: CalendarDate
    public init(expiry: Expiry?, today: CalendarDate, soon: CalendarDate) {
        (self.expiry, self.today, self.soon) = (expiry, today, soon)
    }

    public func matches(_ check: StaffCheck) -> Bool {
        guard let expiry else { return true }
        guard let ends = check.expiresOn else { return false }
        switch expiry {
        case .expired: return ends < today
        case .expiring: return today <= ends && ends <= soon
        }
    }
}

/// The staff lists of administration, numbered and filtered in the store (never loaded whole and cut).
///
/// Every implementation must order the rows as documented (ties broken by id, so that pages neither repeat
/// nor skip a row), apply the filter before `LIMIT`/`OFFSET`, and count exactly the rows the filter keeps.
public protocol AdminListStore: Sendable {
    /// Users in name-then-id order.
    func users(matching filter: UserFilter, page: PageNumber) async throws -> [User]
    func countUsers(matching filter: UserFilter) async throws -> Int
    /// Audit events, newest first by `(at, id)` (both descending): the order of the API's keyset below, so the web
    /// page and the API list the trail alike.
    func auditEvents(matching filter: AuditFilter, page: PageNumber) async throws -> [AuditEvent]
    func countAuditEvents(matching filter: AuditFilter) async throws -> Int
    /// Audit events for the API's cursor: newest first by `(at, id)` (both descending), only those strictly after
    /// `page.after` in that order, at most `page.limit`. The keyset names a row's own values, so events appended
    /// between two page reads never shift a page: no event is repeated or skipped.
    func auditEvents(matching filter: AuditFilter, keyset page: PageRequest) async throws -> [AuditEvent]
    /// The outbox, newest first; only e-mails in `state` when given.
    func outbox(state: OutboxState?, page: PageNumber) async throws -> [OutboxEmail]
    func countOutbox(state: OutboxState?) async throws -> Int
    /// Complaints by received date, newest first; only open (true) or closed (false) ones when given.
    func complaints(open: Bool?, page: PageNumber) async throws -> [Complaint]
    func countComplaints(open: Bool?) async throws -> Int
    /// Staff training and DBS records by completion date, newest first.
    func staffChecks(matching filter: StaffCheckFilter, page: PageNumber) async throws -> [StaffCheck]
    func countStaffChecks(matching filter: StaffCheckFilter) async throws -> Int
    /// Everyone's API tokens, newest first (then by id, as `tokens(userID:)`).
    func tokens(page: PageNumber) async throws -> [APIToken]
    func countTokens() async throws -> Int
    /// Teams by name, then id.
    func teams(page: PageNumber) async throws -> [Team]
    func countTeams() async throws -> Int
}
