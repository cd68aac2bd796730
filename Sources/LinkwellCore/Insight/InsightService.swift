import Foundation

/// Dashboards for supervisors, commissioners and the steering group. Every figure it returns has passed
/// `DisclosureRule`: callers — the UI, CSV downloads, the API — only ever receive protected aggregates, and
/// there is no way through this service to a person-level row.
public struct InsightService: Sendable {
    /// The storage roles dashboards read: de-identified facts, and the names of contracts, funders,
    /// organisations and services that label them.
    public typealias Storage = InsightStore & CommissioningStore & AccountStore & DirectoryStore & AuditStore
    let store: any Storage
    private let trail: AuditTrail
    public let rule: DisclosureRule
    /// Percentiles and rates are shown only over at least this many referrals.
    public let minimumN: Int

    public init(store: any Storage, env: CoreEnvironment, rule: DisclosureRule = .standard, minimumN: Int = 10) {
        self.store = store
        self.trail = AuditTrail(store: store, env: env)
        self.rule = rule
        self.minimumN = minimumN
    }

    /// The query as typed (query parameters or form fields).
    public struct Query: Sendable, Equatable {
        public var from: String?
        public var to: String?
        public var contract: String?
        public var funder: String?
        /// `distance_km`: how far from home a service still meets a need, for unmet demand (default 5).
        public var distanceKm: String?
        public init(from: String? = nil, to: String? = nil, contract: String? = nil, funder: String? = nil, distanceKm: String? = nil) {
            self.from = from
            self.to = to
            self.contract = contract
            self.funder = funder
            self.distanceKm = distanceKm
        }
    }

    /// A validated query: the filter plus what it means in words.
    public struct Scope: Sendable, Equatable {
        public var filter: InsightFilter
        public var description: String
        public var query: Query
        /// The distance for unmet demand, in km (`UnmetDemand.distanceRange`).
        public var distanceKm: Double = UnmetDemand.defaultDistanceKm
    }

    public static let tables = ["source", "practice", "month", "need", "pathway", "funnel", "dropout", "destinations_category",
                                "destinations_provider", "attendance", "declined_capacity", "age_band", "sex", "ethnicity",
                                "deprivation", "satisfaction", "unmet_need"]

    static let viewers: [Role] = [.supervisor, .commissioner, .steeringGroup]

    /// Writes facts for referrals stored before insight facts existed (run at start-up; a no-op afterwards).
    /// Returns how many were written.
    @discardableResult
    public static func backfillFacts(_ store: any LinkwellStore) async throws -> Int {
        var written = 0
        while true {
            let missing = try await store.referralsWithoutFacts(limit: 500)
            if missing.isEmpty { return written }
            for id in missing {
                guard let c = try await store.loadCase(id) else { continue }
                try await store.saveFacts(try await CaseworkService(store: store, env: .live).facts(c))
                written += 1
            }
        }
    }

    // MARK: Queries

