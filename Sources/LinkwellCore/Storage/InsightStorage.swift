import Foundation

/// Which referrals an insight query counts: received from `from` to `to` (whole months, inclusive), and,
/// when `cohorts` is given, covered by at least one of them (a contract's or a funder's cohorts).
public struct InsightFilter: Sendable, Equatable {
    public struct Cohort: Sendable, Equatable {
        public var start: Date
        /// Exclusive.
        public var end: Date
        public var pathways: [String]
        public var practiceIDs: [String]
        public init(start: Date, end: Date, pathways: [String], practiceIDs: [String]) {
            self.start = start
            self.end = end
            self.pathways = pathways
            self.practiceIDs = practiceIDs
        }
        public init(_ contract: Contract) {
            self.init(start: contract.start.startOfDay, end: contract.end.startOfDay.addingTimeInterval(86_400),
                      pathways: contract.cohort.pathways, practiceIDs: contract.cohort.practiceIDs)
        }
    }
    public var from: InsightMonth?
    public var to: InsightMonth?
    public var cohorts: [Cohort]?

    public init(from: InsightMonth? = nil, to: InsightMonth? = nil, cohorts: [Cohort]? = nil) {
        self.from = from
        self.to = to
        self.cohorts = cohorts
    }

    /// The same test in Swift (used by the in-memory store).
    public func matches(_ fact: ReferralFact) -> Bool {
        if let from, fact.receivedAt < from.start { return false }
        if let to, fact.receivedAt >= to.next.start { return false }
        guard let cohorts else { return true }
        return cohorts.contains { c in
            fact.receivedAt >= c.start && fact.receivedAt < c.end
                && (c.pathways.isEmpty || c.pathways.contains(fact.pathway))
                && (c.practiceIDs.isEmpty || c.practiceIDs.contains(fact.practiceID))
        }
    }
}

/// What referral counts can be broken down by.
public enum InsightDimension: String, Sendable, CaseIterable {
    case month, sourceType = "source_type", practice = "practice_id", pathway, need, ageBand = "age_band", sex, ethnicity
    case deprivation = "deprivation_decile", status, stageReached = "stage_reached", satisfaction

    /// The value of the dimension for one fact (need and deprivation come from elsewhere).
    public func value(of f: ReferralFact) -> String {
        switch self {
        case .month: f.month
        case .sourceType: f.sourceType
        case .practice: f.practiceID
        case .pathway: f.pathway
        case .ageBand: f.ageBand
        case .sex: f.sex
        case .ethnicity: f.ethnicity
        case .status: f.status
        case .stageReached: String(f.stageReached)
        case .satisfaction: f.satisfaction.map(String.init) ?? ""
        case .need, .deprivation: ""
        }
    }
}

/// What referrals out can be broken down by.
public enum OnwardDimension: String, Sendable, CaseIterable {
    case provider = "organisation_id", category, service = "service_id", status, rejectionReason = "rejection_reason"
}

/// One group of a breakdown: its keys (one per dimension asked for), the number of referrals (or referrals
/// out), and for referrals out the sessions attended and missed; each with the sum of the record keys
/// behind it (`RecordKey`; sessions weight their referral out's key by the number of sessions).
public struct InsightCount: Sendable, Equatable {
    public var keys: [String]
    public var count: Int
    public var attended: Int
    public var didNotAttend: Int
    public var keySum: Int
    public var attendedKeySum: Int
    public var didNotAttendKeySum: Int
    public init(keys: [String], count: Int, attended: Int = 0, didNotAttend: Int = 0, keySum: Int = 0,
                attendedKeySum: Int = 0, didNotAttendKeySum: Int = 0) {
        self.keys = keys
        self.count = count
        self.attended = attended
        self.didNotAttend = didNotAttend
        self.keySum = keySum
        self.attendedKeySum = attendedKeySum
        self.didNotAttendKeySum = didNotAttendKeySum
    }
    /// The count as a cell for `DisclosureControl`.
    public var cell: CellCount { CellCount(count: count, keySum: keySum) }
    public var attendedCell: CellCount { CellCount(count: attended, keySum: attendedKeySum) }
    public var didNotAttendCell: CellCount { CellCount(count: didNotAttend, keySum: didNotAttendKeySum) }
}

