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
    let cells: PostgresRandomAccessRow
    /// The result's columns by name, made once for all its rows (`Columns`).
    let columns: Columns

    /// The columns of one result by name: made from its first row and handed to the rest, so that a value is found by
    /// one lookup (PostgresNIO's own row looks a name up twice: once to check it, once to read it). A name given twice
    /// is the last column of that name, as in PostgresNIO.
    struct Columns: Sendable {
        let names: [String]
        let index: [String: Int]
        init(_ cells: PostgresRandomAccessRow) {
            names = cells.map(\.columnName)
            var index: [String: Int] = [:]
            for (position, name) in names.enumerated() { index[name] = position }
            self.index = index
        }
    }

    init(_ row: PostgresRow, columns: Columns? = nil) {
        self.row = row
        cells = row.makeRandomAccess()
        self.columns = columns ?? Columns(cells)
    }

    /// PostgresKit's view of the row, for what is left to it.
    var kit: any SQLRow { row.sql() }

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }
    func decodeNil(column: String) throws -> Bool { columns.index[column].map { cells[$0].bytes == nil } ?? true }

    func decode<T: Decodable>(column: String, as type: T.Type) throws -> T {
        guard let position = columns.index[column] else { return try kit.decode(column: column, as: T.self) }
        let cell = cells[position]
        if let value = try Self.plain(T.self, from: cell) { return value }
        guard !(T.self is any PostgresDecodable.Type) else { return try kit.decode(column: column, as: T.self) }
        do {
            return try T(from: CellDecoder(row: self, cell: cell, column: column, depth: 0))
        } catch is CellDecoder.NotOneValue {
            return try kit.decode(column: column, as: T.self)
        }
    }

    // The optional types, made once: `String?.self` written at each comparison looks its metadata up each time.
    private static let optionalString: Any.Type = String?.self, optionalInt: Any.Type = Int?.self
    private static let optionalDate: Any.Type = Date?.self, optionalBool: Any.Type = Bool?.self

    /// Text, an integer, a time or a boolean (or an optional of one) decoded by PostgresNIO from `cell`, as PostgresKit's
    /// quick path decodes it; nil for any other type, and for text PostgresKit reads in its own way (a user-defined type).
    static func plain<T>(_ type: T.Type, from cell: PostgresCell) throws -> T? {
        if T.self == String.self || T.self == optionalString {
            guard !cell.dataType.isUserDefined else { return nil }
            return T.self == String.self ? unsafeBitCast(try cell.decode(String.self), to: T.self)
                : unsafeBitCast(try cell.decode(String?.self), to: T.self)
        }
        if T.self == Int.self { return unsafeBitCast(try cell.decode(Int.self), to: T.self) }
        if T.self == Date.self { return unsafeBitCast(try cell.decode(Date.self), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try cell.decode(Bool.self), to: T.self) }
        if T.self == optionalInt { return unsafeBitCast(try cell.decode(Int?.self), to: T.self) }
        if T.self == optionalDate { return unsafeBitCast(try cell.decode(Date?.self), to: T.self) }
        if T.self == optionalBool { return unsafeBitCast(try cell.decode(Bool?.self), to: T.self) }
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
