import Foundation
import Hummingbird
import LinkwellCore
import Mustache
import Synchronization

/// Every page template, named as its file in `Templates/` (without `.mustache`). Pages name their
/// template with one of these, and `PageRenderer` checks at start-up that each exists and parses.
public enum Template: String, CaseIterable, Sendable {
    case account
    case adminAudit = "admin_audit"
    case adminComplaints = "admin_complaints"
    case adminStaffChecks = "admin_staff_checks"
    case adminInstruments = "admin_instruments"
    case adminOrganisation = "admin_organisation"
    case adminOrganisations = "admin_organisations"
    case adminOutbox = "admin_outbox"
    case adminSettings = "admin_settings"
    case adminTokens = "admin_tokens"
    case adminUser = "admin_user"
    case adminUsers = "admin_users"
    case caseload
    case commissioning
    case contract
    case contractReport = "contract_report"
    case directoryEdit = "directory_edit"
    case directoryFeeds = "directory_feeds"
    case directoryImportJob = "directory_import_job"
    case directoryListings = "directory_listings"
    case directoryReview = "directory_review"
    case directorySearch = "directory_search"
    case directoryService = "directory_service"
    case error
    case grant
    case grants
    case insight
    case login
    case loginCode = "login_code"
    case me
    case measureLink = "measure_link"
    case measureSelf = "measure_self"
    case measureThanks = "measure_thanks"
    case outcomesCohorts = "outcomes_cohorts"
    case personRequests = "person_requests"
    case providerInbox = "provider_inbox"
    case publicDirectory = "public_directory"
    case publicService = "public_service"
    case providerReferral = "provider_referral"
    case questionnaire
    case recoveryCodes = "recovery_codes"
    case referral
    case referralNew = "referral_new"
    case referralReferrer = "referral_referrer"
    case reassign
    case safeguarding
    case messageBack = "message_back"
    case adminCodeLists = "admin_code_lists"
    case selfReferral = "self_referral"
    case selfReferralDone = "self_referral_done"
    case steering
    case supervision
    case team
    case teams
    case twoFactorSetup = "two_factor_setup"
}

/// A template that is missing, does not parse, or includes a partial that does not exist: the
/// application refuses to start rather than serve a broken page.
public struct TemplateError: Error, CustomStringConvertible {
    public var description: String
}

/// Renders typed page models with the Mustache templates shipped in `Templates/`.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    /// The same templates, rendered without swift-mustache's dynamic casts (`CompiledTemplates`); nil if any template
    /// uses something only swift-mustache renders (`CompiledTemplatesTests` checks the shipped ones do not).
    let compiled: CompiledTemplates?

    /// The templates that ship with Linkwell.
    static var bundledDirectory: String? { Bundle.module.resourceURL?.appendingPathComponent("Templates").path }

    /// Loads the bundled templates, checked as `init(directory:)` checks them.
    public init() async throws {
        guard let directory = Self.bundledDirectory else { throw TemplateError(description: "The Templates folder is not in the bundle.") }
        try await self.init(directory: directory)
    }

    /// Loads every template in `directory` and checks that each `Template` is there and that every
    /// partial a template includes (`{{>name}}`, `{{<name}}`) is there too; parse errors throw as well.
    public init(directory: String) async throws {
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch let error as MustacheLibrary.ParserError {
            throw TemplateError(description: "Template \(error.filename) does not parse: \(error.error) at line \(error.context.lineNumber).")
        }
        let missing = Template.allCases.filter { [library] in library.getTemplate(named: $0.rawValue) == nil }.map(\.rawValue)
        guard missing.isEmpty else { throw TemplateError(description: "Missing templates: \(missing.joined(separator: ", ")).") }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }
        compiled = CompiledTemplates(library, names: files.map { String($0.dropLast(".mustache".count)) })
        let problems = Catalogue.problems()
        guard problems.isEmpty else { throw TemplateError(description: "The message catalogues disagree: \(problems.joined(separator: "; ")).") }
        for file in files.sorted() {
            let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
            for partial in Self.partials(in: text) where library.getTemplate(named: partial) == nil {
                throw TemplateError(description: "Template \(file) includes \(partial), which does not exist.")
            }
            // Every message a template names exists, and needs nothing filled in (templates cannot fill it).
            for key in Catalogue.references(in: text) {
                guard let message = Catalogue.english.optional(key) else {
                    throw TemplateError(description: "Template \(file) names message \(key), which no catalogue has.")
                }
                guard Catalogue.placeholders(message).isEmpty else {
                    throw TemplateError(description: "Template \(file) names message \(key), which has placeholders to fill in Swift.")
                }
            }
        }
    }

    /// The names of the partials and parents a template includes.
    static func partials(in text: String) -> [String] {
        text.split(separator: "{{", omittingEmptySubsequences: false).dropFirst().compactMap { tag -> String? in
            guard let first = tag.first, first == ">" || first == "<", let end = tag.firstRange(of: "}}") else { return nil }
            return tag[tag.index(after: tag.startIndex)..<end.lowerBound].trimmingCharacters(in: .whitespaces)
        }
    }

    /// Renders `view` with its page's template (checked at start-up, so always there).
    public func render<Page>(_ template: Template, _ view: View<Page>) -> String {
        let tree = RenderTree.value(of: view)
        let html: String
        if let compiled, let rendered = compiled.render(tree, withTemplate: template.rawValue) {
            html = rendered
            #if DEBUG
            checkAgainstMustache(rendered, tree, template)
            #endif
        } else if let rendered = library.render(tree.mustache, withTemplate: template.rawValue) {
            html = rendered
        } else {
            preconditionFailure("Template \(template.rawValue) was checked at start-up")
        }
        return view.errors.isEmpty ? html : InlineErrors.mark(html, view.errors, prefix: view.messages.text("layout.errorPrefix"))
    }
}

