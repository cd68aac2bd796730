import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import SQLKit
import Testing

/// Import jobs kept in the database (every backend), followed from a second instance; import progress;
/// and the service-at-location rows of services stored before migration 102.
@Suite("Directory import jobs and upgrades", .closesStores)
struct DirectoryImportJobTests {
    @Test("Import jobs are stored: saved, replaced by id, read back exactly, listed newest first", arguments: TestBackend.available)
    func storage(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let admin = UserID("admin-1")
        let t0 = Date(timeIntervalSince1970: 1_780_000_000.123)
        var first = ImportJob(id: "job-a", source: "https://example.org/oruk", startedBy: admin, at: t0)
        let second = ImportJob(id: "job-b", source: "api", startedBy: admin, at: t0.addingTimeInterval(60.5))
        try await store.saveImportJob(first)
        try await store.saveImportJob(second)
        #expect(try await store.importJob(id: "job-a") == first)
        #expect(try await store.importJob(id: "nope") == nil)

        first.progress = ImportProgress(phase: .storing, done: 500, total: 1200)
        first.updatedAt = t0.addingTimeInterval(3.25)
        try await store.saveImportJob(first)
        #expect(try await store.importJob(id: "job-a") == first)

        var report = ImportReport(source: "bench", dryRun: false, refused: false,
                                  rejected: [RejectedRecord(kind: "service", id: "x", name: "Bad", position: "services.json [3]",
                                                            problems: [.apiOnly("minimum_age", "Ages must be from 0 to 130; -3 is not.")])])
        report.created = ["service": 1199]
        report.withdrawn = ["gone"]
        first.status = .done
        first.report = report
        first.finishedAt = t0.addingTimeInterval(9.75)
        try await store.saveImportJob(first)
        #expect(try await store.importJob(id: "job-a") == first)
        #expect(try await store.importJobs(limit: 10) == [second, first])
        #expect(try await store.importJobs(limit: 1) == [second])
    }

