import Foundation
import LinkwellCore
import SQLKit

/// How a directory search runs on SQL: the page of (rid, d2) in rank order, and the count of all
/// matches (also as a window `total` on the page when the matches are few anyway).
struct SearchPlan {
    var page: SQLQueryString
    var order: SQLQueryString
    var count: SQLQueryString
    var windowTotal: Bool
    /// Every match (rid, score, d2, name), unordered and unpaged, and its sort keys on alias `x`.
    var core: SQLQueryString = ""
    var coreOrder: SQLQueryString = ""

    /// The page with each service's stored record, in one round trip.
    var pageWithRecords: SQLQueryString {
        "SELECT y.*, s.doc, s.extra, s.review_state, s.last_verified_at, s.capacity, s.conflicts FROM (" + page + ") y JOIN dir_services s ON s.rid = y.rid ORDER BY " + order
    }
}

/// The named pieces a search plan is built from (see `SearchIndex`). Three shapes of source:
/// - near a point with a radius: only the postings (or points) in the grid cells the radius covers;
/// - keys without a point: the first group's postings in rank order (primary cell only, one row per
///   service), the other groups checked by primary key;
/// - no keys and no point: the services table in name order.
/// Other filters are checked on the services table for the rows that get that far.
enum SearchPlanner {
    /// The search point: the squared-distance expression (degrees², longitude scaled by the latitude),
    /// and, with a radius, the box and grid cells it covers.
    struct Geometry {
        var near: GeoPoint
        /// Set when the search has a radius: only points inside it count.
        var bounds: (latitudes: ClosedRange<Double>, longitudes: ClosedRange<Double>, cells: [Int]?)?

        init?(_ q: DirectoryQuery) {
            guard let near = q.near else { return nil }
            self.near = near
            if let r = q.radiusKm {
                let box = SearchIndex.box(near: near, radiusKm: r)
                bounds = (box.latitudes, box.longitudes, SearchIndex.cells(near: near, radiusKm: r))
            }
        }

        /// The squared distance of one row's point (columns `lat` and `lon` of `alias`).
        func distance(_ alias: String) -> SQLQueryString {
            let c = cos(near.latitude * .pi / 180)
            let a = SQLQueryString(alias)
            return "(\(a).lat - \(literal: near.latitude)) * (\(a).lat - \(literal: near.latitude)) + (\(a).lon - \(literal: near.longitude)) * (\(a).lon - \(literal: near.longitude)) * \(literal: c * c)"
        }

        /// The nearest of a service's points `p` (grouped per service).
        var d2: SQLQueryString { "MIN(" + distance("p") + ")" }

        /// The nearest of a service's postings `d` (grouped per service): a posting carries its point unless the
        /// service has several in that cell, when they are read from the points.
        var postingsD2: SQLQueryString {
            "MIN(CASE WHEN d.lat IS NULL THEN (SELECT MIN(" + distance("p") + ") FROM dir_service_points p WHERE p.rid = d.rid AND p.cell = d.cell) ELSE "
                + distance("d") + " END)"
        }

        /// The radius bounds as conditions on the points of `alias` (cells on `cellColumn`); `pointMayBeElsewhere`
        /// lets rows without a point of their own (postings of a cell with several points) through the box.
        func boundConditions(cellColumn: SQLQueryString, alias: String = "p", pointMayBeElsewhere: Bool = false) -> [SQLQueryString] {
            guard let b = bounds else { return [] }
            var out: [SQLQueryString] = []
            if let cells = b.cells {
                let list: SQLQueryString = " IN (\(integers: cells))"
                out.append(cellColumn + list)
            }
            let a = SQLQueryString(alias)
            let box: SQLQueryString = "\(a).lat BETWEEN \(literal: b.latitudes.lowerBound) AND \(literal: b.latitudes.upperBound) AND \(a).lon BETWEEN \(literal: b.longitudes.lowerBound) AND \(literal: b.longitudes.upperBound)"
            out.append(pointMayBeElsewhere ? "(\(a).lat IS NULL OR (" + box + "))" : box)
            return out
        }
    }

