import Foundation

/// The person's voice after referral, and the staff work list it feeds. The person acts only on their own
/// referrals (`AccessPolicy.canRead`, checked by `CaseworkService.readCase`); a request to come back goes to
/// the case's link worker and the supervisors, a worry about a group to the supervisors only.
public struct PersonVoiceService: Sendable {
    /// The storage roles this service needs.
    public typealias Storage = PersonRequestStore & CaseStore & AccountStore & DirectoryStore & AuditStore & CaseSummaryStore & ReferenceLookupStore
    let store: any Storage
    let casework: CaseworkService
    let trail: AuditTrail
    var env: CoreEnvironment { casework.env }

    /// Open requests a work list shows at most (a scheme's open requests are a handful; the bound keeps the page fast).
    public static let workListLimit = 200

    public init(store: any Storage, casework: CaseworkService) {
        self.store = store
        self.casework = casework
        self.trail = AuditTrail(store: store, env: casework.env)
    }

    public typealias Request = ServiceRequest

    /// The person's own record with their requests and the plain-words answers to them.
    public struct OwnPage: Sendable {
        public var record: OwnRecordView
        /// Every request the person made, oldest first.
        public var requests: [PersonRequest]
    }

    /// The person's record (audited as `CaseworkService.ownRecord` audits it) and their requests.
    public func ownPage(_ request: Request, accessPage: PageRequest = PageRequest()) async throws -> OwnPage {
        let record = try await casework.ownRecord(request, accessPage: accessPage)
        let requests = try await store.personRequests(referralIDs: record.cases.map(\.referral.id))
        return OwnPage(record: record, requests: requests)
    }

    /// The person's requests only (the API's list).
    public func ownRequests(_ request: Request) async throws -> [PersonRequest] {
        try await ownPage(request).requests
    }

    /// The person asks to come back once their support has ended.
    public func askToComeBack(_ referralID: ReferralID, message: String?, _ request: Request) async throws -> PersonRequest {
        let c = try await ownCase(referralID, request)
        var v = Validator()
        let text = v.optional(message, "message", label: .whatYouWouldLikeHelpWith, max: 2000)
        try v.check()
        guard c.referral.status.isFinal else {
            throw LinkwellError.conflict(.stillSupported)
        }
        return try await add(PersonRequest(id: env.newID(), referralID: c.referral.id, kind: .comeBack, onwardReferralID: nil,
                                           message: text, raisedBy: request.principal.userID, raisedAt: env.now()), request)
    }

    /// The person raises a worry about a group they were referred to; it goes to the supervisors.
    public func raiseWorry(_ referralID: ReferralID, onwardReferralID: String?, message: String?, _ request: Request) async throws -> PersonRequest {
        let c = try await ownCase(referralID, request)
        var v = Validator()
        let onward = onwardReferralID.flatMap { id in c.onwardReferrals.first { $0.id.rawValue == id && $0.status != .enteredInError } }
        if onward == nil { v.add("onwardReferralId", .chooseWorryGroup) }
        let text = v.required(message, "message", label: .yourWorry, max: 5000)
        try v.check()
        return try await add(PersonRequest(id: env.newID(), referralID: c.referral.id, kind: .worry, onwardReferralID: onward?.id,
                                           message: text, raisedBy: request.principal.userID, raisedAt: env.now()), request)
    }

    /// The person gives (`give`) or withdraws consent for one purpose on one of their referrals. Stopping
    /// support altogether needs `confirmed`.
    @discardableResult
    public func changeConsent(_ referralID: ReferralID, purpose: String?, give: Bool, confirmed: Bool, _ request: Request) async throws -> Case {
        guard request.principal.role == .person else { throw LinkwellError.forbidden("Only the person manages their consent from their own record.") }
        return try await casework.act(on: referralID, request, casework: false) { [env] c in
            give ? try c.giveConsent(purpose, by: request.principal, env: env)
                 : try c.withdrawOwnConsent(purpose, confirmed: confirmed, by: request.principal, env: env)
        }
    }

    // MARK: Staff

