import Foundation
import LinkwellCore
import SQLKit

/// The rate-limit tables (versions 50–59 are reserved for input and rate-limit work).
enum RateLimitMigrations {
    static let all: [Migration] = [
        Migration(version: 50, name: "shared rate limits") { flavor in
            [
                // One row per key, locked by each attempt so that concurrent attempts on a key take turns.
                "CREATE TABLE rate_limit_keys (rate_key TEXT PRIMARY KEY, touched_at {ts} NOT NULL)",
                "CREATE TABLE rate_limit_hits (id {seq}, rate_key TEXT NOT NULL, at {ts} NOT NULL)",
                "CREATE INDEX rate_limit_hits_key ON rate_limit_hits(rate_key, at)",
                "CREATE INDEX rate_limit_hits_at ON rate_limit_hits(at)",
            ].map(flavor.render)
        },
    ]
}

/// `RateLimitStore` on SQL. Each attempt is one transaction that first upserts the key's row: PostgreSQL
/// holds that row's lock until commit, so concurrent attempts on one key (from any instance) run one after
/// another and each counts the ones before it; SQLite's `BEGIN IMMEDIATE` serialises writers anyway.
extension SQLStore {
    public func recordRateLimitHit(key: String, limit: Int, windowStart: Date, now: Date) async throws -> RateLimitHit {
        try await connections.transaction { db in
            try await db.raw("""
                INSERT INTO rate_limit_keys (rate_key, touched_at) VALUES (\(bind: key), \(bind: now))
                ON CONFLICT (rate_key) DO UPDATE SET touched_at = excluded.touched_at
                """).run()
            // Forget what no window can need: this key's attempts before its window, anyone's older than a day.
            try await db.raw("DELETE FROM rate_limit_hits WHERE rate_key = \(bind: key) AND at < \(bind: windowStart)").run()
            try await db.raw("DELETE FROM rate_limit_hits WHERE at < \(bind: now.addingTimeInterval(-86_400))").run()
            let row = try await db.raw("SELECT count(*) AS n, min(at) AS oldest FROM rate_limit_hits WHERE rate_key = \(bind: key)").first()
            let count = try row?.decode(column: "n", as: Int.self) ?? 0
            let oldest = try row?.decode(column: "oldest", as: Date?.self)
            guard count < limit else { return RateLimitHit(allowed: false, count: count, oldest: oldest, id: nil) }
            let inserted = try await db.raw("INSERT INTO rate_limit_hits (rate_key, at) VALUES (\(bind: key), \(bind: now)) RETURNING id").first()
            let id = try inserted?.decode(column: "id", as: Int.self) ?? 0
            return RateLimitHit(allowed: true, count: count + 1, oldest: oldest ?? now, id: String(id))
        }
    }

    public func forgetRateLimitHit(id: String) async throws {
        guard let number = Int(id) else { return }
        try await connections.transaction { db in
            try await db.raw("DELETE FROM rate_limit_hits WHERE id = \(bind: number)").run()
        }
    }
}
