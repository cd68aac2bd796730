import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `CommissioningController`.
extension CommissioningController {
    struct OverviewPage: Sendable {
        struct FunderRow: Sendable { var name, kind: String }
        struct ContractRow: Sendable { var id, name, period, arrangement, budget, funders: String }
        struct FunderInput: Sendable { var id, name, amount: String }
        var funders: [FunderRow]
        var contracts: [ContractRow]
        var kinds, arrangements, pathways: [Choice]
        var funderInputs: [FunderInput]
        var canEdit: Bool
        var form: [String: String]
    }

    struct ContractPage: Sendable {
        struct Line: Sendable { var party, kind, month, entries, amount: String }
        struct Target: Sendable { var label, target, actual: String }
        var id, name, period, arrangement, budget, grantBudget, grantRemaining, cohort, perReferral, perAttendance, reporting: String
        var contributions: [Line]
        var targets: [Target]
        var providers: [Line]
        var funders: [Line]
        var hasProviders: Bool
        var canRunPayments: Bool
        var notice: String
    }

    struct GrantsPage: Sendable {
        struct Row: Sendable { var id, title, organisation, fund, requested, awarded, spent, status: String }
        var rows: [Row]
        var funds: [Choice]
        var canApply: Bool
        var isEmpty: Bool
        var form: [String: String]
    }

    struct GrantPage: Sendable {
        struct Spend: Sendable { var at, amount, description: String }
        var id, title, organisation, fund, purpose, requested, awarded, spent, status, decisionNote, decidedAt: String
        var spend: [Spend]
        var canDecide, canReportSpend, decided: Bool
        var referralsOut, attended, didNotAttend, remaining: String
    }
}
