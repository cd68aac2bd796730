import Foundation

/// A count of records about to be published, with its cell key: the sum of the records' `RecordKey`s.
/// Two cells holding exactly the same records have the same count and the same key sum, however they
/// were asked for, so they receive the same adjustment (see `DisclosureControl`).
public struct CellCount: Sendable, Equatable, Hashable {
    public var count: Int
    public var keySum: Int
    public init(count: Int, keySum: Int) {
        self.count = count
        self.keySum = keySum
    }
    public static let zero = CellCount(count: 0, keySum: 0)
    public static func + (a: CellCount, b: CellCount) -> CellCount { CellCount(count: a.count + b.count, keySum: a.keySum + b.keySum) }
    /// One record.
    public static func record(_ id: String) -> CellCount { CellCount(count: 1, keySum: RecordKey.of(id)) }
    /// The cell of a list of record ids.
    public static func records<S: Sequence>(_ ids: S) -> CellCount where S.Element == String {
        ids.reduce(.zero) { $0 + .record($1) }
    }
}

/// Each record's key: a fixed pseudo-random number from 0 to 2²⁴ − 1, derived from its identifier, stored
/// beside the record's insight facts so that a database can add them up with the count. Record keys are not
/// secret by themselves (they follow from identifiers no viewer of aggregates sees); the scheme's secret
/// enters when a cell key is turned into an adjustment.
public enum RecordKey {
    public static let bits = 24
    public static func of(_ id: String) -> Int {
        Int(SipHash.hash(key: (0x6c69_6e6b_7765_6c6c, 0x7265_636f_7264_6b79), Array(id.utf8)) & ((1 << bits) - 1))
    }
}

/// Linkwell's statistical disclosure control: the one layer every aggregate leaves through (dashboards,
/// CSV, the quarterly contract report, unmet demand, outcome cohorts, grant and provider statements, the
/// steering summary). `docs/disclosure.md` explains the rules and the threat model.
///
/// A count is published only when at least `minimumGroupSize` records are in it (zeros and small counts
/// alike are shown as `[c]`). A published count is first moved by a small adjustment from −`maximumAdjustment`
/// to +`maximumAdjustment`, drawn from the cell key with the scheme's secret (cell-key perturbation in the
/// manner of the ONS's Census 2021 outputs), then rounded to `roundTo`. The same records always get the same
/// adjustment, so asking again, or asking for the same people another way, teaches nothing; sets that differ
/// by one person get unrelated adjustments, so differencing gives noise.
public struct DisclosureControl: Sendable, Equatable {
    /// The smallest minimum group size any scheme may set.
    public static let minimumGroupSizeFloor = 10
    /// The secret's name in `SecretStore`.
    public static let secretName = "disclosure"

    public let minimumGroupSize: Int
    public let roundTo: Int
    public let maximumAdjustment: Int
    let key0: UInt64, key1: UInt64

