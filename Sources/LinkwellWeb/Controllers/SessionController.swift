import Foundation
import Hummingbird
import LinkwellCore

/// Sign in and sign out, and the home page that sends each role to its own start page.
struct SessionController: Sendable {
    let accounts: Accounts
    let casework: CaseworkService
    let renderer: PageRenderer
    let configuration: WebConfiguration

    static let preLoginCookie = "lw_login"

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { _, context -> Response in
            guard let principal = context.principal else { return .redirect(to: "/login") }
            switch principal.role {
            case .referrer, .linkWorker, .supervisor: return .redirect(to: "/referrals")
            case .provider: return .redirect(to: "/provider")
            case .admin: return .redirect(to: "/admin/users")
            case .commissioner: return .redirect(to: "/insight")
            case .steeringGroup: return .redirect(to: "/steering")
            case .person: return .redirect(to: "/me")
            }
        }
        router.get("/login") { request, context in try loginPage(request, context, email: "", errors: []) }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context -> Response in
            _ = try await request.verifiedForm(context)
            if let token = request.cookies[AuthenticationMiddleware.sessionCookie]?.value {
                try await accounts.endSession(token: token)
            }
            var response = Response.redirect(to: "/login", type: .normal)
            response.setCookie(cookie(request, AuthenticationMiddleware.sessionCookie, "", maxAge: 0))
            return response
        }
    }

    /// The login form carries a random value that must match a cookie (double-submit), so that another
    /// site cannot sign a browser in to an account of its choosing.
    func loginPage(_ request: Request, _ context: AppRequestContext, email: String, errors: [FieldError],
                   status: HTTPResponse.Status = .unauthorized) throws -> Response {
        let token = Accounts.randomToken()
        let view = View(title: context.messages.text("login.title"), context: context, page: LoginPage(email: email, loginToken: token), errors: errors)
        var response = try HTML(renderer.render(.login, view), status: errors.isEmpty ? .ok : status)
            .response(from: request, context: context)
        response.setCookie(cookie(request, Self.preLoginCookie, token, maxAge: 3600))
        return response
    }

    func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await request.form()
        let email = form["email"] ?? ""
        guard let expected = request.cookies[Self.preLoginCookie]?.value, let given = form["_login"],
              constantTimeEqual(expected, given) else {
            return try loginPage(request, context, email: email, errors: [.page("email", context.messages.text("login.expired"))])
        }
        let started: Accounts.StartedSession
        do {
            started = try await accounts.signIn(.init(email: email, password: form["password"] ?? "", client: context.clientAddress,
                                                      userAgent: request.headers[.userAgent] ?? "", route: request.routeDescription))
        } catch LinkwellError.invalid(let errors) {
            Observability.signInFailed()
            return try loginPage(request, context, email: email, errors: Self.translated(errors, context.messages))
        } catch LinkwellError.tooManyAttempts(let seconds, let why) {
            Observability.signInFailed()
            var response = try loginPage(request, context, email: email, errors: Self.translated([why.at("email")], context.messages), status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        let next = switch started.session.stage {
        case .complete: "/"
        case .secondFactor: "/login/code"
        case .enrolment: "/account/two-factor"
        }
        var response = Response.redirect(to: next, type: .normal)
        response.setCookie(cookie(request, AuthenticationMiddleware.sessionCookie, started.token, maxAge: Int(configuration.sessionMaxAge)))
        response.setCookie(cookie(request, Self.preLoginCookie, "", maxAge: 0))
        return response
    }

    /// A refused sign-in in the page's language: English keeps Core's message; another language has one
    /// message for every refusal (which names nothing an attacker could use).
    static func translated(_ errors: [FieldError], _ messages: Catalogue) -> [FieldError] {
        guard !messages.isEnglish else { return errors }
        return errors.map { $0.worded(messages.text("login.failed")) }
    }

    /// HttpOnly, SameSite=Lax, and Secure when served over TLS.
    func cookie(_ request: Request, _ name: String, _ value: String, maxAge: Int) -> Cookie {
        let secure = configuration.secureCookies || request.headers[.init("X-Forwarded-Proto")!] == "https"
        return Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
