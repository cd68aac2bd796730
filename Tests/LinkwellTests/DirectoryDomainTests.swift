import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// Directory rules without storage or a server: postcodes, the ONS lookup file, search parameters,
/// the "why this matched" line, and reading HSDS JSON and CSV.
@Suite("Directory domain rules")
struct DirectoryDomainTests {
    typealias F = DirectoryFixture

    @Test("UK postcodes are normalised, or refused with a message naming the field",
          arguments: [("ls14ap", "LS1 4AP"), (" sw1a 1aa ", "SW1A 1AA"), ("M1 1AE", "M1 1AE"), ("b33 8th", "B33 8TH")])
    func postcodes(raw: String, normal: String) throws {
        #expect(try Postcode.normalise(raw) == normal)
    }

    @Test("Not postcodes", arguments: ["", "LS1", "12345", "LS1 4A", "LS1 XYZ", "ABC 1AA", "LS1 4AP 5"])
    func notPostcodes(raw: String) {
        #expect(throws: LinkwellError.self) { try Postcode.normalise(raw) }
        do { _ = try Postcode.normalise(raw, field: "postcode") } catch {
            guard case .invalid(let errors) = error else { Issue.record("\(error)"); return }
            #expect(errors.map(\.field) == ["postcode"] && errors[0].message.contains("not a UK postcode"))
        }
    }

