import Foundation

/// A box of latitudes and longitudes that imported places must lie in.
public struct GeoBounds: Sendable, Equatable {
    public var latitudes: ClosedRange<Double>
    public var longitudes: ClosedRange<Double>
    public init(latitudes: ClosedRange<Double>, longitudes: ClosedRange<Double>) { (self.latitudes, self.longitudes) = (latitudes, longitudes) }
    /// Great Britain, Northern Ireland, the Channel Islands, Scilly, Orkney and Shetland.
    public static let unitedKingdom = GeoBounds(latitudes: 49.0...61.0, longitudes: -8.7...2.0)
    public func contains(latitude: Double, longitude: Double) -> Bool { latitudes.contains(latitude) && longitudes.contains(longitude) }

    /// Parses `south,west,north,east` in degrees.
    public static func parse(_ text: String) throws(LinkwellError) -> GeoBounds {
        let n = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard n.count == 4, n[0] < n[2], n[1] < n[3], (-90...90).contains(n[0]), (-90...90).contains(n[2]),
              (-180...180).contains(n[1]), (-180...180).contains(n[3]) else {
            throw .invalid([.apiOnly("bounds", "Bounds are south,west,north,east in degrees, e.g. 53.6,-1.8,53.95,-1.3.")])
        }
        return GeoBounds(latitudes: n[0]...n[2], longitudes: n[1]...n[3])
    }
}

/// How an import runs.
public struct ImportOptions: Sendable, Equatable {
    /// Report what would happen; store nothing.
    public var dryRun = false
    /// Store nothing if any record is bad.
    public var allOrNothing = false
    /// Mark imported listings verified and approved (a trusted source).
    public var verified = false
    /// Places outside these bounds are refused.
    public var bounds = GeoBounds.unitedKingdom
    public init(dryRun: Bool = false, allOrNothing: Bool = false, verified: Bool = false, bounds: GeoBounds = .unitedKingdom) {
        (self.dryRun, self.allOrNothing, self.verified, self.bounds) = (dryRun, allOrNothing, verified, bounds)
    }
}

/// The rules a directory record must meet, beyond the HSDS schema, before Linkwell stores it.
public enum DirectoryRules {
    /// Each place in a record (a value or a key, at any depth) holding the NUL character. PostgreSQL's
    /// text cannot hold it, and it has no meaning in a directory, so the record is refused on every
    /// backend alike, naming where; other control characters (a stray vertical tab from a word
    /// processor) are kept as sent.
    public static func nulCharacters(_ value: JSONValue, at path: String = "") -> [FieldError] {
        guard hasNUL(value) else { return [] }
        let problem = "contains the NUL character (U+0000), which a directory record cannot hold."
        switch value {
        case .string(let s): return s.utf8.contains(0) ? [.apiOnly(path, "The value \(problem)")] : []
        case .array(let a): return a.enumerated().flatMap { nulCharacters($1, at: "\(path)[\($0)]") }
        case .object(let o):
            return o.sorted { $0.key < $1.key }.flatMap { key, v in
                let clean = key.replacingOccurrences(of: "\u{0}", with: "\\u0000")
                let here = path.isEmpty ? clean : "\(path).\(clean)"
                return (key.utf8.contains(0) ? [.apiOnly(here, "The key \(problem)")] : []) + nulCharacters(v, at: here)
            }
        default: return []
        }
    }

