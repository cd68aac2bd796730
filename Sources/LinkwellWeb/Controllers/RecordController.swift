import Foundation
import Hummingbird
import LinkwellCore

/// The standard's record sections kept on the case (risks, plan and requested actions) and the message
/// back document: the case page's forms, the printable letter, and the API, with the same rules.
struct RecordController: Sendable {
    let casework: CaseworkService
    let outcomes: OutcomeService
    let cases: CasePagesController
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        form(router, "risks", fields: ["detail": "riskDetail"]) { id, f, r, _ in
            try await casework.recordRisk(id, RiskInput(risk: f["risk"], detail: f["detail"], start: f["start"], end: f["end"]), r)
        }
        form(router, "risks/:item/end") { id, _, r, item in try await casework.endRisk(id, risk: item ?? "", r) }
        form(router, "requested-actions", fields: ["description": "actionDescription"]) { id, f, r, _ in
            try await casework.requestAction(id, RequestedActionInput(audience: f["audience"], description: f["description"],
                                                                     agreedWithPerson: f["agreedWithPerson"] == "1"), r)
        }
        form(router, "record-details") { id, f, r, _ in
            try await casework.updateRecordDetails(id, RecordDetailsInput(
                gender: f["gender"], pronouns: f["pronouns"], carerStatus: f["carerStatus"], whatMattersToMe: f["whatMattersToMe"],
                peopleImportantToMe: f["peopleImportantToMe"], howToCommunicateWithMe: f["howToCommunicateWithMe"],
                pleaseDoAndDont: f["pleaseDoAndDont"], alsoWorthKnowing: f["alsoWorthKnowing"], reasonableAdjustments: f["reasonableAdjustments"],
                otherRequirements: f["otherRequirements"], personReportedIssues: f["personReportedIssues"], title: f["title"],
                religion: f["religion"]), r)
        }
        form(router, "requested-actions/:item/withdraw") { id, _, r, item in try await casework.withdrawRequestedAction(id, action: item ?? "", r) }
        // The care and support plan's details of a goal and of an agreed action (case page, plan panel).
        cases.casePanelForm(router, "goals/:item/plan", anchor: "s-plan") { id, f, r, item in
            try await casework.updateGoalPlan(id, goal: GoalID(item ?? ""), GoalPlanInput(
                need: f["need"], importance: f["importance"].map { NumberInput($0) }, status: f["status"], outcome: f["outcome"]), r)
        }
        cases.casePanelForm(router, "plan-actions/:item/plan", anchor: "s-plan") { id, f, r, item in
            try await casework.updateActionPlan(id, action: item ?? "", PlanActionPlanInput(
                goalId: f["goalId"], status: f["status"], confidence: f["confidence"].map { NumberInput($0) }, reviewDate: f.date("reviewDate"), support: f["support"]), r)
        }

        // The printable letter; a record lacking mandatory content shows what is missing (422).
        router.get("/referrals/:id/message-back") { request, context -> Response in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let id = ReferralID(try context.parameters.require("id"))
            let page: MessageBackLetterPage, status: HTTPResponse.Status
            do {
                page = MessageBackLetterPage(id: id, try await casework.messageBack(id, .init(p, route: request.routeDescription), outcomes: outcomes), context.messages)
                status = .ok
            } catch LinkwellError.invalid(let missing) {
                (page, status) = (MessageBackLetterPage(id: id, missing: missing), .unprocessableContent)
            }
            return try HTML(renderer.render(.messageBack, View(title: context.messages.text("titles.messageBack"), context: context, page: page)), status: status)
                .response(from: request, context: context)
        }

        let api = router.group("api/v1/referrals")
        api.get(":id/message-back") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            return json(try await casework.messageBack(ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription),
                                                       outcomes: outcomes))
        }
        api.post(":id/risks") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(RiskInput.self)
            return json(try await casework.recordRisk(ReferralID(try context.parameters.require("id")), input, .init(p, route: request.routeDescription)))
        }
        api.post(":id/risks/:item/end") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return json(try await casework.endRisk(ReferralID(try context.parameters.require("id")), risk: try context.parameters.require("item"),
                                                   .init(p, route: request.routeDescription)))
        }
        api.put(":id/record-details") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(RecordDetailsInput.self)
            return json(try await casework.updateRecordDetails(ReferralID(try context.parameters.require("id")), input, .init(p, route: request.routeDescription)))
        }
        api.put(":id/goals/:goal") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(GoalPlanInput.self)
            return json(try await casework.updateGoalPlan(ReferralID(try context.parameters.require("id")), goal: GoalID(try context.parameters.require("goal")),
                                                          input, .init(p, route: request.routeDescription)))
        }
        api.put(":id/plan-actions/:item") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(PlanActionPlanInput.self)
            return json(try await casework.updateActionPlan(ReferralID(try context.parameters.require("id")), action: try context.parameters.require("item"),
                                                            input, .init(p, route: request.routeDescription)))
        }
        api.post(":id/requested-actions") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(RequestedActionInput.self)
            return json(try await casework.requestAction(ReferralID(try context.parameters.require("id")), input, .init(p, route: request.routeDescription)))
        }
        api.post(":id/requested-actions/:item/withdraw") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return json(try await casework.withdrawRequestedAction(ReferralID(try context.parameters.require("id")), action: try context.parameters.require("item"),
                                                                   .init(p, route: request.routeDescription)))
        }
    }

    private func form(_ router: Router<AppRequestContext>, _ path: String, fields: [String: String] = [:],
                      _ body: @escaping @Sendable (ReferralID, FormData, CaseworkService.Request, String?) async throws -> Case) {
        cases.casePanelForm(router, path, anchor: "record", fields: fields, body)
    }
}

/// The minimum dataset export for ICB and PCN reporting: per person (supervisors) or aggregated through
/// the disclosure control (supervisors, commissioners, the steering group).
struct MinimumDatasetController: Sendable {
    let outcomes: OutcomeService
    let env: CoreEnvironment

    func register(on router: Router<AppRequestContext>) {
        router.group("api/v1").get("exports/minimum-dataset") { request, context in
            let p = try context.require(.supervisor, .commissioner, .steeringGroup)
            let q = request.uri.queryParameters
            let r = CaseworkService.Request(p, route: request.routeDescription)
            let aggregate = q["aggregate"].map { String($0) == "true" } ?? (p.role != .supervisor)
            let format = q["format"].map(String.init) ?? "csv"
            guard ["csv", "json", "fhir"].contains(format) else { throw LinkwellError.invalid([.apiOnly("format", "Choose csv, json or fhir.")]) }
            if aggregate && format == "fhir" {
                throw LinkwellError.invalid([.apiOnly("format", "The FHIR form is per person (a supervisor's export); counts come as CSV or JSON.")])
            }
            if aggregate {
                let counts = try await outcomes.minimumDatasetCounts(r)
                return q["format"].map(String.init) == "json" ? json(counts) : csv(MinimumDataset.csv(counts), filename: "linkwell-minimum-dataset-counts.csv")
            }
            let recipient = q["recipient"].map(String.init)
            let dataset = try await outcomes.minimumDataset(recipient: recipient, r)
            switch format {
            case "json": return json(dataset)
            case "fhir":
                let bundle = FHIRMapping.minimumDatasetBundle(dataset, recipient: (recipient ?? "icb").trimmingCharacters(in: .whitespaces).lowercased(),
                                                             now: env.now())
                return FHIRResponse.resource(bundle)
            default: return csv(dataset.csv, filename: "linkwell-minimum-dataset.csv")
            }
        }
    }
}