extension PageRenderer {
    /// Debug builds (the tests) render every page by swift-mustache as well: the two must agree byte for byte.
    /// swift-mustache is asked up to three times and must give the compiled text at least once. In one full run of the
    /// suites (of two), its rendering of one case page left out the title's error prefix that the compiled rendering
    /// had; the cause was not found (the next full run, and 24,000 renderings of an error page on 8 tasks at once,
    /// agreed every time). A later answer that agrees is reported on standard error, so that a run shows it.
    func checkAgainstMustache(_ rendered: String, _ tree: RenderValue, _ template: Template) {
        var first: String?
        for attempt in 1...3 {
            let reference = library.render(tree.mustache, withTemplate: template.rawValue) ?? ""
            if reference == rendered {
                if let first {
                    FileHandle.standardError.write(Data(("swift-mustache agreed with the compiled \(template.rawValue) only at attempt \(attempt):\n"
                                                        + Self.firstDifference(rendered, first) + "\n").utf8))
                }
                return
            }
            first = first ?? reference
        }
        let again = compiled?.render(tree, withTemplate: template.rawValue)
        preconditionFailure("Template \(template.rawValue) renders differently from swift-mustache (the compiled rendering "
                            + "\(again == rendered ? "the same" : "different") a second time):\n" + Self.firstDifference(rendered, first ?? ""))
    }

