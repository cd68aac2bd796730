import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The OpenAPI document and the router cannot disagree: every `/api/v1`, `/oruk` and `/fhir` route the
/// router has is documented with its method, and every documented path and method is routed.
@Suite("OpenAPI document against the router", .closesStores)
struct OpenAPIRoutesTests {
    static let documentedPrefixes = ["/api/v1", "/oruk", "/fhir"]

    /// "get /api/v1/referrals/{}": parameter names and a trailing slash do not matter to routing.
    static func key(_ method: String, _ path: String) -> String {
        var normal = path.replacingOccurrences(of: #"\{[^}]*\}"#, with: "{}", options: .regularExpression)
        if normal.count > 1, normal.hasSuffix("/") { normal.removeLast() }
        return "\(method.lowercased()) \(normal)"
    }

    @Test("Every documented route is routed, and every routed API route is documented")
    func documentMatchesRouter() async throws {
        let s = try await TestScheme.make(.memory)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        let routed = Set(router.routes
            .filter { r in Self.documentedPrefixes.contains { r.path.description == $0 || r.path.description.hasPrefix($0 + "/") } }
            .map { Self.key($0.method.rawValue, $0.path.description) })
        #expect(routed.count > 50, "the router's routes were read")

        // The document as served.
        let served = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get)
        }
        let document = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: served.body).utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        let documented = Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { Self.key($0, path) } })

        #expect(routed.subtracting(documented).sorted() == [], "routed but not in openapi.json")
        #expect(documented.subtracting(routed).sorted() == [], "in openapi.json but not routed")
        // A conflict's problem documents its code: every code Core has, and no other.
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let problem = try #require((schemas["Problem"] as? [String: Any])?["properties"] as? [String: Any])
        let codes = try #require((problem["code"] as? [String: Any])?["enum"] as? [String])
        #expect(codes == ConflictCode.allCases.map(\.rawValue), "openapi.json's conflict codes")
        #expect(problem["values"] != nil)
        try await s.store.shutdown()
    }
}
