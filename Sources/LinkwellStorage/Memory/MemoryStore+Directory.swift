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
    var taxonomies: [String: HSDSTaxonomy] = [:]
    var terms: [String: HSDSTaxonomyTerm] = [:]
    var history: [ServiceStatusChange] = []
    var postcodes: [String: GeoPoint] = [:]
    var feedback: [ServiceFeedback] = []
    var governance: [String: GovernanceCheck] = [:]
}

extension MemoryStore {
    public func saveDirectory(_ batch: DirectoryBatch, at: Date, verified: Bool) async throws {
        // Everything below is synchronous on the actor, so the batch lands whole.
        var d = directory
        for t in batch.taxonomies { d.taxonomies[t.id] = t }
        for t in batch.terms { d.terms[t.id] = t }
        for o in batch.organizations { d.organizations[o.id] = o }
        var spine: [Service] = []
        for s in batch.services.map(\.stored) {
            let old = d.services[s.id]
            let state: ReviewState = verified ? .approved : old == nil ? .pendingNew : old!.listing.service == s ? old!.listing.reviewState : .pendingChange
            let listing = DirectoryListing(service: s, lastVerifiedAt: verified ? at : old?.listing.lastVerifiedAt, reviewState: state,
                                           capacity: old?.listing.capacity)
            let rid = old?.rid ?? { d.lastRID += 1; return d.lastRID }()
            d.services[s.id] = MemoryDirectory.Entry(listing: listing, facts: ServiceFacts(s), rid: rid)
            if old?.listing.service.status != s.status { d.history.append(ServiceStatusChange(serviceID: s.id, status: s.status, at: at)) }
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
            guard let o = d.organizations[s.organisationID.rawValue] else { throw LinkwellError.invalid("organization_id", "Organisation \(s.organisationID) is not in the directory.") }
            newOrganisations.append(Organisation(listing: o))
        }
        directory = d
        for o in newOrganisations { try await createOrganisation(o) }
        for s in spine { try await createService(s) }
    }

    public func listing(id: String) async throws -> DirectoryListing? { directory.services[id]?.listing }
    public func hsdsOrganization(id: String) async throws -> HSDSOrganization? { directory.organizations[id] }

    public func hsdsOrganizations(ids: [String]) async throws -> [HSDSOrganization] {
        Set(ids).compactMap { directory.organizations[$0] }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public func hsdsOrganizations(page: Int, perPage: Int) async throws -> (items: [HSDSOrganization], total: Int) {
        let all = directory.organizations.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
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

    public func statusHistory(serviceID: String) async throws -> [ServiceStatusChange] { directory.history.filter { $0.serviceID == serviceID } }

    public func updateCare(serviceID: String, lastVerifiedAt: Date?, reviewState: ReviewState, capacity: ServiceCapacity?) async throws {
        guard var entry = directory.services[serviceID] else { throw LinkwellError.notFound("service") }
        entry.listing.lastVerifiedAt = lastVerifiedAt
        entry.listing.reviewState = reviewState
        entry.listing.capacity = capacity
        directory.services[serviceID] = entry
    }

    public func reviewQueue(staleBefore: Date) async throws -> [ReviewItem] {
        directory.services.values.map(\.listing).compactMap { l in
            let stale = l.lastVerifiedAt.map { $0 < staleBefore } ?? true
            guard stale || l.reviewState != .approved else { return nil }
            return ReviewItem(serviceID: l.service.id, name: l.service.name, organizationID: l.service.organizationID,
                              reviewState: l.reviewState, lastVerifiedAt: l.lastVerifiedAt, stale: stale)
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
}
