import Foundation
import LinkwellCore
import SQLKit

/// Unmet demand within a distance on SQL: referrals by postcode and need (from the rollup `need_place_rollup`
/// for whole months, else one grouped pass over `referral_facts`), joined by postcode to `dir_postcodes`, and a read
/// of the service points inside a box through the 0.1° grid index. Referrals with no need recorded are not places
/// of demand (on every backend).
extension SQLStore {
    public func referralNeedsByLocation(where filter: InsightFilter) async throws -> [LocatedNeedCounts] {
        let needs = Need.allCases.indices
        // Facts hold the compact postcode ("LS14AP"), the lookup the normal form ("LS1 4AP"). Grouping by
        // postcode first means one lookup per postcode, not per referral.
        let collate = flavor == .postgres ? " COLLATE \"C\"" : ""
        let spaced = "(CASE WHEN length(g.postcode) BETWEEN 5 AND 7 THEN substr(g.postcode, 1, length(g.postcode) - 3) || ' ' || substr(g.postcode, length(g.postcode) - 2) END)\(collate)"
        let outer = "SELECT p.lat AS lat, p.lon AS lon, " + needs.map { "CAST(sum(g.n\($0)) AS BIGINT) AS n\($0), CAST(sum(g.k\($0)) AS BIGINT) AS k\($0)" }
            .joined(separator: ", ") + " FROM ("
        var byPostcode: SQLQueryString
        switch flavor {
        case _ where InsightRollup.answers(filter):
            // Whole months: from the rollup (`need_place_rollup`), whole years from year rows and the months left over
            // from month rows, each range read by the key's order.
            let columns = RollupMigrations.placeColumns
            let ranges = InsightRollup.placePeriods(from: filter.from, to: filter.to).map { range -> SQLQueryString in
                var parts: [SQLQueryString] = []
                if let from = range.from { parts.append("month >= \(bind: from)") }
                if let to = range.to { parts.append("month <= \(bind: to)") }
                return "SELECT * FROM need_place_rollup WHERE " + parts.joined(separator: " AND ")
            }
            byPostcode = SQLQueryString("SELECT r.postcode AS postcode, "
                + columns.enumerated().map { "sum(r.\($0.element.n)) AS n\($0.offset), sum(r.\($0.element.k)) AS k\($0.offset)" }.joined(separator: ", ")
                + " FROM (") + ranges.joined(separator: " UNION ALL ")
                + SQLQueryString(") r GROUP BY r.postcode HAVING sum(" + columns.map { "r.\($0.n)" }.joined(separator: " + ") + ") > 0")
        case .sqlite:
            // Counted first by (postcode, needs) — a plain count per row, in the covering index's order — and
            // only then split into needs, over the far fewer combinations (twice as fast at 1M referrals).
            byPostcode = SQLQueryString("SELECT c.postcode AS postcode, "
                + needs.map { "sum(c.n * ((c.needs_mask >> \($0)) & 1)) AS n\($0), sum(c.k * ((c.needs_mask >> \($0)) & 1)) AS k\($0)" }.joined(separator: ", ")
                + " FROM (SELECT f.postcode AS postcode, f.needs_mask AS needs_mask, count(*) AS n, sum(f.record_key) AS k FROM referral_facts f WHERE f.needs_mask <> 0 AND ")
                + Self.condition(filter, flavor) + " GROUP BY f.postcode, f.needs_mask) c GROUP BY c.postcode"
        case .postgres:
            // PostgreSQL hashes the few thousand postcodes directly (the two-step form is twice as slow there).
            byPostcode = SQLQueryString("SELECT f.postcode AS postcode, "
                + needs.map { "sum((f.needs_mask >> \($0)) & 1) AS n\($0), sum(((f.needs_mask >> \($0)) & 1) * f.record_key) AS k\($0)" }.joined(separator: ", ")
                + " FROM referral_facts f WHERE f.needs_mask <> 0 AND ") + Self.condition(filter, flavor) + " GROUP BY f.postcode"
        }
        let query = SQLQueryString(outer) + byPostcode
            + SQLQueryString(") g LEFT JOIN dir_postcodes p ON p.postcode = \(spaced) GROUP BY p.lat, p.lon")
        let rows = try await connections.read { db in try await db.raw(query).all() }
        return try rows.map { row in
            let lat = try row.decode(column: "lat", as: Double?.self), lon = try row.decode(column: "lon", as: Double?.self)
            var point: GeoPoint?
            if let lat, let lon { point = try GeoPoint(latitude: lat, longitude: lon) }
            return LocatedNeedCounts(point: point, counts: try needs.map { try row.decode(column: "n\($0)", as: Int?.self) ?? 0 },
                                     keySums: try needs.map { try row.decode(column: "k\($0)", as: Int?.self) ?? 0 })
        }
    }

    public func needServicePoints(in box: GeoBox, termIDs: [String], categories: [String]) async throws -> [NeedServicePoint] {
        guard !termIDs.isEmpty || !categories.isEmpty else { return [] }
        // The cell list lets the index do the work; a box too big for a sensible list falls back to the ranges.
        let cells = SearchIndex.cells(latitudes: box.south...box.north, longitudes: box.west...box.east, limit: 2_000)
        let inCells: SQLQueryString = cells.map { "p.cell IN (\(integers: $0)) AND " } ?? ""
        let terms: SQLQueryString = termIDs.isEmpty ? "1 = 0" : "t.term_id IN (\(binds: termIDs))"
        let matches: SQLQueryString = categories.isEmpty ? "t.term_id IS NOT NULL" : "(t.term_id IS NOT NULL OR lower(s.category) IN (\(binds: categories)))"
        let query: SQLQueryString = """
            SELECT p.service_id AS id, p.lat AS lat, p.lon AS lon, COALESCE(s.category, '') AS category, t.term_id AS term, d.capacity AS capacity
            FROM dir_service_points p
            JOIN dir_services d ON d.id = p.service_id
            LEFT JOIN services s ON s.id = p.service_id
            LEFT JOIN dir_service_terms t ON t.service_id = p.service_id AND \(terms)
            WHERE \(inCells)p.lat BETWEEN \(bind: box.south) AND \(bind: box.north) AND p.lon BETWEEN \(bind: box.west) AND \(bind: box.east)
              AND d.status = \(bind: HSDSServiceStatus.active.rawValue) AND \(matches)
            ORDER BY p.service_id, p.lat, p.lon
            """
        let rows = try await connections.read { db in try await db.raw(query).all() }
        // One row per point and term: fold the terms back onto their point.
        var found: [NeedServicePoint] = []
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            let point = try GeoPoint(latitude: try row.decode(column: "lat", as: Double.self), longitude: try row.decode(column: "lon", as: Double.self))
            let term = try row.decode(column: "term", as: String?.self)
            if let last = found.last, last.serviceID == id, last.point == point {
                if let term, !last.termIDs.contains(term) { found[found.count - 1].termIDs.append(term) }
                continue
            }
            let capacity = try row.decode(column: "capacity", as: String?.self)
                .map { try HSDSJSON.decoder.decode(ServiceCapacity.self, from: Data($0.utf8)) }
            found.append(NeedServicePoint(serviceID: id, point: point, category: try row.decode(column: "category", as: String.self),
                                          termIDs: term.map { [$0] } ?? [], waitingListWeeks: capacity?.waitingListWeeks))
        }
        return found
    }
}
