import Foundation
import LinkwellCore

/// The memory store's directory state.
struct MemoryDirectory: Sendable {
    struct Entry: Sendable {
        var listing: DirectoryListing
        var facts: ServiceFacts
        /// The order the service was first stored in (the SQL stores' `rid`), the last tie-break in search.
        var rid: Int
    }
    var services: [String: Entry] = [:]
    var lastRID = 0
    var organizations: [String: HSDSOrganization] = [:]
    var locations: [String: HSDSLocation] = [:]
    var feeds: [String: RegisteredFeed] = [:]
    /// Provenance by `kind:id`.
    var provenance: [String: RecordProvenance] = [:]
    var taxonomies: [String: HSDSTaxonomy] = [:]
    var terms: [String: HSDSTaxonomyTerm] = [:]
    var history: [ServiceStatusChange] = []
    var postcodes: [String: GeoPoint] = [:]
    var feedback: [ServiceFeedback] = []
    var governance: [String: GovernanceCheck] = [:]
    var importJobs: [String: ImportJob] = [:]
}

extension MemoryStore {
    public func saveImportJob(_ job: ImportJob) async throws { directory.importJobs[job.id] = job }
    public func importJob(id: String) async throws -> ImportJob? { directory.importJobs[id] }
    public func importJobs(limit: Int) async throws -> [ImportJob] {
        Array(directory.importJobs.values.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }.prefix(max(0, limit)))
    }
}

extension MemoryStore {
    public func saveDirectory(_ batch: DirectoryBatch, at: Date, verified: Bool) async throws {
        // Everything below is synchronous on the actor, so the batch lands whole.
        var d = directory
        for t in batch.taxonomies { d.taxonomies[t.id] = t }
        for t in batch.terms { d.terms[t.id] = t }
        for o in batch.organizations { d.organizations[o.id] = o }
        for l in batch.locations { d.locations[l.id] = l }
        for (key, p) in batch.provenance where !key.hasPrefix("service:") {
            // Like the SQL stores: source and source id only, for records other than services.
            d.provenance[key] = RecordProvenance(source: p.source, sourceID: p.sourceID ?? d.provenance[key]?.sourceID)
        }
        var spine: [Service] = []
        for s in batch.services.map(\.stored) {
            let old = d.services[s.id]
            let change = DirectoryChange(previous: old?.listing.service, next: s)
            let key = "service:\(s.id)"
            if let given = batch.provenance[key] {
                var p = given
                if let stored = d.provenance[key] {
                    p.sourceID = p.sourceID ?? stored.sourceID
                    p.sourceDocument = p.sourceDocument ?? stored.sourceDocument
                    p.sourceModified = p.sourceModified ?? stored.sourceModified
                }
                d.provenance[key] = p
            }
            let conflicts = batch.provenance[key]?.conflicts ?? old?.listing.conflicts ?? []
            let state = change.reviewState(previous: old?.listing.reviewState, verified: verified, conflicts: conflicts)
            let listing = DirectoryListing(service: s, lastVerifiedAt: verified && conflicts.isEmpty ? at : old?.listing.lastVerifiedAt, reviewState: state,
                                           capacity: old?.listing.capacity, conflicts: conflicts)
            let rid = old?.rid ?? { d.lastRID += 1; return d.lastRID }()
            d.services[s.id] = MemoryDirectory.Entry(listing: listing, facts: ServiceFacts(s), rid: rid)
            if old?.listing.service.status != s.status { d.history.append(ServiceStatusChange(serviceID: s.id, status: s.status, at: at, note: batch.statusNotes[s.id])) }
            if let org = s.organizationID {
                let category = s.taxonomyTermIDs.first.flatMap { d.terms[$0]?.name } ?? ""
                spine.append(Service(listing: s, organisationID: OrganisationID(org), category: category))
            }
        }
        var newOrganisations: [Organisation] = []
        for o in batch.organizations where try await organisation(id: OrganisationID(o.id)) == nil {
            newOrganisations.append(Organisation(listing: o))
        }
        for s in spine where try await organisation(id: s.organisationID) == nil && !newOrganisations.contains(where: { $0.id == s.organisationID }) {
            guard let o = d.organizations[s.organisationID.rawValue] else { throw LinkwellError.invalid([.apiOnly("organization_id", "Organisation \(s.organisationID) is not in the directory.")]) }
            newOrganisations.append(Organisation(listing: o))
        }
        directory = d
        for o in newOrganisations { try await createOrganisation(o) }
        for s in spine { try await createService(s) }
    }

