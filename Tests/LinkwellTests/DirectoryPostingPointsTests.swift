import Foundation
import LinkwellCore
@_spi(Testing) @testable import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// The postings carry each service's point in their grid cell (migration 362), so a search near a point reads no
/// points table; a service with several points in one cell has none on its postings and is measured from its points.
/// Searches in a radius read a name only for the matches that can reach the page. Both are shortcuts a directory
/// could get wrong exactly where real ones are awkward: a group meeting at two venues in one town, a service near
/// the search point at one venue and far away at another, several services in one community centre (the same
/// distance, so name order decides the page), a service without a location. An opening block's posting carries the
/// opening that touches it, unless two do (two sessions in one morning). Every SQL backend must answer as the
/// in-memory scan does, page by page.
@Suite("Directory postings carry their points", .closesStores)
struct DirectoryPostingPointsTests {
    static let centre = DirectoryFixture.centre  // Leeds: cell lat 53.7–53.8, lon -1.6 – -1.5
    static let activity = DirectoryFixture.activity, debt = DirectoryFixture.debt

    static func service(_ n: Int, _ name: String, term: HSDSTaxonomyTerm, points: [(Double, Double)], day: String = "TU", opens: String = "10:00",
                        closes: String = "12:00") -> HSDSService {
        let id = syntheticUUID(0xd0c, n)
        var s = HSDSService(id: id, organizationID: nil, name: name, description: "A friendly walk and talk group, number \(n).")
        s.serviceAtLocations = points.enumerated().map { k, p in
            HSDSServiceAtLocation(id: syntheticUUID(0xd5a + k, n), serviceID: id,
                                  location: HSDSLocation(id: syntheticUUID(0xd10 + k, n), name: "\(name) venue \(k)", latitude: p.0, longitude: p.1),
                                  schedules: [HSDSSchedule(id: syntheticUUID(0xd5c + k, n), byday: day, opensAt: opens, closesAt: closes)])
        }
        s.attributes = [HSDSAttribute(id: syntheticUUID(0xda7, n), linkID: id, taxonomyTermID: term.id)]
        return s
    }

    static let nearAndFar = syntheticUUID(0xd0c, 1), bothFar = syntheticUUID(0xd0c, 2)

    /// The awkward services, and a scatter of ordinary ones around them.
    static var batch: DirectoryBatch {
        var services = [
            // Two venues in the centre's cell: 0.6 km and ~10 km away.
            service(1, "Canal walkers", term: activity, points: [(53.7100, -1.5900), (53.7980, -1.5400)]),
            // Two venues in the centre's cell, both beyond 3 km (the nearer ~3.6 km).
            service(2, "Moor walkers", term: activity, points: [(53.7200, -1.5800), (53.7750, -1.5050)], day: "WE"),
            // Venues in two cells.
            service(3, "Bridge debt clinic", term: debt, points: [(53.8100, -1.5400), (53.7940, -1.5600)], day: "TU", opens: "09:00", closes: "17:00"),
            // The same place twice (two locations with one address).
            service(4, "Twice listed choir", term: activity, points: [(53.7990, -1.5300), (53.7990, -1.5300)]),
            // No location at all.
            service(5, "Phone befriending", term: activity, points: []),
        ]
        // Two sessions in one three-hour block (Tuesday 09:00–10:00 and 11:00–12:00): open at 09:30 and 11:30, not at 10:30.
        var split = service(6, "Split sessions", term: activity, points: [(53.7990, -1.5420), (53.8150, -1.5300)])
        split.serviceAtLocations![0].schedules = [HSDSSchedule(id: syntheticUUID(0xd5c, 6), byday: "TU", opensAt: "09:00", closesAt: "10:00")]
        split.serviceAtLocations![1].schedules = [HSDSSchedule(id: syntheticUUID(0xd5d, 6), byday: "TU", opensAt: "11:00", closesAt: "12:00")]
        services.append(split)
        // Seven groups in one community centre, names out of id order: one distance, name order decides.
        let centreNames = ["Tai chi", "Art club", "Men's shed", "Book group", "Lunch club", "Gardening", "Art club"]
        for (k, name) in centreNames.enumerated() {
            services.append(service(10 + k, name, term: k % 3 == 0 ? debt : activity, points: [(53.8050, -1.5500)],
                                    day: k % 2 == 0 ? "TU" : "TH", opens: k % 2 == 0 ? "10:00" : "13:30", closes: k % 2 == 0 ? "11:00" : "16:00"))
        }
        // Three in a second shared building, one also meeting elsewhere in the same cell.
        services.append(service(20, "Walk and talk", term: activity, points: [(53.7800, -1.5600)]))
        services.append(service(21, "Coffee morning", term: activity, points: [(53.7800, -1.5600), (53.7300, -1.5200)]))
        services.append(service(22, "Coffee morning", term: debt, points: [(53.7800, -1.5600)], day: "TU", opens: "09:30", closes: "10:45"))
        // A scatter of ordinary single-venue services across several cells.
        var random = SplitMix64(seed: 362)
        for n in 30..<70 {
            let lat = 53.70 + random.unit() * 0.25, lon = -1.68 + random.unit() * 0.30
            services.append(service(n, "Group \(n % 9)", term: n % 2 == 0 ? activity : debt, points: [(lat, lon)],
                                    day: ["MO", "TU", "WE", "TH"][n % 4], opens: "\(9 + n % 6):00", closes: "\(11 + n % 6):30"))
        }
        return DirectoryBatch(taxonomies: [NeedsTaxonomy.taxonomy], terms: NeedsTaxonomy.terms, services: services)
    }

