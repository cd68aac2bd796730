import Foundation

/// The use cases of the journey: access checks, auditing, the casework rules and storage, in one place
/// that the web controllers, the commands and the demo seeder all call. The store is private: every read
/// goes through a method here that checks who is asking, audits it, and returns what that role may see.
public struct CaseworkService: Sendable {
    /// The storage roles casework needs (contracts only to say which contracts fund a referral).
    public typealias Storage = CaseStore & CaseSummaryStore & AccountStore & OrganisationStore & CodeListStore & DirectoryStore & AuditStore & SettingsStore & SupervisionStore & CommissioningStore & OutcomeStore & KeysetListStore & StaffListStore & BoundedListStore
        & TeamStore & CaseloadPanelStore & OnwardThreadStore & CommunityDirectoryStore & ReferrerHomeStore & ReferenceLookupStore
    let store: any Storage
    public let env: CoreEnvironment
    public let rules: CaseworkRules
    let trail: AuditTrail

    public init(store: any Storage, env: CoreEnvironment, rules: CaseworkRules = .standard) {
        self.store = store
        self.env = env
        self.rules = rules
        self.trail = AuditTrail(store: store, env: env)
    }

    /// Who is asking and through which route (for the audit trail).
    public typealias Request = ServiceRequest

    // MARK: Referral in

    /// A referrer (or, with no principal, the person themself) makes a referral.
    public func submitReferral(_ submission: ReferralSubmission, by principal: Principal?) async throws -> Case {
        if let principal, ![.referrer, .linkWorker, .supervisor].contains(principal.role) {
            throw LinkwellError.forbidden("Your role cannot make referrals.")
        }
        var submission = submission
        // Needs may come coded (`system|code`); they are recorded as the local values they map to.
        if let needs = submission.needs { submission.needs = try await CodeListService(store: store).resolve(needs, in: .needs, field: "needs") }
        var practices = ReferralSubmission.PracticeLookup()
        if let typed = submission.person?.gpPracticeCode {
            // A name (not an ODS code) is resolved in the database: one match is that practice; none or several
            // are a form error listing the matches.
            let resolved = try await resolvePractice(typed)
            submission.person?.gpPracticeCode = resolved.code
            practices.nameMatches = resolved.matches
        }
        let code = submission.gpPracticeCode
        if !code.isEmpty { practices.named = try await store.organisation(odsCode: code) }
        if let own = principal?.organisationID { practices.referrersOrganisation = try await store.organisation(id: own) }
        let (person, referral) = try submission.validated(by: principal, env: env, practices: practices)
        let settings = try await store.schemeSettings()
        if !settings.pathways.isEmpty && !referral.pathway.isEmpty && !settings.pathways.contains(referral.pathway) {
            throw LinkwellError.invalid([FieldError("pathway", .pathwayUnknown, ["allowed": settings.pathways.joined(separator: ", ")])])
        }
        let event = ReferralEvent(id: env.id(), referralID: referral.id, from: nil, to: .received,
                                  actorID: principal?.userID, at: referral.receivedAt, note: try await chosenServiceNote(submission.chosenServiceId))
        // The teams' routing rules put it on one team's waiting list (or none: the scheme-wide list), in the
        // referral's own transaction.
        let team = RoutingRule.route(person, referral, rules: try await store.routingRules())
        try await store.createReferral(person: person, referral: referral, event: event, team: team)
        return Case(person: person, referral: referral, events: [event])
    }

    /// The note that carries a service chosen in the public directory into the referral: it must be a
    /// service the directory lists and still running (a closed one cannot be asked for).
    func chosenServiceNote(_ id: String?) async throws -> String {
        let id = id?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !id.isEmpty else { return "" }
        guard id.count <= 200, let listing = try await store.listing(id: id) else {
            throw LinkwellError.invalid([FieldError("chosenServiceId", .chosenServiceUnknown, ["id": id])])
        }
        guard PublicServiceView(listing.service, organisation: nil, distanceKm: nil).isOpen else {
            throw LinkwellError.invalid([FieldError("chosenServiceId", .chosenServiceClosed, ["service": listing.service.name])])
        }
        return "Asked to be referred to \(listing.service.name) (chosen in the public directory)."
    }

    // MARK: Reading, always audited

    /// Reads a case the caller may see; anyone else is told it does not exist, and the attempt is audited.
    public func readCase(_ id: ReferralID, _ request: Request) async throws -> Case {
        try await readCase(id, request, auditAllowed: true)
    }

    /// `auditAllowed: false` is for a caller that stores the allowed read's entry itself (`act` stores it in the change's
    /// transaction); a refused read is always audited at once.
    private func readCase(_ id: ReferralID, _ request: Request, auditAllowed: Bool) async throws -> Case {
        let found = try await store.loadCase(id)
        let allowed = found.map { AccessPolicy.canRead($0, request.principal) } ?? false
        if auditAllowed || !allowed {
            try await audit(request, action: "read", type: "referral", id: id.rawValue, allowed: allowed)
        }
        guard allowed, let found else { throw LinkwellError.notFound("referral") }
        return found
    }

    /// `readCase` of several cases, read together (`loadCases`): each read is checked and audited on its own; any
    /// refused (or gone) answers "not found", as one refused `readCase` would.
    func readCases(_ ids: [ReferralID], _ request: Request) async throws -> [Case] {
        let found = Dictionary(try await store.loadCases(ids).map { ($0.referral.id, $0) }, uniquingKeysWith: { a, _ in a })
        var cases: [Case] = []
        for id in ids {
            let allowed = found[id].map { AccessPolicy.canRead($0, request.principal) } ?? false
            try await audit(request, action: "read", type: "referral", id: id.rawValue, allowed: allowed)
            guard allowed, let c = found[id] else { throw LinkwellError.notFound("referral") }
            cases.append(c)
        }
        return cases
    }

