import Foundation

/// One record an import refused, named so the sender can find and fix it.
public struct RejectedRecord: Sendable, Equatable, Codable {
    /// `service`, `organization`, `location`, `service_at_location`, `taxonomy`, `taxonomy_term` or `record`.
    public var kind: String
    public var id: String?
    public var name: String?
    /// Where it was in the input, e.g. `services.json contents[3]` or `services.csv line 7`.
    public var position: String
    /// Each problem names the field and quotes a short excerpt of the bad value.
    public var problems: [FieldError]
    public init(kind: String, id: String?, name: String?, position: String, problems: [FieldError]) {
        (self.kind, self.id, self.name, self.position, self.problems) = (kind, id, name, position, problems)
    }
    public var summary: String {
        "\(kind) \(id.map { "\"\($0)\"" } ?? "without an id")\(shortName.map { " (\($0))" } ?? "") at \(position): " + problemList
    }

    /// The record's name, cut to 60 characters.
    public var shortName: String? { name.map { $0.count > 60 ? String($0.prefix(57)) + "…" : $0 } }

    /// Each problem as "field: message", joined by "; ".
    public var problemList: String { problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ") }
}

/// The HSDS record types Linkwell imports. A record's type is never guessed from its fields: it comes
/// from the file or table name, the endpoint it was read from, an explicit `--kind`, or the key it is
/// listed under (`{"organizations": [...], "services": [...]}`).
public enum HSDSKind: String, Sendable, CaseIterable, Codable {
    case taxonomy
    case taxonomyTerm = "taxonomy_term"
    case organization
    case location
    case service
    case serviceAtLocation = "service_at_location"

    /// The kind a file, table, endpoint or key names: `services`, `service_list`, `organization_full.json`,
    /// `taxonomy_terms.csv`, `/oruk/services/…`. Nil when the name says nothing.
    public static func named(_ name: String) -> HSDSKind? {
        var base = (name.split(separator: "/").last.map(String.init) ?? name).lowercased()
        for ext in [".json", ".csv", ".ndjson"] where base.hasSuffix(ext) { base = String(base.dropLast(ext.count)) }
        for suffix in ["_full", "_list"] where base.hasSuffix(suffix) { base = String(base.dropLast(suffix.count)) }
        switch base {
        case "taxonomy", "taxonomies": return .taxonomy
        case "taxonomy_term", "taxonomy_terms": return .taxonomyTerm
        case "organization", "organizations", "organisation", "organisations": return .organization
        case "location", "locations": return .location
        case "service", "services": return .service
        case "service_at_location", "service_at_locations": return .serviceAtLocation
        default: return nil
        }
    }

    /// The kind a feed URL's path names: its last segment, or the one before an id (`/services/{id}`).
    public static func endpoint(_ path: String) -> HSDSKind? {
        let parts = path.split(separator: "/").map(String.init)
        return parts.last.flatMap(named) ?? (parts.count >= 2 ? named(parts[parts.count - 2]) : nil)
    }
}

/// One record read from a feed: ids already mapped to Linkwell's (see `HSDSIdentifiers`), nested
/// records of other types taken out, and the same record met twice merged.
public struct FeedRecord: Sendable {
    public var kind: HSDSKind
    public var id: String
    /// The id the source gave, when it was not a UUID and so was mapped.
    public var sourceID: String?
    public var position: String
    public var document: JSONValue
}

/// Records read from one source feed, each with where it came from.
public struct ParsedFeed: Sendable {
    /// The source's name: every record remembers it, and non-UUID ids are mapped within it.
    public var source: String
    /// True when the feed is the whole of its source, so that services the source no longer lists
    /// are withdrawn.
    public var full = false
    public private(set) var records: [FeedRecord] = []
    private var index: [String: Int] = [:]
    public var rejected: [RejectedRecord] = []

    public init(source: String) { self.source = source }

    public func records(_ kind: HSDSKind) -> [FeedRecord] { records.filter { $0.kind == kind } }
    public var isEmpty: Bool { records.isEmpty }

