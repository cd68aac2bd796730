import Foundation
import Hummingbird
import LinkwellCore

/// Moving a whole caseload from one link worker to another (supervisors and administrators): the page
/// `/caseloads/reassign` and `POST /api/v1/caseloads/reassign`. One case at a time is on the case page
/// (`POST /referrals/:id/reassign`) and `POST /api/v1/referrals/:id/reassign`.
struct ReassignmentController: Sendable {
    let casework: CaseworkService
    let renderer: PageRenderer

    struct CaseloadInput: Codable, Sendable { var fromLinkWorkerId: String?; var toLinkWorkerId: String?; var reason: String? }
    struct CaseInput: Codable, Sendable { var toLinkWorkerId: String?; var reason: String? }

    func register(on router: Router<AppRequestContext>) {
        router.get("/caseloads/reassign") { request, context in
            try await page(request, context, form: nil)
        }
        router.post("/caseloads/reassign") { request, context -> Response in
            let p = try context.require(.supervisor, .admin)
            let form = try await request.verifiedForm(context)
            do {
                let result = try await casework.reassignCaseload(fromLinkWorkerID: form["fromLinkWorkerId"], toLinkWorkerID: form["toLinkWorkerId"],
                                                                 reason: form["reason"], .init(p, route: request.routeDescription))
                return try await page(request, context, form: nil,
                                      notice: result.moved == 1 ? context.messages.text("notice.caseloadMovedOne")
                                          : context.messages.text("notice.caseloadMoved", ["count": String(result.moved)]))
            } catch LinkwellError.invalid(let errors) {
                return try await page(request, context, form: form, errors: errors, status: .unprocessableContent)
            }
        }
        let api = router.group("api/v1")
        api.post("caseloads/reassign") { request, context in
            let p = try context.require(.supervisor, .admin)
            let input = try await request.json(CaseloadInput.self)
            return json(try await casework.reassignCaseload(fromLinkWorkerID: input.fromLinkWorkerId, toLinkWorkerID: input.toLinkWorkerId,
                                                            reason: input.reason, .init(p, route: request.routeDescription)))
        }
        api.post("referrals/:id/reassign") { request, context in
            let p = try context.require(.supervisor, .admin)
            let input = try await request.json(CaseInput.self)
            let moved = try await casework.reassign(ReferralID(try context.parameters.require("id")), toLinkWorkerID: input.toLinkWorkerId,
                                                    reason: input.reason, .init(p, route: request.routeDescription))
            // Administrators do not read case records, so the answer says only what moved.
            return json(CaseworkService.ReassignmentResult(moved: 1, referralIDs: [moved.referral.id]))
        }
    }

    func page(_ request: Request, _ context: AppRequestContext, form: FormData?, errors: [FieldError] = [],
              status: HTTPResponse.Status = .ok, notice: String? = nil) async throws -> Response {
        let p = try context.require(.supervisor, .admin)
        let loads = try await casework.linkWorkerLoads(.init(p, route: request.routeDescription))
        let from = form?["fromLinkWorkerId"] ?? request.uri.queryParameters["from"].map(String.init) ?? ""
        let to = form?["toLinkWorkerId"] ?? ""
        let t = context.messages
        let page = ReassignCaseloadPage(
            from: loads.filter { $0.open > 0 }.map {
                Choice($0.linkWorkerID.rawValue, t.text($0.active ? "reassign.load" : "reassign.loadLeft", ["name": $0.name, "open": String($0.open)]),
                       selected: $0.linkWorkerID.rawValue == from)
            },
            to: loads.filter(\.active).map {
                Choice($0.linkWorkerID.rawValue, t.text("reassign.load", ["name": $0.name, "open": String($0.open)]), selected: $0.linkWorkerID.rawValue == to)
            },
            reason: form?["reason"] ?? "")
        return try HTML(renderer.render(.reassign, View(title: context.messages.text("titles.reassignACaseload"), context: context, page: page, errors: errors, notice: notice)),
                        status: status).response(from: request, context: context)
    }
}
