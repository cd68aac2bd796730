import Foundation
import LinkwellCore

extension MemoryStore: ReferralImportStore {
    public func importReferrals(_ records: [ImportedReferral]) async throws {
        // All or nothing: refuse the whole batch before storing any of it.
        var ids = Set<ReferralID>()
        for r in records where cases[r.referral.id] != nil || !ids.insert(r.referral.id).inserted {
            throw StorageError.duplicate("referral \(r.referral.id)")
        }
        for r in records {
            cases[r.referral.id] = Case(person: r.person, referral: r.referral, events: [r.event])
            record(r.facts)
        }
    }
}
