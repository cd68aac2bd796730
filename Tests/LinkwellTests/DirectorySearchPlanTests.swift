import Foundation
import LinkwellCore
@testable import LinkwellStorage
import SQLKit
import Testing

/// The named pieces the SQL search plan is built from: which table drives, which filters need the
/// services table, and the sort order. (The whole plan is checked against the in-memory scan over
/// random queries in `DirectorySearchIndexTests`.)
@Suite("Directory search plan pieces")
struct DirectorySearchPlanTests {
    static let leeds = try! GeoPoint(latitude: 53.7961, longitude: -1.5482)

    @Test("A point without a radius has a distance but no bounds; with one, a box and its cells")
    func geometry() throws {
        #expect(SearchPlanner.Geometry(DirectoryQuery()) == nil)
        var q = DirectoryQuery()
        q.near = Self.leeds
        let open = try #require(SearchPlanner.Geometry(q))
        #expect(open.bounds == nil && open.boundConditions(cellColumn: "p.cell").isEmpty)
        q.radiusKm = 5
        let bounded = try #require(SearchPlanner.Geometry(q))
        let b = try #require(bounded.bounds)
        #expect(b.latitudes.contains(Self.leeds.latitude) && b.longitudes.contains(Self.leeds.longitude))
        #expect(b.cells?.contains(SearchIndex.cell(Self.leeds)) == true)
        #expect(bounded.boundConditions(cellColumn: "p.cell").count == 2, "the cell list and the box")
    }

    @Test("Postings drive keyed searches: one group is a plain range, more are joined or checked")
    func postings() throws {
        let one = SearchPlanner.postingsSource(groups: [["w:walk"]], wordGroups: 1, statuses: nil, geometry: nil)
        #expect(one.ridTable == "d" && !one.grouped && one.conditions.count == 2, "the key and the primary cell")
        let many = SearchPlanner.postingsSource(groups: [["t:a", "t:b"], ["w:walk"], ["h:31", "h:32"]], wordGroups: 1, statuses: [0], geometry: nil)
        #expect(many.grouped, "several keys in the driving group give several rows per service")
        #expect(many.conditions.count == 4, "keys, one EXISTS for the opening blocks, status, primary cell")
        var q = DirectoryQuery()
        (q.near, q.radiusKm) = (Self.leeds, 3)
        let near = SearchPlanner.postingsSource(groups: [["w:walk"]], wordGroups: 1, statuses: nil, geometry: SearchPlanner.Geometry(q))
        #expect(near.grouped && near.conditions.count == 3, "the key, the cells and the box; no primary cell")
    }

    @Test("Without keys, points drive a radius search and the services table everything else")
    func otherSources() throws {
        var q = DirectoryQuery()
        (q.near, q.radiusKm) = (Self.leeds, 3)
        let points = SearchPlanner.pointsSource(geometry: try #require(SearchPlanner.Geometry(q)))
        #expect(points.ridTable == "p" && points.grouped && !points.isServices)
        #expect(SearchPlanner.servicesSource(near: false).isServices && !SearchPlanner.servicesSource(near: false).grouped)
        #expect(SearchPlanner.servicesSource(near: true).grouped, "a service may have several points")
    }

    @Test("Service filters: one condition each; statuses only when no postings carry them")
    func filters() {
        var q = DirectoryQuery()
        #expect(SearchPlanner.serviceFilters(q, statusesOnServices: true).isEmpty)
        q.statuses = [.active]
        #expect(SearchPlanner.serviceFilters(q, statusesOnServices: true).count == 1)
        #expect(SearchPlanner.serviceFilters(q, statusesOnServices: false).isEmpty)
        (q.organizationID, q.modifiedAfter, q.freeOnly, q.accessibleOnly, q.capacityNow, q.language, q.age) = ("o", Date(), true, true, true, "pl", 30)
        #expect(SearchPlanner.serviceFilters(q, statusesOnServices: false).count == 7)
    }

    @Test("Sort keys: score with words, distance with a point, name without words, rid last")
    func sortKeys() {
        var q = DirectoryQuery()
        #expect(SearchPlanner.sortKeys(q, bounded: false).map { $0("x") } == ["x.name", "x.rid"])
        q.words = ["walk"]
        q.near = Self.leeds
        #expect(SearchPlanner.sortKeys(q, bounded: false).map { $0("y") } == ["y.score DESC", "COALESCE(y.d2, 1e18)", "y.rid"])
        #expect(SearchPlanner.sortKeys(q, bounded: true).map { $0("y") } == ["y.score DESC", "y.d2", "y.rid"])
    }

    @Test("Only a bounded search carries its total in a window")
    func window() {
        var q = DirectoryQuery()
        #expect(!SearchPlanner.plan(q).windowTotal)
        (q.near, q.radiusKm) = (Self.leeds, 3)
        #expect(SearchPlanner.plan(q).windowTotal)
    }

    @Test("An opening block's posting carries the one opening that touches it, or -1 when several do")
    func blockPostings() {
        let tuesday = { (opens: Int, closes: Int) in WeeklyOpening(weekday: 2, opens: opens, closes: closes) }
        // 10:00–13:30 touches blocks 3 (09:00–12:00) and 4 (12:00–15:00); 14:00–15:00 shares block 4.
        let postings = SearchIndex.blockPostings([tuesday(600, 810), tuesday(840, 900), WeeklyOpening(weekday: 5, opens: 1380, closes: 1440)])
        #expect(postings.map { "\($0.key) \($0.weight)" } == ["h:23 6000810", "h:24 \(SearchIndex.severalOpenings)", "h:57 13801440"])
        #expect(SearchIndex.blockPostings([tuesday(600, 600), tuesday(700, 650)]).isEmpty, "an opening that does not open touches nothing")
    }

    @Test("An opening time is decided on its block's posting when that posting drives")
    func openingOnThePosting() {
        let t = WeeklyTime(weekday: 2, minute: 630)
        let plain = SearchPlanner.postingsSource(groups: [["h:23"]], wordGroups: 0, statuses: nil, geometry: nil)
        let timed = SearchPlanner.postingsSource(groups: [["h:23"]], wordGroups: 0, statuses: nil, geometry: nil, openAt: t)
        #expect(timed.conditions.count == plain.conditions.count + 1, "the key, the primary cell, and the opening on the posting")
    }
}
