import Foundation

/// The Open Referral UK read API: each endpoint's parameters (anything else is refused, never
/// silently ignored) and its answer as HSDS JSON.
public enum ORUKEndpoint: String, Sendable, CaseIterable {
    case about, services, service, serviceAtLocations, serviceAtLocation, organizations, organization
    case taxonomies, taxonomy, taxonomyTerms, taxonomyTerm

    static let searchFilters: Set<String> = ["search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id", "organization_id",
                                             "modified_after", "full", "minimum_age", "maximum_age", "start_time", "end_time", "day",
                                             "postcode", "proximity", "lat", "long"]

    /// The query parameters the endpoint takes (HSDS 3.0 and the UK profile; `lat`, `long`, `open_day`
    /// and `open_time` are Linkwell's).
    public var parameters: Set<String> {
        switch self {
        case .services: Self.searchFilters.union(["minimal", "open_day", "open_time"])
        case .serviceAtLocations: Self.searchFilters
        case .organizations: ["search", "full_service", "full", "page", "per_page", "format"]
        case .organization: ["full_service"]
        case .taxonomies: ["search", "page", "per_page", "format"]
        case .taxonomyTerms: ["search", "page", "per_page", "format", "taxonomy_id", "top_only", "parent_id"]
        case .about, .service, .serviceAtLocation, .taxonomy, .taxonomyTerm: []
        }
    }

    /// Checks the parameters: each known to the endpoint, given once, and `format` and the flags valid.
    public func check(_ query: [(String, String)]) throws(LinkwellError) -> [String: String] {
        var v = Validator()
        var values: [String: String] = [:]
        for (name, value) in query {
            if !parameters.contains(name) {
                v.addAPIOnly(name, parameters.isEmpty ? "This endpoint takes no parameters." : "\(name.prefix(40)) is not a parameter here; the parameters are \(parameters.sorted().joined(separator: ", ")).")
            } else if values[name] != nil { v.addAPIOnly(name, "Give \(name) once.") }
            else { values[name] = value }
        }
        if let f = values["format"], f.lowercased() != "json" { v.addAPIOnly("format", "Only format=json is supported.") }
        for flag in ["full", "minimal", "full_service", "top_only"] {
            if let f = values[flag], !["true", "false"].contains(f.lowercased()) { v.addAPIOnly(flag, "\(flag) must be true or false.") }
        }
        try v.check()
        return values
    }
}

/// A page of HSDS records with the paging fields beside `contents`.
public func orukPage(_ contents: [JSONValue], total: Int, page: Int, perPage: Int) throws -> JSONValue {
    guard case .object(var o) = try JSONValue(encoding: HSDSPage(total: total, page: page, perPage: perPage, size: contents.count)) else { return .null }
    o["contents"] = .array(contents)
    return .object(o)
}

extension DirectoryService {
    /// ORUK search parameters to Linkwell's search input (`proximity` is metres).
    public static func searchInput(_ p: [String: String]) -> DirectorySearchInput {
        var input = DirectorySearchInput()
        input.search = p["search"]
        input.page = p["page"]
        input.perPage = p["per_page"]
        input.taxonomyTermID = p["taxonomy_term_id"]
        input.organizationID = p["organization_id"]
        input.modifiedAfter = p["modified_after"]
        input.postcode = p["postcode"]
        input.latitude = p["lat"]
        input.longitude = p["long"]
        input.openDay = p["open_day"]
        input.openTime = p["open_time"]
        input.minimumAge = p["minimum_age"]
        input.maximumAge = p["maximum_age"]
        input.day = p["day"]
        input.startTime = p["start_time"]
        input.endTime = p["end_time"]
        if let metres = p["proximity"] { input.radiusKm = Double(metres).map { String($0 / 1000) } ?? metres }
        return input
    }