/// The insight facts (`ReferralFact`, `OnwardFact`) and the aggregates over them. Only aggregates leave
/// this protocol, except `referralFacts(after:limit:)`, the de-identified row export for scheme staff.
///
/// Every implementation must guarantee: facts are written in the same transaction as the case change
/// that carries them (`CaseChange.facts`) and by `createReferral`; counts group exactly by the dimensions
/// asked for, in that order, with "" for a missing value and "unknown" for a postcode not in the
/// deprivation lookup. A store may answer a query from rollups of the facts (`InsightRollup`: the SQL stores
/// do, for whole-month queries without a cohort) only if the answer is exactly what the facts give, and must
/// read the facts while `InsightRollup.readFacts` is set.
public protocol InsightStore: Sendable {
    func referralCounts(by dimensions: [InsightDimension], where filter: InsightFilter) async throws -> [InsightCount]
    /// Days from referral to first contact → number of referrals.
    func waitDays(where filter: InsightFilter) async throws -> [Int: Int]
    /// The referrals matched that have had a first contact (successful or not), as a cell.
    func contactedCell(where filter: InsightFilter) async throws -> CellCount
    /// Referrals out of the referrals matched (only rejected ones with `rejectedOnly`).
    func onwardCounts(by dimensions: [OnwardDimension], where filter: InsightFilter, rejectedOnly: Bool) async throws -> [InsightCount]
    /// Closing feedback of the referrals matched, newest first.
    func closingFeedback(where filter: InsightFilter, limit: Int) async throws -> [ClosingFeedback]
    /// Replaces the postcode → deprivation decile lookup (1 = most deprived 10%).
    func loadDeprivation(_ rows: [(postcode: String, decile: Int)]) async throws
    /// The deprivation decile of each of these referrals' facts' postcodes; a referral whose postcode is not in
    /// the lookup (or with no facts) is left out. For outcome cohorts split by deprivation, which go through
    /// the disclosure control like every aggregate.
    func deprivationDeciles(referralIDs: [ReferralID]) async throws -> [ReferralID: Int]
    /// Facts in referral-id order after `after`.
    func referralFacts(after: ReferralID?, limit: Int) async throws -> [ReferralFact]
    /// The same page as `FactsExport` CSV lines (each exactly `FactsExport.line(fact)`), made where it is
    /// cheapest; with the last referral id of the page, nil when the page is empty.
    func referralFactLines(after: ReferralID?, limit: Int) async throws -> (text: String, rows: Int, last: ReferralID?)
    /// The referral id ending the page of `limit` facts after `after`, in referral-id order; nil when fewer than
    /// `limit` remain (the page then runs to the end). Lets an export find its pages ahead of reading them.
    func referralFactPageEnd(after: ReferralID?, limit: Int) async throws -> ReferralID?
    /// Like `referralFactLines(after:limit:)`, for the facts after `after` up to and including `through` (to the end when nil).
    func referralFactLines(after: ReferralID?, through: ReferralID?) async throws -> (text: String, rows: Int)
    /// Referrals that have no facts yet (stored before the facts existed).
    func referralsWithoutFacts(limit: Int) async throws -> [ReferralID]
    /// Writes one case's facts (for the backfill of `referralsWithoutFacts`).
    func saveFacts(_ facts: InsightFacts) async throws
    /// The referrals matched, by need, grouped by where the person lives: their postcode's point in the
    /// directory's postcode lookup (`savePostcodes`; the fact's compact postcode joined to the lookup's
    /// `Postcode.normalise` form). Every referral matched is in exactly one group; all those whose postcode is
    /// not in the lookup are in the one group with a nil point. Groups may share a point. No postcode is returned.
    func referralNeedsByLocation(where filter: InsightFilter) async throws -> [LocatedNeedCounts]
    /// Every point (`ServiceFacts.points`) inside `box` of each directory service whose HSDS status is active
    /// and that carries a term in `termIDs` or whose spine category, lower-cased, is in `categories`; each with
    /// the service's category and those of `termIDs` it carries. Services without a location have no point
    /// and are never returned.
    func needServicePoints(in box: GeoBox, termIDs: [String], categories: [String]) async throws -> [NeedServicePoint]
}

/// Funders, contracts, micro-grants and the payments ledger.
///
/// Every implementation must guarantee: `awardGrant` is atomic — it stores the decision only if the
/// contract's grants already awarded plus `decision.awarded` stay within `limit`, and otherwise throws
/// `StorageError.overBudget` and stores nothing; `addLedgerEntries` skips entries whose `key` exists.
public protocol CommissioningStore: Sendable {
    func createFunder(_ funder: Funder) async throws
    func funders() async throws -> [Funder]
    func createContract(_ contract: Contract) async throws
    func contracts() async throws -> [Contract]
    func contract(id: ContractID) async throws -> Contract?

    func createGrant(_ grant: GrantApplication) async throws
    func grant(id: GrantID) async throws -> GrantApplication?
    func grants(contractID: ContractID?, organisationID: OrganisationID?) async throws -> [GrantApplication]
    /// Records the panel's decision on an application still awaiting it.
    func decideGrant(_ id: GrantID, decision: GrantDecision, limit: Pence) async throws
    /// Adds a spend report if the grant's total spend stays within its award.
    func addSpend(_ id: GrantID, _ report: SpendReport) async throws

    /// Things payable to providers for referrals received in `[start, end)`: accepted referrals out and
    /// attended sessions, with the referral's facts so a contract can tell whether it pays.
    func payables(from start: Date, to end: Date) async throws -> [Payable]
    /// Inserts entries; returns how many were new.
    func addLedgerEntries(_ entries: [LedgerEntry]) async throws -> Int
    func ledger(contractID: ContractID?, organisationID: OrganisationID?) async throws -> [LedgerEntry]
}

extension InsightStore {
    public func onwardCounts(by dimensions: [OnwardDimension], where filter: InsightFilter) async throws -> [InsightCount] {
        try await onwardCounts(by: dimensions, where: filter, rejectedOnly: false)
    }
}
