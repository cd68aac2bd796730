import Foundation

/// One record an import refused, named so the sender can find and fix it.
public struct RejectedRecord: Sendable, Equatable, Codable {
    /// `service`, `organization`, `taxonomy`, `taxonomy_term` or `record`.
    public var kind: String
    public var id: String?
    public var name: String?
    /// Where it was in the input, e.g. `contents[3]` or `services.csv line 7`.
    public var position: String
    public var problems: [FieldError]
    public init(kind: String, id: String?, name: String?, position: String, problems: [FieldError]) {
        (self.kind, self.id, self.name, self.position, self.problems) = (kind, id, name, position, problems)
    }
    public var summary: String {
        "\(kind) \(id.map { "\"\($0)\"" } ?? "without an id")\(name.map { " (\($0))" } ?? "") at \(position): "
            + problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}

/// Records read from a feed, each with where it came from.
public struct ParsedFeed: Sendable {
    public var batch = DirectoryBatch()
    /// Position of each record by kind and id, for error messages.
    public var positions: [String: String] = [:]
    public var rejected: [RejectedRecord] = []
    public init() {}

    mutating func add(service: HSDSService, at position: String) {
        var s = service
        if let org = s.organization {
            add(organization: org, at: position + ".organization")
            if s.organizationID == nil { s.organizationID = org.id }
        }
        for (i, attribute) in (s.attributes ?? []).enumerated() {
            if var term = attribute.taxonomyTerm {
                if let detail = term.taxonomyDetail {
                    add(taxonomy: detail, at: "\(position).attributes[\(i)].taxonomy_term.taxonomy_detail")
                    if term.taxonomyID == nil { term.taxonomyID = detail.id }
                }
                term.taxonomyDetail = nil
                add(term: term, at: "\(position).attributes[\(i)].taxonomy_term")
            }
        }
        positions["service:\(s.id)"] = position
        batch.services.removeAll { $0.id == s.id }
        batch.services.append(s)
    }

    mutating func add(organization o: HSDSOrganization, at position: String) {
        guard positions["organization:\(o.id)"] == nil else { return }
        positions["organization:\(o.id)"] = position
        batch.organizations.append(o)
    }

    mutating func add(term: HSDSTaxonomyTerm, at position: String) {
        guard positions["taxonomy_term:\(term.id)"] == nil else { return }
        positions["taxonomy_term:\(term.id)"] = position
        var t = term
        if let detail = t.taxonomyDetail { add(taxonomy: detail, at: position + ".taxonomy_detail"); t.taxonomyID = t.taxonomyID ?? detail.id }
        t.taxonomyDetail = nil
        batch.terms.append(t)
    }

    mutating func add(taxonomy: HSDSTaxonomy, at position: String) {
        guard positions["taxonomy:\(taxonomy.id)"] == nil else { return }
        positions["taxonomy:\(taxonomy.id)"] = position
        batch.taxonomies.append(taxonomy)
    }
}

/// Reads HSDS / Open Referral UK JSON: a single record, an array, or a paged response (`contents`).
/// Each record is decoded on its own, so one bad record is named and the rest still read.
public enum DirectoryFeed {
    public enum Kind: String, Sendable, CaseIterable { case auto, service, organization, taxonomy, taxonomyTerm = "taxonomy_term" }

