import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Runs `body` against the scheme's real router (no socket), then shuts the scheme's store down and
/// waits for it, also when `body` throws.
func withRouter(_ s: TestScheme, configuration: WebConfiguration? = nil,
                _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    do {
        let router = try await buildRouter(configuration: configuration ?? s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router, body)
    } catch {
        try? await s.store.shutdown()
        throw error
    }
    try await s.store.shutdown()
}

/// The JSON API as a signed-in (bearer token) or anonymous caller: the one helper every API test uses.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let s: TestScheme

    /// Sends `json` as the user (a fresh bearer token; none when nil) and returns the response and its body.
    func send(_ method: HTTPRequest.Method, _ uri: String, as user: User?, json body: String? = nil) async throws -> (TestResponse, String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let user { headers[.authorization] = "Bearer \(try await s.token(for: user))" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return (response, String(buffer: response.body))
    }

    /// As `send`, checking the status (and that errors are problem details); returns the JSON body (a
    /// top-level array as `["list": …]`).
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, as user: User?, json body: String? = nil,
              expect status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let (response, text) = try await send(method, uri, as: user, json: body)
        #expect(response.status == status, "\(method) \(uri): \(text)", sourceLocation: sourceLocation)
        if status.code >= 400 {
            #expect(response.headers[.contentType] == "application/problem+json", "\(method) \(uri)", sourceLocation: sourceLocation)
        }
        return Self.parse(text)
    }

    /// A referral made by the scheme's referrer from `json`, accepted by its link worker, with a contact (the
    /// note "Private casework note") and a baseline ONS4: a case with something in each part a view could show.
    func referralInSupport(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let id = try #require(try await call(.post, "/api/v1/referrals", as: s.referrer, json: json, expect: .created)["id"] as? String,
                              sourceLocation: sourceLocation)
        try await call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
        try await call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                       json: #"{"mode":"phone","durationMinutes":30,"successful":true,"notes":"Private casework note"}"#, expect: .ok)
        try await call(.post, "/api/v1/referrals/\(id)/administrations", as: s.linkWorker,
                       json: #"{"instrumentId":"ons4","timepoint":"baseline","answers":{"life_satisfaction":4,"worthwhile":5,"happiness":6,"anxiety":3}}"#,
                       expect: .created)
        return id
    }

    /// A JSON body as a dictionary (a top-level array as `["list": …]`; anything else as empty).
    static func parse(_ text: String) -> [String: Any] {
        let value = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        return value as? [String: Any] ?? (value.map { ["list": $0] } ?? [:])
    }
}
