import Foundation

/// Dashboards for supervisors, commissioners and the steering group. Every figure it returns has passed
/// `DisclosureControl`: callers — the UI, CSV downloads, the API — only ever receive protected aggregates, and
/// there is no way through this service to a person-level row.
public struct InsightService: Sendable {
    /// The storage roles dashboards read: de-identified facts, the names of contracts, funders,
    /// organisations and services that label them, and the scheme's disclosure settings and secret.
    public typealias Storage = InsightStore & CommissioningStore & AccountStore & DirectoryStore & AuditStore & SettingsStore & SecretStore
        & LearnedInsightStore
    let store: any Storage
    private let trail: AuditTrail

    public init(store: any Storage, env: CoreEnvironment) {
        self.store = store
        self.trail = AuditTrail(store: store, env: env)
    }

    /// The scheme's disclosure control (its minimum group size and secret), read afresh so that an
    /// administrator's change applies at once.
    public func disclosure() async throws -> DisclosureControl { try await DisclosureControl.load(store) }

    /// The query as typed (query parameters or form fields).
    public struct Query: Sendable, Equatable {
        public var from: String?
        public var to: String?
        public var contract: String?
        public var funder: String?
        /// `distance_km`: how far from home a service still meets a need, for unmet demand: one of
        /// `UnmetDemand.distanceBands` (default 5).
        public var distanceKm: String?
        public init(from: String? = nil, to: String? = nil, contract: String? = nil, funder: String? = nil, distanceKm: String? = nil) {
            self.from = from
            self.to = to
            self.contract = contract
            self.funder = funder
            self.distanceKm = distanceKm
        }
    }

    /// A validated query: the filter plus what it means, in parts (for a page to word) and in English words.
    public struct Scope: Sendable, Equatable {
        public var filter: InsightFilter
        /// What the scope narrows to, in order (none: all referrals); `description` is these in English.
        public var parts: [Part] = []
        /// The parts in English ("Referrals funded by Leeds ICB, from 2026-04, to 2026-06"), for the API and the audit trail.
        public var description: String
        public var query: Query
        /// The distance for unmet demand, in km (one of `UnmetDemand.distanceBands`).
        public var distanceKm: Double = UnmetDemand.defaultDistanceKm
        /// The rules every figure of this scope passed.
        public var control: DisclosureControl

        /// One way a scope narrows the referrals counted.
        public enum Part: Sendable, Equatable {
            /// Referrals of a contract, or of a funder's contracts, by the contract's or funder's name.
            case fundedBy(String)
            /// Referrals received from this month on.
            case from(InsightMonth)
            /// Referrals received up to the end of this month.
            case to(InsightMonth)

            /// The part in English ("funded by Leeds ICB", "from 2026-04").
            public var english: String {
                switch self {
                case let .fundedBy(name): "funded by \(name)"
                case let .from(month): "from \(month)"
                case let .to(month): "to \(month)"
                }
            }
        }

        /// The parts in English: "All referrals", or "Referrals " and the parts.
        public static func english(_ parts: [Part]) -> String {
            parts.isEmpty ? "All referrals" : "Referrals " + parts.map(\.english).joined(separator: ", ")
        }
    }

    public static let tables = ["source", "practice", "month", "need", "pathway", "funnel", "dropout", "destinations_category",
                                "destinations_provider", "attendance", "declined_capacity", "age_band", "sex", "ethnicity",
                                "deprivation", "satisfaction", "unmet_need", "service_feedback"]

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