    /// Where the rows come from: the table the service key (`rid`) is read from, its joins and
    /// conditions, the rank score, and whether rows must be grouped per service.
    struct Source {
        var rid: SQLQueryString
        var ridTable: String
        var from: SQLQueryString
        var conditions: [SQLQueryString] = []
        var score: SQLQueryString = "0"
        /// The distance to the search point, when it is not the nearest of the points `p`.
        var d2: SQLQueryString?
        var grouped = false
        /// The driver is the services table itself.
        var isServices: Bool { ridTable == "s" }
    }

    /// Postings drive: the first key group in rank order, the others joined (single words, for
    /// their weight) or checked by EXISTS.
    static func postingsSource(groups: [[String]], wordGroups: Int, statuses: [Int]?, geometry: Geometry?, openAt: WeeklyTime? = nil) -> Source {
        let driver = groups[0]
        var s = Source(rid: "d.rid", ridTable: "d", from: "FROM dir_postings d")
        s.conditions.append(driver.count == 1 ? "d.key = \(bind: driver[0])" : "d.key IN (\(binds: driver))")
        s.grouped = driver.count > 1
        // The opening block's group (the last) also decides the time from its posting.
        func isOpening(_ group: [String]) -> Bool { group.count == 1 && group[0].hasPrefix("h:") }
        if let openAt, isOpening(driver) { s.conditions.append(openCondition(openAt, posting: "d")) }
        var weights: [SQLQueryString] = wordGroups > 0 ? ["d.weight"] : []
        for (i, group) in groups.dropFirst().enumerated() {
            let alias: String = "g\(i + 1)"
            let g = SQLQueryString(alias)
            if group.count == 1 && group[0].hasPrefix("w:") {
                s.from += " JOIN dir_postings \(g) ON \(g).key = \(bind: group[0]) AND \(g).cell = d.cell AND \(g).rid = d.rid"
                weights.append("\(g).weight")
            } else if let openAt, isOpening(group) {
                s.conditions.append("EXISTS (SELECT 1 FROM dir_postings \(g) WHERE \(g).key = \(bind: group[0]) AND \(g).cell = d.cell AND \(g).rid = d.rid AND "
                                    + openCondition(openAt, posting: alias) + ")")
            } else {
                s.conditions.append("EXISTS (SELECT 1 FROM dir_postings \(g) WHERE \(g).key IN (\(binds: group)) AND \(g).cell = d.cell AND \(g).rid = d.rid)")
            }
        }
        if !weights.isEmpty { s.score = weights.joined(separator: " + ") }
        if let statuses { s.conditions.append("d.status IN (\(integers: statuses))") }
        if let geometry, geometry.bounds != nil {
            // The postings carry their points (migration 362): no join to the points.
            s.conditions += geometry.boundConditions(cellColumn: "d.cell", alias: "d", pointMayBeElsewhere: true)
            s.d2 = geometry.postingsD2
            s.grouped = true
        } else {
            s.conditions.append("d.primary_cell")
            if geometry != nil {
                s.from += " LEFT JOIN dir_service_points p ON p.rid = d.rid"
                s.grouped = true
            }
        }
        return s
    }

    /// Points drive: a radius search without keys reads only the points in its cells.
    static func pointsSource(geometry: Geometry) -> Source {
        var s = Source(rid: "p.rid", ridTable: "p", from: "FROM dir_service_points p")
        s.conditions = geometry.boundConditions(cellColumn: "p.cell")
        s.grouped = true
        return s
    }

    /// The services table drives (no keys, no radius), with its points when there is a point to sort by.
    static func servicesSource(near: Bool) -> Source {
        var s = Source(rid: "s.rid", ridTable: "s", from: "FROM dir_services s")
        if near {
            s.from += " LEFT JOIN dir_service_points p ON p.rid = s.rid"
            s.grouped = true
        }
        return s
    }

