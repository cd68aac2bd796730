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

    /// Writes every fact, a page at a time; returns the number of rows.
    public static func stream(_ store: any InsightStore, pageSize: Int = 20_000,
                              _ write: (CSVDocument) async throws -> Void) async throws -> Int {
        try await write(CSVWriter.streamed(header))
        var after: ReferralID?
        var count = 0
        while true {
            let page = try await store.referralFactLines(after: after, limit: pageSize)
            guard let last = page.last else { return count }
            try await write(CSVWriter.streamed(page.text))
            count += page.rows
            after = last
        }
    }
}
