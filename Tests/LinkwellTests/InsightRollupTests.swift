import Foundation
import LinkwellBench
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// Dashboards read rollups (`InsightRollup`) kept in the same transaction as each fact. They must answer
/// exactly what a scan of every fact answers: a seeded random scheme is loaded in bulk and through the
/// casework path, its facts then changed at random (status, stage, waits, needs, postcode, practice, month,
/// referrals out), the deprivation lookup replaced and people anonymised; after each step every breakdown,
/// every published dashboard table, and (on SQL) the rollup rows themselves are compared with the facts.
@Suite("Insight rollups", .closesStores)
struct InsightRollupTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28

    @Test("Dashboards from the rollups equal those from every fact, before and after changes", arguments: TestBackend.available)
    func sameAsFacts(backend: TestBackend) async throws {
        let seed = TestSeed()
        var r = seed.generator
        let scheme = SyntheticScheme(seed: seed.value % 1_000_000, months: 24)
        let store = try await backend.makeStore()
        for organisation in scheme.practices + scheme.providers { try await store.createOrganisation(organisation) }
        for service in scheme.services.prefix(40) { try await store.createService(service) }
        let importer = try #require(store as? any ReferralImportStore)
        var records = scheme.rows(0..<400, now: Self.now)
        try await importer.importReferrals(Array(records.prefix(340)))
        for record in records.dropFirst(340) {
            try await store.createReferral(person: record.person, referral: record.referral, event: record.event)
            try await store.saveFacts(record.facts)
        }
        let postcodes = Array(Set(records.map(\.facts.referral.postcode))).sorted()
        // Two in three of the scheme's postcodes are in the postcode lookup (the rest: location unknown), with a directory
        // around them, so unmet demand has places, services and gaps to count.
        try await store.savePostcodes(scheme.postcodePoints.enumerated().filter { $0.offset % 3 != 1 }.map(\.element))
        try await store.saveDirectory(scheme.directory(), at: Self.now, verified: true)
        try await store.loadDeprivation(postcodes.enumerated().compactMap { $0.offset % 3 == 2 ? nil : ($0.element, 1 + $0.offset % 10) })
        try await Self.compare(store, "loaded", seed, &r)

        // Random changes through the fact writer every case change uses.
        for _ in 0..<120 {
            let i = r.int(records.count)
            var facts = records[i].facts
            var f = facts.referral
            switch r.int(6) {
            case 0: f.status = ReferralStatus.allCases[r.int(ReferralStatus.allCases.count)].rawValue; f.stageReached = r.int(8)
            case 1: f.waitDays = r.unit() < 0.3 ? nil : r.int(90); f.satisfaction = r.unit() < 0.5 ? nil : 1 + r.int(5)
            case 2: f.needsMask = r.unit() < 0.15 ? 0 : 1 + r.int((1 << Need.allCases.count) - 1)
            case 3: f.postcode = postcodes[r.int(postcodes.count)]; f.ageBand = AgeBand.all[r.int(AgeBand.all.count)]
            case 4: f.practiceID = scheme.practices[r.int(5)].id.rawValue; f.pathway = ["carers", "", "new pathway"][r.int(3)]
            default:
                // Another month (and so another row of every dimension).
                f.receivedAt = f.receivedAt.addingTimeInterval(Double(r.int(200) - 100) * 86_400)
                f.month = InsightMonth(f.receivedAt).text
            }
            let service = scheme.services[r.int(scheme.services.count)]
            var onward = facts.onward.map { o -> OnwardFact in
                var o = o
                (o.receivedAt, o.pathway, o.practiceID) = (f.receivedAt, f.pathway, f.practiceID)
                if r.unit() < 0.4 { o.status = ["rejected", "completed", "in-progress"][r.int(3)]; o.rejectionReason = o.status == "rejected" ? "no_capacity" : "" }
                if r.unit() < 0.4 { o.attended += r.int(3) }
                return o
            }
            if !onward.isEmpty && r.unit() < 0.3 { onward.removeLast() }
            if r.unit() < 0.3 {
                onward.append(OnwardFact(id: OnwardReferralID("extra-\(i)-\(onward.count)-\(r.int(1_000_000))"), referral: f, month: f.month,
                                         service: service, serviceID: service.id, status: "rejected", rejectionReason: "waiting_list",
                                         attended: 0, didNotAttend: r.int(2)))
            }
            facts = InsightFacts(referral: f, onward: onward)
            try await store.saveFacts(facts)
            records[i].facts = facts
        }
        try await Self.compare(store, "after changes", seed, &r)

        // A new deprivation lookup moves people between deciles.
        try await store.loadDeprivation(postcodes.enumerated().compactMap { $0.offset % 4 == 0 ? nil : ($0.element, 10 - $0.offset % 10) })
        // Retention anonymises people; their de-identified facts stay, and so do the figures.
        for record in records.prefix(30) { try await store.anonymise(personID: record.person.id, at: Self.now) }
        try await Self.compare(store, "after a new lookup and retention", seed, &r)
        try await store.shutdown()
    }

    @Test("The place rollup's year and month ranges cover exactly the months asked for, each once, for every period")
    func placePeriodsCoverEachMonthOnce() {
        // Every from/to pair (and open ends) over four years, against the months of a wider universe of keys.
        let months = (2022...2027).flatMap { y in (1...12).map { InsightMonth(year: y, month: $0) } }
        let keys = months.map(\.text) + (2022...2027).map(InsightRollup.yearKey)
        func monthsOf(_ key: String) -> [String] {
            key.hasPrefix("Y") ? (1...12).map { InsightMonth(year: Int(key.dropFirst())!, month: $0).text } : [key]
        }
        let bounds: [InsightMonth?] = [nil] + months.filter { (2023...2026).contains($0.year) }
        for from in bounds {
            for to in bounds where from == nil || to == nil || from! <= to! {
                let ranges = InsightRollup.placePeriods(from: from, to: to)
                let read = keys.filter { key in ranges.contains { (($0.from.map { key >= $0 }) ?? true) && (($0.to.map { key <= $0 }) ?? true) } }
                let counted = read.flatMap(monthsOf).sorted()
                let wanted = months.map(\.text).filter { m in (from.map { m >= $0.text } ?? true) && (to.map { m <= $0.text } ?? true) }
                #expect(counted == wanted, "from \(String(describing: from)) to \(String(describing: to)): \(ranges)")
            }
        }
    }

    @Test("An upgraded scheme's narrow rollups of referrals out: version 355 builds them equal to the facts")
    func upgradeBuildsGroupedRollups() async throws {
        let path = temporarySQLitePath("lw-grouped")
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.migrate(through: 354)
        // A scheme as Linkwell stored it before version 355 (by today's writers, which keep the narrow rollups and, from
        // version 360, people's name words: their tables are made first, and the migration rebuilds the rollups).
        try await store.execute { db in
            try await db.raw("CREATE TABLE person_name_terms (term TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (term, person_id))").run()
            try await db.raw(SQLQueryString(RollupMigrations.groupedTable)).run()
            try await db.raw(SQLQueryString(RollupMigrations.placeTable)).run()
        }
        let scheme = SyntheticScheme(seed: 355, months: 24)
        for organisation in scheme.practices + scheme.providers { try await store.createOrganisation(organisation) }
        for service in scheme.services.prefix(40) { try await store.createService(service) }
        try await store.importReferrals(scheme.rows(0..<300, now: Self.now))
        // The rows as a writer before version 355 left them: none.
        try await store.execute { db in try await db.raw("DELETE FROM onward_grouped_rollup").run() }
        #expect(try await store.rollupRows().allSatisfy { !$0.hasPrefix("provider|") })
        try await store.migrate()
        let built = try await store.rollupRows()
        #expect(built.contains { $0.hasPrefix("rejected_provider_reason|") } && built.contains { $0.hasPrefix("provider|") },
                "the migration built rows of each grouping")
        for dimensions: [OnwardDimension] in [[.provider], [.category]] {
            let (rollup, facts) = (try await store.onwardCounts(by: dimensions, where: InsightFilter()),
                                   try await InsightRollup.$readFacts.withValue(true) { try await store.onwardCounts(by: dimensions, where: InsightFilter()) })
            #expect(rollup.map { "\($0)" }.sorted() == facts.map { "\($0)" }.sorted(), "\(dimensions)")
        }
        try await store.rebuildInsightRollups()
        #expect(built == (try await store.rollupRows()), "the rows the migration built equal a rebuild")
    }

    static func compare(_ store: any LinkwellStore, _ step: String, _ seed: TestSeed, _ r: inout SplitMix64) async throws {
        // Every kind of period a dashboard may ask for, all time, and a cohort (which reads the facts).
        let year = 2024 + r.int(3), month = 1 + r.int(12), quarter = 1 + 3 * r.int(4)
        let m = { (y: Int, m: Int) in InsightMonth(year: y, month: m) }
        let cohort = InsightFilter.Cohort(start: m(2025, 1).start, end: m(2025, 7).start, pathways: ["carers"], practiceIDs: [])
        let filters = [InsightFilter(), InsightFilter(from: m(year, month), to: m(year, month)),
                       InsightFilter(from: m(year, quarter), to: m(year, quarter + 2)), InsightFilter(from: m(year, 1), to: m(year, 12)),
                       InsightFilter(from: m(2025, 4), to: m(2026, 3)), InsightFilter(cohorts: [cohort])]
        func both<T: Sendable>(_ read: @Sendable () async throws -> T) async throws -> (rollup: T, facts: T) {
            (try await read(), try await InsightRollup.$readFacts.withValue(true) { try await read() })
        }
        func same(_ a: [InsightCount], _ b: [InsightCount]) -> Bool { a.map { "\($0)" }.sorted() == b.map { "\($0)" }.sorted() }
        var referralBreakdowns: [[InsightDimension]] = [[], [.status, .stageReached]]
        referralBreakdowns += InsightDimension.allCases.map { [$0] }
        let onwardBreakdowns: [[OnwardDimension]] = [[], [.provider], [.category], [.status], [.rejectionReason], [.provider, .rejectionReason],
                                                     [.category, .rejectionReason], [.service]]
        for filter in filters {
            for dimensions in referralBreakdowns {
                let (rollup, facts) = try await both { try await store.referralCounts(by: dimensions, where: filter) }
                #expect(same(rollup, facts), "\(step): referrals by \(dimensions) where \(filter); \(seed)")
            }
            for dimensions in onwardBreakdowns {
                for rejectedOnly in [false, true] {
                    let (rollup, facts) = try await both { try await store.onwardCounts(by: dimensions, where: filter, rejectedOnly: rejectedOnly) }
                    #expect(same(rollup, facts), "\(step): referrals out by \(dimensions) (rejected only: \(rejectedOnly)) where \(filter); \(seed)")
                }
            }
            let places = try await both { try await store.referralNeedsByLocation(where: filter) }
            #expect(places.rollup.map { "\($0)" }.sorted() == places.facts.map { "\($0)" }.sorted(), "\(step): referrals by place where \(filter); \(seed)")
            #expect(!places.facts.isEmpty || filter.from != nil, "the comparison of places means something")
            for km in UnmetDemand.distanceBands {
                let unmet = try await both { try await UnmetDemand.compute(store, where: filter, km: km) }
                #expect(unmet.rollup == unmet.facts, "\(step): unmet demand within \(km) km where \(filter); \(seed)")
            }
            let waits = try await both { try await store.waitDays(where: filter) }
            #expect(waits.rollup == waits.facts, "\(step): waiting days where \(filter); \(seed)")
            let contacted = try await both { try await store.contactedCell(where: filter) }
            #expect(contacted.rollup == contacted.facts, "\(step): contacted where \(filter); \(seed)")
        }
        let total = try await store.referralCounts(by: [], where: InsightFilter()).first?.count ?? 0
        #expect(total == 400, "\(step): every referral counted once")

        // What is published: every dashboard table, the total and the waits, through disclosure control.
        let service = InsightService(store: store, env: .live)
        let supervisor = CaseworkService.Request(Principal(userID: UserID("rollup-test"), role: .supervisor, organisationID: nil, displayName: "Test"),
                                                 route: "test")
        for q in [InsightService.Query(), InsightService.Query(from: "\(year)-01", to: "\(year)-12"), InsightService.Query(from: "2025-04", to: "2026-03")] {
            let (rollup, facts) = try await both { try await service.dashboard(q, supervisor) }
            #expect(rollup.tables == facts.tables && rollup.totalReferrals == facts.totalReferrals && rollup.waiting == facts.waiting,
                    "\(step): published dashboard \(q); \(seed)")
            #expect(rollup.totalReferrals != nil || q.from != nil, "the all-time total is published, so the comparison means something")
        }

        // The rows kept one change at a time equal a rebuild from the facts.
        if let sql = store as? SQLStore {
            let kept = try await sql.rollupRows()
            try await sql.rebuildInsightRollups()
            #expect(kept == (try await sql.rollupRows()), "\(step): rollup rows kept by deltas equal a rebuild; \(seed)")
            #expect(kept.count > 100)
        }
    }
}

