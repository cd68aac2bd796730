import Foundation
import LinkwellCore
import SQLKit

/// The community directory on SQL. Records are stored whole as HSDS JSON; the search facts go into
/// indexed columns and child tables (points, terms, opening hours) and the engine's full-text index
/// (SQLite FTS5, PostgreSQL tsvector with the `simple` configuration: whole words, no stemming).
extension SQLStore {
    public func saveDirectory(_ batch: DirectoryBatch, at: Date, verified: Bool) async throws {
        let flavor = self.flavor
        try await connections.transaction { db in
            for t in batch.taxonomies {
                try await db.raw("""
                    INSERT INTO dir_taxonomies (id, name, doc) VALUES (\(bind: t.id), \(bind: t.name), \(bind: try directoryJSON(t)))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc
                    """).run()
            }
            for t in batch.terms {
                try await db.raw("""
                    INSERT INTO dir_terms (id, name, taxonomy_id, doc) VALUES (\(bind: t.id), \(bind: t.name), \(bind: t.taxonomyID), \(bind: try directoryJSON(t)))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, taxonomy_id = excluded.taxonomy_id, doc = excluded.doc
                    """).run()
            }
            for o in batch.organizations {
                try await db.raw("""
                    INSERT INTO dir_organizations (id, name, doc) VALUES (\(bind: o.id), \(bind: o.name), \(bind: try directoryJSON(o)))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc
                    """).run()
                try await db.raw("""
                    INSERT INTO organisations (id, name, kind) VALUES (\(bind: o.id), \(bind: o.name), \(bind: OrganisationKind.vcse.rawValue))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name
                    """).run()
            }
            try await Self.saveServices(batch.services, at: at, verified: verified, flavor: flavor, db)
        }
    }

    /// Saves services in chunks: one statement per table per chunk (multi-row VALUES), so a national
    /// import is not a million round trips. The same rules as one at a time: see the protocol.
    private static func saveServices(_ given: [HSDSService], at: Date, verified: Bool, flavor: SQLFlavor, _ db: any SQLDatabase) async throws {
        // The last record wins when the same id comes twice.
        var byID: [String: HSDSService] = [:]
        var order: [String] = []
        for s in given.map(\.stored) {
            if byID[s.id] == nil { order.append(s.id) }
            byID[s.id] = s
        }
        for start in stride(from: 0, to: order.count, by: 200) {
            let services = order[start..<min(start + 200, order.count)].map { byID[$0]! }
            try await saveChunk(services, at: at, verified: verified, flavor: flavor, db)
        }
    }

