import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `InsightController`.
extension InsightController {
    struct DashboardPage: Sendable {
        var from, to, distanceKm, scope, total, seen, median, p90, minimumGroupSize, roundTo, maximumAdjustment: String
        var contracts, funders: [Choice]
        var tables: [TableView]
        var canExportFacts: Bool
        /// Whether a dashboard was worked out (not when the period asked for is refused): Mustache treats
        /// an empty string as present, so the headline section needs its own flag.
        var hasScope = false
    }

    struct SteeringPage: Sendable {
        var scope, total, seen, median, p90, outcome: String
        var tables: [TableView]
        var comments: [String]
        var hasComments: Bool
        var commentsWithheld: Bool
        var minimumN: String
    }

    struct ReportPage: Sendable {
        struct Target: Sendable { var label, target, actual: String }
        var contract, period, quarter, funders, budget, printed: String
        var targets: [Target]
        var hasTargets: Bool
        var total, median, p90: String
        var tables: [TableView]
        var previous, next: String
    }
}