    /// `secret` must be at least 16 random bytes, kept by the scheme (`SecretStore`); the group size is raised to the floor.
    public init(minimumGroupSize: Int, secret: [UInt8], roundTo: Int = 5, maximumAdjustment: Int = 3) {
        self.minimumGroupSize = max(Self.minimumGroupSizeFloor, minimumGroupSize)
        self.roundTo = roundTo
        self.maximumAdjustment = maximumAdjustment
        let bytes = secret + Array(repeating: 0, count: max(0, 16 - secret.count))
        key0 = bytes[0..<8].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        key1 = bytes[8..<16].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// The scheme's control: its minimum group size and its secret.
    public static func load(_ store: some SettingsStore & SecretStore) async throws -> DisclosureControl {
        DisclosureControl(minimumGroupSize: try await store.schemeSettings().minimumGroupSize,
                          secret: try await store.secret(named: secretName))
    }

    /// The adjustment of a cell, uniform over −`maximumAdjustment`…`maximumAdjustment`, fixed by its records.
    public func adjustment(_ cell: CellCount) -> Int {
        let span = UInt64(2 * maximumAdjustment + 1)
        return Int(keyed("cell|\(cell.count)|\(cell.keySum)") % span) - maximumAdjustment
    }

    /// The published value of a count, or nil (`[c]`) when fewer than `minimumGroupSize` records are in it.
    public func publish(_ cell: CellCount) -> Int? {
        guard cell.count >= minimumGroupSize else { return nil }
        // Never shown below the minimum itself: a "5" would read as a small group even though 10 or more are in it.
        return max(round(cell.count + adjustment(cell)), round(minimumGroupSize))
    }

    func round(_ n: Int) -> Int {
        guard roundTo > 1 else { return n }
        return (n + roundTo / 2) / roundTo * roundTo
    }

    /// A percentage derived only from published values (nil when either is not shown).
    public func percentage(_ part: Int?, of whole: Int?) -> Int? {
        guard let part, let whole, whole > 0 else { return nil }
        return Int((Double(part) / Double(whole) * 100).rounded())
    }

    /// The share of a score's range by which each answer behind a published outcome statistic is moved.
    public static let answerAdjustmentShare = 0.15

    /// One answer as outcome statistics use it: moved by a fixed secret amount, uniform over ±`answerAdjustmentShare`
    /// of the score's range, drawn from `key` (the administration and score) and the value, so the same answer is
    /// always moved the same way however it is asked for; then kept inside the range. Every published mean, SD, interval and
    /// test is computed from these values, so no sequence of queries tells anyone a person's answer more closely
    /// than this adjustment: differencing two figures recovers at most the adjusted answer.
    public func adjustedAnswer(_ value: Double, key: String, range: ClosedRange<Double>) -> Double {
        let width = range.upperBound - range.lowerBound
        guard width > 0 else { return value }
        // The value is part of the key: a derived score whose value changes (goal attainment) is moved afresh, so
        // the adjustment never cancels out between its old and new value.
        let unit = Double(keyed("answer|\(key)|\(value)") >> 11) / Double(1 << 53)  // uniform on [0, 1)
        let moved = value + (2 * unit - 1) * Self.answerAdjustmentShare * width
        return min(range.upperBound, max(range.lowerBound, moved))
    }

    /// The smallest true count a published count can stand for (the attacker's lower bound, and the number of
    /// people outcome statistics are computed as if from, so that no statistic reveals the true count).
    public func smallestCount(behind published: Int) -> Int {
        max(minimumGroupSize, published - roundTo / 2 - maximumAdjustment)
    }

    /// A keyed pseudo-random number for `text` (SipHash-2-4 with the scheme's secret): for orders and
    /// pseudonyms nobody outside the server can reproduce.
    public func keyed(_ text: String) -> UInt64 { SipHash.hash(key: (key0, key1), Array(text.utf8)) }

    /// What the rules are, for pages and the API.
    public var summary: Summary {
        Summary(minimumGroupSize: minimumGroupSize, roundTo: roundTo, maximumAdjustment: maximumAdjustment,
                answerAdjustmentShare: Self.answerAdjustmentShare)
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var minimumGroupSize: Int
        public var roundTo: Int
        public var maximumAdjustment: Int
        /// Outcome statistics: each answer is moved by up to this share of its score's range (`adjustedAnswer`).
        public var answerAdjustmentShare: Double
    }

    /// Whole months, quarters, calendar years or financial years (April to March): the only periods any
    /// aggregate may be asked for, so that no two allowed periods differ by a few days or one month inside
    /// a quarter that is not itself a published month.
    public static func isAllowedPeriod(from: InsightMonth, to: InsightMonth) -> Bool {
        if from == to { return true }
        if from.year == to.year && (from.month - 1) % 3 == 0 && to.month == from.month + 2 { return true }
        if from.year == to.year && from.month == 1 && to.month == 12 { return true }
        return from.month == 4 && to.year == from.year + 1 && to.month == 3
    }
}

/// A table as published: row labels, one or more count columns, and each column's total, every figure
/// through `DisclosureControl`.
public struct PublishedTable: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        public var key: String
        public var label: String
        /// nil where not shown (`[c]`).
        public var values: [Int?]
        /// An optional derived figure (e.g. a rate), computed only from the row's published values.
        public var note: String?
        /// Facts a page needs to word the row in its own language (e.g. `waitingServices` on the unmet-need table);
        /// not part of the JSON or CSV, which carry `label`.
        public var detail: [String: Int] = [:]

