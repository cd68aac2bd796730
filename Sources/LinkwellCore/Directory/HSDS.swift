import Foundation

// The Open Referral HSDS 3.0 objects Linkwell keeps, with the standard's field names on the wire
// (snake_case via CodingKeys). Fields Linkwell does not model are kept as the record's `extra`
// (see `HSDSExtras`) and republished as they came.

/// The status of a service in HSDS 3.0.
public enum HSDSServiceStatus: String, Codable, Sendable, CaseIterable {
    case active
    case inactive
    case defunct
    case temporarilyClosed = "temporarily closed"

    public var label: String {
        switch self {
        case .active: "Active"
        case .inactive: "Inactive"
        case .defunct: "Closed for good"
        case .temporarilyClosed: "Temporarily closed"
        }
    }
}

/// HSDS `phone`.
public struct HSDSPhone: Codable, Sendable, Equatable {
    public var id: String
    public var number: String
    public var type: String?
    public var description: String?
    public init(id: String, number: String, type: String? = nil, description: String? = nil) {
        (self.id, self.number, self.type, self.description) = (id, number, type, description)
    }
}

/// HSDS `contact`.
public struct HSDSContact: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var title: String?
    public var email: String?
    public var phones: [HSDSPhone]?
    public init(id: String, name: String? = nil, title: String? = nil, email: String? = nil, phones: [HSDSPhone]? = nil) {
        (self.id, self.name, self.title, self.email, self.phones) = (id, name, title, email, phones)
    }
}

/// HSDS `language`: a language a service or location works in (`code` is ISO 639, e.g. `en`, `cy`, `pl`).
public struct HSDSLanguage: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var code: String?
    public var note: String?
    public init(id: String, name: String? = nil, code: String? = nil, note: String? = nil) {
        (self.id, self.name, self.code, self.note) = (id, name, code, note)
    }
}

/// HSDS `cost_option`. A service with no cost options, or only zero amounts, is free.
public struct HSDSCostOption: Codable, Sendable, Equatable {
    public var id: String
    public var option: String?
    public var currency: String?
    public var amount: Double?
    public var amountDescription: String?
    enum CodingKeys: String, CodingKey { case id, option, currency, amount, amountDescription = "amount_description" }
    public init(id: String, option: String? = nil, currency: String? = nil, amount: Double? = nil, amountDescription: String? = nil) {
        (self.id, self.option, self.currency, self.amount, self.amountDescription) = (id, option, currency, amount, amountDescription)
    }
}

/// HSDS `service_area`.
public struct HSDSServiceArea: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var description: String?
    public var extent: String?
    public var extentType: String?
    enum CodingKeys: String, CodingKey { case id, name, description, extent, extentType = "extent_type" }
    public init(id: String, name: String? = nil, description: String? = nil) {
        (self.id, self.name, self.description) = (id, name, description)
    }
}

/// HSDS `schedule`: a regular opening or session, in iCalendar terms (`freq` WEEKLY, `byday` "MO,WE").
public struct HSDSSchedule: Codable, Sendable, Equatable {
    public var id: String
    public var serviceID: String?
    public var locationID: String?
    public var serviceAtLocationID: String?
    public var validFrom: String?
    public var validTo: String?
    public var dtstart: String?
    public var freq: String?
    public var interval: Double?
    public var byday: String?
    public var opensAt: String?
    public var closesAt: String?
    public var description: String?
    public var notes: String?
    enum CodingKeys: String, CodingKey {
        case id, serviceID = "service_id", locationID = "location_id", serviceAtLocationID = "service_at_location_id"
        case validFrom = "valid_from", validTo = "valid_to", dtstart, freq, interval, byday
        case opensAt = "opens_at", closesAt = "closes_at", description, notes
    }
    public init(id: String, freq: String? = "WEEKLY", byday: String?, opensAt: String?, closesAt: String?, description: String? = nil) {
        (self.id, self.freq, self.byday, self.opensAt, self.closesAt, self.description) = (id, freq, byday, opensAt, closesAt, description)
    }
}

