import Foundation
import Hummingbird
import LinkwellCore

/// The community group's voice on a referral out, in the browser and the JSON API with the same rules
/// (all in `CaseworkService`): the thread between link worker and group, a group's concern about the
/// person, the group's notices and requests waiting past the handover agreement's window.
struct GroupVoiceController: Sendable {
    let casework: CaseworkService
    /// For showing a page again with a form's errors.
    let cases: CasePagesController
    let provider: ProviderPagesController

    struct MessageInput: Codable, Sendable { var body: String? }
    struct ConcernInput: Codable, Sendable { var description: String? }

    func register(on router: Router<AppRequestContext>) {
        // Browser: the link worker's side, from the case page.
        router.post("/referrals/:id/onward/:onward/messages") { request, context -> Response in
            let principal = try context.require(.linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            let id = ReferralID(try context.parameters.require("id"))
            let onward = OnwardReferralID(try context.parameters.require("onward"))
            do {
                _ = try await casework.postToThread(id, onward: onward, body: form["body"], .init(principal, route: request.routeDescription))
                return .redirect(to: "/referrals/\(id)#thread-\(onward)", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                // Each thread's box has its own id, so the message is placed beside the right one.
                let named = fields.map { $0.at($0.field == "body" ? "thread-\(onward)-body" : $0.field) }
                return try await cases.casePage(request, context, errors: named, status: .unprocessableContent)
            } catch LinkwellError.conflict(let why) {
                return try await cases.casePage(request, context, errors: [FieldError.conflict("action", why)], status: .conflict)
            }
        }
        // Browser: the group's side, from its referral page.
        router.post("/provider/referrals/:id/messages") { request, context -> Response in
            try await providerForm(request, context) { form, id, r in _ = try await casework.providerPost(id, body: form["body"], r) }
        }
        router.post("/provider/referrals/:id/concern") { request, context -> Response in
            try await providerForm(request, context, notice: true) { form, id, r in
                _ = try await casework.raiseGroupConcern(id, description: form["description"], r)
            }
        }

        // JSON API.
        let api = router.group("api/v1")
        api.get("referrals/:id/onward-referrals/:onward/messages") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            // Bounded: one referral out's thread.
            return try pagedList(try await casework.thread(ReferralID(try context.parameters.require("id")),
                                                           onward: OnwardReferralID(try context.parameters.require("onward")),
                                                           .init(p, route: request.routeDescription)), request: request) { $0.id }
        }
        api.post("referrals/:id/onward-referrals/:onward/messages") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(MessageInput.self)
            return json(try await casework.postToThread(ReferralID(try context.parameters.require("id")),
                                                        onward: OnwardReferralID(try context.parameters.require("onward")),
                                                        body: input.body, .init(p, route: request.routeDescription)), status: .created)
        }
        api.get("onward-referrals/:id/messages") { request, context in
            let p = try context.require(.provider)
            // Bounded: one referral out's thread.
            return try pagedList(try await casework.providerThread(OnwardReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription)),
                                 request: request) { $0.id }
        }
        api.post("onward-referrals/:id/messages") { request, context in
            let p = try context.require(.provider)
            let input = try await request.json(MessageInput.self)
            return json(try await casework.providerPost(OnwardReferralID(try context.parameters.require("id")), body: input.body,
                                                        .init(p, route: request.routeDescription)), status: .created)
        }
        api.post("onward-referrals/:id/concerns") { request, context in
            let p = try context.require(.provider)
            let input = try await request.json(ConcernInput.self)
            let view = try await casework.raiseGroupConcern(OnwardReferralID(try context.parameters.require("id")), description: input.description,
                                                            .init(p, route: request.routeDescription))
            return json(APIController.ProviderReferral(view), status: .created)
        }
        api.get("group-notices") { request, context in
            let p = try context.require(.provider)
            return pagedJSON(try await casework.groupNotices(.init(p, route: request.routeDescription), page: try request.pageRequest()), request: request)
        }
        api.get("overdue-onward-referrals") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .provider)
            // Bounded: only requests out still unanswered past their window (a queue).
            return try pagedList(try await casework.overdueRequests(.init(p, route: request.routeDescription)), request: request) { $0.onwardReferralID.rawValue }
        }
    }

    /// A group's form on its referral page: on a refusal, the page again with the reason, nothing changed.
    private func providerForm(_ request: Request, _ context: AppRequestContext, notice: Bool = false,
                              _ body: (FormData, OnwardReferralID, CaseworkService.Request) async throws -> Void) async throws -> Response {
        let principal = try context.require(.provider)
        let form = try await request.verifiedForm(context)
        let id = OnwardReferralID(try context.parameters.require("id"))
        do {
            try await body(form, id, .init(principal, route: request.routeDescription))
            return .redirect(to: "/provider/referrals/\(id)" + (notice ? "?concern=1" : "#thread"), type: .normal)
        } catch LinkwellError.invalid(let fields) {
            return try await provider.page(request, context, errors: fields, status: .unprocessableContent)
        } catch LinkwellError.conflict(let why) {
            return try await provider.page(request, context, errors: [FieldError.conflict("action", why)], status: .conflict)
        }
    }
}