        enum CodingKeys: String, CodingKey { case key, label, values, note }
    }
    public var name: String
    public var title: String
    public var dimension: String
    public var columns: [String]
    public var rows: [Row]
    /// Published totals per column (nil when fewer than the minimum group size are in the column).
    public var totals: [Int?]
    /// True when every column's total is below the minimum group size: the whole table is withheld.
    public var withheld: Bool
    /// Values a page needs to word the title and columns in its own language (e.g. `distance` on the unmet-need
    /// table); not part of the JSON or CSV.
    public var parameters: [String: String] = [:]

    enum CodingKeys: String, CodingKey { case name, title, dimension, columns, rows, totals, withheld }

    /// Builds a protected table. A column whose total is below the minimum group size is withheld whole
    /// (every cell `[c]`, zeros included), so that a sparse period never describes the few people in it.
    public init(name: String, title: String, dimension: String, columns: [String],
                rows: [(key: String, label: String, cells: [CellCount])], control: DisclosureControl,
                note: (([Int?]) -> String?)? = nil) {
        self.name = name
        self.title = title
        self.dimension = dimension
        self.columns = columns
        var totals: [Int?] = []
        var values: [[Int?]] = Array(repeating: [], count: rows.count)
        for column in columns.indices {
            let total = rows.reduce(CellCount.zero) { $0 + $1.cells[column] }
            let shownTotal = control.publish(total)
            totals.append(shownTotal)
            for i in rows.indices { values[i].append(shownTotal == nil ? nil : control.publish(rows[i].cells[column])) }
        }
        self.rows = rows.indices.map { i in
            Row(key: rows[i].key, label: rows[i].label, values: values[i], note: note?(values[i]))
        }
        self.totals = totals
        self.withheld = !totals.isEmpty && totals.allSatisfy { $0 == nil }
    }

    /// A table whose rows are not a partition (e.g. cumulative stages): no total, each row published alone.
    public init(name: String, title: String, dimension: String, column: String,
                unsummedRows rows: [(key: String, label: String, cell: CellCount)], control: DisclosureControl,
                note: ((Int?) -> String?)? = nil) {
        self.name = name
        self.title = title
        self.dimension = dimension
        self.columns = [column]
        self.rows = rows.map { r in
            let value = control.publish(r.cell)
            return Row(key: r.key, label: r.label, values: [value], note: note?(value))
        }
        self.totals = [nil]
        self.withheld = self.rows.allSatisfy { $0.values == [nil] }
    }

    /// The table as CSV (suppressed cells written as `[c]`, the convention of UK official statistics).
    public var csv: CSVDocument {
        let hasNote = rows.contains { $0.note != nil }
        func count(_ value: Int?) -> CSVField { value.map { CSVField.number($0) } ?? .code("[c]") }
        var lines = rows.map { row -> [CSVField] in [.text(row.label)] + row.values.map(count) + (hasNote ? [.text(row.note ?? "")] : []) }
        lines.append([.code("Total")] + totals.map(count) + (hasNote ? [.code("")] : []))
        return CSVWriter.document(header: [dimension] + columns + (hasNote ? ["note"] : []), rows: lines)
    }
}

/// SipHash-2-4 (Aumasson and Bernstein, 2012): a fast keyed pseudo-random function on bytes. Used for
/// cell-key adjustments, record keys and keyed orders; a 128-bit key, 64-bit output.
public enum SipHash {
    public static func hash(key: (UInt64, UInt64), _ message: [UInt8]) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ key.0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ key.1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ key.0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ key.1
        func rotl(_ x: UInt64, _ b: UInt64) -> UInt64 { (x << b) | (x >> (64 - b)) }
        func round() {
            v0 &+= v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
            v2 &+= v3; v3 = rotl(v3, 16); v3 ^= v2
            v0 &+= v3; v3 = rotl(v3, 21); v3 ^= v0
            v2 &+= v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
        }
        let whole = message.count / 8 * 8
        var i = 0
        while i < whole {
            var m: UInt64 = 0
            for j in 0..<8 { m |= UInt64(message[i + j]) << (8 * UInt64(j)) }
            v3 ^= m; round(); round(); v0 ^= m
            i += 8
        }
        var last = UInt64(message.count & 0xff) << 56
        for j in 0..<(message.count - whole) { last |= UInt64(message[whole + j]) << (8 * UInt64(j)) }
        v3 ^= last; round(); round(); v0 ^= last
        v2 ^= 0xff
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}
