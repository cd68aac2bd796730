import Foundation
import Hummingbird
import LinkwellCore

/// Outcome measures in the JSON API: instruments, administrations, a person's change, due lists,
/// cohort reports and the evaluation export.
struct OutcomesAPIController: Sendable {
    let outcomes: OutcomeService

    struct LicenceInput: Codable, Sendable { var wording: [String: String]?; var acknowledged: Bool? }
    struct CaseOutcomes: Codable, Sendable { var administrations: [Administration]; var trajectories: [ScoreTrajectory] }

    func register(on router: Router<AppRequestContext>) {
        let api = router.group("api/v1")
        api.get("instruments") { _, context in
            _ = try context.requirePrincipal()
            return json(try await outcomes.instruments())
        }
        api.post("instruments") { request, context in
            let p = try context.require(.admin)
            return json(try await outcomes.importCustom(try await request.json(Instrument.self), by: p), status: .created)
        }
        api.post("instruments/:id/licence") { request, context in
            let p = try context.require(.admin)
            let input = try await request.json(LicenceInput.self)
            return json(try await outcomes.license(try context.parameters.require("id"), wording: input.wording ?? [:],
                                                   acknowledged: input.acknowledged ?? false, by: p))
        }
        api.post("referrals/:id/administrations") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let submission = try await request.json(OutcomeService.Submission.self)
            return json(try await outcomes.record(ReferralID(try context.parameters.require("id")), submission,
                                                  .init(p, route: request.routeDescription)), status: .created)
        }
        api.get("referrals/:id/outcomes") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let id = ReferralID(try context.parameters.require("id"))
            let (administrations, trajectories) = try await outcomes.caseOutcomes(id, .init(p, route: request.routeDescription))
            return json(CaseOutcomes(administrations: administrations, trajectories: trajectories))
        }
        api.get("outcomes/due") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            // Bounded: at most `PageRequest.maximumLimit` measures, soonest first (a work list, not a history).
            return try pagedList(try await outcomes.dueMeasures(.init(p, route: request.routeDescription)), request: request) {
                "\($0.referralID)|\($0.instrumentID)|\($0.timepoint.rawValue)"
            }
        }
        api.get("outcomes/cohorts") { request, context in
            let p = try context.require(.supervisor, .commissioner)
            return json(try await cohort(request, p))
        }
        api.post("outcomes/export/rotate-key") { request, context -> Response in
            let p = try context.require(.admin)
            try await outcomes.rotatePseudonymKey(.init(p, route: request.routeDescription))
            return Response(status: .noContent)
        }
        api.get("outcomes/export") { request, context in
            let p = try context.require(.supervisor)
            let q = request.uri.queryParameters
            let export = try await outcomes.evaluationExport(recipient: q["recipient"].map(String.init), coarsen: q["coarsen"].map(String.init) == "true",
                                                             .init(p, route: request.routeDescription))
            switch request.uri.queryParameters["format"].map(String.init) ?? "json" {
            case "json": return json(export)
            case "csv": return csv(export.csv, filename: "linkwell-evaluation.csv")
            case "dictionary": return csv(export.dictionaryCSV, filename: "linkwell-evaluation-dictionary.csv")
            default: throw LinkwellError.invalid([.apiOnly("format", "Format must be json, csv or dictionary.")])
            }
        }
    }

    /// Reads the cohort query (`instrument`, `score`, `by`, `minimumN`, `follow_up`) and runs it.
    func cohort(_ request: Request, _ p: Principal) async throws -> OutcomeService.CohortReport {
        let q = request.uri.queryParameters
        var v = Validator()
        let instrument = v.required(q["instrument"].map(String.init), "instrument", label: .instrument)
        let by = q["by"].map(String.init).map { v.choice($0, "by", label: .grouping, as: CohortDimension.self) } ?? .all
        var minimumN = 10
        if let raw = q["minimumN"] {
            if let n = Int(raw) { minimumN = n } else { v.add("minimumN", .minimumGroupSizeNotNumber) }
        }
        let followUp = q["follow_up"].map(String.init).map { v.choice($0, "follow_up", label: .followUp, as: OutcomeService.FollowUpPoint.self) } ?? .latest
        try v.check()
        return try await outcomes.cohort(instrumentID: instrument, scoreID: q["score"].map(String.init), by: by ?? .all,
                                         minimumN: minimumN, followUp: followUp ?? .latest, .init(p, route: request.routeDescription))
    }
}
