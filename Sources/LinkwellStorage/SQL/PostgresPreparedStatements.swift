import Foundation
import Logging
import NIOCore
import PostgresKit
import SQLKit
import Synchronization

/// SQLKit's PostgreSQL database, except that a query or change of rows is prepared under a name on each connection the
/// first time that connection runs it, and executed by that name afterwards.
///
/// SQLKit sends every statement unnamed, so PostgreSQL parses, analyses and plans it again at each execution. On a
/// link worker's caseload that planning was most of the server's time for the page's statements
/// (`pg_stat_statements` on the five-year scheme under 8 clients: the four group pages 0.6–0.9 ms to plan and
/// 0.3 ms to run, the overdue panel 1.0 ms to plan and 35 µs to run). A named statement is parsed once per
/// connection, and PostgreSQL then chooses for itself between a plan made for each execution's values and one
/// generic plan kept with the statement (its plan cache: the generic plan once it costs no more than the plans
/// made for the values, so a statement whose plan depends on its values keeps being planned).
///
/// Statements run exactly as before otherwise: the same text, the same values encoded the same way (PostgresNIO's
/// own encoding, as PostgresKit's fast path), the same rows decoded the same way (`PostgresSQLRow`). A statement is
/// prepared only when every value it binds is one PostgresNIO encodes directly, or encodes itself as one such value
/// (`SingleValue`); anything else (a value bound as JSON) goes the plain way.
struct PreparingPostgresDatabase: SQLDatabase {
    /// The pool (plain reads and single statements) or one connection (a session: a transaction, a snapshot).
    let database: any PostgresDatabase
    let names: PostgresStatementNames
    let logger: Logger
    var eventLoop: any EventLoop { database.eventLoop }
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        guard let (bindings, types) = Self.bindings(binds), let name = names.name(for: sql, types: types) else {
            return try await database.sql().execute(sql: query, onRow)
        }
        let logger = logger
        do {
            _ = try await database.withConnection { connection in
                connection.eventLoop.makeFutureWithTask {
                    try await NamedStatement.$current.withValue(NamedStatement.Text(name: name, sql: sql)) {
                        var columns: PostgresSQLRow.Columns?
                        for try await row in try await connection.execute(NamedStatement(bindings: bindings), logger: logger) {
                            let decoded = PostgresSQLRow(row, columns: columns)
                            columns = decoded.columns
                            onRow(decoded)
                        }
                    }
                }
            }.get()
        } catch let error as PSQLError where Self.resultTypeChanged(error) {
            // The schema changed under this server (another server's migration): every text is named afresh, and a plain
            // read runs again unnamed. Inside a session (a transaction) the statement has failed the transaction, which
            // its caller ends; the next one is prepared anew.
            names.schemaChanged()
            guard !(database is PostgresConnection) else { throw error }
            try await database.sql().execute(sql: query, onRow)
        }
    }

    /// PostgreSQL's refusal of a prepared statement whose result columns changed since it was prepared (SQLSTATE 0A000,
    /// "cached plan must not change result type"). It fails before any row is sent.
    static func resultTypeChanged(_ error: PSQLError) -> Bool {
        error.code == .server && error.serverInfo?[.sqlState] == "0A000"
            && error.serverInfo?[.message]?.contains("cached plan must not change result type") == true
    }

    /// The same connection for every statement of `closure`, as PostgresKit's own session.
    func withSession<R: Sendable>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let names = names, logger = logger
        return try await database.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                try await closure(PreparingPostgresDatabase(database: connection, names: names, logger: logger))
            }
        }.get()
    }

    /// The values encoded as PostgresKit's fast path encodes them, with their types; nil when one needs its slower
    /// paths (the statement then runs unnamed, through PostgresKit).
    static func bindings(_ binds: [any Encodable & Sendable]) -> (PostgresBindings, [UInt32])? {
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [UInt32] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            if let optional = bind as? any OptionalValue, optional.isNone {
                bindings.appendNull()
                types.append(PostgresDataType.null.rawValue)
            } else if let value = bind as? any PostgresThrowingDynamicTypeEncodable {
                guard (try? bindings.append(value, context: .default)) != nil else { return nil }
                types.append(value.psqlType.rawValue)
            } else {
                switch SingleValue.capture(bind) {
                case .value(let value):
                    guard (try? bindings.append(value, context: .default)) != nil else { return nil }
                    types.append(value.psqlType.rawValue)
                case .null:
                    bindings.appendNull()
                    types.append(PostgresDataType.null.rawValue)
                case nil:
                    return nil
                }
            }
        }
        return (bindings, types)
    }
}

/// A value that encodes itself as one value PostgresNIO encodes (a status as its name, an identifier as its text, a
/// date of the calendar as its text): that value, as PostgresKit's slower path binds it (its encoder asks for the
/// single value and binds it as it would bind the value itself). Anything else (keys, lists) is not captured.
private final class SingleValue: Encoder, SingleValueEncodingContainer {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    private var value: (any PostgresThrowingDynamicTypeEncodable)?
    private var isNil = false
    private var unsupported = false
    private var depth = 0

