import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The API takes JSON in UTF-8 only, and no route stores a control character — checked on every route of
/// the OpenAPI document that takes a body, with nothing stored after any refusal.
@Suite("Strict input", .closesStores)
struct StrictInputTests {
    /// Everything a refused request could have changed, to compare before and after.
    static func snapshot(_ s: TestScheme, _ id: ReferralID) async throws -> String {
        let store = s.store
        let parts: [any Encodable] = [
            try await store.referrals(ReferralQuery()), try await store.loadCase(id), try await store.funders(), try await store.contracts(),
            try await store.grants(contractID: nil, organisationID: nil), try await store.ledger(contractID: nil, organisationID: nil),
            try await store.schemeSettings(), try await store.instrumentSetups(), try await store.administrations(referralID: id),
            try await store.supervisionNotes(linkWorkerID: s.linkWorker.id), try await store.services(),
            try await store.auditEvents(recordID: nil, limit: 100_000).count,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try parts.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
    }

    @Test("Every route with a body refuses other media types, other charsets, UTF-16, bad UTF-8 and control characters", arguments: TestBackend.available)
    func everyRoute(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in
            let openAPI = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: try await client.execute(uri: "/openapi.json", method: .get).body).utf8)) as? [String: Any])
            let paths = try #require(openAPI["paths"] as? [String: [String: Any]])
            var routes: [(String, HTTPRequest.Method)] = []
            for (path, operations) in paths where path.hasPrefix("/api/") {
                for (method, operation) in operations where (operation as? [String: Any])?["requestBody"] != nil {
                    routes.append((path, HTTPRequest.Method(rawValue: method.uppercased())!))
                }
            }
            #expect(routes.count >= 30, "the OpenAPI document lists the routes that take a body")
            let token = try await s.token(for: s.supervisor)
            let before = try await Self.snapshot(s, id)
            let valid = #"{"note":"Fine","reason":"other"}"#
            let nested = #"{"person":{"givenName":"Ann\u0000e"},"note":{"deep":["ok","tab\tand line\nare fine","bell\u0007"]},"bad\u001Fkey":1}"#
            var utf16 = Data([0xFF, 0xFE])
            utf16.append(valid.data(using: .utf16LittleEndian)!)
            let cases: [(String?, Data, HTTPResponse.Status)] = [
                ("text/plain", Data(valid.utf8), .unsupportedMediaType),
                ("application/x-www-form-urlencoded", Data("note=Fine".utf8), .unsupportedMediaType),
                (nil, Data(valid.utf8), .unsupportedMediaType),
                ("application/json; charset=utf-16", utf16, .unsupportedMediaType),
                ("application/json; charset=iso-8859-1", Data(valid.utf8), .unsupportedMediaType),
                ("application/json", utf16, .badRequest),
                ("application/json", valid.data(using: .utf16LittleEndian)!, .badRequest),
                ("application/json", Data(#"{"note":"caf"#.utf8) + Data([0xE9]) + Data(#""}"#.utf8), .badRequest),
                ("application/json", Data(nested.utf8), .unprocessableContent),
                ("application/json", Data(#"{"note":"line\r"}"#.utf8), .unprocessableContent),
            ]
            for (path, method) in routes {
                let uri = path.replacingOccurrences(of: "{id}", with: id.rawValue).replacing(/\{[a-z]+\}/, with: "x")
                for (contentType, body, status) in cases {
                    var headers: HTTPFields = [.authorization: "Bearer \(token)"]
                    if let contentType { headers[.contentType] = contentType }
                    let response = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: body))
                    let text = String(buffer: response.body)
                    #expect(response.status == status, "\(method) \(uri) with \(contentType ?? "no type"): \(text)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    if status == .unprocessableContent && body == Data(nested.utf8) {
                        let problem = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                        let fields = (problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                        #expect(fields == ["person.givenName", "note.deep[2]", "bad\\u001Fkey"], "\(uri): \(text)")
                    }
                }
            }
            #expect(try await Self.snapshot(s, id) == before, "nothing was stored")

            // The same request, well formed, is accepted: the charset may be given, CRLF and tabs are text.
            let good = try await client.execute(uri: "/api/v1/referrals/\(id)/contacts", method: .post,
                                                headers: [.authorization: "Bearer \(try await s.token(for: s.linkWorker))", .contentType: "Application/JSON; Charset=UTF-8"],
                                                body: ByteBuffer(string: #"{"mode":"phone","durationMinutes":5,"successful":true,"notes":"one\r\ntwo\tthree"}"#))
            #expect(good.status == .ok, "\(String(buffer: good.body))")
            #expect(try await s.store.loadCase(id)?.contacts.last?.notes == "one\r\ntwo\tthree")
        }
        try await s.store.shutdown()
    }

    @Test("Forms refuse control characters and broken encodings with a form error naming the field")
    func forms() async throws {
        try await WebPagesTests().withSite { s, browser in
            _ = try await browser.signIn(s.referrer.email)
            let (_, page) = try await browser.go(.get, "/referrals/new")
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: page))
            for (field, raw) in [("person.givenName", "Ann%00e"), ("personView", "bell%07"), ("person.familyName", "caf%E9"), ("form", "na%00me")] {
                let name = field == "form" ? raw : field
                let value = field == "form" ? "x" : raw
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                headers[.cookie] = browser.cookies.map { "\($0)=\($1)" }.joined(separator: "; ")
                let response = try await browser.client.execute(uri: "/referrals", method: .post, headers: headers,
                                                                body: ByteBuffer(string: "_csrf=\(csrf)&\(name)=\(value)&person.familyName=Hughes"))
                let html = String(buffer: response.body)
                #expect(response.status == .unprocessableContent, "\(field): \(response.status)")
                #expect(html.contains("\(field): "), "the error names \(field): \(html)")
            }
            // Text areas send CRLF line ends: they are ordinary text.
            var fields = ["_csrf": csrf, "person.givenName": "Ann", "person.familyName": "Hughes", "person.dateOfBirth": "1950-01-02",
                          "person.postcode": "LS6 2QT", "person.phone": "07700 900001", "sourceType": "gp", "needs": "loneliness",
                          "consent.given": "yes", "consent.givenBy": "Ann", "consent.method": "verbal"]
            fields["personView"] = "line one\r\nline two"
            let (made, _) = try await browser.go(.post, "/referrals", form: fields)
            #expect(made.status == .seeOther)
            let stored = try await s.store.referrals(ReferralQuery())
            #expect(stored.count == 1, "only the well-formed referral was stored")
            if let id = stored.first?.id { #expect(try await s.store.loadCase(id)?.referral.personView == "line one\nline two") }
        }
    }
}
