import Foundation

/// The community group's voice on a referral out (issue #16): threads, concerns, notices and overdue
/// requests. Every read goes through `readCase` or `providerCase`, so it is checked and audited like
/// any other read of the case.
extension CaseworkService {
    /// The notices to community groups that this change calls for (`GroupNotices`), added to it.
    func withGroupNotices(_ change: CaseChange, before: Case, services: [ServiceID: Service]) -> CaseChange {
        var change = change
        GroupNotices.add(to: &change, before: before, services: services, env: env)
        return change
    }

    /// One referral out's thread as it is shown: each message with its author's name.
    public struct ThreadEntry: Codable, Sendable, Equatable {
        public var id: String
        public var onwardReferralID: OnwardReferralID
        public var side: ThreadSide
        public var authorName: String
        public var body: String
        public var at: Date
    }

    private func entries(_ messages: [OnwardMessage]) async throws -> [ThreadEntry] {
        let names = try await staffNames(namedIn: messages)
        return messages.map {
            ThreadEntry(id: $0.id, onwardReferralID: $0.onwardReferralID, side: $0.side, authorName: names[$0.authorID], body: $0.body, at: $0.at)
        }
    }

    /// The threads of every referral out of a case the caller has already read (and so had audited) through
    /// `readCase`; only staff who work the case see them.
    public func threads(of c: Case, _ request: Request) async throws -> [ThreadEntry] {
        guard AccessPolicy.canWork(c, request.principal) else { throw LinkwellError.notFound("referral") }
        return try await entries(try await store.onwardMessages(referralID: c.referral.id))
    }

    /// The link worker's (or a supervisor's) view of one referral out's thread: read and audited like the case.
    public func thread(_ referralID: ReferralID, onward onwardID: OnwardReferralID, _ request: Request) async throws -> [ThreadEntry] {
        let c = try await readCase(referralID, request)
        guard c.onward(onwardID) != nil else { throw LinkwellError.notFound("referral out") }
        return try await threads(of: c, request).filter { $0.onwardReferralID == onwardID }
    }

    /// The group's view of the thread of a referral out to one of its services (audited as a read of it).
    public func providerThread(_ onwardID: OnwardReferralID, _ request: Request) async throws -> [ThreadEntry] {
        let (c, _, _) = try await providerCase(onwardID, request)
        return try await entries(try await store.onwardMessages(referralID: c.referral.id).filter { $0.onwardReferralID == onwardID })
    }

    /// The link worker or a supervisor writes to the group on a referral out's thread.
    public func postToThread(_ referralID: ReferralID, onward onwardID: OnwardReferralID, body: String?,
                             _ request: Request) async throws -> [ThreadEntry] {
        let c = try await readCase(referralID, request)
        guard AccessPolicy.canWork(c, request.principal) else {
            throw LinkwellError.forbidden("Only the case's link worker or a supervisor can do this.")
        }
        try await store.addOnwardMessage(try c.threadMessage(onwardID, body: body, by: request.principal, env: env))
        return try await entries(try await store.onwardMessages(referralID: referralID).filter { $0.onwardReferralID == onwardID })
    }

    /// The group writes to the link worker on the thread of a referral out to one of its services.
    public func providerPost(_ onwardID: OnwardReferralID, body: String?, _ request: Request) async throws -> [ThreadEntry] {
        let (c, _, _) = try await providerCase(onwardID, request)
        try await store.addOnwardMessage(try c.threadMessage(onwardID, body: body, by: request.principal, env: env))
        return try await entries(try await store.onwardMessages(referralID: c.referral.id).filter { $0.onwardReferralID == onwardID })
    }

    /// The group raises a concern about the person; it joins the supervisors' safeguarding queue.
    public func raiseGroupConcern(_ onwardID: OnwardReferralID, description: String?, _ request: Request) async throws -> ProviderView {
        try await providerAct(onwardID, request) { [env] c in
            try c.raiseGroupConcern(onwardID, description: description, by: request.principal, env: env)
        }
    }

    /// A page of the notices to the caller's community group (new referrals out, cases ended), newest first, read by
    /// keyset in the store.
    public func groupNotices(_ request: Request, page: PageRequest) async throws -> Page<MessageBack> {
        guard request.principal.role == .provider, let org = request.principal.organisationID else {
            throw LinkwellError.forbidden("Only community group staff have notices.")
        }
        let page = try page.requireTimed()
        let kinds = MessageKind.allCases.filter(\.isGroupNotice)
        return Page(fetched: try await store.messages(organisationID: org, kinds: kinds, keyset: page.fetching), limit: page.limit) {
            PageCursor(at: $0.createdAt, id: $0.id.rawValue)
        }
    }

    /// A referral out waiting for an answer past the handover agreement's window.
    public struct OverdueRequest: Codable, Sendable, Equatable {
        public var onwardReferralID: OnwardReferralID
        public var referralID: ReferralID
        public var serviceName: String
        /// Withheld from a group once the person withdraws consent to share with community services.
        public var personName: String
        public var sentAt: Date
        public var answerDue: Date
        public var daysOverdue: Int
    }

    /// Requests unanswered past the handover agreement's window: a link worker's own cases', a
    /// supervisor's whole team's, or those sent to a group's services. Audited as a list, unless `besideCaseload`: the
    /// caseload page's own entry covers the panel beside it (one access-log commit a view, not two).
    public func overdueRequests(_ request: Request, besideCaseload: Bool = false) async throws -> [OverdueRequest] {
        let p = request.principal
        let rows: [OpenOnwardRequest], now = env.now()
        switch p.role {
        case .linkWorker: rows = try await store.openOnwardRequests(linkWorkerID: p.userID, organisationID: nil, overdueAt: now)
        case .supervisor: rows = try await store.openOnwardRequests(linkWorkerID: nil, organisationID: nil, overdueAt: now)
        case .provider:
            guard let org = p.organisationID else { throw LinkwellError.forbidden("Your account belongs to no community group.") }
            rows = try await store.openOnwardRequests(linkWorkerID: nil, organisationID: org, overdueAt: now)
        default: throw LinkwellError.forbidden("Overdue referrals out are for link workers, supervisors and community groups.")
        }
        if !besideCaseload { try await auditOwnList(request, "overdue_onward_referrals") }
        return Self.overdue(rows, role: p.role, at: now)
    }

    /// The requests among `rows` overdue at `now`, as a caller of `role` sees them (a community group, the person's name
    /// only while they consent to share it with community services).
    static func overdue(_ rows: [OpenOnwardRequest], role: Role, at now: Date) -> [OverdueRequest] {
        rows.filter { $0.isOverdue(at: now) }.map { row in
            let due = row.createdAt.addingTimeInterval(TimeInterval(row.returnWindowDays) * 86_400)
            let named = role != .provider || row.consentPurposes.contains(.shareWithProviders)
            return OverdueRequest(onwardReferralID: row.onwardReferralID, referralID: row.referralID, serviceName: row.serviceName,
                                  personName: named ? row.personName : ProviderView.withheld, sentAt: row.createdAt, answerDue: due,
                                  daysOverdue: Int(now.timeIntervalSince(due) / 86_400))
        }
    }
}