    private static func saveChunk(_ services: [HSDSService], at: Date, verified: Bool, flavor: SQLFlavor, _ db: any SQLDatabase) async throws {
        let ids = services.map(\.id)
        struct Old { var doc: String; var status: String; var state: ReviewState; var verifiedAt: Date? }
        var old: [String: Old] = [:]
        for row in try await db.raw("SELECT id, doc, status, review_state, last_verified_at FROM dir_services WHERE id IN (\(binds: ids))").all() {
            old[try row.decode(column: "id", as: String.self)] = Old(
                doc: try row.decode(column: "doc", as: String.self), status: try row.decode(column: "status", as: String.self),
                state: try row.decode(column: "review_state", as: ReviewState.self), verifiedAt: try row.decode(column: "last_verified_at", as: Date?.self))
        }
        var rows: [SQLQueryString] = [], points: [SQLQueryString] = [], terms: [SQLQueryString] = [], hours: [SQLQueryString] = []
        var texts: [SQLQueryString] = [], history: [SQLQueryString] = []
        for s in services {
            let doc = try directoryJSON(s)
            let previous = old[s.id]
            let state: ReviewState = verified ? .approved : previous == nil ? .pendingNew : previous!.doc == doc ? previous!.state : .pendingChange
            let verifiedAt: Date? = verified ? at : previous?.verifiedAt
            let f = ServiceFacts(s)
            let languages = "," + f.languages.joined(separator: ",") + ","
            let vector: SQLQueryString = flavor == .postgres ? ", to_tsvector('simple', \(bind: f.searchText))" : ""
            rows.append("""
                (\(bind: s.id), \(bind: s.organizationID), \(bind: s.name), \(bind: s.status.rawValue), \(bind: doc), \(bind: s.lastModified),
                 \(bind: f.free), \(bind: f.minimumAge), \(bind: f.maximumAge), \(bind: languages), \(bind: f.accessible),
                 \(bind: state.rawValue), \(bind: verifiedAt), NULL, \(false)\(vector))
                """)
            points += f.points.map { "(\(bind: s.id), \(bind: $0.latitude), \(bind: $0.longitude), \(bind: Self.gridCell($0.latitude, $0.longitude)))" }
            terms += f.termIDs.map { "(\(bind: s.id), \(bind: $0))" }
            hours += f.openings.map { "(\(bind: s.id), \(bind: $0.weekday), \(bind: $0.opens), \(bind: $0.closes))" }
            texts.append("(\(bind: s.id), \(bind: f.searchText))")
            if previous?.status != s.status.rawValue { history.append("(\(bind: s.id), \(bind: s.status.rawValue), \(bind: at))") }
        }
        let vectorColumn: SQLQueryString = flavor == .postgres ? ", search_vector" : ""
        let vectorUpdate: SQLQueryString = flavor == .postgres ? ", search_vector = excluded.search_vector" : ""
        try await db.raw("""
            INSERT INTO dir_services (id, organization_id, name, status, doc, last_modified, free, min_age, max_age, languages,
                                      accessible, review_state, last_verified_at, capacity, capacity_now\(vectorColumn))
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, name = excluded.name, status = excluded.status,
                doc = excluded.doc, last_modified = excluded.last_modified, free = excluded.free, min_age = excluded.min_age,
                max_age = excluded.max_age, languages = excluded.languages, accessible = excluded.accessible,
                review_state = excluded.review_state, last_verified_at = excluded.last_verified_at\(vectorUpdate)
            """).run()
        for table in ["dir_service_points", "dir_service_terms", "dir_service_hours"] {
            try await db.raw("DELETE FROM \(ident: table) WHERE service_id IN (\(binds: ids))").run()
        }
        if !points.isEmpty { try await db.raw("INSERT INTO dir_service_points (service_id, lat, lon, cell) VALUES \(points.joined(separator: ", "))").run() }
        if !terms.isEmpty { try await db.raw("INSERT INTO dir_service_terms (service_id, term_id) VALUES \(terms.joined(separator: ", ")) ON CONFLICT DO NOTHING").run() }
        if !hours.isEmpty { try await db.raw("INSERT INTO dir_service_hours (service_id, weekday, opens, closes) VALUES \(hours.joined(separator: ", "))").run() }
        if flavor == .sqlite {
            try await db.raw("DELETE FROM dir_service_fts WHERE service_id IN (\(binds: ids))").run()
            try await db.raw("INSERT INTO dir_service_fts (service_id, body) VALUES \(texts.joined(separator: ", "))").run()
        }
        if !history.isEmpty { try await db.raw("INSERT INTO dir_status_history (service_id, status, at) VALUES \(history.joined(separator: ", "))").run() }

        // The spine's view, for referral out and the provider inbox.
        let firstTerms = Array(Set(services.compactMap(\.taxonomyTermIDs.first)))
        var termNames: [String: String] = [:]
        if !firstTerms.isEmpty {
            for row in try await db.raw("SELECT id, name FROM dir_terms WHERE id IN (\(binds: firstTerms))").all() {
                termNames[try row.decode(column: "id", as: String.self)] = try row.decode(column: "name", as: String.self)
            }
        }
        let spine: [SQLQueryString] = services.compactMap { s in
            guard let org = s.organizationID else { return nil }
            let v = Service(listing: s, organisationID: OrganisationID(org), category: s.taxonomyTermIDs.first.flatMap { termNames[$0] } ?? "")
            return "(\(bind: v.id), \(bind: v.organisationID), \(bind: v.name), \(bind: v.description), \(bind: v.category), \(bind: v.area), \(bind: v.active))"
        }
        guard !spine.isEmpty else { return }
        try await db.raw("""
            INSERT INTO services (id, organisation_id, name, description, category, area, active) VALUES \(spine.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET organisation_id = excluded.organisation_id, name = excluded.name, description = excluded.description,
                category = excluded.category, area = excluded.area, active = excluded.active
            """).run()
    }

