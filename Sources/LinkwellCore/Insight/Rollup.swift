import Foundation

/// Insight facts rolled up by month and dimension, so that a dashboard reads a few thousand rows instead of
/// every fact. Stores keep two rollups beside the facts, changed in the same transaction as each fact by the
/// difference between the case's old and new facts (`delta`), so they always equal the sum over the facts:
///
/// - referrals: (month received, dimension, value) → count and record-key sum, one row per dimension value
///   a referral has (`InsightDimension` plus `statusStage` and `waitDays`; a referral counts once under each
///   of its needs, under its deprivation decile as the lookup says now);
/// - referrals out: (month the referral was received, provider, category, status, rejection reason) →
///   count, sessions attended and missed, and their record-key sums.
///
/// Only queries a rollup can answer exactly read it: whole-month periods (the only periods disclosure control
/// allows) without a contract or funder cohort (cohorts cut by day, pathway and practice), grouped by one of
/// the rolled-up dimensions. Everything else reads the facts. Counts and key sums are sums, so the published
/// figures (`DisclosureControl`) are the same whichever is read.
public enum InsightRollup {
    /// Read every fact even where a rollup could answer (for tests and benchmarks that compare the two).
    @TaskLocal public static var readFacts = false

    /// The dimension name under which (status, stage reached) pairs are rolled up, as "status|stage".
    public static let statusStage = "status_stage"
    /// The dimension name of the waiting-time histogram (referrals with a first contact only).
    public static let waitDays = "wait_days"

    /// One row of the referral rollup.
    public struct Key: Hashable, Sendable, Comparable {
        public var dimension: String
        public var month: String
        public var value: String
        public init(dimension: String, month: String, value: String) {
            self.dimension = dimension
            self.month = month
            self.value = value
        }
        public static func < (a: Key, b: Key) -> Bool { (a.dimension, a.month, a.value) < (b.dimension, b.month, b.value) }
    }

    /// A referral's deprivation row before its postcode is looked up (the store knows the decile).
    public struct PostcodeKey: Hashable, Sendable, Comparable {
        public var month: String
        public var postcode: String
        public static func < (a: PostcodeKey, b: PostcodeKey) -> Bool { (a.month, a.postcode) < (b.month, b.postcode) }
    }

    /// One row of the referrals-out rollup.
    public struct OnwardKey: Hashable, Sendable, Comparable {
        public var month: String
        public var organisationID: String
        public var category: String
        public var status: String
        public var rejectionReason: String
        public init(month: String, organisationID: String, category: String, status: String, rejectionReason: String) {
            self.month = month
            self.organisationID = organisationID
            self.category = category
            self.status = status
            self.rejectionReason = rejectionReason
        }
        public static func < (a: OnwardKey, b: OnwardKey) -> Bool {
            (a.month, a.organisationID, a.category, a.status, a.rejectionReason) < (b.month, b.organisationID, b.category, b.status, b.rejectionReason)
        }
        /// The value of a dimension of referrals out (nil for one the rollup does not keep: the service).
        public func value(_ d: OnwardDimension) -> String? {
            switch d {
            case .provider: organisationID
            case .category: category
            case .status: status
            case .rejectionReason: rejectionReason
            case .service: nil
            }
        }
    }

    /// The sums a referrals-out rollup row keeps.
    public struct OnwardCell: Sendable, Equatable {
        public var count = 0, attended = 0, didNotAttend = 0, keySum = 0, attendedKeySum = 0, didNotAttendKeySum = 0
        public init(count: Int = 0, attended: Int = 0, didNotAttend: Int = 0, keySum: Int = 0, attendedKeySum: Int = 0, didNotAttendKeySum: Int = 0) {
            (self.count, self.attended, self.didNotAttend) = (count, attended, didNotAttend)
            (self.keySum, self.attendedKeySum, self.didNotAttendKeySum) = (keySum, attendedKeySum, didNotAttendKeySum)
        }
        public static func + (a: OnwardCell, b: OnwardCell) -> OnwardCell {
            OnwardCell(count: a.count + b.count, attended: a.attended + b.attended, didNotAttend: a.didNotAttend + b.didNotAttend,
                       keySum: a.keySum + b.keySum, attendedKeySum: a.attendedKeySum + b.attendedKeySum,
                       didNotAttendKeySum: a.didNotAttendKeySum + b.didNotAttendKeySum)
        }
        public static prefix func - (a: OnwardCell) -> OnwardCell {
            OnwardCell(count: -a.count, attended: -a.attended, didNotAttend: -a.didNotAttend, keySum: -a.keySum,
                       attendedKeySum: -a.attendedKeySum, didNotAttendKeySum: -a.didNotAttendKeySum)
        }
        public var isZero: Bool { self == OnwardCell() }
    }

