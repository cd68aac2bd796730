import Foundation
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The import edge-case suite: each case is a feed (JSON files or an HSDS CSV package, read from
/// disk by name exactly as `linkwell directory import` reads them), imported into a real store on
/// every backend, with what must happen — the exit code, the rejected records by name and field,
/// and what is stored afterwards.
@Suite("Directory import edge cases", .closesStores)
struct DirectoryImportEdgeTests {
    /// One feed and what it must do.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// File name → content; a name ending `/` holds a CSV package (`pkg/services.csv`).
        var files: [(String, String)]
        var kind: HSDSKind? = nil
        var full = false
        var options = ImportOptions()
        /// Imports run first (same source), e.g. the stored state a re-import meets.
        var before: [[(String, String)]] = []
        var fullBefore = false
        /// Runs between `before` and the import (local decisions).
        var local: (@Sendable (Run) async throws -> Void)? = nil
        var code: Int32
        /// `position field` fragments every one of which must appear among the rejections.
        var rejected: [String] = []
        var check: (@Sendable (Run) async throws -> Void)? = nil
        var testDescription: String { name }
    }

    /// What an import did, for checks.
    struct Run: Sendable {
        var store: any LinkwellStore
        var directory: DirectoryService
        var report: ImportReport?
        var unreadable: FeedUnreadable?
        var code: Int32
        var clock: TestClock
        func id(_ sourceID: String) -> String { HSDSIdentifiers.map(sourceID, source: DirectoryImportEdgeTests.source) }
        func listing(_ sourceID: String) async throws -> DirectoryListing? { try await store.listing(id: id(sourceID)) }
        func messages() -> String { (report?.rejected ?? []).map(\.summary).joined(separator: "\n") }
    }

    static let source = "edge-feed"

    /// Reads files the way the CLI does (by name) and imports them; returns the exit code the CLI gives.
    static func importFiles(_ files: [(String, String)], kind: HSDSKind?, full: Bool, options: ImportOptions,
                            into directory: DirectoryService) async throws -> (ImportReport?, FeedUnreadable?, Int32) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lw-edge-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var sources: [String] = []
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            let top = name.split(separator: "/").count > 1 ? folder.appendingPathComponent(String(name.split(separator: "/")[0])).path : url.path
            if !sources.contains(top) { sources.append(top) }
        }
        var feed = ParsedFeed(source: source)
        feed.full = full
        do {
            for s in sources { try await FeedReader().read(s, kind: kind, into: &feed) }
        } catch let e as FeedUnreadable {
            return (nil, e, 3)
        } catch LinkwellError.invalid {
            return (nil, nil, 2)
        }
        let report = try await directory.importFeed(feed, options)
        return (report, nil, report.exitCode)
    }

    @Test("Each edge-case feed is imported, refused or named as it must be", arguments: Self.cases, TestBackend.available)
    func edgeCase(_ c: Case, backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let clock = TestClock()
        let directory = DirectoryService(store: store, env: clock.environment)
        try await store.saveDirectory(DirectoryBatch(taxonomies: [Self.taxonomy], terms: [Self.term]), at: clock.now, verified: true)
        for files in c.before {
            let (report, unreadable, code) = try await Self.importFiles(files, kind: nil, full: c.fullBefore, options: ImportOptions(), into: directory)
            #expect(code == 0 && unreadable == nil, "setup import: \(report.map { $0.rejected.map(\.summary) } ?? [])")
            clock.advance(seconds: 3600)
        }
        if let local = c.local { try await local(Run(store: store, directory: directory, code: 0, clock: clock)); clock.advance(seconds: 3600) }
        let (report, unreadable, code) = try await Self.importFiles(c.files, kind: c.kind, full: c.full, options: c.options, into: directory)
        let run = Run(store: store, directory: directory, report: report, unreadable: unreadable, code: code, clock: clock)
        #expect(code == c.code, "\(c.name): exit \(code)\n\(run.messages())\(unreadable.map { "\n\($0)" } ?? "")")
        let summaries = (report?.rejected ?? []).map(\.summary)
        for fragment in c.rejected {
            #expect(summaries.contains { $0.contains(fragment) } || (unreadable?.description.contains(fragment) ?? false),
                    "\(c.name): no rejection mentions \(fragment):\n\(summaries.joined(separator: "\n"))\(unreadable.map { "\n\($0)" } ?? "")")
        }
        for s in summaries { #expect(s.count < 600, "\(c.name): a rejection line is too long (\(s.count) characters)") }
        try await c.check?(run)
        try await store.shutdown()
    }

    // MARK: Fixtures

    static let taxonomy = HSDSTaxonomy(id: "7a9d8f0e-1111-4c1e-9a61-000000000001", name: "Needs", description: "Needs")
    static let term = HSDSTaxonomyTerm(id: "7a9d8f0e-1111-4c1e-9a61-000000000002", name: "Walking", description: "Walking", taxonomyID: taxonomy.id)

    static let org = #"{"id": "o1", "name": "Walkers", "description": "A walking group", "website": "https://walkers.example", "email": "hello@walkers.example", "phones": [{"id": "op1", "number": "0113 496 0000"}], "contacts": [{"id": "oc1", "name": "Ann Persona", "email": "ann@walkers.example"}], "organization_identifiers": [{"id": "oi1", "identifier_scheme": "GB-CHC", "identifier_type": "Charity number", "identifier": "1234567"}]}"#

    /// A valid service with one location in Leeds and a Wednesday schedule; `extra` is spliced in.
    static func service(_ id: String = "s1", status: String = "active", _ extra: String = "") -> String {
        #"{"id": "\#(id)", "name": "Walks \#(id)", "status": "\#(status)", "organization_id": "o1", "description": "Walks in the park", "#
            + #""attributes": [{"id": "a-\#(id)", "taxonomy_term_id": "\#(term.id)"}], "#
            + #""schedules": [{"id": "sch-\#(id)", "freq": "WEEKLY", "byday": "WE", "opens_at": "10:00", "closes_at": "12:00"}], "#
            + #""service_at_locations": [{"id": "sal-\#(id)", "location": {"id": "loc-\#(id)", "location_type": "physical", "name": "Park", "latitude": 53.80, "longitude": -1.55}}]\#(extra)}"#
    }

    static func services(_ items: String...) -> (String, String) { ("services.json", "[" + items.joined(separator: ",") + "]") }
    static let orgs = ("organizations.json", "[\(org)]")

    static let csvOrganizations = "id,name,description,website\no1,Walkers,A walking group,https://walkers.example\n"
    static let csvServices = "id,organization_id,name,status,description\ns1,o1,Walks,active,Walks in the park\ns2,o1,Swims,active,Swimming\n"
    static let csvLocations = "id,location_type,name,latitude,longitude\nl1,physical,Park,53.8,-1.55\n"
    static let csvSAL = "id,service_id,location_id\nsal1,s1,l1\n"

    static func csv(_ tables: [String: String]) -> [(String, String)] { tables.sorted(by: { $0.key < $1.key }).map { ("pkg/\($0.key)", $0.value) } }

    // MARK: The cases

    static let cases: [Case] = fidelity + recordTypes + merging + validity + unreadable + csvCases

    static let fidelity: [Case] = [
        Case(name: "every HSDS field a service carries is kept and republished (schedule rules, funding, documents, UPRN, phones and contacts on places)",
             files: [orgs, services(service("s1", #", "accreditations": "BACP", "fees": "None", "licenses": "L1", "assurer_email": "q@walkers.example", "funding": [{"id": "f1", "source": "Council grant"}], "required_documents": [{"id": "rd1", "document": "Proof of address", "uri": "https://walkers.example/docs"}], "program_id": "4a3c1e2b-1111-4c1e-9a61-00000000000a", "metadata": [{"id": "m1", "last_action_date": "2024-01-01", "last_action_type": "update", "field_name": "name", "previous_value": "Walk", "replacement_value": "Walks", "updated_by": "admin", "resource_id": "s1", "resource_type": "service"}]"#)
                                                .replacingOccurrences(of: #""closes_at": "12:00"}"#, with: #""closes_at": "12:00", "until": "2026-12-31", "count": 40, "byweekno": "1,2", "bymonthday": "2,3", "timezone": 0, "wkst": "MO", "attending_type": "in person"}"#)
                                                .replacingOccurrences(of: #""latitude": 53.80, "longitude": -1.55}"#, with: #""latitude": 53.80, "longitude": -1.55, "external_identifier": "72161234", "external_identifier_type": "UPRN", "phones": [{"id": "lp1", "number": "0113 496 0001", "extension": 12}], "contacts": [{"id": "lc1", "name": "Site manager"}]}, "phones": [{"id": "salp1", "number": "0113 496 0002"}], "contacts": [{"id": "salc1", "name": "Desk"}]"#))],
             code: 0, check: { (r: Run) async throws -> Void in
                 let doc = try await r.directory.serviceDocuments([try #require(try await r.listing("s1")).service])[0]
                 let schedule = try #require(doc["schedules"]?.array?.first)
                 #expect(schedule["until"]?.string == "2026-12-31" && schedule["count"]?.number == 40 && schedule["byweekno"]?.string == "1,2"
                         && schedule["bymonthday"]?.string == "2,3" && schedule["timezone"]?.number == 0 && schedule["wkst"]?.string == "MO")
                 #expect(doc["funding"]?.array?.first?["source"]?.string == "Council grant")
                 #expect(doc["required_documents"]?.array?.first?["document"]?.string == "Proof of address")
                 #expect(doc["accreditations"]?.string == "BACP" && doc["fees"]?.string == "None" && doc["licenses"]?.string == "L1")
                 #expect(doc["metadata"]?.array?.first?["replacement_value"]?.string == "Walks")
                 let sal = try #require(doc["service_at_locations"]?.array?.first)
                 #expect(sal["phones"]?.array?.first?["number"]?.string == "0113 496 0002" && sal["contacts"]?.array?.first?["name"]?.string == "Desk")
                 let location = try #require(sal["location"])
                 #expect(location["external_identifier"]?.string == "72161234" && location["external_identifier_type"]?.string == "UPRN")
                 #expect(location["phones"]?.array?.first?["extension"]?.number == 12 && location["contacts"]?.array?.first?["name"]?.string == "Site manager")
                 #expect(doc["organization"]?["organization_identifiers"]?.array?.first?["identifier"]?.string == "1234567")
                 #expect(HSDSSchema.problems(doc, table: "service").isEmpty, "the republished record is valid HSDS")
             }),
        Case(name: "organisation funding, programs and identifiers are kept",
             files: [("organizations.json", #"[{"id": "o1", "name": "Walkers", "description": "A group", "funding": [{"id": "f9", "source": "Lottery"}], "programs": [{"id": "pr1", "name": "Healthy walks", "description": "Programme"}], "organization_identifiers": [{"id": "oi9", "identifier_type": "Company number", "identifier": "07654321", "identifier_scheme": "GB-COH"}], "year_incorporated": 2011, "logo": "https://walkers.example/logo.png"}]"#)],
             code: 0, check: { (r: Run) async throws -> Void in
                 let d = try #require(try await r.store.hsdsOrganization(id: r.id("o1"))).document()
                 #expect(d["funding"]?.array?.first?["source"]?.string == "Lottery" && d["programs"]?.array?.first?["name"]?.string == "Healthy walks")
                 #expect(d["organization_identifiers"]?.array?.first?["identifier"]?.string == "07654321" && d["year_incorporated"]?.number == 2011)
             }),
    ]

    static let recordTypes: [Case] = [
        Case(name: "location.json holds locations (never taken for an organisation)",
             files: [("location.json", #"{"id": "l9", "location_type": "physical", "name": "Civic Centre", "description": "Hall", "latitude": 53.8, "longitude": -1.5}"#)],
             code: 0, check: { (r: Run) async throws -> Void in
                 #expect(try await r.store.hsdsLocations(ids: [r.id("l9")]).first?.name == "Civic Centre")
                 #expect(try await r.store.hsdsOrganization(id: r.id("l9")) == nil)
                 #expect(r.report?.created["location"] == 1 && r.report?.created["organization"] == nil)
             }),
        Case(name: "an organisation-only record in organizations.json is an organisation, not a term",
             files: [("organizations.json", #"[{"id": "o7", "name": "Bare", "description": "Only the required fields"}]"#)],
             code: 0, check: { (r: Run) async throws -> Void in
                 #expect(try await r.store.hsdsOrganization(id: r.id("o7"))?.name == "Bare")
                 #expect(try await r.store.taxonomyTerms(ids: [r.id("o7")]).isEmpty)
             }),
        Case(name: "a feed listing organisations and services under their keys imports both",
             files: [("feed.json", "{\"organizations\": [\(org)], \"services\": [\(service("s1")), \(service("s2"))]}")],
             code: 0, check: { (r: Run) async throws -> Void in
                 #expect(r.report?.created["organization"] == 1 && r.report?.created["service"] == 2)
             }),
        Case(name: "a record whose type cannot be told is refused, naming how to say it",
             files: [("export.json", service("s1"))], code: 2),
        Case(name: "a key that names no HSDS record type is rejected by name; the rest is imported",
             files: [("feed.json", "{\"organizations\": [\(org)], \"widgets\": [{\"id\": \"w1\"}]}")],
             code: 1, rejected: ["widgets[0]", "is not an HSDS record type"]),
        Case(name: "--kind says what a file holds when its name does not",
             files: [("export.json", "[\(service("s1"))]")], kind: .service, before: [[orgs]], code: 0,
             check: { (r: Run) async throws -> Void in #expect(try await r.listing("s1") != nil) }),
        Case(name: "service_list.json (an HSDS page) is read as services",
             files: [orgs, ("service_list.json", "{\"total_items\": 1, \"contents\": [\(service("s1"))]}")], code: 0,
             check: { (r: Run) async throws -> Void in #expect(r.report?.created["service"] == 1) }),
        Case(name: "a service-at-location on its own joins its stored service",
             files: [("service_at_locations.json", #"[{"id": "sal-new", "service_id": "s1", "location": {"id": "loc-new", "location_type": "physical", "name": "Library", "latitude": 53.79, "longitude": -1.54}}]"#)],
             before: [[orgs, services(service("s1"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let s = try #require(try await r.listing("s1")).service
                 #expect(s.serviceAtLocations?.map(\.id) == [r.id("sal-s1"), r.id("sal-new")])
             }),
        Case(name: "a service-at-location for no known service is rejected",
             files: [("service_at_locations.json", #"[{"id": "sal-x", "service_id": "nobody", "location_id": "l1"}]"#)],
             code: 2, rejected: ["service_id: No service"]),
    ]

    static let merging: [Case] = [
        Case(name: "a service's nested organisation with fewer fields never erases the stored one",
             files: [services(service("s1", #", "organization": {"id": "o1", "name": "Walkers", "description": "A walking group"}"#))],
             before: [[orgs, services(service("s1"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let o = try #require(try await r.store.hsdsOrganization(id: r.id("o1")))
                 #expect(o.website == "https://walkers.example" && o.phones?.first?.number == "0113 496 0000" && o.contacts?.first?.name == "Ann Persona")
                 #expect(try o.document()["organization_identifiers"]?.array?.count == 1)
             }),
        Case(name: "a list item (no locations, terms or schedules) never erases them",
             files: [services(#"{"id": "s1", "name": "Walks s1", "status": "active", "organization_id": "o1", "description": "Walks in the park, renamed"}"#)],
             before: [[orgs, services(service("s1"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let s = try #require(try await r.listing("s1")).service
                 #expect(s.description == "Walks in the park, renamed")
                 #expect(s.locations.count == 1 && s.taxonomyTermIDs == [term.id] && s.schedules?.count == 1)
             }),
        Case(name: "a null in the feed is no value: the stored field stays",
             files: [services(#"{"id": "s1", "name": "Walks s1", "status": "active", "organization_id": "o1", "description": null, "schedules": null}"#)],
             before: [[orgs, services(service("s1"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let s = try #require(try await r.listing("s1")).service
                 #expect(s.description == "Walks in the park" && s.schedules?.count == 1)
             }),
        Case(name: "a status set here survives a re-import that leaves the status alone",
             files: [orgs, services(service("s1").replacingOccurrences(of: "Walks in the park", with: "New words"))],
             before: [[orgs, services(service("s1"))]],
             local: { (r: Run) async throws -> Void in
                 var s = try #require(try await r.listing("s1")).service
                 s.status = .temporarilyClosed
                 try await r.store.saveDirectory(DirectoryBatch(services: [s]), at: r.clock.now, verified: true)
             }, code: 0, check: { (r: Run) async throws -> Void in
                 let l = try #require(try await r.listing("s1"))
                 #expect(l.service.status == .temporarilyClosed && l.service.description == "New words" && l.conflicts.isEmpty)
             }),
        Case(name: "when the source changes a field decided here, the local value stays and the conflict goes to review",
             files: [orgs, services(service("s1", status: "inactive"))],
             before: [[orgs, services(service("s1"))]],
             local: { (r: Run) async throws -> Void in
                 var s = try #require(try await r.listing("s1")).service
                 s.status = .temporarilyClosed
                 try await r.store.saveDirectory(DirectoryBatch(services: [s]), at: r.clock.now, verified: true)
             }, code: 0, check: { (r: Run) async throws -> Void in
                 let l = try #require(try await r.listing("s1"))
                 #expect(l.service.status == .temporarilyClosed && l.conflicts == ["status"] && l.reviewState == .pendingChange)
                 #expect(r.report?.conflicts[r.id("s1")] == ["status"])
                 let queue = try await r.store.reviewQueue(staleBefore: .distantPast)
                 #expect(queue.first { $0.serviceID == r.id("s1") }?.conflicts == ["status"])
             }),
        Case(name: "a service missing from a full re-import of its source is withdrawn (inactive, with a note), not deleted",
             files: [orgs, services(service("s1"))], full: true, before: [[orgs, services(service("s1"), service("s2"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let l = try #require(try await r.listing("s2"))
                 #expect(l.service.status == .inactive && r.report?.withdrawn == [r.id("s2")])
                 #expect(try await r.store.statusHistory(serviceID: r.id("s2")).last?.note == "withdrawn by its source")
                 #expect(try await r.listing("s1")?.service.status == .active)
             }),
        Case(name: "a partial re-import withdraws nothing",
             files: [orgs, services(service("s1"))], full: false, before: [[orgs, services(service("s1"), service("s2"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let s2 = try await r.listing("s2")
                 #expect(s2?.service.status == .active && r.report?.withdrawn == [])
             }),
        Case(name: "a withdrawn service that its source lists again is active again",
             files: [orgs, services(service("s1"), service("s2"))], full: true, before: [[orgs, services(service("s1"), service("s2"))], [orgs, services(service("s1"))]],
             fullBefore: true, code: 0, check: { (r: Run) async throws -> Void in
                 #expect(try await r.listing("s2")?.service.status == .active)
             }),
        Case(name: "last_modified is Linkwell's own time (the source's is kept beside it), and an unchanged re-import keeps it",
             files: [orgs, services(service("s1", #", "last_modified": "2001-01-01T00:00:00Z""#), service("s2"))],
             before: [[orgs, services(service("s2"))]], code: 0, check: { (r: Run) async throws -> Void in
                 let s1 = try #require(try await r.listing("s1")).service, s2 = try #require(try await r.listing("s2")).service
                 #expect(s1.lastModified == r.clock.now, "not the source's 2001")
                 #expect(s2.lastModified! < r.clock.now, "unchanged: still the first import's time")
                 var q = DirectoryQuery()
                 q.modifiedAfter = r.clock.now.addingTimeInterval(-60)
                 #expect(try await r.store.searchDirectory(q).hits.map(\.listing.service.id) == [r.id("s1")])
                 #expect(try await r.store.directoryRecords(.service, ids: [r.id("s1")])[r.id("s1")]?.provenance?.sourceModified == HSDSJSON.parseDate("2001-01-01T00:00:00Z"))
                 #expect(r.report?.unchanged["service"] == 1 && r.report?.created["service"] == 1)
             }),
        Case(name: "ids that are not UUIDs map to stable UUIDs: a second import updates, never duplicates",
             files: [orgs, services(service("s1"))], before: [[orgs, services(service("s1"))]], code: 0, check: { (r: Run) async throws -> Void in
                 #expect(HSDSIdentifiers.isUUID(r.id("s1")) && r.report?.unchanged["service"] == 1 && r.report?.created["service"] == nil)
                 #expect(try await r.store.searchDirectory(DirectoryQuery()).total == 1)
                 #expect(try await r.store.directoryRecords(.service, ids: [r.id("s1")])[r.id("s1")]?.provenance?.sourceID == "s1")
             }),
    ]

    static let validity: [Case] = [
        Case(name: "schedule freq DAILY (not in HSDS 3.0) is refused", files: [orgs, services(service("s1").replacingOccurrences(of: "WEEKLY", with: "DAILY"))],
             code: 1, rejected: ["schedules[0].freq: \"DAILY\" is not one of WEEKLY, MONTHLY"]),
        Case(name: "a NUL character anywhere in a record refuses that record only, on every backend (PostgreSQL cannot store it)",
             files: [orgs, services(service("s1", #", "funding": [{"id": "f1", "source": "Council\u0000grant"}]"#), service("s2"))],
             code: 1, rejected: ["funding[0].source: The value contains the NUL character"],
             check: { (r: Run) async throws -> Void in
                 #expect(try await r.listing("s1") == nil)
                 #expect(try await r.listing("s2")?.service.name == "Walks s2")
             }),
        Case(name: "a vertical tab from a word processor is kept as sent", files: [orgs, services(service("s1", #", "fees": "None\u000bat all""#))],
             code: 0, check: { (r: Run) async throws -> Void in
                 let doc = try await r.directory.serviceDocuments([try #require(try await r.listing("s1")).service])[0]
                 #expect(doc["fees"]?.string == "None\u{0B}at all")
             }),
        Case(name: "a malformed e-mail is refused", files: [orgs, services(service("s1", #", "email": "walks at example""#))],
             code: 1, rejected: ["email: \"walks at example\" is not an e-mail address"]),
        Case(name: "a URL without a scheme is refused", files: [orgs, services(service("s1", #", "url": "www.walks.example""#))],
             code: 1, rejected: ["url: \"www.walks.example\" is not a URL"]),
        Case(name: "a dangling location reference is refused",
             files: [orgs, services(#"{"id": "s1", "name": "W", "status": "active", "organization_id": "o1", "service_at_locations": [{"id": "x1", "location_id": "nowhere"}]}"#)],
             code: 1, rejected: ["service_at_locations[0].location_id: No location"]),
        Case(name: "a location named by id in the same feed is nested into the service",
             files: [orgs, ("locations.json", #"[{"id": "lx", "location_type": "physical", "name": "Hall", "latitude": 53.7, "longitude": -1.6}]"#),
                     services(#"{"id": "s1", "name": "W", "status": "active", "organization_id": "o1", "service_at_locations": [{"id": "x1", "location_id": "lx"}]}"#)],
             code: 0, check: { (r: Run) async throws -> Void in #expect(try await r.listing("s1")?.service.locations.first?.latitude == 53.7) }),
        Case(name: "swapped coordinates are refused as swapped", files: [orgs, services(service("s1").replacingOccurrences(of: #""latitude": 53.80, "longitude": -1.55"#, with: #""latitude": -1.55, "longitude": 53.80"#))],
             code: 1, rejected: ["look swapped"]),
        Case(name: "0, 0 is refused", files: [orgs, services(service("s1").replacingOccurrences(of: #""latitude": 53.80, "longitude": -1.55"#, with: #""latitude": 0, "longitude": 0"#))],
             code: 1, rejected: ["0, 0 is in the sea"]),
        Case(name: "a place outside the UK is refused", files: [orgs, services(service("s1").replacingOccurrences(of: #""latitude": 53.80, "longitude": -1.55"#, with: #""latitude": 48.85, "longitude": 2.35"#))],
             code: 1, rejected: ["outside the area this directory covers"]),
        Case(name: "the scheme's own bounds are honoured", files: [orgs, services(service("s1").replacingOccurrences(of: #""latitude": 53.80, "longitude": -1.55"#, with: #""latitude": 48.85, "longitude": 2.35"#))],
             options: ImportOptions(bounds: try! GeoBounds.parse("40,-10,60,10")), code: 0),
        Case(name: "a schedule that closes before it opens is refused", files: [orgs, services(service("s1").replacingOccurrences(of: #""closes_at": "12:00""#, with: #""closes_at": "09:00""#))],
             code: 1, rejected: ["schedules[0].closes_at: It closes (09:00) before it opens (10:00)"]),
        Case(name: "a schedule valid to a date before it starts is refused", files: [orgs, services(service("s1").replacingOccurrences(of: #""closes_at": "12:00""#, with: #""closes_at": "12:00", "valid_from": "2025-06-01", "valid_to": "2025-01-01""#))],
             code: 1, rejected: ["schedules[0].valid_to"]),
        Case(name: "bymonthday 32 is refused", files: [orgs, services(service("s1").replacingOccurrences(of: #""closes_at": "12:00""#, with: #""closes_at": "12:00", "bymonthday": "32""#))],
             code: 1, rejected: ["bymonthday"]),
        Case(name: "an unknown organisation is refused", files: [services(service("s1"))], code: 2, rejected: ["organization_id: Organisation"]),
        Case(name: "a term of an unknown taxonomy is refused; one whose parent lives elsewhere in its vocabulary is kept",
             files: [("taxonomy_terms.json", #"[{"id": "t1", "name": "A", "description": "A", "taxonomy_id": "nope"}, {"id": "t2", "name": "B", "description": "B", "parent_id": "missing"}]"#)],
             code: 1, rejected: ["taxonomy_id: Unknown taxonomy"]),
        Case(name: "a negative cost and ages the wrong way round are refused",
             files: [orgs, services(service("s1", #", "cost_options": [{"id": "c1", "amount": -5}]"#), service("s2", #", "minimum_age": 65, "maximum_age": 18"#))],
             code: 1, rejected: ["cost_options[0].amount", "maximum_age: The maximum age"]),
        Case(name: "a missing name, a wrong type and an unknown status are named field by field",
             files: [orgs, services(#"{"id": "s1", "status": "active", "organization_id": "o1"}"#, service("s2", #", "minimum_age": "ten""#), service("s3", status: "open"))],
             code: 1, rejected: ["name: name is required", "minimum_age: \"ten\" must be a number", "status: \"open\" is not one of"]),
        Case(name: "records without an id, and values that are not records, are named by position",
             files: [orgs, services(#"{"name": "No id", "status": "active"}"#, "7", service("s1"))], code: 1,
             rejected: ["services.json [0]: id: id is required", "services.json [1]: record: must be a JSON object"]),
        Case(name: "a huge bad value is quoted as a short excerpt only",
             files: [orgs, services(service("s1", ", \"email\": \"" + String(repeating: "x", count: 100_000) + "\""))], code: 1, rejected: ["email: \"xxxx"]),
        Case(name: "all-or-nothing with one bad record stores nothing",
             files: [orgs, services(service("s1"), service("s2", status: "open"))], options: ImportOptions(allOrNothing: true), code: 2, check: { (r: Run) async throws -> Void in
                 let org = try await r.store.hsdsOrganization(id: r.id("o1")), s1 = try await r.listing("s1")
                 #expect(r.report?.refused == true && org == nil && s1 == nil)
             }),
        Case(name: "a dry run stores nothing and says what it would do",
             files: [orgs, services(service("s1"))], options: ImportOptions(dryRun: true), code: 0, check: { (r: Run) async throws -> Void in
                 let org = try await r.store.hsdsOrganization(id: r.id("o1")), s1 = try await r.listing("s1")
                 #expect(r.report?.created["service"] == 1 && s1 == nil && org == nil)
             }),
        Case(name: "an empty feed imports nothing (exit 2)", files: [("services.json", "[]")], code: 2),
        Case(name: "some bad records: the rest are imported (exit 1)", files: [orgs, services(service("s1"), service("s2", status: "open"))], code: 1,
             check: { (r: Run) async throws -> Void in
                 let s1 = try await r.listing("s1"), s2 = try await r.listing("s2")
                 #expect(s1 != nil && s2 == nil)
             }),
    ]

    static let unreadable: [Case] = [
        Case(name: "broken JSON is unreadable, with line and column", files: [("services.json", "[\n  {\"id\": \"s1\",\n   \"name\": oops}\n]")], code: 3,
             rejected: ["services.json line 3, column 12"]),
        Case(name: "JSON cut short is unreadable", files: [("services.json", "[{\"id\": \"s1\"")], code: 3, rejected: ["line 1"]),
        Case(name: "an unclosed string is unreadable at its opening quote", files: [("organizations.json", "[{\"id\": \"o1,\n \"name\": \"x\"}]")], code: 3, rejected: ["control character"]),
    ]

    static let csvCases: [Case] = [
        Case(name: "CSV: a package with phones joins them to the service, the location and the organisation",
             files: csv(["organizations.csv": csvOrganizations, "services.csv": csvServices, "locations.csv": csvLocations, "service_at_locations.csv": csvSAL,
                         "phones.csv": "id,service_id,location_id,organization_id,number\np1,s1,l1,o1,0113 496 0100\np2,s2,,,0113 496 0200\n"]),
             code: 0, check: { (r: Run) async throws -> Void in
                 let s1 = try #require(try await r.listing("s1")).service
                 #expect(s1.phones?.map(\.number) == ["0113 496 0100"] && s1.locations.first?.latitude == 53.8)
                 #expect(try s1.document()["service_at_locations"]?.array?.first?["location"]?["phones"]?.array?.count == 1)
                 #expect(try await r.listing("s2")?.service.phones?.first?.number == "0113 496 0200")
                 #expect(try await r.store.hsdsOrganization(id: r.id("o1"))?.phones?.first?.number == "0113 496 0100")
             }),
        Case(name: "CSV: an unbalanced quote is unreadable (never swallowing the next row), with line and column",
             files: csv(["organizations.csv": csvOrganizations, "services.csv": "id,organization_id,name,status\ns1,o1,\"Walks,active\ns2,o1,Swims,active\n"]),
             code: 3, rejected: ["services.csv line 2, column 7", "never closed"], check: { (r: Run) async throws -> Void in #expect(try await r.store.hsdsOrganization(id: r.id("o1")) == nil) }),
        Case(name: "CSV: a quote inside an unquoted field is unreadable",
             files: csv(["organizations.csv": "id,name,description\no1,Wal\"kers,A group\n"]), code: 3, rejected: ["organizations.csv line 2, column 7"]),
        Case(name: "CSV: a row with more cells than the header is rejected; the others are imported",
             files: csv(["organizations.csv": csvOrganizations, "services.csv": csvServices + "s3,o1,Extra,active,Desc,surplus\n"]), code: 1,
             rejected: ["services.csv line 4: row: has 6 cells but the header has 5"]),
        Case(name: "CSV: a child row that belongs to nothing in the package is rejected by name",
             files: csv(["organizations.csv": csvOrganizations, "services.csv": csvServices, "phones.csv": "id,service_id,number\np9,ghost,0113 496 0999\n"]), code: 1,
             rejected: ["phones.csv line 2: service_id: belongs to nothing in the package"]),
        Case(name: "CSV: quoted commas and doubled quotes are read exactly",
             files: csv(["organizations.csv": "id,name,description\no1,\"Walkers, Leeds\",\"The \"\"best\"\" group\"\n"]), code: 0, check: { (r: Run) async throws -> Void in
                 let o = try #require(try await r.store.hsdsOrganization(id: r.id("o1")))
                 #expect(o.name == "Walkers, Leeds" && o.description == "The \"best\" group")
             }),
        Case(name: "CSV: a file that is not an HSDS table is named",
             files: csv(["organizations.csv": csvOrganizations, "notes.csv": "a,b\n1,2\n"]), code: 1, rejected: ["notes.csv: file: notes.csv is not an HSDS table"]),
        Case(name: "CSV: funding, programs and organisation identifiers are joined and kept",
             files: csv(["organizations.csv": csvOrganizations, "services.csv": csvServices, "funding.csv": "id,organization_id,service_id,source\nf1,o1,s1,Council\n",
                         "programs.csv": "id,organization_id,name,description\npr1,o1,Walks programme,Weekly walks\n",
                         "organization_identifiers.csv": "id,organization_id,identifier_type,identifier\noi1,o1,Charity number,1122334\n"]),
             code: 0, check: { (r: Run) async throws -> Void in
                 let o = try #require(try await r.store.hsdsOrganization(id: r.id("o1"))).document()
                 #expect(o["funding"]?.array?.count == 1 && o["programs"]?.array?.first?["name"]?.string == "Walks programme")
                 #expect(o["organization_identifiers"]?.array?.first?["identifier"]?.string == "1122334")
                 #expect(try await r.listing("s1")?.service.document()["funding"]?.array?.first?["source"]?.string == "Council")
             }),
        Case(name: "CSV: a service-at-location for a stored service joins it",
             files: csv(["locations.csv": csvLocations, "service_at_locations.csv": "id,service_id,location_id\nsal9,s1,l1\n"]),
             before: [[orgs, services(#"{"id": "s1", "name": "Walks", "status": "active", "organization_id": "o1"}"#)]], code: 0, check: { (r: Run) async throws -> Void in
                 #expect(try await r.listing("s1")?.service.locations.first?.name == "Park")
             }),
        Case(name: "CSV: schedules are typed (numbers) and validated like JSON",
             files: csv(["organizations.csv": csvOrganizations, "services.csv": csvServices,
                         "schedules.csv": "id,service_id,freq,byday,opens_at,closes_at,interval,count\nsc1,s1,WEEKLY,\"MO,WE\",10:00,12:00,1,10\nsc2,s2,DAILY,MO,10:00,12:00,1,1\n"]),
             code: 1, rejected: ["services.csv line 3: schedules[0].freq"], check: { (r: Run) async throws -> Void in
                 let d = try #require(try await r.listing("s1")).service.document()
                 #expect(d["schedules"]?.array?.first?["count"]?.number == 10)
             }),
    ]
}