    public func listing(id: String) async throws -> DirectoryListing? { directory.services[id]?.listing }

    public func directoryRecords(_ kind: HSDSKind, ids: [String]) async throws -> [String: StoredDirectoryRecord] {
        var out: [String: StoredDirectoryRecord] = [:]
        for id in Set(ids) {
            let document: JSONValue?
            switch kind {
            case .taxonomy: document = try directory.taxonomies[id]?.document()
            case .taxonomyTerm: document = try directory.terms[id]?.document()
            case .organization: document = try directory.organizations[id]?.document()
            case .location: document = try directory.locations[id]?.document()
            case .service: document = try directory.services[id]?.listing.service.document()
            case .serviceAtLocation: document = nil
            }
            guard let document else { continue }
            var provenance = directory.provenance["\(kind.rawValue):\(id)"]
            if kind == .service, provenance != nil { provenance?.conflicts = directory.services[id]?.listing.conflicts ?? [] }
            out[id] = StoredDirectoryRecord(document: document, provenance: provenance)
        }
        return out
    }

    public func saveFeed(_ feed: RegisteredFeed) async throws { directory.feeds[feed.id] = feed }
    public func registeredFeeds() async throws -> [RegisteredFeed] { directory.feeds.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }

    public func serviceStatuses(source: String) async throws -> [String: HSDSServiceStatus] {
        var out: [String: HSDSServiceStatus] = [:]
        for (id, entry) in directory.services where directory.provenance["service:\(id)"]?.source == source { out[id] = entry.listing.service.status }
        return out
    }

    public func hsdsLocations(ids: [String]) async throws -> [HSDSLocation] {
        Set(ids).compactMap { directory.locations[$0] }.sorted { ($0.name ?? "", $0.id) < ($1.name ?? "", $1.id) }
    }
    public func hsdsOrganization(id: String) async throws -> HSDSOrganization? { directory.organizations[id] }

