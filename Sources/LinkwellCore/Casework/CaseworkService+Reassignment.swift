import Foundation

extension CaseworkService {
    /// How many cases a caseload reassignment moved.
    public struct ReassignmentResult: Codable, Sendable, Equatable {
        public var moved: Int
        public var referralIDs: [ReferralID]
        public init(moved: Int, referralIDs: [ReferralID]) {
            self.moved = moved
            self.referralIDs = referralIDs
        }
    }

    /// A supervisor or administrator moves one open case to another link worker.
    public func reassign(_ id: ReferralID, toLinkWorkerID: String?, reason: String?, _ r: Request) async throws -> Case {
        let (successor, why) = try await reassignment(toLinkWorkerID: toLinkWorkerID, reason: reason, r)
        guard try await store.loadCase(id) != nil else {
            try await audit(r, action: "reassign", type: "referral", id: id.rawValue, allowed: false)
            throw LinkwellError.notFound("referral")
        }
        guard let moved = try await Reassignment(store: store, env: env).move([id], to: successor, reason: why, r).first else {
            throw LinkwellError.notFound("referral")
        }
        return moved
    }

    /// A supervisor or administrator moves every open case of one link worker to another.
    public func reassignCaseload(fromLinkWorkerID: String?, toLinkWorkerID: String?, reason: String?, _ r: Request) async throws -> ReassignmentResult {
        var v = Validator()
        let from = v.required(fromLinkWorkerID, "fromLinkWorkerId", label: .theLinkWorkerWhoseCaseloadMoves)
        try v.check()
        let (successor, why) = try await reassignment(toLinkWorkerID: toLinkWorkerID, reason: reason, r)
        guard let leaving = try await store.user(id: UserID(from)), leaving.role == .linkWorker else {
            throw LinkwellError.invalid([FieldError("fromLinkWorkerId", .chooseLinkWorker)])
        }
        guard leaving.id != successor.id else { throw LinkwellError.invalid([FieldError("toLinkWorkerId", .chooseDifferentLinkWorker)]) }
        let open = try await store.referrals(ReferralQuery(linkWorkerID: leaving.id, limit: Int.max / 2)).filter { !$0.status.isFinal && !$0.status.isWaiting }
        let moved = try await Reassignment(store: store, env: env).move(open.map(\.id), to: successor, reason: why, r)
        return ReassignmentResult(moved: moved.count, referralIDs: moved.map(\.referral.id))
    }

    /// For the reassignment form: every link worker (those who left too, whose cases may still need
    /// moving) with their open cases; supervisors and administrators only.
    public struct LinkWorkerLoad: Codable, Sendable, Equatable {
        public var linkWorkerID: UserID
        public var name: String
        public var active: Bool
        public var open: Int
    }

    public func linkWorkerLoads(_ r: Request) async throws -> [LinkWorkerLoad] {
        guard r.principal.role == .supervisor || r.principal.role == .admin else {
            throw LinkwellError.forbidden("Only a supervisor or an administrator reassigns cases.")
        }
        let counts = Dictionary(try await store.caseloadCounts(receivedSince: env.now()).map { ($0.linkWorkerID, $0.open) }, uniquingKeysWith: { a, _ in a })
        return try await store.users().filter { $0.role == .linkWorker }.map {
            LinkWorkerLoad(linkWorkerID: $0.id, name: $0.displayName, active: $0.active, open: counts[$0.id] ?? 0)
        }
    }

    /// Checks the caller, the reason and the link worker taking over (shared by both reassignments).
    private func reassignment(toLinkWorkerID: String?, reason: String?, _ r: Request) async throws -> (User, String) {
        guard r.principal.role == .supervisor || r.principal.role == .admin else {
            throw LinkwellError.forbidden("Only a supervisor or an administrator reassigns cases.")
        }
        var v = Validator()
        let to = v.required(toLinkWorkerID, "toLinkWorkerId", label: .theLinkWorkerTakingOver)
        let why = v.required(reason, "reason", label: .aReasonForTheReassignment, max: 1000)
        try v.check()
        guard let successor = try await store.user(id: UserID(to)), successor.role == .linkWorker, successor.active else {
            throw LinkwellError.invalid([FieldError("toLinkWorkerId", .chooseActiveLinkWorker)])
        }
        return (successor, why)
    }
}
