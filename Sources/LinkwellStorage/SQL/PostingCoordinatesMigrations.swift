import Foundation
import LinkwellCore
import SQLKit

/// Each posting carries its service's point in the posting's grid cell (version 362).
///
/// A search near a point with a radius read its postings (the key in the cells the radius covers) and joined each
/// to the service's points for the distance. On PostgreSQL at 500,000 services a taxonomy term in a busy 10 km radius
/// joined ~4,000 postings to their points by a parallel scan of every point (24–40 ms, most of the p99 of the
/// directory benchmark). With the coordinates on the posting the search is one range of one index.
///
/// An opening block's posting carries the opening that touches it too (`SearchIndex.blockPostings`), so "open at"
/// is decided from the posting rather than by reading the services and their opening hours for every match.
///
/// `lat`/`lon` are set when the service has exactly one point in that cell; with several there (a group meeting at
/// two venues in one town) they are NULL and the search reads that service's points in the cell, as before.
/// On PostgreSQL the primary key includes the coordinates, weight and status, so the range is read from the index
/// alone; a SQLite `WITHOUT ROWID` table is its primary key already.
enum PostingCoordinatesMigrations {
    static let all: [Migration] = [
        Migration(version: 362, name: "directory postings carry their point and opening") { flavor in
            let real = flavor == .postgres ? "DOUBLE PRECISION" : "REAL"
            let key = flavor == .postgres ? "PRIMARY KEY (key, cell, rid) INCLUDE (lat, lon, weight, status)" : "PRIMARY KEY (key, cell, rid)"
            // An opening block's posting carries the one opening that touches it (`SearchIndex.blockPostings`): the
            // key is `h:` weekday block, and an opening touches block b when opens / 180 <= b <= (closes - 1) / 180.
            let block = "CAST(SUBSTR(d.key, 4, 1) AS INTEGER)"
            let openingWeight = """
                COALESCE((SELECT CASE WHEN COUNT(*) = 1 THEN MIN(h.opens) * \(SearchIndex.openingScale) + MIN(h.closes) ELSE \(SearchIndex.severalOpenings) END
                          FROM dir_services s JOIN dir_service_hours h ON h.service_id = s.id
                          WHERE s.rid = d.rid AND h.weekday = CAST(SUBSTR(d.key, 3, 1) AS INTEGER) AND h.closes > h.opens
                            AND h.opens / 180 <= \(block) AND (h.closes - 1) / 180 >= \(block)), \(SearchIndex.severalOpenings))
                """
            var statements = [
                """
                CREATE TABLE dir_postings_new (
                    key TEXT NOT NULL, cell INTEGER NOT NULL, rid BIGINT NOT NULL, weight INTEGER NOT NULL,
                    status SMALLINT NOT NULL, primary_cell BOOLEAN NOT NULL, lat \(real), lon \(real), \(key))\(flavor == .sqlite ? " WITHOUT ROWID" : "")
                """,
                // A new table rather than an UPDATE of every row: PostgreSQL would keep a dead copy of each.
                """
                INSERT INTO dir_postings_new (key, cell, rid, weight, status, primary_cell, lat, lon)
                SELECT d.key, d.cell, d.rid, CASE WHEN d.key LIKE 'h:%' THEN \(openingWeight) ELSE d.weight END, d.status, d.primary_cell, one.lat, one.lon
                FROM dir_postings d
                LEFT JOIN (SELECT rid, cell, MIN(lat) AS lat, MIN(lon) AS lon FROM dir_service_points GROUP BY rid, cell HAVING COUNT(*) = 1) one
                    ON one.rid = d.rid AND one.cell = d.cell
                ORDER BY d.key, d.cell, d.rid
                """,
                "DROP TABLE dir_postings",
                "ALTER TABLE dir_postings_new RENAME TO dir_postings",
                "CREATE INDEX dir_postings_ranked ON dir_postings(key, weight DESC, rid, status) WHERE primary_cell",
                "CREATE INDEX dir_postings_rid ON dir_postings(rid)",
            ]
            if flavor == .postgres {
                statements.append("ALTER INDEX dir_postings_new_pkey RENAME TO dir_postings_pkey")
                // A new table has no statistics until autovacuum gets to it; the searches should not wait for that.
                // (SQLite's start analyses a table whose indexes have none: `SQLStore.migrate`.)
                statements.append("ANALYZE dir_postings")
            }
            return statements
        },
    ]
}
