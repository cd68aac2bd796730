import Foundation
import Hummingbird
import LinkwellCore

/// The second step of signing in (a code, or setting up two-factor sign-in when the role requires it),
/// and each user's own account page: two-factor sign-in, recovery codes, their sessions and tokens.
struct AccountController: Sendable {
    let accounts: Accounts
    let renderer: PageRenderer
    let cookie: @Sendable (Request, String, String, Int) -> Cookie
    let sessionMaxAge: Int

    func register(on router: Router<AppRequestContext>) {
        router.get("/login/code") { request, context -> Response in
            guard let (session, _) = context.pendingSignIn, session.stage == .secondFactor else { return Response.redirect(to: "/login") }
            return try codePage(csrf: session.csrfToken, request, context)
        }
        router.post("/login/code") { request, context -> Response in
            guard let (session, user) = context.pendingSignIn, session.stage == .secondFactor else { return Response.redirect(to: "/login") }
            let form = try await request.verifiedForm(csrf: session.csrfToken)
            do {
                let started = try await accounts.completeSecondFactor(session: session, user: user, code: form["code"] ?? "",
                                                                      client: context.clientAddress, route: request.routeDescription)
                return signedIn(request, started, to: "/")
            } catch LinkwellError.invalid(let errors) {
                return try codePage(csrf: session.csrfToken, request, context, errors: errors, status: .unauthorized)
            } catch LinkwellError.tooManyAttempts(let seconds, let message) {
                var response = try codePage(csrf: session.csrfToken, request, context, errors: [message.at("code")], status: .tooManyRequests)
                response.headers[.retryAfter] = String(seconds)
                return response
            }
        }
        // Setting up two-factor sign-in: during sign-in when the role requires it, or later from the account page.
        router.get("/account/two-factor") { request, context -> Response in
            let (user, csrf, signingIn) = try enrolling(context)
            let enrolment = try await accounts.beginEnrolment(user)
            return try page(.twoFactorSetup, context.messages.text("titles.setUpTwoFactorSign"), SetupPage(
                secret: spaced(enrolment.secret), uri: enrolment.uri, required: try await accounts.twoFactorRequired(for: user), signingIn: signingIn),
                csrf: csrf, request, context)
        }
        router.post("/account/two-factor") { request, context -> Response in
            let (user, csrf, signingIn) = try enrolling(context)
            let form = try await request.verifiedForm(csrf: csrf)
            do {
                let (codes, started) = try await accounts.confirmEnrolment(user, code: form["code"] ?? "", session: context.pendingSignIn?.0,
                                                                           route: request.routeDescription)
                var response = try page(.recoveryCodes, context.messages.text("titles.yourRecoveryCodes"), RecoveryCodesPage(codes: codes, next: signingIn ? "/" : "/account"),
                                        csrf: csrf, request, context)
                if let started { response.setCookie(cookie(request, AuthenticationMiddleware.sessionCookie, started.token, sessionMaxAge)) }
                return response
            } catch LinkwellError.invalid(let errors) {
                let enrolment = try await accounts.beginEnrolment(user)
                return try page(.twoFactorSetup, context.messages.text("titles.setUpTwoFactorSign"), SetupPage(
                    secret: spaced(enrolment.secret), uri: enrolment.uri, required: try await accounts.twoFactorRequired(for: user), signingIn: signingIn),
                    csrf: csrf, request, context, errors: errors, status: .unprocessableContent)
            }
        }
        router.get("/account") { request, context -> Response in try await accountPage(request, context) }
        router.post("/account/recovery-codes") { request, context -> Response in
            guard let user = context.user else { throw LinkwellError.unauthenticated }
            _ = try await request.verifiedForm(context)
            let codes = try await accounts.newRecoveryCodes(for: user, route: request.routeDescription)
            return try page(.recoveryCodes, context.messages.text("titles.yourRecoveryCodes"), RecoveryCodesPage(codes: codes, next: "/account"),
                            csrf: context.session?.csrfToken ?? "", request, context)
        }
        router.post("/account/sessions/:id/end") { request, context -> Response in
            let p = try context.requirePrincipal()
            _ = try await request.verifiedForm(context)
            try await accounts.endOwnSession(id: try context.parameters.require("id"), .init(p, route: request.routeDescription))
            return Response.redirect(to: "/account", type: .normal)
        }
        router.post("/account/tokens/:id/revoke") { request, context -> Response in
            let p = try context.requirePrincipal()
            _ = try await request.verifiedForm(context)
            try await accounts.revokeToken(id: try context.parameters.require("id"), .init(p, route: request.routeDescription))
            return Response.redirect(to: "/account", type: .normal)
        }
    }

