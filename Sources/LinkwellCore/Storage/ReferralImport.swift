import Foundation

/// One referral loaded in bulk: the person, the referral as it was received (with its needs), its
/// first lifecycle event, optionally the casework that followed (each change as the casework actions
/// made it, in order, with no facts of its own) and the outcome measures recorded, and its insight facts
/// as they stand at the end.
public struct ImportedReferral: Sendable, Equatable {
    public var person: Person
    public var referral: Referral
    public var event: ReferralEvent
    public var facts: InsightFacts
    /// Casework changes after the referral arrived, oldest first; each one's `expectedVersion` is the
    /// version the one before left. Their `facts` must be nil: `facts` above is stored once, at the end.
    public var history: [CaseChange]
    /// Outcome measures recorded on the referral.
    public var administrations: [Administration]

    public init(person: Person, referral: Referral, event: ReferralEvent, facts: InsightFacts,
                history: [CaseChange] = [], administrations: [Administration] = []) {
        self.person = person
        self.referral = referral
        self.event = event
        self.facts = facts
        self.history = history
        self.administrations = administrations
    }
}

/// Referrals loaded in bulk (a scheme's history brought over from another system, or the benchmarks'
/// synthetic schemes): many referrals per transaction instead of one.
///
/// Every implementation must guarantee:
/// - Each record is stored exactly as `CaseStore.createReferral(person:referral:event:)`, then
///   `CaseStore.apply` of each change in `history`, `OutcomeStore.saveAdministration` of each
///   administration and `InsightStore.saveFacts(facts)` would store it (the shared storage suite loads
///   the same records both ways and compares the cases, measures and facts).
/// - A call is atomic: every record is stored, or none.
public protocol ReferralImportStore: Sendable {
    /// Stores every record in one transaction.
    func importReferrals(_ records: [ImportedReferral]) async throws
}
