import Foundation

/// The de-identified, row-level facts as CSV, for the scheme's own analysts (supervisors). No names, NHS
/// numbers, contact details or postcodes; commissioners cannot have it (they receive aggregates only).
/// Streamed in pages by referral id, so memory stays flat however many rows there are.
public enum FactsExport {
    /// One column of the export: its name (also the `referral_facts` column it comes from), how it is
    /// written (`CSVWriter`), and its value. The one definition of the export's layout: `line` writes it in
    /// Swift, and SQL stores build their in-database line expression from it.
    public struct Column: Sendable {
        public let name: String
        public let kind: CSVField.Kind
        public let value: @Sendable (ReferralFact) -> String
    }

    public static let columns: [Column] = [
        Column(name: "referral_id", kind: .code) { $0.referralID.rawValue },
        Column(name: "month", kind: .code) { $0.month },
        Column(name: "source_type", kind: .code) { $0.sourceType },
        // An organisation's id can come from an import, so it is written as text.
        Column(name: "practice_id", kind: .text) { $0.practiceID },
        Column(name: "pathway", kind: .text) { $0.pathway },
        Column(name: "age_band", kind: .code) { $0.ageBand },
        Column(name: "sex", kind: .code) { $0.sex },
        Column(name: "ethnicity", kind: .code) { $0.ethnicity },
        Column(name: "status", kind: .code) { $0.status },
        Column(name: "stage_reached", kind: .number) { String($0.stageReached) },
        Column(name: "wait_days", kind: .number) { $0.waitDays.map(String.init) ?? "" },
        Column(name: "satisfaction", kind: .number) { $0.satisfaction.map(String.init) ?? "" },
    ]

    public static let header = CSVWriter.header(columns.map(\.name))

    /// One row, with its CRLF.
    public static func line(_ f: ReferralFact) -> String {
        CSVWriter.line(columns.map { CSVField($0.kind, $0.value(f)) })
    }

    /// Writes every fact, a page at a time, in referral-id order; returns the number of rows.
    ///
    /// Page ends are found one after another ahead of the pages (`referralFactPageEnd`: a walk of the primary
    /// key), and up to `parallel` pages are read at once, each by its own query over its own id range, then
    /// written in order. PostgreSQL has no COPY TO in PostgresNIO, and one query formats its rows on one core;
    /// ranges read side by side keep the database's cores busy. Memory holds at most `parallel` pages, however
    /// many rows there are. The bytes are the same whatever `parallel` is.
    public static func stream(_ store: any InsightStore, pageSize: Int = 20_000, parallel: Int = 3,
                              _ write: (CSVDocument) async throws -> Void) async throws -> Int {
        try await write(CSVWriter.streamed(header))
        return try await withThrowingTaskGroup(of: (index: Int, text: String, rows: Int).self) { group in
            var count = 0, launched = 0, written = 0
            var start: ReferralID?, finished = false
            var ready: [Int: (text: String, rows: Int)] = [:]
            while true {
                while !finished && launched - written < max(1, parallel) {
                    let end = try await store.referralFactPageEnd(after: start, limit: pageSize)
                    let (from, index) = (start, launched)
                    group.addTask { let page = try await store.referralFactLines(after: from, through: end); return (index, page.text, page.rows) }
                    launched += 1
                    if let end { start = end } else { finished = true }
                }
                guard written < launched, let page = try await group.next() else { return count }
                ready[page.index] = (page.text, page.rows)
                while let next = ready.removeValue(forKey: written) {
                    if next.rows > 0 { try await write(CSVWriter.streamed(next.text)) }
                    count += next.rows
                    written += 1
                }
            }
        }
    }
}
