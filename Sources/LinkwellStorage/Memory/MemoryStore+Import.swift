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
            var stored = Case(person: r.person, referral: r.referral, events: [r.event])
            for change in r.history {
                guard stored.referral.version == change.expectedVersion else { throw StorageError.versionConflict }
                stored = change.applied(to: stored)
            }
            for a in r.administrations where a.timepoint == .baseline {
                guard r.administrations.filter({ $0.timepoint == .baseline && $0.instrumentID == a.instrumentID }).count == 1 else {
                    throw StorageError.duplicate("baseline")
                }
            }
        }
        for r in records {
            var stored = Case(person: r.person, referral: r.referral, events: [r.event])
            for change in r.history {
                stored = change.applied(to: stored)
                for message in change.messages { emails[message.id] = OutboxEmail(message: message) }
            }
            cases[r.referral.id] = stored
            outcomes += r.administrations
            record(r.facts)
        }
    }
}
