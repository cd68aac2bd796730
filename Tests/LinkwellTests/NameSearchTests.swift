import Foundation
import LinkwellBench
import LinkwellCore
@_spi(Testing) @testable import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// The caseload's name search (`NameSearch`, issue #19): word prefixes answered from `person_name_terms` on SQL and
/// from the names themselves in memory. People with awkward names are stored through every path that writes a
/// name (a referral in, the bulk import, erasure, a merge), and for many searches each store's answer is compared
/// with an oracle written here, separately, from the documented rule.
@Suite("Name search: word prefixes from an index, the same on every backend", .closesStores)
struct NameSearchTests {
    /// The documented rule, written again without `NameSearch`: Foundation's folding for case and accents, the
    /// letters it leaves spelt out by hand, and `Character` classes for words.
    enum Oracle {
        static let apostrophes: Set<Character> = ["'", "’"]
        static let hyphens: Set<Character> = ["-", "‐"]
        static func fold(_ text: String) -> String {
            var t = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            for (from, to) in [("ß", "ss"), ("ø", "o"), ("ł", "l"), ("æ", "ae"), ("œ", "oe")] { t = t.replacingOccurrences(of: from, with: to) }
            return t
        }
        static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber }
        static func strip(_ s: Substring) -> String { String(s.filter(isWord)) }
        static func terms(_ name: String) -> Set<String> {
            var terms = Set<String>()
            let chunks = fold(name).split { !(isWord($0) || apostrophes.contains($0) || hyphens.contains($0)) }
            for chunk in chunks {
                terms.insert(strip(chunk))
                for part in chunk.split(whereSeparator: { hyphens.contains($0) }) { terms.insert(strip(part)) }
                for piece in chunk.split(whereSeparator: { apostrophes.contains($0) || hyphens.contains($0) }) { terms.insert(strip(piece)) }
            }
            terms.remove("")
            return terms
        }
        static func words(_ search: String) -> [String] {
            fold(search).filter { !apostrophes.contains($0) }.split { !isWord($0) }.map(String.init)
        }
        static func finds(name: String, search: String) -> Bool {
            let words = words(search), terms = terms(name)
            return !words.isEmpty && words.allSatisfy { word in terms.contains { $0.hasPrefix(word) } }
        }
    }

    @Test("The rule: folding, apostrophes and hyphens, word prefixes, every word")
    func rule() {
        #expect(Set(NameSearch.terms("Zoë O'Brien")) == ["zoe", "obrien", "o", "brien"])
        #expect(Set(NameSearch.terms("Anne-Marie Smith-Jones")) == ["annemarie", "anne", "marie", "smithjones", "smith", "jones"])
        #expect(Set(NameSearch.terms("Siân Smith-O’Neill")) == ["sian", "smithoneill", "smith", "oneill", "o", "neill"])
        #expect(Set(NameSearch.terms("Jürgen Straße")) == ["jurgen", "strasse"])
        #expect(Set(NameSearch.terms("Bjørn Łukasz")) == ["bjorn", "lukasz"])
        #expect(Set(NameSearch.terms("Percy 50%_Off")) == ["percy", "50", "off"])
        #expect(NameSearch.words("O'Brien") == ["obrien"] && NameSearch.words("O’Brien") == ["obrien"])
        #expect(NameSearch.words("smith-jones") == ["jones", "smith"])
        #expect(NameSearch.words("ann an") == ["ann"], "a word that begins another adds nothing")
        #expect(NameSearch.words("% _ -- '").isEmpty)
        #expect(NameSearch.matches(name: "Anne-Marie Smith-Jones", search: "jones ann"))
        #expect(NameSearch.matches(name: "Anne-Marie Smith-Jones", search: "SMITH-JO"))
        #expect(!NameSearch.matches(name: "Anne-Marie Smith-Jones", search: "mith"), "from the start of a word, not inside it")
        #expect(!NameSearch.matches(name: "Anne-Marie Smith-Jones", search: "anne brown"), "every word must be found")
        #expect(!NameSearch.matches(name: "Percy 50% Off", search: "%"), "a search with no words finds no one")
        #expect(NameSearch.matches(name: "Nguyễn Thị", search: "nguyen thi"))
        let long = String(repeating: "a", count: 300)
        #expect(NameSearch.terms(long) == [String(repeating: "a", count: NameSearch.significantLength)])
        #expect(NameSearch.matches(name: long, search: long + "b"), "words compare on their first 64 letters")
    }

    /// Awkward names: accents, apostrophes (straight and curly), hyphens, two-word family names, `%` and `_`.
    static let names: [(String, String)] = [
        ("Zoë", "O'Brien"), ("Seán", "Ó Súilleabháin"), ("Anne-Marie", "Smith-Jones"), ("José María", "García Márquez"),
        ("Jürgen", "Straße"), ("Bjørn", "Ødegård"), ("Łukasz", "Wałęsa"), ("Mary", "D’Arcy"), ("Percy", "50% Off"),
        ("Under_Score", "Smith_"), ("Ann", "Smith"), ("Annabel", "Smithson"), ("Pieter", "van der Berg"), ("Mohammed", "Al-Amin"),
        ("Renée", "MacDonald"), ("Chloé", "Lefèvre"), ("Siobhán", "Ní Bhriain"), ("Nguyễn", "Thị Lan"), ("Ian", "Forgotten"),
        ("Kate", "Duplicate"), ("Katherine", "Keeper"), ("Siân", "Smith-O’Neill"), ("O", "Neill"), ("Éamon", "de Valera"),
    ]

    static let searches: [String] = [
        "o'brien", "O’Brien", "obrien", "brien", "o brien", "zoe", "ZOË", "zo", "smith-jones", "smithjones", "smith jones", "jones", "smith",
        "SMITH", "smi", "smithson", "strasse", "straße", "stra", "ødegård", "odegard", "bjorn", "lukasz", "walesa", "wałęsa", "d'arcy",
        "darcy", "arcy", "50%", "50", "%", "_", "%%", "off", "under_score", "under", "score", "der berg", "van der", "berg", "al-amin",
        "amin", "alamin", "ni bhriain", "nguyen", "thi lan", "ian", "forgotten", "removed", "kate", "katherine", "duplicate", "keeper",
        "mac", "macd", "renee", "chloe lef", "o neill", "o'neill", "oneill", "neill", "sian", "smith-o'neill", "de valera", "eamon",
        "seán ó", "suil", "ann", "ann smith", "annabel", "anne", "marie anne", "jose maria garcia marquez", "garcia-marquez", "a", "s",
        "x", "mary d", "percy 50", "'", "-", "z o",
    ]

    /// The scheme: most people referred through the service, some loaded in bulk; one erased, one merged away.
    func scheme(_ backend: TestBackend) async throws -> (TestScheme, [(id: ReferralID, referrerID: UserID?, name: String)]) {
        let s = try await TestScheme.make(backend)
        var referrals: [(id: ReferralID, referrerID: UserID?, name: String, person: PersonID)] = []
        for (i, (given, family)) in Self.names.enumerated() where i % 4 != 3 {
            var submission = TestScheme.submission(givenName: given, nhsNumber: nil)
            submission.person?.familyName = family
            let by = i % 2 == 0 ? s.referrer : s.otherReferrer
            let made = try await s.casework.submitReferral(submission, by: Principal(by))
            referrals.append((made.referral.id, by.id, "\(given) \(family)", made.person.id))
            s.clock.advance(seconds: 3_600)
        }
        // Every fourth person through the bulk import.
        let synthetic = SyntheticScheme(seed: 3)
        for organisation in synthetic.practices { try await s.store.createOrganisation(organisation) }
        var records: [ImportedReferral] = []
        for (i, (given, family)) in Self.names.enumerated() where i % 4 == 3 {
            var record = synthetic.row(i, now: s.clock.now)
            record.person.givenName = given
            record.person.familyName = family
            record.referral.referrerID = s.referrer.id
            record.facts = InsightFacts(Case(person: record.person, referral: record.referral, events: [record.event]))
            records.append(record)
            referrals.append((record.referral.id, s.referrer.id, "\(given) \(family)", record.person.id))
        }
        try await #require(s.store as? any ReferralImportStore).importReferrals(records)
        // Erased: their name is now `Anonymised.name`. Merged: Kate's referral is Katherine's now.
        let ian = try #require(referrals.first { $0.name == "Ian Forgotten" })
        try await s.store.anonymise(personID: ian.person, at: s.clock.now)
        let kate = try #require(referrals.first { $0.name == "Kate Duplicate" }), katherine = try #require(referrals.first { $0.name == "Katherine Keeper" })
        try await s.store.mergePeople(keep: katherine.person, duplicate: kate.person)
        let current = referrals.map { r in
            (id: r.id, referrerID: r.referrerID, name: r.id == ian.id ? "\(Anonymised.name) \(Anonymised.name)" : r.id == kate.id ? katherine.name : r.name)
        }
        return (s, current)
    }

    @Test("Every search finds exactly the people the rule finds: the whole scheme, one referrer's, counted, and the GP's home",
          arguments: TestBackend.available)
    func agreesWithTheRule(backend: TestBackend) async throws {
        let (s, referrals) = try await scheme(backend)
        // Every word of every name, and prefixes of them, as searches too.
        var searches = Self.searches
        for (given, family) in Self.names {
            for word in Oracle.terms("\(given) \(family)") { searches += [word, String(word.prefix(2)), String(word.prefix(max(1, word.count - 1)))] }
        }
        var nonEmpty = 0
        for search in Set(searches).sorted() {
            let expected = Set(referrals.filter { Oracle.finds(name: $0.name, search: search) }.map(\.id))
            if !expected.isEmpty { nonEmpty += 1 }
            // The whole scheme (a supervisor's: each word's people read from the index).
            let all = try await s.store.referrals(ReferralQuery(limit: 1000, search: search))
            #expect(Set(all.map(\.id)) == expected, "\(backend) \(search)")
            #expect(try await s.store.countReferrals(ReferralQuery(search: search)) == expected.count, "\(backend) count \(search)")
            // One referrer's (each of their referrals' people tested against the index).
            for referrer in [s.referrer, s.otherReferrer] {
                let theirs = Set(referrals.filter { $0.referrerID == referrer.id && expected.contains($0.id) }.map(\.id))
                let found = try await s.store.referrals(ReferralQuery(referrerID: referrer.id, limit: 1000, search: search))
                #expect(Set(found.map(\.id)) == theirs, "\(backend) \(referrer.email) \(search)")
                let home = try await s.store.referredPeople(ReferralQuery(referrerID: referrer.id, search: search), page: PageNumber(1, size: 100)).rows
                #expect(Set(home.flatMap { $0.referrals.map(\.id) }) == theirs, "\(backend) home \(referrer.email) \(search)")
            }
        }
        #expect(nonEmpty > 60, "most searches find someone, so the comparison compares something")
        // Through the caseload as a supervisor sees it (the search box's parsing included).
        for search in ["O’Brien", "smith jones", "50%", "%", "ødegård"] {
            let rows = try await s.casework.caseload(s.request(s.supervisor), list: .all, page: PageRequest(limit: 100), search: search).rows
            #expect(Set(rows.map(\.id)) == Set(referrals.filter { Oracle.finds(name: $0.name, search: search) }.map(\.id)), "\(backend) caseload \(search)")
        }
    }

    @Test("An erased person is found by the name they have now, not the one removed; a merged person by the kept name",
          arguments: TestBackend.available)
    func renamedIsFoundByTheNewName(backend: TestBackend) async throws {
        let (s, referrals) = try await scheme(backend)
        let ian = try #require(referrals.first { $0.name.hasPrefix(Anonymised.name) })
        for old in ["ian", "forgotten", "ian forgotten"] {
            #expect(try await s.store.referrals(ReferralQuery(search: old)).isEmpty, "\(backend) \(old)")
        }
        #expect(try await s.store.referrals(ReferralQuery(search: Anonymised.name.lowercased())).map(\.id) == [ian.id])
        let keepers = Set(referrals.filter { $0.name == "Katherine Keeper" }.map(\.id))
        #expect(keepers.count == 2, "Katherine's own referral and the one merged from Kate")
        #expect(try await s.store.referrals(ReferralQuery(search: "duplicate")).isEmpty, "\(backend): the merged-away name finds no referral")
        #expect(Set(try await s.store.referrals(ReferralQuery(search: "keeper")).map(\.id)) == keepers, "\(backend)")
    }

    @Test("On SQL the search reads person_name_terms by its keys, never the whole table", arguments: TestBackend.available.filter { $0 != .memory })
    func readsTheIndex(backend: TestBackend) async throws {
        let (s, _) = try await scheme(backend)
        let store = try #require(s.store as? SQLStore)
        for query in [ReferralQuery(search: "smith jo"), ReferralQuery(referrerID: s.referrer.id, search: "smith jo")] {
            let flavor = store.flavor
            let statement = SQLStore.referralCount(query, flavor: flavor)
            let plan = try await store.execute { db in
                switch flavor {
                case .sqlite:
                    return try await db.raw(SQLQueryString("EXPLAIN QUERY PLAN ") + statement).all().map { try $0.decode(column: "detail", as: String.self) }
                case .postgres:
                    // A few rows in a test: tell PostgreSQL a scan is dear, as it is at a scheme's size.
                    try await db.raw("SET LOCAL enable_seqscan = off").run()
                    return try await db.raw(SQLQueryString("EXPLAIN ") + statement).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
                }
            }
            let text = plan.joined(separator: "\n")
            #expect(text.contains("person_name_terms_pkey") || text.contains("person_name_terms_person") || text.contains("USING PRIMARY KEY")
                    || text.contains("USING COVERING INDEX person_name_terms_person"), "\(backend)\n\(text)")
            #expect(!plan.contains { $0.contains("SCAN t") || $0.contains("Seq Scan on person_name_terms") }, "\(backend)\n\(text)")
        }
    }

    @Test("An upgraded scheme's people are found by name: version 360 indexes everyone stored before it")
    func upgradeIndexesEveryone() async throws {
        let path = temporarySQLitePath("lw-names")
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.migrate(through: 352)
        // People as Linkwell stored them before version 360: today's bulk loader writes their name words too, so it
        // writes them to a table dropped afterwards.
        try await store.execute { db in
            try await db.raw("CREATE TABLE person_name_terms (term TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (term, person_id))").run()
            try await db.raw(SQLQueryString(RollupMigrations.groupedTable)).run()
            try await db.raw(SQLQueryString(RollupMigrations.placeTable)).run()
        }
        let synthetic = SyntheticScheme(seed: 9)
        for organisation in synthetic.practices { try await store.createOrganisation(organisation) }
        var rows = synthetic.rows(0..<3, now: Date(timeIntervalSince1970: 1_780_000_000))
        (rows[0].person.givenName, rows[0].person.familyName) = ("Zoë", "O'Brien")
        (rows[1].person.givenName, rows[1].person.familyName) = ("Anne-Marie", "Smith-Jones")
        try await store.importReferrals(rows)
        try await store.execute { db in try await db.raw("DROP TABLE person_name_terms").run() }
        try await store.migrate()
        #expect(try await store.referrals(ReferralQuery(search: "obrien")).map(\.id) == [rows[0].referral.id])
        #expect(try await store.referrals(ReferralQuery(search: "jones anne")).map(\.id) == [rows[1].referral.id])
        let pending = try await store.execute { db in try await db.raw("SELECT COUNT(*) AS n FROM person_name_terms_pending").first()?.decode(column: "n", as: Int.self) }
        #expect(pending == 0)
    }
}
