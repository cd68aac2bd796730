import Foundation

/// Funders, contracts, micro-grants and payments: the commissioner's side of the scheme.
///
/// Who may do what: commissioners and admins set up funders and contracts; providers apply for grants
/// for their own organisation and report their own spend; commissioners decide on grants (the panel)
/// and run payments; supervisors and commissioners read contracts, grants and statements.
public struct CommissioningService: Sendable {
    /// The storage roles commissioning needs: funders, contracts, grants and the ledger, the de-identified
    /// facts that contracts report on, and the scheme's organisations and settings.
    public typealias Storage = CommissioningStore & InsightStore & AccountStore & SettingsStore & SecretStore & BoundedListStore
    let store: any Storage
    public let env: CoreEnvironment

    public init(store: any Storage, env: CoreEnvironment) {
        self.store = store
        self.env = env
    }

    public typealias Request = CaseworkService.Request

    func require(_ request: Request, _ roles: [Role], _ message: String) throws {
        guard roles.contains(request.principal.role) else { throw LinkwellError.forbidden(message) }
    }

    // MARK: Funders and contracts

    public func createFunder(name: String?, kind: String?, _ request: Request) async throws -> Funder {
        try require(request, [.commissioner, .admin], "Only commissioners and administrators set up funders.")
        var v = Validator()
        let name = v.required(name, "name", label: .funderName, max: 200)
        let kind = v.choice(kind, "kind", label: .kindOfFunder, as: FunderKind.self)
        try v.check()
        if try await store.funders().contains(where: { $0.name.lowercased() == name.lowercased() }) {
            throw LinkwellError.invalid([FieldError("name", .funderExists, ["name": name])])
        }
        let funder = Funder(id: env.id(), name: name, kind: kind!, createdAt: env.now())
        try await store.createFunder(funder)
        return funder
    }

    public struct ContractInput: Codable, Sendable {
        public var name: String?
        public var start: String?
        public var end: String?
        public var arrangement: String?
        /// Funder id → amount in pounds, as typed.
        public var contributions: [String: String]?
        public var pathways: [String]?
        public var practiceIDs: [String]?
        public var targets: [String: Int]?
        public var reportingDates: [String]?
        public var perReferral: String?
        public var perAttendance: String?
        public var grantBudget: String?
        public init(name: String? = nil, start: String? = nil, end: String? = nil, arrangement: String? = nil,
                    contributions: [String: String]? = nil, pathways: [String]? = nil, practiceIDs: [String]? = nil,
                    targets: [String: Int]? = nil, reportingDates: [String]? = nil, perReferral: String? = nil,
                    perAttendance: String? = nil, grantBudget: String? = nil) {
            self.name = name
            self.start = start
            self.end = end
            self.arrangement = arrangement
            self.contributions = contributions
            self.pathways = pathways
            self.practiceIDs = practiceIDs
            self.targets = targets
            self.reportingDates = reportingDates
            self.perReferral = perReferral
            self.perAttendance = perAttendance
            self.grantBudget = grantBudget
        }
    }

