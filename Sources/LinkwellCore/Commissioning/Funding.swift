import Foundation

public typealias FunderID = Identifier<Funder>
public typealias ContractID = Identifier<Contract>

public enum FunderKind: String, Codable, CaseIterable, Sendable {
    case icb
    case publicHealth = "public_health"
    case adultSocialCare = "adult_social_care"
    case charity
    case socialInvestment = "social_investment"

    public var label: String {
        switch self {
        case .icb: "NHS (integrated care board)"
        case .publicHealth: "Local authority public health"
        case .adultSocialCare: "Adult social care"
        case .charity: "Charitable funder"
        case .socialInvestment: "Social investment"
        }
    }
}

/// An organisation that pays for (part of) the scheme.
public struct Funder: Codable, Sendable, Equatable, Identifiable {
    public var id: FunderID
    public var name: String
    public var kind: FunderKind
    public var createdAt: Date
    public init(id: FunderID, name: String, kind: FunderKind, createdAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.createdAt = createdAt
    }
}

/// Whether funders put money into one pot or each fund their own part.
public enum ContractArrangement: String, Codable, CaseIterable, Sendable {
    /// Co-commissioning: contributions pooled into one budget; costs shared in proportion.
    case pooled
    /// One funder's contract for its own cohort, beside others.
    case complementary

    public var label: String { self == .pooled ? "Pooled budget" : "Complementary contract" }
}

public struct Contribution: Codable, Sendable, Equatable {
    public var funderID: FunderID
    public var amount: Pence
    public init(funderID: FunderID, amount: Pence) {
        self.funderID = funderID
        self.amount = amount
    }
}

/// What a contract expects, e.g. 400 referrals in the period.
public struct ContractTarget: Codable, Sendable, Equatable {
    public enum Measure: String, Codable, CaseIterable, Sendable {
        case referrals
        case peopleSupported = "people_supported"
        case closedAfterSupport = "closed_after_support"
        public var label: String {
            switch self {
            case .referrals: "Referrals received"
            case .peopleSupported: "People engaged with a link worker"
            case .closedAfterSupport: "Cases closed after support"
            }
        }
    }
    public var measure: Measure
    public var value: Int
    public init(measure: Measure, value: Int) {
        self.measure = measure
        self.value = value
    }
}

/// Which referrals a contract pays for: received in its period, on one of its pathways (all when empty),
/// from one of its practices (all when empty).
public struct ContractCohort: Codable, Sendable, Equatable {
    public var pathways: [String]
    public var practiceIDs: [String]
    public init(pathways: [String] = [], practiceIDs: [String] = []) {
        self.pathways = pathways
        self.practiceIDs = practiceIDs
    }
}

public struct Contract: Codable, Sendable, Equatable, Identifiable {
    public var id: ContractID
    public var name: String
    public var start: CalendarDate
    public var end: CalendarDate
    public var arrangement: ContractArrangement
    public var contributions: [Contribution]
    public var cohort: ContractCohort
    public var targets: [ContractTarget]
    public var reportingDates: [CalendarDate]
    /// Paid to a provider for each referral out it accepts, if the contract says so.
    public var perReferral: Pence?
    /// Paid to a provider for each session a person attends, if the contract says so.
    public var perAttendance: Pence?
    /// The part of the budget set aside for micro-grants to community groups.
    public var grantBudget: Pence
    public var createdAt: Date

    public var budget: Pence { contributions.map(\.amount).sum() }
    public var firstMonth: InsightMonth { InsightMonth(year: start.year, month: start.month) }
    public var lastMonth: InsightMonth { InsightMonth(year: end.year, month: end.month) }

    /// Whether this contract funds the referral.
    public func covers(_ fact: ReferralFact) -> Bool {
        covers(receivedAt: fact.receivedAt, pathway: fact.pathway, practiceID: fact.practiceID)
    }

    public func covers(receivedAt: Date, pathway: String, practiceID: String) -> Bool {
        let day = CalendarDate(receivedAt)
        return day >= start && day <= end
            && (cohort.pathways.isEmpty || cohort.pathways.contains(pathway))
            && (cohort.practiceIDs.isEmpty || cohort.practiceIDs.contains(practiceID))
    }

    /// Splits an amount between the funders in proportion to their contributions (exactly, in pence).
    public func shares(of amount: Pence) -> [(FunderID, Pence)] {
        Array(zip(contributions.map(\.funderID), amount.allocate(contributions.map(\.amount.value))))
    }
}
