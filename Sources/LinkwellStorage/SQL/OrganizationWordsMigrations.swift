import Foundation
import LinkwellCore
import SQLKit

/// The words of directory organisations, for ORUK `GET /organizations?search=` (version 361; the rule is
/// `HSDSOrganization.searchWords`).
///
/// The search read every organisation of the directory and matched it in memory on each request: 3.4 s a
/// request at 100,000 organisations (debug build), on an endpoint open to anyone. Each word of an organisation is
/// now a row `(word, organization_id)`, written in the transaction that writes the organisation, and a search is one
/// probe of the primary key per word.
enum OrganizationWordsMigrations {
    static let all: [Migration] = [
        Migration(version: 361, name: "index the words of directory organisations") { flavor in
            let word = flavor == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
            let clustered = flavor == .sqlite ? " WITHOUT ROWID" : ""
            return [
                """
                CREATE TABLE IF NOT EXISTS dir_organization_words (
                    word \(word) NOT NULL, organization_id {id} NOT NULL REFERENCES dir_organizations(id),
                    PRIMARY KEY (word, organization_id))\(clustered)
                """,
                // An organisation's words are replaced when it is saved again.
                "CREATE INDEX IF NOT EXISTS dir_organization_words_organization ON dir_organization_words(organization_id)",
                // The organisations stored before the index: folding text takes Swift (`ServiceFacts.tokens`), so
                // `migrate` writes their words after the migrations, a batch a transaction (`indexOrganizationWords`).
                "CREATE TABLE IF NOT EXISTS dir_organization_words_pending (organization_id {id} PRIMARY KEY REFERENCES dir_organizations(id))",
                "INSERT INTO dir_organization_words_pending (organization_id) SELECT id FROM dir_organizations",
            ].map(flavor.render)
        },
    ]
}

extension SQLStore {
    /// Replaces the search words of these organisations inside the caller's transaction. `saveDirectory` calls it
    /// for every organisation it writes, and the backfill for those stored before.
    static func writeOrganizationWords(_ organizations: [HSDSOrganization], _ db: any SQLDatabase) async throws {
        var latest: [String: HSDSOrganization] = [:]
        for o in organizations { latest[o.id] = o }  // the last of an id in a batch is the one stored
        let ids = Array(latest.keys)
        for start in stride(from: 0, to: ids.count, by: 500) {
            try await db.raw("DELETE FROM dir_organization_words WHERE organization_id IN (\(binds: Array(ids[start..<min(ids.count, start + 500)])))").run()
        }
        let rows = latest.values.flatMap { o in o.searchWords.map { (word: $0, id: o.id) } }
        for start in stride(from: 0, to: rows.count, by: 400) {
            let values: [SQLQueryString] = rows[start..<min(rows.count, start + 400)].map { "(\(bind: $0.word), \(bind: $0.id))" }
            try await db.raw("INSERT INTO dir_organization_words (word, organization_id) VALUES \(values.joined(separator: ", "))").run()
        }
    }

    /// Writes the words of the organisations migration 361 queued, 500 a transaction (nothing once they are done).
    func indexOrganizationWords() async throws {
        while true {
            let done = try await connections.transaction { db in
                let rows = try await db.raw("""
                    SELECT o.doc, o.extra FROM dir_organization_words_pending q JOIN dir_organizations o ON o.id = q.organization_id
                    ORDER BY q.organization_id LIMIT 500
                    """).all()
                guard !rows.isEmpty else { return true }
                let organizations = try rows.map { try Self.record(from: $0, as: HSDSOrganization.self) }
                try await Self.writeOrganizationWords(organizations, db)
                try await db.raw("DELETE FROM dir_organization_words_pending WHERE organization_id IN (\(binds: organizations.map(\.id)))").run()
                return false
            }
            if done { return }
        }
    }
}
