import Foundation
import LinkwellCore
import LinkwellPasswords
import LinkwellStorage

/// Test databases live in one folder per test process; each run first removes the folders of test
/// processes that have ended (the test runner does not always run exit handlers).
let testDatabaseFolder: URL = {
    let files = FileManager.default
    let temporary = files.temporaryDirectory
    for name in (try? files.contentsOfDirectory(atPath: temporary.path)) ?? [] where name.hasPrefix("linkwell-tests-") {
        if let pid = Int32(name.dropFirst("linkwell-tests-".count)), kill(pid, 0) != 0 {
            try? files.removeItem(at: temporary.appendingPathComponent(name))
        }
    }
    let url = temporary.appendingPathComponent("linkwell-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try? files.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

/// A path for a test's own SQLite file, in this process's test folder (`testDatabaseFolder`), which the next run
/// removes once this process has ended: a test need not remove it, even one that fails or stops early.
public func temporarySQLitePath(_ prefix: String) -> String {
    testDatabaseFolder.appendingPathComponent("\(prefix)-\(UUID().uuidString).sqlite").path
}

/// The migrated SQLite file each test store copies (`TestBackend.copyOfMigratedSQLite`); closed before it is copied (the
/// last connection to close checkpoints the write-ahead log into the file).
private let migratedSQLiteTemplate = Task<String, any Error> {
    let path = testDatabaseFolder.appendingPathComponent("migrated-template.sqlite").path
    let store = try await SQLStore.sqlite(path: path)
    do {
        try await store.migrate()
        try await store.shutdown()
    } catch {
        try? await store.shutdown()
        throw error
    }
    return path
}

/// The storage backends every shared suite runs against. PostgreSQL joins when
/// `LINKWELL_TEST_POSTGRES_URL` is set (CI always sets it; see `.ci/run`).
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case sqlite
    case postgres

    public var description: String { rawValue }

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["LINKWELL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new name for a test's own PostgreSQL schema (`test_` and 16 hex digits).
    public static func newPostgresSchema() -> String {
        String("test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))
    }

    /// The backends available here: PostgreSQL only when a server was given.
    public static var available: [TestBackend] {
        postgresURL == nil ? [.memory, .sqlite] : [.memory, .sqlite, .postgres]
    }

    /// A new, empty, migrated store of this kind (a temp file for SQLite, a fresh schema for PostgreSQL).
    /// PostgreSQL test stores keep small pools (see `open`); a test of contention passes
    /// `SQLStore.defaultConnectionsPerEventLoop` to get the pool `serve` has.
    public func makeStore(connectionsPerEventLoop: Int = 2) async throws -> any LinkwellStore {
        let store = try await open(at: self == .sqlite ? try await Self.copyOfMigratedSQLite() : nil, connectionsPerEventLoop: connectionsPerEventLoop)
        try await Self.migrated(store)
        return store
    }

    /// A new SQLite file in the test folder, a copy of one migrated once per test process: migrating a new file takes
    /// about 0.2 s in a debug build and a run makes hundreds. `migrate` still runs on each copy (every step found
    /// applied; what follows the steps runs as on any start).
    static func copyOfMigratedSQLite() async throws -> String {
        let path = testDatabaseFolder.appendingPathComponent("\(UUID().uuidString).sqlite").path
        let template = try await migratedSQLiteTemplate.value
        try FileManager.default.copyItem(atPath: template, toPath: path)
        if FileManager.default.fileExists(atPath: template + "-wal") { try FileManager.default.copyItem(atPath: template + "-wal", toPath: path + "-wal") }
        return path
    }

    /// Opens a store of this kind (new and empty, or the SQLite file or PostgreSQL schema `existing`),
    /// recorded with the test's `OpenedStores`. PostgreSQL test stores keep small pools: the suites run in
    /// parallel against one server, whose connection limit every test's store shares. For the same reason
    /// (a machine running every suite at once) they wait up to a minute for a pooled connection, not 10 s.
    func open(at existing: String? = nil, connectionsPerEventLoop: Int) async throws -> any LinkwellStore {
        let store: any LinkwellStore
        switch self {
        case .memory:
            store = MemoryStore()
        case .sqlite:
            let path = existing ?? testDatabaseFolder.appendingPathComponent("\(UUID().uuidString).sqlite").path
            store = try await SQLStore.sqlite(path: path)
        case .postgres:
            let schema = existing ?? Self.newPostgresSchema()
            store = try await SQLStore.postgres(url: Self.postgresURL!, schema: schema, connectionsPerEventLoop: connectionsPerEventLoop,
                                                 connectionWait: 60)
        }
        OpenedStores.current?.add(store)
        return store
    }

    /// Migrates `store`; if that fails the store is shut down before the error is rethrown, so that a test
    /// that fails at set-up does not leave a connection pool open (AsyncKit asserts on an open pool's deinit).
    static func migrated(_ store: any LinkwellStore) async throws {
        do {
            try await store.migrate()
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}

/// A small scheme for tests: two practices' referrers, two link workers, a supervisor, two community
/// organisations each with a provider user and a service, an admin and a commissioner.
public struct TestScheme: Sendable {
    public let store: any LinkwellStore
    public let clock: TestClock
    public let referrer, otherReferrer, linkWorker, otherLinkWorker, supervisor, provider, otherProvider, admin, commissioner: User
    public let service, otherService: Service
    public static let password = "correct horse battery"

    public var env: CoreEnvironment { clock.environment }
    public var casework: CaseworkService { CaseworkService(store: store, env: env) }
    public var outcomes: OutcomeService { OutcomeService(store: store, casework: casework) }
    public var commissioning: CommissioningService { CommissioningService(store: store, env: env) }
    public var insight: InsightService { InsightService(store: store, env: env) }
    /// bcrypt at its lowest cost, so that the tests hash quickly (the web tests' configuration uses the same).
    public static let hasher = BcryptPasswordHasher(cost: 4)
    public var accounts: Accounts { Accounts(store: store, env: env, hasher: Self.hasher, passwords: ShippedPasswordPolicy.standard) }

    public static func make(_ backend: TestBackend, connectionsPerEventLoop: Int = 2) async throws -> TestScheme {
        try await make(store: try await backend.makeStore(connectionsPerEventLoop: connectionsPerEventLoop))
    }

    public static func make(store: any LinkwellStore, clock: TestClock = TestClock()) async throws -> TestScheme {
        let accounts = Accounts(store: store, env: clock.environment, hasher: hasher, passwords: ShippedPasswordPolicy.standard)
        let practice = Self.practice
        let walkers = Organisation(id: OrganisationID("org-walkers"), name: "Riverside Walkers", kind: .vcse)
        let money = Organisation(id: OrganisationID("org-money"), name: "Money Matters", kind: .vcse)
        for org in [practice, walkers, money] { try await store.createOrganisation(org) }
        // Like the demo, the test scheme leaves two-factor sign-in optional, so tests sign in with a
        // password; the tests of two-factor sign-in turn the default requirement back on.
        try await store.saveSchemeSettings(SchemeSettings(twoFactorRoles: []))
        let service = Service(id: ServiceID("svc-walks"), organisationID: walkers.id, name: "Health walks",
                              description: "Gentle walks", category: "physical_activity", area: "Leeds")
        let otherService = Service(id: ServiceID("svc-debt"), organisationID: money.id, name: "Debt advice",
                                   description: "Free advice", category: "debt", area: "Leeds")
        try await store.createService(service)
        try await store.createService(otherService)
        func user(_ email: String, _ name: String, _ role: Role, _ org: Organisation? = nil) async throws -> User {
            try await accounts.createUser(email: email, displayName: name, role: role.rawValue, organisationID: org?.id.rawValue, password: password)
        }
        let referrer = try await user("gp@test.example", "Dr Gee", .referrer, practice)
        let otherReferrer = try await user("nurse@test.example", "Nurse Enn", .referrer, practice)
        let linkWorker = try await user("lw@test.example", "Lee Worker", .linkWorker)
        let otherLinkWorker = try await user("lw2@test.example", "Lou Worker", .linkWorker)
        let supervisor = try await user("sup@test.example", "Sue Pervisor", .supervisor)
        let provider = try await user("walks@test.example", "Wally Walker", .provider, walkers)
        let otherProvider = try await user("money@test.example", "Mo Ney", .provider, money)
        let admin = try await user("admin@test.example", "Ada Min", .admin)
        let commissioner = try await user("icb@test.example", "Cam Missioner", .commissioner)
        // Both community groups are in the directory with current governance checks (as `DirectoryFixture`
        // lists them), so that referring out to them needs no supervisor's override.
        try await store.saveDirectory(DirectoryBatch(organizations: DirectoryFixture.batch.organizations), at: clock.now, verified: true)
        for org in [walkers, money] {
            try await store.saveGovernance(GovernanceCheck(
                organizationID: org.id.rawValue, constituted: true, safeguardingPolicy: true, insurance: true, dbsForHomeVisits: false,
                checkedBy: admin.id, checkedAt: clock.now))
        }
        return TestScheme(
            store: store, clock: clock, referrer: referrer, otherReferrer: otherReferrer, linkWorker: linkWorker,
            otherLinkWorker: otherLinkWorker, supervisor: supervisor, provider: provider, otherProvider: otherProvider, admin: admin,
            commissioner: commissioner, service: service, otherService: otherService)
    }

    /// The referrer's GP practice, where the person of `submission()` is registered (a fictional ODS code,
    /// shaped like a real one).
    public static let practice = Organisation(id: OrganisationID("org-practice"), name: "Riverside Medical Practice", kind: .gpPractice,
                                              odsCode: "Y99001", email: "practice@test.example")
    /// What the referral service looks up for `submission()`, for tests that validate it without a store.
    public static let practices = ReferralSubmission.PracticeLookup(named: practice)

    /// A complete, valid referral in; change fields to make it invalid.
    public static func submission(givenName: String = "Margaret", nhsNumber: String? = "943 476 5919",
                                  consent: Bool = true) -> ReferralSubmission {
        ReferralSubmission(
            person: .init(nhsNumber: nhsNumber, givenName: givenName, familyName: "Hughes", dateOfBirth: "1948-05-02",
                          postcode: "ls1 4ap", phone: "07700 900123", preferredLanguage: "English",
                          communicationNeeds: "Hard of hearing", gpPracticeCode: "Y99001"),
            sourceType: "gp", needs: ["loneliness", "low_mood"], personView: "I'd like to get out more.",
            consent: .init(given: consent, givenBy: "Margaret Hughes", method: "verbal",
                           purposes: ["share_with_providers", "share_with_referrer", "evaluation"]),
            riskInformation: "Lives alone", feedbackPreference: "key_events", urgency: "routine", pathway: "long-term conditions")
    }

    /// A referral from `referrer`, accepted by `linkWorker`, with a successful first contact: the person is engaged.
    public func engagedReferral(_ submission: ReferralSubmission = TestScheme.submission()) async throws -> ReferralID {
        let lw = request(linkWorker)
        let id = try await casework.submitReferral(submission, by: Principal(referrer)).referral.id
        _ = try await casework.accept(id, lw)
        try await casework.act(on: id, lw) { [env] in
            try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 30, successful: true, notes: ""), by: lw.principal, env: env)
        }
        return id
    }

    /// A bearer token for the API.
    public func token(for user: User) async throws -> String {
        try await accounts.createToken(email: user.email, purpose: "test").token
    }

    public func request(_ user: User) -> CaseworkService.Request { .init(Principal(user), route: "test") }
}
