import Foundation
import PostgresKit
import SQLKit

/// A row from PostgreSQL, decoded as PostgresKit decodes it, but without PostgresKit's general decoder where a value
/// needs none.
///
/// PostgresKit sends every value through its general decoder: a coding path built, casts tried and generic metadata
/// looked up for each one, before the cell decodes itself. On the five-year scheme's caseload under 8 clients that
/// was 15% of the server's CPU (`perf`: `PostgresDataTranslation.decode` under `SQLStore.referrals`), and after the
/// identifiers below were read from their one value, still 13% (`SQLStore.summary`: 15 values a row). Here:
/// - a plain value (text, integer, time, boolean, or an optional of one) is decoded by PostgresNIO from its cell
///   directly (`plain`), which is what PostgresKit's quick path does once it has found it;
/// - a value that decodes itself from one value of a column (an identifier from its text, a status or urgency from
///   its name, an optional of those) runs its own `init(from:)` against the one cell, each plain value it asks for
///   decoded as above;
/// - anything else (a floating-point value, which PostgresKit also reads from `numeric`; an array; JSON; a value that
///   asks for keys or a list) is left to PostgresKit whole, as is a column the row does not have.
struct PostgresSQLRow: SQLRow {
    let row: PostgresRow
    /// The cells by column name (PostgresNIO's lookup table, shared by the rows of one result).
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        cells = row.makeRandomAccess()
    }

    /// PostgresKit's view of the row, for what is left to it.
    var kit: any SQLRow { row.sql() }

    var allColumns: [String] { cells.map(\.columnName) }
    func contains(column: String) -> Bool { cells.contains(column) }
    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<T: Decodable>(column: String, as type: T.Type) throws -> T {
        guard cells.contains(column) else { return try kit.decode(column: column, as: T.self) }
        let cell = cells[column]
        if let value = try Self.plain(T.self, from: cell) { return value }
        guard !(T.self is any PostgresDecodable.Type) else { return try kit.decode(column: column, as: T.self) }
        do {
            return try T(from: CellDecoder(row: self, cell: cell, column: column, depth: 0))
        } catch is CellDecoder.NotOneValue {
            return try kit.decode(column: column, as: T.self)
        }
    }

    /// Text, an integer, a time or a boolean (or an optional of one) decoded by PostgresNIO from `cell`, as PostgresKit's
    /// quick path decodes it; nil for any other type, and for text PostgresKit reads in its own way (a user-defined type).
    static func plain<T>(_ type: T.Type, from cell: PostgresCell) throws -> T? {
        if T.self == String.self || T.self == String?.self {
            guard !cell.dataType.isUserDefined else { return nil }
            return T.self == String.self ? unsafeBitCast(try cell.decode(String.self), to: T.self)
                : unsafeBitCast(try cell.decode(String?.self), to: T.self)
        }
        if T.self == Int.self { return unsafeBitCast(try cell.decode(Int.self), to: T.self) }
        if T.self == Int?.self { return unsafeBitCast(try cell.decode(Int?.self), to: T.self) }
        if T.self == Date.self { return unsafeBitCast(try cell.decode(Date.self), to: T.self) }
        if T.self == Date?.self { return unsafeBitCast(try cell.decode(Date?.self), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try cell.decode(Bool.self), to: T.self) }
        if T.self == Bool?.self { return unsafeBitCast(try cell.decode(Bool?.self), to: T.self) }
        return nil
    }

    /// Decodes one cell as one value; asked for keys or a list, or handed on and on (a type PostgresNIO has no
    /// decoding for, asking for itself), it gives up (`NotOneValue`).
    private struct CellDecoder: Decoder, SingleValueDecodingContainer {
        struct NotOneValue: Error {}
        let row: PostgresSQLRow
        let cell: PostgresCell
        let column: String
        let depth: Int
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NotOneValue() }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NotOneValue() }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { cell.bytes == nil }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let value = try PostgresSQLRow.plain(T.self, from: cell) { return value }
            if T.self is any PostgresDecodable.Type { return try row.kit.decode(column: column, as: T.self) }
            guard depth < 4 else { throw NotOneValue() }
            return try T(from: CellDecoder(row: row, cell: cell, column: column, depth: depth + 1))
        }
    }
}