    /// Adds one record of `kind` from the feed; a record that is not an object, or has no id, is rejected by name.
    public mutating func add(_ kind: HSDSKind, _ raw: JSONValue, at position: String) {
        guard case .object(var o) = raw else {
            rejected.append(RejectedRecord(kind: kind.rawValue, id: nil, name: nil, position: position,
                                           problems: [FieldError.apiOnly("record", "must be a JSON object, not \(raw.excerpt).")]))
            return
        }
        guard case .string(let sourceID)? = o["id"], !sourceID.trimmingCharacters(in: .whitespaces).isEmpty else {
            rejected.append(RejectedRecord(kind: kind.rawValue, id: nil, name: o["name"]?.string, position: position,
                                           problems: [FieldError.apiOnly("id", o["id"].map { "\($0.excerpt) is not an id." } ?? "id is required.")]))
            return
        }
        guard sourceID.count <= 200 else {
            rejected.append(RejectedRecord(kind: kind.rawValue, id: String(sourceID.prefix(40)) + "…", name: nil, position: position,
                                           problems: [FieldError.apiOnly("id", "An id may be at most 200 characters.")]))
            return
        }
        // Nested records of other types are stored on their own (and nested again on output).
        switch kind {
        case .service:
            if case .object(let org)? = o["organization"] {
                add(.organization, .object(org), at: position + ".organization")
                if o["organization_id"] == nil || o["organization_id"] == .null { o["organization_id"] = org["id"] }
            }
            o["organization"] = nil
            if case .array(let attributes)? = o["attributes"] {
                o["attributes"] = .array(attributes.enumerated().map { i, a in
                    guard case .object(var attribute) = a, case .object(let term)? = attribute["taxonomy_term"] else { return a }
                    add(.taxonomyTerm, .object(term), at: "\(position).attributes[\(i)].taxonomy_term")
                    if attribute["taxonomy_term_id"] == nil || attribute["taxonomy_term_id"] == .null { attribute["taxonomy_term_id"] = term["id"] }
                    attribute["taxonomy_term"] = nil
                    return .object(attribute)
                })
            }
        case .organization:
            if case .array(let services)? = o["services"] {
                for (i, s) in services.enumerated() {
                    guard case .object(var service) = s else { add(.service, s, at: "\(position).services[\(i)]"); continue }
                    if service["organization_id"] == nil || service["organization_id"] == .null { service["organization_id"] = o["id"] }
                    add(.service, .object(service), at: "\(position).services[\(i)]")
                }
            }
            o["services"] = nil
        case .taxonomyTerm:
            if case .object(let taxonomy)? = o["taxonomy_detail"] {
                add(.taxonomy, .object(taxonomy), at: position + ".taxonomy_detail")
                if o["taxonomy_id"] == nil || o["taxonomy_id"] == .null { o["taxonomy_id"] = taxonomy["id"] }
            }
            o["taxonomy_detail"] = nil
        case .serviceAtLocation:
            // A service-at-location may carry its service whole (as `/service_at_locations/{id}` does).
            if case .object(let service)? = o["service"] {
                add(.service, .object(service), at: position + ".service")
                if o["service_id"] == nil || o["service_id"] == .null { o["service_id"] = service["id"] }
            }
            o["service"] = nil
        case .taxonomy, .location:
            break
        }
        let document = HSDSIdentifiers.mapAll(.object(o), source: source)
        let id = document["id"]?.string ?? sourceID
        let key = "\(kind.rawValue):\(id)"
        if let existing = index[key] {
            records[existing].document = HSDSMerge.merge(records[existing].document, document)
        } else {
            index[key] = records.count
            records.append(FeedRecord(kind: kind, id: id, sourceID: id == sourceID ? nil : sourceID, position: position, document: document))
        }
    }

    /// Where the record of `kind` and `id` was read.
    public func position(_ kind: HSDSKind, _ id: String) -> String? { index["\(kind.rawValue):\(id)"].map { records[$0].position } }
}

/// Reads HSDS / Open Referral UK JSON: a single record, a list, a page (`contents`), or an object
/// listing records under their type (`{"organizations": [...], "services": [...]}`).
public enum DirectoryFeed {
    /// The keys of an HSDS paging object, which may stand beside `contents`.
    static let pageKeys: Set<String> = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"]