    static func hasNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): s.utf8.contains(0)
        case .array(let a): a.contains(where: hasNUL)
        case .object(let o): o.contains { $0.key.utf8.contains(0) || hasNUL($0.value) }
        default: false
        }
    }

    /// Problems with a service, given the organisations and terms that exist (stored or in the same import).
    public static func problems(service s: HSDSService, knownOrganizations: Set<String>, knownTerms: Set<String>,
                                bounds: GeoBounds = .unitedKingdom) -> [FieldError] {
        var v = Validator()
        _ = v.required(s.name, "name", label: .theName)
        if let org = s.organizationID, !org.isEmpty {
            if !knownOrganizations.contains(org) { v.addAPIOnly("organization_id", "Organisation \(org) is not in the directory or this import.") }
        } else { v.addAPIOnly("organization_id", "A service needs the organization_id of the organisation that runs it.") }
        for (value, field) in [(s.minimumAge, "minimum_age"), (s.maximumAge, "maximum_age")] {
            if let age = value, !(age >= 0 && age <= 130) { v.addAPIOnly(field, "Ages must be from 0 to 130; \(age) is not.") }
        }
        if let lo = s.minimumAge, let hi = s.maximumAge, lo > hi { v.addAPIOnly("maximum_age", "The maximum age (\(hi)) is below the minimum age (\(lo)).") }
        for (i, sal) in (s.serviceAtLocations ?? []).enumerated() {
            if let l = sal.location { v.add(all: problems(location: l, at: "service_at_locations[\(i)].location", bounds: bounds)) }
            for (j, schedule) in (sal.schedules ?? []).enumerated() { v.add(all: problems(schedule: schedule, at: "service_at_locations[\(i)].schedules[\(j)]")) }
        }
        for (i, schedule) in (s.schedules ?? []).enumerated() { v.add(all: problems(schedule: schedule, at: "schedules[\(i)]")) }
        for (i, term) in s.taxonomyTermIDs.enumerated() where !knownTerms.contains(term) {
            v.addAPIOnly("attributes[\(i)].taxonomy_term_id", "Unknown taxonomy term \(term).")
        }
        for (i, cost) in (s.costOptions ?? []).enumerated() {
            if let amount = cost.amount, amount < 0 { v.addAPIOnly("cost_options[\(i)].amount", "A cost cannot be negative (\(amount)).") }
        }
        return v.errors
    }

    /// A place: both coordinates or neither, on the map, inside the bounds (and not swapped or 0,0).
    public static func problems(location l: HSDSLocation, at field: String, bounds: GeoBounds) -> [FieldError] {
        var v = Validator()
        if (l.latitude == nil) != (l.longitude == nil) { v.addAPIOnly(field, "Give both latitude and longitude, or neither.") }
        if let la = l.latitude, let lo = l.longitude {
            if !(la >= -90 && la <= 90) { v.addAPIOnly("\(field).latitude", "Latitude \(la) is impossible: it must be between -90 and 90.") }
            else if !(lo >= -180 && lo <= 180) { v.addAPIOnly("\(field).longitude", "Longitude \(lo) is impossible: it must be between -180 and 180.") }
            else if la == 0 && lo == 0 { v.addAPIOnly("\(field).latitude", "0, 0 is in the sea off West Africa: a missing place written as zeros? Leave both out instead.") }
            else if !bounds.contains(latitude: la, longitude: lo) {
                if bounds.contains(latitude: lo, longitude: la) {
                    v.addAPIOnly("\(field).latitude", "Latitude \(la) and longitude \(lo) look swapped.")
                } else {
                    v.addAPIOnly("\(field).latitude", "\(la), \(lo) is outside the area this directory covers (latitude \(bounds.latitudes.lowerBound)–\(bounds.latitudes.upperBound), longitude \(bounds.longitudes.lowerBound)–\(bounds.longitudes.upperBound)).")
                }
            }
        }
        for (j, schedule) in (l.schedules ?? []).enumerated() { v.add(all: problems(schedule: schedule, at: "\(field).schedules[\(j)]")) }
        return v.errors
    }

    /// A schedule that makes sense: real times and days, closing after opening, periods that end after they start.
    public static func problems(schedule s: HSDSSchedule, at field: String) -> [FieldError] {
        var v = Validator()
        var times: [String: Int] = [:]
        for (text, name) in [(s.opensAt, "opens_at"), (s.closesAt, "closes_at")] {
            guard let text, !text.isEmpty else { continue }
            if let m = WeeklyTime.minutes(text) { times[name] = m } else { v.addAPIOnly("\(field).\(name)", "\"\(text.prefix(20))\" is not a time (HH:MM).") }
        }
        if let o = times["opens_at"], let c = times["closes_at"], c <= o {
            v.addAPIOnly("\(field).closes_at", "It closes (\(s.closesAt!)) before it opens (\(s.opensAt!)); write 24:00 for midnight.")
        }
        for day in (s.byday ?? "").split(separator: ",") {
            let code = String(day.trimmingCharacters(in: .whitespaces).uppercased().suffix(2))
            let ordinal = day.trimmingCharacters(in: .whitespaces).dropLast(2)
            if !WeeklyTime.dayCodes.contains(code) || (!ordinal.isEmpty && Int(ordinal) == nil) {
                v.addAPIOnly("\(field).byday", "\"\(day.prefix(10))\" is not a day (MO … SU, or e.g. 1MO, -1FR).")
            }
        }
        if let interval = s.interval, !(interval >= 1 && interval.rounded() == interval) { v.addAPIOnly("\(field).interval", "The interval must be a whole number of 1 or more, not \(interval).") }
        for (from, to, fromName, toName) in [(s.validFrom, s.validTo, "valid_from", "valid_to")] {
            guard let from, let to else { continue }
            if let f = HSDSJSON.parseDate(from), let t = HSDSJSON.parseDate(to), t < f { v.addAPIOnly("\(field).\(toName)", "It ends (\(to)) before it starts (\(from), \(fromName)).") }
        }
        for (text, name) in [(s.validFrom, "valid_from"), (s.validTo, "valid_to"), (s.dtstart, "dtstart")] {
            if let text, !text.isEmpty, HSDSJSON.parseDate(text) == nil { v.addAPIOnly("\(field).\(name)", "\"\(text.prefix(30))\" is not a date (YYYY-MM-DD).") }
        }
        return v.errors
    }

    /// Rules read from the whole schedule document (fields the typed model keeps as extras).
    static func problems(scheduleDocument d: JSONValue, at field: String) -> [FieldError] {
        var v = Validator()
        if let count = d["count"]?.number, !(count >= 1 && count.rounded() == count) { v.addAPIOnly("\(field).count", "The count must be a whole number of 1 or more, not \(count).") }
        for (key, range) in [("bymonthday", -31...31), ("byweekno", -53...53), ("byyearday", -366...366)] {
            guard let text = d[key]?.string else { continue }
            for part in text.split(separator: ",") {
                guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n != 0, range.contains(n) else {
                    v.addAPIOnly("\(field).\(key)", "\"\(part.prefix(10))\" is not allowed in \(key) (from \(range.lowerBound) to \(range.upperBound), not 0)."); break
                }
            }
        }
        for key in ["until", "dtstart"] {
            if let text = d[key]?.string, HSDSJSON.parseDate(text) == nil { v.addAPIOnly("\(field).\(key)", "\"\(text.prefix(30))\" is not a date.") }
        }
        if let until = d["until"]?.string.flatMap(HSDSJSON.parseDate), let start = d["dtstart"]?.string.flatMap(HSDSJSON.parseDate), until < start {
            v.addAPIOnly("\(field).until", "The rule ends (until) before it starts (dtstart).")
        }
        return v.errors
    }

    /// Every schedule in a record document (service, location…), with its path.
    static func scheduleDocuments(_ d: JSONValue, at path: String = "") -> [(String, JSONValue)] {
        guard case .object(let o) = d else { return [] }
        var out: [(String, JSONValue)] = []
        for (key, value) in o.sorted(by: { $0.key < $1.key }) {
            let p = path.isEmpty ? key : "\(path).\(key)"
            switch value {
            case .array(let items):
                for (i, item) in items.enumerated() {
                    if key == "schedules" { out.append(("\(p)[\(i)]", item)) } else { out += scheduleDocuments(item, at: "\(p)[\(i)]") }
                }
            case .object: out += scheduleDocuments(value, at: p)
            default: break
            }
        }
        return out
    }

    public static func problems(term t: HSDSTaxonomyTerm, knownTaxonomies: Set<String>, knownTerms: Set<String>) -> [FieldError] {
        var v = Validator()
        _ = v.required(t.name, "name", label: .theName)
        if let tax = t.taxonomyID, !knownTaxonomies.contains(tax) { v.addAPIOnly("taxonomy_id", "Unknown taxonomy \(tax).") }
        // A parent may live elsewhere in a shared vocabulary (the official HSDS example's does), so an
        // unknown parent_id is kept as given rather than refused.
        return v.errors
    }
}

