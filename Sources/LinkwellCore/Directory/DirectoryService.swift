import Foundation

/// A service page's content for one viewer (private parts already left out when not allowed).
public struct DirectoryServiceView: Sendable {
    public var listing: DirectoryListing
    public var organisation: HSDSOrganization?
    public var terms: [HSDSTaxonomyTerm]
    public var history: [ServiceStatusChange]
    /// Empty unless the viewer may see link workers' private feedback.
    public var feedback: [ServiceFeedback]
    public var governance: GovernanceCheck?
}

/// One reason a search hit matched, as codes and values: the web pages word it in the reader's language.
public enum MatchReason: Sendable, Equatable {
    /// Words searched for that are in the service's name.
    case wordsInName([String])
    /// Words searched for that are in its description, categories or elsewhere (none in the name).
    case mentions([String])
    /// The names of the categories searched for that it has.
    case categories([String])
    /// How far away it is, in kilometres.
    case distance(km: Double)
    /// Open at the time asked for: the opening it has then (weekday 1 = Monday; minutes after midnight).
    case openAt(weekday: Int, opens: Int, closes: Int)
    case free
    /// Works in the language asked for (its code, as searched).
    case language(String)
    /// How it is accessible, in the listing's own words.
    case accessibility(String)
    /// Open to the age asked for.
    case age(Int)
    case placesFree(Int)
    case waitingListWeeks(Int)
    case temporarilyClosed
}

/// A search hit with the reasons it matched, for a link worker.
public struct MatchedService: Sendable, Equatable {
    public var hit: DirectoryHit
    /// Why it matched, in order; empty when nothing but being in the directory.
    public var reasons: [MatchReason]
    public init(hit: DirectoryHit, reasons: [MatchReason]) { (self.hit, self.reasons) = (hit, reasons) }
}

/// The directory's use cases: import, search and match, listing care. No I/O of its own.
public struct DirectoryService: Sendable {
    /// The storage roles the directory needs: its records, and the import jobs.
    public typealias Storage = CommunityDirectoryStore & ImportJobStore & StaffListStore & BoundedListStore
    let store: any Storage
    public let env: CoreEnvironment
    public init(store: any Storage, env: CoreEnvironment) { (self.store, self.env) = (store, env) }

    // MARK: Find and match

    /// Runs a search from raw parameters: validates them, turns a postcode into a point (a postcode not
    /// in the lookup is a clear 4xx), and refuses a page past the end.
    public func search(_ input: DirectorySearchInput, forLinkWorker: Bool) async throws -> (DirectoryQuery, DirectoryResults, notice: String?) {
        var (query, postcode) = try input.query(linkWorkerDefaults: forLinkWorker)
        var notice: String?
        if let postcode {
            if let point = try await store.postcodePoint(postcode) { query.near = point }
            else if forLinkWorker {
                // A link worker still gets results: without distance, and told why.
                // (Loading the full ONS Postcode Directory is the administrator's job, told in the README, not here.)
                notice = "\(postcode) is not in the postcode lookup, so these results are not limited to or sorted by distance."
                query.radiusKm = nil
            } else {
                throw LinkwellError.invalid([FieldError("postcode", .postcodeNotInLookup, ["postcode": postcode])])
            }
        }
        if query.near != nil && query.radiusKm == nil && forLinkWorker { query.radiusKm = 10 }
        let results = try await store.searchDirectory(query)
        if results.hits.isEmpty && query.page > 1 && query.offset >= results.total {
            let pages = String(HSDSPage(total: results.total, page: 1, perPage: query.perPage, size: 0).totalPages)
            throw LinkwellError.invalid("page", results.total == 1 ? .pastTheEndOneResult : .pastTheEnd,
                                        ["page": String(query.page), "count": String(results.total), "pages": pages])
        }
        return (query, results, notice)
    }

