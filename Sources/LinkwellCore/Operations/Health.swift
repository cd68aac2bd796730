import Foundation

/// What a readiness check needs to know about storage.
public struct StoreHealth: Sendable, Equatable, Codable {
    /// Schema migrations this build has that the database has not applied yet.
    public var pendingMigrations: [Int]
    /// E-mails waiting to be sent (queued, not failed for good).
    public var outboxQueued: Int
    /// E-mails that failed for good.
    public var outboxFailed: Int

    public init(pendingMigrations: [Int], outboxQueued: Int, outboxFailed: Int) {
        self.pendingMigrations = pendingMigrations
        self.outboxQueued = outboxQueued
        self.outboxFailed = outboxFailed
    }
}

/// Storage's side of health checks. Every implementation must answer from the database itself
/// (so that an unreachable database throws) and cheaply (a load balancer asks every few seconds).
public protocol HealthStore: Sendable {
    /// The schema and outbox state, read now.
    func health() async throws -> StoreHealth
}

/// Whether this instance should receive traffic: the database answers, its schema is current and
/// the e-mail outbox is not backing up (a stuck relay shows here before people notice).
public struct HealthService: Sendable {
    private let store: any HealthStore
    /// Queued e-mails above which the instance reports itself not ready.
    public let outboxThreshold: Int

    public init(store: any HealthStore, outboxThreshold: Int = 1000) {
        self.store = store
        self.outboxThreshold = outboxThreshold
    }

    /// The answer of `/readyz`: each check by name, "ok" or what is wrong.
    public struct Readiness: Codable, Sendable, Equatable {
        public var ready: Bool
        public var checks: [String: String]
    }

    public func storeHealth() async throws -> StoreHealth { try await store.health() }

    /// Never throws: a database that cannot be reached makes the instance not ready.
    public func readiness() async -> Readiness {
        let health: StoreHealth
        do {
            health = try await store.health()
        } catch {
            return Readiness(ready: false, checks: ["database": "unreachable", "migrations": "unknown", "outbox": "unknown"])
        }
        var checks = ["database": "ok"]
        checks["migrations"] = health.pendingMigrations.isEmpty ? "ok" : "pending: \(health.pendingMigrations.map(String.init).joined(separator: ", "))"
        checks["outbox"] = health.outboxQueued <= outboxThreshold ? "ok"
            : "\(health.outboxQueued) e-mails queued, above the threshold of \(outboxThreshold)"
        return Readiness(ready: checks.values.allSatisfy { $0 == "ok" }, checks: checks)
    }
}
