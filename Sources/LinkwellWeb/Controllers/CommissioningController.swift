import Foundation
import Hummingbird
import LinkwellCore

/// Funders, contracts, micro-grants and payment statements: pages and JSON API. Thin: every rule lives in
/// `CommissioningService`.
struct CommissioningController: Sendable {
    let commissioning: CommissioningService
    let insight: InsightService
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        router.get("/commissioning") { request, context in try await overview(request, context) }
        router.post("/commissioning/funders") { request, context -> Response in
            let p = try context.require(.commissioner, .admin)
            let form = try await request.verifiedForm(context)
            do {
                _ = try await commissioning.createFunder(name: form["name"], kind: form["kind"], .init(p, route: request.routeDescription))
                return .redirect(to: "/commissioning", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await overview(request, context, form: form, errors: errors)
            }
        }
        router.post("/commissioning/contracts") { request, context -> Response in
            let p = try context.require(.commissioner, .admin)
            let form = try await request.verifiedForm(context)
            var contributions: [String: String] = [:]
            for (name, values) in form.values where name.hasPrefix("contribution.") {
                if let amount = values.first, !amount.trimmingCharacters(in: .whitespaces).isEmpty { contributions[String(name.dropFirst(13))] = amount }
            }
            var targets: [String: Int] = [:]
            var errors: [FieldError] = []
            for measure in ContractTarget.Measure.allCases {
                guard let raw = form["target.\(measure.rawValue)"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { continue }
                if let value = Int(raw) { targets[measure.rawValue] = value } else { errors.append(FieldError("targets", .targetsNotWholeNumbers)) }
            }
            let input = CommissioningService.ContractInput(
                name: form["name"], start: form["start"], end: form["end"], arrangement: form["arrangement"], contributions: contributions,
                pathways: form.all("pathways"), practiceIDs: form.all("practiceIds"), targets: targets,
                reportingDates: (form["reportingDates"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init),
                perReferral: form["perReferral"], perAttendance: form["perAttendance"], grantBudget: form["grantBudget"])
            do {
                if !errors.isEmpty { throw LinkwellError.invalid(errors) }
                let contract = try await commissioning.createContract(input, .init(p, route: request.routeDescription))
                return .redirect(to: "/commissioning/contracts/\(contract.id)", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                return try await overview(request, context, form: form, errors: fields)
            }
        }
        router.get("/commissioning/contracts/:id") { request, context in try await contractPage(request, context) }
        router.post("/commissioning/contracts/:id/payments") { request, context -> Response in
            let p = try context.require(.commissioner)
            _ = try await request.verifiedForm(context)
            let id = try context.parameters.require("id")
            let added = try await commissioning.publishedPaymentRun(id, .init(p, route: request.routeDescription))
            return try await contractPage(request, context, notice: added.map { context.messages.text("notice.paymentRunDone", ["count": String($0)]) }
                                                ?? context.messages.text("notice.paymentRunDoneSuppressed"))
        }
        router.get("/grants") { request, context in try await grantsPage(request, context) }
        router.post("/grants") { request, context -> Response in
            let p = try context.require(.provider)
            let form = try await request.verifiedForm(context)
            do {
                let grant = try await commissioning.applyForGrant(.init(contractID: form["contractId"], title: form["title"], purpose: form["purpose"],
                                                                        amount: form["amount"]), .init(p, route: request.routeDescription))
                return .redirect(to: "/grants/\(grant.id)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await grantsPage(request, context, form: form, errors: errors)
            }
        }
        router.get("/grants/:id") { request, context in try await grantPage(request, context) }
        router.post("/grants/:id/decision") { request, context -> Response in
            let p = try context.require(.commissioner)
            let form = try await request.verifiedForm(context)
            let id = try context.parameters.require("id")
            do {
                _ = try await commissioning.decideGrant(id, award: form["decision"] == "award", amount: form["amount"], note: form["note"],
                                                        .init(p, route: request.routeDescription))
                return .redirect(to: "/grants/\(id)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await grantPage(request, context, errors: errors)
            }
        }
        router.post("/grants/:id/spend") { request, context -> Response in
            let p = try context.require(.provider)
            let form = try await request.verifiedForm(context)
            let id = try context.parameters.require("id")
            do {
                _ = try await commissioning.reportSpend(id, amount: form["amount"], description: form["description"], .init(p, route: request.routeDescription))
                return .redirect(to: "/grants/\(id)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await grantPage(request, context, errors: errors)
            }
        }
        registerAPI(on: router)
    }

    // MARK: API

    struct FunderInput: Codable, Sendable { var name: String?; var kind: String? }
    struct DecisionInput: Codable, Sendable { var award: Bool?; var amount: String?; var note: String? }
    struct SpendInput: Codable, Sendable { var amount: String?; var description: String? }
    /// `entries` and `amountPence` are null where not shown; `month` is "" on the finance statement.
    struct StatementJSON: Codable, Sendable { var party: String; var kind: String; var month: String; var entries: Int?; var amountPence: Int? }
    struct ContractJSON: Codable, Sendable {
        var contract: Contract
        var budgetPence: Int
        var grantRemainingPence: Int
        var providerStatement: [StatementJSON]
        var funderStatement: [StatementJSON]
    }

    func registerAPI(on router: Router<AppRequestContext>) {
        let api = router.group("api/v1")
        @Sendable func r(_ p: Principal, _ request: Request) -> CaseworkService.Request { .init(p, route: request.routeDescription) }
        api.get("funders") { request, context in
            let p = try context.require(.commissioner, .admin, .supervisor)
            // Bounded: a scheme's funders are a handful.
            return try pagedList(try await commissioning.funders(r(p, request)), request: request) { $0.id.rawValue }
        }
        api.post("funders") { request, context in
            let p = try context.require(.commissioner, .admin)
            let input = try await request.json(FunderInput.self)
            return json(try await commissioning.createFunder(name: input.name, kind: input.kind, r(p, request)), status: .created)
        }
        api.get("contracts") { request, context in
            let p = try context.require(.commissioner, .admin, .supervisor, .steeringGroup)
            // Bounded: a few contracts per funder and reporting period.
            return try pagedList(try await commissioning.contracts(r(p, request)), request: request) { $0.id.rawValue }
        }
        api.post("contracts") { request, context in
            let p = try context.require(.commissioner, .admin)
            return json(try await commissioning.createContract(try await request.json(CommissioningService.ContractInput.self), r(p, request)), status: .created)
        }
        api.get("contracts/:id") { request, context in
            let p = try context.require(.commissioner, .admin, .supervisor)
            let contract = try await commissioning.contract(try context.parameters.require("id"), r(p, request))
            let statement: ([CommissioningService.StatementLine]) -> [StatementJSON] = {
                $0.map { StatementJSON(party: $0.party, kind: $0.kind.rawValue, month: $0.month, entries: $0.entries, amountPence: $0.amount?.value) }
            }
            return json(ContractJSON(contract: contract, budgetPence: contract.budget.value,
                                     grantRemainingPence: try await commissioning.remainingGrantBudget(contract).value,
                                     providerStatement: statement(try await commissioning.providerStatement(contract, r(p, request))),
                                     funderStatement: statement(try await commissioning.funderStatement(contract, r(p, request)))))
        }
        api.post("contracts/:id/payment-run") { request, context in
            let p = try context.require(.commissioner)
            let added = try await commissioning.publishedPaymentRun(try context.parameters.require("id"), r(p, request))
            return json(["added": added])
        }
        api.get("contracts/:id/ledger") { request, context -> Response in
            let p = try context.require(.commissioner, .admin, .supervisor)
            let contract = try await commissioning.contract(try context.parameters.require("id"), r(p, request))
            // The JSON list is paged by keyset in the store; the CSV is the whole ledger, an export.
            guard request.uri.queryParameters["format"].map(String.init) == "csv" else {
                return pagedJSON(try await commissioning.ledger(contract, page: try request.pageRequest(), r(p, request)), request: request)
            }
            let entries = try await commissioning.ledger(contract, r(p, request))
            let organisations = try await commissioning.organisationNames()
            let document = CSVWriter.document(header: ["entry", "date", "provider", "kind", "amount_gbp", "referral", "grant"], rows: entries.map { e in
                [.text(e.id), .text(Format.dateTime(e.at)), .text(organisations[e.organisationID] ?? e.organisationID.rawValue), .code(e.kind.rawValue),
                 .number(e.amount), .text(e.referralID?.rawValue ?? ""), .text(e.grantID?.rawValue ?? "")]
            })
            return csv(document, filename: "linkwell-ledger.csv")
        }
        api.get("grants") { request, context in
            let p = try context.require(.commissioner, .admin, .supervisor, .steeringGroup, .provider)
            return pagedJSON(try await commissioning.grants(page: try request.pageRequest(), r(p, request)), request: request)
        }
        api.post("grants") { request, context in
            let p = try context.require(.provider)
            return json(try await commissioning.applyForGrant(try await request.json(CommissioningService.GrantInput.self), r(p, request)), status: .created)
        }
        api.get("grants/:id") { request, context in
            let p = try context.require(.commissioner, .admin, .supervisor, .steeringGroup, .provider)
            return json(try await commissioning.grant(try context.parameters.require("id"), r(p, request)))
        }
        api.post("grants/:id/decision") { request, context in
            let p = try context.require(.commissioner)
            let input = try await request.json(DecisionInput.self)
            guard let award = input.award else { throw LinkwellError.invalid([.apiOnly("award", "Say whether the panel awards the grant (true) or declines it (false).")]) }
            return json(try await commissioning.decideGrant(try context.parameters.require("id"), award: award, amount: input.amount, note: input.note, r(p, request)))
        }
        api.post("grants/:id/spend") { request, context in
            let p = try context.require(.provider)
            let input = try await request.json(SpendInput.self)
            return json(try await commissioning.reportSpend(try context.parameters.require("id"), amount: input.amount, description: input.description, r(p, request)))
        }
    }

    // MARK: Pages

    func overview(_ request: Request, _ context: AppRequestContext, form: FormData? = nil, errors: [FieldError] = []) async throws -> Response {
        let p = try context.require(.commissioner, .admin, .supervisor, .steeringGroup)
        let funders = try await commissioning.funders(.init(p, route: request.routeDescription))
        let names = Dictionary(funders.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let contracts = try await commissioning.contracts(.init(p, route: request.routeDescription))
        let settings = try await commissioning.schemeSettings()
        let chosen = Set(form?.all("pathways") ?? [])
        var values: [String: String] = [:]
        for key in ["name", "start", "end", "perReferral", "perAttendance", "grantBudget", "reportingDates", "target.referrals", "target.people_supported", "target.closed_after_support"] {
            values[key] = form?[key] ?? ""
        }
        let page = OverviewPage(
            funders: funders.map { .init(name: $0.name, kind: context.messages.label($0.kind)) },
            contracts: contracts.map { c in
                .init(id: c.id.rawValue, name: c.name, period: context.messages.text("commissioning.periodFromTo", ["start": "\(c.start)", "end": "\(c.end)"]),
                      arrangement: context.messages.label(c.arrangement), budget: c.budget.description,
                      funders: c.contributions.map { names[$0.funderID] ?? $0.funderID.rawValue }.joined(separator: ", "))
            },
            kinds: FunderKind.allCases.map { Choice($0.rawValue, context.messages.label($0), selected: form?["kind"] == $0.rawValue) },
            arrangements: ContractArrangement.allCases.map { Choice($0.rawValue, context.messages.label($0), selected: form?["arrangement"] == $0.rawValue) },
            pathways: settings.pathways.map { Choice($0, $0, selected: chosen.contains($0)) },
            funderInputs: funders.map { .init(id: $0.id.rawValue, name: $0.name, amount: form?["contribution.\($0.id)"] ?? "") },
            canEdit: [.commissioner, .admin].contains(p.role), form: values)
        return try HTML(renderer.render(.commissioning, View(title: context.messages.text("titles.fundersAndContracts"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func contractPage(_ request: Request, _ context: AppRequestContext, notice: String = "") async throws -> Response {
        let p = try context.require(.commissioner, .admin, .supervisor)
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let c = try await commissioning.contract(try context.parameters.require("id"), r)
        let funders = Dictionary(try await commissioning.funders(r).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let organisations = Dictionary(try await commissioning.organisationNames().map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { a, _ in a })
        let line: (CommissioningService.StatementLine) -> ContractPage.Line = {
            .init(party: $0.party, kind: context.messages.label($0.kind), month: $0.month, entries: $0.entries.map(String.init) ?? "[c]", amount: $0.amount?.description ?? "[c]")
        }
        let progress = try await commissioning.progress(c)
        let control = try await insight.disclosure()
        let providers = try await commissioning.providerStatement(c, r)
        let page = ContractPage(
            id: c.id.rawValue, name: c.name, period: context.messages.text("commissioning.periodFromTo", ["start": "\(c.start)", "end": "\(c.end)"]),
                      arrangement: context.messages.label(c.arrangement), budget: c.budget.description,
            grantBudget: c.grantBudget.description, grantRemaining: try await commissioning.remainingGrantBudget(c).description,
            cohort: Self.cohort(pathways: c.cohort.pathways, practices: c.cohort.practiceIDs.map { organisations[$0] ?? $0 }, context.messages),
            perReferral: c.perReferral?.description ?? "—", perAttendance: c.perAttendance?.description ?? "—",
            reporting: c.reportingDates.map(\.description).joined(separator: ", "),
            contributions: c.contributions.map { .init(party: funders[$0.funderID] ?? $0.funderID.rawValue, kind: "", month: "", entries: "", amount: $0.amount.description) },
            targets: progress.map { .init(label: context.messages.label($0.0.measure), target: String($0.0.value), actual: control.publish($0.1).map(String.init) ?? "[c]") },
            providers: providers.map(line), funders: try await commissioning.funderStatement(c, r).map(line), hasProviders: !providers.isEmpty,
            canRunPayments: p.role == .commissioner && (c.perReferral != nil || c.perAttendance != nil), notice: notice)
        return try HTML(renderer.render(.contract, View(title: c.name, context: context, page: page, notice: notice.isEmpty ? nil : notice)))
            .response(from: request, context: context)
    }

    func grantsPage(_ request: Request, _ context: AppRequestContext, form: FormData? = nil, errors: [FieldError] = []) async throws -> Response {
        let p = try context.require(.commissioner, .admin, .supervisor, .steeringGroup, .provider)
        let grants = try await commissioning.grants(.init(p, route: request.routeDescription))
        let contracts = try await commissioning.fundsForGrants(.init(p, route: request.routeDescription))
        let names = Dictionary(contracts.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let organisations = try await commissioning.organisationNames()
        let page = GrantsPage(
            rows: grants.map { g in
                .init(id: g.id.rawValue, title: g.title, organisation: organisations[g.organisationID] ?? "", fund: names[g.contractID] ?? "",
                      requested: g.requested.description, awarded: g.awarded.description, spent: g.spent.description, status: context.messages.label(g.status))
            },
            funds: contracts.filter { $0.grantBudget > .zero }.map { Choice($0.id.rawValue, $0.name, selected: form?["contractId"] == $0.id.rawValue) },
            canApply: p.role == .provider, isEmpty: grants.isEmpty,
            form: ["title": form?["title"] ?? "", "purpose": form?["purpose"] ?? "", "amount": form?["amount"] ?? ""])
        return try HTML(renderer.render(.grants, View(title: context.messages.text("titles.microGrants"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func grantPage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = []) async throws -> Response {
        let p = try context.require(.commissioner, .admin, .supervisor, .steeringGroup, .provider)
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let g = try await commissioning.grant(try context.parameters.require("id"), r)
        let contract = try await commissioning.fund(of: g)
        let organisations = try await commissioning.organisationNames()
        // What the group received through the scheme: referrals out to its services in the fund's cohort (protected counts).
        let theirs = try await commissioning.referralsOut(to: g.organisationID, in: contract)
        let control = try await insight.disclosure()
        let protect: (CellCount) -> String = { control.publish($0).map(String.init) ?? "[c]" }
        let page = GrantPage(
            id: g.id.rawValue, title: g.title, organisation: organisations[g.organisationID] ?? "", fund: contract?.name ?? "",
            purpose: g.purpose, requested: g.requested.description, awarded: g.awarded.description, spent: g.spent.description,
            status: context.messages.label(g.status), decisionNote: g.decision?.note ?? "", decidedAt: g.decision.map { context.messages.dateTime($0.at) } ?? "",
            spend: g.spend.map { .init(at: context.messages.dateTime($0.at), amount: $0.amount.description, description: $0.description) },
            canDecide: p.role == .commissioner && g.status == .applied, canReportSpend: p.role == .provider && g.status == .awarded,
            decided: g.status != .applied,
            referralsOut: protect(theirs?.cell ?? .zero), attended: protect(theirs?.attendedCell ?? .zero), didNotAttend: protect(theirs?.didNotAttendCell ?? .zero),
            remaining: contract == nil ? "" : try await commissioning.remainingGrantBudget(contract!).description)
        return try HTML(renderer.render(.grant, View(title: g.title, context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    /// Who a contract covers, in a sentence: "All pathways; all practices" or "Pathways: …; practices: …".
    static func cohort(pathways: [String], practices: [String], _ t: Catalogue) -> String {
        let p = pathways.isEmpty ? nil : pathways.joined(separator: ", "), g = practices.isEmpty ? nil : practices.joined(separator: ", ")
        return switch (p, g) {
        case (nil, nil): t.text("commissioning.cohortEveryone")
        case let (p?, nil): t.text("commissioning.cohortPathways", ["pathways": p])
        case let (nil, g?): t.text("commissioning.cohortPractices", ["practices": g])
        case let (p?, g?): t.text("commissioning.cohortPathwaysAndPractices", ["pathways": p, "practices": g])
        }
    }
}