/// HSDS `address`.
public struct HSDSAddress: Codable, Sendable, Equatable {
    public var id: String
    public var attention: String?
    public var address1: String
    public var address2: String?
    public var city: String
    public var region: String?
    public var stateProvince: String
    public var postalCode: String
    public var country: String
    public var addressType: String
    enum CodingKeys: String, CodingKey {
        case id, attention, address1 = "address_1", address2 = "address_2", city, region
        case stateProvince = "state_province", postalCode = "postal_code", country, addressType = "address_type"
    }
    public init(id: String, address1: String, city: String, stateProvince: String, postalCode: String,
                country: String = "GB", addressType: String = "physical") {
        (self.id, self.address1, self.city, self.stateProvince, self.postalCode, self.country, self.addressType) =
            (id, address1, city, stateProvince, postalCode, country, addressType)
    }
}

/// HSDS `accessibility`: e.g. "Step-free access", "Hearing loop".
public struct HSDSAccessibility: Codable, Sendable, Equatable {
    public var id: String
    public var description: String?
    public var details: String?
    public var url: String?
    public init(id: String, description: String? = nil, details: String? = nil) {
        (self.id, self.description, self.details) = (id, description, details)
    }
}

/// HSDS `location` (a place where services are delivered).
public struct HSDSLocation: HSDSRecord, Equatable {
    public var id: String
    public var locationType: String
    public var name: String?
    public var description: String?
    public var latitude: Double?
    public var longitude: Double?
    public var addresses: [HSDSAddress]?
    public var accessibility: [HSDSAccessibility]?
    public var languages: [HSDSLanguage]?
    public var schedules: [HSDSSchedule]?
    /// The fields Linkwell does not model, kept to be republished (not coded with the typed fields).
    public var extra: HSDSExtras? = nil
    enum CodingKeys: String, CodingKey {
        case id, locationType = "location_type", name, description, latitude, longitude, addresses, accessibility, languages, schedules
    }
    public init(id: String, locationType: String = "physical", name: String?, latitude: Double?, longitude: Double?,
                addresses: [HSDSAddress]? = nil, accessibility: [HSDSAccessibility]? = nil) {
        (self.id, self.locationType, self.name, self.latitude, self.longitude, self.addresses, self.accessibility) =
            (id, locationType, name, latitude, longitude, addresses, accessibility)
    }
}

/// HSDS `service_at_location`: a service delivered at a location, with that place's own schedules.
public struct HSDSServiceAtLocation: Codable, Sendable, Equatable {
    public var id: String
    public var serviceID: String?
    public var locationID: String?
    public var description: String?
    public var schedules: [HSDSSchedule]?
    public var location: HSDSLocation?
    enum CodingKeys: String, CodingKey {
        case id, serviceID = "service_id", locationID = "location_id", description, schedules, location
    }
    public init(id: String, serviceID: String?, location: HSDSLocation, schedules: [HSDSSchedule]? = nil) {
        (self.id, self.serviceID, self.locationID, self.location, self.schedules) = (id, serviceID, location.id, location, schedules)
    }
}

/// HSDS `taxonomy`: a vocabulary of terms (e.g. Linkwell's needs, or Open Eligibility).
public struct HSDSTaxonomy: HSDSRecord, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var uri: String?
    public var version: String?
    /// The fields Linkwell does not model, kept to be republished (not coded with the typed fields).
    public var extra: HSDSExtras? = nil
    enum CodingKeys: String, CodingKey { case id, name, description, uri, version }
    public init(id: String, name: String, description: String, uri: String? = nil, version: String? = nil) {
        (self.id, self.name, self.description, self.uri, self.version) = (id, name, description, uri, version)
    }
}

/// HSDS `taxonomy_term`.
public struct HSDSTaxonomyTerm: HSDSRecord, Equatable {
    public var id: String
    public var code: String?
    public var name: String
    public var description: String
    public var parentID: String?
    public var taxonomy: String?
    public var taxonomyID: String?
    public var termURI: String?
    /// Filled in on output from the taxonomy; not stored with the term.
    /// The fields Linkwell does not model, kept to be republished (not coded with the typed fields).
    public var extra: HSDSExtras? = nil
    public var taxonomyDetail: HSDSTaxonomy?
    enum CodingKeys: String, CodingKey {
        case id, code, name, description, parentID = "parent_id", taxonomy, taxonomyID = "taxonomy_id", termURI = "term_uri"
        case taxonomyDetail = "taxonomy_detail"
    }
    public init(id: String, code: String? = nil, name: String, description: String, parentID: String? = nil,
                taxonomyID: String?, taxonomy: String? = nil) {
        (self.id, self.code, self.name, self.description, self.parentID, self.taxonomyID, self.taxonomy) =
            (id, code, name, description, parentID, taxonomyID, taxonomy)
    }
}