    @Test("A job started through one instance is followed through another on the same database; a silent job shows as interrupted",
          arguments: TestBackend.available)
    func sharedJobs(backend: TestBackend) async throws {
        let (one, two) = try await backend.makeSharedStores()
        OpenedStores.current?.add(one)
        OpenedStores.current?.add(two)
        let s = try await TestScheme.make(store: one)
        let token = try await s.token(for: s.admin)
        let first = try await buildRouter(configuration: s.configuration, store: one, env: s.env)
        let feed = Self.feed(services: 1200)
        let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        try await Application(router: first).test(.router) { a in
            let second = try await buildRouter(configuration: s.configuration, store: two, env: s.env)
            try await Application(router: second).test(.router) { b in
                let started = try await a.execute(uri: "/api/v1/directory/import/jobs?source=jobs-test", method: .post, headers: auth, body: ByteBuffer(string: feed))
                #expect(started.status == .accepted)
                let id = try #require(APIClient.parse(String(buffer: started.body))["id"] as? String)
                #expect(started.headers[.location] == "/api/v1/directory/import/jobs/\(id)")
                // Followed through the other instance, which never ran it.
                var status: [String: Any] = [:]
                for _ in 0..<600 {
                    let r = try await b.execute(uri: "/api/v1/directory/import/jobs/\(id)", method: .get, headers: auth)
                    #expect(r.status == .ok)
                    status = APIClient.parse(String(buffer: r.body))
                    if status["status"] as? String != "running" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(status["status"] as? String == "done", "\(status)")
                #expect(status["source"] as? String == "jobs-test")
                #expect(((status["report"] as? [String: Any])?["created"] as? [String: Int])?["service"] == 1200, "\(status)")
                let progress = status["progress"] as? [String: Any] ?? [:]
                #expect(progress["phase"] as? String == "storing" && progress["done"] as? Int == 1200 && progress["total"] as? Int == 1200, "\(progress)")
                #expect(try await two.searchDirectory(DirectoryQuery()).total == 1200)

                // A job whose server stopped (no heartbeat for longer than allowed) is reported failed, by either instance.
                var lost = ImportJob(id: "lost-job", source: "api", startedBy: s.admin.id, at: s.clock.now)
                lost.progress = ImportProgress(phase: .storing, done: 500, total: 1200)
                try await two.saveImportJob(lost)
                let running = APIClient.parse(String(buffer: try await a.execute(uri: "/api/v1/directory/import/jobs/lost-job", method: .get, headers: auth).body))
                #expect(running["status"] as? String == "running")
                s.clock.advance(seconds: ImportJob.interruptedAfter + 1)
                let interrupted = APIClient.parse(String(buffer: try await a.execute(uri: "/api/v1/directory/import/jobs/lost-job", method: .get, headers: auth).body))
                #expect(interrupted["status"] as? String == "failed" && (interrupted["error"] as? String ?? "").hasPrefix("Interrupted"), "\(interrupted)")

                // Only the admin sees jobs.
                let linkWorker = try await s.token(for: s.linkWorker)
                let refused = try await b.execute(uri: "/api/v1/directory/import/jobs/\(id)", method: .get, headers: [.authorization: "Bearer \(linkWorker)"])
                #expect(refused.status == .forbidden)
            }
        }
    }

    @Test("An import tells its progress: services checked, then stored, chunk by chunk, ending at the total")
    func progress() async throws {
        let s = try await TestScheme.make(.memory)
        var feed = ParsedFeed(source: "progress")
        try DirectoryFeed.parse(Data(Self.feed(services: 1100).utf8), kind: nil, name: "", into: &feed)
        final class Heard: @unchecked Sendable {
            let lock = NSLock()
            var events: [ImportProgress] = []
        }
        let heard = Heard()
        let report = try await DirectoryService(store: s.store, env: s.env).importFeed(feed, ImportOptions()) { p in heard.lock.withLock { heard.events.append(p) } }
        #expect(report.created["service"] == 1100)
        let events = heard.lock.withLock { heard.events }
        #expect(events == [ImportProgress(phase: .checking, done: 0, total: 1100), ImportProgress(phase: .checking, done: 500, total: 1100),
                           ImportProgress(phase: .checking, done: 1000, total: 1100), ImportProgress(phase: .storing, done: 0, total: 1100),
                           ImportProgress(phase: .storing, done: 500, total: 1100), ImportProgress(phase: .storing, done: 1000, total: 1100),
                           ImportProgress(phase: .storing, done: 1100, total: 1100)])
    }

    @Test("A database from before migration 102 gets the service-at-location rows of its services",
          arguments: TestBackend.available.filter { $0 != .memory })
    func serviceAtLocationsBackfill(backend: TestBackend) async throws {
        let store: SQLStore
        switch backend {
        case .postgres:
            store = try await SQLStore.postgres(url: TestBackend.postgresURL!, schema: TestBackend.newPostgresSchema())
        default:
            store = try await SQLStore.sqlite(path: temporarySQLitePath("lw-upgrade"))
        }
        OpenedStores.current?.add(store)
        try await store.migrate(through: 101)
        // As versions 100–101 stored services: the whole service as JSON, no service-at-location rows.
        // One was indexed under 101 (has a rid), one is from before it (no rid yet), one has no places.
        func service(_ n: Int, places: Int) throws -> (id: String, doc: String) {
            let id = syntheticUUID(0xb102, n)
            var s = HSDSService(id: id, organizationID: "org-old", name: "Old service \(n)", description: "Stored before 102")
            s.serviceAtLocations = (0..<places).map { i in
                HSDSServiceAtLocation(id: syntheticUUID(0xb103, n * 10 + i), serviceID: id,
                                      location: HSDSLocation(id: syntheticUUID(0xb104, n * 10 + i), name: "Hall \(i)", latitude: 53.8, longitude: -1.55))
            }
            return (id, String(decoding: try HSDSJSON.encoder.encode(s), as: UTF8.self))
        }
        let indexed = try service(1, places: 2), unindexed = try service(2, places: 1), placeless = try service(3, places: 0)
        try await store.execute { db in
            try await db.raw("INSERT INTO dir_organizations (id, name, doc) VALUES ('org-old', 'Old Org', '{\"id\":\"org-old\",\"name\":\"Old Org\",\"description\":\"x\"}')").run()
            for (s, rid) in [(indexed, 1001 as Int?), (unindexed, nil), (placeless, 1003)] {
                try await db.raw("""
                    INSERT INTO dir_services (id, organization_id, name, status, doc, free, languages, accessible, review_state, capacity_now, rid)
                    VALUES (\(bind: s.id), 'org-old', 'Old', 'active', \(bind: s.doc), \(false), ',', \(false), 'approved', \(false), \(bind: rid))
                    """).run()
            }
        }
        try await store.migrate()
        var all = DirectoryQuery()
        all.perPage = 50
        let sals = try await store.searchServiceAtLocations(all)
        #expect(sals.total == 3)
        #expect(Set(sals.hits.map(\.id)) == [syntheticUUID(0xb103, 10), syntheticUUID(0xb103, 11), syntheticUUID(0xb103, 20)])
        #expect(try await store.serviceID(serviceAtLocationID: syntheticUUID(0xb103, 11)) == indexed.id)
        #expect(try await store.serviceID(serviceAtLocationID: syntheticUUID(0xb103, 20)) == unindexed.id)
        // Running the migrations again adds nothing twice.
        try await store.migrate()
        #expect(try await store.searchServiceAtLocations(all).total == 3)
    }

    /// A feed of `services` services of one organisation, listed under their types.
    @Test("A registered feed that cannot be read fails its sync job with the import's own failure (unreadable), not a wrapped sentence; the feed records why",
          arguments: TestBackend.available)
    func feedSyncFailure(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // A feed whose source is not JSON (a file: the reader reads files as it reads URLs; the web form only takes URLs).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-bad-feed-\(UUID().uuidString).json")
        try Data("{ \"id\": \"svc-1\", \"name\": ".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let feed = RegisteredFeed(id: "bad-feed", url: file.path, source: "bad-feed-source", intervalMinutes: 60, createdAt: s.clock.now)
        try await s.store.saveFeed(feed)
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let (_, page) = try await admin.go(.get, "/admin/feeds")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page))
            let (started, _) = try await admin.go(.post, "/admin/feeds/bad-feed/sync", form: ["_csrf": csrf])
            #expect(started.status == .seeOther)
            let location = try #require(started.headers[.location])
            let id = String(try #require(location.split(separator: "/").last))
            var job: ImportJob?
            for _ in 0..<400 {
                job = try await s.store.importJob(id: id)
                if let job, job.status != .running { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            let done = try #require(job)
            #expect(done.status == .failed, "\(done)")
            #expect(done.failure == .unreadable, "the job keeps the import's own failure code: \(String(describing: done.failure)) \(done.failureDetail ?? "")")
            #expect(done.failureDetail?.hasPrefix("feed:") == false, "not a sentence wrapped in another problem")
            let recorded = try #require(try await s.store.registeredFeeds().first { $0.id == "bad-feed" })
            #expect(recorded.lastError?.hasPrefix("Unreadable: ") == true, "\(String(describing: recorded.lastError))")
            let (jobPage, html) = try await admin.go(.get, location)
            #expect(jobPage.status == .ok && html.contains("Unreadable"))
        }
    }

    static func feed(services: Int) -> String {
        let list = (0..<services).map { i in
            #"{"id": "svc-\#(i)", "organization_id": "org-jobs", "name": "Service \#(i)", "status": "active", "description": "Group \#(i % 7)"}"#
        }
        return #"{"organizations": [{"id": "org-jobs", "name": "Jobs Org", "description": "Imports"}], "services": ["# + list.joined(separator: ",") + "]}"
    }
}