    /// The public search behind `/services` and `/service_at_locations`: `taxonomy_id` becomes the terms of that taxonomy.
    func orukQuery(_ p: [String: String]) async throws -> DirectoryQuery {
        var (query, postcode) = try Self.searchInput(p).query(linkWorkerDefaults: false)
        if let taxonomy = p["taxonomy_id"]?.trimmingCharacters(in: .whitespaces), !taxonomy.isEmpty {
            query.termGroups.append(try await store.taxonomyTerms(ids: nil).filter { $0.taxonomyID == taxonomy }.map(\.id))
        }
        if let postcode {
            guard let point = try await store.postcodePoint(postcode) else { throw LinkwellError.invalid([.apiOnly("postcode", "\(postcode) is not in the postcode lookup.")]) }
            query.near = point
        }
        return query
    }

    static func pastTheEnd(_ page: Int, total: Int, perPage: Int) -> LinkwellError {
        .invalid([.apiOnly("page", "Page \(page) is past the end: there \(total == 1 ? "is" : "are") \(total) record\(total == 1 ? "" : "s") in \(HSDSPage(total: total, page: 1, perPage: perPage, size: 0).totalPages) page(s).")])
    }

    /// `GET /services`.
    public func orukServices(_ p: [String: String]) async throws -> JSONValue {
        let query = try await orukQuery(p)
        let results = try await store.searchDirectoryDocuments(query)
        if results.documents.isEmpty && query.page > 1 { throw Self.pastTheEnd(query.page, total: results.total, perPage: query.perPage) }
        let contents: [JSONValue]
        if p["minimal"]?.lowercased() == "true" {
            contents = results.documents.map { d in .object(["id": d["id"] ?? .null, "last_modified": d["last_modified"] ?? .null]) }
        } else if p["full"]?.lowercased() == "true" {
            contents = try await serviceDocuments(documents: results.documents)
        } else {
            contents = try await serviceListItems(documents: results.documents)
        }
        return try orukPage(contents, total: results.total, page: query.page, perPage: query.perPage)
    }

    /// `GET /services/{id}`.
    public func orukService(id: String) async throws -> JSONValue {
        guard let listing = try await store.listing(id: id) else { throw LinkwellError.notFound("service \(id)") }
        return try await serviceDocuments([listing.service])[0]
    }

    /// `GET /service_at_locations`.
    public func orukServiceAtLocations(_ p: [String: String]) async throws -> JSONValue {
        let query = try await orukQuery(p)
        let results = try await store.searchServiceAtLocations(query)
        if results.hits.isEmpty && query.page > 1 { throw Self.pastTheEnd(query.page, total: results.total, perPage: query.perPage) }
        let contents = try await serviceAtLocationDocuments(results.hits, full: p["full"]?.lowercased() == "true")
        return try orukPage(contents, total: results.total, page: query.page, perPage: query.perPage)
    }

    /// `GET /service_at_locations/{id}`.
    public func orukServiceAtLocation(id: String) async throws -> JSONValue {
        guard let serviceID = try await store.serviceID(serviceAtLocationID: id), let listing = try await store.listing(id: serviceID) else {
            throw LinkwellError.notFound("service_at_location \(id)")
        }
        return try await serviceAtLocationDocuments([ServiceAtLocationHit(id: id, hit: DirectoryHit(listing: listing, distanceKm: nil))], full: true)[0]
    }

    /// Paging parameters alone (for the lists that are not searches).
    static func paging(_ p: [String: String]) throws -> (page: Int, perPage: Int) {
        var input = DirectorySearchInput()
        (input.page, input.perPage) = (p["page"], p["per_page"])
        let (q, _) = try input.query(linkWorkerDefaults: false)
        return (q.page, q.perPage)
    }

    static func paged(_ all: [JSONValue], _ p: [String: String]) throws -> JSONValue {
        let (page, perPage) = try paging(p)
        let items = Array(all.dropFirst((page - 1) * perPage).prefix(perPage))
        if items.isEmpty && page > 1 { throw pastTheEnd(page, total: all.count, perPage: perPage) }
        return try orukPage(items, total: all.count, page: page, perPage: perPage)
    }

    /// Every word of `search` (case and accents aside) is one of the texts' words.
    static func matches(_ search: String?, _ texts: [String?]) -> Bool {
        Set(ServiceFacts.words(search ?? "")).isSubset(of: ServiceFacts.wordSet(texts))
    }