    public static func parse(_ data: Data, kind: Kind = .auto, into feed: inout ParsedFeed, source: String = "") throws(LinkwellError) {
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }
        catch { throw .invalid("feed", "\(source.isEmpty ? "The feed" : source) is not valid JSON: \(describe(error))") }
        let prefix = source.isEmpty ? "" : "\(source) "
        if let object = json as? [String: Any], let contents = object["contents"] as? [Any] {
            let usual = kind == .auto ? majority(contents) : kind
            for (i, item) in contents.enumerated() { read(item, kind: kind, usual: usual, at: "\(prefix)contents[\(i)]", into: &feed) }
        } else if let array = json as? [Any] {
            let usual = kind == .auto ? majority(array) : kind
            for (i, item) in array.enumerated() { read(item, kind: kind, usual: usual, at: "\(prefix)[\(i)]", into: &feed) }
        } else if json is [String: Any] {
            let object = json as? [String: Any] ?? [:]
            read(json, kind: kind, usual: object["description"] != nil && object["status"] == nil ? .organization : .service,
                 at: source.isEmpty ? "the record" : source, into: &feed)
        } else {
            throw .invalid("feed", "\(source.isEmpty ? "The feed" : source) must be an HSDS object, an array of them, or a page with contents.")
        }
    }

    /// The kind most records of a list show by their own keys (services when none do).
    static func majority(_ items: [Any]) -> Kind {
        let kinds = items.compactMap { ($0 as? [String: Any]).flatMap(decisive) }
        let counts = Dictionary(grouping: kinds, by: { $0 }).mapValues(\.count)
        return counts.max(by: { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) })?.key ?? .service
    }

    /// The kind a record's own keys show, or nil when they do not say.
    static func decisive(_ object: [String: Any]) -> Kind? {
        if object["status"] != nil { return .service }
        if object["services"] != nil || object["website"] != nil || object["legal_status"] != nil || object["organization_identifiers"] != nil
            || object["tax_status"] != nil || object["year_incorporated"] != nil { return .organization }
        if object["taxonomy_id"] != nil || object["parent_id"] != nil || object["code"] != nil || object["taxonomy_detail"] != nil
            || object["taxonomy"] != nil || object["term_uri"] != nil { return .taxonomyTerm }
        if object["version"] != nil || object["uri"] != nil { return .taxonomy }
        return nil
    }

    /// Reads one record as `kind`; with `.auto`, as what its keys show, or else as the list's `usual` kind.
    static func read(_ item: Any, kind: Kind, usual: Kind = .service, at position: String, into feed: inout ParsedFeed) {
        guard let object = item as? [String: Any], let data = try? JSONSerialization.data(withJSONObject: object) else {
            feed.rejected.append(RejectedRecord(kind: "record", id: nil, name: nil, position: position,
                                                problems: [FieldError("record", "Each record must be a JSON object.")]))
            return
        }
        let k = kind == .auto ? (decisive(object) ?? usual) : kind
        let id = object["id"] as? String, name = object["name"] as? String
        do {
            switch k {
            case .service, .auto:
                feed.add(service: try HSDSJSON.decoder.decode(HSDSService.self, from: data), at: position)
            case .organization:
                let org = try HSDSJSON.decoder.decode(HSDSOrganization.self, from: data)
                feed.add(organization: org, at: position)
                for (i, nested) in (object["services"] as? [Any] ?? []).enumerated() {
                    var service = nested as? [String: Any] ?? [:]
                    if service["organization_id"] == nil { service["organization_id"] = org.id }
                    read(service, kind: .service, at: "\(position).services[\(i)]", into: &feed)
                }
            case .taxonomy:
                feed.add(taxonomy: try HSDSJSON.decoder.decode(HSDSTaxonomy.self, from: data), at: position)
            case .taxonomyTerm:
                feed.add(term: try HSDSJSON.decoder.decode(HSDSTaxonomyTerm.self, from: data), at: position)
            }
        } catch {
            feed.rejected.append(RejectedRecord(kind: k == .auto ? "service" : k.rawValue, id: id, name: name, position: position,
                                                problems: [FieldError(field(of: error), describe(error))]))
        }
    }

    static func field(of error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            return context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        default: return "record"
        }
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
            return (error as NSError).localizedDescription
        }
    }
}

