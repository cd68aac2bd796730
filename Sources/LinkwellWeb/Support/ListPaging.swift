import Foundation
import Hummingbird
import HTTPTypes
import LinkwellCore

/// Pages an API list that its service builds whole and in a stable order (short reference lists and
/// work queues): `limit` (default 50) and `cursor` as on every list, the next page in a `Link` header.
/// The cursor names the last row shown, so the next page starts right after it however rows before it
/// changed; a cursor whose row has gone since (or from another list) is a 422 naming `cursor`.
func pagedList<T: Encodable & Sendable>(_ rows: [T], request: Request, id: (T) -> String) throws -> Response {
    pagedJSON(try Page(list: rows, page: try request.pageRequest().requireNamed(), id: id), request: request)
}