    /// Who is setting up two-factor sign-in: a user half-way through signing in whose role requires it,
    /// or a signed-in user.
    func enrolling(_ context: AppRequestContext) throws -> (User, String, Bool) {
        if let (session, user) = context.pendingSignIn, session.stage == .enrolment { return (user, session.csrfToken, true) }
        guard let user = context.user, let session = context.session else { throw LinkwellError.unauthenticated }
        return (user, session.csrfToken, false)
    }

    func accountPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.requirePrincipal()
        guard let user = context.user else { throw LinkwellError.unauthenticated }
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let now = accounts.env.now()
        let page = AccountPage(
            name: user.displayName, email: user.email, role: context.messages.label(user.role),
            twoFactor: user.twoFactorSecret != nil, twoFactorRequired: try await accounts.twoFactorRequired(for: user),
            recoveryCodesLeft: try await accounts.recoveryCodesLeft(user),
            sessions: try await accounts.ownSessions(r).map {
                AccountPage.SessionRow(id: $0.id, started: context.messages.dateTime($0.createdAt), lastSeen: context.messages.dateTime($0.lastSeenAt),
                                       browser: $0.userAgent.isEmpty ? context.messages.text("account.unknownBrowser") : $0.userAgent,
                                       current: $0.id == context.session?.id)
            },
            tokens: try await accounts.ownTokens(r).map { TokensView.row($0, now: now, context.messages) },
            hasTokens: false)
        var shown = page
        shown.hasTokens = !page.tokens.isEmpty
        shown.twoFactorState = context.messages.text(page.recoveryCodesLeft == 1 ? "account.twoFactorOnOneCode" : "account.twoFactorOn",
                                                     ["count": String(page.recoveryCodesLeft)])
        return try self.page(.account, context.messages.text("titles.yourAccount"), shown, csrf: context.session?.csrfToken ?? "", request, context)
    }

    func signedIn(_ request: Request, _ started: Accounts.StartedSession, to path: String) -> Response {
        var response = Response.redirect(to: path, type: .normal)
        response.setCookie(cookie(request, AuthenticationMiddleware.sessionCookie, started.token, sessionMaxAge))
        return response
    }

    func page<P: Sendable>(_ template: Template, _ title: String, _ page: P, csrf: String, _ request: Request, _ context: AppRequestContext,
                           errors: [FieldError] = [], status: HTTPResponse.Status = .ok) throws -> Response {
        // Signed in, a page is in the staff messages (`View(context:)`); the sign-in steps before that stay English.
        var view = context.principal == nil ? View(title: title, principal: nil, csrf: csrf, page: page, errors: errors)
            : View(title: title, context: context, page: page, errors: errors)
        view.csrf = csrf
        return try HTML(renderer.render(template, view), status: status).response(from: request, context: context)
    }

    /// The second step of signing in, in the language the person chose (the person may use it too). In a
    /// language other than English a refused code gets the catalogue's message.
    func codePage(csrf: String, _ request: Request, _ context: AppRequestContext, errors: [FieldError] = [],
                  status: HTTPResponse.Status = .ok) throws -> Response {
        let messages = context.messages
        let errors = messages.isEnglish ? errors
            : errors.map { $0.worded(messages.text("loginCode.failed")) }
        var view = View(title: messages.text("loginCode.title"), context: context, page: CodePage(), errors: errors)
        view.csrf = csrf
        return try HTML(renderer.render(.loginCode, view), status: status).response(from: request, context: context)
    }

    /// "JBSW Y3DP …": easier to type from the screen into an app.
    func spaced(_ secret: String) -> String {
        stride(from: 0, to: secret.count, by: 4).map { i in
            let start = secret.index(secret.startIndex, offsetBy: i)
            return String(secret[start..<(secret.index(start, offsetBy: 4, limitedBy: secret.endIndex) ?? secret.endIndex)])
        }.joined(separator: " ")
    }
}

/// How a token is shown in lists (the owner's account page and the administrator's tokens page).
enum TokensView {
    static func row(_ t: APIToken, now: Date, _ c: Catalogue = .english) -> AccountController.AccountPage.TokenRow {
        let state = t.revoked ? t.revokedAt.map { c.text("tokens.revokedOn", ["date": c.dateTime($0)]) } ?? c.text("tokens.revoked")
            : c.text(t.expiresAt <= now ? "tokens.expired" : "tokens.active")
        return .init(id: t.id, purpose: t.name, created: c.dateTime(t.createdAt), expires: c.date(t.expiresAt),
                     lastUsed: t.lastUsedAt.map { c.dateTime($0) } ?? c.text("tokens.neverUsed"), state: state, usable: t.isUsable(at: now))
    }
}