    static func money(_ raw: String?, _ field: String, _ label: FieldLabel, _ v: inout Validator, required: Bool = false) -> Pence? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            if required { v.add(field, .required, label: label) }
            return nil
        }
        if raw.hasPrefix("-") || raw.hasPrefix("£-") { v.add(field, .moneyNegative, label: label); return nil }
        guard let amount = Pence.parse(raw) else {
            v.add(field, .moneyNotAmount, label: label); return nil
        }
        return amount
    }

    public func createContract(_ input: ContractInput, _ request: Request) async throws -> Contract {
        try require(request, [.commissioner, .admin], "Only commissioners and administrators set up contracts.")
        var v = Validator()
        v.atMost(input.contributions?.count ?? 0, Limits.contractContributions, "contributions", .fundersContributions)
        v.atMost(input.pathways?.count ?? 0, Limits.contractPathways, "pathways", .pathways)
        v.atMost(input.practiceIDs?.count ?? 0, Limits.contractPractices, "practiceIDs", .practices)
        v.atMost(input.targets?.count ?? 0, Limits.contractTargets, "targets", .targets)
        v.atMost(input.reportingDates?.count ?? 0, Limits.reportingDates, "reportingDates", .reportingDates)
        try v.check()
        let name = v.required(input.name, "name", label: .contractName, max: 200)
        let start = CalendarDate(input.start ?? ""), end = CalendarDate(input.end ?? "")
        if start == nil { v.add("start", .startDateNotISO) }
        if end == nil { v.add("end", .endDateNotISO) }
        if let start, let end, end < start { v.add("end", .contractEndsBeforeStart, ["end": "\(end)", "start": "\(start)"]) }
        let arrangement = (input.arrangement ?? "").isEmpty ? .pooled
            : v.choice(input.arrangement, "arrangement", label: .arrangement, as: ContractArrangement.self)
        let funders = Dictionary(try await store.funders().map { ($0.id.rawValue, $0) }, uniquingKeysWith: { a, _ in a })
        var contributions: [Contribution] = []
        for (funderID, amount) in (input.contributions ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard funders[funderID] != nil else { v.add("contributions", .funderUnknown, ["id": funderID]); continue }
            if let pence = Self.money(amount, "contributions", .aContribution, &v, required: true) {
                contributions.append(Contribution(funderID: FunderID(funderID), amount: pence))
            }
        }
        if (input.contributions ?? [:]).isEmpty { v.add("contributions", .contributionsRequired) }
        if arrangement == .complementary && contributions.count > 1 {
            v.add("arrangement", .complementaryOneFunder)
        }
        let settings = try await store.schemeSettings()
        let pathways = (input.pathways ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for pathway in pathways where !settings.pathways.isEmpty && !settings.pathways.contains(pathway) {
            v.add("pathways", .contractPathwayUnknown, ["value": pathway, "allowed": settings.pathways.joined(separator: ", ")])
        }
        let organisations = Set(try await store.organisations().map(\.id.rawValue))
        let practices = (input.practiceIDs ?? []).filter { !$0.isEmpty }
        for id in practices where !organisations.contains(id) { v.add("practiceIDs", .organisationNotFound, ["id": "\(id)"]) }
        var targets: [ContractTarget] = []
        for (key, value) in (input.targets ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let measure = ContractTarget.Measure(rawValue: key) else {
                v.add("targets", .targetUnknown, ["value": key, "allowed": ContractTarget.Measure.allCases.map(\.rawValue).joined(separator: ", ")]); continue
            }
            guard (1...10_000_000).contains(value) else { v.add("targets", .targetOutOfRange); continue }
            targets.append(ContractTarget(measure: measure, value: value))
        }
        var reporting: [CalendarDate] = []
        for raw in input.reportingDates ?? [] where !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let date = CalendarDate(raw) else { v.add("reportingDates", .reportingDateNotISO, ["value": raw]); continue }
            reporting.append(date)
        }
        let perReferral = Self.money(input.perReferral, "perReferral", .paymentPerReferral, &v)
        let perAttendance = Self.money(input.perAttendance, "perAttendance", .paymentPerAttendance, &v)
        let grantBudget = Self.money(input.grantBudget, "grantBudget", .microGrantBudget, &v) ?? .zero
        let budget = contributions.map(\.amount).sum()
        if grantBudget > budget { v.add("grantBudget", .grantBudgetOverBudget, ["grantBudget": "\(grantBudget)", "budget": "\(budget)"]) }
        try v.check()
        let contract = Contract(id: env.id(), name: name, start: start!, end: end!, arrangement: arrangement!, contributions: contributions,
                                cohort: ContractCohort(pathways: pathways, practiceIDs: practices), targets: targets,
                                reportingDates: reporting.sorted(), perReferral: perReferral, perAttendance: perAttendance,
                                grantBudget: grantBudget, createdAt: env.now())
        try await store.createContract(contract)
        return contract
    }

    public func contracts(_ request: Request) async throws -> [Contract] {
        try require(request, [.commissioner, .admin, .supervisor, .steeringGroup], "Contracts are for commissioners, supervisors and the steering group.")
        return try await store.contracts()
    }

    public func contract(_ id: String, _ request: Request) async throws -> Contract {
        try require(request, [.commissioner, .admin, .supervisor, .steeringGroup], "Contracts are for commissioners, supervisors and the steering group.")
        guard let contract = try await store.contract(id: ContractID(id)) else { throw LinkwellError.notFound("There is no contract '\(id)'.") }
        return contract
    }

    /// Progress against each target, counted from the insight facts, as cells to publish through `DisclosureControl`.
    public func progress(_ contract: Contract) async throws -> [(ContractTarget, CellCount)] {
        let filter = InsightFilter(cohorts: [InsightFilter.Cohort(contract)])
        let stages = try await store.referralCounts(by: [.stageReached], where: filter)
        func reached(_ rank: Int) -> CellCount { stages.filter { (Int($0.keys[0]) ?? 0) >= rank }.map(\.cell).reduce(.zero, +) }
        return contract.targets.map { target in
            switch target.measure {
            case .referrals: (target, stages.map(\.cell).reduce(.zero, +))
            case .peopleSupported: (target, reached(InsightStage.engaged.rawValue))
            case .closedAfterSupport: (target, reached(InsightStage.closed.rawValue))
            }
        }
    }

    // MARK: Micro-grants

    public struct GrantInput: Codable, Sendable {
        public var contractID: String?
        public var title: String?
        public var purpose: String?
        public var amount: String?
        public init(contractID: String? = nil, title: String? = nil, purpose: String? = nil, amount: String? = nil) {
            self.contractID = contractID
            self.title = title
            self.purpose = purpose
            self.amount = amount
        }
    }

    /// A community group applies for a micro-grant from a contract's grant budget.
    public func applyForGrant(_ input: GrantInput, _ request: Request) async throws -> GrantApplication {
        try require(request, [.provider], "Grants are applied for by community groups (provider accounts).")
        guard let organisationID = request.principal.organisationID else { throw LinkwellError.forbidden("Your account belongs to no organisation.") }
        var v = Validator()
        let title = v.required(input.title, "title", label: .title, max: 200)
        let purpose = v.required(input.purpose, "purpose", label: .whatTheGrantIsFor, max: 5000)
        let amount = Self.money(input.amount, "amount", .amount, &v, required: true)
        if let amount, amount == .zero { v.add("amount", .amountZero) }
        var contract: Contract?
        if let id = input.contractID, !id.isEmpty {
            contract = try await store.contract(id: ContractID(id))
            if contract == nil { v.add("contractID", .contractUnknown, ["id": id]) }
            else if contract!.grantBudget == .zero { v.add("contractID", .contractNoGrantBudget, ["contract": contract!.name]) }
        } else { v.add("contractID", .chooseFund) }
        try v.check()
        let grant = GrantApplication(id: env.id(), contractID: contract!.id, organisationID: organisationID, title: title, purpose: purpose,
                                     requested: amount!, appliedBy: request.principal.userID, appliedAt: env.now())
        try await store.createGrant(grant)
        return grant
    }

    public func grants(_ request: Request) async throws -> [GrantApplication] {
        switch request.principal.role {
        case .commissioner, .admin, .supervisor, .steeringGroup: return try await store.grants(contractID: nil, organisationID: nil)
        case .provider:
            guard let org = request.principal.organisationID else { return [] }
            return try await store.grants(contractID: nil, organisationID: org)
        default: throw LinkwellError.forbidden("Grants are for commissioners, supervisors and community groups.")
        }
    }

    /// A page of the grants the caller may see (as `grants(_:)`), newest first, read by keyset in the store.
    public func grants(page: PageRequest, _ request: Request) async throws -> Page<GrantApplication> {
        let organisation: OrganisationID?
        switch request.principal.role {
        case .commissioner, .admin, .supervisor, .steeringGroup: organisation = nil
        case .provider:
            guard let org = request.principal.organisationID else { return Page(rows: [], next: nil) }
            organisation = org
        default: throw LinkwellError.forbidden("Grants are for commissioners, supervisors and community groups.")
        }
        let page = try page.requireTimed()
        return Page(fetched: try await store.grants(organisationID: organisation, keyset: page.fetching), limit: page.limit) { $0.cursor }
    }

    public func grant(_ id: String, _ request: Request) async throws -> GrantApplication {
        guard let grant = try await store.grant(id: GrantID(id)) else { throw LinkwellError.notFound("There is no grant '\(id)'.") }
        if request.principal.role == .provider {
            guard grant.organisationID == request.principal.organisationID else { throw LinkwellError.notFound("There is no grant '\(id)'.") }
        } else {
            try require(request, [.commissioner, .admin, .supervisor, .steeringGroup], "Grants are for commissioners, supervisors and community groups.")
        }
        return grant
    }

    /// Remaining micro-grant budget of a contract.
    public func remainingGrantBudget(_ contract: Contract) async throws -> Pence {
        contract.grantBudget - (try await store.grants(contractID: contract.id, organisationID: nil)).map(\.awarded).sum()
    }

    /// The panel's decision: award (up to the amount asked and the remaining budget) or decline.
    public func decideGrant(_ id: String, award: Bool, amount: String?, note: String?, _ request: Request) async throws -> GrantApplication {
        try require(request, [.commissioner], "Only commissioners (the grants panel) decide on grants.")
        let grant = try await grant(id, request)
        guard grant.status == .applied else { throw LinkwellError.conflict(.grantDecided, ["grantStatus": grant.status.rawValue]) }
        var v = Validator()
        let text = v.optional(note, "note", label: .panelNote, max: 2000)
        var awarded: Pence?
        if award {
            awarded = (amount ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? grant.requested
                : Self.money(amount, "amount", .amountAwarded, &v, required: true)
            if let a = awarded, a > grant.requested { v.add("amount", .awardOverRequest, ["awarded": "\(a)", "requested": "\(grant.requested)"]) }
            if let a = awarded, a == .zero { v.add("amount", .awardZero) }
        } else if text.isEmpty {
            v.add("note", .declineReasonRequired)
        }
        try v.check()
        guard let contract = try await store.contract(id: grant.contractID) else { throw LinkwellError.notFound("The grant's contract is gone.") }
        let decision = GrantDecision(by: request.principal.userID, at: env.now(), awarded: awarded, note: text)
        do {
            try await store.decideGrant(grant.id, decision: decision, limit: contract.grantBudget)
        } catch StorageError.overBudget {
            let remaining = try await remainingGrantBudget(contract)
            throw LinkwellError.invalid([FieldError("amount", .awardOverGrantBudget, ["awarded": "\(awarded ?? .zero)", "remaining": "\(remaining)", "contract": contract.name])])
        } catch StorageError.versionConflict {
            throw LinkwellError.conflict(.grantAlreadyDecided)
        }
        if let awarded {
            _ = try await store.addLedgerEntries([LedgerEntry(id: env.newID(), key: "grant:\(grant.id)", contractID: contract.id,
                                                              organisationID: grant.organisationID, kind: .grantAward, amount: awarded,
                                                              referralID: nil, grantID: grant.id, at: env.now())])
        }
        return try await self.grant(id, request)
    }

    /// The group reports what it spent; the total never passes the award.
    public func reportSpend(_ id: String, amount: String?, description: String?, _ request: Request) async throws -> GrantApplication {
        try require(request, [.provider], "Spend is reported by the group that holds the grant.")
        let grant = try await grant(id, request)
        guard grant.status == .awarded else { throw LinkwellError.conflict(.spendNeedsAward) }
        var v = Validator()
        let amount = Self.money(amount, "amount", .amountSpent, &v, required: true)
        if let amount, amount == .zero { v.add("amount", .spendZero) }
        let text = v.required(description, "description", label: .whatItWasSpentOn, max: 2000)
        try v.check()
        do {
            try await store.addSpend(grant.id, SpendReport(at: env.now(), by: request.principal.userID, amount: amount!, description: text))
        } catch StorageError.overBudget {
            throw LinkwellError.invalid([FieldError("amount", .spendOverAward, ["awarded": "\(grant.awarded)", "spent": "\(grant.spent)"])])
        }
        return try await self.grant(id, request)
    }

    // MARK: Payments

    /// Adds to the ledger what the contract owes providers for referrals it funds: per referral out accepted
    /// and per session attended, as the contract says. Running it again adds nothing twice.
    public func paymentRun(_ contractID: String, _ request: Request) async throws -> Int {
        try require(request, [.commissioner], "Only commissioners run payments.")
        let contract = try await contract(contractID, request)
        guard contract.perReferral != nil || contract.perAttendance != nil else {
            throw LinkwellError.invalid([FieldError("contract", .contractNoPayments, ["contract": contract.name])])
        }
        let payables = try await store.payables(from: contract.start.startOfDay, to: contract.end.startOfDay.addingTimeInterval(86_400))
        var entries: [LedgerEntry] = []
        for p in payables where contract.covers(p.referral) {
            let rate: Pence? = p.kind == .perReferral ? contract.perReferral : contract.perAttendance
            guard let rate else { continue }
            entries.append(LedgerEntry(id: env.newID(), key: "\(contract.id):\(p.key)", contractID: contract.id, organisationID: p.organisationID,
                                       kind: p.kind, amount: Pence(rate.value * p.count), referralID: p.referral.referralID, grantID: nil, at: env.now()))
        }
        return try await store.addLedgerEntries(entries)
    }

    /// A payment run as the commissioner sees it: the number of new entries through `DisclosureControl`
    /// (nil, `[c]`, below the minimum group size), since each entry is a referral out or sessions attended.
    public func publishedPaymentRun(_ contractID: String, _ request: Request) async throws -> Int? {
        let contract = try await contract(contractID, request)
        let before = Set(try await store.ledger(contractID: contract.id, organisationID: nil).map(\.key))
        let added = try await paymentRun(contractID, request)
        let new = try await store.ledger(contractID: contract.id, organisationID: nil).filter { !before.contains($0.key) }
        if Self.seesFinance(request) { return added }
        return try await DisclosureControl.load(store).publish(CellCount.records(new.map(\.key)))
    }

    /// One line of a statement: a party (provider or funder), a kind of payment and, for commissioners and
    /// supervisors, a month. `entries` and `amount` are nil where not shown.
    public struct StatementLine: Sendable, Equatable {
        public var party: String
        public var kind: LedgerKind
        /// `YYYY-MM` of the payment run ("" on the finance statement, which covers the whole contract).
        public var month: String
        public var entries: Int?
        public var amount: Pence?
    }

    /// Whether a statement may show exact, record-level money: only the scheme's administrator, who runs
    /// its finance. Everyone else gets statements by provider and month through `DisclosureControl`.
    static func seesFinance(_ request: Request) -> Bool { request.principal.role == .admin }

    /// Payments per referral and per session describe people: each entry is a referral out or sessions
    /// attended. Grant awards are decisions about organisations and are shown as they are.
    static func describesPeople(_ kind: LedgerKind) -> Bool { kind != .grantAward }

    /// The ledger of a contract, entry by entry: for the finance role (administrator) only.
    public func ledger(_ contract: Contract, _ request: Request) async throws -> [LedgerEntry] {
        guard Self.seesFinance(request) else {
            throw LinkwellError.forbidden("The entry-by-entry ledger is for the scheme's finance administrator; commissioners see statements by provider and month.")
        }
        return try await store.ledger(contractID: contract.id, organisationID: nil)
    }

    /// A page of a contract's ledger, oldest first, read by keyset in the store (finance only, as `ledger(_:_:)`).
    public func ledger(_ contract: Contract, page: PageRequest, _ request: Request) async throws -> Page<LedgerEntry> {
        guard Self.seesFinance(request) else {
            throw LinkwellError.forbidden("The entry-by-entry ledger is for the scheme's finance administrator; commissioners see statements by provider and month.")
        }
        let page = try page.requireTimed()
        return Page(fetched: try await store.ledger(contractID: contract.id, keyset: page.fetching), limit: page.limit) { $0.cursor }
    }

    /// Units behind a ledger entry (referrals out or sessions) as a cell keyed on the entry.
    static func cell(_ entry: LedgerEntry, _ contract: Contract) -> CellCount {
        let rate = entry.kind == .perAttendance ? contract.perAttendance : contract.perReferral
        let units = rate.map { $0.value > 0 ? entry.amount.value / $0.value : 1 } ?? 1
        return CellCount(count: units, keySum: units * RecordKey.of(entry.key))
    }

    /// What each provider is owed under a contract, by kind of payment (and month, unless finance).
    public func providerStatement(_ contract: Contract, _ request: Request) async throws -> [StatementLine] {
        try require(request, [.commissioner, .admin, .supervisor], "Statements are for commissioners and supervisors.")
        let organisations = Dictionary(try await store.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let ledger = try await store.ledger(contractID: contract.id, organisationID: nil)
        let finance = Self.seesFinance(request)
        let control = try await DisclosureControl.load(store)
        let groups = Dictionary(grouping: ledger, by: { "\($0.organisationID)|\($0.kind.rawValue)|\(finance ? "" : InsightMonth($0.at).text)" })
        return groups.values.map { entries in
            let first = entries[0]
            let party = organisations[first.organisationID] ?? first.organisationID.rawValue
            let month = finance ? "" : InsightMonth(first.at).text
            if finance || !Self.describesPeople(first.kind) {
                return StatementLine(party: party, kind: first.kind, month: month, entries: entries.count, amount: entries.map(\.amount).sum())
            }
            let units = control.publish(entries.map { Self.cell($0, contract) }.reduce(.zero, +))
            return StatementLine(party: party, kind: first.kind, month: month, entries: units, amount: units.map { Self.amount($0, first.kind, contract) })
        }.sorted { ($0.party, $0.kind.rawValue, $0.month) < ($1.party, $1.kind.rawValue, $1.month) }
    }

    /// The amount for a number of units at the contract's rate (what a published count of units costs).
    static func amount(_ units: Int, _ kind: LedgerKind, _ contract: Contract) -> Pence {
        Pence(units * ((kind == .perAttendance ? contract.perAttendance : contract.perReferral)?.value ?? 0))
    }

    /// What each funder pays of a contract's ledger: every entry split in proportion to contributions,
    /// to the penny (the funders' shares of each entry add up to the entry). For everyone but finance, by
    /// month, with per-person payments worked out from the published number of units.
    public func funderStatement(_ contract: Contract, _ request: Request) async throws -> [StatementLine] {
        try require(request, [.commissioner, .admin, .supervisor], "Statements are for commissioners and supervisors.")
        let funders = Dictionary(try await store.funders().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let finance = Self.seesFinance(request)
        let control = try await DisclosureControl.load(store)
        let ledger = try await store.ledger(contractID: contract.id, organisationID: nil)
        var lines: [StatementLine] = []
        for (key, entries) in Dictionary(grouping: ledger, by: { "\($0.kind.rawValue)|\(finance ? "" : InsightMonth($0.at).text)" }) {
            let kind = entries[0].kind, month = finance ? "" : InsightMonth(entries[0].at).text
            _ = key
            if finance || !Self.describesPeople(kind) {
                var totals: [FunderID: (Int, Pence)] = [:]
                for entry in entries {
                    for (funder, share) in contract.shares(of: entry.amount) {
                        let current = totals[funder] ?? (0, .zero)
                        totals[funder] = (current.0 + 1, current.1 + share)
                    }
                }
                lines += totals.map { StatementLine(party: funders[$0.key] ?? $0.key.rawValue, kind: kind, month: month, entries: $0.value.0, amount: $0.value.1) }
            } else {
                let units = control.publish(entries.map { Self.cell($0, contract) }.reduce(.zero, +))
                let shares = units.map { contract.shares(of: Self.amount($0, kind, contract)) } ?? contract.contributions.map { ($0.funderID, Pence.zero) }
                lines += shares.map { StatementLine(party: funders[$0.0] ?? $0.0.rawValue, kind: kind, month: month, entries: units, amount: units == nil ? nil : $0.1) }
            }
        }
        return lines.sorted { ($0.party, $0.kind.rawValue, $0.month) < ($1.party, $1.kind.rawValue, $1.month) }
    }
}

// MARK: Reference data for the commissioning pages

extension CommissioningService {
    /// Every funder (commissioners, admins, supervisors and the steering group).
    public func funders(_ request: Request) async throws -> [Funder] {
        try require(request, [.commissioner, .admin, .supervisor, .steeringGroup], "Funders are for commissioners, supervisors and the steering group.")
        return try await store.funders()
    }

    /// The names of the scheme's organisations (practices, providers), for labelling contracts and grants.
    public func organisationNames() async throws -> [OrganisationID: String] {
        Dictionary(try await store.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// The scheme's settings (its pathways, which a contract's cohort chooses from).
    public func schemeSettings() async throws -> SchemeSettings { try await store.schemeSettings() }

    /// What a grant-holding group received through the scheme: its referrals out in the fund's cohort, as raw
    /// counts for the caller to protect (nil when it received none).
    public func referralsOut(to organisationID: OrganisationID, in contract: Contract?) async throws -> InsightCount? {
        let cohort = contract.map { InsightFilter(cohorts: [InsightFilter.Cohort($0)]) } ?? InsightFilter()
        return try await store.onwardCounts(by: [.provider], where: cohort).first { $0.keys == [organisationID.rawValue] }
    }

    /// Every contract, for naming the fund of each grant and offering the funds with a grant budget. Providers
    /// see them too: they apply to a fund by name.
    public func fundsForGrants(_ request: Request) async throws -> [Contract] {
        try require(request, [.commissioner, .admin, .supervisor, .steeringGroup, .provider], "Grants are not available to your role.")
        return try await store.contracts()
    }

    /// The contract a grant draws on, if it still exists.
    public func fund(of grant: GrantApplication) async throws -> Contract? { try await store.contract(id: grant.contractID) }
}
