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
            func provenance(_ key: String) -> (source: String?, sourceID: String?) {
                let p = batch.provenance[key]
                return (p?.source, p?.sourceID)
            }
            for t in batch.taxonomies {
                let p = provenance("taxonomy:\(t.id)")
                try await db.raw("""
                    INSERT INTO dir_taxonomies (id, name, doc, extra, source, source_id)
                    VALUES (\(bind: t.id), \(bind: t.name), \(bind: try directoryJSON(t)), \(bind: try t.extra.map(directoryJSON)), \(bind: p.source), \(bind: p.sourceID))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, extra = excluded.extra,
                        source = COALESCE(excluded.source, dir_taxonomies.source), source_id = COALESCE(excluded.source_id, dir_taxonomies.source_id)
                    """).run()
            }
            for t in batch.terms {
                let p = provenance("taxonomy_term:\(t.id)")
                try await db.raw("""
                    INSERT INTO dir_terms (id, name, taxonomy_id, doc, extra, source, source_id)
                    VALUES (\(bind: t.id), \(bind: t.name), \(bind: t.taxonomyID), \(bind: try directoryJSON(t)), \(bind: try t.extra.map(directoryJSON)),
                            \(bind: p.source), \(bind: p.sourceID))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, taxonomy_id = excluded.taxonomy_id, doc = excluded.doc, extra = excluded.extra,
                        source = COALESCE(excluded.source, dir_terms.source), source_id = COALESCE(excluded.source_id, dir_terms.source_id)
                    """).run()
            }
            for o in batch.organizations {
                let p = provenance("organization:\(o.id)")
                try await db.raw("""
                    INSERT INTO dir_organizations (id, name, doc, extra, source, source_id)
                    VALUES (\(bind: o.id), \(bind: o.name), \(bind: try directoryJSON(o)), \(bind: try o.extra.map(directoryJSON)), \(bind: p.source), \(bind: p.sourceID))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, extra = excluded.extra,
                        source = COALESCE(excluded.source, dir_organizations.source), source_id = COALESCE(excluded.source_id, dir_organizations.source_id)
                    """).run()
                try await db.raw("""
                    INSERT INTO organisations (id, name, kind) VALUES (\(bind: o.id), \(bind: o.name), \(bind: OrganisationKind.vcse.rawValue))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name
                    """).run()
            }
            try await Self.writeOrganizationWords(batch.organizations, db)
            for l in batch.locations {
                let p = provenance("location:\(l.id)")
                try await db.raw("""
                    INSERT INTO dir_locations (id, name, doc, extra, source, source_id)
                    VALUES (\(bind: l.id), \(bind: l.name), \(bind: try directoryJSON(l)), \(bind: try l.extra.map(directoryJSON)), \(bind: p.source), \(bind: p.sourceID))
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, extra = excluded.extra,
                        source = COALESCE(excluded.source, dir_locations.source), source_id = COALESCE(excluded.source_id, dir_locations.source_id)
                    """).run()
            }
            try await Self.saveServices(batch, at: at, verified: verified, flavor: flavor, db)
        }
    }

    /// Saves services in chunks: one statement per table per chunk (multi-row VALUES), so a national
    /// import is not a million round trips. The same rules as one at a time: see the protocol.
    private static func saveServices(_ batch: DirectoryBatch, at: Date, verified: Bool, flavor: SQLFlavor, _ db: any SQLDatabase) async throws {
        // The last record wins when the same id comes twice.
        var byID: [String: HSDSService] = [:]
        var order: [String] = []
        for s in batch.services.map(\.stored) {
            if byID[s.id] == nil { order.append(s.id) }
            byID[s.id] = s
        }
        for start in stride(from: 0, to: order.count, by: 200) {
            let services = order[start..<min(start + 200, order.count)].map { byID[$0]! }
            try await saveChunk(services, batch: batch, at: at, verified: verified, flavor: flavor, db)
        }
    }

    private static func saveChunk(_ given: [HSDSService], batch: DirectoryBatch, at: Date, verified: Bool, flavor: SQLFlavor, _ db: any SQLDatabase) async throws {
        let ids = given.map(\.id)
        struct Old { var service: HSDSService; var status: String; var state: ReviewState; var verifiedAt: Date?; var rid: Int?; var conflicts: [String] }
        var old: [String: Old] = [:]
        for row in try await db.raw("SELECT id, doc, extra, status, review_state, last_verified_at, rid, conflicts FROM dir_services WHERE id IN (\(binds: ids))").all() {
            old[try row.decode(column: "id", as: String.self)] = Old(
                service: try Self.service(from: row), status: try row.decode(column: "status", as: String.self),
                state: try row.decode(column: "review_state", as: ReviewState.self), verifiedAt: try row.decode(column: "last_verified_at", as: Date?.self),
                rid: try row.decode(column: "rid", as: Int?.self),
                conflicts: try row.decode(column: "conflicts", as: String?.self).map { try fromDirectoryJSON($0, as: [String].self) } ?? [])
        }
        var newRIDs = try await Self.newRIDs(given.filter { old[$0.id]?.rid == nil }.count, flavor: flavor, db)[...]
        var rids: [String: Int] = [:]
        for s in given { rids[s.id] = old[s.id]?.rid ?? newRIDs.popFirst()! }
        var rows: [SQLQueryString] = [], points: [SQLQueryString] = [], terms: [SQLQueryString] = [], hours: [SQLQueryString] = []
        var history: [SQLQueryString] = [], sals: [SQLQueryString] = []
        var services: [HSDSService] = []
        for s in given {
            let previous = old[s.id]
            let change = DirectoryChange(previous: previous?.service, next: s)
            services.append(s)
            let provenance = batch.provenance["service:\(s.id)"]
            let conflicts = provenance?.conflicts ?? previous?.conflicts ?? []
            let state = change.reviewState(previous: previous?.state, verified: verified, conflicts: conflicts)
            let verifiedAt: Date? = verified && conflicts.isEmpty ? at : previous?.verifiedAt
            let f = ServiceFacts(s)
            let languages = "," + f.languages.joined(separator: ",") + ","
            let conflictsJSON: String? = conflicts.isEmpty ? nil : try directoryJSON(conflicts)
            rows.append("""
                (\(bind: s.id), \(literal: rids[s.id]!), \(bind: s.organizationID), \(bind: s.name), \(bind: s.status.rawValue), \(bind: try directoryJSON(s)),
                 \(bind: try s.extra.map(directoryJSON)), \(bind: s.lastModified), \(bind: f.free), \(bind: f.minimumAge), \(bind: f.maximumAge), \(bind: languages),
                 \(bind: f.accessible), \(bind: state.rawValue), \(bind: verifiedAt), NULL, \(false), \(bind: provenance?.source), \(bind: provenance?.sourceID),
                 \(bind: try provenance?.sourceDocument.map(directoryJSON)), \(bind: provenance?.sourceModified),
                 \(bind: conflictsJSON))
                """)
            points += f.points.map { "(\(bind: s.id), \(literal: rids[s.id]!), \(bind: $0.latitude), \(bind: $0.longitude), \(literal: SearchIndex.cell($0)), \(bind: s.name))" }
            terms += f.termIDs.map { "(\(bind: s.id), \(bind: $0))" }
            hours += f.openings.map { "(\(bind: s.id), \(bind: $0.weekday), \(bind: $0.opens), \(bind: $0.closes))" }
            sals += (s.serviceAtLocations ?? []).enumerated().map { "(\(bind: s.id), \(literal: $0), \(bind: $1.id), \(literal: rids[s.id]!))" }
            if previous?.status != s.status.rawValue { history.append("(\(bind: s.id), \(bind: s.status.rawValue), \(bind: at), \(bind: batch.statusNotes[s.id]))") }
        }
        // Provenance columns keep their stored values when the batch gives none (a local edit).
        try await db.raw("""
            INSERT INTO dir_services (id, rid, organization_id, name, status, doc, extra, last_modified, free, min_age, max_age, languages,
                                      accessible, review_state, last_verified_at, capacity, capacity_now, source, source_id, source_doc,
                                      source_modified, conflicts)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, name = excluded.name, status = excluded.status,
                doc = excluded.doc, extra = excluded.extra, last_modified = excluded.last_modified, free = excluded.free, min_age = excluded.min_age,
                max_age = excluded.max_age, languages = excluded.languages, accessible = excluded.accessible,
                review_state = excluded.review_state, last_verified_at = excluded.last_verified_at,
                source = COALESCE(excluded.source, dir_services.source), source_id = COALESCE(excluded.source_id, dir_services.source_id),
                source_doc = COALESCE(excluded.source_doc, dir_services.source_doc),
                source_modified = COALESCE(excluded.source_modified, dir_services.source_modified), conflicts = excluded.conflicts
            """).run()
        for table in ["dir_service_points", "dir_service_terms", "dir_service_hours", "dir_service_at_locations"] {
            try await db.raw("DELETE FROM \(ident: table) WHERE service_id IN (\(binds: ids))").run()
        }
        if !points.isEmpty { try await db.raw("INSERT INTO dir_service_points (service_id, rid, lat, lon, cell, name) VALUES \(points.joined(separator: ", "))").run() }
        if !terms.isEmpty { try await db.raw("INSERT INTO dir_service_terms (service_id, term_id) VALUES \(terms.joined(separator: ", ")) ON CONFLICT DO NOTHING").run() }
        if !hours.isEmpty { try await db.raw("INSERT INTO dir_service_hours (service_id, weekday, opens, closes) VALUES \(hours.joined(separator: ", "))").run() }
        if !sals.isEmpty { try await db.raw("INSERT INTO dir_service_at_locations (service_id, seq, id, rid) VALUES \(sals.joined(separator: ", "))").run() }
        try await writePostings(services.map { (rids[$0.id]!, $0) }, db)
        if !history.isEmpty { try await db.raw("INSERT INTO dir_status_history (service_id, status, at, note) VALUES \(history.joined(separator: ", "))").run() }

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

    /// The typed service of a row, with its extras (`doc`, `extra`).
    static func service(from row: any SQLRow) throws -> HSDSService {
        var s = try fromDirectoryJSON(try row.decode(column: "doc", as: String.self), as: HSDSService.self)
        s.extra = try row.decode(column: "extra", as: String?.self).map { try fromDirectoryJSON($0, as: HSDSExtras.self) }
        return s
    }

    /// A typed record of a row, with its extras.
    static func record<T: HSDSRecord>(from row: any SQLRow, as type: T.Type) throws -> T {
        var r = try fromDirectoryJSON(try row.decode(column: "doc", as: String.self), as: T.self)
        r.extra = try row.decode(column: "extra", as: String?.self).map { try fromDirectoryJSON($0, as: HSDSExtras.self) }
        return r
    }

    public func listing(id: String) async throws -> DirectoryListing? {
        try await connections.read { db in
            try await db.raw("SELECT doc, extra, review_state, last_verified_at, capacity, conflicts FROM dir_services WHERE id = \(bind: id)").first()
                .map(Self.listing(from:))
        }
    }

    static func listing(from row: any SQLRow) throws -> DirectoryListing {
        DirectoryListing(service: try service(from: row),
                         lastVerifiedAt: try row.decode(column: "last_verified_at", as: Date?.self),
                         reviewState: try row.decode(column: "review_state", as: ReviewState.self),
                         capacity: try row.decode(column: "capacity", as: String?.self).map { try fromDirectoryJSON($0, as: ServiceCapacity.self) },
                         conflicts: try row.decode(column: "conflicts", as: String?.self).map { try fromDirectoryJSON($0, as: [String].self) } ?? [])
    }

    public func directoryRecords(_ kind: HSDSKind, ids: [String]) async throws -> [String: StoredDirectoryRecord] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let table: String
        switch kind {
        case .taxonomy: table = "dir_taxonomies"
        case .taxonomyTerm: table = "dir_terms"
        case .organization: table = "dir_organizations"
        case .location: table = "dir_locations"
        case .service: table = "dir_services"
        case .serviceAtLocation: return [:]
        }
        let columns = kind == .service ? "id, doc, extra, source, source_id, source_doc, source_modified, conflicts" : "id, doc, extra, source, source_id"
        return try await connections.read { db in
            var out: [String: StoredDirectoryRecord] = [:]
            for start in stride(from: 0, to: unique.count, by: 500) {
                let chunk = Array(unique[start..<min(start + 500, unique.count)])
                for row in try await db.raw("SELECT \(unsafeRaw: columns) FROM \(ident: table) WHERE id IN (\(binds: chunk))").all() {
                    let document = try Self.document(from: row)
                    var provenance = try row.decode(column: "source", as: String?.self).map {
                        RecordProvenance(source: $0, sourceID: try row.decode(column: "source_id", as: String?.self))
                    }
                    if kind == .service, provenance != nil {
                        provenance?.sourceDocument = try row.decode(column: "source_doc", as: String?.self).map { try JSONValue.parse(Data($0.utf8)) }
                        provenance?.sourceModified = try row.decode(column: "source_modified", as: Date?.self)
                        provenance?.conflicts = try row.decode(column: "conflicts", as: String?.self).map { try fromDirectoryJSON($0, as: [String].self) } ?? []
                    }
                    out[try row.decode(column: "id", as: String.self)] = StoredDirectoryRecord(document: document, provenance: provenance)
                }
            }
            return out
        }
    }

    public func saveFeed(_ feed: RegisteredFeed) async throws {
        let doc = try directoryJSON(feed)
        try await connections.transaction { db in
            try await db.raw("""
                INSERT INTO dir_feeds (id, url, created_at, doc) VALUES (\(bind: feed.id), \(bind: feed.url), \(bind: feed.createdAt), \(bind: doc))
                ON CONFLICT (id) DO UPDATE SET url = excluded.url, doc = excluded.doc
                """).run()
        }
    }

    public func registeredFeeds() async throws -> [RegisteredFeed] {
        try await connections.read { db in
            try await db.raw("SELECT doc FROM dir_feeds ORDER BY created_at, id").all().map {
                try fromDirectoryJSON(try $0.decode(column: "doc", as: String.self), as: RegisteredFeed.self)
            }
        }
    }

    public func saveImportJob(_ job: ImportJob) async throws {
        let doc = String(decoding: try JSONEncoder().encode(job), as: UTF8.self)
        try await connections.transaction { db in
            try await db.raw("""
                INSERT INTO dir_import_jobs (id, started_at, doc) VALUES (\(bind: job.id), \(bind: job.startedAt), \(bind: doc))
                ON CONFLICT (id) DO UPDATE SET doc = excluded.doc
                """).run()
        }
    }

    public func importJob(id: String) async throws -> ImportJob? {
        try await connections.read { db in
            try await db.raw("SELECT doc FROM dir_import_jobs WHERE id = \(bind: id)").first().map {
                try JSONDecoder().decode(ImportJob.self, from: Data(try $0.decode(column: "doc", as: String.self).utf8))
            }
        }
    }

    public func importJobs(limit: Int) async throws -> [ImportJob] {
        try await connections.read { db in
            try await db.raw("SELECT doc FROM dir_import_jobs ORDER BY started_at DESC, id DESC LIMIT \(literal: max(0, limit))").all().map {
                try JSONDecoder().decode(ImportJob.self, from: Data(try $0.decode(column: "doc", as: String.self).utf8))
            }
        }
    }

    public func serviceStatuses(source: String) async throws -> [String: HSDSServiceStatus] {
        try await connections.read { db in
            var out: [String: HSDSServiceStatus] = [:]
            for row in try await db.raw("SELECT id, status FROM dir_services WHERE source = \(bind: source)").all() {
                out[try row.decode(column: "id", as: String.self)] = try row.decode(column: "status", as: HSDSServiceStatus.self)
            }
            return out
        }
    }

    public func hsdsLocations(ids: [String]) async throws -> [HSDSLocation] {
        guard !ids.isEmpty else { return [] }
        return try await connections.read { db in
            try await db.raw("SELECT doc, extra FROM dir_locations WHERE id IN (\(binds: Array(Set(ids)))) ORDER BY name, id").all()
                .map { try Self.record(from: $0, as: HSDSLocation.self) }
        }
    }

    public func hsdsOrganization(id: String) async throws -> HSDSOrganization? {
        let found: [HSDSOrganization] = try await docs("SELECT doc, extra FROM dir_organizations WHERE id = \(bind: id)")
        return found.first
    }

    public func hsdsOrganizations(ids: [String]) async throws -> [HSDSOrganization] {
        guard !ids.isEmpty else { return [] }
        return try await docs("SELECT doc, extra FROM dir_organizations WHERE id IN (\(binds: Array(Set(ids)))) ORDER BY name, id")
    }

    public func hsdsOrganizations(words: [String], page: Int, perPage: Int) async throws -> (items: [HSDSOrganization], total: Int) {
        let conditions: [SQLQueryString] = Set(words).sorted().map { "id IN (SELECT organization_id FROM dir_organization_words WHERE word = \(bind: $0))" }
        let filter: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try await connections.read { db in
            let items = try await db.raw("SELECT doc, extra FROM dir_organizations" + filter + " ORDER BY name, id LIMIT \(literal: perPage) OFFSET \(literal: (page - 1) * perPage)")
                .all().map { try Self.record(from: $0, as: HSDSOrganization.self) }
            // One word: its rows are its organisations (one each), counted in the primary key alone.
            let count: SQLQueryString = Set(words).count == 1 ? "SELECT COUNT(*) AS n FROM dir_organization_words WHERE word = \(bind: words[0])"
                                                               : "SELECT COUNT(*) AS n FROM dir_organizations" + filter
            let total = try await db.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0
            return (items, total)
        }
    }

    public func taxonomies() async throws -> [HSDSTaxonomy] { try await docs("SELECT doc, extra FROM dir_taxonomies ORDER BY name, id") }

    public func taxonomyTerms(ids: [String]?) async throws -> [HSDSTaxonomyTerm] {
        guard let ids else { return try await docs("SELECT doc, extra FROM dir_terms ORDER BY name, id") }
        guard !ids.isEmpty else { return [] }
        return try await docs("SELECT doc, extra FROM dir_terms WHERE id IN (\(binds: ids)) ORDER BY name, id")
    }

    private func docs<T: HSDSRecord>(_ query: SQLQueryString) async throws -> [T] {
        try await connections.read { db in try await db.raw(query).all().map { try Self.record(from: $0, as: T.self) } }
    }

    public func searchDirectory(_ q: DirectoryQuery) async throws -> DirectoryResults {
        let (hits, total) = try await search(q) { row in
            DirectoryHit(listing: try Self.listing(from: row),
                         distanceKm: try row.decode(column: "d2", as: Double?.self).map { $0.squareRoot() * GeoPoint.kilometresPerDegree })
        }
        return DirectoryResults(hits: hits, total: total)
    }

    public func searchDirectoryDocuments(_ q: DirectoryQuery) async throws -> DirectoryDocumentResults {
        let (documents, total) = try await search(q, Self.document(from:))
        return DirectoryDocumentResults(documents: documents, total: total)
    }

    /// One page of a search, each row made into a hit by `hit`, and the total.
    private func search<Hit: Sendable>(_ q: DirectoryQuery, _ hit: @escaping @Sendable (any SQLRow) throws -> Hit) async throws -> ([Hit], Int) {
        let plan = Self.searchPlan(q)
        return try await connections.read { db in
            let rows = try await db.raw(plan.pageWithRecords).all()
            let hits = try rows.map(hit)
            var total = plan.windowTotal ? try rows.first?.decode(column: "total", as: Int.self) : nil
            if total == nil { total = try await db.raw(plan.count).first()?.decode(column: "n", as: Int.self) }
            return (hits, total ?? 0)
        }
    }

    /// A record's HSDS document read straight from its stored JSON, with its extras put back. The
    /// `doc` column is what `HSDSJSON.encoder` wrote from the typed record, so this equals
    /// `record.document()` without decoding the record and encoding it again.
    static func document(from row: any SQLRow) throws -> JSONValue {
        let typed = try JSONValue.parse(Data(try row.decode(column: "doc", as: String.self).utf8))
        guard let extra = try row.decode(column: "extra", as: String?.self) else { return typed }
        return try fromDirectoryJSON(extra, as: HSDSExtras.self).applied(to: typed)
    }

    public func searchServiceAtLocations(_ q: DirectoryQuery) async throws -> ServiceAtLocationResults {
        let plan = Self.searchPlan(q)
        return try await connections.read { db in
            let join: SQLQueryString = "FROM (" + plan.core + ") x JOIN dir_service_at_locations a ON a.rid = x.rid"
            let page = try await db.raw("SELECT a.id AS sal_id, x.rid, x.d2 " + join + " ORDER BY " + plan.coreOrder
                                        + ", a.seq LIMIT \(literal: q.perPage) OFFSET \(literal: q.offset)").all()
            let total = try await db.raw("SELECT COUNT(*) AS n " + join).first()?.decode(column: "n", as: Int.self) ?? 0
            let rids = try Array(Set(page.map { try $0.decode(column: "rid", as: Int.self) }))
            var listings: [Int: DirectoryListing] = [:]
            if !rids.isEmpty {
                for row in try await db.raw("SELECT rid, doc, extra, review_state, last_verified_at, capacity, conflicts FROM dir_services WHERE rid IN (\(integers: rids))").all() {
                    listings[try row.decode(column: "rid", as: Int.self)] = try Self.listing(from: row)
                }
            }
            let hits = try page.compactMap { row -> ServiceAtLocationHit? in
                guard let listing = listings[try row.decode(column: "rid", as: Int.self)] else { return nil }
                let d2 = try row.decode(column: "d2", as: Double?.self)
                return ServiceAtLocationHit(id: try row.decode(column: "sal_id", as: String.self),
                                            hit: DirectoryHit(listing: listing, distanceKm: d2.map { $0.squareRoot() * GeoPoint.kilometresPerDegree }))
            }
            return ServiceAtLocationResults(hits: hits, total: total)
        }
    }

    public func serviceID(serviceAtLocationID id: String) async throws -> String? {
        try await connections.read { db in
            try await db.raw("SELECT service_id FROM dir_service_at_locations WHERE id = \(bind: id) ORDER BY service_id LIMIT 1").first()?
                .decode(column: "service_id", as: String.self)
        }
    }

    public func statusHistory(serviceID: String) async throws -> [ServiceStatusChange] {
        try await connections.read { db in
            try await db.raw("SELECT status, at, note FROM dir_status_history WHERE service_id = \(bind: serviceID) ORDER BY seq").all().map {
                ServiceStatusChange(serviceID: serviceID, status: try $0.decode(column: "status", as: HSDSServiceStatus.self),
                                    at: try $0.decode(column: "at", as: Date.self), note: try $0.decode(column: "note", as: String?.self))
            }
        }
    }

    public func updateCare(serviceID: String, lastVerifiedAt: Date?, reviewState: ReviewState, capacity: ServiceCapacity?) async throws {
        let capacityJSON = try capacity.map(directoryJSON)
        try await connections.transaction { db in
            guard try await db.raw("SELECT id FROM dir_services WHERE id = \(bind: serviceID)").first() != nil else { throw LinkwellError.notFound("service") }
            try await db.raw("""
                UPDATE dir_services SET last_verified_at = \(bind: lastVerifiedAt), review_state = \(bind: reviewState.rawValue),
                    capacity = \(bind: capacityJSON), capacity_now = \(bind: capacity?.hasCapacityNow ?? false),
                    conflicts = CASE WHEN \(bind: reviewState == .approved) THEN NULL ELSE conflicts END WHERE id = \(bind: serviceID)
                """).run()
        }
    }

    public func reviewQueue(staleBefore: Date) async throws -> [ReviewItem] {
        try await connections.read { db in
            try await db.raw("SELECT id, name, organization_id, review_state, last_verified_at, conflicts " + Self.reviewQueueRows(staleBefore)
                             + " ORDER BY name, id").all().map { try Self.reviewItem($0, staleBefore: staleBefore) }
        }
    }

    /// A registered feed from its `doc` column (numbered pages of feeds, `SQLStore+StaffLists.swift`).
    static func registeredFeed(_ row: any SQLRow) throws -> RegisteredFeed {
        try fromDirectoryJSON(try row.decode(column: "doc", as: String.self), as: RegisteredFeed.self)
    }

    /// `FROM … WHERE …` of the review queue.
    static func reviewQueueRows(_ staleBefore: Date) -> SQLQueryString {
        """
        FROM dir_services
        WHERE review_state <> \(bind: ReviewState.approved.rawValue) OR last_verified_at IS NULL OR last_verified_at < \(bind: staleBefore)
        """
    }

    static func reviewItem(_ row: any SQLRow, staleBefore: Date) throws -> ReviewItem {
        let verified = try row.decode(column: "last_verified_at", as: Date?.self)
        return ReviewItem(serviceID: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                          organizationID: try row.decode(column: "organization_id", as: String?.self),
                          reviewState: try row.decode(column: "review_state", as: ReviewState.self), lastVerifiedAt: verified,
                          stale: verified.map { $0 < staleBefore } ?? true,
                          conflicts: try row.decode(column: "conflicts", as: String?.self).map { try fromDirectoryJSON($0, as: [String].self) } ?? [])
    }

    public func savePostcodes(_ points: [PostcodePoint]) async throws {
        // A transaction per 5,000 postcodes, one multi-row statement per 1,000 (the same postcode twice
        // in one statement is an error on PostgreSQL, so the last of each wins first).
        var latest: [String: Int] = [:]
        for (i, p) in points.enumerated() { latest[p.postcode] = i }
        let unique = points.indices.filter { latest[points[$0].postcode] == $0 }.map { points[$0] }
        for batch in stride(from: 0, to: unique.count, by: 5000) {
            let slice = Array(unique[batch..<min(batch + 5000, unique.count)])
            try await connections.transaction { db in
                for start in stride(from: 0, to: slice.count, by: 1000) {
                    let rows: [SQLQueryString] = slice[start..<min(start + 1000, slice.count)].map {
                        "(\(bind: $0.postcode), \(bind: $0.point.latitude), \(bind: $0.point.longitude))"
                    }
                    try await db.raw("""
                        INSERT INTO dir_postcodes (postcode, lat, lon) VALUES \(rows.joined(separator: ", "))
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
                INSERT INTO dir_governance (organization_id, constituted, safeguarding_policy, insurance, dbs_for_home_visits, checked_by, checked_at,
                                            safeguarding_policy_expires, insurance_expires, dbs_expires)
                VALUES (\(bind: g.organizationID), \(bind: g.constituted), \(bind: g.safeguardingPolicy), \(bind: g.insurance),
                        \(bind: g.dbsForHomeVisits), \(bind: g.checkedBy), \(bind: g.checkedAt), \(bind: g.safeguardingPolicyExpires?.description),
                        \(bind: g.insuranceExpires?.description), \(bind: g.dbsExpires?.description))
                ON CONFLICT (organization_id) DO UPDATE SET constituted = excluded.constituted, safeguarding_policy = excluded.safeguarding_policy,
                    insurance = excluded.insurance, dbs_for_home_visits = excluded.dbs_for_home_visits, checked_by = excluded.checked_by,
                    checked_at = excluded.checked_at, safeguarding_policy_expires = excluded.safeguarding_policy_expires,
                    insurance_expires = excluded.insurance_expires, dbs_expires = excluded.dbs_expires
                """).run()
        }
    }

    public func governance(organizationID: String) async throws -> GovernanceCheck? {
        try await connections.read(.lookup) { db in
            try await db.raw("SELECT * FROM dir_governance WHERE organization_id = \(bind: organizationID)").first().map(Self.governanceCheck)
        }
    }

    public func governance(organizationIDs: [String]) async throws -> [GovernanceCheck] {
        guard !organizationIDs.isEmpty else { return [] }
        return try await connections.read(.lookup) { db in
            try await db.raw("SELECT * FROM dir_governance WHERE organization_id IN (\(binds: organizationIDs))").all().map(Self.governanceCheck)
        }
    }

    public func governanceChecks() async throws -> [GovernanceCheck] {
        try await connections.read { db in
            try await db.raw("SELECT * FROM dir_governance ORDER BY organization_id").all().map(Self.governanceCheck)
        }
    }

    static func governanceCheck(_ row: any SQLRow) throws -> GovernanceCheck {
                GovernanceCheck(organizationID: try row.decode(column: "organization_id", as: String.self), constituted: try row.decode(column: "constituted", as: Bool.self),
                                safeguardingPolicy: try row.decode(column: "safeguarding_policy", as: Bool.self),
                                insurance: try row.decode(column: "insurance", as: Bool.self),
                                dbsForHomeVisits: try row.decode(column: "dbs_for_home_visits", as: Bool.self),
                                checkedBy: try row.decode(column: "checked_by", as: UserID.self), checkedAt: try row.decode(column: "checked_at", as: Date.self),
                                safeguardingPolicyExpires: try row.decode(column: "safeguarding_policy_expires", as: String?.self).flatMap(CalendarDate.init),
                                insuranceExpires: try row.decode(column: "insurance_expires", as: String?.self).flatMap(CalendarDate.init),
                                dbsExpires: try row.decode(column: "dbs_expires", as: String?.self).flatMap(CalendarDate.init))
    }
}

extension SQLQueryString {
    /// Whole numbers written into the SQL, comma-separated (safe: they can only be numbers).
    mutating func appendInterpolation(integers: [Int]) { appendInterpolation(unsafeRaw: integers.map(String.init).joined(separator: ", ")) }
}

extension SQLStore {
    /// Fresh `rid`s for services new to the directory (SQLite has one writer at a time, so the next
    /// numbers after the largest are free; PostgreSQL takes them from a sequence).
    static func newRIDs(_ count: Int, flavor: SQLFlavor, _ db: any SQLDatabase) async throws -> [Int] {
        guard count > 0 else { return [] }
        switch flavor {
        case .sqlite:
            let last = try await db.raw("SELECT COALESCE(MAX(rid), 0) AS m FROM dir_services").first()?.decode(column: "m", as: Int.self) ?? 0
            return Array(last + 1...last + count)
        case .postgres:
            return try await db.raw("SELECT nextval('dir_service_rid') AS r FROM generate_series(1, \(literal: count))").all()
                .map { try $0.decode(column: "r", as: Int.self) }
        }
    }

    /// Replaces the services' postings (see `SearchIndex`): one row per key and grid cell, with the service's
    /// point in that cell when it has exactly one there (migration 362).
    static func writePostings(_ services: [(rid: Int, service: HSDSService)], _ db: any SQLDatabase) async throws {
        guard !services.isEmpty else { return }
        try await db.raw("DELETE FROM dir_postings WHERE rid IN (\(integers: services.map(\.rid)))").run()
        var rows: [SQLQueryString] = []
        func flush() async throws {
            guard !rows.isEmpty else { return }
            try await db.raw("INSERT INTO dir_postings (key, cell, rid, weight, status, primary_cell, lat, lon) VALUES \(rows.joined(separator: ", "))").run()
            rows.removeAll(keepingCapacity: true)
        }
        for (rid, s) in services {
            let facts = ServiceFacts(s)
            let postings = SearchIndex.postings(facts)
            let status = SearchIndex.statusCode(s.status)
            for (i, cell) in SearchIndex.cells(facts).enumerated() {
                let inCell = facts.points.filter { SearchIndex.cell($0) == cell }
                let point = inCell.count == 1 ? inCell[0] : nil
                for p in postings {
                    rows.append("(\(bind: p.key), \(literal: cell), \(literal: rid), \(literal: p.weight), \(literal: status), \(i == 0), \(bind: point?.latitude), \(bind: point?.longitude))")
                }
                if rows.count >= 2000 { try await flush() }
            }
        }
        try await flush()
    }

    /// Indexes the services stored before the search index existed (those without a `rid`), a chunk
    /// per transaction. Runs at `migrate`; does nothing once every service is indexed.
    public func rebuildSearchIndex() async throws {
        let flavor = self.flavor
        while true {
            let done = try await connections.transaction { db in
                let rows = try await db.raw("SELECT id, doc FROM dir_services WHERE rid IS NULL ORDER BY id LIMIT 500").all()
                guard !rows.isEmpty else { return true }
                let services = try rows.map { try fromDirectoryJSON(try $0.decode(column: "doc", as: String.self), as: HSDSService.self) }
                let rids = try await Self.newRIDs(services.count, flavor: flavor, db)
                for (rid, s) in zip(rids, services) {
                    try await db.raw("UPDATE dir_services SET rid = \(literal: rid) WHERE id = \(bind: s.id)").run()
                    try await db.raw("UPDATE dir_service_points SET rid = \(literal: rid), name = \(bind: s.name) WHERE service_id = \(bind: s.id)").run()
                    // Stored before version 102 too, so without service-at-location rows.
                    try await db.raw("DELETE FROM dir_service_at_locations WHERE service_id = \(bind: s.id)").run()
                    let sals: [SQLQueryString] = (s.serviceAtLocations ?? []).enumerated().map { "(\(bind: s.id), \(literal: $0), \(bind: $1.id), \(literal: rid))" }
                    if !sals.isEmpty { try await db.raw("INSERT INTO dir_service_at_locations (service_id, seq, id, rid) VALUES \(sals.joined(separator: ", "))").run() }
                }
                try await Self.writePostings(Array(zip(rids, services)), db)
                return false
            }
            if done { return }
        }
    }
}

private func directoryJSON<T: Encodable>(_ value: T) throws -> String { String(decoding: try HSDSJSON.encoder.encode(value), as: UTF8.self) }
private func fromDirectoryJSON<T: Decodable>(_ text: String, as type: T.Type) throws -> T { try HSDSJSON.decoder.decode(T.self, from: Data(text.utf8)) }


/// Hooks for the `linkwell-bench` target only (`@_spi(Benchmarks) import LinkwellStorage`), hidden from
/// the product API: the benchmarks time the database alone beside the endpoint, so they need the
/// store's own connections and the exact SQL a search runs.
extension SQLStore {
    /// Runs read-only SQL on the store's connections.
    @_spi(Benchmarks) public func benchmarkRead<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await connections.read(body)
    }

    /// Runs SQL in one committed write transaction on the store's connections (the writes benchmark's raw
    /// transaction rate on a scratch file, opened the way Linkwell opens its database).
    @_spi(Benchmarks) public func benchmarkWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await connections.transaction(body)
    }

    /// Runs the SQL a search endpoint runs — the page with its records, the count when the page has
    /// no total, and the organisations — with rows fetched but not decoded, for the benchmark's
    /// in-process baseline. Returns the number of rows.
    @_spi(Benchmarks) public func rawDirectorySearch(_ q: DirectoryQuery) async throws -> Int {
        let plan = Self.searchPlan(q)
        return try await connections.read { db in
            let page = try await db.raw(plan.pageWithRecords).all()
            var rows = page.count
            if !plan.windowTotal || page.isEmpty { rows += try await db.raw(plan.count).all().count }
            let rids = try page.map { try $0.decode(column: "rid", as: Int.self) }
            if !rids.isEmpty {
                rows += try await db.raw("SELECT doc FROM dir_organizations WHERE id IN (SELECT organization_id FROM dir_services WHERE rid IN (\(integers: rids))) ORDER BY name, id").all().count
            }
            return rows
        }
    }

}
