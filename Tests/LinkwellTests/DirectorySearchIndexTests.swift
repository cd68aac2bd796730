import Foundation
import LinkwellBench
import LinkwellCore
@testable import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// The search index (`SearchIndex`) behind every backend's directory search: the SQL backends must
/// find, rank, count and page exactly as the plain in-memory scan does.
@Suite("Directory search index", .closesStores)
struct DirectorySearchIndexTests {
    static let size = 600

    /// A synthetic directory (the benchmark's generator) in a store.
    func loaded(_ backend: TestBackend) async throws -> any LinkwellStore {
        let store = try await backend.makeStore()
        let synthetic = SyntheticDirectory()
        try await store.saveDirectory(DirectoryBatch(taxonomies: [synthetic.taxonomy], terms: synthetic.terms), at: Date(), verified: true)
        for batch in synthetic.batches(services: Self.size, size: 200) { try await store.saveDirectory(batch, at: Date(), verified: true) }
        return store
    }

    /// Random queries mixing every filter, seeded so that a failure can be replayed.
    static func queries(count: Int, seed: UInt64) -> [DirectoryQuery] {
        var random = SplitMix64(seed: seed)
        let synthetic = SyntheticDirectory()
        let points = synthetic.postcodes().map(\.point)
        let words = Array(SyntheticDirectory.common.prefix(40)) + ["nosuchword", "café"]
        return (0..<count).map { _ in
            var q = DirectoryQuery()
            let wordCount = [0, 0, 1, 1, 1, 2][random.int(6)]
            q.words = ServiceFacts.words((0..<wordCount).map { _ in words[random.int(words.count)] }.joined(separator: " "))
            if random.unit() < 0.35 { q.taxonomyTermIDs = (0..<(1 + random.int(2))).map { _ in synthetic.terms[random.int(12)].id } }
            if random.unit() < 0.6 {
                q.near = points[random.int(points.count)]
                q.radiusKm = [nil, 3, 5, 10, 40, 300][random.int(6)]
            }
            if random.unit() < 0.2 { q.openAt = WeeklyTime(weekday: 1 + random.int(7), minute: 9 * 60 + random.int(12 * 60)) }
            if random.unit() < 0.3 { q.statuses = [.active, .temporarilyClosed] }
            if random.unit() < 0.1 { q.freeOnly = true }
            if random.unit() < 0.1 { q.accessibleOnly = true }
            if random.unit() < 0.1 { q.age = [17, 30, 70][random.int(3)] }
            if random.unit() < 0.05 { q.language = "pl" }
            if random.unit() < 0.05 { q.organizationID = syntheticUUID(0x0a0, 1 + random.int(Self.size / 5)) }
            q.perPage = [5, 20, 100][random.int(3)]
            q.page = [1, 1, 1, 2, 3][random.int(5)]
            return q
        }
    }

    static func summary(_ r: DirectoryResults) -> [String] {
        [String(r.total)] + r.hits.map { "\($0.listing.service.id) \($0.distanceKm.map { String(format: "%.6f", $0) } ?? "-")" }
    }

    @Test("SQL backends find, rank, count and page like the in-memory scan, over 250 random queries",
          arguments: TestBackend.available.filter { $0 != .memory })
    func sameAsMemory(backend: TestBackend) async throws {
        let memory = try await loaded(.memory)
        let sql = try await loaded(backend)
        var nonEmpty = 0
        for (i, q) in Self.queries(count: 250, seed: 42).enumerated() {
            let expected = try await memory.searchDirectory(q)
            let got = try await sql.searchDirectory(q)
            #expect(Self.summary(got) == Self.summary(expected), "query \(i): \(q)")
            if expected.total > 0 { nonEmpty += 1 }
        }
        #expect(nonEmpty > 90, "many of the random queries find something (\(nonEmpty) of 250)")
    }

    @Test("Word searches rank by weight: a word in the name first, and pages join up into the whole list",
          arguments: TestBackend.available)
    func ranking(backend: TestBackend) async throws {
        let store = try await loaded(backend)
        var q = DirectoryQuery()
        q.words = ["loneliness"]
        q.perPage = 100
        let all = try await store.searchDirectory(q)
        #expect(all.total > 20 && all.hits.count == min(all.total, 100))
        let scores = all.hits.map { SearchIndex.score(ServiceFacts($0.listing.service), words: q.words) }
        #expect(scores == scores.sorted(by: >), "best first")
        let named = all.hits.map { ServiceFacts.tokens($0.listing.service.name).contains("loneliness") }
        #expect(named.first == true && named.firstIndex(of: false).map { named[$0...].allSatisfy { !$0 } } ?? true,
                "services with the word in their name come before the others")
        var paged: [String] = []
        for page in 1...((min(all.total, 100) + 6) / 7) {
            q.perPage = 7
            q.page = page
            paged += try await store.searchDirectory(q).hits.map(\.listing.service.id)
        }
        #expect(Array(paged.prefix(100)) == all.hits.map(\.listing.service.id))
    }

    @Test("Accents and case are ignored on both sides", arguments: TestBackend.available)
    func folding(backend: TestBackend) async throws {
        let store = try await loaded(backend)
        var cafe = SyntheticDirectory().service(1)
        (cafe.id, cafe.name, cafe.description) = ("cafe-1", "Memory Café", "Tea and cake, Ça va?")
        try await store.saveDirectory(DirectoryBatch(services: [cafe]), at: Date(), verified: true)
        for text in ["cafe", "CAFÉ", "memory café", "ca va"] {
            var q = DirectoryQuery()
            q.words = ServiceFacts.words(text)
            #expect(try await store.searchDirectory(q).hits.map(\.listing.service.id).contains("cafe-1"), "\(text)")
        }
    }

    @Test("A directory stored before the search index existed is indexed at the next start",
          arguments: TestBackend.available.filter { $0 != .memory })
    func rebuild(backend: TestBackend) async throws {
        let store = try await loaded(backend)
        let sql = try #require(store as? SQLStore)
        let queries = Self.queries(count: 40, seed: 7)
        var before: [[String]] = []
        for q in queries { before.append(Self.summary(try await store.searchDirectory(q))) }
        try await sql.connections.transaction { db in
            try await db.raw("DELETE FROM dir_postings").run()
            try await db.raw("UPDATE dir_service_points SET rid = NULL").run()
            try await db.raw("UPDATE dir_services SET rid = NULL").run()
        }
        #expect(try await store.searchDirectory({ var q = DirectoryQuery(); q.words = ["group"]; return q }()).total == 0,
                "nothing is found without the index")
        try await store.migrate()
        var after: [[String]] = []
        for q in queries { after.append(Self.summary(try await store.searchDirectory(q))) }
        #expect(after == before, "the rebuild numbers services in id order, which is the order they were first stored in here")
        #expect(try await store.searchDirectory(DirectoryQuery()).total == Self.size)
    }
}
