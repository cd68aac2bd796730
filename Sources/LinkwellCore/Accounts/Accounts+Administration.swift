import Foundation

extension Accounts {
    /// What happens to a leaving link worker's open referrals.
    public enum Handover: Sendable, Equatable {
        /// Nothing: refused while they have open referrals.
        case none
        /// Every open referral goes to this link worker.
        case linkWorker(UserID)
        /// Every open referral goes back to the supervisors, unallocated, for them to allocate again.
        case supervisors

        /// Reads the form or API value: empty, `supervisors`, or a link worker's id.
        public init(_ raw: String?) {
            let value = (raw ?? "").trimmingCharacters(in: .whitespaces)
            switch value {
            case "": self = .none
            case "supervisors": self = .supervisors
            default: self = .linkWorker(UserID(value))
            }
        }
    }

    /// One user as the administrator sees them: the account, whether it is locked, whether two-factor
    /// sign-in is set up, and how many open referrals they hold.
    public struct UserRow: Sendable {
        public var user: User
        public var locked: Bool
        public var twoFactor: Bool
        public var openReferrals: Int
    }

    /// The active link workers (an administrator choosing whom to hand a caseload to): only link workers are read,
    /// chosen in the store, without the per-user counts of `UserRow`.
    public func activeLinkWorkers(_ request: Request) async throws -> [User] {
        try requireAdmin(request)
        return try await store.users(matching: UserFilter(role: .linkWorker), page: PageNumber(1, size: PageNumber.maximum)).filter(\.active)
    }

    /// A page of the users the filter keeps (an administrator), by name then id, filtered and read by keyset in the store.
    public func users(matching filter: UserFilter, keyset page: PageRequest, _ request: Request) async throws -> Page<UserRow> {
        try requireAdmin(request)
        let page = try page.requireNamed()
        let users = Page(fetched: try await store.users(matching: filter, keyset: page.fetching), limit: page.limit) {
            PageCursor(name: $0.displayName, id: $0.id.rawValue)
        }
        var rows: [UserRow] = []
        for user in users.rows { rows.append(try await row(user)) }
        return Page(rows: rows, next: users.next)
    }

    /// One numbered page of the users the filter keeps, in name order, with how many it keeps (an administrator).
    public func users(matching filter: UserFilter, page: PageNumber, _ request: Request) async throws -> CountedPage<UserRow> {
        try requireAdmin(request)
        return try await CountedPage.load(page, count: { try await store.countUsers(matching: filter) },
                                          rows: { try await store.users(matching: filter, page: $0) }).map(row)
    }

    private func row(_ user: User) async throws -> UserRow {
        UserRow(user: user, locked: try await isLocked(user), twoFactor: user.twoFactorSecret != nil,
                openReferrals: user.role == .linkWorker ? try await openReferrals(of: user.id).count : 0)
    }

    /// One user (an administrator).
    public func user(_ id: String, _ request: Request) async throws -> UserRow {
        try requireAdmin(request)
        guard let user = try await store.user(id: UserID(id)) else { throw LinkwellError.notFound("user") }
        return UserRow(user: user, locked: try await isLocked(user), twoFactor: user.twoFactorSecret != nil,
                       openReferrals: try await openReferrals(of: user.id).count)
    }

    func openReferrals(of linkWorker: UserID) async throws -> [ReferralSummary] {
        try await store.referrals(ReferralQuery(linkWorkerID: linkWorker, limit: Int.max / 2)).filter { !$0.status.isFinal }
    }

    /// Deactivates a user: their sessions end and their API tokens are revoked at once, and they can no
    /// longer sign in. A link worker's open referrals must be handed over first, or sent back to the
    /// supervisors. Nothing is deleted: their name stays on everything they did.
    public func deactivate(_ id: String, handover: Handover, _ request: Request) async throws -> User {
        try requireAdmin(request)
        guard var user = try await store.user(id: UserID(id)) else { throw LinkwellError.notFound("user") }
        guard user.id != request.principal.userID else { throw LinkwellError.conflict(.cannotDeactivateSelf) }
        guard user.active else { return user }
        try await handOver(from: user, handover, request)
        user.active = false
        try await store.updateUser(user)
        try await store.deleteSessions(userID: user.id)
        let tokens = try await store.tokens(userID: user.id).filter { !$0.revoked }
        if !tokens.isEmpty { try await store.revokeTokens(ids: tokens.map(\.id), at: env.now()) }
        try await audit(request.principal.userID, "user-deactivated", id: user.id.rawValue, route: request.route)
        return user
    }

