import Foundation
import Hummingbird
import HTTPTypes
import LinkwellCore

extension Request {
    /// The page asked for with `limit` and `cursor`; a bad one is refused (422) naming the parameter.
    func pageRequest(defaultLimit: Int = PageRequest.defaultLimit) throws -> PageRequest {
        try PageRequest(limit: uri.queryParameters["limit"].map(String.init), cursor: uri.queryParameters["cursor"].map(String.init),
                        defaultLimit: defaultLimit)
    }

    /// A query parameter, or nil when absent, decoded as a GET form sends it ("+" is a space, "%2B" a plus).
    func query(_ name: String) -> String? { FormData(uri.query ?? "")[name] }

    /// This request's path and query with the parameters `changes` set (nil removes one): next-page links
    /// keep every filter the client gave.
    func link(_ changes: [String: String?]) -> String {
        var components = URLComponents()
        components.path = uri.path
        var items = uri.queryParameters.map { URLQueryItem(name: String($0.key), value: String($0.value)) }.filter { changes[$0.name] == nil }
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) { if let value { items.append(URLQueryItem(name: name, value: value)) } }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? uri.path
    }
}

/// A page of an API list: the rows as a JSON array (as before paging) and, when there are more, a
/// `Link: <…?cursor=…>; rel="next"` header.
func pagedJSON<T: Encodable & Sendable>(_ page: Page<T>, request: Request) -> Response {
    var response = json(page.rows)
    if let next = page.next {
        response.headers[HTTPField.Name("Link")!] = "<\(request.link(["cursor": next.token]))>; rel=\"next\""
    }
    return response
}