    public func listing(id: String) async throws -> DirectoryListing? {
        try await connections.read { db in
            try await db.raw("SELECT doc, review_state, last_verified_at, capacity FROM dir_services WHERE id = \(bind: id)").first()
                .map(Self.listing(from:))
        }
    }

    static func listing(from row: any SQLRow) throws -> DirectoryListing {
        DirectoryListing(service: try fromDirectoryJSON(try row.decode(column: "doc", as: String.self), as: HSDSService.self),
                         lastVerifiedAt: try row.decode(column: "last_verified_at", as: Date?.self),
                         reviewState: try row.decode(column: "review_state", as: ReviewState.self),
                         capacity: try row.decode(column: "capacity", as: String?.self).map { try fromDirectoryJSON($0, as: ServiceCapacity.self) })
    }

    public func hsdsOrganization(id: String) async throws -> HSDSOrganization? {
        let found: [HSDSOrganization] = try await docs("SELECT doc FROM dir_organizations WHERE id = \(bind: id)")
        return found.first
    }

    public func hsdsOrganizations(ids: [String]) async throws -> [HSDSOrganization] {
        guard !ids.isEmpty else { return [] }
        return try await docs("SELECT doc FROM dir_organizations WHERE id IN (\(binds: Array(Set(ids)))) ORDER BY name, id")
    }

