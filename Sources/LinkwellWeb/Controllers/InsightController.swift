import Foundation
import Hummingbird
import LinkwellCore

/// Insight dashboards (supervisors, commissioners), the steering group's summary, the quarterly contract
/// report, and their CSV and JSON forms. Everything here comes from `InsightService`, which only returns
/// protected aggregates.
struct InsightController: Sendable {
    let insight: InsightService
    let commissioning: CommissioningService
    let outcomes: OutcomeService
    let renderer: PageRenderer

    struct TableView: Sendable {
        struct RowView: Sendable { var label: String; var values: [String]; var note: String }
        var name, title, dimension, chart, csvHref: String
        var columns: [String]
        var rows: [RowView]
        var totals: [String]
        var hasNote: Bool
        var isEmpty: Bool
    }

    static func query(_ request: Request) -> InsightService.Query {
        let q = request.uri.queryParameters
        return InsightService.Query(from: q["from"].map(String.init), to: q["to"].map(String.init),
                                    contract: q["contract"].map(String.init), funder: q["funder"].map(String.init),
                                    distanceKm: q["distance_km"].map(String.init))
    }

    /// Refuses any request for person-level rows, in every form.
    static func refuseRows(_ request: Request) throws {
        let q = request.uri.queryParameters
        if q["level"].map(String.init) == "person" || q["person"] != nil || q["referral"] != nil {
            throw InsightService.refusePersonLevel()
        }
    }

    /// A table worded by `c` (`Catalogue.insightTable`); the CSV link downloads Core's English.
    func view(_ t: PublishedTable, query: String, _ c: Catalogue, control: DisclosureControl) -> TableView {
        let show: (Int?) -> String = { $0.map(String.init) ?? "[c]" }
        let words = c.insightTable(t, control: control)
        return TableView(name: t.name, title: words.title, dimension: words.dimension,
                         chart: SVGChart.bars(title: words.title, rows: t.rows.indices.map { (words.rows[$0], t.rows[$0].values.first ?? nil) }),
                         csvHref: "/insight/\(t.name).csv\(query)", columns: words.columns,
                         rows: t.rows.indices.map { TableView.RowView(label: words.rows[$0], values: t.rows[$0].values.map(show), note: words.notes[$0] ?? "") },
                         totals: t.totals.map(show), hasNote: words.notes.contains { $0 != nil }, isEmpty: t.rows.isEmpty)
    }

