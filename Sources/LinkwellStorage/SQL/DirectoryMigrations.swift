/// The community directory's tables (versions 100 and up, so they never collide with other work).
/// HSDS records are kept whole as JSON (`doc`); the columns and child tables beside them are the
/// search facts (`ServiceFacts`) that filters and ranking use, each with an index.
enum DirectoryMigrations {
    static func render(_ flavor: SQLFlavor, _ statements: [String]) -> [String] {
        statements.map { flavor.render($0.replacingOccurrences(of: "{real}", with: flavor == .postgres ? "DOUBLE PRECISION" : "REAL")) }
    }

    static let all: [Migration] = [
        Migration(version: 100, name: "community directory (HSDS 3.0)") { flavor in
            var statements = [
                "CREATE TABLE dir_taxonomies (id {id} PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)",
                "CREATE TABLE dir_terms (id {id} PRIMARY KEY, name TEXT NOT NULL, taxonomy_id {id}, doc TEXT NOT NULL)",
                "CREATE INDEX dir_terms_name ON dir_terms(name, id)",
                "CREATE TABLE dir_organizations (id {id} PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)",
                "CREATE INDEX dir_organizations_name ON dir_organizations(name, id)",
                """
                CREATE TABLE dir_services (
                    id {id} PRIMARY KEY, organization_id {id}, name TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL,
                    last_modified {ts}, free BOOLEAN NOT NULL, min_age {real}, max_age {real}, languages TEXT NOT NULL,
                    accessible BOOLEAN NOT NULL, review_state TEXT NOT NULL, last_verified_at {ts}, capacity TEXT,
                    capacity_now BOOLEAN NOT NULL)
                """,
                "CREATE INDEX dir_services_organization ON dir_services(organization_id)",
                "CREATE INDEX dir_services_modified ON dir_services(last_modified)",
                "CREATE INDEX dir_services_name ON dir_services(name, id)",
                "CREATE INDEX dir_services_review ON dir_services(review_state, last_verified_at)",
                """
                CREATE TABLE dir_service_points (
                    service_id {id} NOT NULL REFERENCES dir_services(id) ON DELETE CASCADE, lat {real} NOT NULL, lon {real} NOT NULL,
                    cell INTEGER NOT NULL)
                """,
                // A 0.1° grid cell: a radius search looks up the few cells its box covers (see SearchIndex.cells).
                "CREATE INDEX dir_service_points_cell ON dir_service_points(cell, lat, lon, service_id)",
                "CREATE INDEX dir_service_points_service ON dir_service_points(service_id)",
                """
                CREATE TABLE dir_service_terms (
                    service_id {id} NOT NULL REFERENCES dir_services(id) ON DELETE CASCADE, term_id {id} NOT NULL,
                    PRIMARY KEY (term_id, service_id))
                """,
                "CREATE INDEX dir_service_terms_service ON dir_service_terms(service_id)",
                """
                CREATE TABLE dir_service_hours (
                    service_id {id} NOT NULL REFERENCES dir_services(id) ON DELETE CASCADE, weekday INTEGER NOT NULL,
                    opens INTEGER NOT NULL, closes INTEGER NOT NULL)
                """,
                "CREATE INDEX dir_service_hours_day ON dir_service_hours(weekday, opens, closes, service_id)",
                "CREATE INDEX dir_service_hours_service ON dir_service_hours(service_id)",
                "CREATE TABLE dir_status_history (seq {seq}, service_id {id} NOT NULL, status TEXT NOT NULL, at {ts} NOT NULL)",
                "CREATE INDEX dir_status_history_service ON dir_status_history(service_id)",
                "CREATE TABLE dir_postcodes (postcode {id} PRIMARY KEY, lat {real} NOT NULL, lon {real} NOT NULL)",
                """
                CREATE TABLE dir_feedback (
                    id {id} PRIMARY KEY, service_id {id} NOT NULL REFERENCES dir_services(id), author_id {id} NOT NULL REFERENCES users(id),
                    at {ts} NOT NULL, rating INTEGER NOT NULL, text TEXT NOT NULL)
                """,
                "CREATE INDEX dir_feedback_service ON dir_feedback(service_id)",
                """
                CREATE TABLE dir_governance (
                    organization_id {id} PRIMARY KEY REFERENCES dir_organizations(id), constituted BOOLEAN NOT NULL,
                    safeguarding_policy BOOLEAN NOT NULL, insurance BOOLEAN NOT NULL, dbs_for_home_visits BOOLEAN NOT NULL,
                    checked_by {id} NOT NULL REFERENCES users(id), checked_at {ts} NOT NULL)
                """,
            ]
            switch flavor {
            case .sqlite:
                statements.append("CREATE VIRTUAL TABLE dir_service_fts USING fts5(service_id UNINDEXED, body, tokenize = 'unicode61')")
            case .postgres:
                statements.append("ALTER TABLE dir_services ADD COLUMN search_vector tsvector")
                statements.append("CREATE INDEX dir_services_search ON dir_services USING GIN (search_vector)")
            }
            return render(flavor, statements)
        },
        // Linkwell's own search index (see `SearchIndex`) replaces the engines' full-text indexes, whose
        // ranking scores every match. `rid` is a compact integer key for the postings; the index is
        // filled from the stored records by `SQLStore.rebuildSearchIndex` at the next start.
        Migration(version: 101, name: "directory search index") { flavor in
            var statements = [
                "ALTER TABLE dir_services ADD COLUMN rid BIGINT",
                "CREATE UNIQUE INDEX dir_services_rid ON dir_services(rid)",
                // Covering: a search orders by name and checks opening hours by id without reading the records.
                "CREATE INDEX dir_services_rid_name ON dir_services(rid, name, id)",
                // Points carry the service's name and id, so a search near a point sorts by name and checks
                // opening hours from this (covering) index alone.
                "ALTER TABLE dir_service_points ADD COLUMN rid BIGINT",
                "ALTER TABLE dir_service_points ADD COLUMN name TEXT",
                "CREATE INDEX dir_service_points_rid ON dir_service_points(rid, cell, lat, lon, name, service_id)",
                """
                CREATE TABLE dir_postings (
                    key TEXT NOT NULL, cell INTEGER NOT NULL, rid BIGINT NOT NULL, weight INTEGER NOT NULL,
                    status SMALLINT NOT NULL, primary_cell BOOLEAN NOT NULL, PRIMARY KEY (key, cell, rid))\(flavor == .sqlite ? " WITHOUT ROWID" : "")
                """,
                // One row per service and key (its primary cell), in rank order: a word search reads a page from here.
                "CREATE INDEX dir_postings_ranked ON dir_postings(key, weight DESC, rid, status) WHERE primary_cell",
                "CREATE INDEX dir_postings_rid ON dir_postings(rid)",
            ]
            switch flavor {
            case .sqlite:
                statements.append("DROP TABLE dir_service_fts")
            case .postgres:
                statements.append("CREATE SEQUENCE dir_service_rid")
                statements.append("DROP INDEX dir_services_search")
                statements.append("ALTER TABLE dir_services DROP COLUMN search_vector")
            }
            return render(flavor, statements)
        },
        // Federation without loss (versions 102–119 are the directory import's): the HSDS fields
        // Linkwell does not model (`extra`), where each record came from and what its source last
        // said (for merging without losing local decisions), locations in their own right, and why a
        // status changed.
        Migration(version: 102, name: "directory provenance and extras") { flavor in
            var statements: [String] = []
            for table in ["dir_services", "dir_organizations", "dir_terms", "dir_taxonomies"] {
                statements += ["ALTER TABLE \(table) ADD COLUMN extra TEXT", "ALTER TABLE \(table) ADD COLUMN source TEXT",
                               "ALTER TABLE \(table) ADD COLUMN source_id TEXT"]
            }
            statements += [
                "ALTER TABLE dir_services ADD COLUMN source_doc TEXT",
                "ALTER TABLE dir_services ADD COLUMN source_modified {ts}",
                "ALTER TABLE dir_services ADD COLUMN conflicts TEXT",
                "CREATE INDEX dir_services_source ON dir_services(source, id)",
                "ALTER TABLE dir_status_history ADD COLUMN note TEXT",
                "CREATE TABLE dir_locations (id {id} PRIMARY KEY, name TEXT, doc TEXT NOT NULL, extra TEXT, source TEXT, source_id TEXT)",
                "CREATE INDEX dir_locations_name ON dir_locations(name, id)",
                // One row per service-at-location, in the service's own order: ORUK `/service_at_locations` pages these.
                """
                CREATE TABLE dir_service_at_locations (
                    service_id {id} NOT NULL REFERENCES dir_services(id) ON DELETE CASCADE, seq INTEGER NOT NULL, id {id} NOT NULL,
                    rid BIGINT NOT NULL, PRIMARY KEY (service_id, seq))
                """,
                "CREATE INDEX dir_service_at_locations_id ON dir_service_at_locations(id)",
                "CREATE INDEX dir_service_at_locations_rid ON dir_service_at_locations(rid, seq)",
            ]
            return render(flavor, statements)
        },
        // Feeds the admin registered, re-imported by `serve` on a schedule (the last sync's outcome is in `doc`).
        Migration(version: 103, name: "registered directory feeds") { flavor in
            render(flavor, ["CREATE TABLE dir_feeds (id {id} PRIMARY KEY, url TEXT NOT NULL, created_at {ts} NOT NULL, doc TEXT NOT NULL)"])
        },
        // Import jobs live in the database, so a second instance or a restarted one sees them (versions 140–149).
        Migration(version: 140, name: "directory import jobs") { flavor in
            render(flavor, [
                "CREATE TABLE dir_import_jobs (id {id} PRIMARY KEY, started_at {ts} NOT NULL, doc TEXT NOT NULL)",
                "CREATE INDEX dir_import_jobs_started ON dir_import_jobs(started_at, id)",
            ])
        },
        // Services stored before version 102 have no rows in dir_service_at_locations, so `/oruk/service_at_locations`
        // missed them: fill the table from each service's own document. (Services without a `rid` yet, from before
        // version 101, get theirs when `rebuildSearchIndex` indexes them.)
        Migration(version: 141, name: "service-at-locations of services stored before 102") { flavor in
            switch flavor {
            case .sqlite:
                return ["""
                    INSERT INTO dir_service_at_locations (service_id, seq, id, rid)
                    SELECT s.id, CAST(j.key AS INTEGER), json_extract(j.value, '$.id'), s.rid
                    FROM dir_services s, json_each(s.doc, '$.service_at_locations') j
                    WHERE s.rid IS NOT NULL AND json_type(j.value, '$.id') = 'text'
                      AND NOT EXISTS (SELECT 1 FROM dir_service_at_locations x WHERE x.service_id = s.id)
                    """]
            case .postgres:
                return ["""
                    INSERT INTO dir_service_at_locations (service_id, seq, id, rid)
                    SELECT s.id, j.n - 1, j.value ->> 'id', s.rid
                    FROM dir_services s
                    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(s.doc::jsonb -> 'service_at_locations') = 'array'
                                                            THEN s.doc::jsonb -> 'service_at_locations' ELSE '[]'::jsonb END) WITH ORDINALITY AS j(value, n)
                    WHERE s.rid IS NOT NULL AND jsonb_typeof(j.value -> 'id') = 'string'
                      AND NOT EXISTS (SELECT 1 FROM dir_service_at_locations x WHERE x.service_id = s.id)
                    """]
            }
        },
    ]
}