    /// Checks the query: months as YYYY-MM, a range that does not end before it starts, a known contract or funder,
    /// a distance in km within `UnmetDemand.distanceRange`.
    public func scope(_ q: Query, _ request: CaseworkService.Request) async throws -> Scope {
        guard Self.viewers.contains(request.principal.role) else {
            throw LinkwellError.forbidden("Insight dashboards are for supervisors, commissioners and the steering group.")
        }
        var v = Validator()
        func month(_ raw: String?, _ field: String) -> InsightMonth? {
            guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            guard let m = InsightMonth(raw) else { v.add(field, "Give a month as YYYY-MM, e.g. 2026-04."); return nil }
            return m
        }
        let from = month(q.from, "from"), to = month(q.to, "to")
        if let from, let to, to < from { v.add("to", "The date range ends (\(to)) before it starts (\(from)).") }
        var cohorts: [InsightFilter.Cohort]?
        var words: [String] = []
        if let id = q.contract, !id.isEmpty {
            if let contract = try await store.contract(id: ContractID(id)) {
                cohorts = [InsightFilter.Cohort(contract)]
                words.append("funded by \(contract.name)")
            } else { v.add("contract", "There is no contract '\(id)'.") }
        }
        if let id = q.funder, !id.isEmpty {
            if let funder = try await store.funders().first(where: { $0.id.rawValue == id }) {
                let theirs = try await store.contracts().filter { $0.contributions.contains { $0.funderID == funder.id } }
                cohorts = (cohorts ?? []) + theirs.map(InsightFilter.Cohort.init)
                words.append("funded by \(funder.name)")
            } else { v.add("funder", "There is no funder '\(id)'.") }
        }
        var distance = UnmetDemand.defaultDistanceKm
        if let raw = q.distanceKm?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let range = UnmetDemand.distanceRange
            if let km = Double(raw), km.isFinite, range.contains(km) { distance = km } else {
                v.add("distance_km", "Give a distance in km from \(UnmetDemand.label(range.lowerBound)) to \(UnmetDemand.label(range.upperBound)), e.g. 5.")
            }
        }
        try v.check()
        if let from { words.append("from \(from)") }
        if let to { words.append("to \(to)") }
        return Scope(filter: InsightFilter(from: from, to: to, cohorts: cohorts),
                     description: words.isEmpty ? "All referrals" : "Referrals " + words.joined(separator: ", "), query: q, distanceKm: distance)
    }

    /// Commissioners and the steering group receive aggregates only; this is the answer to asking for rows.
    public static func refusePersonLevel() -> LinkwellError {
        .forbidden("Commissioners and the steering group receive aggregate, de-identified figures only; person-level data is not available to this role.")
    }

    // MARK: Dashboard

    public struct Waiting: Sendable, Equatable, Codable {
        public var referralsSeen: Int?
        public var medianDays: Int?
        public var p90Days: Int?
    }

    public struct Dashboard: Sendable {
        public var scope: Scope
        public var totalReferrals: Int?
        public var waiting: Waiting
        public var tables: [PublishedTable]
    }

    public func dashboard(_ q: Query, _ request: CaseworkService.Request) async throws -> Dashboard {
        let scope = try await scope(q, request)
        var tables: [PublishedTable] = []
        for name in Self.tables { tables.append(try await table(name, scope)) }
        let total = try await store.referralCounts(by: [], where: scope.filter).first?.count ?? 0
        try await trail.record(request, action: "report", type: "insight", id: scope.description, allowed: true)
        return Dashboard(scope: scope, totalReferrals: total > 0 && total <= rule.suppressUpTo ? nil : rule.round(total),
                         waiting: try await waiting(scope.filter), tables: tables)
    }

    /// The waiting-time summary alone (for benchmarks and the API).
    public func dashboardWaiting(_ q: Query, _ request: CaseworkService.Request) async throws -> Waiting {
        try await waiting(try await scope(q, request).filter)
    }

    /// One table, for CSV download and the API.
    public func table(_ name: String, _ q: Query, _ request: CaseworkService.Request) async throws -> PublishedTable {
        guard Self.tables.contains(name) else {
            throw LinkwellError.notFound("There is no insight table '\(name)'. Tables: \(Self.tables.joined(separator: ", ")).")
        }
        let scope = try await scope(q, request)
        try await trail.record(request, action: "report", type: "insight", id: "\(name): \(scope.description)", allowed: true)
        return try await table(name, scope)
    }

    /// Median and 90th percentile of days from referral to first contact (nearest-rank, whole days).
    func waiting(_ filter: InsightFilter) async throws -> Waiting {
        let histogram = try await store.waitDays(where: filter)
        let n = histogram.values.reduce(0, +)
        guard n >= minimumN else { return Waiting(referralsSeen: n == 0 ? 0 : nil, medianDays: nil, p90Days: nil) }
        func percentile(_ p: Double) -> Int {
            let rank = Int((p * Double(n)).rounded(.up))
            var seen = 0
            for day in histogram.keys.sorted() {
                seen += histogram[day]!
                if seen >= rank { return day }
            }
            return histogram.keys.max()!
        }
        return Waiting(referralsSeen: rule.round(n), medianDays: percentile(0.5), p90Days: percentile(0.9))
    }

    func names() async throws -> (organisations: [String: String], services: [String: String]) {
        let organisations = Dictionary(try await store.organisations().map { ($0.id.rawValue, $0.name) }, uniquingKeysWith: { a, _ in a })
        let services = Dictionary(try await store.services().map { ($0.id.rawValue, $0.name) }, uniquingKeysWith: { a, _ in a })
        return (organisations, services)
    }

    func table(_ name: String, _ scope: Scope) async throws -> PublishedTable {
        let f = scope.filter
        func counts(_ d: InsightDimension) async throws -> [String: Int] {
            Dictionary(try await store.referralCounts(by: [d], where: f).map { ($0.keys[0], $0.count) }, uniquingKeysWith: +)
        }
        func make(_ title: String, _ dimension: String, _ rows: [(String, String, Int)], keepZero: Bool = false) -> PublishedTable {
            PublishedTable(name: name, title: title, dimension: dimension, columns: ["Referrals"],
                           rows: rows.filter { keepZero || $0.2 > 0 }.map { (key: $0.0, label: $0.1, counts: [$0.2]) }, rule: rule)
        }
        func labelled<E: RawRepresentable & CaseIterable>(_ d: InsightDimension, _ type: E.Type, _ label: (E) -> String) async throws -> [(String, String, Int)] where E.RawValue == String {
            let c = try await counts(d)
            return E.allCases.map { ($0.rawValue, label($0), c[$0.rawValue] ?? 0) }
        }
        switch name {
        case "source":
            return make("Referrals by source", "Source", try await labelled(.sourceType, SourceType.self, \.label))
        case "practice":
            let orgs = try await names().organisations
            let rows = try await counts(.practice).sorted { $0.key < $1.key }.map { ($0.key, orgs[$0.key] ?? ($0.key.isEmpty ? "Self-referral or unknown" : $0.key), $0.value) }
            return make("Referrals by practice", "Practice", rows)
        case "month":
            let rows = try await counts(.month).sorted { $0.key < $1.key }.map { ($0.key, $0.key, $0.value) }
            return make("Referrals by month received", "Month", rows, keepZero: true)
        case "need":
            return make("Referrals by need (a referral may have several)", "Need", try await labelled(.need, Need.self, \.label))
        case "pathway":
            let rows = try await counts(.pathway).sorted { $0.key < $1.key }.map { ($0.key, $0.key.isEmpty ? "No pathway" : $0.key, $0.value) }
            return make("Referrals by pathway", "Pathway", rows)
        case "funnel":
            let reached = try await counts(.stageReached)
            let rows = InsightStage.allCases.map { stage in
                (String(stage.rawValue), stage.label, reached.filter { (Int($0.key) ?? 0) >= stage.rawValue }.values.reduce(0, +))
            }
            // Cumulative counts are not a partition, so each row is protected on its own (no secondary step needed:
            // no published total is the sum of these rows).
            var table = PublishedTable(name: name, title: "Conversion: referrals reaching each stage", dimension: "Stage",
                                       columns: ["Referrals"], rows: [], rule: rule)
            table.rows = rows.map { row in
                let shown = row.2 == 0 || row.2 > rule.suppressUpTo
                return PublishedTable.Row(key: row.0, label: row.1, values: [shown ? rule.round(row.2) : nil],
                                          note: shown && rows[0].2 >= minimumN ? "\(Int((Double(row.2) / Double(max(1, rows[0].2)) * 100).rounded()))% of referrals" : nil)
            }
            table.totals = [nil]
            return table
        case "dropout":
            let counts = try await store.referralCounts(by: [.status, .stageReached], where: f)
            let ended: [ReferralStatus] = [.declined, .redirected, .unableToContact, .withdrawn]
            var rows: [(String, String, Int)] = []
            for status in ended {
                for stage in InsightStage.allCases {
                    let n = counts.filter { $0.keys[0] == status.rawValue && Int($0.keys[1]) == stage.rawValue }.map(\.count).reduce(0, +)
                    if n > 0 { rows.append(("\(status.rawValue)@\(stage.rawValue)", "\(status.label) after: \(stage.label.lowercased())", n)) }
                }
            }
            return make("Drop-out: how referrals ended early, by the furthest stage reached", "Ending", rows)
        case "destinations_category", "destinations_provider", "attendance", "declined_capacity":
            return try await onwardTable(name, f)
        case "age_band":
            let c = try await counts(.ageBand)
            return make("Referrals by age band", "Age band", AgeBand.all.map { ($0, $0, c[$0] ?? 0) }, keepZero: true)
        case "sex":
            return make("Referrals by sex", "Sex", try await labelled(.sex, Sex.self, \.label), keepZero: true)
        case "ethnicity":
            return make("Referrals by ethnic group", "Ethnic group", try await labelled(.ethnicity, EthnicGroup.self, \.label), keepZero: true)
        case "deprivation":
            let c = try await counts(.deprivation)
            var rows: [(String, String, Int)] = (1...10).map { (decile: Int) -> (String, String, Int) in
                let suffix = decile == 1 ? " (most deprived)" : decile == 10 ? " (least deprived)" : ""
                return (String(decile), "Decile \(decile)" + suffix, c[String(decile)] ?? 0)
            }
            rows.append(("unknown", "Postcode not in the deprivation lookup", c["unknown"] ?? 0))
            return make("Referrals by deprivation decile (IMD)", "Decile", rows, keepZero: true)
        case "satisfaction":
            let c = try await counts(.satisfaction)
            var rows: [(String, String, Int)] = (1...5).map { (score: Int) -> (String, String, Int) in
                (String(score), "\(score) — \(ClosingFeedback.satisfactionLabels[score - 1])", c[String(score)] ?? 0)
            }
            rows.append(("", "Not given", c[""] ?? 0))
            return make("Satisfaction given at closing", "Satisfaction", rows, keepZero: true)
        case "unmet_need":
            return try await unmetNeed(f, km: scope.distanceKm)
        default:
            throw LinkwellError.notFound("There is no insight table '\(name)'.")
        }
    }

    func onwardTable(_ name: String, _ f: InsightFilter) async throws -> PublishedTable {
        let (organisations, _) = try await names()
        switch name {
        case "destinations_category":
            let rows = try await store.onwardCounts(by: [.category], where: f).sorted { $0.keys[0] < $1.keys[0] }
            return PublishedTable(name: name, title: "Referrals out by category of service", dimension: "Category", columns: ["Referrals out"],
                                  rows: rows.map { (key: $0.keys[0], label: $0.keys[0], counts: [$0.count]) }, rule: rule)
        case "destinations_provider":
            let rows = try await store.onwardCounts(by: [.provider], where: f).sorted { $0.keys[0] < $1.keys[0] }
            return PublishedTable(name: name, title: "Referrals out by provider", dimension: "Provider", columns: ["Referrals out"],
                                  rows: rows.map { (key: $0.keys[0], label: organisations[$0.keys[0]] ?? $0.keys[0], counts: [$0.count]) }, rule: rule)
        case "attendance":
            let rows = try await store.onwardCounts(by: [.provider], where: f).filter { $0.attended + $0.didNotAttend > 0 }.sorted { $0.keys[0] < $1.keys[0] }
            return PublishedTable(name: name, title: "Sessions attended and missed (did not attend), by provider", dimension: "Provider",
                                  columns: ["Attended", "Did not attend"],
                                  rows: rows.map { (key: $0.keys[0], label: organisations[$0.keys[0]] ?? $0.keys[0], counts: [$0.attended, $0.didNotAttend]) },
                                  rule: rule) { [minimumN] counts in
                let sessions = counts[0] + counts[1]
                return sessions >= minimumN ? "DNA rate \(Int((Double(counts[1]) / Double(sessions) * 100).rounded()))%" : nil
            }
        default:
            let rows = try await store.onwardCounts(by: [.provider, .rejectionReason], where: f, rejectedOnly: true)
                .filter { [RejectionReason.noCapacity.rawValue, RejectionReason.waitingList.rawValue].contains($0.keys[1]) }
            let byProvider = Dictionary(grouping: rows, by: { $0.keys[0] })
            return PublishedTable(name: name, title: "Referrals out declined for capacity (no capacity or waiting list), by provider",
                                  dimension: "Provider", columns: ["No capacity", "Waiting list"],
                                  rows: byProvider.keys.sorted().map { key in
                                      let mine = byProvider[key]!
                                      return (key: key, label: organisations[key] ?? key,
                                              counts: [mine.filter { $0.keys[1] == RejectionReason.noCapacity.rawValue }.map(\.count).reduce(0, +),
                                                       mine.filter { $0.keys[1] == RejectionReason.waitingList.rawValue }.map(\.count).reduce(0, +)])
                                  }, rule: rule)
        }
    }

    /// Unmet demand by need: referrals; those with no active directory service able to meet the need within
    /// `km` of home (`UnmetDemand`); those whose postcode is not in the postcode lookup, so their distance is
    /// unknown (counted apart, never taken as met or unmet); and referrals out turned away for capacity.
    /// Each column is protected as its own breakdown by `DisclosureRule`, like every other table.
    func unmetNeed(_ f: InsightFilter, km: Double) async throws -> PublishedTable {
        let demand = try await UnmetDemand.compute(store, where: f, km: km)
        let capacity = try await store.onwardCounts(by: [.category, .rejectionReason], where: f, rejectedOnly: true)
            .filter { [RejectionReason.noCapacity.rawValue, RejectionReason.waitingList.rawValue].contains($0.keys[1]) }
        let rows = Need.allCases.enumerated().map { i, need in
            let categories = NeedCategories.categories(for: need)
            let turnedAway = capacity.filter { categories.contains($0.keys[0].lowercased()) }.map(\.count).reduce(0, +)
            // Waiting lists are directory facts about services, not people: named in the label, not protected as counts.
            let waiting = demand.servicesWithWaitingList[i]
            let label = need.label + (waiting == 0 ? "" : " — \(waiting) nearby service\(waiting == 1 ? "" : "s") with a waiting list"
                + (demand.longestWaitWeeks[i].map { " (up to \($0) week\($0 == 1 ? "" : "s"))" } ?? ""))
            return (key: need.rawValue, label: label,
                    counts: [demand.referrals[i], demand.unmet[i], demand.locationUnknown[i], turnedAway])
        }
        let distance = UnmetDemand.label(km)
        return PublishedTable(name: "unmet_need",
                              title: "Unmet demand by need: referrals with no active service within \(distance) km of home, referrals out turned away for capacity, and nearby services with waiting lists",
                              dimension: "Need",
                              columns: ["Referrals", "No active service within \(distance) km", "Location unknown (postcode not in lookup)", "Turned away for capacity"],
                              rows: rows, rule: rule)
    }
}

