import Foundation

/// The de-identified, row-level facts as CSV, for the scheme's own analysts (supervisors). No names, NHS
/// numbers, contact details or postcodes; commissioners cannot have it (they receive aggregates only).
/// Streamed in pages by referral id, so memory stays flat however many rows there are.
public enum FactsExport {
    public static let header = "referral_id,month,source_type,practice_id,pathway,age_band,sex,ethnicity,status,stage_reached,wait_days,satisfaction\r\n"

    /// One row. Coded fields are written as they are; the pathway (free text an admin chose) is always quoted,
    /// with a leading `'` if it could start a spreadsheet formula.
    public static func line(_ f: ReferralFact) -> String {
        let formula = f.pathway.first.map { "=+-@".contains($0) } ?? false
        let pathway = "\"" + (formula ? "'" : "") + f.pathway.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        return [f.referralID.rawValue, f.month, f.sourceType, f.practiceID, pathway, f.ageBand, f.sex, f.ethnicity, f.status,
                String(f.stageReached), f.waitDays.map(String.init) ?? "", f.satisfaction.map(String.init) ?? ""].joined(separator: ",") + "\r\n"
    }

    /// Writes every fact, a page at a time; returns the number of rows.
    public static func stream(_ store: any InsightStore, pageSize: Int = 20_000,
                              _ write: (String) async throws -> Void) async throws -> Int {
        try await write(header)
        var after: ReferralID?
        var count = 0
        while true {
            let page = try await store.referralFactLines(after: after, limit: pageSize)
            guard let last = page.last else { return count }
            try await write(page.text)
            count += page.rows
            after = last
        }
    }
}