    /// Lets a deactivated user sign in again (their old sessions and tokens stay ended).
    public func reactivate(_ id: String, _ request: Request) async throws -> User {
        try requireAdmin(request)
        guard var user = try await store.user(id: UserID(id)) else { throw LinkwellError.notFound("user") }
        guard !user.active else { return user }
        user.active = true
        try await store.updateUser(user)
        try await audit(request.principal.userID, "user-reactivated", id: user.id.rawValue, route: request.route)
        return user
    }

    /// Changes a user's role. A link worker leaving the role hands over their open referrals as for
    /// deactivation; providers need an organisation; people's own accounts are not staff roles and
    /// cannot be given or taken away here. Their sessions end, so the new role starts with a new sign-in.
    public func changeRole(_ id: String, to raw: String?, organisationID: String? = nil, handover: Handover = .none, _ request: Request) async throws -> User {
        try requireAdmin(request)
        guard var user = try await store.user(id: UserID(id)) else { throw LinkwellError.notFound("user") }
        var v = Validator()
        let role = v.choice(raw, "role", label: .role, as: Role.self)
        try v.check()
        guard let role, role != user.role else { return user }
        if role == .person || user.role == .person {
            throw LinkwellError.invalid([FieldError("role", .personAccountRoleFixed)])
        }
        if user.id == request.principal.userID { throw LinkwellError.conflict(.cannotChangeOwnRole) }
        if let raw = organisationID?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard try await store.organisation(id: OrganisationID(raw)) != nil else { throw LinkwellError.invalid([FieldError("organisationId", .organisationUnknown, ["id": raw])]) }
            user.organisationID = OrganisationID(raw)
        }
        if role == .provider && user.organisationID == nil {
            throw LinkwellError.invalid([FieldError("organisationId", .providerNeedsOrganisation)])
        }
        if user.role == .linkWorker { try await handOver(from: user, handover, request) }
        user.role = role
        try await store.updateUser(user)
        try await store.deleteSessions(userID: user.id)
        try await audit(request.principal.userID, "role-changed-to-\(role.rawValue)", id: user.id.rawValue, route: request.route)
        return user
    }

    /// Ends a lockout after failed sign-ins.
    public func unlock(_ id: String, _ request: Request) async throws {
        try requireAdmin(request)
        guard let user = try await store.user(id: UserID(id)) else { throw LinkwellError.notFound("user") }
        try await store.clearSignInFailures(key: Self.accountKey(user.email))
        try await audit(request.principal.userID, "account-unlocked", id: user.id.rawValue, route: request.route)
    }

    /// Removes a user's two-factor set-up (a lost phone): they set it up again at their next sign-in
    /// where their role requires it. Their sessions end.
    public func resetTwoFactor(_ id: String, _ request: Request) async throws {
        try requireAdmin(request)
        guard var user = try await store.user(id: UserID(id)) else { throw LinkwellError.notFound("user") }
        user.twoFactorSecret = nil
        user.twoFactorPendingSecret = nil
        try await store.updateUser(user)
        try await store.replaceRecoveryCodes(userID: user.id, hashes: [])
        try await store.deleteSessions(userID: user.id)
        try await audit(request.principal.userID, "two-factor-reset", id: user.id.rawValue, route: request.route)
    }

    /// Moves a leaving link worker's open referrals as asked, each one audited on the case's history.
    func handOver(from user: User, _ handover: Handover, _ request: Request) async throws {
        guard user.role == .linkWorker else { return }
        let open = try await openReferrals(of: user.id)
        guard !open.isEmpty else { return }
        let successor: User?
        switch handover {
        case .none:
            throw LinkwellError.conflict(open.count == 1 ? .openReferralToHandOver : .openReferralsToHandOver, ["name": user.displayName, "count": String(open.count)])
        case .supervisors:
            successor = nil
        case .linkWorker(let id):
            guard id != user.id, let other = try await store.user(id: id), other.role == .linkWorker, other.active else {
                throw LinkwellError.invalid([FieldError("handover", .chooseHandoverLinkWorker)])
            }
            successor = other
        }
        // The same path as a supervisor's reassignment: audited per case, the person and providers told.
        // Waiting referrals a leaver had triaged have no link worker, so every open one here is on the caseload.
        _ = try await Reassignment(store: store, env: env).move(open.map(\.id), to: successor,
                                                                 reason: successor == nil ? "" : "\(user.displayName) left", request)
    }
}
