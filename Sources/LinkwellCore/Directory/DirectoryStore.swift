import Foundation

/// The community directory on the Open Referral HSDS model, with the scheme's own facts about each listing.
///
/// Every implementation must guarantee:
/// - `saveDirectory` is atomic: every record of the batch is inserted or replaced by id, or nothing is.
///   For each service it also replaces the search facts (`ServiceFacts`) and the spine `Service` the
///   casework refers to (organisation = the HSDS organisation, category = the first term's name), and
///   appends a status change when the status differs from the stored one (or the service is new).
///   `verified: true` marks each service approved and verified at `at`; otherwise a new service is
///   `pendingNew` and a changed one `pendingChange` (an unchanged one keeps its state).
/// - `searchDirectory` applies every filter of the query, counts all matches in `total`, and returns
///   the requested page ranked by text relevance (`SearchIndex.score`), then distance, then — for a
///   search without words — name, and last the order services were first stored in. Words match whole
///   index words (`ServiceFacts.tokens`: no stemming, accents ignored).
/// - Link-worker feedback and governance checks are never part of a `DirectoryListing`'s public service.
/// - Each record keeps its `extra` (the HSDS fields Linkwell does not model) and, when the batch gives
///   one, its `RecordProvenance`; a record saved without provenance keeps the stored one.
/// - A service's `last_modified` is stored as given (the importer gives Linkwell's own time of the
///   last change; the source's timestamp is `RecordProvenance.sourceModified`).
/// - A service saved with conflicts in its provenance goes to the review queue (`pendingChange`) even
///   when `verified`; marking it `approved` with `updateCare` clears them.
public protocol CommunityDirectoryStore: Sendable {
    func saveDirectory(_ batch: DirectoryBatch, at: Date, verified: Bool) async throws
    /// The stored records of a kind with these ids (as full HSDS JSON, with provenance), by id; unknown ids are left out.
    func directoryRecords(_ kind: HSDSKind, ids: [String]) async throws -> [String: StoredDirectoryRecord]
    /// Every stored service that came from `source`, with its status.
    func serviceStatuses(source: String) async throws -> [String: HSDSServiceStatus]
    /// Locations stored in their own right with these ids (unknown ids are skipped), by name then id.
    func hsdsLocations(ids: [String]) async throws -> [HSDSLocation]
    /// Inserts or replaces a registered feed (by id).
    func saveFeed(_ feed: RegisteredFeed) async throws
    /// Every registered feed, oldest first.
    func registeredFeeds() async throws -> [RegisteredFeed]
    func listing(id: String) async throws -> DirectoryListing?
    func hsdsOrganization(id: String) async throws -> HSDSOrganization?
    /// The organisations with these ids (unknown ids are skipped), sorted by name then id.
    func hsdsOrganizations(ids: [String]) async throws -> [HSDSOrganization]
    /// Organisations whose `searchWords` include every one of `words` (all of them when `words` is empty),
    /// sorted by name then id: one page, and how many there are in all.
    func hsdsOrganizations(words: [String], page: Int, perPage: Int) async throws -> (items: [HSDSOrganization], total: Int)
    /// Taxonomies sorted by name then id.
    func taxonomies() async throws -> [HSDSTaxonomy]
    /// Terms sorted by name then id: all of them, or those with the given ids.
    func taxonomyTerms(ids: [String]?) async throws -> [HSDSTaxonomyTerm]
    func searchDirectory(_ query: DirectoryQuery) async throws -> DirectoryResults
    /// The same page and total as `searchDirectory`, each service as `service.document()`. A store
    /// that keeps each record as the JSON `HSDSJSON.encoder` wrote can answer from it without decoding
    /// and encoding each record again (the default goes through the typed records).
    func searchDirectoryDocuments(_ query: DirectoryQuery) async throws -> DirectoryDocumentResults
    /// The service-at-locations of the services `query` matches (every filter but paging applies to
    /// the service), in the services' search order and then each service's own order: one page and the total.
    func searchServiceAtLocations(_ query: DirectoryQuery) async throws -> ServiceAtLocationResults
    /// The service a service-at-location belongs to (the first by id if a feed gave two the same id).
    func serviceID(serviceAtLocationID id: String) async throws -> String?
    /// Oldest first.
    func statusHistory(serviceID: String) async throws -> [ServiceStatusChange]
    /// Sets the scheme's own facts about a listing. Throws `LinkwellError.notFound` for an unknown service.
    func updateCare(serviceID: String, lastVerifiedAt: Date?, reviewState: ReviewState, capacity: ServiceCapacity?) async throws
    /// Listings awaiting review, and those verified before `staleBefore` (or never); by name then id.
    func reviewQueue(staleBefore: Date) async throws -> [ReviewItem]
    /// Inserts or replaces postcode coordinates (postcodes in `Postcode.normalise` form).
    func savePostcodes(_ points: [PostcodePoint]) async throws
    func postcodePoint(_ postcode: String) async throws -> GeoPoint?
    func addFeedback(_ feedback: ServiceFeedback) async throws
    /// Newest first.
    func feedback(serviceID: String) async throws -> [ServiceFeedback]
    /// Inserts or replaces the organisation's governance check.
    func saveGovernance(_ check: GovernanceCheck) async throws
    func governance(organizationID: String) async throws -> GovernanceCheck?
    /// The governance checks of these organisations, in one read (those with none recorded are left out).
    func governance(organizationIDs: [String]) async throws -> [GovernanceCheck]
    /// Every organisation's governance check, by organisation id.
    func governanceChecks() async throws -> [GovernanceCheck]
}

extension CommunityDirectoryStore {
    public func searchDirectoryDocuments(_ query: DirectoryQuery) async throws -> DirectoryDocumentResults {
        let results = try await searchDirectory(query)
        return DirectoryDocumentResults(documents: try results.hits.map { try $0.listing.service.document() }, total: results.total)
    }
}

extension Service {
    /// The spine's view of an HSDS service: what referral out and the provider inbox need.
    public init(listing s: HSDSService, organisationID: OrganisationID, category: String) {
        let area = s.serviceAreas?.first?.name ?? s.locations.first?.addresses?.first?.city ?? s.locations.first?.name ?? ""
        self.init(id: ServiceID(s.id), organisationID: organisationID, name: s.name, description: s.description ?? "",
                  category: category, area: area, active: s.status == .active)
    }
}

extension Organisation {
    /// A community organisation as the spine knows it.
    public init(listing o: HSDSOrganization) {
        self.init(id: OrganisationID(o.id), name: o.name, kind: .vcse)
    }
}
