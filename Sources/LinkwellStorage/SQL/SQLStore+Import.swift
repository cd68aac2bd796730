import Foundation
import LinkwellCore
import SQLKit

extension SQLStore: ReferralImportStore {
    /// Multi-row INSERTs through the same row encoders as `createReferral` and `saveFacts`, so no
    /// column list is kept in step by hand; 200 referrals a statement keeps every statement well under
    /// both databases' limits on bound values.
    public func importReferrals(_ records: [ImportedReferral]) async throws {
        guard !records.isEmpty else { return }
        try await connections.transaction { db in
            for start in stride(from: 0, to: records.count, by: 200) {
                let part = records[start..<min(records.count, start + 200)]
                try await Self.insert(part.map(\.person), into: "people", db)
                try await Self.writeNameTerms(part.map(\.person), replacing: false, db)
                try await Self.insert(part.map { ReferralRow($0.referral) }, into: "referrals", db)
                try await Self.insertNeeds(part.map(\.referral), db)
                try await Self.insert(part.map(\.event), into: "referral_events", db)
                // The casework that followed, through the same writer as `apply` (version guard included).
                for record in part {
                    for change in record.history { try await Self.write(change, db) }
                    for administration in record.administrations { try await Self.insert(administration, db) }
                }
                // The history's changes wrote each window as they went; the measures came after.
                try await Self.writeMeasuresDue(part.filter { !$0.administrations.isEmpty }.map(\.referral.id), db)
                try await Self.insert(part.map(\.facts.referral), into: "referral_facts", db)
                try await Self.insert(part.flatMap(\.facts.onward), into: "onward_facts", db)
            }
            // New referrals: the rollups gain their facts, summed over the whole batch first.
            var delta = InsightRollup.Delta()
            for record in records {
                delta.add(record.facts.referral, sign: 1)
                for o in record.facts.onward { delta.add(o, sign: 1) }
            }
            try await Self.applyRollup(delta, db)
        }
    }

    /// Refreshes the planner's statistics after a bulk load (on PostgreSQL also the visibility map,
    /// so that counts can be answered from indexes alone; VACUUM cannot run in a transaction).
    public func analyze() async throws {
        switch flavor {
        case .postgres: try await connections.read { db in try await db.raw("VACUUM ANALYZE").run() }
        case .sqlite: try await connections.transaction { db in try await db.raw("ANALYZE").run() }
        }
    }
}