    /// The caller's lists: a referrer's own referrals, a link worker's caseload and the waiting list,
    /// or (supervisor) the whole team's.
    public func caseload(_ request: Request) async throws -> [ReferralSummary] {
        let p = request.principal
        let rows: [ReferralSummary]
        switch p.role {
        case .referrer:
            rows = try await store.referrals(ReferralQuery(referrerID: p.userID)).map(ReferrerCaseView.row)
        case .linkWorker:
            let mine = try await store.referrals(ReferralQuery(linkWorkerID: p.userID))
            var waitingQuery = ReferralQuery(unallocatedOnly: true, statuses: [.received, .triaged])
            waitingQuery.waitingFor = p.userID
            let waiting = try await store.referrals(waitingQuery)
            rows = mine + waiting
        case .supervisor:
            rows = try await store.referrals(ReferralQuery())
        default:
            throw LinkwellError.forbidden("Your role has no caseload.")
        }
        try await auditOwnList(request, "caseload")
        return rows
    }

    /// The parts of a caseload, each paged on its own on the web page.
    public enum CaseList: String, Sendable, CaseIterable {
        /// Everything the caller may list (the API's list).
        case all
        /// Referrals no link worker has picked up yet.
        case waiting
        /// Referrals being worked: neither waiting nor ended.
        case active
        /// Referrals that have ended.
        case closed
        /// Waiting referrals the referrer marked as needing contact soon.
        case urgent

        var statuses: [ReferralStatus]? {
            switch self {
            case .all: nil
            case .waiting, .urgent: ReferralStatus.allCases.filter(\.isWaiting)
            case .active: ReferralStatus.allCases.filter { !$0.isWaiting && !$0.isFinal }
            case .closed: ReferralStatus.allCases.filter(\.isFinal)
            }
        }
    }

    /// One part of the caller's caseload: a page of it, where the next page starts, and how many there are in all.
    public struct CaseloadList: Sendable {
        public var list: CaseList
        public var rows: [ReferralSummary]
        public var next: PageCursor?
        public var total: Int
    }

    /// Who the caller's caseload is: a referrer's own referrals, a link worker's caseload with the
    /// waiting list, or (supervisor) every referral.
    func caseloadQuery(_ p: Principal, _ list: CaseList, search: String?, team: CaseloadTeam? = nil) throws -> ReferralQuery {
        var query: ReferralQuery
        switch p.role {
        case .referrer: query = ReferralQuery(referrerID: p.userID)
        case .linkWorker:
            // Their caseload, and the waiting referrals that are theirs to pick up: their teams' and the
            // scheme-wide list's (`AccessPolicy.mayPickUp`).
            query = ReferralQuery(linkWorkerID: p.userID, includeWaiting: true)
            query.waitingFor = p.userID
        case .supervisor: query = ReferralQuery()
        default: throw LinkwellError.forbidden("Your role has no caseload.")
        }
        query.statuses = list.statuses
        if let team {
            query.teamID = team.id
            query.teamMembers = team.members
        }
        // A queue is worked from the front: the waiting list longest-waiting first; the rest newest first.
        query.oldestFirst = list == .waiting || list == .urgent
        if list == .urgent { query.urgency = .soon }
        let search = search?.trimmingCharacters(in: .whitespaces) ?? ""
        if search.count > 100 { throw LinkwellError.invalid([FieldError("q", .searchTooLong, ["max": "100"])]) }
        switch CaseSearch(search) {
        case .none: break
        case .nhsNumber(let number): query.nhsNumber = number.digits
        case .dateOfBirth(let date): query.dateOfBirth = date
        case .name(let text): query.search = text
        }
        return query
    }

    /// One page of the caller's caseload (newest first; the waiting list longest-waiting first), searched by
    /// name, NHS number or date of birth in the database (see `CaseSearch`); audited as a list, like the whole caseload.
    public func caseload(_ request: Request, list: CaseList = .all, page: PageRequest, search: String? = nil) async throws -> Page<ReferralSummary> {
        try await caseloadLists(request, lists: [(list, page)], search: search, counted: false)[0].page
    }

    /// Several parts of the caller's caseload at once (the web page's groups), each a page with its
    /// total; one audit entry for the whole list.
    /// `team` narrows every part to one team's caseload (`caseloadTeam`).
    public func caseloadLists(_ request: Request, lists: [(CaseList, PageRequest)], search: String? = nil, team: String? = nil,
                              counted: Bool = true) async throws -> [(list: CaseList, page: Page<ReferralSummary>, total: Int)] {
        let p = request.principal
        let team = try await caseloadTeam(team, p)
        var result: [(list: CaseList, page: Page<ReferralSummary>, total: Int)] = []
        for (list, page) in lists {
            var query = try caseloadQuery(p, list, search: search, team: team)
            let total = counted ? try await store.countReferrals(query) : 0
            query.after = page.after
            query.limit = page.limit + 1
            var rows = Page(fetched: try await store.referrals(query), limit: page.limit, cursor: \.cursor)
            if p.role == .referrer { rows = rows.map(ReferrerCaseView.row) }
            result.append((list, rows, total))
        }
        try await auditOwnList(request, "caseload")
        return result
    }

    /// Several parts of the caller's caseload at once as numbered pages (the web page's groups): each counted, its
    /// page clamped to the count, then read with `LIMIT`/`OFFSET` in the list's order; one audit entry for them all.
    public func caseloadPages(_ request: Request, lists: [(CaseList, PageNumber)], search: String? = nil,
                              team: String? = nil) async throws -> [(list: CaseList, page: CountedPage<ReferralSummary>)] {
        let p = request.principal
        let team = try await caseloadTeam(team, p)
        let queries = try lists.map { (list, number) in (number, try caseloadQuery(p, list, search: search, team: team)) }
        func window(_ query: ReferralQuery, _ page: PageNumber) -> ReferralQuery {
            var window = query
            (window.offset, window.limit) = (page.offset, page.size)
            return window
        }
        var rows = [[ReferralSummary]](repeating: [], count: queries.count)
        let totals: [Int], shown: [PageNumber]
        if queries.allSatisfy({ $0.0.number == 1 }) {
            // First pages (the whole caseload) are never past the end: counted and read together with the read's
            // access-log entry, one statement on PostgreSQL.
            let found = try await store.countedReferrals(queries.map { window($0.1, $0.0) }, logging: ownListEntry(request, "caseload"))
            (totals, shown, rows) = (found.totals, queries.map(\.0), found.rows)
        } else {
            // Every group counted together, each page clamped to its count, then every group's page read together: two
            // statements on SQL, where each group's count and page were a statement of their own.
            totals = try await store.countReferrals(queries.map(\.1))
            shown = queries.indices.map { queries[$0].0.clamped(total: totals[$0]) }
            let nonEmpty = queries.indices.filter { totals[$0] > 0 }
            let read = try await store.referrals(nonEmpty.map { window(queries[$0].1, shown[$0]) })
            for (index, list) in zip(nonEmpty, read) { rows[index] = list }
            try await auditOwnList(request, "caseload")
        }
        if p.role == .referrer { rows = rows.map { $0.map(ReferrerCaseView.row) } }
        let pages = queries.indices.map { CountedPage(rows: rows[$0], total: totals[$0], page: shown[$0]) }
        return zip(lists.map(\.0), pages).map { (list: $0, page: $1) }
    }

