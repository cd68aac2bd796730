import Foundation
import PostgresKit
import SQLKit

/// A row from PostgreSQL, decoded as PostgresKit decodes it, except for a value that decodes itself from one value of
/// a column (an identifier from its text, a status or urgency from its name, an optional of those).
///
/// PostgresKit decodes those through its general decoder, which builds coding paths, casts and looks up generic
/// metadata for every value: on the five-year scheme's caseload under 8 clients that was 15% of the server's CPU
/// (`perf`: `PostgresDataTranslation.decode` under `SQLStore.referrals`, six such values a row). Here the value's own
/// `init(from:)` runs against the one cell, and each plain value it asks for (the text of an identifier) is decoded by
/// PostgresKit's own quick path (`kit`), so the result is what PostgresKit gives. A value that asks for keys or a list
/// (JSON) is left to PostgresKit whole.
struct PostgresSQLRow: SQLRow {
    /// PostgresKit's view of the row, which decodes every plain value.
    let kit: any SQLRow

    init(_ row: PostgresRow) { kit = row.sql() }

    var allColumns: [String] { kit.allColumns }
    func contains(column: String) -> Bool { kit.contains(column: column) }
    func decodeNil(column: String) throws -> Bool { try kit.decodeNil(column: column) }

    func decode<T: Decodable>(column: String, as type: T.Type) throws -> T {
        guard !(T.self is any PostgresDecodable.Type), kit.contains(column: column) else { return try kit.decode(column: column, as: T.self) }
        do {
            return try T(from: CellDecoder(kit: kit, column: column, depth: 0))
        } catch is CellDecoder.NotOneValue {
            return try kit.decode(column: column, as: T.self)
        }
    }

    /// Decodes one cell as one value; asked for keys or a list, or handed on and on (a type PostgresNIO has no
    /// decoding for, asking for itself), it gives up (`NotOneValue`).
    private struct CellDecoder: Decoder, SingleValueDecodingContainer {
        struct NotOneValue: Error {}
        let kit: any SQLRow
        let column: String
        let depth: Int
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NotOneValue() }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NotOneValue() }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { (try? kit.decodeNil(column: column)) ?? true }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if T.self is any PostgresDecodable.Type { return try kit.decode(column: column, as: T.self) }
            guard depth < 4 else { throw NotOneValue() }
            return try T(from: CellDecoder(kit: kit, column: column, depth: depth + 1))
        }
    }
}
