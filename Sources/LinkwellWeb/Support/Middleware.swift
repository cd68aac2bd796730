import Foundation
import Hummingbird
import LinkwellCore

/// Headers every response carries: no framing, no sniffing, a strict content policy, no caching of
/// personal data.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Works out who the client is: the connection's peer, or — only when the peer is a configured trusted
/// proxy — the address its `X-Forwarded-For` names (`TrustedProxies.clientAddress`).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trustedProxies.ranges.isEmpty else { return try await next(request, context) }
        var context = context
        context.client = trustedProxies.clientAddress(peer: context.peerAddress,
                                                             forwardedFor: request.headers[values: .init("X-Forwarded-For")!])
        return try await next(request, context)
    }
}

/// Resolves the session cookie or the `Authorization: Bearer` token to a signed-in user.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let accounts: Accounts

    static let sessionCookie = "lw_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let user = try await accounts.user(forBearer: token) else { throw LinkwellError.unauthenticated }
            context.principal = Principal(user)
        } else if let token = request.cookies[Self.sessionCookie]?.value,
                  let (session, user) = try await accounts.resumeSession(token: token) {
            // Cookies are for the browser pages only; the API takes bearer tokens, so it needs no CSRF defence.
            if !request.uri.path.hasPrefix("/api/") && !request.uri.path.hasPrefix("/fhir") {
                if session.stage == .complete {
                    context.principal = Principal(user)
                    context.session = session
                    context.user = user
                } else {
                    context.pendingSignIn = (session, user)
                }
            }
        }
        return try await next(request, context)
    }
}

/// Turns typed errors into responses: RFC 9457 problem details for the API, pages for browsers.
/// Nothing personal is logged: only the error's kind and the route template.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem(error)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["route": "\(context.endpointPath ?? "?")", "error": "\(type(of: error))"])
            }
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/openapi.json" {
                return problem.response()
            }
            // The FHIR interface answers every error, on any path under it, as an OperationOutcome.
            if request.uri.path == "/fhir" || request.uri.path.hasPrefix("/fhir/") {
                return FHIRResponse.outcome(problem)
            }
            // The ORUK API answers JSON with CORS whatever went wrong, even on paths no route knows.
            if request.uri.path == "/oruk" || request.uri.path.hasPrefix("/oruk/") {
                var response = ORUKMiddleware.problem(error).response()
                response.headers[.accessControlAllowOrigin] = "*"
                return response
            }
            if problem.status == 401 {
                return .redirect(to: "/login")
            }
            var page = problem
            (page.title, page.detail) = context.messages.errorPage(problem)
            let view = View(title: page.title, context: context, page: page)
            var response = try HTML(renderer.render(.error, view), status: .init(code: page.status))
                .response(from: request, context: context)
            if let seconds = problem.retryAfter { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }
}

/// An RFC 9457 problem-details body.
public struct Problem: Codable, Sendable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var errors: [FieldError]?
    /// A conflict's code (409): why the request conflicts with the record's current state, stable for API clients
    /// (`ConflictCode`); `detail` is its English.
    public var code: String?
    /// The values a conflict's message names, by placeholder (a status as its code, a name, a count).
    public var values: [String: String]?
    /// Seconds to wait before trying again (sent as `Retry-After`, not in the body).
    var retryAfter: Int?
    /// Why too many attempts were refused, coded, for the error page to word (not in the body: `detail` has its English).
    var reason: FieldError?

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors, code, values }

    /// The conflict a 409 reports, for pages to word in their language.
    var conflict: Conflict? { code.flatMap(ConflictCode.init(rawValue:)).map { Conflict($0, values ?? [:]) } }

    /// The title of every conflict (409).
    static let conflictTitle = "Conflict with the record's current state"

    init(_ error: any Error) {
        switch error {
        case LinkwellError.invalid(let fields):
            self.init(status: 422, title: "Some of the input is not valid", detail: fields.map { "\($0.field): \($0.message)" }.joined(separator: " "), errors: fields)
        case LinkwellError.notFound(let what):
            self.init(status: 404, title: "Not found", detail: "There is no \(what) here, or you do not have access to it.")
        case LinkwellError.conflict(let conflict):
            self.init(conflict)
        case LinkwellError.forbidden(let why):
            self.init(status: 403, title: "Not allowed", detail: why)
        case LinkwellError.unauthenticated:
            self.init(status: 401, title: "Sign-in required", detail: "Sign in, or send a valid bearer token.")
        case LinkwellError.tooManyAttempts(let seconds, let why):
            self.init(status: 429, title: "Too many attempts", detail: why.message)
            (retryAfter, reason) = (seconds, why)
        case let limited as RateLimited:
            self.init(status: 429, title: "Too many attempts",
                      detail: "Too many attempts have come from this connection. Please try again later.")
            retryAfter = limited.retryAfterSeconds
        // Storage errors that the services did not turn into a domain answer: contention is a
        // conflict (or, when the database is busy, "try again shortly"), never an internal error.
        case StorageError.versionConflict:
            self.init(Conflict(.changedMeanwhile))
        case StorageError.duplicate(let what):
            self.init(Conflict(.duplicate, ["what": what]))
        case StorageError.overBudget:
            self.init(Conflict(.overBudget))
        case StorageError.unavailable:
            self.init(status: 503, title: "Service unavailable", detail: "The database is busy; nothing was changed. Try again in a moment.")
        case let bad as BadRequest:
            self.init(status: 400, title: "Bad request", detail: bad.detail)
        case let http as HTTPError:
            self.init(status: Int(http.status.code), title: http.status.reasonPhrase, detail: http.body ?? http.status.reasonPhrase)
        case let http as any HTTPResponseError:
            self.init(status: Int(http.status.code), title: http.status.reasonPhrase, detail: http.status.reasonPhrase)
        default:
            self.init(status: 500, title: "Internal error", detail: "Something went wrong; nothing was changed.")
        }
    }

    /// A conflict (409): its code and values beside Core's English.
    init(_ conflict: Conflict) {
        self.init(status: 409, title: Self.conflictTitle, detail: conflict.message)
        (code, values) = (conflict.code.rawValue, conflict.values)
    }

    init(status: Int, title: String, detail: String, errors: [FieldError]? = nil) {
        self.type = status == 422 ? "https://linkwell.dev/problems/validation" : "about:blank"
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    /// A response body that could not be encoded: the server's fault, and nothing was sent.
    static let encodingFailed = Problem(status: 500, title: "Internal error", detail: "The response could not be encoded.")

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) } else if status == 503 { headers[.retryAfter] = "1" }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// Reads a form and checks its CSRF token against the session's.
    func verifiedForm(_ context: AppRequestContext) async throws -> FormData {
        try await verifiedForm(csrf: context.session?.csrfToken)
    }

    /// Reads a form and checks its CSRF token against this one (a half-done sign-in's, say).
    func verifiedForm(csrf expected: String?) async throws -> FormData {
        let form = try await form()
        guard let expected, let given = form["_csrf"],
              constantTimeEqual(expected, given) else {
            throw LinkwellError.forbidden("The form has expired or did not come from Linkwell. Go back, reload the page and try again.")
        }
        return form
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool { constantTimeEquals(a, b) }