    /// Why a hit matched, as reasons a page words for a link worker.
    public static func reasons(_ hit: DirectoryHit, _ query: DirectoryQuery, termNames: [String: String]) -> [MatchReason] {
        let s = hit.listing.service
        let facts = ServiceFacts(s)
        var reasons: [MatchReason] = []
        if !query.words.isEmpty {
            let name = Set(ServiceFacts.words(s.name))
            let inName = query.words.filter(name.contains)
            reasons.append(inName.isEmpty ? .mentions(query.words) : .wordsInName(inName))
        }
        let matchedTerms = query.taxonomyTermIDs.filter(facts.termIDs.contains).compactMap { termNames[$0] }
        if !matchedTerms.isEmpty { reasons.append(.categories(matchedTerms)) }
        if let d = hit.distanceKm { reasons.append(.distance(km: d)) }
        if let t = query.openAt, let o = facts.openings.first(where: { $0.contains(t) }) {
            reasons.append(.openAt(weekday: o.weekday, opens: o.opens, closes: o.closes))
        }
        if query.freeOnly { reasons.append(.free) }
        if let l = query.language { reasons.append(.language(l)) }
        if query.accessibleOnly, let a = s.locations.compactMap({ $0.accessibility?.first?.description }).first { reasons.append(.accessibility(a)) }
        if let age = query.age { reasons.append(.age(age)) }
        if let c = hit.listing.capacity {
            if c.hasCapacityNow, let places = c.availablePlaces { reasons.append(.placesFree(places)) }
            else if let w = c.waitingListWeeks { reasons.append(.waitingListWeeks(w)) }
        }
        if s.status == .temporarilyClosed { reasons.append(.temporarilyClosed) }
        return reasons
    }

