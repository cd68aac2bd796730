import Foundation

/// Who hears that a case changed link worker: the person (through their own account, when they have
/// one) and the staff of each provider whose service has an open referral out for them.
public struct ReassignmentAudience: Sendable, Equatable {
    public var personUserIDs: [UserID]
    public var providerUserIDs: [UserID]
    public init(personUserIDs: [UserID] = [], providerUserIDs: [UserID] = []) {
        self.personUserIDs = personUserIDs
        self.providerUserIDs = providerUserIDs
    }
}

extension Case {
    /// A supervisor or administrator moves an open case to another link worker, or (no successor) back to
    /// the supervisors' queue to allocate. The step and its reason go on the case's history; the person
    /// and the providers working with them are told the new link worker's name (in-app, and by e-mail
    /// through the outbox), never the reason.
    public func reassign(to successor: User?, reason: String, audience: ReassignmentAudience,
                         by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard actor.role == .supervisor || actor.role == .admin else {
            throw .forbidden("Only a supervisor or an administrator reassigns cases.")
        }
        guard !referral.status.isFinal, !referral.status.isWaiting else {
            throw .conflict(.reassignNotOnCaseload, ["status": referral.status.rawValue])
        }
        if let successor, successor.role != .linkWorker || !successor.active {
            throw .invalid([FieldError("toLinkWorkerId", .chooseActiveLinkWorker)])
        }
        guard successor?.id != referral.linkWorkerID else {
            throw successor.map { .conflict(.caseAlreadyHeld, ["name": $0.displayName]) } ?? .conflict(.caseAlreadyWaiting)
        }
        var change = handOver(to: successor, reason: reason, by: actor, env: env)
        guard let successor else { return change }
        let now = change.referral.updatedAt
        for id in audience.personUserIDs {
            change.messages.append(MessageBack(id: env.id(), referralID: referral.id, recipientID: id, kind: .reassigned,
                                               body: "Your link worker is now \(successor.displayName).", createdAt: now))
        }
        for id in audience.providerUserIDs {
            change.messages.append(MessageBack(id: env.id(), referralID: referral.id, recipientID: id, kind: .reassigned,
                                               body: "The link worker for \(person.fullName) is now \(successor.displayName).", createdAt: now))
        }
        return change
    }
}

/// Moves open cases to another link worker (or the supervisors' queue), one transaction per case, each
/// audited and told to the person and providers. Used by supervisors reassigning a case or a caseload
/// and by an administrator's hand-over when a link worker leaves, so both follow the same rules.
struct Reassignment {
    typealias Storage = CaseStore & AccountStore & DirectoryStore & AuditStore
    let store: any Storage
    let env: CoreEnvironment

    /// The referrals moved (those already final or already with the successor are refused per case).
    func move(_ ids: [ReferralID], to successor: User?, reason: String, _ request: ServiceRequest) async throws -> [Case] {
        let users = try await store.users()
        var moved: [Case] = []
        for id in ids {
            for attempt in 1...5 {
                guard let current = try await store.loadCase(id) else { break }
                var change = try current.reassign(to: successor, reason: reason, audience: try await audience(of: current, users: users),
                                                  by: request.principal, env: env)
                let updated = change.applied(to: current)
                change.facts = try await CaseworkService.facts(updated, services: store)
                do {
                    try await store.apply(change)
                } catch StorageError.versionConflict where attempt < 5 {
                    continue
                }
                try await AuditTrail(store: store, env: env).record(request, action: "reassign", type: "referral", id: id.rawValue,
                                                                    subject: id, allowed: true)
                moved.append(updated)
                break
            }
        }
        return moved
    }

    /// The person's own active accounts, and the active staff of each organisation with an open referral out.
    private func audience(of c: Case, users: [User]) async throws -> ReassignmentAudience {
        var organisations = Set<OrganisationID>()
        for onward in c.onwardReferrals where [.requested, .accepted, .inProgress, .onHold].contains(onward.status) {
            if let service = try await store.service(id: onward.serviceID) { organisations.insert(service.organisationID) }
        }
        return ReassignmentAudience(
            personUserIDs: users.filter { $0.active && $0.role == .person && $0.personID == c.person.id }.map(\.id),
            providerUserIDs: users.filter { user in user.active && user.role == .provider && user.organisationID.map { organisations.contains($0) } == true }.map(\.id))
    }
}
