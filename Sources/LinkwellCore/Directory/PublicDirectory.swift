import Foundation

/// What the public self-help directory shows of one service, with no sign-in: only fields the Open
/// Referral UK feed publishes for it (`/oruk/services/{id}`), in plain words. Never the scheme's own
/// facts about a group — governance checks, link workers' feedback, capacity, review state, status
/// history — nor anything about people.
public struct PublicServiceView: Sendable, Equatable {
    public var id: String
    public var name: String
    public var organisation: String?
    public var description: String?
    public var website: String?
    public var email: String?
    public var phones: [String]
    /// Where it happens: each location's name and address.
    public var places: [String]
    /// When it happens, as its source describes it.
    public var times: [String]
    public var costs: [String]
    public var whoItIsFor: String?
    public var howToJoin: String?
    public var languages: [String]
    /// Still running (not closed or withdrawn), so the public may ask to be referred to it.
    public var isOpen: Bool
    public var temporarilyClosed: Bool
    public var distanceKm: Double?

    public init(_ s: HSDSService, organisation: String?, distanceKm: Double?) {
        id = s.id
        name = s.name
        self.organisation = organisation
        description = s.description
        website = s.url
        email = s.email
        phones = (s.phones ?? []).map(\.number)
        let locations = (s.serviceAtLocations ?? []).compactMap(\.location)
        places = locations.map { (l: HSDSLocation) -> String in
            let address = (l.addresses ?? []).first.map { a in
                [a.address1, a.address2, a.city, a.postalCode].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            }
            return [l.name, address].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        }.filter { !$0.isEmpty }
        let schedules = (s.schedules ?? []) + (s.serviceAtLocations ?? []).flatMap { $0.schedules ?? [] } + locations.flatMap { $0.schedules ?? [] }
        times = schedules.compactMap { (sc: HSDSSchedule) -> String? in
            if let d = sc.description, !d.isEmpty { return d }
            guard let opens = sc.opensAt, let closes = sc.closesAt else { return nil }
            return [sc.byday.map(Self.days), "\(opens.prefix(5))–\(closes.prefix(5))"].compactMap { $0 }.joined(separator: " ")
        }
        costs = (s.costOptions ?? []).compactMap { (c: HSDSCostOption) -> String? in
            if let amount = c.amount { return amount == 0 ? "Free" : String(format: "£%.2f", amount) + (c.option.map { " (\($0))" } ?? "") }
            return c.amountDescription ?? c.option
        }
        whoItIsFor = s.eligibilityDescription
        howToJoin = s.applicationProcess
        languages = (s.languages ?? []).compactMap(\.name)
        isOpen = s.status == .active || s.status == .temporarilyClosed
        temporarilyClosed = s.status == .temporarilyClosed
        self.distanceKm = distanceKm
    }

    /// "MO,WE" → "Monday, Wednesday".
    static func days(_ byday: String) -> String {
        let names = ["MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"]
        return byday.split(separator: ",").map { names[String($0.suffix(2)).uppercased()] ?? String($0) }.joined(separator: ", ")
    }
}

extension DirectoryService {
    /// The public directory's search: words, a need (a term of the needs taxonomy) and distance from a
    /// postcode, as the staff directory searches, over the services the feed publishes (closed ones left
    /// out). Nothing is audited: no one's record is read.
    public func publicSearch(words: String?, need: String?, postcode: String?, page: String?) async throws -> (services: [PublicServiceView], total: Int, query: DirectoryQuery) {
        var input = DirectorySearchInput()
        input.search = words
        input.taxonomyTermID = need
        input.postcode = postcode
        input.page = page
        input.perPage = "20"
        if let postcode, !postcode.trimmingCharacters(in: .whitespaces).isEmpty { input.radiusKm = "10" }
        var (query, normalised) = try input.query(linkWorkerDefaults: false)
        // Only what is running (or closed for now): the public cannot ask for a group that has ended.
        query.statuses = [.active, .temporarilyClosed]
        if let normalised {
            guard let point = try await store.postcodePoint(normalised) else {
                throw LinkwellError.invalid([FieldError("postcode", .postcodeUnknownToUs, ["postcode": normalised])])
            }
            query.near = point
        }
        let results = try await store.searchDirectory(query)
        if results.hits.isEmpty && query.page > 1 { throw LinkwellError.invalid([FieldError("page", .noMoreResults)]) }
        let names = try await organisationNames(Set(results.hits.compactMap(\.listing.service.organizationID)))
        return (results.hits.map { PublicServiceView($0.listing.service, organisation: $0.listing.service.organizationID.flatMap { names[$0] }, distanceKm: $0.distanceKm) },
                results.total, query)
    }

    /// One service as the public sees it; "not found" when there is none.
    public func publicService(id: String) async throws -> PublicServiceView {
        guard id.count <= 200, let listing = try await store.listing(id: id) else { throw LinkwellError.notFound("service") }
        let names = try await organisationNames(Set([listing.service.organizationID].compactMap { $0 }))
        return PublicServiceView(listing.service, organisation: listing.service.organizationID.flatMap { names[$0] }, distanceKm: nil)
    }

    /// The needs a member of the public can search by (the needs taxonomy's terms).
    public static var publicNeeds: [HSDSTaxonomyTerm] { NeedsTaxonomy.terms.sorted { $0.name < $1.name } }
}