    /// Search for a link worker: results with their reasons.
    public func match(_ input: DirectorySearchInput, by p: Principal) async throws -> (DirectoryQuery, DirectoryResults, [MatchedService], notice: String?) {
        guard DirectoryPolicy.canSearch(p) else { throw LinkwellError.forbidden("Only link workers, supervisors and the admin search the directory.") }
        let (query, results, notice) = try await search(input, forLinkWorker: true)
        let termIDs = Array(Set(results.hits.flatMap { $0.listing.service.taxonomyTermIDs } + query.taxonomyTermIDs))
        let names = Dictionary(try await store.taxonomyTerms(ids: termIDs).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return (query, results, results.hits.map { MatchedService(hit: $0, reasons: Self.reasons($0, query, termNames: names)) }, notice)
    }

    // MARK: Listing care

    /// A provider edits their own organisation's listing (or the admin any): validated, saved, and
    /// queued for review unless the admin saved it.
    public func saveListing(_ service: HSDSService, by p: Principal) async throws {
        guard DirectoryPolicy.canEdit(organizationID: service.organizationID, p) else {
            throw LinkwellError.forbidden("Providers may edit only their own organisation's listings.")
        }
        if let existing = try await store.listing(id: service.id), existing.service.organizationID != service.organizationID, p.role != .admin {
            throw LinkwellError.forbidden("Providers may edit only their own organisation's listings.")
        }
        var s = service
        s.lastModified = env.now()
        var orgs = Set<String>()
        if let org = s.organizationID, try await store.hsdsOrganization(id: org) != nil { orgs.insert(org) }
        let terms = Set(try await store.taxonomyTerms(ids: s.taxonomyTermIDs).map(\.id))
        let problems = DirectoryRules.problems(service: s, knownOrganizations: orgs, knownTerms: terms)
        if !problems.isEmpty { throw LinkwellError.invalid(problems) }
        try await store.saveDirectory(DirectoryBatch(services: [s]), at: env.now(), verified: p.role == .admin)
        // A provider's own edit always goes to the admin's review queue, even when only its capacity
        // changes (an import that changes nothing leaves the state alone; a person saving a form does not).
        if p.role != .admin, let saved = try await store.listing(id: s.id), saved.reviewState == .approved {
            try await store.updateCare(serviceID: s.id, lastVerifiedAt: saved.lastVerifiedAt, reviewState: .pendingChange, capacity: saved.capacity)
        }
    }

    /// The admin confirms a listing is right: approved and verified now.
    public func verify(serviceID: String, by p: Principal) async throws {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin reviews listings.") }
        guard let listing = try await store.listing(id: serviceID) else { throw LinkwellError.notFound("service") }
        try await store.updateCare(serviceID: serviceID, lastVerifiedAt: env.now(), reviewState: .approved, capacity: listing.capacity)
    }

    /// The provider (or admin) says how many places are free and how long the waiting list is.
    public func updateCapacity(serviceID: String, availablePlaces: Int?, waitingListWeeks: Int?, by p: Principal) async throws {
        guard let listing = try await store.listing(id: serviceID) else { throw LinkwellError.notFound("service") }
        guard DirectoryPolicy.canEdit(organizationID: listing.service.organizationID, p) else { throw LinkwellError.forbidden("Not your organisation's listing.") }
        var v = Validator()
        if let n = availablePlaces, !(0...10_000).contains(n) { v.add("availablePlaces", .placesOutOfRange) }
        if let w = waitingListWeeks, !(0...520).contains(w) { v.add("waitingListWeeks", .waitingListOutOfRange) }
        try v.check()
        try await store.updateCare(serviceID: serviceID, lastVerifiedAt: listing.lastVerifiedAt, reviewState: listing.reviewState,
                                   capacity: ServiceCapacity(availablePlaces: availablePlaces, waitingListWeeks: waitingListWeeks, updatedAt: env.now()))
    }

    /// A link worker's private note on how the service worked for people they sent.
    public func addFeedback(serviceID: String, rating: Int?, text: String?, by p: Principal) async throws -> ServiceFeedback {
        guard DirectoryPolicy.canSeePrivateNotes(p) else { throw LinkwellError.forbidden("Only link workers give feedback on services.") }
        guard try await store.listing(id: serviceID) != nil else { throw LinkwellError.notFound("service") }
        var v = Validator()
        if rating == nil || !(1...5).contains(rating!) { v.add("rating", .ratingOutOfRange) }
        let body = v.required(text, "text", label: .theFeedback, max: 2000)
        try v.check()
        let feedback = ServiceFeedback(id: env.newID(), serviceID: serviceID, authorID: p.userID, at: env.now(), rating: rating!, text: body)
        try await store.addFeedback(feedback)
        return feedback
    }

    // MARK: Reading the private side (each access rule decided here, not in a controller)

    /// A service as a signed-in viewer sees it: link workers, supervisors and the admin any service;
    /// a provider only their own organisation's (anything else is "not found", so its existence is
    /// not given away). Link workers' feedback only for those allowed private notes.
    public func serviceView(id: String, by p: Principal) async throws -> DirectoryServiceView {
        guard [.linkWorker, .supervisor, .admin, .provider].contains(p.role) else { throw LinkwellError.forbidden("Only scheme staff and providers see listings here.") }
        guard let listing = try await store.listing(id: id) else { throw LinkwellError.notFound("service") }
        if p.role == .provider && !DirectoryPolicy.canEdit(organizationID: listing.service.organizationID, p) { throw LinkwellError.notFound("service") }
        let org = try await listing.service.organizationID.asyncFlatMap { try await store.hsdsOrganization(id: $0) }
        return DirectoryServiceView(
            listing: listing, organisation: org, terms: try await store.taxonomyTerms(ids: listing.service.taxonomyTermIDs),
            history: try await store.statusHistory(serviceID: id),
            feedback: DirectoryPolicy.canSeePrivateNotes(p) ? try await store.feedback(serviceID: id) : [],
            governance: try await org.asyncFlatMap { try await store.governance(organizationID: $0.id) })
    }

    /// A listing the viewer may edit (a provider's own organisation's, or any for the admin); any
    /// other is "not found".
    public func editableListing(id: String, by p: Principal) async throws -> DirectoryListing {
        guard let listing = try await store.listing(id: id), DirectoryPolicy.canEdit(organizationID: listing.service.organizationID, p) else {
            throw LinkwellError.notFound("service")
        }
        return listing
    }

    /// A numbered page of the provider's own listings, in the directory's order, counted and cut in the store (a
    /// page past the end is the last page).
    public func providerListings(page: PageNumber, by p: Principal) async throws -> CountedPage<DirectoryListing> {
        guard p.role == .provider, let org = p.organisationID else { throw LinkwellError.forbidden("Only providers have listings of their own.") }
        var q = DirectoryQuery()
        q.organizationID = org.rawValue
        q.perPage = page.size
        q.page = page.number
        var found = try await store.searchDirectory(q)
        let shown = page.clamped(total: found.total)
        if shown != page {
            q.page = shown.number
            found = try await store.searchDirectory(q)
        }
        return CountedPage(rows: found.hits.map(\.listing), total: found.total, page: shown)
    }

    /// The admin's review queue (new, changed and stale listings) as a numbered page in name order, counted and cut
    /// in the store, with each organisation's name.
    public func reviewQueue(freshnessMonths: Int, page: PageNumber, by p: Principal) async throws
        -> (items: CountedPage<ReviewItem>, organisations: [String: String]) {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin reviews listings.") }
        let items = try await store.reviewQueue(staleBefore: FreshnessRule(months: freshnessMonths).cutoff(now: env.now()), page: page)
        return (items, try await organisationNames(Set(items.rows.compactMap(\.organizationID))))
    }

    /// The names of organisations, by id (public directory data).
    public func organisationNames(_ ids: Set<String>) async throws -> [String: String] {
        Dictionary(try await store.hsdsOrganizations(ids: Array(ids)).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every taxonomy term (public directory data), for search forms.
    public func allTerms() async throws -> [HSDSTaxonomyTerm] { try await store.taxonomyTerms(ids: nil) }

    /// The admin records the governance checks on the organisation that runs a service.
    public func recordGovernance(serviceID: String, constituted: Bool, safeguardingPolicy: Bool, insurance: Bool,
                                 dbsForHomeVisits: Bool, expiries: GovernanceExpiries = .init(), by p: Principal) async throws -> GovernanceCheck {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin records governance checks.") }
        guard let org = try await store.listing(id: serviceID)?.service.organizationID else { throw LinkwellError.notFound("service") }
        return try await recordGovernance(organizationID: org, constituted: constituted, safeguardingPolicy: safeguardingPolicy,
                                          insurance: insurance, dbsForHomeVisits: dbsForHomeVisits, expiries: expiries, by: p)
    }

    /// The admin records the governance checks on an organisation.
    public func recordGovernance(organizationID: String, constituted: Bool, safeguardingPolicy: Bool, insurance: Bool,
                                 dbsForHomeVisits: Bool, expiries: GovernanceExpiries = .init(), by p: Principal) async throws -> GovernanceCheck {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin records governance checks.") }
        let dates = try expiries.validated(safeguardingPolicy: safeguardingPolicy, insurance: insurance, dbs: dbsForHomeVisits)
        guard try await store.hsdsOrganization(id: organizationID) != nil else { throw LinkwellError.notFound("organization") }
        let check = GovernanceCheck(organizationID: organizationID, constituted: constituted, safeguardingPolicy: safeguardingPolicy,
                                    insurance: insurance, dbsForHomeVisits: dbsForHomeVisits, checkedBy: p.userID, checkedAt: env.now(),
                                    safeguardingPolicyExpires: dates.0, insuranceExpires: dates.1, dbsExpires: dates.2)
        try await store.saveGovernance(check)
        return check
    }
}

extension Optional {
    /// `flatMap` with an async transform.
    public func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