/// HSDS `attribute`: links a record to a taxonomy term (how services are categorised).
public struct HSDSAttribute: Codable, Sendable, Equatable {
    public var id: String
    public var linkID: String?
    public var taxonomyTermID: String?
    public var linkType: String?
    public var linkEntity: String?
    public var value: String?
    public var taxonomyTerm: HSDSTaxonomyTerm?
    enum CodingKeys: String, CodingKey {
        case id, linkID = "link_id", taxonomyTermID = "taxonomy_term_id", linkType = "link_type", linkEntity = "link_entity"
        case value, taxonomyTerm = "taxonomy_term"
    }
    public init(id: String, linkID: String?, taxonomyTermID: String, linkEntity: String = "service") {
        (self.id, self.linkID, self.taxonomyTermID, self.linkEntity) = (id, linkID, taxonomyTermID, linkEntity)
    }
    /// The term this attribute points at, whether given by id or nested.
    public var termID: String? { taxonomyTermID ?? taxonomyTerm?.id }
}

extension HSDSOrganization {
    /// The words ORUK `GET /organizations?search=` finds it by: every index word (`ServiceFacts.tokens`) of its
    /// name, alternate name and description. A search matches when each of its words is one of these.
    public var searchWords: Set<String> { ServiceFacts.wordSet([name, alternateName, description]) }
}

/// HSDS `organization`.
public struct HSDSOrganization: HSDSRecord, Equatable {
    public var id: String
    public var name: String
    public var alternateName: String?
    public var description: String
    public var email: String?
    public var website: String?
    public var legalStatus: String?
    public var uri: String?
    public var phones: [HSDSPhone]?
    public var contacts: [HSDSContact]?
    /// The fields Linkwell does not model, kept to be republished (not coded with the typed fields).
    public var extra: HSDSExtras? = nil
    enum CodingKeys: String, CodingKey {
        case id, name, alternateName = "alternate_name", description, email, website, legalStatus = "legal_status", uri, phones, contacts
    }
    public init(id: String, name: String, description: String, email: String? = nil, website: String? = nil,
                legalStatus: String? = nil, phones: [HSDSPhone]? = nil) {
        (self.id, self.name, self.description, self.email, self.website, self.legalStatus, self.phones) =
            (id, name, description, email, website, legalStatus, phones)
    }
}

/// HSDS `service`, fully nested (as `GET /services/{id}` returns it).
public struct HSDSService: HSDSRecord, Equatable {
    public var id: String
    public var organizationID: String?
    public var name: String
    public var alternateName: String?
    public var description: String?
    public var url: String?
    public var email: String?
    public var status: HSDSServiceStatus
    public var interpretationServices: String?
    public var applicationProcess: String?
    public var feesDescription: String?
    public var waitTime: String?
    public var eligibilityDescription: String?
    public var minimumAge: Double?
    public var maximumAge: Double?
    public var assuredDate: String?
    public var alert: String?
    public var lastModified: Date?
    public var phones: [HSDSPhone]?
    public var schedules: [HSDSSchedule]?
    public var serviceAreas: [HSDSServiceArea]?
    public var serviceAtLocations: [HSDSServiceAtLocation]?
    public var languages: [HSDSLanguage]?
    public var costOptions: [HSDSCostOption]?
    public var contacts: [HSDSContact]?
    public var attributes: [HSDSAttribute]?
    /// Filled in on output; never stored with the service.
    /// The fields Linkwell does not model, kept to be republished (not coded with the typed fields).
    public var extra: HSDSExtras? = nil
    public var organization: HSDSOrganization?

    enum CodingKeys: String, CodingKey {
        case id, organizationID = "organization_id", name, alternateName = "alternate_name", description, url, email, status
        case interpretationServices = "interpretation_services", applicationProcess = "application_process"
        case feesDescription = "fees_description", waitTime = "wait_time", eligibilityDescription = "eligibility_description"
        case minimumAge = "minimum_age", maximumAge = "maximum_age", assuredDate = "assured_date", alert
        case lastModified = "last_modified", phones, schedules, serviceAreas = "service_areas"
        case serviceAtLocations = "service_at_locations", languages, costOptions = "cost_options", contacts, attributes, organization
    }

