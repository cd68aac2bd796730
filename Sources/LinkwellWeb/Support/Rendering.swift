import Foundation
import Hummingbird
import LinkwellCore
import Mustache

/// Renders typed page models with the Mustache templates shipped in `Templates/`.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    public init() async throws {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw LinkwellError.notFound("templates")
        }
        library = try await MustacheLibrary(directory: directory)
    }

    /// Renders `view` with the named template; an unknown template is a programming error caught by the tests.
    public func render<Page>(_ template: String, _ view: View<Page>) -> String {
        library.render(view, withTemplate: template) ?? "<!doctype html><title>Template \(template) missing</title>"
    }
}

/// What every page shows around its own content: the title, who is signed in, their menu,
/// the CSRF token for forms, and any problems with what was just submitted.
public struct View<Page>: @unchecked Sendable {
    public var title: String
    public var user: SignedIn?
    public var nav: [NavLink]
    public var csrf: String
    public var errors: [FieldError]
    public var hasErrors: Bool
    public var notice: String?
    public var page: Page

    public struct SignedIn: Sendable {
        public var name: String
        public var role: String
    }

    public struct NavLink: Sendable {
        public var label: String
        public var href: String
    }

    public init(title: String, context: AppRequestContext, page: Page, errors: [FieldError] = [], notice: String? = nil) {
        self.init(title: title, principal: context.principal, csrf: context.session?.csrfToken ?? "", page: page,
                  errors: errors, notice: notice)
    }

    public init(title: String, principal: Principal?, csrf: String, page: Page, errors: [FieldError] = [], notice: String? = nil) {
        self.title = title
        self.page = page
        self.errors = errors
        self.hasErrors = !errors.isEmpty
        self.notice = notice
        self.csrf = csrf
        if let p = principal {
            user = SignedIn(name: p.displayName, role: p.role.label)
            nav = Self.menu(for: p.role)
        } else {
            user = nil
            nav = []
        }
    }

    static func menu(for role: Role) -> [NavLink] {
        switch role {
        case .referrer: [NavLink(label: "My referrals", href: "/referrals"), NavLink(label: "Make a referral", href: "/referrals/new")]
        case .linkWorker: [NavLink(label: "Caseload", href: "/referrals"), NavLink(label: "Make a referral", href: "/referrals/new"),
                           NavLink(label: "Directory", href: "/directory"), NavLink(label: "Supervision", href: "/supervision")]
        case .supervisor: [NavLink(label: "Caseload", href: "/referrals"), NavLink(label: "Make a referral", href: "/referrals/new"),
                           NavLink(label: "Safeguarding", href: "/safeguarding"), NavLink(label: "Supervision", href: "/supervision"),
                           NavLink(label: "Outcomes", href: "/outcomes/cohorts"), NavLink(label: "Insight", href: "/insight"),
                           NavLink(label: "Contracts", href: "/commissioning"), NavLink(label: "Grants", href: "/grants")]
        case .provider: [NavLink(label: "Referrals to us", href: "/provider"), NavLink(label: "Our listings", href: "/provider/listings"),
                         NavLink(label: "Grants", href: "/grants")]
        case .admin: [NavLink(label: "Users", href: "/admin/users"), NavLink(label: "Settings", href: "/admin/settings"),
                      NavLink(label: "Instruments", href: "/admin/instruments"), NavLink(label: "Directory review", href: "/directory/review"), NavLink(label: "Directory feeds", href: "/admin/feeds"),
                      NavLink(label: "Funders", href: "/commissioning"),
                      NavLink(label: "E-mail outbox", href: "/admin/outbox"), NavLink(label: "Audit trail", href: "/admin/audit")]
        case .commissioner: [NavLink(label: "Insight", href: "/insight"), NavLink(label: "Contracts", href: "/commissioning"),
                             NavLink(label: "Grants", href: "/grants"), NavLink(label: "Outcomes", href: "/outcomes/cohorts"),
                             NavLink(label: "Steering summary", href: "/steering")]
        case .steeringGroup: [NavLink(label: "Summary", href: "/steering"), NavLink(label: "Grants", href: "/grants")]
        case .person: [NavLink(label: "My record", href: "/me")]
        }
    }

    /// The error message for one field, for showing beside it.
    public func error(_ field: String) -> String? { errors.first { $0.field == field }?.message }
}

/// An HTML response.
public struct HTML: ResponseGenerator {
    public var body: String
    public var status: HTTPResponse.Status
    public init(_ body: String, status: HTTPResponse.Status = .ok) {
        self.body = body
        self.status = status
    }
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Formats instants and dates the way UK health services write them: "27 Nov 2026, 09:05" (UK time).
enum Format {
    static func dateTime(_ date: Date) -> String { date.formatted(dateTimeStyle) }
    static func date(_ date: Date) -> String { date.formatted(dateStyle) }

    private static let london = TimeZone(identifier: "Europe/London")!
    private static let dateStyle = Date.VerbatimFormatStyle(
        format: "\(day: .defaultDigits) \(month: .abbreviated) \(year: .defaultDigits)", locale: Locale(identifier: "en_GB"),
        timeZone: london, calendar: Calendar(identifier: .gregorian))
    private static let dateTimeStyle = Date.VerbatimFormatStyle(
        format: "\(day: .defaultDigits) \(month: .abbreviated) \(year: .defaultDigits), \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
        locale: Locale(identifier: "en_GB"), timeZone: london, calendar: Calendar(identifier: .gregorian))
}
