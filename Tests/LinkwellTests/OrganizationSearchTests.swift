import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// ORUK `GET /organizations?search=` runs in the store, from the organisations' words. The promise: exactly the
/// organisations every search word is a word of (name, alternate name, description; case and accents aside),
/// after every re-save, on every backend, in name order, paged, with the right total.
@Suite("Organisation search", .closesStores)
struct OrganizationSearchTests {
    static let vocabulary = ["Walking", "walkers", "Café", "CAFE", "money", "debt", "advice", "Zoë", "zoe", "art", "arts", "garden"]

    /// Organisations with names and descriptions drawn from the vocabulary, saved in three batches, the last
    /// re-saving some with different words (their old words must stop matching).
    static func organisations(version: Int) -> [HSDSOrganization] {
        var random = SplitMix64(seed: UInt64(40 + version))
        func words(_ n: Int) -> String { (0..<n).map { _ in vocabulary.randomElement(using: &random)! }.joined(separator: " ") }
        return (0..<30).map { i in
            var o = HSDSOrganization(id: "org-\(i)", name: "\(words(2)) \(i)", description: i % 3 == 0 ? "" : words(4))
            if i % 4 == 0 { o.alternateName = words(1) }
            return o
        }
    }

    @Test("Every search finds exactly the organisations all its words are words of, after re-saves", arguments: TestBackend.available)
    func searchMatchesTheRule(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // The test scheme's own community groups are in the directory already.
        var latest = Dictionary(uniqueKeysWithValues: try await s.store.hsdsOrganizations(words: [], page: 1, perPage: 1000).items.map { ($0.id, $0) })
        for version in 0..<3 {
            let batch = Self.organisations(version: version).filter { version == 0 || Int($0.id.dropFirst(4))! % (version + 1) == 0 }
            try await s.store.saveDirectory(DirectoryBatch(organizations: batch), at: s.clock.now, verified: true)
            for o in batch { latest[o.id] = o }
        }
        let lower = Self.vocabulary.map { $0.lowercased() }
        var searches = Self.vocabulary + ["cafe", "ZOE", "walking debt", "money advice arts", "café  Zoë!", "missing", "walk", "1", "12", ""]
        for a in lower.prefix(6) { for b in lower.suffix(6) { searches.append("\(a) \(b)") } }
        var found = 0
        for search in searches {
            let words = ServiceFacts.words(search)
            let expected = latest.values.filter { o in Set(words).isSubset(of: ServiceFacts.wordSet([o.name, o.alternateName, o.description])) }
                .sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map(\.id)
            var got: [String] = []
            var page = 1
            while true {
                let (items, total) = try await s.store.hsdsOrganizations(words: words, page: page, perPage: 4)
                #expect(total == expected.count, "\(search)")
                got += items.map(\.id)
                if items.count < 4 { break }
                page += 1
            }
            #expect(got == expected, "search \"\(search)\"")
            found += expected.isEmpty ? 0 : 1
        }
        #expect(found > searches.count / 2, "most searches find something, so the comparison says something")
    }

    @Test("The endpoint answers a search from the store and pages it", arguments: TestBackend.available)
    func endpoint(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let orgs = (0..<7).map { HSDSOrganization(id: "o\($0)", name: "A group \($0)", description: $0 < 5 ? "A café for walkers" : "Debt advice") }
        try await s.store.saveDirectory(DirectoryBatch(organizations: orgs), at: s.clock.now, verified: true)
        let directory = DirectoryService(store: s.store, env: .live)
        let page2 = try await directory.orukOrganizations(["search": "CAFE Walkers", "per_page": "2", "page": "2"])
        #expect(page2["total_items"] == .number(5) && page2["contents"]?.array?.compactMap { $0["id"]?.string } == ["o2", "o3"])
        await #expect(throws: LinkwellError.self) { try await directory.orukOrganizations(["search": "cafe", "per_page": "2", "page": "4"]) }
        let none = try await directory.orukOrganizations(["search": "swimming"])
        #expect(none["total_items"] == .number(0) && none["contents"] == .array([]))
    }

    @Test("An upgraded directory's organisations are found: version 361 indexes those stored before it")
    func upgradeIndexesEveryOrganisation() async throws {
        let path = temporarySQLitePath("lw-orgs")
        let store = try await SQLStore.sqlite(path: path)
        OpenedStores.current?.add(store)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.migrate()
        let orgs = (0..<1_200).map { HSDSOrganization(id: "o\($0)", name: "Group \($0)", description: $0 % 2 == 0 ? "Garden club" : "Choir") }
        try await store.saveDirectory(DirectoryBatch(organizations: orgs), at: Date(), verified: true)
        // As a directory stored before version 361: no words, and the migration not yet run.
        try await store.execute { db in
            try await db.raw("DELETE FROM dir_organization_words").run()
            try await db.raw("DROP TABLE dir_organization_words_pending").run()
            try await db.raw("DELETE FROM schema_migrations WHERE version = 361").run()
        }
        #expect(try await store.hsdsOrganizations(words: ["garden"], page: 1, perPage: 10).total == 0)
        try await store.migrate()
        #expect(try await store.hsdsOrganizations(words: ["garden"], page: 1, perPage: 10).total == 600)
        #expect(try await store.hsdsOrganizations(words: ["choir", "group"], page: 1, perPage: 10).total == 600)
        let pending = try await store.execute { db in try await db.raw("SELECT COUNT(*) AS n FROM dir_organization_words_pending").first()?.decode(column: "n", as: Int.self) }
        #expect(pending == 0)
    }
}