/// The facts export reads page ranges side by side (`FactsExport.stream(parallel:)`); its bytes must not depend
/// on that: on each backend the CSV for every page size and degree of parallelism equals the header plus
/// `FactsExport.line` of every fact in referral-id order, hostile text included.
@Suite("Facts export in ranges", .closesStores)
struct FactsExportRangeTests {
    @Test("The same bytes however the pages are read", arguments: TestBackend.available)
    func sameBytes(backend: TestBackend) async throws {
        let scheme = SyntheticScheme(seed: 21, months: 12)
        let store = try await backend.makeStore()
        for organisation in scheme.practices { try await store.createOrganisation(organisation) }
        var records = scheme.rows(0..<97, now: InsightRollupTests.now)
        let hostile = ["=HYPERLINK(\"http://x\")", "a, \"b\"\r\nc", "+1", "-2", "@x", "\tx", "Café \u{1F600}"]
        for i in stride(from: 0, to: records.count, by: 9) { records[i].facts.referral.pathway = hostile[(i / 9) % hostile.count] }
        try await #require(store as? any ReferralImportStore).importReferrals(records)
        let facts = records.map(\.facts.referral).sorted { $0.referralID < $1.referralID }
        let expected = FactsExport.header + facts.map(FactsExport.line).joined()
        for (pageSize, parallel) in [(20_000, 3), (10, 1), (10, 4), (7, 2), (97, 3), (96, 2), (1, 3)] {
            var text = ""
            let rows = try await FactsExport.stream(store, pageSize: pageSize, parallel: parallel) { text += $0.text }
            #expect(rows == 97, "page size \(pageSize), \(parallel) at once")
            #expect(text == expected, "page size \(pageSize), \(parallel) at once")
        }
        try await store.shutdown()
    }
}