/// The ONS Postcode Directory loader reads the file a chunk at a time, however the chunks fall.
@Suite("Postcode loader")
struct PostcodeLoaderTests {
    /// An ONSPD-shaped file: many columns, quoted fields with commas, CRLF line ends, unlocated rows.
    static func onspd(rows: Int) -> (text: String, located: [String: (Double, Double)]) {
        var lines = ["\"pcd\",\"pcd2\",\"pcds\",\"dointr\",\"doterm\",\"oscty\",\"ced\",\"oslaua\",\"lat\",\"long\",\"ru11ind\",\"imd\""]
        var located: [String: (Double, Double)] = [:]
        for i in 0..<rows {
            let pcds = "LS\(1 + i % 28) \(i % 10)\(["AA", "AB", "BD", "HY", "QT"][i % 5])"
            let unlocated = i % 97 == 0, terminated = i % 89 == 0
            let lat = 53.7 + Double(i % 1000) / 10_000, lon = -1.6 + Double(i % 700) / 10_000
            let coords = unlocated ? "99.999999,0.000000" : terminated ? "," : String(format: "%.6f,%.6f", lat, lon)
            lines.append("\"\(pcds.replacingOccurrences(of: " ", with: "  "))\",\"\(pcds)\",\"\(pcds)\",\"198001\",\"\",\"E99999999\",\"Ward, \"\"North\"\"\",\"E08000035\",\(coords),\"C1\",\"12345\"")
            if !unlocated && !terminated { located[Postcode.normalised(pcds)!] = (lat, lon) }
        }
        return (lines.joined(separator: "\r\n") + "\r\n", located)
    }