    /// Checks the query: months as YYYY-MM making a whole month, quarter, calendar year or financial year
    /// (`DisclosureControl.isAllowedPeriod`), a known contract or funder, a distance among `UnmetDemand.distanceBands`.
    public func scope(_ q: Query, _ request: CaseworkService.Request) async throws -> Scope {
        guard Self.viewers.contains(request.principal.role) else {
            throw LinkwellError.forbidden("Insight dashboards are for supervisors, commissioners and the steering group.")
        }
        var v = Validator()
        func month(_ raw: String?, _ field: String) -> InsightMonth? {
            guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            guard let m = InsightMonth(raw) else { v.add(field, .monthNotValid); return nil }
            return m
        }
        let from = month(q.from, "from"), to = month(q.to, "to")
        if let from, let to, to < from { v.add("to", .periodBackwards, ["from": from.description, "to": to.description]) }
        else if let from, let to, !DisclosureControl.isAllowedPeriod(from: from, to: to) {
            v.add("to", .periodNotAllowed)
        } else if (from == nil) != (to == nil) {
            v.add(from == nil ? "from" : "to", .periodHalfGiven)
        }
        var cohorts: [InsightFilter.Cohort]?
        var parts: [Scope.Part] = []
        if let id = q.contract, !id.isEmpty {
            if let contract = try await store.contract(id: ContractID(id)) {
                cohorts = [InsightFilter.Cohort(contract)]
                parts.append(.fundedBy(contract.name))
            } else { v.add("contract", .contractUnknown, ["id": id]) }
        }
        if let id = q.funder, !id.isEmpty {
            if let funder = try await store.funders().first(where: { $0.id.rawValue == id }) {
                let theirs = try await store.contracts().filter { $0.contributions.contains { $0.funderID == funder.id } }
                cohorts = (cohorts ?? []) + theirs.map(InsightFilter.Cohort.init)
                parts.append(.fundedBy(funder.name))
            } else { v.add("funder", .funderUnknown, ["id": id]) }
        }
        var distance = UnmetDemand.defaultDistanceKm
        if let raw = q.distanceKm?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let km = Double(raw), UnmetDemand.distanceBands.contains(km) { distance = km } else {
                v.add("distance_km", .distanceBandUnknown, ["allowed": UnmetDemand.distanceBands.map(UnmetDemand.label).joined(separator: ", ")])
            }
        }
        try v.check()
        if let from { parts.append(.from(from)) }
        if let to { parts.append(.to(to)) }
        return Scope(filter: InsightFilter(from: from, to: to, cohorts: cohorts), parts: parts,
                     description: Scope.english(parts), query: q, distanceKm: distance,
                     control: try await disclosure())
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
        let total = try await store.referralCounts(by: [], where: scope.filter).first?.cell ?? .zero
        try await trail.record(request, action: "report", type: "insight", id: scope.description, allowed: true)
        return Dashboard(scope: scope, totalReferrals: scope.control.publish(total),
                         waiting: try await waiting(scope), tables: tables)
    }

    /// The waiting-time summary alone (for benchmarks and the API).
    public func dashboardWaiting(_ q: Query, _ request: CaseworkService.Request) async throws -> Waiting {
        try await waiting(try await scope(q, request))
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

    /// Median and 90th percentile of days from referral to first contact (nearest-rank, whole days), shown
    /// only when the number seen is itself published (at least the minimum group size).
    func waiting(_ scope: Scope) async throws -> Waiting {
        let seen = scope.control.publish(try await store.contactedCell(where: scope.filter))
        guard let seen else { return Waiting(referralsSeen: nil, medianDays: nil, p90Days: nil) }
        let histogram = try await store.waitDays(where: scope.filter)
        let n = histogram.values.reduce(0, +)
        guard n > 0 else { return Waiting(referralsSeen: nil, medianDays: nil, p90Days: nil) }
        func percentile(_ p: Double) -> Int {
            let rank = Int((p * Double(n)).rounded(.up))
            var seen = 0
            for day in histogram.keys.sorted() {
                seen += histogram[day]!
                if seen >= rank { return day }
            }
            return histogram.keys.max()!
        }
        return Waiting(referralsSeen: seen, medianDays: percentile(0.5), p90Days: percentile(0.9))
    }

    /// Organisation names for row labels (services are not named in any table, so not read: a directory can be large).
    func organisationNames() async throws -> [String: String] {
        Dictionary(try await store.organisations().map { ($0.id.rawValue, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    func table(_ name: String, _ scope: Scope) async throws -> PublishedTable {
        let f = scope.filter, control = scope.control
        func counts(_ d: InsightDimension, _ filter: InsightFilter? = nil) async throws -> [String: CellCount] {
            Dictionary(try await store.referralCounts(by: [d], where: filter ?? f).map { ($0.keys[0], $0.cell) }, uniquingKeysWith: +)
        }
        let words = InsightTableEnglish.words(name)
        func make(_ rows: [(String, String, CellCount)]) -> PublishedTable {
            PublishedTable(name: name, title: words.title, dimension: words.dimension, columns: words.columns,
                           rows: rows.map { (key: $0.0, label: $0.1, cells: [$0.2]) }, control: control)
        }
        func labelled<E: RawRepresentable & CaseIterable>(_ d: InsightDimension, _ type: E.Type, _ label: (E) -> String) async throws -> [(String, String, CellCount)] where E.RawValue == String {
            let c = try await counts(d)
            return E.allCases.map { ($0.rawValue, label($0), c[$0.rawValue] ?? .zero) }
        }
        /// Rows for an open-ended dimension: every value the scheme has ever had, whatever the period, so that
        /// a row's presence never tells that someone was referred in it.
        func everyValue(_ d: InsightDimension, label: (String) -> String) async throws -> [(String, String, CellCount)] {
            let c = try await counts(d)
            return try await counts(d, InsightFilter()).keys.sorted().map { ($0, label($0), c[$0] ?? .zero) }
        }
        switch name {
        case "source":
            return make(try await labelled(.sourceType, SourceType.self, \.label))
        case "practice":
            let orgs = try await organisationNames()
            return make(try await everyValue(.practice) { orgs[$0] ?? ($0.isEmpty ? "Self-referral or unknown" : $0) })
        case "month":
            // Every month of the period (or of the scheme's life), empty ones included.
            let c = try await counts(.month)
            let known = try await counts(.month, InsightFilter()).keys.compactMap(InsightMonth.init)
            var months: [InsightMonth] = []
            if let first = f.from ?? known.min(), let last = f.to ?? known.max() {
                var m = first
                while m <= last { months.append(m); m = m.next }
            }
            return make(months.map { ($0.text, $0.text, c[$0.text] ?? .zero) })
        case "need":
            return make(try await labelled(.need, Need.self, \.label))
        case "pathway":
            return make(try await everyValue(.pathway) { $0.isEmpty ? "No pathway" : $0 })
        case "funnel":
            let reached = try await counts(.stageReached)
            let rows = InsightStage.allCases.map { stage in
                (key: String(stage.rawValue), label: stage.label,
                 cell: reached.filter { (Int($0.key) ?? 0) >= stage.rawValue }.values.reduce(CellCount.zero, +))
            }
            // Cumulative counts are not a partition: each row is published alone, and the percentage is worked
            // out from the published figures only (never from the true counts).
            let referred = control.publish(rows[0].cell)
            return PublishedTable(name: name, title: words.title, dimension: words.dimension, column: words.columns[0],
                                  unsummedRows: rows, control: control) { shown in
                control.percentage(shown, of: referred).map { "\($0)% of referrals (from the published figures)" }
            }
        case "dropout":
            let counts = try await store.referralCounts(by: [.status, .stageReached], where: f)
            // Rows: every ending the scheme has ever had, whatever the period (see `everyValue`).
            let ever = Set(try await store.referralCounts(by: [.status, .stageReached], where: InsightFilter()).map(\.keys))
            let ended: [ReferralStatus] = [.declined, .redirected, .unableToContact, .withdrawn]
            var rows: [(String, String, CellCount)] = []
            for status in ended {
                for stage in InsightStage.allCases where ever.contains([status.rawValue, String(stage.rawValue)]) {
                    let cell = counts.filter { $0.keys[0] == status.rawValue && Int($0.keys[1]) == stage.rawValue }.map(\.cell).reduce(CellCount.zero, +)
                    rows.append(("\(status.rawValue)@\(stage.rawValue)", "\(status.label) after: \(stage.label.lowercased())", cell))
                }
            }
            return make(rows)
        case "destinations_category", "destinations_provider", "attendance", "declined_capacity":
            return try await onwardTable(name, f, control)
        case "age_band":
            let c = try await counts(.ageBand)
            return make(AgeBand.all.map { ($0, $0, c[$0] ?? .zero) })
        case "sex":
            return make(try await labelled(.sex, Sex.self, \.label))
        case "ethnicity":
            return make(try await labelled(.ethnicity, EthnicGroup.self, \.label))
        case "deprivation":
            let c = try await counts(.deprivation)
            var rows: [(String, String, CellCount)] = (1...10).map { (decile: Int) -> (String, String, CellCount) in
                let suffix = decile == 1 ? " (most deprived)" : decile == 10 ? " (least deprived)" : ""
                return (String(decile), "Decile \(decile)" + suffix, c[String(decile)] ?? .zero)
            }
            rows.append(("unknown", "Postcode not in the deprivation lookup", c["unknown"] ?? .zero))
            return make(rows)
        case "satisfaction":
            let c = try await counts(.satisfaction)
            var rows: [(String, String, CellCount)] = (1...5).map { (score: Int) -> (String, String, CellCount) in
                (String(score), "\(score) — \(ClosingFeedback.satisfactionLabels[score - 1])", c[String(score)] ?? .zero)
            }
            rows.append(("", "Not given", c[""] ?? .zero))
            return make(rows)
        case "unmet_need":
            return try await unmetNeed(f, km: scope.distanceKm, control)
        case "service_feedback":
            return try await serviceFeedback(f, control)
        default:
            throw LinkwellError.notFound("There is no insight table '\(name)'.")
        }
    }

    func onwardTable(_ name: String, _ f: InsightFilter, _ control: DisclosureControl) async throws -> PublishedTable {
        let organisations = try await organisationNames()
        /// Every value the scheme has ever had for a dimension of referrals out, with this period's counts.
        func everyValue(_ d: OnwardDimension, rejectedOnly: Bool = false) async throws -> [(key: String, count: InsightCount)] {
            let now = Dictionary(try await store.onwardCounts(by: [d], where: f, rejectedOnly: rejectedOnly).map { ($0.keys[0], $0) }, uniquingKeysWith: { a, _ in a })
            return try await store.onwardCounts(by: [d], where: InsightFilter(), rejectedOnly: rejectedOnly).map(\.keys[0]).sorted()
                .map { ($0, now[$0] ?? InsightCount(keys: [$0], count: 0)) }
        }
        let words = InsightTableEnglish.words(name)
        switch name {
        case "destinations_category":
            return PublishedTable(name: name, title: words.title, dimension: words.dimension, columns: words.columns,
                                  rows: try await everyValue(.category).map { (key: $0.key, label: $0.key, cells: [$0.count.cell]) }, control: control)
        case "destinations_provider":
            return PublishedTable(name: name, title: words.title, dimension: words.dimension, columns: words.columns,
                                  rows: try await everyValue(.provider).map { (key: $0.key, label: organisations[$0.key] ?? $0.key, cells: [$0.count.cell]) },
                                  control: control)
        case "attendance":
            return PublishedTable(name: name, title: words.title, dimension: words.dimension, columns: words.columns,
                                  rows: try await everyValue(.provider).map { (key: $0.key, label: organisations[$0.key] ?? $0.key,
                                                                                  cells: [$0.count.attendedCell, $0.count.didNotAttendCell]) },
                                  control: control) { shown in
                // The rate is worked out from the published figures only.
                guard let attended = shown[0], let missed = shown[1] else { return nil }
                return control.percentage(missed, of: attended + missed).map { "DNA rate \($0)% (from the published figures)" }
            }
        default:
            let reasons = [RejectionReason.noCapacity.rawValue, RejectionReason.waitingList.rawValue]
            let now = try await store.onwardCounts(by: [.provider, .rejectionReason], where: f, rejectedOnly: true).filter { reasons.contains($0.keys[1]) }
            let providers = try await everyValue(.provider).map(\.key)
            func cell(_ provider: String, _ reason: String) -> CellCount {
                now.filter { $0.keys == [provider, reason] }.map(\.cell).reduce(.zero, +)
            }
            return PublishedTable(name: name, title: words.title, dimension: words.dimension, columns: words.columns,
                                  rows: providers.map { (key: $0, label: organisations[$0] ?? $0, cells: [cell($0, reasons[0]), cell($0, reasons[1])]) },
                                  control: control)
        }
    }

    /// Unmet demand by need: referrals; those with no active directory service able to meet the need within
    /// `km` of home (`UnmetDemand`); those whose postcode is not in the postcode lookup, so their distance is
    /// unknown (counted apart, never taken as met or unmet); and referrals out turned away for capacity.
    /// Every column goes through `DisclosureControl`, like every other table.
    func unmetNeed(_ f: InsightFilter, km: Double, _ control: DisclosureControl) async throws -> PublishedTable {
        let demand = try await UnmetDemand.compute(store, where: f, km: km)
        let gaps = try await store.gapCells(where: f)
        let capacity = try await store.onwardCounts(by: [.category, .rejectionReason], where: f, rejectedOnly: true)
            .filter { [RejectionReason.noCapacity.rawValue, RejectionReason.waitingList.rawValue].contains($0.keys[1]) }
        let rows = Need.allCases.enumerated().map { i, need in
            let categories = NeedCategories.categories(for: need)
            let turnedAway = capacity.filter { categories.contains($0.keys[0].lowercased()) }.map(\.cell).reduce(CellCount.zero, +)
            // Waiting lists are directory facts about services, not people: named in the label, not protected as counts.
            let waiting = demand.servicesWithWaitingList[i]
            let label = need.label + (waiting == 0 ? "" : " — \(waiting) nearby service\(waiting == 1 ? "" : "s") with a waiting list"
                + (demand.longestWaitWeeks[i].map { " (up to \($0) week\($0 == 1 ? "" : "s"))" } ?? ""))
            return (key: need.rawValue, label: label,
                    cells: [demand.referralCells[i], demand.unmetCells[i], demand.locationUnknownCells[i], turnedAway, gaps[i]])
        }
        let distance = UnmetDemand.label(km)
        let words = InsightTableEnglish.words("unmet_need", ["distance": distance])
        var table = PublishedTable(name: "unmet_need", title: words.title, dimension: words.dimension, columns: words.columns,
                                   rows: rows, control: control)
        table.parameters["distance"] = distance
        for i in table.rows.indices {
            table.rows[i].detail["waitingServices"] = demand.servicesWithWaitingList[i]
            if let weeks = demand.longestWaitWeeks[i] { table.rows[i].detail["longestWaitWeeks"] = weeks }
        }
        return table
    }

    // MARK: Steering group

    /// What people said they would change, for the steering group: shown only when at least the minimum
    /// group size have written something in the scope, and then in an order fixed by the scheme's secret —
    /// never by date, so that no comment can be matched to a case that closed recently. Nil when withheld.
    public func steeringComments(_ q: Query, _ request: CaseworkService.Request, limit: Int = 30) async throws -> [String]? {
        let scope = try await scope(q, request)
        let comments = try await store.closingFeedback(where: scope.filter, limit: 100_000).map(\.wouldChange)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard comments.count >= scope.control.minimumGroupSize else { return nil }
        try await trail.record(request, action: "report", type: "insight", id: "comments: \(scope.description)", allowed: true)
        return Array(comments.sorted { (scope.control.keyed("comment|" + $0), $0) < (scope.control.keyed("comment|" + $1), $1) }.prefix(limit))
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
        public func stream(_ write: (CSVDocument) async throws -> Void) async throws -> Int { try await FactsExport.stream(store, write) }
    }

    public func factsExport(_ request: ServiceRequest) async throws -> FactsExportStream {
        guard request.principal.role == .supervisor else {
            throw LinkwellError.forbidden("Only supervisors export the de-identified facts; commissioners receive aggregates only.")
        }
        try await trail.record(request, action: "export", type: "insight_facts", id: "all", allowed: true)
        return FactsExportStream(store: store)
    }

}