    public init(id: String, organizationID: String?, name: String, description: String?, status: HSDSServiceStatus = .active) {
        (self.id, self.organizationID, self.name, self.description, self.status) = (id, organizationID, name, description, status)
    }

    /// The service as storage keeps it: without the nested organisation and terms (they are stored on
    /// their own and nested again on output, so a renamed term shows everywhere at once).
    public var stored: HSDSService {
        var s = self
        s.organization = nil
        s.attributes = attributes?.map { a in
            var a = a
            a.taxonomyTermID = a.termID
            a.taxonomyTerm = nil
            return a
        }
        return s
    }

    /// The ids of the taxonomy terms the service is categorised with, in order, without repeats.
    public var taxonomyTermIDs: [String] {
        var seen = Set<String>()
        return (attributes ?? []).compactMap(\.termID).filter { seen.insert($0).inserted }
    }

    /// The locations the service is delivered at.
    public var locations: [HSDSLocation] { (serviceAtLocations ?? []).compactMap(\.location) }

    /// Every schedule: the service's own and each location's.
    public var allSchedules: [HSDSSchedule] {
        (schedules ?? []) + (serviceAtLocations ?? []).flatMap { ($0.schedules ?? []) + ($0.location?.schedules ?? []) }
    }
}

/// One importable/exportable bundle of directory records, in dependency order.
public struct DirectoryBatch: Sendable, Equatable {
    public var taxonomies: [HSDSTaxonomy]
    public var terms: [HSDSTaxonomyTerm]
    public var organizations: [HSDSOrganization]
    /// Locations in their own right (a service's locations travel inside the service too).
    public var locations: [HSDSLocation] = []
    public var services: [HSDSService]
    /// Where records came from, by `kind:id` (e.g. `service:…`); records without one keep what is stored.
    public var provenance: [String: RecordProvenance] = [:]
    /// A note for the status-history entry of a service whose status this batch changes (e.g. "withdrawn by its source").
    public var statusNotes: [String: String] = [:]
    public init(taxonomies: [HSDSTaxonomy] = [], terms: [HSDSTaxonomyTerm] = [], organizations: [HSDSOrganization] = [],
                services: [HSDSService] = []) {
        (self.taxonomies, self.terms, self.organizations, self.services) = (taxonomies, terms, organizations, services)
    }
    public var isEmpty: Bool { taxonomies.isEmpty && terms.isEmpty && organizations.isEmpty && locations.isEmpty && services.isEmpty }
    public var count: Int { taxonomies.count + terms.count + organizations.count + locations.count + services.count }
}

/// Where a stored record came from and what its source last said about it.
public struct RecordProvenance: Codable, Sendable, Equatable {
    /// The source feed's name (a URL, or a file or package name).
    public var source: String
    /// The id the source used, when it was not a UUID and Linkwell mapped it.
    public var sourceID: String?
    /// The record as its source has sent it (merged over imports): the base of the three-way merge
    /// that keeps local decisions.
    public var sourceDocument: JSONValue?
    /// The source's own `last_modified`, kept beside Linkwell's.
    public var sourceModified: Date?
    /// Fields that both the source and a local decision changed: for the admin's review.
    public var conflicts: [String]
    public init(source: String, sourceID: String? = nil, sourceDocument: JSONValue? = nil, sourceModified: Date? = nil, conflicts: [String] = []) {
        (self.source, self.sourceID, self.sourceDocument, self.sourceModified, self.conflicts) = (source, sourceID, sourceDocument, sourceModified, conflicts)
    }
}

/// A stored directory record as HSDS JSON with its provenance, for merging an import into it.
public struct StoredDirectoryRecord: Sendable, Equatable {
    public var document: JSONValue
    public var provenance: RecordProvenance?
    public init(document: JSONValue, provenance: RecordProvenance?) { (self.document, self.provenance) = (document, provenance) }
}

/// The JSON coders for HSDS: ISO 8601 dates (with or without fractional seconds, or a plain date).
public enum HSDSJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not an ISO 8601 date-time.")
            }
            return date
        }
        return decoder
    }()

    /// `2025-03-01T10:00:00Z`.
    public static func formatDate(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Accepts `2025-03-01T10:00:00Z`, `2025-03-01T10:00:00.123+01:00` and `2025-03-01`.
    public static func parseDate(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return date }
        return nil
    }
}
