import Foundation

/// One referral as it stood when it was loaded in bulk: the person, the referral (with its needs), its
/// first lifecycle event, and its insight facts (given, because a history loaded whole cannot be
/// replayed through casework actions).
public struct ImportedReferral: Sendable, Equatable {
    public var person: Person
    public var referral: Referral
    public var event: ReferralEvent
    public var facts: InsightFacts

    public init(person: Person, referral: Referral, event: ReferralEvent, facts: InsightFacts) {
        self.person = person
        self.referral = referral
        self.event = event
        self.facts = facts
    }
}

/// Referrals loaded in bulk (a scheme's history brought over from another system, or the benchmarks'
/// synthetic schemes): many referrals per transaction instead of one.
///
/// Every implementation must guarantee:
/// - Each record is stored exactly as `CaseStore.createReferral(person:referral:event:)` followed by
///   `InsightStore.saveFacts(facts)` would store it (the shared storage suite loads the same records
///   both ways and compares the cases and the facts).
/// - A call is atomic: every record is stored, or none.
public protocol ReferralImportStore: Sendable {
    /// Stores every record in one transaction.
    func importReferrals(_ records: [ImportedReferral]) async throws
}