    /// The filters checked on the services table `s`. Statuses are checked here only when no postings
    /// drive (postings carry the status themselves).
    static func serviceFilters(_ q: DirectoryQuery, statusesOnServices: Bool) -> [SQLQueryString] {
        var c: [SQLQueryString] = []
        if statusesOnServices, let statuses = q.statuses { c.append("s.status IN (\(binds: statuses.map(\.rawValue)))") }
        if let org = q.organizationID { c.append("s.organization_id = \(bind: org)") }
        if let after = q.modifiedAfter { c.append("s.last_modified > \(bind: after)") }
        if q.freeOnly { c.append("s.free = \(true)") }
        if q.accessibleOnly { c.append("s.accessible = \(true)") }
        if q.capacityNow { c.append("s.capacity_now = \(true)") }
        if let l = q.language { c.append("s.languages LIKE \(bind: "%," + l.filter { $0 != "%" && $0 != "_" && $0 != "," } + ",%")") }
        if let age = q.age {
            c.append("(s.min_age IS NULL OR s.min_age <= \(bind: Double(age))) AND (s.max_age IS NULL OR s.max_age >= \(bind: Double(age)))")
        }
        if let lo = q.minimumAge { c.append("s.min_age >= \(bind: lo)") }
        if let hi = q.maximumAge { c.append("s.max_age <= \(bind: hi)") }
        if let sf = q.schedule {
            var h: [SQLQueryString] = ["h.service_id = s.id"]
            if let d = sf.weekday { h.append("h.weekday = \(literal: d)") }
            if let m = sf.startMinute { h.append("h.opens >= \(literal: m)") }
            if let m = sf.endMinute { h.append("h.closes <= \(literal: m)") }
            c.append("EXISTS (SELECT 1 FROM dir_service_hours h WHERE " + h.joined(separator: " AND ") + ")")
        }
        return c
    }

    /// Open at a weekly time, from the posting of its opening block (`SearchIndex.blockPostings`): the one opening
    /// that touches the block spans the time, or several touch it and one of the service's opening hours spans it.
    static func openCondition(_ t: WeeklyTime, posting alias: String) -> SQLQueryString {
        let g = SQLQueryString(alias)
        let scale = SearchIndex.openingScale
        return "(\(g).weight >= \(literal: 0) AND \(g).weight < \(literal: (t.minute + 1) * scale) AND \(g).weight % \(literal: scale) > \(literal: t.minute)"
            + " OR \(g).weight = \(literal: SearchIndex.severalOpenings) AND EXISTS (SELECT 1 FROM dir_services os JOIN dir_service_hours h ON h.service_id = os.id"
            + " WHERE os.rid = \(g).rid AND h.weekday = \(literal: t.weekday) AND h.opens <= \(literal: t.minute) AND h.closes > \(literal: t.minute)))"
    }

    /// The sort keys for an alias: score (with words), distance (with a point; unbounded searches put
    /// services without a point last), name (without words), then rid.
    static func sortKeys(_ q: DirectoryQuery, bounded: Bool) -> [(String) -> String] {
        var order: [(String) -> String] = []
        if !q.words.isEmpty { order.append { "\($0).score DESC" } }
        if q.near != nil { order.append { bounded ? "\($0).d2" : "COALESCE(\($0).d2, 1e18)" } }
        if q.words.isEmpty { order.append { "\($0).name" } }
        order.append { "\($0).rid" }
        return order
    }