    /// The names of the people the caller's own messages back are about (those addressed to them, about referrals
    /// they made, whose names they already see in their list); messages to their practice stay unnamed, as the
    /// practice cannot open those cases here. Audited as a list.
    public func messageSubjects(_ request: Request, of messages: [MessageBack]) async throws -> [ReferralID: String] {
        let own = messages.filter { $0.recipientID == request.principal.userID }.map(\.referralID)
        guard !own.isEmpty else { return [:] }
        let names = try await store.personNames(referralIDs: Array(Set(own)))
        try await auditOwnList(request, "messages")
        return names
    }

    /// The caller's messages back, newest first (the first page): those to them, and (someone working at a
    /// GP practice) those to their practice about its registered patients.
    public func messages(_ request: Request) async throws -> [MessageBack] {
        try await messages(request, page: PageRequest()).rows
    }

    /// A page of the messages back to the caller, newest first, with the practice's messages merged in by
    /// the same order: both read by keyset in the store (a page and one row more of each after the same cursor),
    /// so a practice with years of messages costs a page, not all of them.
    public func messages(_ request: Request, page: PageRequest) async throws -> Page<MessageBack> {
        let fetch = page.fetching
        let cursor = { (m: MessageBack) in PageCursor(at: m.createdAt, id: m.id.rawValue) }
        var rows = try await store.messages(recipientID: request.principal.userID, page: fetch)
        if request.principal.role == .referrer, let organisationID = request.principal.organisationID,
           try await store.organisation(id: organisationID)?.kind == .gpPractice {
            let practice = try await store.messages(organisationID: organisationID, kinds: nil, keyset: fetch)
            rows = Array((rows + practice).sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }.prefix(fetch.limit))
        }
        return Page(fetched: rows, limit: page.limit, cursor: cursor)
    }

    /// The case as a referrer may see it (`ReferrerCaseView`), read and audited like any read.
    /// Opening it marks the messages back to the caller about it read.
    public func referrerView(_ id: ReferralID, _ request: Request) async throws -> ReferrerCaseView {
        let view = try await referrerView(of: try await readCase(id, request), request)
        try await markRead(view.messages.filter { $0.recipientID == request.principal.userID }, request)
        return view
    }

    /// The view a referrer gets of a case they just changed or made.
    public func referrerView(of c: Case, _ request: Request) async throws -> ReferrerCaseView {
        ReferrerCaseView(c, viewer: request.principal.userID, names: try await staffNames(namedIn: c), serviceNames: try await serviceNames(of: [c]))
    }

    // MARK: Reference data (no personal data)

    /// Display names of staff, for read models that say who did what.
    public func staffNames() async throws -> UserNames { UserNames(try await store.users()) }

    /// Display names of the staff named anywhere in `values` (`NamedStaff`): a page names only whom it mentions.
    public func staffNames(namedIn values: Any...) async throws -> UserNames {
        UserNames(try await store.displayNames(ids: Array(NamedStaff.ids(in: values))))
    }

    /// The names of the services the cases refer out or signpost to (not the whole directory).
    public func serviceNames(of cases: [Case]) async throws -> [ServiceID: String] {
        let ids = Set(cases.flatMap { $0.onwardReferrals.map(\.serviceID) + $0.signposts.compactMap(\.serviceID) })
        return Dictionary(try await store.services(ids: Array(ids)).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// Active link workers, for choosing whose notes or caseload to see.
    public func linkWorkers() async throws -> [User] {
        // Found by role in the store: the team view asks on every load, and a scheme's staff are mostly others.
        try await store.users(matching: UserFilter(role: .linkWorker), keyset: PageRequest(limit: 10_000)).filter(\.active)
    }

    /// Every community service a link worker can refer to, by name.
    public func services() async throws -> [Service] { try await store.services() }

    /// A page of the directory's services in name order (the API list; a directory may hold 100,000).
    public func services(page: PageRequest) async throws -> Page<Service> {
        try Page(fetched: await store.services(page: page.requireNamed()), limit: page.limit) { PageCursor(name: $0.name, id: $0.id.rawValue) }
    }

    public func serviceNames() async throws -> [ServiceID: String] {
        Dictionary(try await store.services().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// The GP practices a person can be registered with (public reference data, for the referral forms).
    public func practices() async throws -> [Organisation] { try await OrganisationService(store: store, env: env).practices() }

    /// The GP practices whose name contains `text` or whose ODS code it is, by name: at most `limit` (the
    /// referral forms' practice field, resolved in the database rather than offered as a 13,000-option list).
    public func practices(matching text: String, limit: Int = ReferralSubmission.PracticeLookup.listed) async throws -> [Organisation] {
        let typed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !typed.isEmpty else { return [] }
        return try await store.practices(matching: String(typed.prefix(200)), limit: limit)
    }

    /// What a practice field's text names: an ODS code as given (checked later); otherwise a name, which is
    /// that practice's code when exactly one practice matches, or else (code unchanged) the matches to list.
    func resolvePractice(_ typed: String) async throws -> (code: String, matches: [Organisation]?) {
        var code = ODSCode.normalised(typed)
        // "Hillside Surgery (B86012)", as the form shows a practice, is its code.
        if code.hasSuffix(")"), let open = code.lastIndex(of: "(") {
            let inner = ODSCode.normalised(String(code[code.index(after: open)..<code.index(before: code.endIndex)]))
            if ODSCode.problem(inner, for: .gpPractice) == nil { code = inner }
        }
        guard !code.isEmpty, ODSCode.problem(code, for: .gpPractice) != nil else { return (code, nil) }
        let matches = try await practices(matching: typed, limit: ReferralSubmission.PracticeLookup.listed + 1)
        if matches.count == 1, let only = matches[0].odsCode { return (only, nil) }
        return (typed, matches)
    }

    /// The user's own organisation when it is a GP practice with an ODS code (a new referral form starts with it).
    public func ownPractice(_ id: OrganisationID?) async throws -> Organisation? {
        guard let id, let own = try await store.organisation(id: id), own.kind == .gpPractice, own.odsCode != nil else { return nil }
        return own
    }

    /// The organisations users belong to.
    public func organisations() async throws -> [Organisation] { try await store.organisations() }

    /// The scheme's settings (pathways, eligibility): not personal, readable by anyone signed in.
    public func schemeSettings() async throws -> SchemeSettings { try await store.schemeSettings() }

    /// What a link worker or supervisor needs beside the case itself on the case page. Bounded whatever the
    /// size of the scheme: staff, services and organisations are only those the case names, plus at most
    /// `servicePickerSize` services offered for a referral out.
    public struct Workspace: Sendable {
        /// The staff named on the case (and in `naming`).
        public var names: UserNames
        /// The services the case names, and those offered.
        public var services: [Service]
        /// The services offered in the referral-out and signposting pickers: those matching the search
        /// (all active services when there is none), by name, at most `servicePickerSize`, and the one chosen
        /// in the directory.
        public var offered: [Service]
        /// More services match than are offered: the page asks for a narrower search.
        public var moreServices: Bool
        /// The organisations of those services, and the person's GP practice.
        public var organisations: [Organisation]
        /// Why the person does not meet the scheme's criteria, as codes with values; empty when they do.
        public var ineligibility: [IneligibilityReason]
        /// The names of the contracts that fund this referral.
        public var fundedBy: [String]
        public var duplicates: [ReferralSummary]
        /// For a supervisor allocating a waiting referral: each link worker's load.
        public var caseloads: [Caseload]
    }

    /// Services offered at once in the case page's referral-out picker; a search narrows the rest.
    public static let servicePickerSize = 50

    /// The case page's surroundings for staff who work cases. `findService` searches the active services by
    /// name or category for the referral-out picker; `chosenService` (the directory's "Refer") is offered too;
    /// the staff named in `naming` (e.g. the case's meetings) are named as well as those on the case.
    public func workspace(for c: Case, _ request: Request, findService: String? = nil, chosenService: ServiceID? = nil,
                          naming extra: [Any] = []) async throws -> Workspace {
        guard AccessPolicy.canWork(c, request.principal) else {
            throw LinkwellError.forbidden("Only the case's link worker or a supervisor can do this.")
        }
        let fact = ReferralFact(c)
        let search = (findService ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var offered = try await store.activeServices(matching: String(search.prefix(200)), limit: Self.servicePickerSize + 1)
        let moreServices = offered.count > Self.servicePickerSize
        offered = Array(offered.prefix(Self.servicePickerSize))
        if let chosenService, !offered.contains(where: { $0.id == chosenService }),
           let chosen = try await store.service(id: chosenService), chosen.active {
            offered.insert(chosen, at: 0)
        }
        let named = Set(c.onwardReferrals.map(\.serviceID) + c.signposts.compactMap(\.serviceID)).subtracting(offered.map(\.id))
        let services = try await store.services(ids: Array(named)) + offered
        let organisationIDs = Set(services.map(\.organisationID) + [c.person.gpPracticeID].compactMap { $0 })
        return Workspace(
            names: UserNames(try await store.displayNames(ids: Array(NamedStaff.ids(in: [c] + extra)))),
            services: services, offered: offered, moreServices: moreServices,
            organisations: try await store.organisations(ids: Array(organisationIDs)),
            ineligibility: try await store.schemeSettings().ineligibilityReasons(of: c.person, on: CalendarDate(c.referral.receivedAt)),
            fundedBy: try await store.contracts().filter { $0.covers(fact) }.map(\.name),
            duplicates: try await possibleDuplicates(of: c, request),
            caseloads: request.principal.role == .supervisor ? try await caseloads(request) : [])
    }

    // MARK: Casework

    /// Loads the case, checks the caller may work on it, applies the action and stores the change.
    /// A lost race is retried on fresh state, so the loser gets the domain's own answer (e.g.
    /// "already accepted") rather than a storage error; when the retries run out the caller gets a
    /// conflict, never a storage error.
    /// `casework: false` lets anyone who may read the case try the action (the action itself then
    /// checks who may do it, e.g. only the referrer acknowledges an escalation to them).
    @discardableResult
    public func act(on id: ReferralID, _ request: Request, casework: Bool = true,
                    _ action: @Sendable (Case) async throws -> CaseChange) async throws -> Case {
        try await changeRetrying(id, request,
                                 read: { try await readCase(id, request, auditAllowed: false) },
                                 entry: { _ in trail.entry(request, action: "read", type: "referral", id: id.rawValue, allowed: true) }) { current in
            guard !casework || AccessPolicy.canWork(current, request.principal) else {
                throw LinkwellError.forbidden("Only the case's link worker or a supervisor can do this.")
            }
            let made = try await action(current)
            let services = try await services(of: made, before: current)
            var change = withGroupNotices(made, before: current, services: services)
            change.messages = try await withMessageBackLetters(change.messages, after: change.applied(to: current))
            let updated = change.applied(to: current)
            change.facts = InsightFacts(updated, services: services)
            return (change, updated)
        }
    }

    /// `retryingLostRaces` for a change made from a read of the case: each round `read`s afresh (a refused read is logged
    /// there, at once) and `change` makes the change and the answer. The first round's allowed read (its access-log entry
    /// made by `entry`) is stored in the change's own transaction (`CaseChange.audit`), or on its own when no change is.
    private func changeRetrying<Read, T: Sendable>(_ id: ReferralID, _ request: Request, read: () async throws -> Read,
                                                   entry: (Read) -> AuditEvent,
                                                   change: (Read) async throws -> (CaseChange, T)) async throws -> T {
        var unstored: AuditEvent?
        do {
            return try await retryingLostRaces(id, request) { round in
                let found = try await read()
                if round == 1 { unstored = entry(found) }
                var (made, answer) = try await change(found)
                made.audit = unstored.map { [$0] } ?? []
                try await store.apply(made)
                unstored = nil
                return answer
            }
        } catch {
            if let unstored { try await trail.store(unstored) }
            throw error
        }
    }

    /// Attempts before a busy case is reported as a conflict. Each lost race means someone else's
    /// change was stored, so 40 attempts let 32 simultaneous writers to one case all get through.
    static let raceAttempts = 40

    /// Runs `attempt` until it stores its change. A lost race (`StorageError.versionConflict`) is
    /// retried on fresh state after a short random pause; when the loser can no longer see or work
    /// on the case (someone else accepted it), it is told who took it rather than "not found".
    func retryingLostRaces<T: Sendable>(_ id: ReferralID, _ request: Request,
                                        _ attempt: (_ round: Int) async throws -> T) async throws -> T {
        var lost = false
        for round in 1...Self.raceAttempts {
            do {
                return try await attempt(round)
            } catch StorageError.versionConflict {
                lost = true
                // Spread the retries out so that the same writers do not collide again at once.
                try? await Task.sleep(nanoseconds: UInt64.random(in: 1...(2_000_000 * UInt64(min(round, 10)))))
            } catch let error as LinkwellError where lost {
                switch error {
                case .notFound, .forbidden: throw try await takenBySomeoneElse(id, request) ?? error
                default: throw error
                }
            }
        }
        throw LinkwellError.conflict(.changedByManyAtOnce)
    }

    /// "Someone else took this": the referral has moved on to another link worker's caseload.
    private func takenBySomeoneElse(_ id: ReferralID, _ request: Request) async throws -> LinkwellError? {
        guard request.principal.role == .linkWorker, let current = try await store.loadCase(id),
              let owner = current.referral.linkWorkerID, owner != request.principal.userID else { return nil }
        guard let name = try await store.user(id: owner)?.displayName else { return .conflict(.acceptedByAnotherLinkWorker) }
        return .conflict(.acceptedBySomeoneElse, ["name": name])
    }

    /// A link worker takes a waiting referral onto their caseload (who may is `AccessPolicy.canWork`, checked in `act`).
    public func accept(_ id: ReferralID, _ r: Request) async throws -> Case {
        do {
            return try await act(on: id, r) { [env] in try $0.accept(by: r.principal, env: env) }
        } catch LinkwellError.notFound(let what) {
            // Accepted by someone else just before this link worker asked: say so rather than "not found".
            throw try await takenBySomeoneElse(id, r) ?? LinkwellError.notFound(what)
        }
    }

    /// A supervisor puts a waiting referral on a link worker's caseload.
    public func allocate(_ id: ReferralID, linkWorkerID: String?, _ r: Request) async throws -> Case {
        let linkWorker = try await linkWorkerID.flatMap { $0.isEmpty ? nil : $0 }.asyncMap { try await store.user(id: UserID($0)) } ?? nil
        return try await act(on: id, r) { [env] in try $0.allocate(to: linkWorker, by: r.principal, env: env) }
    }

    /// Each link worker's load: people on the caseload now, and people taken on in the last 12 months
    /// against the scheme's yearly limit.
    public struct Caseload: Codable, Sendable, Equatable {
        public var linkWorkerID: UserID
        public var name: String
        public var open: Int
        public var takenOnInLastYear: Int
        public var yearlyLimit: Int
        public var overLimit: Bool
    }

    public func caseloads(_ request: Request) async throws -> [Caseload] {
        guard request.principal.role == .supervisor else { throw LinkwellError.forbidden("Only supervisors see the team's caseloads.") }
        let yearAgo = env.now().addingTimeInterval(-365 * 86_400)
        // Counted in the database in one grouped query, not by listing each caseload.
        let counts = Dictionary(try await store.caseloadCounts(receivedSince: yearAgo).map { ($0.linkWorkerID, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Caseload] = []
        for user in try await linkWorkers() {
            let taken = counts[user.id]?.receivedSince ?? 0
            result.append(Caseload(linkWorkerID: user.id, name: user.displayName, open: counts[user.id]?.open ?? 0,
                                   takenOnInLastYear: taken, yearlyLimit: rules.yearlyCaseloadLimit,
                                   overLimit: taken >= rules.yearlyCaseloadLimit))
        }
        return result
    }

    /// Refers out, checked against the governance of the service's organisation as it stands today; a
    /// supervisor's override is audited.
    public func referOut(_ id: ReferralID, serviceID: String?, note: String?, handover: HandoverInput = HandoverInput(),
                         governanceOverride: String? = nil, _ r: Request) async throws -> Case {
        let service = try await service(serviceID)
        let standing = try await service.asyncMap {
            try await GovernanceStanding.load([$0.organisationID.rawValue], from: store, now: env.now())[$0.organisationID.rawValue]
        } ?? nil
        let updated = try await act(on: id, r) { [env] in
            try $0.referOut(to: service, note: note, handover: handover, governance: standing, governanceOverride: governanceOverride,
                            by: r.principal, env: env)
        }
        if standing?.allowsReferral == false, let onward = updated.onwardReferrals.last {
            try await audit(r, action: "governance_override", type: "onward_referral", id: onward.id.rawValue, subject: id, allowed: true)
        }
        return updated
    }

    /// The governance standing of the organisations behind these services, by organisation (scheme staff only).
    public func governanceStandings(of services: [Service], _ r: Request) async throws -> [OrganisationID: GovernanceStanding] {
        guard DirectoryPolicy.canSeePrivateNotes(r.principal) else { throw LinkwellError.forbidden("Governance checks are for scheme staff.") }
        let loaded = try await GovernanceStanding.load(Set(services.map(\.organisationID.rawValue)), from: store, now: env.now())
        return Dictionary(uniqueKeysWithValues: loaded.map { (OrganisationID($0.key), $0.value) })
    }

    public func signpost(_ id: ReferralID, serviceID: String?, description: String?, _ r: Request) async throws -> Case {
        let service = try await service(serviceID)
        if let serviceID, !serviceID.isEmpty, service == nil { throw LinkwellError.invalid([FieldError("serviceId", .serviceUnknown, ["id": serviceID])]) }
        return try await act(on: id, r) { [env] in try $0.signpost(to: service, description: description, by: r.principal, env: env) }
    }

    private func service(_ id: String?) async throws -> Service? {
        guard let id, !id.isEmpty else { return nil }
        return try await store.service(id: ServiceID(id))
    }

    // MARK: Safeguarding

    /// An open concern as a queue shows it.
    public struct ConcernItem: Codable, Sendable, Equatable {
        public var concern: SafeguardingConcern
        public var personName: String
        /// Unacknowledged for longer than the scheme allows.
        public var overdue: Bool
    }

    /// Supervisors: every open concern, overdue escalations first. Referrers: escalations waiting for
    /// their acknowledgement.
    public func concernQueue(_ request: Request) async throws -> [ConcernItem] {
        let p = request.principal
        let concerns: [SafeguardingConcern]
        switch p.role {
        case .supervisor: concerns = try await store.safeguardingConcerns(openOnly: true, recipientID: nil)
        case .referrer: concerns = try await store.safeguardingConcerns(openOnly: true, recipientID: p.userID).filter { !$0.isAcknowledged }
        default: throw LinkwellError.forbidden("Safeguarding queues are for supervisors and referrers.")
        }
        let limit = TimeInterval(rules.acknowledgementHours) * 3600
        let names = try await store.personNames(referralIDs: Array(Set(concerns.map(\.referralID))))
        try await auditOwnList(request, "safeguarding_queue")
        return concerns.map {
            ConcernItem(concern: $0, personName: names[$0.referralID] ?? "", overdue: !$0.isAcknowledged && env.now().timeIntervalSince($0.raisedAt) > limit)
        }.sorted { ($0.overdue ? 0 : 1, $0.concern.raisedAt) < ($1.overdue ? 0 : 1, $1.concern.raisedAt) }
    }

    // MARK: A person's own record

    /// The person's own referrals, and every access to them: reads of the referral, of its referrals out
    /// and outcome measures, and inclusion in exports (from the audit trail), by whom and when — a page of
    /// `accessPage.limit` at a time, newest first, read by keyset in the store; every older one is reached by
    /// following `accessNext`, however many there are.
    public func ownRecord(_ request: Request, accessPage: PageRequest = PageRequest()) async throws -> OwnRecordView {
        let accessPage = try accessPage.requireTimed()
        guard request.principal.role == .person, let personID = request.principal.personID else {
            throw LinkwellError.forbidden("This page is for the person the record is about.")
        }
        // The person's cases in one query per table (`loadCases`), each read checked and audited as `readCase` does.
        let cases = try await readCases(try await store.referrals(ReferralQuery(personID: personID)).map(\.id), request)
        let log = Page(fetched: try await store.auditEvents(aboutReferrals: cases.map(\.referral.id), keyset: accessPage.fetching),
                       limit: accessPage.limit) { $0.cursor }
        let events = log.rows
        // Only the staff named on the cases or in their trail, and only their organisations.
        let named = NamedStaff.ids(in: cases).union(events.compactMap(\.actorID))
        let users = Dictionary(try await store.users(ids: Array(named)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let organisations = Dictionary(try await store.organisations(ids: Array(Set(users.values.compactMap(\.organisationID)))).map { ($0.id, $0.name) },
                                       uniquingKeysWith: { a, _ in a })
        var accesses: [OwnRecordView.Access] = []
        for event in events {
            let user = event.actorID.flatMap { users[$0] }
            accesses.append(OwnRecordView.Access(
                at: event.at, who: event.actorID == request.principal.userID ? "You" : user?.displayName ?? "Unknown",
                role: user?.role.label ?? "", organisation: user?.organisationID.flatMap { organisations[$0] } ?? "",
                what: OwnRecordView.describe(action: event.action, recordType: event.recordType), allowed: event.outcome == .allowed))
        }
        return OwnRecordView(cases: cases, accesses: accesses, names: UserNames(Array(users.values)),
                             serviceNames: try await serviceNames(of: cases), accessNext: log.next, accessContinued: accessPage.after != nil)
    }

    // MARK: Settings

    public func saveSettings(_ settings: SchemeSettings, _ request: Request) async throws -> SchemeSettings {
        guard request.principal.role == .admin else { throw LinkwellError.forbidden("Only an administrator changes the scheme's settings.") }
        let clean = try settings.validated()
        try await store.saveSchemeSettings(clean)
        try await audit(request, action: "update", type: "scheme_settings", id: "scheme", allowed: true)
        return clean
    }

    // MARK: Duplicates

    /// Other referrals that may be for the same person, limited to those the caller may read.
    public func possibleDuplicates(of c: Case, _ request: Request) async throws -> [ReferralSummary] {
        var result: [ReferralSummary] = []
        for id in try await store.possibleDuplicates(of: c.person) {
            guard let other = try await store.loadCase(id), AccessPolicy.canRead(other, request.principal) else { continue }
            result.append(ReferralSummary(id: id, personName: other.person.fullName, status: other.referral.status, needs: other.referral.needs,
                                          urgency: other.referral.urgency, receivedAt: other.referral.receivedAt, updatedAt: other.referral.updatedAt,
                                          referrerID: other.referral.referrerID, linkWorkerID: other.referral.linkWorkerID,
                                          didNotAttendCount: 0, hasRisk: !other.referral.riskInformation.isEmpty, pathway: other.referral.pathway,
                                          referrerOrganisationID: other.referral.referrerOrganisationID, consentPurposes: other.referral.consent.purposes))
        }
        return result
    }

    /// A supervisor merges a duplicate person into the person of `referralID`: the other referral (and any
    /// others of that person) move to this person. Nothing is deleted; the merge is audited.
    public func mergeDuplicate(into referralID: ReferralID, otherReferralID: String?, _ request: Request) async throws -> Case {
        guard request.principal.role == .supervisor else { throw LinkwellError.forbidden("Only a supervisor merges people's records.") }
        let keep = try await readCase(referralID, request)
        guard let otherID = otherReferralID, !otherID.isEmpty,
              let other = try await store.loadCase(ReferralID(otherID)) else {
            throw LinkwellError.invalid([FieldError("otherReferralId", .chooseOtherReferral)])
        }
        guard other.person.id != keep.person.id else { throw LinkwellError.conflict(.samePerson) }
        guard try await store.possibleDuplicates(of: keep.person).contains(other.referral.id) else {
            throw LinkwellError.conflict(.peopleDoNotMatch)
        }
        try await store.mergePeople(keep: keep.person.id, duplicate: other.person.id)
        try await audit(request, action: "merge", type: "person", id: "\(other.person.id)->\(keep.person.id)", allowed: true)
        return try await readCase(referralID, request)
    }

    // MARK: Plan reviews

    public struct DueReview: Codable, Sendable, Equatable {
        public var referralID: ReferralID
        public var personName: String
        public var reviewDate: CalendarDate
        public var overdue: Bool
    }

    /// The plan reviews due: counted in full (a supervisor's scheme has thousands), with one numbered page of them.
    public struct DueReviews: Sendable {
        public var page: CountedPage<DueReview>
        public var overdue: Int
        public var total: Int { page.total }
    }

    /// Plans whose review date falls within the next week or has passed, on the caller's caseload
    /// (a supervisor's: the team's), earliest first; at most `limit` (one query, not a case load per row).
    /// `team` (a `team` parameter) narrows the list to one team's caseload in the store, before `limit`.
    public func dueReviews(_ request: Request, limit: Int = PageRequest.maximumLimit, team: String? = nil) async throws -> [DueReview] {
        try await dueReviews(request, page: PageNumber(1, size: limit), team: team).page.rows
    }

    /// The plan reviews due (as above), counted, with the numbered `page` of them (clamped to the last page). The names
    /// shown are audited as a list, unless `besideCaseload`: the caseload page's own entry covers the reviews beside it.
    public func dueReviews(_ request: Request, page: PageNumber, team: String? = nil, besideCaseload: Bool = false) async throws -> DueReviews {
        let p = request.principal
        guard p.role == .linkWorker || p.role == .supervisor else { throw LinkwellError.forbidden("Only link workers have plan reviews.") }
        let today = CalendarDate(env.now())
        let horizon = CalendarDate(env.now().addingTimeInterval(7 * 86_400))
        let scope = try await caseloadTeam(team, p)
        let found = try await store.planReviews(linkWorkerID: p.role == .linkWorker ? p.userID : nil, team: scope, dueBy: horizon, today: today, page: page)
        if !besideCaseload { try await auditOwnList(request, "plan_reviews") }
        return Self.dueReviews(found, page: page, today: today)
    }

    /// The reviews of `page` as the caller sees them: each overdue when dated before `today`.
    static func dueReviews(_ found: PlanReviewsPage, page: PageNumber, today: CalendarDate) -> DueReviews {
        let rows = found.rows.map {
            DueReview(referralID: $0.referralID, personName: $0.personName, reviewDate: $0.reviewDate, overdue: $0.reviewDate < today)
        }
        return DueReviews(page: CountedPage(rows: rows, total: found.total, page: page.clamped(total: found.total)), overdue: found.overdue)
    }

    // MARK: Supervision

    /// The link worker whose notes the caller may see: their own, or (supervisors) anyone's.
    private func supervisee(_ linkWorkerID: String?, _ request: Request) async throws -> User {
        let p = request.principal
        let id = p.role == .linkWorker ? p.userID : UserID(linkWorkerID ?? "")
        guard p.role == .linkWorker || p.role == .supervisor else { throw LinkwellError.forbidden("Supervision notes are for link workers and supervisors.") }
        guard p.role == .supervisor || linkWorkerID == nil || linkWorkerID == p.userID.rawValue else {
            throw LinkwellError.notFound("supervision notes")
        }
        guard let user = try await store.user(id: id), user.role == .linkWorker else {
            throw LinkwellError.invalid([FieldError("linkWorkerId", .chooseLinkWorker)])
        }
        return user
    }

    /// A numbered page of the link worker's supervision notes (the web page), newest first, counted and read in the store.
    public func supervisionNotes(linkWorkerID: String?, page: PageNumber, _ request: Request) async throws -> (User, CountedPage<SupervisionNote>) {
        let user = try await supervisee(linkWorkerID, request)
        return (user, try await store.supervisionNotes(linkWorkerID: user.id, page: page))
    }

    /// A page of the link worker's supervision notes, newest first, read by keyset in the store.
    public func supervisionNotes(linkWorkerID: String?, page: PageRequest, _ request: Request) async throws -> Page<SupervisionNote> {
        let user = try await supervisee(linkWorkerID, request)
        let page = try page.requireTimed()
        return Page(fetched: try await store.supervisionNotes(linkWorkerID: user.id, keyset: page.fetching), limit: page.limit) {
            PageCursor(at: $0.at, id: $0.id)
        }
    }

    public func addSupervisionNote(linkWorkerID: String?, text: String?, _ request: Request) async throws -> SupervisionNote {
        let user = try await supervisee(linkWorkerID, request)
        var v = Validator()
        let text = v.required(text, "text", label: .theNote, max: 10_000)
        try v.check()
        let note = SupervisionNote(id: env.newID(), linkWorkerID: user.id, authorID: request.principal.userID, at: env.now(), text: text)
        try await store.addSupervisionNote(note)
        return note
    }

    // MARK: Lone working

    public struct OverdueVisit: Codable, Sendable, Equatable {
        public var visit: LoneWorkingVisit
        public var personName: String
        public var linkWorkerName: String
    }

    /// Home visits whose link worker has not checked out by the time they expected to be back (supervisors).
    public func overdueVisits(_ request: Request) async throws -> [OverdueVisit] {
        guard request.principal.role == .supervisor else { throw LinkwellError.forbidden("Only supervisors see lone-working alerts.") }
        let now = env.now()
        let overdue = try await store.openVisits().filter { $0.isOverdue(at: now) }
        guard !overdue.isEmpty else { return [] }
        let names = Dictionary(try await store.users().map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let people = try await store.personNames(referralIDs: Array(Set(overdue.map(\.referralID))))
        let result = overdue.map {
            OverdueVisit(visit: $0, personName: people[$0.referralID] ?? "", linkWorkerName: names[$0.linkWorkerID] ?? "")
        }
        try await auditOwnList(request, "lone_working_alerts")
        return result
    }

    // MARK: Providers

    public func providerInbox(_ request: Request) async throws -> [OnwardSummary] {
        try await providerInbox(request, page: PageRequest()).rows
    }

    /// A page of the provider's inbox, newest first, each row with the person's name only where their
    /// consent to share with providers stands now (read with the rows, in one query).
    public func providerInbox(_ request: Request, page: PageRequest) async throws -> Page<OnwardSummary> {
        guard request.principal.role == .provider, let org = request.principal.organisationID else {
            throw LinkwellError.forbidden("Only provider staff have a referrals inbox.")
        }
        try await audit(request, action: "list", type: "provider_inbox", id: org.rawValue, allowed: true)
        var fetch = page
        fetch.limit += 1
        let rows = try await store.onwardInbox(organisationID: org, page: fetch).map {
            ProviderView.inboxRow($0.summary, purposes: $0.consentPurposes)
        }
        return Page(fetched: rows, limit: page.limit) { PageCursor(at: $0.createdAt, id: $0.id.rawValue) }
    }

    /// A numbered page of the provider's inbox, newest first, only referrals in `filter`'s status when given: counted
    /// and cut in the store, each row with the person's name only where their consent to share with providers
    /// stands now.
    public func providerInbox(_ request: Request, matching filter: InboxFilter, page: PageNumber) async throws -> CountedPage<OnwardSummary> {
        guard request.principal.role == .provider, let org = request.principal.organisationID else {
            throw LinkwellError.forbidden("Only provider staff have a referrals inbox.")
        }
        try await audit(request, action: "list", type: "provider_inbox", id: org.rawValue, allowed: true)
        return try await store.onwardInbox(organisationID: org, matching: filter, page: page).map {
            ProviderView.inboxRow($0.summary, purposes: $0.consentPurposes)
        }
    }

    /// Loads the case behind a referral out if the provider may see it; otherwise "not found", audited.
    func providerCase(_ id: OnwardReferralID, _ request: Request, auditAllowed: Bool = true) async throws -> (Case, OnwardReferral, Service) {
        var result: (Case, OnwardReferral, Service)?
        if let referralID = try await store.referralID(forOnward: id),
           let found = try await store.loadCase(referralID),
           let onward = found.onward(id),
           let service = try await store.service(id: onward.serviceID),
           AccessPolicy.canSeeOnward(service, request.principal) {
            result = (found, onward, service)
        }
        if auditAllowed || result == nil {
            try await trail.record(request, action: "read", type: "onward_referral", id: id.rawValue, subject: result?.0.referral.id,
                                   allowed: result != nil)
        }
        guard let result else { throw LinkwellError.notFound("referral") }
        return result
    }

    public func providerView(_ id: OnwardReferralID, _ request: Request) async throws -> ProviderView {
        let (found, onward, service) = try await providerCase(id, request)
        return try await providerView(found, onward: onward, service: service)
    }

    private func providerView(_ found: Case, onward: OnwardReferral, service: Service) async throws -> ProviderView {
        let linkWorker = try await found.referral.linkWorkerID.asyncMap { try await store.user(id: $0) } ?? nil
        return ProviderView(found, onward: onward, service: service, linkWorkerName: linkWorker?.displayName ?? "")
    }

    /// A provider action on a referral out (accept, reject, attendance), with the same race handling as `act`.
    public func providerAct(_ id: OnwardReferralID, _ request: Request,
                            _ action: @Sendable (Case) throws -> CaseChange) async throws -> ProviderView {
        let referralID = try await store.referralID(forOnward: id) ?? ReferralID("")
        // The answer is the case as changed (its read logged with the change), not a second read of it.
        let (updated, service) = try await changeRetrying(
            referralID, request, read: { try await providerCase(id, request, auditAllowed: false) },
            entry: { trail.entry(request, action: "read", type: "onward_referral", id: id.rawValue, subject: $0.0.referral.id, allowed: true) }
        ) { found, _, service in
            let made = try action(found)
            let services = try await services(of: made, before: found)
            var change = withGroupNotices(made, before: found, services: services)
            let updated = change.applied(to: found)
            change.facts = InsightFacts(updated, services: services)
            return (change, (updated, service))
        }
        guard let onward = updated.onward(id) else { throw LinkwellError.notFound("referral") }
        return try await providerView(updated, onward: onward, service: service)
    }

    // MARK: Audit

    /// The insight facts of a case, with the services of its referrals out.
    public func facts(_ c: Case) async throws -> InsightFacts {
        try await Self.facts(c, services: store)
    }

    /// The services the case's referrals out go to, before and after a change, read once for the group's notices and
    /// the case's facts (a referral out read its service three times).
    func services(of change: CaseChange, before: Case) async throws -> [ServiceID: Service] {
        try await Self.services(change.onwardReferrals.map(\.serviceID) + before.onwardReferrals.map(\.serviceID), from: store)
    }

    /// The de-identified facts of a case, with the services its referrals out went to.
    static func facts(_ c: Case, services store: any DirectoryStore) async throws -> InsightFacts {
        InsightFacts(c, services: try await services(c.onwardReferrals.map(\.serviceID), from: store))
    }

    /// Each of these services, read once.
    private static func services(_ ids: [ServiceID], from store: any DirectoryStore) async throws -> [ServiceID: Service] {
        var services: [ServiceID: Service] = [:]
        for id in Set(ids) { services[id] = try await store.service(id: id) }
        return services
    }

    public func audit(_ request: Request, action: String, type: String, id: String, subject: ReferralID? = nil, allowed: Bool) async throws {
        try await trail.record(request, action: action, type: type, id: id, subject: subject, allowed: allowed)
    }

    /// The caller looked at one of their own lists that names people (`type`: "caseload", "plan_reviews"…).
    public func auditOwnList(_ request: Request, _ type: String) async throws {
        try await trail.store(ownListEntry(request, type))
    }

    /// The entry `auditOwnList` stores, for a read that stores it itself (`CaseStore.countedReferrals`).
    func ownListEntry(_ request: Request, _ type: String) -> AuditEvent {
        trail.entry(request, action: "list", type: type, id: request.principal.userID.rawValue, allowed: true)
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
