import Foundation

/// Where a newest-first list continues: the time and id of the last row already shown (keyset paging,
/// so a page costs the same however deep it is, and rows arriving meanwhile neither repeat nor vanish).
/// Clients see it only as an opaque token.
public struct PageCursor: Sendable, Equatable, Hashable {
    public var at: Date
    public var id: String
    /// For lists in name order (services, organisations): the name of the last row shown; `at` is then unused.
    public var name: String?
    public init(at: Date, id: String) {
        self.at = at
        self.id = id
    }

    /// Where a list sorted by name, then id, continues.
    public init(name: String, id: String) {
        self.at = Date(timeIntervalSince1970: 0)
        self.id = id
        self.name = name
    }

    /// The opaque token, base64url-encoded: the instant's exact bits and the id, or for a name-ordered list
    /// `~`, the name's length in UTF-8 bytes, `:`, the name and the id.
    public var token: String {
        let text = name.map { "~\($0.utf8.count):\($0)\(id)" } ?? (String(at.timeIntervalSince1970.bitPattern, radix: 16) + "." + id)
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token made by `token`; anything else is refused naming the field `cursor`.
    public init(token: String) throws(LinkwellError) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        if token.count <= 400, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
           let named = Self.named(text) {
            self.init(name: named.name, id: named.id)
            return
        }
        guard token.count <= 400, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let dot = text.firstIndex(of: "."), let bits = UInt64(text[..<dot], radix: 16) else {
            throw .invalid([.apiOnly("cursor", "This cursor is not one Linkwell gave out; start again from the first page.")])
        }
        let seconds = Double(bitPattern: bits)
        let id = String(text[text.index(after: dot)...])
        guard seconds.isFinite, !id.isEmpty else { throw .invalid([.apiOnly("cursor", "This cursor is not one Linkwell gave out; start again from the first page.")]) }
        self.init(at: Date(timeIntervalSince1970: seconds), id: id)
    }

    /// A name-ordered token's name and id (`~<bytes>:<name><id>`), or nil.
    private static func named(_ text: String) -> (name: String, id: String)? {
        guard text.hasPrefix("~"), let colon = text.firstIndex(of: ":"), let count = Int(text[text.index(after: text.startIndex)..<colon]),
              count >= 0 else { return nil }
        let rest = Array(text[text.index(after: colon)...].utf8)
        guard rest.count > count, let name = String(bytes: rest[..<count], encoding: .utf8),
              let id = String(bytes: rest[count...], encoding: .utf8) else { return nil }
        return (name, id)
    }
}

/// One page of a list asked for: at most `limit` rows after `after`.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maximumLimit = 200
    public var limit: Int
    public var after: PageCursor?
    public init(limit: Int = PageRequest.defaultLimit, after: PageCursor? = nil) {
        self.limit = limit
        self.after = after
    }

    /// From a request's `limit` and `cursor` parameters (either may be absent); a limit outside
    /// 1…`maximumLimit` or a cursor Linkwell did not make is refused naming the field.
    public init(limit: String?, cursor: String?, defaultLimit: Int = PageRequest.defaultLimit) throws(LinkwellError) {
        var value = defaultLimit
        if let limit {
            guard let parsed = Int(limit), (1...Self.maximumLimit).contains(parsed) else {
                throw .invalid([FieldError("limit", .pageSizeOutOfRange, ["max": String(Self.maximumLimit)])])
            }
            value = parsed
        }
        self.init(limit: value, after: try cursor.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(LinkwellError) in try PageCursor(token: text) })
    }
}

extension CaseSummaryStore {
    /// Each query counted on its own.
    public func countReferrals(_ queries: [ReferralQuery]) async throws -> [Int] {
        var counts: [Int] = []
        for query in queries { counts.append(try await countReferrals(query)) }
        return counts
    }
}

extension PageRequest {
    /// This request for a name-ordered list: a cursor from a newest-first list is refused naming `cursor`.
    public func requireNamed() throws(LinkwellError) -> PageRequest {
        if let after, after.name == nil { throw .invalid([.apiOnly("cursor", "This cursor belongs to another list; start again from the first page.")]) }
        return self
    }
}

/// A page of rows and, when there are more, where the next page starts.
public struct Page<Row: Sendable>: Sendable {
    public var rows: [Row]
    public var next: PageCursor?
    public init(rows: [Row], next: PageCursor?) {
        self.rows = rows
        self.next = next
    }

    /// The page from `limit + 1` rows fetched: the extra row only says that there is a next page.
    public init(fetched: [Row], limit: Int, cursor: (Row) -> PageCursor) {
        rows = Array(fetched.prefix(limit))
        next = fetched.count > limit ? rows.last.map(cursor) : nil
    }

    public func map<T: Sendable>(_ transform: (Row) throws -> T) rethrows -> Page<T> { Page<T>(rows: try rows.map(transform), next: next) }
}

extension ReferralSummary {
    /// The cursor that continues a list after this row.
    public var cursor: PageCursor { PageCursor(at: receivedAt, id: id.rawValue) }
}

