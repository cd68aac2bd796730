import Foundation
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// The public feed publishes records from their stored JSON, without the typed round trip, and writes
/// its pages with its own JSON writer. Both promise the same bytes as the typed path; these tests hold
/// them to it on awkward records and on thousands of random values.
@Suite("Directory documents", .closesStores)
struct DirectoryDocumentsTests {
    typealias F = DirectoryFixture

    /// Every control character but NUL (the importer refuses NUL: PostgreSQL cannot store it), quotes,
    /// backslashes, slashes, non-ASCII text and an emoji.
    static let awkward = "a/b \"quoted\" back\\slash \u{7F} \u{2028} café 😀 " + (1..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()

    /// The fixture plus a service and an organisation carrying fields the typed model does not name
    /// (at the top, inside a nested object and inside an array element), with awkward text and numbers.
    static func batch() throws -> DirectoryBatch {
        var batch = F.batch
        let id = syntheticUUID(0xd0c, 1)
        let service: JSONValue = .object([
            "id": .string(id), "organization_id": .string(F.moneyOrg), "name": .string("Odd \"names\" / slashes"),
            "description": .string(awkward), "status": .string("active"), "last_modified": .string("2025-03-01T10:00:00Z"),
            "funding": .array([.object(["id": .string("f1"), "source": .string(awkward), "amount": .number(1234.5)])]),
            "minimum_age": .number(16), "maximum_age": .number(99.5),
            "attributes": .array([.object(["id": .string("a1"), "link_id": .string(id), "taxonomy_term_id": .string(F.debt.id),
                                           "label": .string("kept inside an element")])]),
            "service_at_locations": .array([.object([
                "id": .string(id + "-sal"), "service_id": .string(id),
                "location": .object(["id": .string(id + "-l"), "name": .string("Hall"), "location_type": .string("physical"), "latitude": .number(53.79612345678),
                                     "longitude": .number(-1.5482), "x_floor": .number(-0.25)]),
            ])]),
        ])
        batch.services.append(try HSDSService.from(document: service))
        let org: JSONValue = .object(["id": .string("org-odd"), "name": .string("Ünïcode & \"Co\""), "description": .string(awkward),
                                      "organization_identifiers": .array([.object(["identifier_scheme": .string("GB-CHC"), "identifier": .string("123")])]),
                                      "year_incorporated": .number(1987)])
        batch.organizations.append(try HSDSOrganization.from(document: org))
        return batch
    }

    @Test("A search's documents are its typed records' documents, page by page and filter by filter", arguments: TestBackend.available)
    func documentsEqualTypedDocuments(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let batch = try Self.batch()
        try await s.store.saveDirectory(batch, at: s.clock.now, verified: true)
        var queries: [DirectoryQuery] = []
        for perPage in [1, 2, 50] {
            for page in 1...4 { var q = DirectoryQuery(); q.perPage = perPage; q.page = page; queries.append(q) }
        }
        var q = DirectoryQuery(); q.words = ["walks"]; queries.append(q)
        q = DirectoryQuery(); q.near = F.centre; q.radiusKm = 200; queries.append(q)
        q = DirectoryQuery(); q.taxonomyTermIDs = [F.debt.id]; queries.append(q)
        q = DirectoryQuery(); q.organizationID = F.moneyOrg; queries.append(q)
        q = DirectoryQuery(); q.openAt = WeeklyTime(weekday: 2, minute: 10 * 60 + 30); queries.append(q)
        var seen = Set<String>()
        for query in queries {
            let typed = try await s.store.searchDirectory(query)
            let documents = try await s.store.searchDirectoryDocuments(query)
            #expect(documents.total == typed.total)
            #expect(documents.documents == (try typed.hits.map { try $0.listing.service.document() }), "query \(query)")
            seen.formUnion(documents.documents.compactMap { $0["id"]?.string })
        }
        #expect(seen.count == batch.services.count, "every service was compared")
        // The extras come back from the stored JSON, at every depth.
        let odd = try #require(try await s.store.searchDirectoryDocuments({ var q = DirectoryQuery(); q.words = ["names"]; return q }()).documents.first)
        #expect(odd["funding"]?.array?.first?["source"] == .string(Self.awkward))
        #expect(odd["attributes"]?.array?.first?["label"] == .string("kept inside an element"))
        #expect(odd["service_at_locations"]?.array?.first?["location"]?["x_floor"] == .number(-0.25))

        // The stored records read for an import are the typed records' documents too, of every kind.
        func compare<R: HSDSRecord & Equatable>(_ kind: HSDSKind, _ records: [R]) async throws {
            let stored = try await s.store.directoryRecords(kind, ids: records.map(\.id) + ["unknown"])
            #expect(Set(stored.keys) == Set(records.map(\.id)))
            for r in records { #expect(stored[r.id]?.document == (try r.document()), "\(kind) \(r.id)") }
        }
        try await compare(.organization, batch.organizations)
        try await compare(.taxonomy, batch.taxonomies)
        try await compare(.taxonomyTerm, batch.terms)
        var services: [HSDSService] = []
        for service in batch.services { services.append(try #require(try await s.store.listing(id: service.id)).service) }
        try await compare(.service, services)
    }

    @Test("The public feed's pages are the typed path's pages: list items, full and minimal", arguments: TestBackend.available)
    func feedPagesEqualTypedPath(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await s.store.saveDirectory(try Self.batch(), at: s.clock.now, verified: true)
        let directory = DirectoryService(store: s.store, env: .live)
        for flags in [[:], ["full": "true"], ["minimal": "true"]] as [[String: String]] {
            for perPage in [2, 50] {
                for page in 1...3 {
                    var q = DirectoryQuery(); q.perPage = perPage; q.page = page
                    let services = try await s.store.searchDirectory(q).hits.map(\.listing.service)
                    guard !services.isEmpty else { continue }
                    let p = flags.merging(["per_page": "\(perPage)", "page": "\(page)"]) { a, _ in a }
                    let answer = try await directory.orukServices(p)
                    let expected: [JSONValue]
                    if flags["full"] != nil { expected = try await directory.serviceDocuments(services) }
                    else if flags["minimal"] != nil {
                        expected = services.map { .object(["id": .string($0.id), "last_modified": $0.lastModified.map { .string(HSDSJSON.formatDate($0)) } ?? .null]) }
                    } else { expected = try await directory.serviceListItems(documents: try services.map { try $0.document() }) }
                    #expect(answer["contents"] == .array(expected), "\(flags) page \(page) of \(perPage)")
                    #expect(try answer.serialized() == [UInt8](try HSDSJSON.encoder.encode(answer)))
                }
            }
        }
    }

    @Test("An organisation's services, listed and in full, are the typed path's", arguments: TestBackend.available)
    func organisationServicesEqualTypedPath(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await s.store.saveDirectory(try Self.batch(), at: s.clock.now, verified: true)
        let directory = DirectoryService(store: s.store, env: .live)
        var q = DirectoryQuery(); q.organizationID = F.moneyOrg; q.perPage = DirectoryQuery.maxPerPage
        let services = try await s.store.searchDirectory(q).hits.map(\.listing.service)
        #expect(services.count == 3, "the fixture's two and the awkward one")
        let full = try await directory.orukOrganization(id: F.moneyOrg, ["full_service": "true"])
        #expect(full["services"] == .array(try await directory.serviceDocuments(services)))
        let listed = try await directory.orukOrganization(id: F.moneyOrg, [:])
        #expect(listed["services"] == .array(try services.map { DirectoryService.oneToOne(try $0.document()) }))
    }

    @Test("The JSON writer writes exactly what the encoder writes: awkward values")
    func writerMatchesEncoderOnAwkwardValues() throws {
        let numbers: [Double] = [0, -0.0, 1, -1, 0.1, -0.5, 1.5e-7, 5e-324, 1e21, 1e20, 123456789.123, 8_999_999_999_999_999,
                                 9e15, 9_007_199_254_740_992, 1e16, -9e15, .ulpOfOne, .greatestFiniteMagnitude, 53.79612345678]
        let keys = ["A", "B", "Z", "_x", "a", "a-b", "a10", "a9", "a_b", "ab", "e", "é", "f", "", "😀", "key \"quoted\"", "x/y", "\u{1}"]
        var values: [JSONValue] = numbers.map(JSONValue.number) + [.null, .bool(true), .bool(false), .string(""), .string(Self.awkward),
                                                                   .array([]), .object([:])]
        values.append(.object(Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, JSONValue.number(Double($0))) })))
        values.append(.array(values))
        for value in values {
            let expected = [UInt8](try HSDSJSON.encoder.encode(value))
            #expect(try value.serialized() == expected, "\(String(decoding: expected, as: UTF8.self))")
        }
        #expect(throws: JSONWriteError.self) { try JSONValue.array([.number(.infinity)]).serialized() }
        #expect(throws: JSONWriteError.self) { try JSONValue.object(["x": .number(.nan)]).serialized() }
    }

    @Test("The JSON writer and the parser agree with the encoder on thousands of random values")
    func writerAndParserOnRandomValues() throws {
        var random = SplitMix64(seed: 2026)
        let alphabet: [String] = ["a", "b", "Z", "_", "-", "0", "9", "/", "\"", "\\", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "ß", "😀", "\u{2028}", " "]
        func text() -> String { (0..<Int.random(in: 0...8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined() }
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &random) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &random))
            case 2:
                let n = [Double.random(in: -1e6...1e6, using: &random), Double(Int.random(in: -1000...1000, using: &random)),
                         Double.random(in: -1...1, using: &random) * pow(10, Double(Int.random(in: -30...30, using: &random)))]
                return .number(n.randomElement(using: &random)!)
            case 3: return .string(text())
            case 4: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth + 1) })
            default:
                var o: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...5, using: &random) { o[text()] = value(depth + 1) }
                return .object(o)
            }
        }
        for _ in 0..<3000 {
            let v = value(0)
            let written = try v.serialized()
            #expect(written == [UInt8](try HSDSJSON.encoder.encode(v)))
            #expect(try JSONValue.parse(Data(written)) == v)
        }
    }

    @Test("The parser's fast paths for strings and whole numbers read what Foundation reads, and keep every error")
    func parserFastPaths() throws {
        let numbers = ["0", "-0", "7", "-42", "999999999999999", "-999999999999999", "1234567890123456", "12345678901234567890",
                       "1.5", "-0.25", "1e3", "1E-3", "2.5e+2", "9007199254740993"]
        let parsed = try JSONValue.parse(Data("[\(numbers.joined(separator: ","))]".utf8))
        #expect(parsed == .array(numbers.map { .number(Double($0)!) }))
        #expect(parsed.array?[1].number?.sign == .minus, "-0 keeps its sign")
        for bad in ["01", "-", "1.", "1e", "--1"] { #expect(throws: FeedUnreadable.self, "\(bad)") { try JSONValue.parse(Data(bad.utf8)) } }
        #expect(try JSONValue.parse(Data(#"["plain", "esc\"aped\n", "é\u00e9\ud83d\ude00"]"#.utf8))
                == .array([.string("plain"), .string("esc\"aped\n"), .string("éé😀")]))
        for (text, message) in [("[\"a\u{1}b\"]", "control character"), ("[\"never closed", "never closed"), ("[\"bad \\q\"]", "unknown escape")] {
            #expect(throws: FeedUnreadable.self) { try JSONValue.parse(Data(text.utf8)) }
            do { _ = try JSONValue.parse(Data(text.utf8)) } catch { #expect(error.message.contains(message), "\(error.message)") }
        }
        for bytes in [[0x22, 0xFF, 0x22], [0x22, 0x61, 0xC3, 0x22]] as [[UInt8]] {
            do { _ = try JSONValue.parse(Data(bytes)); Issue.record("invalid UTF-8 was accepted") }
            catch { #expect(error.message.contains("not valid UTF-8")) }
        }
    }
}