    /// Reads `data` (named `name`: a file name or URL, also used in positions) into the feed.
    /// `kind` is what the records are (from `--kind`, the file name or the endpoint); without it the
    /// JSON must list records under their type. Throws `FeedUnreadable` for broken JSON and
    /// `LinkwellError.invalid` when the records' type cannot be told.
    public static func parse(_ data: Data, kind: HSDSKind?, name: String, into feed: inout ParsedFeed) throws {
        let json = try JSONValue.parse(data, source: name)
        let prefix = name.isEmpty ? "" : "\(name) "
        if let kind {
            if case .object(let o) = json, case .array(let contents)? = o["contents"], o["id"] == nil {
                for (i, item) in contents.enumerated() { feed.add(kind, item, at: "\(prefix)contents[\(i)]") }
            } else if case .array(let items) = json {
                for (i, item) in items.enumerated() { feed.add(kind, item, at: "\(prefix)[\(i)]") }
            } else if case .object = json {
                feed.add(kind, json, at: name.isEmpty ? "the record" : name)
            } else {
                throw LinkwellError.invalid([.apiOnly("feed", "\(name.isEmpty ? "The feed" : name) must be an HSDS record, a list of them, or a page with contents; it is \(json.excerpt).")])
            }
            return
        }
        // Without a kind, only an object that lists records under their type says what they are.
        guard case .object(let o) = json, o["id"] == nil, o.contains(where: { $0.value.array != nil && !pageKeys.contains($0.key) }) else {
            throw LinkwellError.invalid([.apiOnly("kind", "Cannot tell what \(name.isEmpty ? "the feed" : name) holds: record types are never guessed. "
                + "Name the file after its records (services.json, organizations.json, locations.json, service_at_locations.json, "
                + "taxonomies.json, taxonomy_terms.json), give the kind (--kind or ?kind=), or list the records under those keys.")])
        }
        for (key, value) in o.sorted(by: { order($0.key) < order($1.key) }) where !pageKeys.contains(key) {
            guard case .array(let items) = value else { continue }
            guard let kind = HSDSKind.named(key) else {
                for (i, _) in items.enumerated() {
                    feed.rejected.append(RejectedRecord(kind: "record", id: nil, name: nil, position: "\(prefix)\(key)[\(i)]",
                                                        problems: [FieldError.apiOnly(key, "\"\(key.prefix(40))\" is not an HSDS record type.")]))
                }
                continue
            }
            for (i, item) in items.enumerated() { feed.add(kind, item, at: "\(prefix)\(key)[\(i)]") }
        }
    }

    /// Dependency order for keys, so positions read naturally (taxonomies first, services last).
    static func order(_ key: String) -> (Int, String) {
        (HSDSKind.named(key).flatMap { HSDSKind.allCases.firstIndex(of: $0) } ?? 99, key)
    }
}

/// What an import did (or, for a dry run, would do).
public struct ImportReport: Sendable, Equatable, Codable {
    public var source: String
    public var dryRun: Bool
    /// True when `allOrNothing` was asked for and something was bad: nothing was stored.
    public var refused: Bool
    public var created: [String: Int] = [:]
    public var updated: [String: Int] = [:]
    public var unchanged: [String: Int] = [:]
    /// Services the source no longer lists (a full import), marked inactive.
    public var withdrawn: [String] = []
    /// Services where a local decision and the source disagree: sent to the review queue.
    public var conflicts: [String: [String]] = [:]
    public var rejected: [RejectedRecord]
    public init(source: String = "", dryRun: Bool, refused: Bool, rejected: [RejectedRecord]) {
        (self.source, self.dryRun, self.refused, self.rejected) = (source, dryRun, refused, rejected)
    }
    public var storedCount: Int { created.values.reduce(0, +) + updated.values.reduce(0, +) + unchanged.values.reduce(0, +) }

    /// The CLI's exit code: 0 all imported, 1 imported with rejected records, 2 nothing imported
    /// (an empty or wholly bad feed, or all-or-nothing refused). (3, unreadable, is decided before.)
    public var exitCode: Int32 {
        if refused || (storedCount == 0 && withdrawn.isEmpty) { return 2 }
        return rejected.isEmpty ? 0 : 1
    }
}