/// Which service categories can meet which need.
public enum NeedCategories {
    public static func categories(for need: Need) -> Set<String> {
        // A directory listing's category is its first need term's name; older services carry the code.
        Set([need.rawValue, need.label.lowercased()]).union(synonyms(need))
    }

    static func synonyms(_ need: Need) -> Set<String> {
        switch need {
        case .loneliness: ["social", "befriending", "lunch club", "arts", "community"]
        case .lowMood, .anxiety: ["mental wellbeing", "arts", "befriending", "talking therapies", "nature"]
        case .debt, .benefits: ["advice", "money advice", "debt advice"]
        case .housing: ["advice", "housing"]
        case .employment: ["employment", "volunteering", "learning"]
        case .carerSupport: ["carers"]
        case .bereavement: ["bereavement", "befriending"]
        case .physicalActivity: ["physical activity", "walking", "gardening", "nature"]
        case .longTermCondition: ["physical activity", "self-management", "walking"]
        case .other: ["community", "social"]
        }
    }
}

// MARK: The row-level facts export and free-text feedback

extension InsightService {
    /// A streamed CSV of the de-identified facts, for the scheme's own analysts (supervisors only). The export
    /// is audited when it is authorised, before the first row is written.
    public struct FactsExportStream: Sendable {
        fileprivate let store: any InsightStore
        /// Writes the header and every fact, a page at a time; returns the number of rows.
        public func stream(_ write: (String) async throws -> Void) async throws -> Int { try await FactsExport.stream(store, write) }
    }

    public func factsExport(_ request: ServiceRequest) async throws -> FactsExportStream {
        guard request.principal.role == .supervisor else {
            throw LinkwellError.forbidden("Only supervisors export the de-identified facts; commissioners receive aggregates only.")
        }
        try await trail.record(request, action: "export", type: "insight_facts", id: "all", allowed: true)
        return FactsExportStream(store: store)
    }

    /// What people said they would change when their case closed (free text), newest first.
    public func closingComments(_ request: ServiceRequest) async throws -> [String] {
        guard Self.viewers.contains(request.principal.role) else { throw Self.refusePersonLevel() }
        return try await store.closingFeedback(where: InsightFilter(), limit: 200).map(\.wouldChange)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
