import Foundation
import Hummingbird
import LinkwellCore

/// The Open Referral UK (HSDS 3.0) read API under `/oruk`: public directory data only, open to anyone
/// (no sign-in, `Access-Control-Allow-Origin: *`). Never person, referral or feedback data. Every
/// answer is JSON, errors included; an unknown parameter or unsupported value is a 400 problem.
struct ORUKController: Sendable {
    let directory: DirectoryService

    struct About: Encodable, Sendable {
        var version = "3.0"
        var profile = "https://openreferraluk.org/"
        var openapiURL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
        enum CodingKeys: String, CodingKey { case version, profile, openapiURL = "openapi_url" }
    }

    func register(on router: Router<AppRequestContext>) {
        let oruk = router.group("oruk").add(middleware: ORUKMiddleware())
        func route(_ path: RouterPath, _ endpoint: ORUKEndpoint,
                   _ answer: @escaping @Sendable ([String: String], AppRequestContext) async throws -> JSONValue) {
            oruk.get(path) { request, context in
                let params = try endpoint.check(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
                return jsonBytes(try await answer(params, context).serialized())
            }
        }
        oruk.get("/") { request, _ in
            _ = try ORUKEndpoint.about.check(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            return jsonBytes(try HSDSJSON.encoder.encode(About()))
        }
        route("services", .services) { p, _ in try await directory.orukServices(p) }
        route("services/:id", .service) { _, c in try await directory.orukService(id: try c.parameters.require("id")) }
        route("service_at_locations", .serviceAtLocations) { p, _ in try await directory.orukServiceAtLocations(p) }
        route("service_at_locations/:id", .serviceAtLocation) { _, c in try await directory.orukServiceAtLocation(id: try c.parameters.require("id")) }
        route("organizations", .organizations) { p, _ in try await directory.orukOrganizations(p) }
        route("organizations/:id", .organization) { p, c in try await directory.orukOrganization(id: try c.parameters.require("id"), p) }
        route("taxonomies", .taxonomies) { p, _ in try await directory.orukTaxonomies(p) }
        route("taxonomies/:id", .taxonomy) { _, c in try await directory.orukTaxonomy(id: try c.parameters.require("id")) }
        route("taxonomy_terms", .taxonomyTerms) { p, _ in try await directory.orukTaxonomyTerms(p) }
        route("taxonomy_terms/:id", .taxonomyTerm) { _, c in try await directory.orukTaxonomyTerm(id: try c.parameters.require("id")) }
        // Anything else under /oruk (an unknown path, or a write) is answered by ErrorMiddleware as a
        // JSON problem with CORS, like every ORUK error.
    }
}

/// The ORUK services feed as JSON bytes: what `/oruk/services` and `/oruk/services/{id}` answer
/// (public so that the benchmark can time the same work without HTTP).
public struct ORUKFeed: Sendable {
    let directory: DirectoryService
    public init(directory: DirectoryService) { self.directory = directory }

    /// ORUK query parameters (looked up by name) to Linkwell's search input (`proximity` is metres).
    public static func searchInput(_ value: (String) -> String?) -> DirectorySearchInput {
        var p: [String: String] = [:]
        for name in ORUKEndpoint.services.parameters { p[name] = value(name) }
        return DirectoryService.searchInput(p)
    }

    /// A page of services (HSDS list items with their organisation) and the HSDS paging object.
    public func services(_ input: DirectorySearchInput) async throws -> Data {
        var p: [String: String] = [:]
        let given: [(String, String?)] = [("search", input.search), ("page", input.page), ("per_page", input.perPage),
                                          ("taxonomy_term_id", input.taxonomyTermID), ("organization_id", input.organizationID),
                                          ("modified_after", input.modifiedAfter), ("postcode", input.postcode), ("lat", input.latitude),
                                          ("long", input.longitude), ("open_day", input.openDay), ("open_time", input.openTime)]
        for (name, value) in given { p[name] = value }
        if let km = input.radiusKm.flatMap(Double.init) { p["proximity"] = String(km * 1000) }
        return Data(try await directory.orukServices(p).serialized())
    }

    /// One service in full, with its organisation and terms nested.
    public func service(id: String) async throws -> Data { Data(try await directory.orukService(id: id).serialized()) }
}

/// HSDS JSON (snake_case, ISO 8601 dates); as `json`, a value that cannot be encoded answers a 500 problem.
func hsds<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    guard let data = try? HSDSJSON.encoder.encode(value) else { return Problem.encodingFailed.response() }
    return jsonBytes(data, status: status)
}

func jsonBytes<Bytes: Sequence>(_ bytes: Bytes, status: HTTPResponse.Status = .ok) -> Response where Bytes.Element == UInt8 {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// Open to every origin, with errors as problem details (so a browser client can read them too).
/// Bad parameters are 400 here (the ORUK convention), not 422.
struct ORUKMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do { response = try await next(request, context) } catch { response = Self.problem(error).response() }
        response.headers[.accessControlAllowOrigin] = "*"
        if response.status == .ok { response.headers[.cacheControl] = "public, max-age=60" }
        return response
    }

    static func problem(_ error: any Error) -> Problem {
        if case LinkwellError.invalid(let fields) = error {
            return Problem(status: 400, title: "Bad request", detail: fields.map { "\($0.field): \($0.message)" }.joined(separator: " "), errors: fields)
        }
        return Problem(error)
    }
}