    static func loaded(_ backend: TestBackend) async throws -> any LinkwellStore {
        let store = try await backend.makeStore()
        try await store.saveDirectory(batch, at: Date(timeIntervalSince1970: 1_790_000_000), verified: true)
        return store
    }

    /// Every radius with every kind of key, at three page sizes.
    static var queries: [DirectoryQuery] {
        var out: [DirectoryQuery] = []
        let keys: [(inout DirectoryQuery) -> Void] = [
            { _ in },
            { $0.taxonomyTermIDs = [activity.id] },
            { $0.taxonomyTermIDs = [debt.id, activity.id] },
            { $0.openAt = WeeklyTime(weekday: 2, minute: 10 * 60 + 30) },
            { $0.openAt = WeeklyTime(weekday: 4, minute: 14 * 60) },
            { $0.openAt = WeeklyTime(weekday: 2, minute: 9 * 60 + 30) },
            { $0.openAt = WeeklyTime(weekday: 2, minute: 11 * 60 + 30) },
            { $0.openAt = WeeklyTime(weekday: 2, minute: 11 * 60) },
            { $0.openAt = WeeklyTime(weekday: 2, minute: 12 * 60) },
            { $0.words = ["walk"] },
            { $0.taxonomyTermIDs = [activity.id]; $0.openAt = WeeklyTime(weekday: 2, minute: 10 * 60 + 40) },
            { $0.taxonomyTermIDs = [debt.id]; $0.freeOnly = true },
        ]
        for radius in [1.0, 3, 5, 10, 40] {
            for key in keys {
                for perPage in [1, 3, 50] {
                    var q = DirectoryQuery()
                    (q.near, q.radiusKm, q.perPage) = (centre, radius, perPage)
                    key(&q)
                    out.append(q)
                }
            }
        }
        return out
    }

    static func summary(_ r: DirectoryResults) -> [String] {
        [String(r.total)] + r.hits.map { "\($0.listing.service.id) \($0.listing.service.name) \($0.distanceKm.map { String(format: "%.6f", $0) } ?? "-")" }
    }

    /// Each query read page by page to one past the end.
    static func pages(_ store: any LinkwellStore, _ query: DirectoryQuery) async throws -> (services: [[String]], locations: [[String]]) {
        var services: [[String]] = [], locations: [[String]] = []
        var q = query
        for page in 1... {
            q.page = page
            let r = try await store.searchDirectory(q)
            services.append(summary(r))
            let documents = try await store.searchDirectoryDocuments(q)
            #expect(documents.total == r.total && documents.documents.count == r.hits.count, "documents and records agree: \(q)")
            let l = try await store.searchServiceAtLocations(q)
            locations.append([String(l.total)] + l.hits.map { "\($0.id) \($0.hit.listing.service.id)" })
            if r.hits.isEmpty && l.hits.isEmpty { break }
        }
        return (services, locations)
    }