    /// One row's change in the rollup unmet demand reads: referrals by period and postcode (as the facts hold it), with
    /// a count and key sum per need (index as `Need.allCases`; a referral counts once under each of its needs). Each
    /// referral is counted in its month's row and in its year's row (`yearKey`), so a period reads whole years from
    /// year rows and only the months left over from month rows (`placePeriods`). Its size is bounded by the scheme's
    /// area and age (postcodes × months), not by its referrals.
    public struct NeedCells: Sendable, Equatable {
        public var cells: [CellCount] = Array(repeating: .zero, count: Need.allCases.count)
        public init() {}
        public var isZero: Bool { cells.allSatisfy { $0 == .zero } }
    }

    /// The period key of a year's row in the place rollup: "Y2025" (sorts after every month key, "2025-03").
    public static func yearKey(_ year: Int) -> String { "Y" + year.zeroPadded(4) }

    /// The key ranges (inclusive; nil is open) of the place rollup that sum to exactly the months from `from` to `to`
    /// (nil: unbounded): the whole years inside as one range of year rows, and the months before and after them as
    /// ranges of month rows. No month is counted twice or left out.
    public static func placePeriods(from: InsightMonth?, to: InsightMonth?) -> [(from: String?, to: String?)] {
        let firstYear = from.map { $0.month == 1 ? $0.year : $0.year + 1 }
        let lastYear = to.map { $0.month == 12 ? $0.year : $0.year - 1 }
        if let firstYear, let lastYear, firstYear > lastYear { return [(from?.text, to?.text)] }
        var ranges: [(from: String?, to: String?)] = [(firstYear.map(yearKey) ?? yearKey(0), lastYear.map(yearKey) ?? yearKey(9999))]
        if let from, let firstYear, from.year < firstYear { ranges.append((from.text, InsightMonth(year: from.year, month: 12).text)) }
        if let to, let lastYear, to.year > lastYear { ranges.append((InsightMonth(year: to.year, month: 1).text, to.text)) }
        return ranges
    }

    /// The narrow rollups of referrals out: the groupings the dashboards ask for, each summed over everything else
    /// the wide rollup keeps, so a dashboard reads one row per month and value (120 providers × 60 months: 7,200
    /// rows) instead of every (provider, category, status, reason) combination of every month.
    public enum OnwardGrouping: String, CaseIterable, Sendable, Comparable {
        case provider
        case category
        /// Rejected referrals out only, by provider and rejection reason (referrals declined for capacity).
        case rejectedProviderReason = "rejected_provider_reason"
        /// Rejected referrals out only, by category and rejection reason (unmet demand's "turned away").
        case rejectedCategoryReason = "rejected_category_reason"

        public var dimensions: [OnwardDimension] {
            switch self {
            case .provider: [.provider]
            case .category: [.category]
            case .rejectedProviderReason: [.provider, .rejectionReason]
            case .rejectedCategoryReason: [.category, .rejectionReason]
            }
        }
        public var rejectedOnly: Bool { self == .rejectedProviderReason || self == .rejectedCategoryReason }

        /// The grouping that answers a breakdown exactly, if one does.
        public static func answering(_ dimensions: [OnwardDimension], rejectedOnly: Bool) -> OnwardGrouping? {
            allCases.first { $0.dimensions == dimensions && $0.rejectedOnly == rejectedOnly }
        }

        /// The grouping's row for a wide rollup row, or nil when the row is not in this grouping (not rejected).
        public func key(_ k: OnwardKey) -> GroupedKey? {
            if rejectedOnly && k.status != OnwardStatus.rejected.rawValue { return nil }
            let values = dimensions.map { $0 == .provider ? k.organisationID : $0 == .category ? k.category : k.rejectionReason }
            return GroupedKey(grouping: self, month: k.month, first: values[0], second: values.count > 1 ? values[1] : "")
        }

        public static func < (a: OnwardGrouping, b: OnwardGrouping) -> Bool { a.rawValue < b.rawValue }
    }

    /// One row of a narrow rollup of referrals out (`second` is empty for a one-dimension grouping).
    public struct GroupedKey: Hashable, Sendable, Comparable {
        public var grouping: OnwardGrouping
        public var month: String
        public var first: String
        public var second: String
        public static func < (a: GroupedKey, b: GroupedKey) -> Bool {
            (a.grouping.rawValue, a.month, a.first, a.second) < (b.grouping.rawValue, b.month, b.first, b.second)
        }
    }

    /// What to add to the rollups: every row's change, zero changes left out.
    public struct Delta: Sendable, Equatable {
        public var referrals: [Key: CellCount] = [:]
        /// Deprivation rows by postcode; the store turns each postcode into its decile ("unknown" if none).
        public var postcodes: [PostcodeKey: CellCount] = [:]
        public var onward: [OnwardKey: OnwardCell] = [:]
        public var places: [PostcodeKey: NeedCells] = [:]
        public init() {}
        public var isEmpty: Bool { referrals.isEmpty && postcodes.isEmpty && onward.isEmpty && places.isEmpty }

        /// The narrow rollups' change, worked out from the wide one's (the same sums, grouped).
        public var grouped: [GroupedKey: OnwardCell] {
            var rows: [GroupedKey: OnwardCell] = [:]
            for (key, cell) in onward {
                for grouping in OnwardGrouping.allCases {
                    guard let row = grouping.key(key) else { continue }
                    let sum = (rows[row] ?? OnwardCell()) + cell
                    rows[row] = sum.isZero ? nil : sum
                }
            }
            return rows
        }