    /// `GET /organizations`: `search` looks in names and descriptions (`HSDSOrganization.searchWords`), in the store.
    public func orukOrganizations(_ p: [String: String]) async throws -> JSONValue {
        let (page, perPage) = try Self.paging(p)
        let (items, total) = try await store.hsdsOrganizations(words: ServiceFacts.words(p["search"] ?? ""), page: page, perPage: perPage)
        if items.isEmpty && page > 1 { throw Self.pastTheEnd(page, total: total, perPage: perPage) }
        return try orukPage(try organisationItems(items, p), total: total, page: page, perPage: perPage)
    }

    // Synchronous on purpose: as an `async` function, Swift 6.3.1's release build crashed in LLVM's
    // coroutine splitting on this body (swifterror around a throwing closure).
    func organisationItems(_ orgs: [HSDSOrganization], _ p: [String: String]) throws -> [JSONValue] {
        let full = p["full"]?.lowercased() == "true" || p["full_service"]?.lowercased() == "true"
        var items: [JSONValue] = []
        items.reserveCapacity(orgs.count)
        for org in orgs {
            let document = try org.document()
            items.append(full ? document : Self.oneToOne(document))
        }
        return items
    }

    /// `GET /organizations/{id}`: with `full_service=true`, its services in full.
    public func orukOrganization(id: String, _ p: [String: String]) async throws -> JSONValue {
        guard let org = try await store.hsdsOrganization(id: id), case .object(var d) = try org.document() else { throw LinkwellError.notFound("organization \(id)") }
        var q = DirectoryQuery()
        q.organizationID = id
        let services = try await allServiceDocuments(q)
        if p["full_service"]?.lowercased() == "true" { d["services"] = .array(try await serviceDocuments(documents: services)) }
        else { d["services"] = .array(services.map(Self.oneToOne)) }
        return .object(d)
    }

    /// `GET /taxonomies`.
    public func orukTaxonomies(_ p: [String: String]) async throws -> JSONValue {
        let all = try await store.taxonomies().filter { Self.matches(p["search"], [$0.name, $0.description]) }
        return try Self.paged(try all.map { try $0.document() }, p)
    }

    /// `GET /taxonomies/{id}`.
    public func orukTaxonomy(id: String) async throws -> JSONValue {
        guard let t = try await store.taxonomies().first(where: { $0.id == id }) else { throw LinkwellError.notFound("taxonomy \(id)") }
        return try t.document()
    }

    /// `GET /taxonomy_terms`: `search` in names and descriptions, `taxonomy_id`, `parent_id`, `top_only`.
    public func orukTaxonomyTerms(_ p: [String: String]) async throws -> JSONValue {
        var terms = try await store.taxonomyTerms(ids: nil)
        if let t = p["taxonomy_id"], !t.isEmpty { terms = terms.filter { $0.taxonomyID == t } }
        if let parent = p["parent_id"], !parent.isEmpty { terms = terms.filter { $0.parentID == parent } }
        if p["top_only"]?.lowercased() == "true" { terms = terms.filter { ($0.parentID ?? "").isEmpty } }
        terms = terms.filter { Self.matches(p["search"], [$0.name, $0.description, $0.code]) }
        let taxonomies = Dictionary(try await store.taxonomies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return try Self.paged(try terms.map { try termDocument($0, taxonomies) }, p)
    }

    /// `GET /taxonomy_terms/{id}`.
    public func orukTaxonomyTerm(id: String) async throws -> JSONValue {
        guard let t = try await store.taxonomyTerms(ids: [id]).first else { throw LinkwellError.notFound("taxonomy term \(id)") }
        return try termDocument(t, Dictionary(try await store.taxonomies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    func termDocument(_ t: HSDSTaxonomyTerm, _ taxonomies: [String: HSDSTaxonomy]) throws -> JSONValue {
        guard case .object(var d) = try t.document() else { return try t.document() }
        if let tax = t.taxonomyID.flatMap({ taxonomies[$0] }) { d["taxonomy_detail"] = try tax.document() }
        return .object(d)
    }
}