    @Test("Searches near a point find, measure, order and page as the in-memory scan does", arguments: TestBackend.available.filter { $0 != .memory })
    func sameAsMemory(backend: TestBackend) async throws {
        let memory = try await Self.loaded(.memory)
        let sql = try await Self.loaded(backend)
        for q in Self.queries {
            let expected = try await Self.pages(memory, q)
            let got = try await Self.pages(sql, q)
            #expect(got.services == expected.services, "\(q)")
            #expect(got.locations == expected.locations, "service-at-locations: \(q)")
        }
        // The shapes the test is for are really there, so the comparison covers them.
        var q = DirectoryQuery()
        (q.near, q.radiusKm, q.perPage) = (Self.centre, 3, 100)
        let within3 = try await sql.searchDirectory(q)
        let near = try #require(within3.hits.first { $0.listing.service.id == Self.nearAndFar }, "the near venue of a two-venue cell counts")
        #expect(try #require(near.distanceKm) < 1)
        #expect(!within3.hits.contains { $0.listing.service.id == Self.bothFar }, "neither venue of the other is within 3 km")
        let sameBuilding = within3.hits.filter { $0.listing.service.serviceAtLocations?.first?.location?.latitude == 53.8050 }.map(\.listing.service.name)
        #expect(sameBuilding == ["Art club", "Art club", "Book group", "Gardening", "Lunch club", "Men's shed", "Tai chi"], "one distance, in name order")
        if let sqlStore = sql as? SQLStore {
            let nulls = try await sqlStore.execute { db in
                try await db.raw("SELECT COUNT(DISTINCT rid) AS n FROM dir_postings WHERE cell >= 0 AND lat IS NULL").first()?.decode(column: "n", as: Int.self)
            }
            #expect(nulls == 4, "the services with several points in one cell: the two two-venue groups, the place listed twice, the coffee morning")
        }
    }

    /// Every posting as "key cell rid weight lat lon", in key order.
    static func postings(_ sql: SQLStore) async throws -> [String] {
        try await sql.execute { db in
            try await db.raw("SELECT key, cell, rid, weight, lat, lon FROM dir_postings ORDER BY key, cell, rid").all().map {
                "\(try $0.decode(column: "key", as: String.self)) \(try $0.decode(column: "cell", as: Int.self)) \(try $0.decode(column: "rid", as: Int.self)) \(try $0.decode(column: "weight", as: Int.self)) "
                    + "\(try $0.decode(column: "lat", as: Double?.self).map { "\($0)" } ?? "-") \(try $0.decode(column: "lon", as: Double?.self).map { "\($0)" } ?? "-")"
            }
        }
    }

    @Test("A directory indexed before postings carried points gets them at the next start", arguments: TestBackend.available.filter { $0 != .memory })
    func upgrade(backend: TestBackend) async throws {
        let store = try await Self.loaded(backend)
        let sql = try #require(store as? SQLStore)
        let before = try await Self.postings(sql)
        // The postings as version 361 left them: no coordinates, and opening blocks weighing 0.
        try await sql.execute { db in
            try await db.raw("""
                CREATE TABLE dir_postings_old (key TEXT NOT NULL, cell INTEGER NOT NULL, rid BIGINT NOT NULL, weight INTEGER NOT NULL,
                    status SMALLINT NOT NULL, primary_cell BOOLEAN NOT NULL, PRIMARY KEY (key, cell, rid))
                """).run()
            try await db.raw("INSERT INTO dir_postings_old SELECT key, cell, rid, CASE WHEN key LIKE 'h:%' THEN 0 ELSE weight END, status, primary_cell FROM dir_postings").run()
            try await db.raw("DROP TABLE dir_postings").run()
            try await db.raw("ALTER TABLE dir_postings_old RENAME TO dir_postings").run()
            try await db.raw("DELETE FROM schema_migrations WHERE version = 362").run()
        }
        try await sql.migrate()
        let after = try await Self.postings(sql)
        #expect(after.count > 100 && after == before, "the migration gives every posting the point and opening the write path gives it")
        #expect(before.contains { $0.contains(" \(SearchIndex.severalOpenings) ") } && before.contains { $0.hasPrefix("h:2") && $0.contains(" 6000720 ") },
                "both kinds of opening posting are there: several openings, and Tuesday 10:00–12:00 (\(before.filter { $0.hasPrefix("h:") }.prefix(3)))")
        let memory = try await Self.loaded(.memory)
        for q in Self.queries where q.perPage == 3 && (q.openAt != nil || q.radiusKm == 5) {
            #expect(try await Self.pages(sql, q).services == Self.pages(memory, q).services, "\(q)")
        }
    }
}
