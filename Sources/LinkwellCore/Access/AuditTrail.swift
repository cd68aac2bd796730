import Foundation

/// Who is asking and through which route: every service call carries one, so that every read can be audited.
public struct ServiceRequest: Sendable {
    public var principal: Principal
    public var route: String
    public init(_ principal: Principal, route: String) {
        self.principal = principal
        self.route = route
    }
}

/// Writes the append-only audit trail. Shared by every service, so that each records reads the same way.
public struct AuditTrail: Sendable {
    private let store: any AuditStore
    private let env: CoreEnvironment

    public init(store: any AuditStore, env: CoreEnvironment) {
        self.store = store
        self.env = env
    }

    /// Records one access. `subject` names the referral whose person the record belongs to, when the record
    /// is not the referral itself (a referral out, a measure, an export row), so the person's own access log
    /// finds it.
    public func record(_ request: ServiceRequest, action: String, type: String, id: String,
                       subject: ReferralID? = nil, allowed: Bool) async throws {
        try await store.append(entry(request, action: action, type: type, id: id, subject: subject, allowed: allowed))
    }

    /// The entry `record` would store, made now and stored by the caller: a casework change stores the read it was made
    /// from in its own transaction (`CaseChange.audit`), or on its own (`store(_:)`) when no change is stored.
    public func entry(_ request: ServiceRequest, action: String, type: String, id: String,
                      subject: ReferralID? = nil, allowed: Bool) -> AuditEvent {
        AuditEvent(id: env.newID(), at: env.now(), actorID: request.principal.userID, action: action, recordType: type,
                   recordID: id, route: request.route, outcome: allowed ? .allowed : .denied, subjectID: subject)
    }

    /// Stores an entry made by `entry`.
    public func store(_ entry: AuditEvent) async throws { try await store.append(entry) }
}