    static func queryString(_ q: InsightService.Query) -> String {
        let parts = [("from", q.from), ("to", q.to), ("contract", q.contract), ("funder", q.funder), ("distance_km", q.distanceKm)]
            .compactMap { name, value in value.flatMap { $0.isEmpty ? nil : "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/insight") { request, context in try await dashboardPage(request, context) }
        router.get("/insight/export/facts.csv") { request, context -> Response in
            let p = try context.require(.supervisor)
            let export = try await insight.factsExport(.init(p, route: request.routeDescription))
            return csvStream(filename: "linkwell-referral-facts.csv") { emit in _ = try await export.stream(emit) }
        }
        router.get("/insight/:table") { request, context -> Response in
            let p = try context.require(.supervisor, .commissioner, .steeringGroup)
            try Self.refuseRows(request)
            let name = try context.parameters.require("table")
            guard name.hasSuffix(".csv") else { throw LinkwellError.notFound("page") }
            let table = try await insight.table(String(name.dropLast(4)), Self.query(request), .init(p, route: request.routeDescription))
            return csv(table.csv, filename: "linkwell-\(table.name).csv")
        }
        router.get("/steering") { request, context in try await steeringPage(request, context) }
        router.get("/commissioning/contracts/:id/report") { request, context in try await reportPage(request, context) }

        let api = router.group("api/v1")
        api.get("insight") { request, context -> Response in
            let p = try context.require(.supervisor, .commissioner, .steeringGroup)
            try Self.refuseRows(request)
            let dashboard = try await insight.dashboard(Self.query(request), .init(p, route: request.routeDescription))
            return json(DashboardJSON(dashboard))
        }
        api.get("insight/:table") { request, context -> Response in
            let p = try context.require(.supervisor, .commissioner, .steeringGroup)
            try Self.refuseRows(request)
            let table = try await insight.table(try context.parameters.require("table"), Self.query(request), .init(p, route: request.routeDescription))
            switch request.uri.queryParameters["format"].map(String.init) ?? "json" {
            case "json": return json(table)
            case "csv": return csv(table.csv, filename: "linkwell-\(table.name).csv")
            default: throw LinkwellError.invalid("format", .formatUnknown, ["allowed": "json or csv"])
            }
        }
    }

    struct DashboardJSON: Codable, Sendable {
        /// The scope in English (`scopeParts` in words), as before.
        var scope: String
        /// What the scope narrows to, in order, for a client to word in its own language (none: all referrals).
        var scopeParts: [ScopePart]
        var totalReferrals: Int?
        var waiting: InsightService.Waiting
        var disclosure: DisclosureControl.Summary
        var tables: [PublishedTable]
        init(_ d: InsightService.Dashboard) {
            scope = d.scope.description
            scopeParts = d.scope.parts.map(ScopePart.init)
            totalReferrals = d.totalReferrals
            waiting = d.waiting
            disclosure = d.scope.control.summary
            tables = d.tables
        }
    }

    /// One way a dashboard's scope narrows the referrals counted: `fundedBy` a contract's or funder's `name`,
    /// or received `from` / `to` a `month` (YYYY-MM, inclusive).
    struct ScopePart: Codable, Sendable, Equatable {
        var kind: String
        var name: String?
        var month: String?
        init(_ part: InsightService.Scope.Part) {
            switch part {
            case let .fundedBy(name): (kind, self.name) = ("fundedBy", name)
            case let .from(month): (kind, self.month) = ("from", month.description)
            case let .to(month): (kind, self.month) = ("to", month.description)
            }
        }
    }

    func dashboardPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.require(.supervisor, .commissioner)
        try Self.refuseRows(request)
        let q = Self.query(request)
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let contracts = try await commissioning.contracts(r)
        let funders = try await commissioning.funders(r)
        var errors: [FieldError] = []
        var dashboard: InsightService.Dashboard?
        do { dashboard = try await insight.dashboard(q, r) } catch LinkwellError.invalid(let fields) { errors = fields }
        let qs = Self.queryString(q)
        let show: (Int?) -> String = { $0.map(String.init) ?? "[c]" }
        let rules = try await insight.disclosure().summary
        var page = DashboardPage(
            from: q.from ?? "", to: q.to ?? "", distanceKm: q.distanceKm ?? UnmetDemand.label(UnmetDemand.defaultDistanceKm), scope: dashboard.map { context.messages.insightScope($0.scope) } ?? "",
            total: show(dashboard?.totalReferrals), seen: show(dashboard?.waiting.referralsSeen),
            median: dashboard?.waiting.medianDays.map { context.messages.text("insight.days", ["days": String($0)]) } ?? context.messages.text("insight.notShownTooFew"),
            p90: dashboard?.waiting.p90Days.map { context.messages.text("insight.days", ["days": String($0)]) } ?? context.messages.text("insight.notShownTooFew"),
            minimumGroupSize: String(rules.minimumGroupSize), roundTo: String(rules.roundTo), maximumAdjustment: String(rules.maximumAdjustment),
            contracts: [Choice("", context.messages.text("insight.any"))] + contracts.map { Choice($0.id.rawValue, $0.name, selected: $0.id.rawValue == q.contract) },
            funders: [Choice("", context.messages.text("insight.any"))] + funders.map { Choice($0.id.rawValue, $0.name, selected: $0.id.rawValue == q.funder) },
            tables: dashboard.map { d in d.tables.map { view($0, query: qs, context.messages, control: d.scope.control) } } ?? [], canExportFacts: p.role == .supervisor)
        page.hasScope = dashboard != nil
        return try HTML(renderer.render(.insight, View(title: context.messages.text("titles.insight"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func steeringPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.require(.steeringGroup, .commissioner, .supervisor)
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let dashboard = try await insight.dashboard(InsightService.Query(), r)
        let wanted = ["funnel", "source", "need", "unmet_need", "satisfaction", "age_band", "ethnicity", "deprivation"]
        // Free text only once enough people have written some, never in date order (`InsightService.steeringComments`).
        let comments = try await insight.steeringComments(InsightService.Query(), r)
        let withheld = comments == nil
        let minimumGroupSize = dashboard.scope.control.minimumGroupSize
        var outcome = context.messages.text("insight.notEnoughPairedMeasures")
        if let report = try? await outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .all, minimumN: minimumGroupSize, r),
           let all = report.rows.first, let result = all.result, let paired = all.paired {
            outcome = context.messages.text("insight.lifeSatisfactionChange", [
                "change": String(format: "%+.1f", result.meanChange), "low": String(format: "%+.1f", result.changeLow),
                "high": String(format: "%+.1f", result.changeHigh), "people": String(paired)])
        }
        let show: (Int?) -> String = { $0.map(String.init) ?? "[c]" }
        let page = SteeringPage(
            scope: context.messages.insightScope(dashboard.scope), total: show(dashboard.totalReferrals), seen: show(dashboard.waiting.referralsSeen),
            median: dashboard.waiting.medianDays.map { context.messages.text("insight.days", ["days": String($0)]) } ?? context.messages.text("insight.notShownTooFew"),
            p90: dashboard.waiting.p90Days.map { context.messages.text("insight.days", ["days": String($0)]) } ?? context.messages.text("insight.notShownTooFew"), outcome: outcome,
            tables: dashboard.tables.filter { wanted.contains($0.name) }.map { view($0, query: "", context.messages, control: dashboard.scope.control) },
            comments: comments ?? [], hasComments: !withheld, commentsWithheld: withheld,
            minimumN: String(minimumGroupSize))
        return try HTML(renderer.render(.steering, View(title: context.messages.text("titles.steeringGroupSummary"), context: context, page: page)))
            .response(from: request, context: context)
    }

    /// The printable quarterly report of one contract (`?quarter=2026-Q2`; default: the current quarter).
    func reportPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.require(.commissioner, .supervisor, .steeringGroup)
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let contract = try await commissioning.contract(try context.parameters.require("id"), r)
        let now = InsightMonth(commissioning.env.now())
        let raw = request.uri.queryParameters["quarter"].map(String.init) ?? "\(now.year)-Q\((now.month - 1) / 3 + 1)"
        let parts = raw.split(separator: "-Q")
        guard parts.count == 2, let year = Int(parts[0]), let quarter = Int(parts[1]), (1...4).contains(quarter), (1900...2200).contains(year) else {
            throw LinkwellError.invalid("quarter", .quarterNotValid)
        }
        let first = InsightMonth(year: year, month: (quarter - 1) * 3 + 1)
        let last = InsightMonth(year: year, month: (quarter - 1) * 3 + 3)
        let q = InsightService.Query(from: first.text, to: last.text, contract: contract.id.rawValue)
        let dashboard = try await insight.dashboard(q, r)
        let progress = try await commissioning.progress(contract)
        let funders = Dictionary(try await commissioning.funders(r).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let show: (Int?) -> String = { $0.map(String.init) ?? "[c]" }
        let wanted = ["month", "source", "practice", "need", "funnel", "dropout", "destinations_provider", "attendance", "declined_capacity", "unmet_need"]
        let previous = quarter == 1 ? "\(year - 1)-Q4" : "\(year)-Q\(quarter - 1)"
        let next = quarter == 4 ? "\(year + 1)-Q1" : "\(year)-Q\(quarter + 1)"
        let page = ReportPage(
            contract: contract.name, period: context.messages.text("commissioning.periodFromTo", ["start": "\(contract.start)", "end": "\(contract.end)"]),
            quarter: context.messages.text("insight.quarter", ["year": String(year), "quarter": String(quarter), "first": "\(first)", "last": "\(last)"]),
            funders: contract.contributions.map { "\(funders[$0.funderID] ?? $0.funderID.rawValue) \($0.amount)" }.joined(separator: "; "),
            budget: contract.budget.description, printed: context.messages.dateTime(commissioning.env.now()),
            targets: progress.map { ReportPage.Target(label: context.messages.label($0.0.measure), target: String($0.0.value), actual: show(dashboard.scope.control.publish($0.1))) },
            hasTargets: !progress.isEmpty, total: show(dashboard.totalReferrals),
            median: dashboard.waiting.medianDays.map { context.messages.text("insight.days", ["days": String($0)]) } ?? context.messages.text("insight.notShownTooFew"),
            p90: dashboard.waiting.p90Days.map { context.messages.text("insight.days", ["days": String($0)]) } ?? context.messages.text("insight.notShownTooFew"),
            tables: dashboard.tables.filter { wanted.contains($0.name) }.map { view($0, query: Self.queryString(q), context.messages, control: dashboard.scope.control) },
            previous: "/commissioning/contracts/\(contract.id)/report?quarter=\(previous)",
            next: "/commissioning/contracts/\(contract.id)/report?quarter=\(next)")
        return try HTML(renderer.render(.contractReport, View(title: context.messages.text("titles.quarterlyReport", ["contract": contract.name]), context: context, page: page)))
            .response(from: request, context: context)
    }
}