    /// The whole plan.
    static func plan(_ q: DirectoryQuery) -> SearchPlan {
        let groups = SearchIndex.groups(q)
        let geometry = Geometry(q)
        let bounded = geometry?.bounds != nil
        var source: Source
        if !groups.isEmpty {
            source = postingsSource(groups: groups, wordGroups: q.words.count, statuses: q.statuses.map { $0.map(SearchIndex.statusCode) }, geometry: geometry,
                                    openAt: q.openAt)
        } else if let geometry, bounded {
            source = pointsSource(geometry: geometry)
        } else {
            source = servicesSource(near: geometry != nil)
        }
        let filters = serviceFilters(q, statusesOnServices: groups.isEmpty)
        // Without words, ties (and everything, without a point) go in name order. Near a point with a
        // radius, the points carry the name, so only other filters need the services table. (An opening
        // time is always a postings search: `openCondition` decides it there.)
        let byName = q.words.isEmpty
        let onPoints = bounded && source.ridTable == "p"
        let needServices = source.isServices || !filters.isEmpty || (!bounded && byName)
        if needServices && !source.isServices { source.from += " JOIN dir_services s ON s.rid = \(source.rid)" }
        let nameColumn: SQLQueryString = onPoints ? "p.name" : "s.name"
        source.conditions += filters
        // Postings near a point, with nothing else reading the services table: a name is read only for the
        // matches that can reach the page (see `namesForThePage`).
        let deferNames = byName && bounded && !onPoints && !needServices

        let d2 = source.d2 ?? geometry?.d2 ?? "NULL"
        let name: SQLQueryString = byName && !deferNames ? (source.grouped ? ", MIN(\(nameColumn)) AS name" : ", \(nameColumn) AS name") : ""
        let selectScore: SQLQueryString = source.grouped ? "MAX(\(source.score))" : source.score
        var core: SQLQueryString = "SELECT \(source.rid) AS rid, \(selectScore) AS score, \(source.grouped ? d2 : "NULL") AS d2\(name) " + source.from
        if !source.conditions.isEmpty { core += " WHERE " + source.conditions.joined(separator: " AND ") }
        if source.grouped { core += " GROUP BY \(source.rid)" }
        if bounded, let r = q.radiusKm {
            let deg = r / GeoPoint.kilometresPerDegree
            core += " HAVING \(d2) <= \(literal: deg * deg)"
        }
        let order = sortKeys(q, bounded: bounded)
        let xOrder = SQLQueryString(order.map { $0("x") }.joined(separator: ", "))
        let limit: SQLQueryString = " LIMIT \(literal: q.perPage) OFFSET \(literal: q.offset)"
        let count: SQLQueryString = "SELECT COUNT(*) AS n FROM (" + core + ") x"
        let page: SQLQueryString
        if deferNames {
            page = namesForThePage(core, reach: q.offset + q.perPage) + " ORDER BY " + xOrder + limit
            core = "SELECT c.*, s.name FROM (" + core + ") c JOIN dir_services s ON s.rid = c.rid"
        } else {
            let window: SQLQueryString = bounded ? ", COUNT(*) OVER () AS total" : ""
            page = "SELECT x.*\(window) FROM (" + core + ") x ORDER BY " + xOrder + limit
        }
        return SearchPlan(page: page, order: SQLQueryString(order.map { $0("y") }.joined(separator: ", ")),
                          count: count, windowTotal: bounded, core: core, coreOrder: xOrder)
    }

    /// The matches `core` (rid, score, d2, in a radius) that can be among the first `reach` in (distance, name,
    /// rid) order, with their names and the total of all matches, as rows of alias `x`: those no farther than the
    /// `reach`-th nearest. Reading each match's name from the services table costs a probe per match (13 ms for
    /// 3,400 matches on PostgreSQL at 500,000 services); only those that can reach the page need one.
    static func namesForThePage(_ core: SQLQueryString, reach: Int) -> SQLQueryString {
        "SELECT x.* FROM (WITH c AS (" + core + ") SELECT c.*, s.name, (SELECT COUNT(*) FROM c) AS total FROM c JOIN dir_services s ON s.rid = c.rid"
            + " WHERE c.d2 <= COALESCE((SELECT c2.d2 FROM c c2 ORDER BY c2.d2 LIMIT 1 OFFSET \(literal: max(reach - 1, 0))), 1e300)) x"
    }
}

extension SQLStore {
    static func searchPlan(_ q: DirectoryQuery) -> SearchPlan { SearchPlanner.plan(q) }
}
