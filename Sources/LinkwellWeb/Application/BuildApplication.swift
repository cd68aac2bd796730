import Foundation
import Hummingbird
import HummingbirdCore
import ServiceLifecycle
import LinkwellCore
import LinkwellPasswords
import LinkwellStorage
import Logging

/// The composition root: the one place where storage, the domain services, the controllers and the
/// middleware are wired together. Used by `linkwell serve` and by the tests.
public func buildApplication(
    configuration: WebConfiguration,
    store: any LinkwellStore,
    env: CoreEnvironment = .live,
    logger: Logger = Logger(label: "linkwell")
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(configuration: configuration, store: store, env: env)
    var services: [any ServiceLifecycle.Service] = []
    if let transport = try configuration.mail.transport() {
        let sender = OutboxSender(store: store, transport: transport, policy: configuration.outbox, env: env)
        // Due e-mails every few seconds; logs counts only, never addresses or content.
        services.append(PeriodicWorker(name: "outbox pass", interval: .seconds(2), logger: logger) {
            let run = try await sender.sendDue()
            return run == OutboxRun() ? nil : ["sent": "\(run.sent)", "retrying": "\(run.retrying)", "failed": "\(run.failed)"]
        })
    }
    // Queued whether or not e-mail is on: they wait in the outbox (shown to the admin) until it is.
    // Governance reminders once an hour: queuing is idempotent, so every instance sharing the database may run it.
    let reminders = GovernanceReminders(store: store, env: env)
    services.append(PeriodicWorker(name: "governance reminders", interval: .seconds(3600), logger: logger) {
        let n = try await reminders.queue()
        return n > 0 ? ["emails": "\(n)"] : nil
    })
    if let schedule = configuration.backups, let sql = store as? SQLStore {
        services.append(BackupWorker(store: sql, schedule: schedule, logger: logger))
    }
    if configuration.syncDirectoryFeeds {
        // Registered directory feeds: checks once a minute which are due.
        let syncer = FeedSyncer(directory: DirectoryService(store: store, env: env))
        services.append(PeriodicWorker(name: "directory feed sync", interval: .seconds(60), logger: logger) {
            let n = try await syncer.syncDue()
            return n > 0 ? ["feeds": "\(n)"] : nil
        })
    }
    let limits = configuration.limits
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(limits.idleTimeout.components.seconds * 1_000_000_000
                                                                             + limits.idleTimeout.components.attoseconds / 1_000_000_000)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Linkwell",
                             availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
        services: services,
        logger: logger
    )
}