    public func hsdsOrganizations(page: Int, perPage: Int) async throws -> (items: [HSDSOrganization], total: Int) {
        let items: [HSDSOrganization] = try await docs("SELECT doc FROM dir_organizations ORDER BY name, id LIMIT \(literal: perPage) OFFSET \(literal: (page - 1) * perPage)")
        let total = try await connections.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM dir_organizations").first()?.decode(column: "n", as: Int.self) ?? 0
        }
        return (items, total)
    }

    public func taxonomies() async throws -> [HSDSTaxonomy] { try await docs("SELECT doc FROM dir_taxonomies ORDER BY name, id") }

    public func taxonomyTerms(ids: [String]?) async throws -> [HSDSTaxonomyTerm] {
        guard let ids else { return try await docs("SELECT doc FROM dir_terms ORDER BY name, id") }
        guard !ids.isEmpty else { return [] }
        return try await docs("SELECT doc FROM dir_terms WHERE id IN (\(binds: ids)) ORDER BY name, id")
    }

    private func docs<T: Decodable & Sendable>(_ query: SQLQueryString) async throws -> [T] {
        try await connections.read { db in
            try await db.raw(query).all().map { try fromDirectoryJSON(try $0.decode(column: "doc", as: String.self), as: T.self) }
        }
    }

    public func searchDirectory(_ q: DirectoryQuery) async throws -> DirectoryResults {
        let (select, count) = Self.searchSQL(q, flavor: flavor)
        return try await connections.read { db in
            let rows = try await db.raw(select).all()
            let hits = try rows.map { row in
                DirectoryHit(listing: try Self.listing(from: row),
                             distanceKm: try row.decode(column: "d2", as: Double?.self).map { $0.squareRoot() * GeoPoint.kilometresPerDegree })
            }
            var total = try rows.first?.decode(column: "total", as: Int.self)
            if total == nil { total = try await db.raw(count).first()?.decode(column: "n", as: Int.self) }
            return DirectoryResults(hits: hits, total: total ?? 0)
        }
    }

    /// The page query (with the total as a window count) and a plain count for when the page is empty.
    /// Public so that the benchmark can time the same SQL in-process.
    static func searchSQL(_ q: DirectoryQuery, flavor: SQLFlavor) -> (page: SQLQueryString, count: SQLQueryString) {
        var from: SQLQueryString = "FROM dir_services s"
        var conditions: [SQLQueryString] = []
        var order: [SQLQueryString] = []
        if !q.words.isEmpty {
            switch flavor {
            case .sqlite:
                let match = q.words.map { "\"\($0)\"" }.joined(separator: " ")
                from += " JOIN (SELECT service_id, -bm25(dir_service_fts) AS score FROM dir_service_fts WHERE dir_service_fts MATCH \(bind: match)) t ON t.service_id = s.id"
                order.append("t.score DESC")
            case .postgres:
                let tsquery = q.words.joined(separator: " & ")
                conditions.append("s.search_vector @@ to_tsquery('simple', \(bind: tsquery))")
                order.append("ts_rank(s.search_vector, to_tsquery('simple', \(bind: tsquery))) DESC")
            }
        }
        var distance: SQLQueryString = "NULL"
        if let near = q.near {
            let c = cos(near.latitude * .pi / 180)
            let d2: SQLQueryString = "MIN((p.lat - \(bind: near.latitude)) * (p.lat - \(bind: near.latitude)) + (p.lon - \(bind: near.longitude)) * (p.lon - \(bind: near.longitude)) * \(bind: c * c))"
            if let r = q.radiusKm {
                let deg = r / GeoPoint.kilometresPerDegree, lonDeg = deg / max(c, 0.01)
                let cells = Self.gridCells(latitudes: near.latitude - deg...near.latitude + deg, longitudes: near.longitude - lonDeg...near.longitude + lonDeg)
                from += " JOIN (SELECT p.service_id, \(d2) AS d2 FROM dir_service_points p WHERE \(cells.count <= 400 ? "p.cell IN (\(binds: cells)) AND " as SQLQueryString : "") p.lat BETWEEN \(bind: near.latitude - deg) AND \(bind: near.latitude + deg) AND p.lon BETWEEN \(bind: near.longitude - lonDeg) AND \(bind: near.longitude + lonDeg) GROUP BY p.service_id) n ON n.service_id = s.id"
                conditions.append("n.d2 <= \(bind: deg * deg)")
            } else {
                from += " LEFT JOIN (SELECT p.service_id, \(d2) AS d2 FROM dir_service_points p GROUP BY p.service_id) n ON n.service_id = s.id"
            }
            distance = "n.d2"
            order.append("COALESCE(n.d2, 1e18)")
        }
        if let statuses = q.statuses { conditions.append("s.status IN (\(binds: statuses.map(\.rawValue)))") }
        if let org = q.organizationID { conditions.append("s.organization_id = \(bind: org)") }
        if let after = q.modifiedAfter { conditions.append("s.last_modified > \(bind: after)") }
        if !q.taxonomyTermIDs.isEmpty {
            conditions.append("s.id IN (SELECT service_id FROM dir_service_terms WHERE term_id IN (\(binds: q.taxonomyTermIDs)))")
        }
        if let t = q.openAt {
            conditions.append("s.id IN (SELECT service_id FROM dir_service_hours WHERE weekday = \(bind: t.weekday) AND opens <= \(bind: t.minute) AND closes > \(bind: t.minute))")
        }
        if q.freeOnly { conditions.append("s.free = \(true)") }
        if q.accessibleOnly { conditions.append("s.accessible = \(true)") }
        if q.capacityNow { conditions.append("s.capacity_now = \(true)") }
        if let l = q.language { conditions.append("s.languages LIKE \(bind: "%," + l.filter { $0 != "%" && $0 != "_" && $0 != "," } + ",%")") }
        if let age = q.age {
            conditions.append("(s.min_age IS NULL OR s.min_age <= \(bind: Double(age))) AND (s.max_age IS NULL OR s.max_age >= \(bind: Double(age)))")
        }
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let page: SQLQueryString = "SELECT s.doc, s.review_state, s.last_verified_at, s.capacity, \(distance) AS d2, COUNT(*) OVER () AS total " + from + whereClause
            + " ORDER BY " + (order + ["s.name, s.id"]).joined(separator: ", ") + " LIMIT \(literal: q.perPage) OFFSET \(literal: q.offset)"
        let count: SQLQueryString = "SELECT COUNT(*) AS n " + from + whereClause
        return (page, count)
    }

    /// The 0.1° grid cell of a point (rows of 3600 cells from the south pole).
    static func gridCell(_ latitude: Double, _ longitude: Double) -> Int {
        Int(((latitude + 90) * 10).rounded(.down)) * 3600 + Int(((longitude + 180) * 10).rounded(.down))
    }

    /// Every cell a box touches (a 10 km radius in the UK touches about 12).
    static func gridCells(latitudes: ClosedRange<Double>, longitudes: ClosedRange<Double>) -> [Int] {
        let rows = Int(((max(-90, latitudes.lowerBound) + 90) * 10).rounded(.down))...Int(((min(89.99, latitudes.upperBound) + 90) * 10).rounded(.down))
        let columns = Int(((max(-180, longitudes.lowerBound) + 180) * 10).rounded(.down))...Int(((min(179.99, longitudes.upperBound) + 180) * 10).rounded(.down))
        return rows.flatMap { row in columns.map { row * 3600 + $0 } }
    }

    public func statusHistory(serviceID: String) async throws -> [ServiceStatusChange] {
        try await connections.read { db in
            try await db.raw("SELECT status, at FROM dir_status_history WHERE service_id = \(bind: serviceID) ORDER BY seq").all().map {
                ServiceStatusChange(serviceID: serviceID, status: try $0.decode(column: "status", as: HSDSServiceStatus.self),
                                    at: try $0.decode(column: "at", as: Date.self))
            }
        }
    }

    public func updateCare(serviceID: String, lastVerifiedAt: Date?, reviewState: ReviewState, capacity: ServiceCapacity?) async throws {
        let capacityJSON = try capacity.map(directoryJSON)
        try await connections.transaction { db in
            guard try await db.raw("SELECT id FROM dir_services WHERE id = \(bind: serviceID)").first() != nil else { throw LinkwellError.notFound("service") }
            try await db.raw("""
                UPDATE dir_services SET last_verified_at = \(bind: lastVerifiedAt), review_state = \(bind: reviewState.rawValue),
                    capacity = \(bind: capacityJSON), capacity_now = \(bind: capacity?.hasCapacityNow ?? false) WHERE id = \(bind: serviceID)
                """).run()
        }
    }

    public func reviewQueue(staleBefore: Date) async throws -> [ReviewItem] {
        try await connections.read { db in
            try await db.raw("""
                SELECT id, name, organization_id, review_state, last_verified_at FROM dir_services
                WHERE review_state <> \(bind: ReviewState.approved.rawValue) OR last_verified_at IS NULL OR last_verified_at < \(bind: staleBefore)
                ORDER BY name, id
                """).all().map { row in
                let verified = try row.decode(column: "last_verified_at", as: Date?.self)
                return ReviewItem(serviceID: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                                  organizationID: try row.decode(column: "organization_id", as: String?.self),
                                  reviewState: try row.decode(column: "review_state", as: ReviewState.self), lastVerifiedAt: verified,
                                  stale: verified.map { $0 < staleBefore } ?? true)
            }
        }
    }

    public func savePostcodes(_ points: [PostcodePoint]) async throws {
        for chunk in stride(from: 0, to: points.count, by: 500).map({ Array(points[$0..<min($0 + 500, points.count)]) }) {
            try await connections.transaction { db in
                for p in chunk {
                    try await db.raw("""
                        INSERT INTO dir_postcodes (postcode, lat, lon) VALUES (\(bind: p.postcode), \(bind: p.point.latitude), \(bind: p.point.longitude))
                        ON CONFLICT (postcode) DO UPDATE SET lat = excluded.lat, lon = excluded.lon
                        """).run()
                }
            }
        }
    }

    public func postcodePoint(_ postcode: String) async throws -> GeoPoint? {
        try await connections.read { db in
            guard let row = try await db.raw("SELECT lat, lon FROM dir_postcodes WHERE postcode = \(bind: postcode)").first() else { return nil }
            return try GeoPoint(latitude: try row.decode(column: "lat", as: Double.self), longitude: try row.decode(column: "lon", as: Double.self))
        }
    }

    public func addFeedback(_ f: ServiceFeedback) async throws {
        try await connections.transaction { db in
            try await db.raw("""
                INSERT INTO dir_feedback (id, service_id, author_id, at, rating, text)
                VALUES (\(bind: f.id), \(bind: f.serviceID), \(bind: f.authorID), \(bind: f.at), \(bind: f.rating), \(bind: f.text))
                """).run()
        }
    }

    public func feedback(serviceID: String) async throws -> [ServiceFeedback] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM dir_feedback WHERE service_id = \(bind: serviceID) ORDER BY at DESC, id DESC").all().map { row in
                ServiceFeedback(id: try row.decode(column: "id", as: String.self), serviceID: serviceID,
                                authorID: try row.decode(column: "author_id", as: UserID.self), at: try row.decode(column: "at", as: Date.self),
                                rating: try row.decode(column: "rating", as: Int.self), text: try row.decode(column: "text", as: String.self))
            }
        }
    }

    public func saveGovernance(_ g: GovernanceCheck) async throws {
        try await connections.transaction { db in
            try await db.raw("""
                INSERT INTO dir_governance (organization_id, constituted, safeguarding_policy, insurance, dbs_for_home_visits, checked_by, checked_at)
                VALUES (\(bind: g.organizationID), \(bind: g.constituted), \(bind: g.safeguardingPolicy), \(bind: g.insurance),
                        \(bind: g.dbsForHomeVisits), \(bind: g.checkedBy), \(bind: g.checkedAt))
                ON CONFLICT (organization_id) DO UPDATE SET constituted = excluded.constituted, safeguarding_policy = excluded.safeguarding_policy,
                    insurance = excluded.insurance, dbs_for_home_visits = excluded.dbs_for_home_visits, checked_by = excluded.checked_by,
                    checked_at = excluded.checked_at
                """).run()
        }
    }

    public func governance(organizationID: String) async throws -> GovernanceCheck? {
        try await connections.read { db in
            try await db.raw("SELECT * FROM dir_governance WHERE organization_id = \(bind: organizationID)").first().map { row in
                GovernanceCheck(organizationID: organizationID, constituted: try row.decode(column: "constituted", as: Bool.self),
                                safeguardingPolicy: try row.decode(column: "safeguarding_policy", as: Bool.self),
                                insurance: try row.decode(column: "insurance", as: Bool.self),
                                dbsForHomeVisits: try row.decode(column: "dbs_for_home_visits", as: Bool.self),
                                checkedBy: try row.decode(column: "checked_by", as: UserID.self), checkedAt: try row.decode(column: "checked_at", as: Date.self))
            }
        }
    }
}

private func directoryJSON<T: Encodable>(_ value: T) throws -> String { String(decoding: try HSDSJSON.encoder.encode(value), as: UTF8.self) }
private func fromDirectoryJSON<T: Decodable>(_ text: String, as type: T.Type) throws -> T { try HSDSJSON.decoder.decode(T.self, from: Data(text.utf8)) }


extension SQLStore {
    /// Runs only the search SQL (the page query, rows fetched but not decoded), for the benchmark's
    /// in-process baseline. Returns the number of rows.
    public func rawDirectorySearch(_ q: DirectoryQuery) async throws -> Int {
        let (select, _) = Self.searchSQL(q, flavor: flavor)
        return try await connections.read { db in try await db.raw(select).all().count }
    }

    /// The SQL behind `listing(id:)`, rows fetched but not decoded.
    public func rawListing(id: String) async throws -> Int {
        try await connections.read { db in
            try await db.raw("SELECT doc, review_state, last_verified_at, capacity FROM dir_services WHERE id = \(bind: id)").all().count
        }
    }
}