    @Test func onsPostcodeFile() throws {
        let csv = "pcd,pcds,dointr,doterm,lat,long\n\"LS1  4AP\",\"LS1 4AP\",198001,,53.7961,-1.5482\nLS99 9ZZ,LS99 9ZZ,198001,201001,99.999999,0.000000\n"
        let points = try PostcodePoint.parseONSCSV(csv)
        #expect(points == [PostcodePoint(postcode: "LS1 4AP", point: try GeoPoint(latitude: 53.7961, longitude: -1.5482))], "unlocated rows are skipped")
        #expect(throws: LinkwellError.invalid([.apiOnly("postcodes", "The postcode file needs the ONS columns pcds, lat and long.")])) {
            try PostcodePoint.parseONSCSV("postcode,latitude,longitude\nLS1 4AP,53,-1\n")
        }
        #expect(throws: LinkwellError.self) { try PostcodePoint.parseONSCSV("pcds,lat,long\nLS1 4AP,north,-1\n") }
        #expect(throws: LinkwellError.self) { try PostcodePoint.parseONSCSV("pcds,lat,long\nLS1 4AP,91,-1\n") }
    }

    @Test func distances() throws {
        let leeds = try GeoPoint(latitude: 53.7961, longitude: -1.5482), york = try GeoPoint(latitude: 53.9600, longitude: -1.0873)
        // Against the haversine great-circle distance: within 0.5% at this range.
        let (φ1, φ2) = (leeds.latitude * .pi / 180, york.latitude * .pi / 180)
        let (dφ, dλ) = (φ2 - φ1, (york.longitude - leeds.longitude) * .pi / 180)
        let h = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        let greatCircle = 2 * 6371.0 * asin(h.squareRoot())
        #expect(abs(leeds.kilometres(to: york) - greatCircle) / greatCircle < 0.005, "\(leeds.kilometres(to: york)) vs \(greatCircle)")
        #expect(throws: LinkwellError.self) { try GeoPoint(latitude: .nan, longitude: 0) }
    }

    @Test func searchParameters() throws {
        var input = DirectorySearchInput()
        input.search = "Walking, GROUP; a"
        input.perPage = "5"
        input.openDay = "tu"
        input.openTime = "10:30"
        input.age = "70"
        let (q, postcode) = try input.query(linkWorkerDefaults: true)
        #expect(q.words == ["walking", "group"] && q.perPage == 5 && q.openAt == WeeklyTime(weekday: 2, minute: 630) && q.age == 70)
        #expect(postcode == nil && q.statuses == [.active, .temporarilyClosed])
        var bad = DirectorySearchInput()
        (bad.perPage, bad.age, bad.latitude) = ("0", "-4", "53")
        let refused = #expect(throws: LinkwellError.self) { try bad.query(linkWorkerDefaults: false) }
        #expect(refused?.fieldMessages == ["per_page: per_page must be a whole number from 1 to 100.", "lat: Give both lat and long, or neither.",
                                           "age: Age must be a whole number from 0 to 120."])
    }

    @Test("The reasons say what matched, as codes and values")
    func why() throws {
        let listing = DirectoryListing(service: F.batch.services[0], lastVerifiedAt: nil, reviewState: .approved,
                                       capacity: ServiceCapacity(availablePlaces: 2, waitingListWeeks: nil, updatedAt: Date()))
        var q = DirectoryQuery()
        q.words = ["walks"]
        q.taxonomyTermIDs = [F.activity.id]
        q.openAt = WeeklyTime(weekday: 5, minute: 600)
        q.accessibleOnly = true
        let reasons = DirectoryService.reasons(DirectoryHit(listing: listing, distanceKm: 1.24), q, termNames: [F.activity.id: "Physical activity"])
        #expect(reasons == [.wordsInName(["walks"]), .categories(["Physical activity"]), .distance(km: 1.24),
                            .openAt(weekday: 5, opens: 600, closes: 690), .accessibility("Step-free route"), .placesFree(2)])
        let near = DirectoryService.reasons(DirectoryHit(listing: listing, distanceKm: 0.3), DirectoryQuery(), termNames: [:])
        #expect(near == [.distance(km: 0.3), .placesFree(2)])
        var other = DirectoryQuery()
        other.words = ["tea"]
        other.freeOnly = true
        other.language = "cy"
        other.age = 70
        var full = listing
        full.capacity = ServiceCapacity(availablePlaces: 0, waitingListWeeks: 3, updatedAt: Date())
        full.service.status = .temporarilyClosed
        #expect(DirectoryService.reasons(DirectoryHit(listing: full, distanceKm: nil), other, termNames: [:])
                == [.mentions(["tea"]), .free, .language("cy"), .age(70), .waitingListWeeks(3), .temporarilyClosed])
    }

    @Test("Nested HSDS JSON yields the service, its organisation, terms and taxonomy as records of their own; ids map to stable UUIDs")
    func feed() throws {
        let json = """
            [{"id": "s1", "name": "Walks", "status": "active",
              "organization": {"id": "o1", "name": "Walkers", "description": "A group"},
              "attributes": [{"id": "a1", "taxonomy_term": {"id": "t1", "name": "Exercise", "description": "Exercise",
                              "taxonomy_detail": {"id": "x1", "name": "Needs", "description": "Needs"}}}]},
             {"name": "No id"},
             7]
            """
        var feed = ParsedFeed(source: "test")
        try DirectoryFeed.parse(Data(json.utf8), kind: .service, name: "feed.json", into: &feed)
        let id = { HSDSIdentifiers.map($0, source: "test") }
        #expect(feed.records(.service).map(\.id) == [id("s1")] && feed.records(.service)[0].document["organization_id"]?.string == id("o1"))
        #expect(feed.records(.service)[0].document["organization"] == nil, "the organisation is a record of its own")
        #expect(feed.records(.organization).map(\.id) == [id("o1")] && feed.records(.taxonomyTerm).map(\.id) == [id("t1")])
        #expect(feed.records(.taxonomyTerm)[0].document["taxonomy_id"]?.string == id("x1") && feed.records(.taxonomy).map(\.id) == [id("x1")])
        #expect(feed.records(.service)[0].sourceID == "s1" && HSDSIdentifiers.isUUID(id("s1")) && id("s1") == HSDSIdentifiers.map("s1", source: "test"))
        #expect(HSDSIdentifiers.map("s1", source: "other") != id("s1"), "ids are mapped within their source")
        #expect(HSDSIdentifiers.map("AC148810-D857-441C-9679-408F346DE14B", source: "x") == "ac148810-d857-441c-9679-408f346de14b")
        #expect(feed.rejected.map(\.position) == ["feed.json [1]", "feed.json [2]"])
        #expect(throws: FeedUnreadable.self) { try DirectoryFeed.parse(Data("{oops".utf8), kind: .service, name: "x.json", into: &feed) }
        #expect(throws: LinkwellError.self) { try DirectoryFeed.parse(Data("{\"id\": \"s9\"}".utf8), kind: nil, name: "x.json", into: &feed) }
    }

    @Test("Record types come from names, never from fields")
    func kinds() {
        #expect(HSDSKind.named("location.json") == .location && HSDSKind.named("organization_full.json") == .organization)
        #expect(HSDSKind.named("service_list.json") == .service && HSDSKind.named("taxonomy_terms.csv") == .taxonomyTerm)
        #expect(HSDSKind.named("service_at_location.csv") == .serviceAtLocation && HSDSKind.named("export.json") == nil)
        #expect(HSDSKind.endpoint("/oruk/services") == .service && HSDSKind.endpoint("/oruk/services/123") == .service && HSDSKind.endpoint("/oruk") == nil)
    }

    @Test("SHA-1 (for name-based UUIDs) matches the FIPS 180-4 test vectors")
    func sha1() {
        func hex(_ s: String) -> String { SHA1Check.hash(s) }
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test("Extras: fields the model does not name survive a decode and encode, by element id")
    func extras() throws {
        let raw = try JSONValue.parse(Data(#"{"id": "s", "name": "N", "status": "active", "fees": "None", "schedules": [{"id": "b", "until": "2026-01-01", "freq": "WEEKLY"}, {"id": "a", "count": 3}]}"#.utf8))
        var s = try HSDSService.from(document: raw)
        #expect(s.extra?.fields["fees"] == .string("None"))
        s.schedules?.reverse()
        let out = try s.document()
        #expect(out["schedules"]?.array?.first?["count"] == .number(3) && out["schedules"]?.array?.last?["until"] == .string("2026-01-01"))
        #expect(out["fees"] == .string("None"))
    }

    @Test("Merging: absent keys keep stored values, arrays merge by id; three-way keeps local edits and names conflicts")
    func merging() throws {
        let stored = try JSONValue.parse(Data(#"{"id": "s", "name": "A", "url": "https://a.example", "phones": [{"id": "p", "number": "1", "type": "voice"}]}"#.utf8))
        let merged = HSDSMerge.merge(stored, try JSONValue.parse(Data(#"{"id": "s", "name": "B", "phones": [{"id": "p", "number": "2"}]}"#.utf8)))
        #expect(merged["name"] == .string("B") && merged["url"] == .string("https://a.example"))
        #expect(merged["phones"]?.array?.first?["type"] == .string("voice") && merged["phones"]?.array?.first?["number"] == .string("2"))
        let base = try JSONValue.parse(Data(#"{"status": "active", "name": "A"}"#.utf8))
        let local = try JSONValue.parse(Data(#"{"status": "temporarily closed", "name": "A"}"#.utf8))
        let (keep, none) = HSDSMerge.threeWay(base: base, local: local, theirs: try JSONValue.parse(Data(#"{"status": "active", "name": "B"}"#.utf8)))
        #expect(keep["status"] == .string("temporarily closed") && keep["name"] == .string("B") && none.isEmpty)
        let (clash, conflicts) = HSDSMerge.threeWay(base: base, local: local, theirs: try JSONValue.parse(Data(#"{"status": "inactive", "name": "A"}"#.utf8)))
        #expect(clash["status"] == .string("temporarily closed") && conflicts == ["status"])
    }

    @Test("The HSDS schema check names each bad field with an excerpt")
    func schema() throws {
        let doc = try JSONValue.parse(Data(#"{"id": "not-a-uuid", "name": 7, "email": "x", "url": "https://ok.example/a", "schedules": [{"id": "8f14e45f-ceea-467f-a3c8-6f3e4a1b2c3d", "freq": "DAILY"}]}"#.utf8))
        let problems = HSDSSchema.problems(doc, table: "service")
        #expect(Set(problems.map(\.field)) == ["id", "name", "email", "status", "schedules[0].freq"], "\(problems)")
        #expect(HSDSSchema.isURI("https://example.org/x") && !HSDSSchema.isURI("www.example.org") && !HSDSSchema.isURI("https://exa mple.org"))
        #expect(HSDSSchema.isEmail("a@b.example") && !HSDSSchema.isEmail("a@b") && !HSDSSchema.isEmail("a b@c.example"))
    }

    @Test("Strict CSV: quoted newlines and commas, and a broken quote names its line and column")
    func csv() throws {
        let rows = try CSV.table("a,b\n\"x, y\",\"two\nlines\"\n\n3,4\n", source: "t.csv")
        #expect(rows.map(\.line) == [1, 2, 5] && rows[1].fields == ["x, y", "two\nlines"])
        #expect(throws: FeedUnreadable(source: "t.csv", line: 2, column: 3, message: "a quote opened here is never closed")) {
            try CSV.table("a,b\n1,\"2\n3,4\n", source: "t.csv")
        }
    }

    @Test("The tabular CSV package is joined into nested services")
    func tabular() throws {
        var feed = ParsedFeed(source: "pkg")
        try DirectoryTabular.parse([
            "organizations.csv": "id,name,description\no1,Walkers,\"A group, for walks\"\n",
            "services.csv": "id,organization_id,name,status,minimum_age\ns1,o1,Walks,active,18\n",
            "locations.csv": "id,location_type,name,latitude,longitude\nl1,physical,Park,53.8,-1.55\n",
            "service_at_locations.csv": "id,service_id,location_id\nsal1,s1,l1\n",
            "schedules.csv": "id,service_at_location_id,freq,byday,opens_at,closes_at\nsch1,sal1,WEEKLY,\"MO,WE\",10:00,12:00\n",
        ], into: &feed)
        #expect(feed.records(.organization).first?.document["description"] == .string("A group, for walks"))
        let s = try HSDSService.from(document: try #require(feed.records(.service).first).document)
        #expect(s.minimumAge == 18 && s.locations.first?.latitude == 53.8)
        #expect(ServiceFacts(s).openings == [WeeklyOpening(weekday: 1, opens: 600, closes: 720), WeeklyOpening(weekday: 3, opens: 600, closes: 720)])
    }
}

/// SHA-1 of a string, as hex, through the id mapper's hash.
enum SHA1Check {
    static func hash(_ s: String) -> String { HSDSIdentifiers.sha1Hex(s) }
}
