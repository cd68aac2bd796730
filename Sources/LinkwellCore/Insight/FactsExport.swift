import Foundation

/// The de-identified, row-level facts as CSV, for the scheme's own analysts (supervisors). No names, NHS
/// numbers, contact details or postcodes; commissioners cannot have it (they receive aggregates only).
/// Streamed in pages by referral id, so memory stays flat however many rows there are.
public enum FactsExport {
    public static let header = "referral_id,month,source_type,practice_id,pathway,age_band,sex,ethnicity,status,stage_reached,wait_days,satisfaction\r\n"

    public static func line(_ f: ReferralFact) -> String {
        var out = ""
        out.reserveCapacity(120)
        for (i, field) in [f.referralID.rawValue, f.month, f.sourceType, f.practiceID, f.pathway, f.ageBand, f.sex, f.ethnicity, f.status].enumerated() {
            if i > 0 { out += "," }
            out += field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) || field.first.map({ "=+-@".contains($0) }) == true
                ? PublishedTable.field(field) : field
        }
        out += ",\(f.stageReached),\(f.waitDays.map(String.init) ?? ""),\(f.satisfaction.map(String.init) ?? "")\r\n"
        return out
    }

    /// Writes every fact, a page at a time; returns the number of rows.
    public static func stream(_ store: any InsightStore, pageSize: Int = 5000,
                              _ write: (String) async throws -> Void) async throws -> Int {
        try await write(header)
        var after: ReferralID?
        var count = 0
        while true {
            let page = try await store.referralFacts(after: after, limit: pageSize)
            if page.isEmpty { return count }
            var chunk = ""
            chunk.reserveCapacity(page.count * 110)
            for fact in page { chunk += line(fact) }
            try await write(chunk)
            count += page.count
            after = page.last!.referralID
        }
    }
}