    enum Captured {
        case value(any PostgresThrowingDynamicTypeEncodable)
        case null
    }

    /// The one value `bind` encodes itself as, NULL, or nil when it is not one value.
    static func capture(_ bind: any Encodable) -> Captured? {
        let capture = SingleValue()
        guard (try? bind.encode(to: capture)) != nil, !capture.unsupported else { return nil }
        if let value = capture.value { return .value(value) }
        return capture.isNil ? .null : nil
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        unsupported = true
        return KeyedEncodingContainer(Unsupported<Key>())
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        unsupported = true
        return Unsupported<SingleValueKey>()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { isNil = true }

    func encode<T: Encodable>(_ value: T) throws {
        // A second value, or one that keeps handing itself on (a number type PostgresNIO has no encoding for).
        guard self.value == nil, !isNil, depth < 4 else { unsupported = true; return }
        if let direct = value as? any PostgresThrowingDynamicTypeEncodable {
            self.value = direct
        } else {
            depth += 1
            try value.encode(to: self)
        }
    }

    private struct SingleValueKey: CodingKey {
        var stringValue: String { "" }
        var intValue: Int? { nil }
        init?(stringValue: String) { return nil }
        init?(intValue: Int) { return nil }
    }

    /// Takes whatever it is given and ignores it: the capture has already been marked unsupported.
    private struct Unsupported<Key: CodingKey>: KeyedEncodingContainerProtocol, UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }
        mutating func encodeNil(forKey key: Key) throws {}
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {}
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Unsupported<NestedKey>())
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { self }
        mutating func superEncoder() -> any Encoder { SingleValue.unsupported() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { SingleValue.unsupported() }
        mutating func encodeNil() throws {}
        mutating func encode<T: Encodable>(_ value: T) throws {}
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Unsupported<NestedKey>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    }

    private static func unsupported() -> SingleValue {
        let capture = SingleValue()
        capture.unsupported = true
        return capture
    }
}

/// An optional, seen through an existential: a bound value that is an empty optional is bound as NULL.
private protocol OptionalValue {
    var isNone: Bool { get }
}

extension Optional: OptionalValue {
    var isNone: Bool { self == nil }
}

/// One statement text run by name. PostgresNIO names a prepared statement by its type, so the name and text are
/// read from the task that executes it (`current`), which PostgresNIO does synchronously in `execute`, before it
/// sends anything. The rows come back as PostgresNIO's own, decoded by PostgresKit as any other.
struct NamedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        let name: String
        let sql: String
    }
    @TaskLocal static var current = Text(name: "", sql: "")
    static var name: String { current.name }
    static var sql: String { current.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// The names given to statement texts: `lw1`, `lw2`, … in order of first use, one per text and value types,
/// never given to another text while the process runs, so that no two texts share a name on a connection. One pool's
/// connections have one set of names (PostgresNIO runs a name it has prepared without looking at the text again).
///
/// At most `limit` texts are named until the next schema change, so that texts made with a varying number of values
/// cannot grow every connection's prepared statements without end; later texts run unnamed. After a schema change
/// (`schemaChanged`, after each migration) every text is named afresh: PostgreSQL plans a prepared statement again
/// when a table it reads changes, but refuses to run one whose result columns changed (a `SELECT *` on a table that
/// gained a column: "cached plan must not change result type").
final class PostgresStatementNames: Sendable {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }
    private struct State {
        var names: [Key: String] = [:]
        var next = 1
    }
    private let state = Mutex(State())
    let prefix: String
    let limit: Int

    init(prefix: String = "lw", limit: Int = 2_000) {
        self.prefix = prefix
        self.limit = limit
    }

    /// The name of `sql` with values of `types`, or nil when it runs unnamed.
    func name(for sql: String, types: [UInt32]) -> String? {
        guard Self.preparable(sql) else { return nil }
        let key = Key(sql: sql, types: types)
        return state.withLock { state in
            if let name = state.names[key] { return name }
            guard state.names.count < limit else { return nil }
            let name = "\(prefix)\(state.next)"
            state.next += 1
            state.names[key] = name
            return name
        }
    }

    /// How many texts have names now (tests).
    var count: Int { state.withLock { $0.names.count } }

    /// Every text is named afresh from now on.
    func schemaChanged() { state.withLock { $0.names = [:] } }

    /// Queries and changes of rows; not schema changes, transaction control or anything else.
    static func preparable(_ sql: String) -> Bool {
        let start = sql.drop(while: { $0 == " " || $0 == "\n" || $0 == "(" }).prefix(6).uppercased()
        return ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(start) || start.hasPrefix("WITH")
    }
}