/// The rules a directory record must meet before Linkwell stores it.
public enum DirectoryRules {
    /// Problems with a service, given the organisations and terms that exist (stored or in the same import).
    public static func problems(service s: HSDSService, knownOrganizations: Set<String>, knownTerms: Set<String>) -> [FieldError] {
        var v = Validator()
        if s.id.trimmingCharacters(in: .whitespaces).isEmpty || s.id.count > 200 { v.add("id", "A service needs an id of at most 200 characters.") }
        _ = v.required(s.name, "name", label: "The name")
        if let org = s.organizationID, !org.isEmpty {
            if !knownOrganizations.contains(org) { v.add("organization_id", "Organisation \(org) is not in the directory or this import.") }
        } else { v.add("organization_id", "A service needs the organization_id of the organisation that runs it.") }
        for (value, field) in [(s.minimumAge, "minimum_age"), (s.maximumAge, "maximum_age")] {
            if let age = value, !(age >= 0 && age <= 130) { v.add(field, "Ages must be from 0 to 130.") }
        }
        if let lo = s.minimumAge, let hi = s.maximumAge, lo > hi { v.add("maximum_age", "The maximum age is below the minimum age.") }
        for (i, sal) in (s.serviceAtLocations ?? []).enumerated() {
            guard let l = sal.location else { continue }
            let field = "service_at_locations[\(i)].location"
            if (l.latitude == nil) != (l.longitude == nil) { v.add(field, "Give both latitude and longitude, or neither.") }
            if let la = l.latitude, !(la >= -90 && la <= 90) { v.add("\(field).latitude", "Latitude \(la) is impossible: it must be between -90 and 90.") }
            if let lo = l.longitude, !(lo >= -180 && lo <= 180) { v.add("\(field).longitude", "Longitude \(lo) is impossible: it must be between -180 and 180.") }
        }
        for (i, schedule) in s.allSchedules.enumerated() {
            for (text, name) in [(schedule.opensAt, "opens_at"), (schedule.closesAt, "closes_at")] {
                if let text, !text.isEmpty, WeeklyTime.minutes(text) == nil { v.add("schedules[\(i)].\(name)", "\"\(text)\" is not a time (HH:MM).") }
            }
            for day in (schedule.byday ?? "").split(separator: ",") {
                let code = String(day.trimmingCharacters(in: .whitespaces).uppercased().suffix(2))
                if !WeeklyTime.dayCodes.contains(code) { v.add("schedules[\(i)].byday", "\"\(day)\" is not a day (MO … SU).") }
            }
        }
        for (i, term) in s.taxonomyTermIDs.enumerated() where !knownTerms.contains(term) {
            v.add("attributes[\(i)].taxonomy_term_id", "Unknown taxonomy term \(term).")
        }
        for (i, cost) in (s.costOptions ?? []).enumerated() {
            if let amount = cost.amount, amount < 0 { v.add("cost_options[\(i)].amount", "A cost cannot be negative.") }
        }
        return v.errors
    }

    public static func problems(organization o: HSDSOrganization) -> [FieldError] {
        identified(o.id, o.name, "An organisation").errors
    }

    public static func problems(term t: HSDSTaxonomyTerm, knownTaxonomies: Set<String>) -> [FieldError] {
        var v = identified(t.id, t.name, "A taxonomy term")
        if let tax = t.taxonomyID, !knownTaxonomies.contains(tax) { v.add("taxonomy_id", "Unknown taxonomy \(tax).") }
        return v.errors
    }

    public static func problems(taxonomy t: HSDSTaxonomy) -> [FieldError] {
        identified(t.id, t.name, "A taxonomy").errors
    }

    /// The checks every named record shares: an id and a name.
    static func identified(_ id: String, _ name: String, _ what: String) -> Validator {
        var v = Validator()
        if id.trimmingCharacters(in: .whitespaces).isEmpty { v.add("id", "\(what) needs an id.") }
        _ = v.required(name, "name", label: "The name")
        return v
    }
}

/// What an import did (or, for a dry run, would do).
public struct ImportReport: Sendable, Equatable, Codable {
    public var dryRun: Bool
    /// True when `allOrNothing` was asked for and something was bad: nothing was stored.
    public var refused: Bool
    public var created: [String: Int] = [:]
    public var updated: [String: Int] = [:]
    public var rejected: [RejectedRecord]
    public init(dryRun: Bool, refused: Bool, rejected: [RejectedRecord]) {
        (self.dryRun, self.refused, self.rejected) = (dryRun, refused, rejected)
    }
    public var storedCount: Int { created.values.reduce(0, +) + updated.values.reduce(0, +) }
}