        /// Adds (sign 1) or takes away (sign −1) one referral's facts.
        public mutating func add(_ f: ReferralFact, sign: Int) {
            let month = InsightMonth(f.receivedAt).text
            let cell = CellCount(count: sign, keySum: sign * f.recordKey)
            func add(_ dimension: String, _ value: String) {
                Self.merge(&referrals, Key(dimension: dimension, month: month, value: value), cell)
            }
            for d in InsightDimension.allCases where d != .need && d != .deprivation { add(d.rawValue, d.value(of: f)) }
            let year = InsightRollup.yearKey(InsightMonth(f.receivedAt).year)
            var place = places[PostcodeKey(month: month, postcode: f.postcode)] ?? NeedCells()
            var placeYear = places[PostcodeKey(month: year, postcode: f.postcode)] ?? NeedCells()
            for (i, need) in Need.allCases.enumerated() where f.needsMask & (1 << i) != 0 {
                add(InsightDimension.need.rawValue, need.rawValue)
                place.cells[i] = place.cells[i] + cell
                placeYear.cells[i] = placeYear.cells[i] + cell
            }
            places[PostcodeKey(month: month, postcode: f.postcode)] = place.isZero ? nil : place
            places[PostcodeKey(month: year, postcode: f.postcode)] = placeYear.isZero ? nil : placeYear
            add(InsightRollup.statusStage, "\(f.status)|\(f.stageReached)")
            if let wait = f.waitDays { add(InsightRollup.waitDays, String(wait)) }
            Self.merge(&postcodes, PostcodeKey(month: month, postcode: f.postcode), cell)
        }

        /// Adds (sign 1) or takes away (sign −1) one referral out.
        public mutating func add(_ o: OnwardFact, sign: Int) {
            add(onward: InsightRollup.onwardKey(receivedAt: o.receivedAt, organisationID: o.organisationID, category: o.category,
                                                 status: o.status, rejectionReason: o.rejectionReason),
                InsightRollup.onwardCell(attended: o.attended, didNotAttend: o.didNotAttend, recordKey: o.recordKey), sign: sign)
        }

        public mutating func add(onward key: OnwardKey, _ cell: OnwardCell, sign: Int) {
            let signed = sign < 0 ? -cell : cell
            let sum = (onward[key] ?? OnwardCell()) + signed
            onward[key] = sum.isZero ? nil : sum
        }

        static func merge<K: Hashable>(_ rows: inout [K: CellCount], _ key: K, _ cell: CellCount) {
            let sum = (rows[key] ?? .zero) + cell
            rows[key] = sum == .zero ? nil : sum
        }
    }

    /// The change from a case's old facts (nil for a new referral) to its new ones.
    public static func delta(old: InsightFacts?, new: InsightFacts?) -> Delta {
        var d = Delta()
        if let old {
            d.add(old.referral, sign: -1)
            for o in old.onward { d.add(o, sign: -1) }
        }
        if let new {
            d.add(new.referral, sign: 1)
            for o in new.onward { d.add(o, sign: 1) }
        }
        return d
    }

    public static func onwardKey(receivedAt: Date, organisationID: String, category: String, status: String, rejectionReason: String) -> OnwardKey {
        OnwardKey(month: InsightMonth(receivedAt).text, organisationID: organisationID, category: category, status: status, rejectionReason: rejectionReason)
    }

    public static func onwardCell(attended: Int, didNotAttend: Int, recordKey: Int) -> OnwardCell {
        OnwardCell(count: 1, attended: attended, didNotAttend: didNotAttend, keySum: recordKey,
                   attendedKeySum: attended * recordKey, didNotAttendKeySum: didNotAttend * recordKey)
    }

    /// The rollup dimension that answers a breakdown of referrals, and how its value splits into the keys asked
    /// for; nil when only the facts can answer it. The total (`[]`) is the sum over months.
    public static func dimension(for dimensions: [InsightDimension]) -> (name: String, keys: @Sendable (String) -> [String])? {
        if dimensions.isEmpty { return (InsightDimension.month.rawValue, { _ in [] }) }
        if dimensions == [.status, .stageReached] {
            return (statusStage, { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) })
        }
        if dimensions.count == 1 { return (dimensions[0].rawValue, { [$0] }) }
        return nil
    }

    /// Whether a query over `filter` may read the rollups: whole months only (always true of `InsightFilter`'s
    /// own period) and no cohort, and not while `readFacts` is set.
    public static func answers(_ filter: InsightFilter) -> Bool {
        !readFacts && filter.cohorts == nil
    }

    /// Whether a breakdown of referrals out can come from the rollup (the service is not kept).
    public static func answers(_ dimensions: [OnwardDimension], _ filter: InsightFilter) -> Bool {
        answers(filter) && !dimensions.contains(.service)
    }
}