/// The router with every route and middleware, for tests that drive it without a socket.
public func buildRouter(configuration: WebConfiguration, store: any LinkwellStore,
                        env: CoreEnvironment) async throws -> Router<AppRequestContext> {
    let renderer = try await PageRenderer()
    let casework = CaseworkService(store: store, env: env, rules: configuration.rules)
    let accounts = Accounts(store: store, env: env, hasher: BcryptPasswordHasher(cost: configuration.bcryptCost),
                            passwords: ShippedPasswordPolicy.standard, sessions: configuration.sessionPolicy)
    let assets = try StaticAssets()

    _ = Observability.registry  // bootstraps metrics before the first request
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestObservabilityMiddleware(logRequests: configuration.logRequests))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: LanguageMiddleware(offered: configuration.languages, secureCookies: configuration.secureCookies,
                                                staffMessages: configuration.staffMessages))
    router.add(middleware: ErrorMiddleware(renderer: renderer))
    router.add(middleware: RequestBodyLimitMiddleware(limits: configuration.limits))
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    router.add(middleware: AuthenticationMiddleware(accounts: accounts))
    router.add(middleware: StrictInputMiddleware())

    router.get("/health") { _, _ in "ok" }
    HealthController(health: HealthService(store: store, outboxThreshold: configuration.readyOutboxThreshold)).register(on: router)
    assets.register(on: router)
    let sessions = SessionController(accounts: accounts, casework: casework, renderer: renderer, configuration: configuration)
    sessions.register(on: router)
    AccountController(accounts: accounts, renderer: renderer, cookie: { sessions.cookie($0, $1, $2, maxAge: $3) },
                      sessionMaxAge: Int(configuration.sessionMaxAge)).register(on: router)
    UserAdminController(accounts: accounts, renderer: renderer).register(on: router)
    OrganisationsController(organisations: OrganisationService(store: store, env: env), renderer: renderer).register(on: router)
    CodeListsController(codeLists: CodeListService(store: store)).register(on: router)
    // Rate limits are counted in the store, so every instance sharing the database shares them.
    let limiter = RateLimiter(store: store, env: env)
    SelfReferralController(casework: casework, directory: DirectoryService(store: store, env: env), renderer: renderer, limiter: limiter,
                           rule: RateLimit(name: "self-referral", limit: configuration.selfReferralsPerHour, window: 3600),
                           cookie: { sessions.cookie($0, $1, $2, maxAge: $3) }).register(on: router)
    let casePages = CasePagesController(casework: casework, outcomes: OutcomeService(store: store, casework: casework), teams: TeamService(store: store, env: env),
                                        renderer: renderer)
    casePages.register(on: router)
    CaseLearnedController(casework: casework, cases: casePages).register(on: router)
    RecordController(casework: casework, outcomes: OutcomeService(store: store, casework: casework), cases: casePages, renderer: renderer).register(on: router)
    MinimumDatasetController(outcomes: OutcomeService(store: store, casework: casework), env: casework.env).register(on: router)
    AdminCodeListsController(codeLists: CodeListService(store: store), renderer: renderer).register(on: router)
    SupervisionController(casework: casework, renderer: renderer).register(on: router)
    ReassignmentController(casework: casework, renderer: renderer).register(on: router)
    TeamsController(teams: TeamService(store: store, env: env), casework: casework, renderer: renderer).register(on: router)
    let voice = PersonVoiceService(store: store, casework: casework)
    OwnRecordController(voice: voice, renderer: renderer).register(on: router)
    PersonRequestsController(voice: voice, renderer: renderer).register(on: router)
    let providerPages = ProviderPagesController(casework: casework, renderer: renderer)
    providerPages.register(on: router)
    GroupVoiceController(casework: casework, cases: casePages, provider: providerPages).register(on: router)
    AdminPagesController(accounts: accounts, administration: AdministrationService(store: store), casework: casework, renderer: renderer,
                         mail: configuration.mail).register(on: router)
    APIController(casework: casework, administration: AdministrationService(store: store)).register(on: router)
    let outcomes = OutcomeService(store: store, casework: casework)
    OutcomesAPIController(outcomes: outcomes).register(on: router)
    OutcomePagesController(outcomes: outcomes, renderer: renderer, publicURL: configuration.linkBase, limiter: limiter,
                           linkRule: RateLimit(name: "measure-link", limit: configuration.unknownMeasureLinksPerHour, window: 3600)).register(on: router)
    let directory = DirectoryService(store: store, env: env)
    GovernanceController(directory: directory, casework: casework).register(on: router)
    StaffRecordsController(records: StaffRecordsService(store: store, env: env), casework: casework, renderer: renderer).register(on: router)
    ORUKController(directory: directory).register(on: router)
    PublicDirectoryController(directory: directory, renderer: renderer).register(on: router)
    FHIRController(casework: casework, outcomes: outcomes, directory: directory, codeLists: CodeListService(store: store)).register(on: router)
    DirectoryPagesController(directory: directory, casework: casework, renderer: renderer, configuration: configuration, jobs: ImportJobRunner(directory: directory)).register(on: router)
    let insight = InsightService(store: store, env: env)
    let commissioning = CommissioningService(store: store, env: env)
    InsightController(insight: insight, commissioning: commissioning, outcomes: outcomes, renderer: renderer).register(on: router)
    CommissioningController(commissioning: commissioning, insight: insight, renderer: renderer).register(on: router)
    return router
}

/// The stylesheet and the OpenAPI document, read once at start-up from the bundled resources.
struct StaticAssets: Sendable {
    let stylesheet: ByteBuffer
    let openAPI: ByteBuffer
    /// Follows a running directory import on its page (the only script; every page works without it).
    let importProgress: ByteBuffer

    init() throws {
        func load(_ path: String) throws -> ByteBuffer {
            guard let url = Bundle.module.resourceURL?.appendingPathComponent(path) else { throw LinkwellError.notFound(path) }
            return ByteBuffer(bytes: try Data(contentsOf: url))
        }
        stylesheet = try load("Static/site.css")
        openAPI = try load("Static/openapi.json")
        importProgress = try load("Static/import-progress.js")
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/static/site.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: stylesheet))
        }
        router.get("/static/import-progress.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: importProgress))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                     body: .init(byteBuffer: openAPI))
        }
    }
}

/// Data files that ship with Linkwell for the demo.
public enum BundledData {
    /// A small fictional postcode lookup in the ONS Postcode Directory's layout (`pcds`, `lat`, `long`).
    public static func samplePostcodes() throws -> String {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Static/postcodes-sample.csv") else { throw LinkwellError.notFound("postcodes") }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
