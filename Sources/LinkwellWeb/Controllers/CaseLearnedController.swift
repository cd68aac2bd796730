import Foundation
import Hummingbird
import LinkwellCore

/// What is learned in support, on the case page and in the API, with the same rules: needs, interests,
/// strengths and barriers added and ended, and gaps (needs nothing suitable could meet).
struct CaseLearnedController: Sendable {
    let casework: CaseworkService
    let cases: CasePagesController

    func register(on router: Router<AppRequestContext>) {
        form(router, "learned") { id, f, r in
            try await casework.learn(id, ProfileItemInput(kind: f["kind"], need: f["need"], detail: f["detail"]), r)
        }
        form(router, "learned/:item/end") { id, _, r, item in
            try await casework.endLearned(id, item: item ?? "", r)
        }
        // The gap form's controls are named apart from the "learned" form's on the same page.
        form(router, "gaps", fields: ["need": "gapNeed", "reason": "gapReason", "detail": "gapDetail"]) { id, f, r in
            try await casework.recordGap(id, GapInput(need: f["need"], reason: f["reason"], detail: f["detail"]), r)
        }

        let api = router.group("api/v1/referrals")
        api.post(":id/learned") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(ProfileItemInput.self)
            return json(try await casework.learn(ReferralID(try context.parameters.require("id")), input, .init(p, route: request.routeDescription)))
        }
        api.post(":id/learned/:item/end") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return json(try await casework.endLearned(ReferralID(try context.parameters.require("id")), item: try context.parameters.require("item"),
                                                      .init(p, route: request.routeDescription)))
        }
        api.post(":id/gaps") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(GapInput.self)
            return json(try await casework.recordGap(ReferralID(try context.parameters.require("id")), input, .init(p, route: request.routeDescription)))
        }
    }

    private func form(_ router: Router<AppRequestContext>, _ path: String, fields: [String: String] = [:],
                      _ body: @escaping @Sendable (ReferralID, FormData, CaseworkService.Request) async throws -> Case) {
        form(router, path, fields: fields) { id, f, r, _ in try await body(id, f, r) }
    }

    private func form(_ router: Router<AppRequestContext>, _ path: String, fields: [String: String] = [:],
                      _ body: @escaping @Sendable (ReferralID, FormData, CaseworkService.Request, String?) async throws -> Case) {
        cases.casePanelForm(router, path, anchor: "learned", fields: fields, body)
    }
}
