import Hummingbird
import LinkwellCore

/// The per-request context: who is signed in (if anyone) and how.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, set by `AuthenticationMiddleware`.
    public var principal: Principal?
    /// The browser session, when signed in with a cookie (absent for API tokens).
    public var session: LoginSession?
    /// The signed-in user's whole account (for their own account pages).
    public var user: User?
    /// A sign-in half done (password given; a code, or setting up two-factor sign-in, still to come).
    /// It signs no one in: only the second step's pages read it.
    public var pendingSignIn: (LoginSession, User)?

    /// The address of the connection's other end (the client, or a proxy in front of Linkwell).
    public let peerAddress: String?
    /// Who the client is (for rate limits; never logged with personal data): the peer, or the address a
    /// trusted proxy forwarded (set by `ClientAddressMiddleware`).
    public var client: ClientAddress
    /// The client's address as the key rate limits count under (an IPv6 address by its /64).
    public var clientAddress: String { client.rateLimitKey }

    /// The language the person chose for public pages (set by `LanguageMiddleware`; English until then).
    public var language: Language = .english
    /// The languages this server offers, for the language links.
    public var languages: [Language] = [.english]
    /// The page a language link returns to (this page, or the page a posted form is on).
    public var languageReturnPath = "/"
    /// The messages staff pages are shown in (set by `LanguageMiddleware` from the configuration; English).
    public var staffMessages: Catalogue = .english
    /// The messages of this request's pages: in `language` for the public and the person themself; the staff
    /// messages for staff. Page models, notices and titles take their words from here, as templates do (`View.t`).
    public var messages: Catalogue {
        principal == nil || principal?.role == .person ? language.catalogue : staffMessages
    }

    public init(source: Source) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
        client = ClientAddress(peerAddress.flatMap { IPAddress($0) })
    }

    /// The signed-in user, or `unauthenticated`.
    public func requirePrincipal() throws(LinkwellError) -> Principal {
        guard let principal else { throw .unauthenticated }
        return principal
    }

    /// The signed-in user if they hold one of `roles`; otherwise `forbidden`.
    public func require(_ roles: Role...) throws(LinkwellError) -> Principal {
        let principal = try requirePrincipal()
        guard roles.contains(principal.role) else {
            if [.commissioner, .steeringGroup].contains(principal.role) && !roles.contains(.commissioner) && !roles.contains(.steeringGroup) {
                throw .forbidden("Commissioners and the steering group receive aggregate, de-identified figures only; this is not available to your role.")
            }
            throw .forbidden("This page is not available to your role.")
        }
        return principal
    }
}