/// A provider's inbox row with what the person has consented to now (which decides whether their name is shown).
public struct OnwardInboxRow: Sendable, Equatable {
    public var summary: OnwardSummary
    public var consentPurposes: [ConsentPurpose]
    public init(summary: OnwardSummary, consentPurposes: [ConsentPurpose]) {
        self.summary = summary
        self.consentPurposes = consentPurposes
    }
}

/// A numbered page of the plan reviews due, with the counts of the whole list.
public struct PlanReviewsPage: Sendable, Equatable {
    public var rows: [PlanReviewRow]
    public var total: Int
    public var overdue: Int
    public init(rows: [PlanReviewRow], total: Int, overdue: Int) {
        self.rows = rows
        self.total = total
        self.overdue = overdue
    }
}

/// A plan whose review date is set, on a referral still in support.
public struct PlanReviewRow: Sendable, Equatable {
    public var referralID: ReferralID
    public var personName: String
    public var reviewDate: CalendarDate
    public init(referralID: ReferralID, personName: String, reviewDate: CalendarDate) {
        self.referralID = referralID
        self.personName = personName
        self.reviewDate = reviewDate
    }
}

/// What the due-measures rule reads of a measure taken: which, at which point, and when (no answers or scores).
public struct MeasureTaken: Sendable, Equatable {
    public var referralID: ReferralID
    public var instrumentID: String
    public var timepoint: Timepoint
    public var administeredAt: Date
    public init(referralID: ReferralID, instrumentID: String, timepoint: Timepoint, administeredAt: Date) {
        (self.referralID, self.instrumentID, self.timepoint, self.administeredAt) = (referralID, instrumentID, timepoint, administeredAt)
    }
}

/// One link worker's load, counted in the database.
public struct CaseloadCount: Sendable, Equatable {
    public var linkWorkerID: UserID
    /// Referrals on the caseload that have not ended.
    public var open: Int
    /// Referrals on the caseload received on or after the date asked about.
    public var receivedSince: Int
    public init(linkWorkerID: UserID, open: Int, receivedSince: Int) {
        self.linkWorkerID = linkWorkerID
        self.open = open
        self.receivedSince = receivedSince
    }
}

/// The work lists' read models, each built in one or a few set-based queries (never a case load per row),
/// so that a page costs the same with 50 referrals or 50,000.
///
/// Every implementation must guarantee:
/// - Each method returns exactly what the same question answered from whole cases (`CaseStore.loadCase`)
///   would (the storage suite compares the two on a seeded scheme).
/// - Paged lists are newest first (time, then id, both descending) and continue strictly after `after`.
public protocol CaseSummaryStore: Sendable {
    /// How many referrals match the query (its `limit` and `after` are ignored).
    func countReferrals(_ query: ReferralQuery) async throws -> Int
    /// How many referrals match each query, in their order, counted together (a caseload's groups: one statement on
    /// SQL instead of one a group).
    func countReferrals(_ queries: [ReferralQuery]) async throws -> [Int]
    /// Referrals out to the organisation's services, newest first (by creation, then id), with the
    /// person's consent as it stands.
    func onwardInbox(organisationID: OrganisationID, page: PageRequest) async throws -> [OnwardInboxRow]
    /// Messages back to a referrer, newest first (by creation, then id).
    func messages(recipientID: UserID, page: PageRequest) async throws -> [MessageBack]
    /// Plans with a review date on or before `dueBy`, on referrals whose stage has plan reviews
    /// (`ReferralStatus.hasPlanReviews`; only one link worker's when given; only `team`'s caseload when given),
    /// earliest review first, then by referral id: counted in full (`overdue`: those dated before `today`), with
    /// the rows of `page` (clamped to the last page), filtered before counting and paging.
    func planReviews(linkWorkerID: UserID?, team: CaseloadTeam?, dueBy: CalendarDate, today: CalendarDate, page: PageNumber) async throws -> PlanReviewsPage
    /// The whole cases of these referrals, each exactly as `CaseStore.loadCase` reads it (children in the order they
    /// were written, the team placement), in the order of `ids`; ids with no referral are left out. Read in a few
    /// set-based queries per slice of referrals (one per table), never one case at a time: for read models and
    /// exports over many cases.
    func loadCases(_ ids: [ReferralID]) async throws -> [Case]
    /// Each link worker with at least one referral: open referrals and those received since `since`.
    func caseloadCounts(receivedSince since: Date) async throws -> [CaseloadCount]
    /// The administrations of these referrals, oldest first (as `OutcomeStore.administrations(referralID:)`).
    func administrations(referralIDs: [ReferralID]) async throws -> [Administration]
    /// The person's full name on each of these referrals.
    func personNames(referralIDs: [ReferralID]) async throws -> [ReferralID: String]
    /// The outcome measures due at `now` (`MeasureDue`) on the referrals `query` picks out (its link worker and team
    /// only): how many, how many overdue, and `page` of them (clamped to the last page), soonest due first, then by
    /// referral id; no rows when `page` is nil. Read from each case's window as kept with the case (rewritten in the
    /// transaction of every change to its stage or measures), never by running the rule over every open case.
    func measuresDue(_ query: ReferralQuery, at now: Date, page: PageNumber?) async throws -> MeasuresDuePage
}