    @Test("Streamed in chunks of any size, the file gives every located postcode and skips unlocated ones")
    func streamed() throws {
        let (text, located) = Self.onspd(rows: 3000)
        let bytes = Array(text.utf8)
        for chunkSize in [1, 7, 4096, bytes.count] {
            var reader = ONSPostcodeReader(), splitter = LineSplitter()
            for start in stride(from: 0, to: bytes.count, by: chunkSize) {
                for line in splitter.lines(in: bytes[start..<min(start + chunkSize, bytes.count)]) { try reader.read(line: line) }
            }
            if let last = splitter.finish() { try reader.read(line: last) }
            let points = try reader.finish()
            var byPostcode: [String: GeoPoint] = [:]
            for p in points { byPostcode[p.postcode] = p.point }
            #expect(byPostcode.count == located.count, "chunks of \(chunkSize)")
            let wrong = byPostcode.filter { postcode, point in
                guard let (lat, lon) = located[postcode] else { return true }
                return abs(lat - point.latitude) > 1e-9 || abs(lon - point.longitude) > 1e-9
            }
            #expect(wrong.isEmpty, "chunks of \(chunkSize): \(wrong.prefix(3))")
        }
        #expect(try PostcodePoint.parseONSCSV(text).count == (try PostcodePoint.parseONSCSV(text.replacingOccurrences(of: "\r\n", with: "\n"))).count)
    }

    @Test("A file with bad lines loads nothing and names them; a hopeless one is refused early; one without the ONS columns is named")
    func refused() throws {
        var reader = ONSPostcodeReader()
        try reader.read(line: "pcds,lat,long")
        try reader.read(line: "LS1 4AP,53.79,-1.54")
        try reader.read(line: "LS1 4AP,north,-1.54")
        #expect(throws: LinkwellError.invalid([.apiOnly("line 3", "Latitude and longitude must be numbers.")])) { try reader.finish() }

        var hopeless = ONSPostcodeReader()
        try hopeless.read(line: "pcds,lat,long")
        var refusedAt: Int?
        for i in 0..<1000 {
            do { try hopeless.read(line: "nonsense \(i),x,y") } catch { refusedAt = i; break }
        }
        #expect(refusedAt == ONSPostcodeReader.maxProblems)

        #expect(throws: LinkwellError.invalid([.apiOnly("postcodes", "The postcode file needs the ONS columns pcds, lat and long.")])) {
            var noColumns = ONSPostcodeReader()
            try noColumns.read(line: "postcode,latitude,longitude")
        }
        #expect(throws: LinkwellError.invalid([.apiOnly("postcodes", "The postcode file is empty.")])) { try ONSPostcodeReader().finish() }
    }
}
