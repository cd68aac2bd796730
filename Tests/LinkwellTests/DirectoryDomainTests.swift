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
        #expect(throws: LinkwellError.invalid("postcodes", "The postcode file needs the ONS columns pcds, lat and long.")) {
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
        #expect(throws: LinkwellError.invalid([FieldError("per_page", "per_page must be a whole number from 1 to 100."),
                                               FieldError("lat", "Give both lat and long, or neither."),
                                               FieldError("age", "Age must be a whole number from 0 to 120.")])) {
            try bad.query(linkWorkerDefaults: false)
        }
    }

    @Test("The why line says what matched")
    func why() throws {
        let listing = DirectoryListing(service: F.batch.services[0], lastVerifiedAt: nil, reviewState: .approved,
                                       capacity: ServiceCapacity(availablePlaces: 2, waitingListWeeks: nil, updatedAt: Date()))
        var q = DirectoryQuery()
        q.words = ["walks"]
        q.taxonomyTermIDs = [F.activity.id]
        q.openAt = WeeklyTime(weekday: 5, minute: 600)
        q.accessibleOnly = true
        let line = DirectoryService.why(DirectoryHit(listing: listing, distanceKm: 1.24), q, termNames: [F.activity.id: "Physical activity"])
        #expect(line == "“walks” in the name · Physical activity · 1.2 km away · open Friday 10:00–11:30 · step-free route · 2 places free now")
        let near = DirectoryService.why(DirectoryHit(listing: listing, distanceKm: 0.3), DirectoryQuery(), termNames: [:])
        #expect(near == "300 m away · 2 places free now")
    }

    @Test("Nested HSDS JSON yields the service, its organisation, terms and taxonomy; bad records are named")
    func feed() throws {
        let json = """
            [{"id": "s1", "name": "Walks", "status": "active",
              "organization": {"id": "o1", "name": "Walkers", "description": "A group"},
              "attributes": [{"id": "a1", "taxonomy_term": {"id": "t1", "name": "Exercise", "description": "Exercise",
                              "taxonomy_detail": {"id": "x1", "name": "Needs", "description": "Needs"}}}]},
             {"id": "s2", "name": "No status"},
             {"id": "s3", "name": "Bad age", "status": "active", "minimum_age": "ten"},
             7]
            """
        var feed = ParsedFeed()
        try DirectoryFeed.parse(Data(json.utf8), into: &feed, source: "feed.json")
        #expect(feed.batch.services.map(\.id) == ["s1"] && feed.batch.services[0].organizationID == "o1")
        #expect(feed.batch.organizations.map(\.id) == ["o1"] && feed.batch.terms.map(\.id) == ["t1"] && feed.batch.terms[0].taxonomyID == "x1")
        #expect(feed.batch.taxonomies.map(\.id) == ["x1"])
        #expect(feed.rejected.map(\.position) == ["feed.json [1]", "feed.json [2]", "feed.json [3]"])
        #expect(feed.rejected[0].problems == [FieldError("status", "status is required.")])
        #expect(feed.rejected[1].problems.first?.field == "minimum_age")
        #expect(throws: LinkwellError.self) { try DirectoryFeed.parse(Data("{oops".utf8), into: &feed) }
    }

    @Test("The tabular CSV package is joined into nested services")
    func tabular() throws {
        var feed = ParsedFeed()
        DirectoryTabular.parse([
            "organizations.csv": "id,name,description\no1,Walkers,\"A group, for walks\"\n",
            "services.csv": "id,organization_id,name,status,minimum_age\ns1,o1,Walks,active,18\ns2,o1,Bad,active,old\n",
            "locations.csv": "id,location_type,name,latitude,longitude\nl1,physical,Park,53.8,-1.55\n",
            "service_at_locations.csv": "id,service_id,location_id\nsal1,s1,l1\n",
            "schedules.csv": "id,service_at_location_id,freq,byday,opens_at,closes_at\nsch1,sal1,WEEKLY,\"MO,WE\",10:00,12:00\n",
        ], into: &feed)
        #expect(feed.batch.organizations.map(\.description) == ["A group, for walks"])
        let s = try #require(feed.batch.services.first)
        #expect(s.id == "s1" && s.minimumAge == 18 && s.locations.first?.latitude == 53.8)
        #expect(ServiceFacts(s).openings == [WeeklyOpening(weekday: 1, opens: 600, closes: 720), WeeklyOpening(weekday: 3, opens: 600, closes: 720)])
        #expect(feed.rejected.map(\.position) == ["services.csv line 3"] && feed.rejected[0].problems[0].field == "minimum_age")
    }
}