    /// One request on a staff work list: the request, whose it is, and what it is about.
    public struct WorkItem: Sendable, Codable, Equatable {
        public var request: PersonRequest
        public var personName: String
        /// The group a worry is about.
        public var serviceName: String?
        /// The case's link worker, when it has one.
        public var linkWorkerName: String?
    }

    /// The open requests the caller answers: a link worker's people asking to come back; for a supervisor,
    /// every open request (worries about groups come to supervisors only). The list is audited.
    public func workList(_ request: Request) async throws -> [WorkItem] {
        let p = request.principal
        guard p.role == .linkWorker || p.role == .supervisor else {
            throw LinkwellError.forbidden("Requests from people are answered by link workers and supervisors.")
        }
        // A few set-based reads for the whole list, not a case load per request.
        let requests = try await store.openPersonRequests(limit: Self.workListLimit)
        let referralIDs = Array(Set(requests.map(\.referralID)))
        let people = try await store.personNames(referralIDs: referralIDs)
        let workers = try await store.linkWorkers(referralIDs: referralIDs)
        let onward = try await store.serviceIDs(onwardReferralIDs: Array(Set(requests.compactMap(\.onwardReferralID))))
        let services = Dictionary(try await store.services(ids: Array(Set(onward.values))).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let names = UserNames(try await store.users(ids: Array(Set(workers.values))))
        var items: [WorkItem] = []
        for r in requests {
            guard let personName = people[r.referralID], Self.answers(r, linkWorker: workers[r.referralID], p) else { continue }
            let serviceName = r.onwardReferralID.flatMap { onward[$0] }.flatMap { services[$0] }
            items.append(WorkItem(request: r, personName: personName, serviceName: serviceName, linkWorkerName: names.name(workers[r.referralID])))
        }
        try await trail.record(request, action: "list", type: "person_requests", id: p.userID.rawValue, allowed: true)
        return items
    }

    /// Staff answer a request; the person sees the answer on their record.
    public func answer(_ id: String, answer: String?, _ request: Request) async throws -> PersonRequest {
        let p = request.principal
        let found = try await store.personRequest(id: id)
        let c = try await found.asyncMap { try await store.loadCase($0.referralID) } ?? nil
        let allowed = found.flatMap { r in c.map { Self.answers(r, in: $0, p) } } ?? false
        try await trail.record(request, action: "update", type: "person_request", id: id, subject: found?.referralID, allowed: allowed)
        guard let found, allowed else { throw LinkwellError.notFound("request") }
        var v = Validator()
        let text = v.required(answer, "answer", label: .yourAnswerToThePerson, max: 2000)
        try v.check()
        let now = env.now()
        guard try await store.answerPersonRequest(id: id, by: p.userID, at: now, answer: text) else {
            throw LinkwellError.conflict(.requestAlreadyAnswered)
        }
        var answered = found
        answered.answeredBy = p.userID
        answered.answeredAt = now
        answered.answer = text
        return answered
    }

    /// Who answers a request: supervisors any; the case's own link worker a request to come back.
    static func answers(_ r: PersonRequest, in c: Case, _ p: Principal) -> Bool { answers(r, linkWorker: c.referral.linkWorkerID, p) }

    /// As `answers(_:in:_:)`, from the case's link worker alone.
    static func answers(_ r: PersonRequest, linkWorker: UserID?, _ p: Principal) -> Bool {
        switch p.role {
        case .supervisor: true
        case .linkWorker: r.kind == .comeBack && linkWorker == p.userID
        default: false
        }
    }

    // MARK: Helpers

    /// The person's own case (anyone else's answers "not found", audited by `readCase`).
    private func ownCase(_ id: ReferralID, _ request: Request) async throws -> Case {
        guard request.principal.role == .person else { throw LinkwellError.forbidden("Only the person asks this from their own record.") }
        return try await casework.readCase(id, request)
    }

    private func add(_ r: PersonRequest, _ request: Request) async throws -> PersonRequest {
        do {
            try await store.addPersonRequest(r)
        } catch StorageError.duplicate {
            throw LinkwellError.conflict(r.kind == .comeBack ? .alreadyAskedToComeBack : .worryAlreadyRaised)
        }
        try await trail.record(request, action: "create", type: "person_request", id: r.id, subject: r.referralID, allowed: true)
        return r
    }
}
