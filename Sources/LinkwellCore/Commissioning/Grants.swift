import Foundation

public typealias GrantID = Identifier<GrantApplication>

public enum GrantStatus: String, Codable, CaseIterable, Sendable {
    case applied, awarded, declined
    public var label: String {
        switch self {
        case .applied: "Awaiting panel"
        case .awarded: "Awarded"
        case .declined: "Declined by panel"
        }
    }
}

/// The panel's decision on an application.
public struct GrantDecision: Codable, Sendable, Equatable {
    public var by: UserID
    public var at: Date
    public var awarded: Pence?
    public var note: String
    public init(by: UserID, at: Date, awarded: Pence?, note: String) {
        self.by = by
        self.at = at
        self.awarded = awarded
        self.note = note
    }
}

/// How the group spent part of its grant.
public struct SpendReport: Codable, Sendable, Equatable {
    public var at: Date
    public var by: UserID
    public var amount: Pence
    public var description: String
    public init(at: Date, by: UserID, amount: Pence, description: String) {
        self.at = at
        self.by = by
        self.amount = amount
        self.description = description
    }
}

/// A community group's micro-grant: "money follows the person" into the groups people are referred to.
public struct GrantApplication: Codable, Sendable, Equatable, Identifiable {
    public var id: GrantID
    public var contractID: ContractID
    public var organisationID: OrganisationID
    public var title: String
    public var purpose: String
    public var requested: Pence
    public var status: GrantStatus
    public var appliedBy: UserID
    public var appliedAt: Date
    public var decision: GrantDecision?
    public var spend: [SpendReport]

    public init(id: GrantID, contractID: ContractID, organisationID: OrganisationID, title: String, purpose: String,
                requested: Pence, appliedBy: UserID, appliedAt: Date) {
        self.id = id
        self.contractID = contractID
        self.organisationID = organisationID
        self.title = title
        self.purpose = purpose
        self.requested = requested
        self.status = .applied
        self.appliedBy = appliedBy
        self.appliedAt = appliedAt
        self.decision = nil
        self.spend = []
    }

    public var awarded: Pence { decision?.awarded ?? .zero }
    public var spent: Pence { spend.map(\.amount).sum() }
}

public enum LedgerKind: String, Codable, CaseIterable, Sendable {
    case grantAward = "grant_award"
    case perReferral = "per_referral"
    case perAttendance = "per_attendance"
    public var label: String {
        switch self {
        case .grantAward: "Micro-grant"
        case .perReferral: "Payment per referral accepted"
        case .perAttendance: "Payment per session attended"
        }
    }
}

/// One payment owed to a provider under a contract. `key` makes each payment unique, so a payment run
/// repeated over the same period adds nothing twice.
public struct LedgerEntry: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var key: String
    public var contractID: ContractID
    public var organisationID: OrganisationID
    public var kind: LedgerKind
    public var amount: Pence
    public var referralID: ReferralID?
    public var grantID: GrantID?
    public var at: Date
    public init(id: String, key: String, contractID: ContractID, organisationID: OrganisationID, kind: LedgerKind, amount: Pence,
                referralID: ReferralID?, grantID: GrantID?, at: Date) {
        self.id = id
        self.key = key
        self.contractID = contractID
        self.organisationID = organisationID
        self.kind = kind
        self.amount = amount
        self.referralID = referralID
        self.grantID = grantID
        self.at = at
    }
}

/// Something a contract may pay a provider for, found by `CommissioningStore.payables`.
public struct Payable: Sendable, Equatable {
    /// Statuses of a referral out that count as accepted by the provider.
    public static let accepted: Set<String> = [OnwardStatus.accepted, .inProgress, .onHold, .completed].map(\.rawValue).reduce(into: []) { $0.insert($1) }

    public var key: String
    public var kind: LedgerKind
    public var referral: ReferralFact
    public var organisationID: OrganisationID
    public var count: Int
    public init(key: String, kind: LedgerKind, referral: ReferralFact, organisationID: OrganisationID, count: Int) {
        self.key = key
        self.kind = kind
        self.referral = referral
        self.organisationID = organisationID
        self.count = count
    }
}