extension DirectoryService {
    /// How many records an import saves per transaction: each chunk is atomic, and a national feed is
    /// not one transaction per record.
    static let importChunk = 500

    /// Imports a parsed feed: each record is merged into what is stored (a partial record never
    /// erases a field; local decisions survive unless the source changed the same field, which goes
    /// to the review queue), checked against the HSDS schema and Linkwell's rules, and stored with
    /// its provenance; bad records are named and the rest kept (or, `allOrNothing`, nothing is stored).
    /// A full import of a source withdraws the services it no longer lists. A dry run stores nothing.
    /// `progress` hears how far it has got: services checked, then services stored.
    public func importFeed(_ feed: ParsedFeed, _ options: ImportOptions, progress: ImportProgressSink? = nil) async throws -> ImportReport {
        var report = ImportReport(source: feed.source, dryRun: options.dryRun, refused: false, rejected: feed.rejected)
        let at = env.now()
        var good = DirectoryBatch()
        let source = feed.source
        func reject(_ r: FeedRecord, _ document: JSONValue, _ problems: [FieldError]) {
            report.rejected.append(RejectedRecord(kind: r.kind.rawValue, id: r.sourceID ?? r.id, name: document["name"]?.string,
                                                  position: r.position, problems: problems))
        }
        func count(_ kind: HSDSKind, _ stored: JSONValue?, _ merged: JSONValue) {
            let k = kind.rawValue
            if stored == nil { report.created[k, default: 0] += 1 }
            else if Self.withoutServerFields(stored!) == Self.withoutServerFields(merged) { report.unchanged[k, default: 0] += 1 }
            else { report.updated[k, default: 0] += 1 }
        }
        /// Schema, then the typed model, then the kind's own rules.
        func accept<T: HSDSRecord>(_ r: FeedRecord, _ merged: JSONValue, as type: T.Type, rules: (T) -> [FieldError]) -> T? {
            var problems = HSDSSchema.problems(merged, table: r.kind.rawValue) + DirectoryRules.nulCharacters(merged)
            problems += DirectoryRules.scheduleDocuments(merged).flatMap { DirectoryRules.problems(scheduleDocument: $1, at: $0) }
            guard problems.isEmpty else { reject(r, merged, problems); return nil }
            do {
                let record = try T.from(document: merged)
                let more = rules(record)
                guard more.isEmpty else { reject(r, merged, more); return nil }
                return record
            } catch {
                reject(r, merged, [FieldError.apiOnly(DirectoryFeedErrors.field(of: error), DirectoryFeedErrors.describe(error))])
                return nil
            }
        }
        func provenance(_ r: FeedRecord, sourceDocument: JSONValue? = nil, modified: Date? = nil, conflicts: [String] = []) -> RecordProvenance {
            RecordProvenance(source: source, sourceID: r.sourceID, sourceDocument: sourceDocument, sourceModified: modified, conflicts: conflicts)
        }

        // Taxonomies.
        let taxonomyRecords = feed.records(.taxonomy)
        let storedTaxonomies = try await store.directoryRecords(.taxonomy, ids: taxonomyRecords.map(\.id))
        var knownTaxonomies = Set(try await store.taxonomies().map(\.id))
        for r in taxonomyRecords {
            let merged = HSDSMerge.merge(storedTaxonomies[r.id]?.document, r.document)
            if let t = accept(r, merged, as: HSDSTaxonomy.self, rules: { _ in [] }) {
                good.taxonomies.append(t); knownTaxonomies.insert(t.id)
                good.provenance["taxonomy:\(t.id)"] = provenance(r)
                count(.taxonomy, storedTaxonomies[r.id]?.document, merged)
            }
        }
        // Terms (parents may come later in the same feed, so the feed's ids count as known).
        let termRecords = feed.records(.taxonomyTerm)
        let storedTerms = try await store.directoryRecords(.taxonomyTerm, ids: termRecords.map(\.id))
        var knownTerms = Set(try await store.taxonomyTerms(ids: nil).map(\.id)).union(termRecords.map(\.id))
        for r in termRecords {
            let merged = HSDSMerge.merge(storedTerms[r.id]?.document, r.document)
            if let t = accept(r, merged, as: HSDSTaxonomyTerm.self, rules: { DirectoryRules.problems(term: $0, knownTaxonomies: knownTaxonomies, knownTerms: knownTerms) }) {
                good.terms.append(t)
                good.provenance["taxonomy_term:\(t.id)"] = provenance(r)
                count(.taxonomyTerm, storedTerms[r.id]?.document, merged)
            } else { knownTerms.remove(r.id) }
        }
        // Organisations.
        let orgRecords = feed.records(.organization)
        let storedOrgs = try await store.directoryRecords(.organization, ids: orgRecords.map(\.id))
        var knownOrgs = Set<String>()
        for r in orgRecords {
            let merged = HSDSMerge.merge(storedOrgs[r.id]?.document, r.document)
            if let o = accept(r, merged, as: HSDSOrganization.self, rules: { _ in [] }) {
                good.organizations.append(o); knownOrgs.insert(o.id)
                good.provenance["organization:\(o.id)"] = provenance(r)
                count(.organization, storedOrgs[r.id]?.document, merged)
            }
        }
        // Locations in their own right.
        let locationRecords = feed.records(.location)
        let storedLocations = try await store.directoryRecords(.location, ids: locationRecords.map(\.id))
        var locations: [String: JSONValue] = [:]
        for r in locationRecords {
            let merged = HSDSMerge.merge(storedLocations[r.id]?.document, r.document)
            if let l = accept(r, merged, as: HSDSLocation.self, rules: { DirectoryRules.problems(location: $0, at: "location", bounds: options.bounds) }) {
                good.locations.append(l); locations[l.id] = merged
                good.provenance["location:\(l.id)"] = provenance(r)
                count(.location, storedLocations[r.id]?.document, merged)
            }
        }

        // Services, with the service-at-location records that name them folded in.
        var serviceRecords = feed.records(.service)
        let sals = feed.records(.serviceAtLocation)
        let salsByService = Dictionary(grouping: sals, by: { $0.document["service_id"]?.string ?? "" })
        let storedServices = try await store.directoryRecords(.service, ids: serviceRecords.map(\.id) + salsByService.keys.filter { !$0.isEmpty })
        let inFeed = Set(serviceRecords.map(\.id))
        for (serviceID, records) in salsByService where !inFeed.contains(serviceID) {
            guard !serviceID.isEmpty, let stored = storedServices[serviceID] else {
                for r in records {
                    reject(r, r.document, [FieldError.apiOnly("service_id", serviceID.isEmpty ? "A service-at-location needs the service_id of its service."
                                                                                     : "No service \(serviceID) in this import or the directory.")])
                }
                continue
            }
            let partial: JSONValue = .object(["id": .string(serviceID), "service_at_locations": .array(stored.document["service_at_locations"]?.array ?? [])])
            serviceRecords.append(FeedRecord(kind: .service, id: serviceID, sourceID: nil, position: records[0].position, document: partial))
        }
        // Organisations and locations the services name but the feed does not carry: are they stored?
        let wantedOrgs = Set(serviceRecords.compactMap { $0.document["organization_id"]?.string }
                             + storedServices.values.compactMap { $0.document["organization_id"]?.string }).subtracting(knownOrgs)
        knownOrgs.formUnion(try await store.directoryRecords(.organization, ids: Array(wantedOrgs)).keys)
        let wantedLocations = Set(serviceRecords.flatMap { r in (r.document["service_at_locations"]?.array ?? []).compactMap { $0["location_id"]?.string } }
                                  + sals.compactMap { $0.document["location_id"]?.string }).subtracting(locations.keys)
        for (id, stored) in try await store.directoryRecords(.location, ids: Array(wantedLocations)) { locations[id] = stored.document }

        var conflicted: [String: [String]] = [:]
        for (checked, r) in serviceRecords.enumerated() {
            if checked % Self.importChunk == 0 { progress?(ImportProgress(phase: .checking, done: checked, total: serviceRecords.count)) }
            var incoming = r.document
            var sourceModified: Date?
            if case .object(var o) = incoming {
                sourceModified = o["last_modified"]?.string.flatMap(HSDSJSON.parseDate)
                o["last_modified"] = nil
                if let extra = salsByService[r.id] {
                    var list = o["service_at_locations"]?.array ?? []
                    for sal in extra {
                        if let i = list.firstIndex(where: { $0["id"] == sal.document["id"] }) { list[i] = HSDSMerge.merge(list[i], sal.document) }
                        else { list.append(sal.document) }
                    }
                    o["service_at_locations"] = .array(list)
                }
                incoming = .object(o)
            }
            // A service-at-location that names its location by id gets the location nested, so
            // search sees where it is; one that names no known location is refused.
            var dangling: [FieldError] = []
            if case .object(var o) = incoming, case .array(let list)? = o["service_at_locations"] {
                o["service_at_locations"] = .array(list.enumerated().map { i, sal in
                    guard case .object(var s) = sal else { return sal }
                    if s["location"] == nil || s["location"] == .null, let lid = s["location_id"]?.string {
                        if let l = locations[lid] { s["location"] = l }
                        else { dangling.append(FieldError.apiOnly("service_at_locations[\(i)].location_id", "No location \(lid) in this import or the directory.")) }
                    }
                    return .object(s)
                })
                incoming = .object(o)
            }
            guard dangling.isEmpty else { reject(r, incoming, dangling); continue }
            let stored = storedServices[r.id]
            let base = stored.map { Self.withoutServerFields($0.provenance?.sourceDocument ?? $0.document) }
            let sourceDocument = HSDSMerge.merge(base, incoming)
            var current = sourceDocument
            var conflicts = stored?.provenance?.conflicts ?? []
            if let stored, let base {
                let (merged, new) = HSDSMerge.threeWay(base: base, local: Self.withoutServerFields(stored.document), theirs: sourceDocument)
                current = merged
                conflicts = Array(Set(conflicts + new)).sorted()
                if !new.isEmpty { conflicted[r.id] = new }
            }
            let service = accept(r, current, as: HSDSService.self) {
                DirectoryRules.problems(service: $0, knownOrganizations: knownOrgs, knownTerms: knownTerms, bounds: options.bounds)
            }
            guard var service else { continue }
            // last_modified is Linkwell's: when the content last changed here (the source's own is kept as provenance).
            let unchanged = stored.map { Self.withoutServerFields($0.document) == current } ?? false
            service.lastModified = unchanged ? stored?.document["last_modified"]?.string.flatMap(HSDSJSON.parseDate) ?? at : at
            good.services.append(service)
            good.provenance["service:\(service.id)"] = provenance(r, sourceDocument: sourceDocument, modified: sourceModified, conflicts: conflicts)
            count(.service, stored.map { Self.withoutServerFields($0.document) }, current)
        }
        report.conflicts = conflicted

        // A full import: services of this source that it no longer lists are withdrawn, never deleted.
        var withdrawals = DirectoryBatch()
        if feed.full {
            let listed = Set(feed.records(.service).map(\.id)).union(feed.rejected.compactMap { $0.kind == "service" ? $0.id.map { HSDSIdentifiers.map($0, source: source) } : nil })
            let missing = try await store.serviceStatuses(source: source)
                .filter { !listed.contains($0.key) && $0.value != .inactive && $0.value != .defunct }.keys.sorted()
            let stored = try await store.directoryRecords(.service, ids: missing)
            for id in missing {
                guard let listing = try await store.listing(id: id) else { continue }
                var s = listing.service
                s.status = .inactive
                s.lastModified = at
                withdrawals.services.append(s)
                withdrawals.statusNotes[id] = "withdrawn by its source"
                // The source's last word is now "inactive", so listing the service again brings it back.
                if var p = stored[id]?.provenance, case .object(var d)? = p.sourceDocument {
                    d["status"] = .string(HSDSServiceStatus.inactive.rawValue)
                    p.sourceDocument = .object(d)
                    withdrawals.provenance["service:\(id)"] = p
                }
                report.withdrawn.append(id)
            }
        }

        report.refused = options.allOrNothing && !report.rejected.isEmpty
        if report.refused { (report.created, report.updated, report.unchanged, report.withdrawn) = ([:], [:], [:], []) }
        guard !options.dryRun, !report.refused else { return report }
        if options.allOrNothing {
            var all = good
            all.services += withdrawals.services
            all.provenance.merge(withdrawals.provenance) { a, _ in a }
            all.statusNotes = withdrawals.statusNotes
            if !all.isEmpty { try await store.saveDirectory(all, at: at, verified: options.verified) }
            return report
        }
        // Dependencies first; then services in chunks, each chunk atomic.
        var dependencies = DirectoryBatch(taxonomies: good.taxonomies, terms: good.terms, organizations: good.organizations)
        dependencies.locations = good.locations
        dependencies.provenance = good.provenance.filter { !$0.key.hasPrefix("service:") }
        if !dependencies.isEmpty { try await store.saveDirectory(dependencies, at: at, verified: options.verified) }
        for start in stride(from: 0, to: good.services.count, by: Self.importChunk) {
            progress?(ImportProgress(phase: .storing, done: start, total: good.services.count))
            var chunk = DirectoryBatch(services: Array(good.services[start..<min(start + Self.importChunk, good.services.count)]))
            for s in chunk.services { chunk.provenance["service:\(s.id)"] = good.provenance["service:\(s.id)"] }
            try await store.saveDirectory(chunk, at: at, verified: options.verified)
        }
        if !withdrawals.isEmpty { try await store.saveDirectory(withdrawals, at: at, verified: false) }
        progress?(ImportProgress(phase: .storing, done: good.services.count, total: good.services.count))
        return report
    }

    /// A document without the fields the server owns (`last_modified`), for comparing versions.
    static func withoutServerFields(_ d: JSONValue) -> JSONValue {
        guard case .object(var o) = d else { return d }
        o["last_modified"] = nil
        return .object(o)
    }
}

/// Turns decoding errors into a field and a sentence.
enum DirectoryFeedErrors {
    static func field(of error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return path(context.codingPath + [key])
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?: return path(context.codingPath)
        default: return "record"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: return "\(key.stringValue) is required."
        case .typeMismatch(let type, _)?: return "must be \(type == String.self ? "text" : type == Double.self || type == Int.self ? "a number" : "\(type)")."
        case .valueNotFound?: return "must not be null."
        case .dataCorrupted(let context)?:
            if context.debugDescription.contains("Cannot initialize") { return "is not one of the allowed values." }
            return context.debugDescription
        default:
            return "\(error)".prefix(200).description
        }
    }
}
