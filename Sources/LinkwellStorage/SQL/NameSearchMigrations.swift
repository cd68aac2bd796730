import Foundation
import LinkwellCore
import SQLKit

/// The words of people's names, for the caseload search (versions 360–369; the rule is `NameSearch`'s).
///
/// A search was `lower(given_name || ' ' || family_name) LIKE '%…%'`, which no index can serve: every person of the
/// caseload (the supervisor's: every person) was read and lowered on each search, 0.6–2.5 s for a supervisor at
/// 50,000 referrals. Each word of a name is now a row `(term, person_id)`, written in the transaction that writes
/// the name, and a search word is a range of the primary key (`term >= word AND term < word + U+10FFFF`), on both
/// engines without extensions (no pg_trgm, no FTS5).
enum NameSearchMigrations {
    static let all: [Migration] = [
        Migration(version: 360, name: "index the words of people's names") { flavor in
            // Compared by bytes on both engines (`NameSearch.upperBound`): SQLite's BINARY, PostgreSQL's "C" (in the
            // database's own collation a range of words is not a prefix). Without a rowid SQLite keeps the rows in
            // key order, so a range is read from the table itself.
            let term = flavor == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
            let clustered = flavor == .sqlite ? " WITHOUT ROWID" : ""
            return [
                """
                CREATE TABLE IF NOT EXISTS person_name_terms (
                    term \(term) NOT NULL, person_id {id} NOT NULL REFERENCES people(id), PRIMARY KEY (term, person_id))\(clustered)
                """,
                // A person's words, replaced when the name changes (erasure), and tested for one person (a caseload's).
                "CREATE INDEX IF NOT EXISTS person_name_terms_person ON person_name_terms(person_id, term)",
                // The people whose words are still to be written: everyone stored so far. Folding a name takes Swift
                // (`NameSearch.terms`), so `migrate` writes them after the migrations (`indexPersonNames`), a batch a
                // transaction, and a start that stops half way goes on where it stopped.
                "CREATE TABLE IF NOT EXISTS person_name_terms_pending (person_id {id} PRIMARY KEY REFERENCES people(id))",
                "INSERT INTO person_name_terms_pending (person_id) SELECT id FROM people",
            ].map(flavor.render)
        },
    ]
}

extension SQLStore {
    /// Writes the words of these people's names (`NameSearch.terms`) inside the caller's transaction; `replacing`
    /// removes their old words first. Every statement that writes a person's name calls it in its transaction:
    /// `createReferral`, `importReferrals`, `anonymise`, and the backfill.
    static func writeNameTerms(_ people: [(id: String, name: String)], replacing: Bool, _ db: any SQLDatabase) async throws {
        if replacing {
            for start in stride(from: 0, to: people.count, by: 500) {
                let ids = people[start..<min(people.count, start + 500)].map(\.id)
                try await db.raw("DELETE FROM person_name_terms WHERE person_id IN (\(binds: ids))").run()
            }
        }
        let rows = people.flatMap { person in NameSearch.terms(person.name).map { (term: $0, id: person.id) } }
        // 400 rows (800 values) a statement, under both engines' limits on bound values.
        for start in stride(from: 0, to: rows.count, by: 400) {
            let values: [SQLQueryString] = rows[start..<min(rows.count, start + 400)].map { "(\(bind: $0.term), \(bind: $0.id))" }
            try await db.raw("INSERT INTO person_name_terms (term, person_id) VALUES \(values.joined(separator: ", "))").run()
        }
    }

    /// `writeNameTerms` for people as the store holds them.
    static func writeNameTerms(_ people: [Person], replacing: Bool, _ db: any SQLDatabase) async throws {
        try await writeNameTerms(people.map { ($0.id.rawValue, $0.fullName) }, replacing: replacing, db)
    }

    /// Writes the name words of the people migration 360 queued, 500 a transaction (the people stored before the
    /// index existed; nothing once they are done).
    func indexPersonNames() async throws {
        while true {
            let done = try await connections.transaction { db in
                let rows = try await db.raw("""
                    SELECT q.person_id, p.given_name, p.family_name FROM person_name_terms_pending q
                    JOIN people p ON p.id = q.person_id ORDER BY q.person_id LIMIT 500
                    """).all()
                guard !rows.isEmpty else { return true }
                let people = try rows.map { row in
                    (id: try row.decode(column: "person_id", as: String.self),
                     name: try row.decode(column: "given_name", as: String.self) + " " + row.decode(column: "family_name", as: String.self))
                }
                try await Self.writeNameTerms(people, replacing: true, db)
                try await db.raw("DELETE FROM person_name_terms_pending WHERE person_id IN (\(binds: people.map(\.id)))").run()
                return false
            }
            if done { return }
        }
    }

    /// ` AND …`: the referral's person is found by this name search (`NameSearch`), each word of it a range of
    /// `person_name_terms`' key; a search with no words finds no one.
    ///
    /// `narrow`: the rest of the query already picks out few referrals by an index of its own (one link worker's
    /// caseload, one referrer's referrals, the waiting list), so each of those referrals' people is tested, by the
    /// `(person_id, term)` index. Otherwise (a supervisor's whole scheme) each word's people are read from the key and their referrals
    /// found by person. Asked the second way about a caseload, SQLite guessed a word's people few and went by person
    /// even for "smith" (2,000 people at 50,000 referrals), or dropped the caseload's index for the status's.
    static func appendNameSearch(_ search: String, narrow: Bool, to sql: inout SQLQueryString) {
        let words = NameSearch.words(search)
        if words.isEmpty { sql.appendInterpolation(unsafeRaw: " AND 1 = 0") }
        for word in words {
            sql.appendInterpolation(unsafeRaw: narrow
                ? " AND EXISTS (SELECT 1 FROM person_name_terms t WHERE t.person_id = r.person_id AND t.term >= "
                : " AND r.person_id IN (SELECT t.person_id FROM person_name_terms t WHERE t.term >= ")
            sql.appendInterpolation(bind: word)
            sql.appendInterpolation(unsafeRaw: " AND t.term < ")
            sql.appendInterpolation(bind: NameSearch.upperBound(word))
            sql.appendInterpolation(unsafeRaw: ")")
        }
    }
}
