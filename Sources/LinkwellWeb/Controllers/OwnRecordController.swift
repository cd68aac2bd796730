import Foundation
import Hummingbird
import LinkwellCore

/// The person's own view: their referrals, plan and referrals out in plain words, who has looked at their
/// record, and what they can do from it — ask to come back, raise a worry about a group, give or withdraw
/// consent per purpose — on the page (`/me`) and in the API (`/api/v1/me/…`), with the same rules.
struct OwnRecordController: Sendable {
    let voice: PersonVoiceService
    let renderer: PageRenderer

    struct ComeBackInput: Codable, Sendable { var message: String? }
    struct WorryInput: Codable, Sendable { var onwardReferralId: String?; var message: String? }
    struct ConsentInput: Codable, Sendable { var purpose: String?; var given: Bool?; var confirm: Bool? }

    func register(on router: Router<AppRequestContext>) {
        router.get("/me") { request, context in
            try await page(request, context, notice: request.uri.queryParameters["done"].flatMap { Self.notices.contains(String($0)) ? context.messages.text("me.notice.\($0)") : nil })
        }
        form(router, "come-back", done: "come-back") { id, f, r in
            _ = try await voice.askToComeBack(id, message: f["message"], r)
        }
        form(router, "worries", done: "worry") { id, f, r in
            _ = try await voice.raiseWorry(id, onwardReferralID: f["onwardReferralId"], message: f["message"], r)
        }
        form(router, "consent", done: "consent") { id, f, r in
            try await voice.changeConsent(id, purpose: f["purpose"], give: f["given"] == "true", confirmed: f.flag("confirm"), r)
        }

        let api = router.group("api/v1/me")
        api.get("requests") { request, context in
            let p = try context.require(.person)
            // Bounded: one person's own requests (one open per referral and kind).
            return try pagedList(try await voice.ownRequests(.init(p, route: request.routeDescription)), request: request) { $0.id }
        }
        api.post("referrals/:id/come-back") { request, context in
            let p = try context.require(.person)
            let input = try await request.json(ComeBackInput.self)
            return json(try await voice.askToComeBack(ReferralID(try context.parameters.require("id")), message: input.message,
                                                      .init(p, route: request.routeDescription)), status: .created)
        }
        api.post("referrals/:id/worries") { request, context in
            let p = try context.require(.person)
            let input = try await request.json(WorryInput.self)
            return json(try await voice.raiseWorry(ReferralID(try context.parameters.require("id")), onwardReferralID: input.onwardReferralId,
                                                   message: input.message, .init(p, route: request.routeDescription)), status: .created)
        }
        api.post("referrals/:id/consent") { request, context in
            let p = try context.require(.person)
            let input = try await request.json(ConsentInput.self)
            guard let given = input.given else { throw LinkwellError.invalid([.apiOnly("given", "Say whether you give (true) or withdraw (false) consent.")]) }
            let updated = try await voice.changeConsent(ReferralID(try context.parameters.require("id")), purpose: input.purpose, give: given,
                                                        confirmed: input.confirm ?? false, .init(p, route: request.routeDescription))
            return json(OwnConsent(referralId: updated.referral.id, status: updated.referral.status, purposes: updated.referral.consent.purposes))
        }
    }

    /// The person's consent as it stands after a change.
    struct OwnConsent: Codable, Sendable { var referralId: ReferralID; var status: ReferralStatus; var purposes: [ConsentPurpose] }

    /// The thank-yous after each form (`me.notice.<name>` in the catalogue).
    static let notices: Set<String> = ["come-back", "worry", "consent"]

    /// A form on the person's page: on success back to the page with a thank-you; on a refusal the page again
    /// with the reason beside the form it came from, having changed nothing.
    private func form(_ router: Router<AppRequestContext>, _ name: String, done: String,
                      _ body: @escaping @Sendable (ReferralID, FormData, CaseworkService.Request) async throws -> Void) {
        router.post("/me/referrals/:id/\(name)") { request, context -> Response in
            let p = try context.require(.person)
            let form = try await request.verifiedForm(context)
            let id = ReferralID(try context.parameters.require("id"))
            do {
                try await body(id, form, .init(p, route: request.routeDescription))
                return .redirect(to: "/me?done=\(done)#referral-\(id)", type: .normal)
            } catch let error as LinkwellError {
                // Each referral has its own forms: errors name the control of the form that was sent.
                let prefix = "\(name)-\(id)-"
                let errors: [FieldError]
                let status: HTTPResponse.Status
                switch error {
                case .invalid(let fields): (errors, status) = (fields.map { $0.at(prefix + $0.field) }, .unprocessableContent)
                case .conflict(let why): (errors, status) = ([FieldError.conflict(prefix + "action", why)], .conflict)
                default: throw error
                }
                // English shows Core's own reason, and another language its own words for a conflict it translated
                // (`conflict.<code>`); otherwise it says, in that language, that it did not work.
                let shown = context.messages.isEnglish ? errors
                    : errors.map { $0.conflict.flatMap(context.messages.words) != nil ? $0 : $0.worded(context.messages.text("me.error")) }
                return try await page(request, context, errors: shown, status: status)
            }
        }
    }

    private func page(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [], status: HTTPResponse.Status = .ok,
                      notice: String? = nil) async throws -> Response {
        let p = try context.require(.person)
        // The access log comes 50 entries at a time, newest first; `cursor` continues it (a bad one is a 422 naming it).
        let own = try await voice.ownPage(.init(p, route: request.routeDescription), accessPage: try request.pageRequest())
        let messages = context.messages
        var model = Self.page(own, viewer: p.userID, messages)
        model.accessOlder = own.record.accessNext.map { request.link(["cursor": $0.token, "done": nil]) + "#access-title" }
        model.accessNewest = own.record.accessContinued
        model.accessPaged = model.accessOlder != nil || model.accessNewest
        return try HTML(renderer.render(.me, View(title: messages.text("me.title"), context: context, page: model,
                                                  errors: errors, notice: notice)),
                        status: status).response(from: request, context: context)
    }
}