    /// Where two renderings part, with a little of each (for the debug check's message).
    static func firstDifference(_ a: String, _ b: String) -> String {
        let same = zip(a.utf8, b.utf8).prefix { $0 == $1 }.count
        func around(_ text: String) -> String { String(decoding: text.utf8.dropFirst(max(0, same - 80)).prefix(200), as: UTF8.self) }
        return "at byte \(same):\n  compiled:      \(around(a))\n  swift-mustache: \(around(b))"
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
    /// The page's language (`<html lang>`) and direction (`<html dir>`): the person's choice on public pages
    /// and their own record; English on staff pages.
    public var lang: String
    public var dir: String
    /// The messages in the page's language, for templates: `{{t.selfReferral.heading}}`.
    public var t: Messages
    /// Links to the page in the other languages (public pages and the person's own pages only).
    public var languages: [LanguageLink]
    public var hasLanguages: Bool
    /// The catalogue behind `t`.
    public var messages: Catalogue { t.catalogue }

    public struct SignedIn: Sendable {
        public var name: String
        public var role: String
    }

    public struct NavLink: Sendable {
        public var label: String
        public var href: String
    }

    public init(title: String, context: AppRequestContext, page: Page, errors: [FieldError] = [], notice: String? = nil) {
        self.init(title: title, principal: context.principal, csrf: context.session?.csrfToken ?? "", page: page, notice: notice)
        (self.errors, hasErrors) = (errors, !errors.isEmpty)
        // Staff pages are in the staff messages; the public and the person themself get the language they chose.
        // Either way the form's problems are worded by that catalogue (`Catalogue.message(_:)`).
        defer { self.errors = self.errors.map(t.catalogue.worded) }
        guard context.principal == nil || context.principal?.role == .person else {
            t = Messages(context.messages)
            if let p = context.principal {
                user?.role = context.messages.label(p.role)
                nav = Self.menu(for: p.role, context.messages)
            }
            return
        }
        let language = context.language
        lang = language.tag
        dir = language.direction
        t = Messages(language.catalogue)
        languages = context.languages.filter { $0 != language }.map {
            let separator = context.languageReturnPath.contains("?") ? "&" : "?"
            return LanguageLink(code: $0.rawValue, tag: $0.tag, name: $0.endonym,
                                href: context.languageReturnPath + separator + "lang=" + $0.rawValue)
        }
        hasLanguages = !languages.isEmpty
        if context.principal?.role == .person { nav = [NavLink(label: language.catalogue.text("nav.myRecord"), href: "/me")] }
    }

    public init(title: String, principal: Principal?, csrf: String, page: Page, errors: [FieldError] = [], notice: String? = nil) {
        lang = Language.english.tag
        dir = Language.english.direction
        t = Messages(.english)
        languages = []
        hasLanguages = false
        self.title = title
        self.page = page
        self.errors = errors.map(Catalogue.english.worded)
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

    static func menu(for role: Role, _ t: Catalogue = .english) -> [NavLink] {
        switch role {
        case .referrer: [NavLink(label: t.text("menu.myReferrals"), href: "/referrals"), NavLink(label: t.text("menu.makeAReferral"), href: "/referrals/new")]
        case .linkWorker: [NavLink(label: t.text("menu.caseload"), href: "/referrals"), NavLink(label: t.text("menu.makeAReferral"), href: "/referrals/new"),
                           NavLink(label: t.text("menu.directory"), href: "/directory"), NavLink(label: t.text("menu.supervision"), href: "/supervision"),
                           NavLink(label: t.text("menu.teams"), href: "/teams"), NavLink(label: t.text("menu.requests"), href: "/requests")]
        case .supervisor: [NavLink(label: t.text("menu.caseload"), href: "/referrals"), NavLink(label: t.text("menu.makeAReferral"), href: "/referrals/new"),
                           NavLink(label: t.text("menu.safeguarding"), href: "/safeguarding"), NavLink(label: t.text("menu.supervision"), href: "/supervision"),
                           NavLink(label: t.text("menu.teams"), href: "/teams"), NavLink(label: t.text("menu.requests"), href: "/requests"),
                           NavLink(label: t.text("menu.outcomes"), href: "/outcomes/cohorts"), NavLink(label: t.text("menu.insight"), href: "/insight"),
                           NavLink(label: t.text("menu.contracts"), href: "/commissioning"), NavLink(label: t.text("menu.grants"), href: "/grants")]
        case .provider: [NavLink(label: t.text("menu.referralsToUs"), href: "/provider"), NavLink(label: t.text("menu.ourListings"), href: "/provider/listings"),
                         NavLink(label: t.text("menu.grants"), href: "/grants")]
        case .admin: [NavLink(label: t.text("menu.users"), href: "/admin/users"), NavLink(label: t.text("menu.organisations"), href: "/admin/organisations"), NavLink(label: t.text("menu.codeLists"), href: "/admin/code-lists"),
                      NavLink(label: t.text("menu.settings"), href: "/admin/settings"), NavLink(label: t.text("menu.teams"), href: "/teams"),
                      NavLink(label: t.text("menu.instruments"), href: "/admin/instruments"), NavLink(label: t.text("menu.directoryReview"), href: "/directory/review"), NavLink(label: t.text("menu.directoryFeeds"), href: "/admin/feeds"),
                      NavLink(label: t.text("menu.funders"), href: "/commissioning"),
                      NavLink(label: t.text("menu.complaints"), href: "/admin/complaints"), NavLink(label: t.text("menu.staffTrainingAndDbs"), href: "/admin/staff-checks"),
                      NavLink(label: t.text("menu.emailOutbox"), href: "/admin/outbox"), NavLink(label: t.text("menu.auditTrail"), href: "/admin/audit")]
        case .commissioner: [NavLink(label: t.text("menu.insight"), href: "/insight"), NavLink(label: t.text("menu.contracts"), href: "/commissioning"),
                             NavLink(label: t.text("menu.grants"), href: "/grants"), NavLink(label: t.text("menu.outcomes"), href: "/outcomes/cohorts"),
                             NavLink(label: t.text("menu.steeringSummary"), href: "/steering")]
        case .steeringGroup: [NavLink(label: t.text("menu.summary"), href: "/steering"), NavLink(label: t.text("menu.grants"), href: "/grants")]
        case .person: [NavLink(label: t.text("menu.myRecord"), href: "/me")]
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

/// A CSV download. Every CSV route answers through these two, which take only what `CSVWriter` made.
func csv(_ document: CSVDocument, filename: String) -> Response {
    Response(status: .ok, headers: csvHeaders(filename), body: .init(byteBuffer: ByteBuffer(string: document.text)))
}

/// A CSV download written a piece at a time (for exports too large to hold in memory).
func csvStream(filename: String, _ write: @escaping @Sendable (_ emit: (CSVDocument) async throws -> Void) async throws -> Void) -> Response {
    Response(status: .ok, headers: csvHeaders(filename), body: ResponseBody { writer in
        try await write { try await writer.write(ByteBuffer(string: $0.text)) }
        try await writer.finish(nil)
    })
}

private func csvHeaders(_ filename: String) -> HTTPFields {
    [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""]
}

