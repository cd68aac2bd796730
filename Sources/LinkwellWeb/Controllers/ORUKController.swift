import Foundation
import Hummingbird
import LinkwellCore

/// The Open Referral UK (HSDS 3.0) read API under `/oruk`: public directory data only, open to anyone
/// (no sign-in, `Access-Control-Allow-Origin: *`). Never person, referral or feedback data.
struct ORUKController: Sendable {
    let directory: DirectoryService
    var store: any CommunityDirectoryStore { directory.store }

    /// A page of HSDS records with the HSDS paging fields beside `contents`.
    struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
        var page: HSDSPage
        var contents: [Item]
        func encode(to encoder: any Encoder) throws {
            try page.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(contents, forKey: Key(stringValue: "contents")!)
        }
        struct Key: CodingKey {
            var stringValue: String
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
    }

    struct About: Encodable, Sendable {
        var version = "3.0"
        var profile = "https://openreferraluk.org/"
        var openapiURL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
        enum CodingKeys: String, CodingKey { case version, profile, openapiURL = "openapi_url" }
    }

    func register(on router: Router<AppRequestContext>) {
        let oruk = router.group("oruk").add(middleware: ORUKMiddleware())
        oruk.get("/") { _, _ in hsds(About()) }
        let feed = ORUKFeed(directory: directory)
        oruk.get("services") { request, _ in jsonBytes(try await feed.services(Self.searchInput(request))) }
        oruk.get("services/:id") { _, context in jsonBytes(try await feed.service(id: try context.parameters.require("id"))) }
        oruk.get("organizations") { request, _ in
            let (page, perPage) = try Self.paging(request)
            let (items, total) = try await store.hsdsOrganizations(page: page, perPage: perPage)
            try Self.checkPage(page, perPage: perPage, total: total, empty: items.isEmpty)
            return hsds(Page(page: HSDSPage(total: total, page: page, perPage: perPage, size: items.count), contents: items))
        }
        oruk.get("organizations/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let org = try await store.hsdsOrganization(id: id) else { throw LinkwellError.notFound("organization \(id)") }
            return hsds(org)
        }
        oruk.get("taxonomies") { request, _ in
            let (page, perPage) = try Self.paging(request)
            return try Self.paged(try await store.taxonomies(), page: page, perPage: perPage)
        }
        oruk.get("taxonomies/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let t = try await store.taxonomies().first(where: { $0.id == id }) else { throw LinkwellError.notFound("taxonomy \(id)") }
            return hsds(t)
        }
        oruk.get("taxonomy_terms") { request, _ in
            let (page, perPage) = try Self.paging(request)
            var terms = try await store.taxonomyTerms(ids: nil)
            if let taxonomy = request.uri.queryParameters["taxonomy_id"].map(String.init), !taxonomy.isEmpty {
                terms = terms.filter { $0.taxonomyID == taxonomy }
            }
            return try Self.paged(terms, page: page, perPage: perPage)
        }
        oruk.get("taxonomy_terms/:id") { _, context in
            let id = try context.parameters.require("id")
            guard var t = try await store.taxonomyTerms(ids: [id]).first else { throw LinkwellError.notFound("taxonomy term \(id)") }
            t.taxonomyDetail = try await t.taxonomyID.asyncFlatMap { tid in try await store.taxonomies().first { $0.id == tid } }
            return hsds(t)
        }
    }

    static func searchInput(_ request: Request) -> DirectorySearchInput {
        ORUKFeed.searchInput { request.uri.queryParameters[Substring($0)].map(String.init) }
    }

    static func paging(_ request: Request) throws -> (Int, Int) {
        var input = DirectorySearchInput()
        input.page = request.uri.queryParameters["page"].map(String.init)
        input.perPage = request.uri.queryParameters["per_page"].map(String.init)
        let (q, _) = try input.query(linkWorkerDefaults: false)
        return (q.page, q.perPage)
    }

