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

    struct LoginPage: Sendable {
        var email: String
        var loginToken: String
    }

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
    func loginPage(_ request: Request, _ context: AppRequestContext, email: String, errors: [FieldError]) throws -> Response {
        let token = Accounts.randomToken()
        let view = View(title: "Sign in", context: context, page: LoginPage(email: email, loginToken: token), errors: errors)
        var response = try HTML(renderer.render(.login, view), status: errors.isEmpty ? .ok : .unauthorized)
            .response(from: request, context: context)
        response.setCookie(cookie(request, Self.preLoginCookie, token, maxAge: 3600))
        return response
    }

    func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await request.form()
        let email = form["email"] ?? ""
        guard let expected = request.cookies[Self.preLoginCookie]?.value, let given = form["_login"],
              constantTimeEqual(expected, given) else {
            return try loginPage(request, context, email: email, errors: [FieldError("email", "Your sign-in form expired. Please try again.")])
        }
        guard let user = try await accounts.verify(email: email, password: form["password"] ?? "") else {
            return try loginPage(request, context, email: email, errors: [FieldError("email", "The email or password is not right.")])
        }
        let (token, _) = try await accounts.startSession(for: user)
        try await casework.audit(.init(Principal(user), route: request.routeDescription), action: "login", type: "user",
                                 id: user.id.rawValue, allowed: true)
        var response = Response.redirect(to: "/", type: .normal)
        response.setCookie(cookie(request, AuthenticationMiddleware.sessionCookie, token, maxAge: Int(configuration.sessionMaxAge)))
        response.setCookie(cookie(request, Self.preLoginCookie, "", maxAge: 0))
        return response
    }

    /// HttpOnly, SameSite=Lax, and Secure when served over TLS.
    func cookie(_ request: Request, _ name: String, _ value: String, maxAge: Int) -> Cookie {
        let secure = configuration.secureCookies || request.headers[.init("X-Forwarded-Proto")!] == "https"
        return Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
