import Foundation
import Hummingbird
import LinkwellCore

/// The public self-referral form: no sign-in, consent captured, rate-limited per client address,
/// and a confirmation that shows no personal details.
struct SelfReferralController: Sendable {
    let casework: CaseworkService
    let directory: DirectoryService
    let renderer: PageRenderer
    let limiter: RateLimiter
    let rule: RateLimit
    let cookie: @Sendable (Request, String, String, Int) -> Cookie

    static let formCookie = "lw_selfreferral"
    /// The reference of the referral this browser just sent, for the thank-you page (an hour): the page is
    /// reached by a redirect after the POST, so reloading it shows it again instead of re-sending the form.
    static let sentCookie = "lw_selfreferral_sent"

    struct Confirmation: Sendable { var reference: String? }

    func register(on router: Router<AppRequestContext>) {
        router.get("/self-referral") { request, context in try await page(request, context, form: nil, errors: [], status: .ok) }
        router.get("/self-referral/sent") { request, context in
            let reference = request.cookies[Self.sentCookie]?.value.filter { $0.isHexDigit || $0 == "-" }.prefix(8)
            return try HTML(renderer.render(.selfReferralDone, View(title: context.messages.text("selfReferralDone.title"), context: context,
                                                                   page: Confirmation(reference: reference.map(String.init)))))
        }
        router.post("/self-referral") { request, context -> Response in
            let form = try await request.form()
            // Double-submit token: the form must come from this site's own page.
            guard let expected = request.cookies[Self.formCookie]?.value, let given = form["_form"], constantTimeEqual(expected, given) else {
                return try await page(request, context, form: form, errors: [FieldError.page("person.givenName", context.messages.text("selfReferral.expired"))],
                                status: .forbidden)
            }
            guard case .allowed = try await limiter.attempt(rule, client: context.client) else {
                return try await page(request, context, form: form, errors: [FieldError.page("person.givenName", context.messages.text("selfReferral.tooMany"))],
                                status: .tooManyRequests)
            }
            var submission = ReferralSubmission(form: form)
            submission.consent?.method = "electronic"
            if (submission.consent?.givenBy ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                submission.consent?.givenBy = [form["person.givenName"], form["person.familyName"]].compactMap { $0 }.joined(separator: " ")
            }
            do {
                let created = try await casework.submitReferral(submission, by: nil)
                let reference = String(created.referral.id.rawValue.prefix(8)).uppercased()
                var response = Response.redirect(to: "/self-referral/sent", type: .normal)  // 303 See Other
                response.setCookie(cookie(request, Self.formCookie, "", 0))
                response.setCookie(cookie(request, Self.sentCookie, reference, 3600))
                return response
            } catch LinkwellError.invalid(let errors) {
                return try await page(request, context, form: form, errors: Self.translated(errors, context.messages), status: .unprocessableContent)
            }
        }
    }

    func page(_ request: Request, _ context: AppRequestContext, form: FormData?, errors: [FieldError], status: HTTPResponse.Status) async throws -> Response {
        let token = Accounts.randomToken()
        var fields = CasePagesController.ReferralForm(form)
        fields.dateOfBirthField = DateField(name: "person.dateOfBirth", legend: context.messages.text("selfReferral.dateOfBirth"),
                                            hint: context.messages.text("selfReferral.dateOfBirthHint"),
                                            input: (form ?? FormData("")).dateInput("person.dateOfBirth"), submitted: form != nil, ownBirthday: true,
                                            messages: context.messages)
        fields.offer(ownPractice: nil, matches: try await casework.practiceMatches(for: form, errors: errors))
        fields.label(in: context.messages)
        var formPage = FormPage(form: fields, formToken: token)
        // From the public directory's "ask to be referred" (`?service=`), or the form sent back with problems.
        let chosen = form?["chosenServiceId"] ?? request.query("service")
        if let chosen, !chosen.isEmpty, let service = try? await directory.publicService(id: chosen), service.isOpen {
            formPage.chosenService = ChosenService(id: service.id, name: service.name)
        }
        let view = View(title: context.messages.text("selfReferral.title"), context: context, page: formPage, errors: errors)
        var response = try HTML(renderer.render(.selfReferral, view), status: status).response(from: request, context: context)
        response.setCookie(cookie(request, Self.formCookie, token, 3600))
        return response
    }
}