    static func checkPage(_ page: Int, perPage: Int, total: Int, empty: Bool) throws {
        if empty && page > 1 {
            throw LinkwellError.invalid("page", "Page \(page) is past the end: there are \(total) records in \(HSDSPage(total: total, page: 1, perPage: perPage, size: 0).totalPages) page(s).")
        }
    }

    static func paged<T: Encodable & Sendable>(_ all: [T], page: Int, perPage: Int) throws -> Response {
        let items = Array(all.dropFirst((page - 1) * perPage).prefix(perPage))
        try checkPage(page, perPage: perPage, total: all.count, empty: items.isEmpty)
        return hsds(Page(page: HSDSPage(total: all.count, page: page, perPage: perPage, size: items.count), contents: items))
    }
}

/// The ORUK services feed as JSON bytes: what `/oruk/services` and `/oruk/services/{id}` answer
/// (public so that the benchmark can time the same work without HTTP).
public struct ORUKFeed: Sendable {
    let directory: DirectoryService
    public init(directory: DirectoryService) { self.directory = directory }

    /// ORUK query parameters (looked up by name) to Linkwell's search input (`proximity` is metres).
    public static func searchInput(_ value: (String) -> String?) -> DirectorySearchInput {
        var input = DirectorySearchInput()
        input.search = value("search")
        input.page = value("page")
        input.perPage = value("per_page")
        input.taxonomyTermID = value("taxonomy_term_id")
        input.organizationID = value("organization_id")
        input.modifiedAfter = value("modified_after")
        input.postcode = value("postcode")
        input.latitude = value("lat")
        input.longitude = value("long")
        // Linkwell extensions: open on a day (MO…SU) at a time (HH:MM).
        input.openDay = value("open_day")
        input.openTime = value("open_time")
        if let metres = value("proximity") { input.radiusKm = Double(metres).map { String($0 / 1000) } ?? metres }
        return input
    }

    /// A page of services (HSDS list items with their organisation) and the HSDS paging object.
    public func services(_ input: DirectorySearchInput) async throws -> Data {
        let (query, results) = try await directory.search(input, forLinkWorker: false)
        let services = try await directory.published(results.hits.map(\.listing.service), nestTerms: false).map(\.listItem)
        return try HSDSJSON.encoder.encode(ORUKController.Page(page: HSDSPage(total: results.total, page: query.page, perPage: query.perPage, size: services.count),
                                                               contents: services))
    }

    /// One service in full, with its organisation and terms nested.
    public func service(id: String) async throws -> Data {
        guard let listing = try await directory.store.listing(id: id) else { throw LinkwellError.notFound("service \(id)") }
        return try HSDSJSON.encoder.encode(try await directory.published([listing.service])[0])
    }
}

/// HSDS JSON (snake_case, ISO 8601 dates).
func hsds<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    jsonBytes((try? HSDSJSON.encoder.encode(value)) ?? Data("{}".utf8), status: status)
}

func jsonBytes(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// Open to every origin, with errors as problem details (so a browser client can read them too).
struct ORUKMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do { response = try await next(request, context) } catch { response = Problem(error).response() }
        response.headers[.accessControlAllowOrigin] = "*"
        if response.status == .ok { response.headers[.cacheControl] = "public, max-age=60" }
        return response
    }
}

extension HSDSService {
    /// The one-to-one fields only, as HSDS list endpoints return services (plus the organisation).
    var listItem: HSDSService {
        var s = HSDSService(id: id, organizationID: organizationID, name: name, description: description, status: status)
        (s.alternateName, s.url, s.email, s.interpretationServices, s.applicationProcess) = (alternateName, url, email, interpretationServices, applicationProcess)
        (s.feesDescription, s.waitTime, s.eligibilityDescription, s.minimumAge, s.maximumAge) = (feesDescription, waitTime, eligibilityDescription, minimumAge, maximumAge)
        (s.assuredDate, s.alert, s.lastModified) = (assuredDate, alert, lastModified)
        s.organization = organization.map { o in
            var o = o
            (o.phones, o.contacts) = (nil, nil)
            return o
        }
        return s
    }
}