    public func hsdsOrganizations(ids: [String]) async throws -> [HSDSOrganization] {
        Set(ids).compactMap { directory.organizations[$0] }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public func hsdsOrganizations(words: [String], page: Int, perPage: Int) async throws -> (items: [HSDSOrganization], total: Int) {
        let wanted = Set(words)
        let all = directory.organizations.values.filter { wanted.isSubset(of: $0.searchWords) }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        return (Array(all.dropFirst((page - 1) * perPage).prefix(perPage)), all.count)
    }

    public func taxonomies() async throws -> [HSDSTaxonomy] { directory.taxonomies.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) } }

    public func taxonomyTerms(ids: [String]?) async throws -> [HSDSTaxonomyTerm] {
        let terms = ids.map { $0.compactMap { directory.terms[$0] } } ?? Array(directory.terms.values)
        return terms.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public func searchDirectory(_ q: DirectoryQuery) async throws -> DirectoryResults {
        struct Scored { var entry: MemoryDirectory.Entry; var score: Int; var distance: Double? }
        var found: [Scored] = []
        for entry in directory.services.values {
            let s = entry.listing.service, f = entry.facts
            if let statuses = q.statuses, !statuses.contains(s.status) { continue }
            if let org = q.organizationID, s.organizationID != org { continue }
            if let after = q.modifiedAfter, !(s.lastModified.map { $0 > after } ?? false) { continue }
            if !q.taxonomyTermIDs.isEmpty, !f.termIDs.contains(where: q.taxonomyTermIDs.contains) { continue }
            if !q.termGroups.allSatisfy({ group in f.termIDs.contains(where: group.contains) }) { continue }
            if let lo = q.minimumAge, !(f.minimumAge.map { $0 >= lo } ?? false) { continue }
            if let hi = q.maximumAge, !(f.maximumAge.map { $0 <= hi } ?? false) { continue }
            if let sf = q.schedule, !f.openings.contains(where: sf.matches) { continue }
            if q.freeOnly, !f.free { continue }
            if q.accessibleOnly, !f.accessible { continue }
            if let l = q.language, !f.languages.contains(l) { continue }
            if let age = q.age.map(Double.init), (f.minimumAge.map { $0 > age } ?? false) || (f.maximumAge.map { $0 < age } ?? false) { continue }
            if q.capacityNow, !(entry.listing.capacity?.hasCapacityNow ?? false) { continue }
            if let t = q.openAt, !f.openings.contains(where: { $0.contains(t) }) { continue }
            var score = 0
            if !q.words.isEmpty {
                let words = f.wordSet
                guard q.words.allSatisfy(words.contains) else { continue }
                score = SearchIndex.score(f, words: q.words)
            }
            var distance: Double?
            if let near = q.near {
                guard let d = f.points.map({ near.kilometres(to: $0) }).min() else { if q.radiusKm != nil { continue } else { found.append(Scored(entry: entry, score: score, distance: nil)); continue } }
                if let r = q.radiusKm, d > r { continue }
                distance = d
            }
            found.append(Scored(entry: entry, score: score, distance: distance))
        }
        found.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.distance != b.distance { return (a.distance ?? .infinity) < (b.distance ?? .infinity) }
            if q.words.isEmpty && a.entry.listing.service.name != b.entry.listing.service.name {
                return a.entry.listing.service.name < b.entry.listing.service.name
            }
            return a.entry.rid < b.entry.rid
        }
        let page = found.dropFirst(q.offset).prefix(q.perPage).map { DirectoryHit(listing: $0.entry.listing, distanceKm: $0.distance) }
        return DirectoryResults(hits: Array(page), total: found.count)
    }

    public func searchServiceAtLocations(_ q: DirectoryQuery) async throws -> ServiceAtLocationResults {
        var all = q
        (all.page, all.perPage) = (1, Int.max / 2)
        let found = try await searchDirectory(all).hits.flatMap { hit in (hit.listing.service.serviceAtLocations ?? []).map { ServiceAtLocationHit(id: $0.id, hit: hit) } }
        return ServiceAtLocationResults(hits: Array(found.dropFirst(q.offset).prefix(q.perPage)), total: found.count)
    }

    public func serviceID(serviceAtLocationID id: String) async throws -> String? {
        directory.services.values.filter { ($0.listing.service.serviceAtLocations ?? []).contains { $0.id == id } }.map(\.listing.service.id).min()
    }

    public func statusHistory(serviceID: String) async throws -> [ServiceStatusChange] { directory.history.filter { $0.serviceID == serviceID } }

    public func updateCare(serviceID: String, lastVerifiedAt: Date?, reviewState: ReviewState, capacity: ServiceCapacity?) async throws {
        guard var entry = directory.services[serviceID] else { throw LinkwellError.notFound("service") }
        entry.listing.lastVerifiedAt = lastVerifiedAt
        entry.listing.reviewState = reviewState
        entry.listing.capacity = capacity
        if reviewState == .approved { entry.listing.conflicts = [] }
        directory.services[serviceID] = entry
    }

    public func reviewQueue(staleBefore: Date) async throws -> [ReviewItem] {
        directory.services.values.map(\.listing).compactMap { l in
            let stale = l.lastVerifiedAt.map { $0 < staleBefore } ?? true
            guard stale || l.reviewState != .approved else { return nil }
            return ReviewItem(serviceID: l.service.id, name: l.service.name, organizationID: l.service.organizationID,
                              reviewState: l.reviewState, lastVerifiedAt: l.lastVerifiedAt, stale: stale, conflicts: l.conflicts)
        }.sorted { ($0.name, $0.serviceID) < ($1.name, $1.serviceID) }
    }

    public func savePostcodes(_ points: [PostcodePoint]) async throws { for p in points { directory.postcodes[p.postcode] = p.point } }
    public func postcodePoint(_ postcode: String) async throws -> GeoPoint? { directory.postcodes[postcode] }
    public func addFeedback(_ feedback: ServiceFeedback) async throws { directory.feedback.append(feedback) }
    public func feedback(serviceID: String) async throws -> [ServiceFeedback] {
        directory.feedback.filter { $0.serviceID == serviceID }.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
    }
    public func saveGovernance(_ check: GovernanceCheck) async throws { directory.governance[check.organizationID] = check }
    public func governance(organizationID: String) async throws -> GovernanceCheck? { directory.governance[organizationID] }
    public func governance(organizationIDs: [String]) async throws -> [GovernanceCheck] { organizationIDs.compactMap { directory.governance[$0] } }
    public func governanceChecks() async throws -> [GovernanceCheck] { directory.governance.values.sorted { $0.organizationID < $1.organizationID } }
}
