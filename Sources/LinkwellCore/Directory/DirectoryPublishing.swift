import Foundation

/// The Open Referral UK feed's answers as HSDS JSON, with every field a source sent (typed fields
/// and extras), and the related records nested as the standard's examples nest them.
extension DirectoryService {
    /// Only the one-to-one fields of a record (no lists, no nested objects), as HSDS list endpoints give.
    public static func oneToOne(_ d: JSONValue) -> JSONValue {
        guard case .object(let o) = d else { return d }
        return .object(o.filter { $0.value.array == nil && $0.value.object == nil })
    }

    /// The documents of every service `query` matches (its paging aside), read the largest page at a time.
    public func allServiceDocuments(_ query: DirectoryQuery) async throws -> [JSONValue] {
        var q = query
        (q.page, q.perPage) = (1, DirectoryQuery.maxPerPage)
        var documents: [JSONValue] = []
        while true {
            let r = try await store.searchDirectoryDocuments(q)
            documents += r.documents
            if r.documents.isEmpty || q.offset + r.documents.count >= r.total { return documents }
            q.page += 1
        }
    }

    /// Full service documents: the organisation nested whole, each attribute's term with its taxonomy.
    public func serviceDocuments(_ services: [HSDSService]) async throws -> [JSONValue] {
        try await serviceDocuments(documents: try services.map { try $0.document() })
    }

    /// `serviceDocuments` from the services' own documents (as `searchDirectoryDocuments` gives them).
    public func serviceDocuments(documents: [JSONValue]) async throws -> [JSONValue] {
        let termIDs = Array(Set(documents.flatMap { ($0["attributes"]?.array ?? []).compactMap { $0["taxonomy_term_id"]?.string } }))
        let terms = Dictionary(try await store.taxonomyTerms(ids: termIDs).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let taxonomies = termIDs.isEmpty ? [:] : Dictionary(try await store.taxonomies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let orgs = try await organisationDocuments(documents)
        return try documents.map { document in
            guard case .object(var d) = document else { return document }
            if let org = d["organization_id"]?.string.flatMap({ orgs[$0] }) { d["organization"] = org }
            if case .array(let attributes)? = d["attributes"] {
                d["attributes"] = .array(try attributes.map { a in
                    guard case .object(var attribute) = a, let id = attribute["taxonomy_term_id"]?.string, let term = terms[id],
                          case .object(var t) = try term.document() else { return a }
                    if let tax = term.taxonomyID.flatMap({ taxonomies[$0] }) { t["taxonomy_detail"] = try tax.document() }
                    attribute["taxonomy_term"] = .object(t)
                    return .object(attribute)
                })
            }
            return .object(d)
        }
    }

    /// List items from the services' documents: each one's one-to-one fields and its organisation's.
    public func serviceListItems(documents: [JSONValue]) async throws -> [JSONValue] {
        let orgs = try await organisationDocuments(documents)
        return documents.map { document in
            guard case .object(var d) = Self.oneToOne(document) else { return document }
            if let org = d["organization_id"]?.string.flatMap({ orgs[$0] }) { d["organization"] = Self.oneToOne(org) }
            return .object(d)
        }
    }

    /// Service-at-location documents: the record with `service_id` and `location_id`, its location,
    /// and its service (list form; in full with `full`).
    public func serviceAtLocationDocuments(_ hits: [ServiceAtLocationHit], full: Bool) async throws -> [JSONValue] {
        // Each service's document once, however many of its locations are on the page.
        var own: [String: JSONValue] = [:]
        for h in hits where own[h.hit.listing.service.id] == nil { own[h.hit.listing.service.id] = try h.hit.listing.service.document() }
        let (ids, list) = (Array(own.keys), Array(own.values))
        let documents = full ? try await serviceDocuments(documents: list) : try await serviceListItems(documents: list)
        let docs = Dictionary(uniqueKeysWithValues: zip(ids, documents))
        return hits.map { h in
            let s = h.hit.listing.service
            guard let index = (s.serviceAtLocations ?? []).firstIndex(where: { $0.id == h.id }),
                  case .object(let sd)? = own[s.id], case .array(let sals)? = sd["service_at_locations"], index < sals.count,
                  case .object(var sal) = sals[index] else { return .object(["id": .string(h.id), "service_id": .string(s.id)]) }
            sal["service_id"] = .string(s.id)
            if let location = sal["location"] {
                if sal["location_id"] == nil, let lid = location["id"] { sal["location_id"] = lid }
                sal["location"] = full ? location : Self.oneToOne(location)
            }
            if !full { sal = Self.oneToOne(.object(sal)).object ?? sal; sal["location"] = sals[index]["location"].map(Self.oneToOne) }
            sal["service"] = docs[s.id]
            return .object(sal)
        }
    }

    /// The organisation documents of these service documents, by id.
    func organisationDocuments(_ services: [JSONValue]) async throws -> [String: JSONValue] {
        try await store.directoryRecords(.organization, ids: services.compactMap { $0["organization_id"]?.string }).mapValues(\.document)
    }
}
