import Foundation
import LinkwellCore

/// A clock the tests move by hand, and identifiers that count up, so tests are deterministic.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var counter = 0

    public init(_ start: Date = Date(timeIntervalSince1970: 1_780_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }
    public func advance(seconds: TimeInterval) { lock.withLock { current += seconds } }

    /// The environment the code under test uses: this clock and sequential ids.
    public var environment: CoreEnvironment {
        CoreEnvironment(now: { [self] in now }, newID: { [self] in
            lock.withLock {
                counter += 1
                return String(format: "id-%08d", counter)
            }
        })
    }
}

/// The stores a test opened (`TestBackend.makeStore` records each one here when a test runs inside
/// `withValue`), so that the test's scope can shut every one of them down and wait for it, instead of
/// leaving `Task { try await store.shutdown() }` running after the test has ended.
public final class OpenedStores: @unchecked Sendable {
    /// The registry of the running test, if its scope keeps one.
    @TaskLocal public static var current: OpenedStores?

    private let lock = NSLock()
    private var stores: [any LinkwellStore] = []

    public init() {}

    public func add(_ store: any LinkwellStore) { lock.withLock { stores.append(store) } }

    /// Shuts down every store opened so far, newest first, and waits. A store the test already shut
    /// down may refuse a second shutdown; that is not an error here.
    public func shutDownAll() async {
        let opened: [any LinkwellStore] = lock.withLock {
            defer { stores.removeAll() }
            return stores
        }
        for store in opened.reversed() { try? await store.shutdown() }
    }
}

extension LinkwellError {
    /// Each field problem as "field: message" (Core's English), for tests that name what a person is told.
    public var fieldMessages: [String] {
        guard case .invalid(let fields) = self else { return [] }
        return fields.map { "\($0.field): \($0.message)" }
    }
}

extension LinkwellStore {
    /// A new referral made as a copy of `source` under new ids (`id`, and `id`-person and `id`-event), for a new person
    /// with no NHS number, at version 1, changed by `change` first.
    public func createCopy(of source: Case, id: String, team: TeamID? = nil, _ change: (inout Referral) -> Void = { _ in }) async throws {
        var person = source.person, referral = source.referral
        person.id = PersonID("\(id)-person")
        person.nhsNumber = nil
        referral.id = ReferralID(id)
        referral.personID = person.id
        referral.version = 1
        change(&referral)
        let event = ReferralEvent(id: EventID("\(id)-event"), referralID: referral.id, from: nil, to: referral.status, actorID: nil,
                                  at: referral.receivedAt, note: "")
        try await createReferral(person: person, referral: referral, event: event, team: team)
    }
}
