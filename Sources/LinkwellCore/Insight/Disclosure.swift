import Foundation

/// The statistical disclosure control applied to every number leaving the insight service: small counts
/// are suppressed and the rest rounded, so that nobody can be picked out from an aggregate.
public struct DisclosureRule: Codable, Sendable, Equatable {
    /// Counts from 1 to this are suppressed (0 is shown: an empty cell identifies nobody).
    public var suppressUpTo: Int
    /// Every shown count is rounded to the nearest multiple of this (1 = no rounding).
    public var roundTo: Int

    public init(suppressUpTo: Int = 7, roundTo: Int = 5) {
        self.suppressUpTo = suppressUpTo
        self.roundTo = roundTo
    }

    public static let standard = DisclosureRule()

    public func round(_ count: Int) -> Int {
        guard roundTo > 1 else { return count }
        return (count + roundTo / 2) / roundTo * roundTo
    }

    /// Protects one breakdown whose (rounded) total is also published.
    ///
    /// Primary suppression hides counts 1…`suppressUpTo`. Secondary suppression then hides further cells,
    /// smallest first, until the hidden cells together hold more than `suppressUpTo` people and are at least
    /// two — so the published total minus the shown cells never recovers a small count, neither one cell's
    /// nor a small group's. Shown counts are rounded.
    public func protect(_ counts: [Int]) -> [Int?] {
        var hidden = Set(counts.indices.filter { (1...max(1, suppressUpTo)).contains(counts[$0]) && suppressUpTo > 0 })
        func hiddenTotal() -> Int { hidden.reduce(0) { $0 + counts[$1] } }
        while !hidden.isEmpty && (hidden.count < 2 || hiddenTotal() <= suppressUpTo) {
            let candidates = counts.indices.filter { !hidden.contains($0) && counts[$0] > 0 }
            guard let next = candidates.min(by: { (counts[$0], $0) < (counts[$1], $1) }) else { break }
            hidden.insert(next)
        }
        return counts.indices.map { hidden.contains($0) ? nil : round(counts[$0]) }
    }
}

/// A table as published: row labels, one or more count columns (each protected as its own breakdown),
/// and the rounded total.
public struct PublishedTable: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        public var key: String
        public var label: String
        /// nil where suppressed.
        public var values: [Int?]
        /// An optional derived figure (e.g. a rate), shown only when its inputs are shown.
        public var note: String?
    }
    public var name: String
    public var title: String
    public var dimension: String
    public var columns: [String]
    public var rows: [Row]
    /// Rounded true totals per column; nil where the total itself is small (1…`suppressUpTo`).
    public var totals: [Int?]

    /// Builds a protected table from true counts.
    public init(name: String, title: String, dimension: String, columns: [String],
                rows: [(key: String, label: String, counts: [Int])], rule: DisclosureRule,
                note: (([Int]) -> String?)? = nil) {
        self.name = name
        self.title = title
        self.dimension = dimension
        self.columns = columns
        var protected: [[Int?]] = Array(repeating: [], count: rows.count)
        var totals: [Int?] = []
        for column in columns.indices {
            let counts = rows.map { $0.counts[column] }
            let published = rule.protect(counts)
            for i in rows.indices { protected[i].append(published[i]) }
            let total = counts.reduce(0, +)
            totals.append(total > 0 && total <= rule.suppressUpTo ? nil : rule.round(total))
        }
        self.rows = rows.indices.map { i in
            let shown = protected[i].allSatisfy { $0 != nil }
            return Row(key: rows[i].key, label: rows[i].label, values: protected[i], note: shown ? note?(rows[i].counts) : nil)
        }
        self.totals = totals
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
