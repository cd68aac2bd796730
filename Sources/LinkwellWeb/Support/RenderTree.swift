@_spi(Reflection) import Swift
import Mustache
import Synchronization

/// A view as typed values (`RenderValue`: structs as objects of their stored properties, arrays as lists, strings,
/// numbers and flags as themselves), made once per render.
///
/// swift-mustache finds a name in a Swift value by reflecting it (`Mirror`), boxing every stored property, each time
/// the name is looked up; a name not on the innermost value (a message, the CSRF token) is looked for in each value
/// out to the page, reflecting each. On a caseload of 200 rows that was a quarter of the request's time. Here each
/// value is read once, and lookups are dictionary reads. Values that answer lookups themselves (catalogues,
/// lambdas), leaves that print themselves (dates, identifiers, enums) and collections other than arrays are kept as
/// they are, and looked into as swift-mustache would, so every template renders exactly as before.
///
/// A struct's stored properties are read where the runtime's field records place them (`_forEachField`, once a type),
/// not through a `Mirror` of each value: a mirror finds each field's record and type name again for every value, and
/// that was four fifths of making a caseload page's values (1.5 → 0.3 ms for its 40 rows, measured alone). Structs with
/// a mirror of their own, or with a field that may be a weak reference (an optional class), are still read by `Mirror`.
/// Debug builds (the tests) also make a view's values by `Mirror` alone, as before, for the first renders of each view
/// type and a sample after, and the two must agree.
enum RenderTree {
    static func value(of value: Any) -> RenderValue {
        let made = convert(value) ?? .other(value)
        #if DEBUG
        if checksReference(for: Swift.type(of: value)) {
            let reference = mirrored(value) ?? .other(value)
            precondition(made.sameShape(as: reference), "RenderTree made \(type(of: value)) differently from its Mirror")
        }
        #endif
        return made
    }

    #if DEBUG
    /// How many of a view type's renders are checked against `Mirror`: the first 24, then one in 16. What is read where
    /// depends on the type alone, so checking every render (every page of every test) only repeated the first checks,
    /// and doubled the CPU of the page-heavy suites; the first renders of a type already hold its empty and full lists
    /// and its absent and present values in the tests that make them, and the later ones are still sampled.
    private static let referenceChecks = Mutex<[ObjectIdentifier: Int]>([:])

    private static func checksReference(for type: Any.Type) -> Bool {
        let count = referenceChecks.withLock { counts in
            defer { counts[ObjectIdentifier(type), default: 0] += 1 }
            return counts[ObjectIdentifier(type), default: 0]
        }
        return count < 24 || count % 16 == 0
    }
    #endif

    /// What a value of a type becomes. It depends on the type alone, so it is worked out once a type (each value's
    /// six protocol checks and its mirror were a tenth of a caseload request's time).
    private enum Kind: @unchecked Sendable {
        case string, number, bool, parent
        /// Kept as it is: a leaf that prints itself, a lambda or custom value, a collection other than an array.
        case kept
        case optional, array
        /// A struct: its stored properties by name, read where they lie.
        case fields([StoredField])
        /// A value that makes its own (`RenderTreeRepresentable`).
        case represented
        /// An optional, a collection or a struct read by `Mirror` (one with a mirror of its own, or a weak field).
        case mirrored(Mirror.DisplayStyle)
    }

    /// A stored property of a struct: its name, where it lies in the struct, and its type.
    private struct StoredField {
        let name: String
        let offset: Int
        let type: Any.Type
    }

    private static let kinds = Mutex<[ObjectIdentifier: Kind]>([:])

    private static func kind(of value: Any) -> Kind {
        let type = ObjectIdentifier(Swift.type(of: value))
        if let known = kinds.withLock({ $0[type] }) { return known }
        // An optional first: `is` looks through one, so a present value would make its type's kind that of the value.
        let style = Mirror(reflecting: value).displayStyle
        let kind: Kind
        if style == .optional {
            kind = value is any OpenedOptional ? .optional : .mirrored(.optional)
        } else if value is String {
            kind = .string
        } else if value is Bool {
            kind = .bool
        } else if value is Int || value is Double {
            kind = .number
        } else if value is MustacheLambda || value is MustacheCustomRepresentation || value is MustacheCustomRenderable {
            kind = .kept
        } else if value is any RenderTreeRepresentable {
            kind = .represented
        } else if value is MustacheParent {
            kind = .parent
        } else if style == .collection {
            kind = value is any OpenedArray ? .array : .mirrored(.collection)
        } else if style == .struct && !(value is CustomStringConvertible) && !(value is any RawRepresentable) {
            kind = value is CustomReflectable ? .mirrored(.struct) : storedFields(of: Swift.type(of: value)).map { .fields($0) } ?? .mirrored(.struct)
        } else {
            kind = .kept
        }
        kinds.withLock { $0[type] = kind }
        return kind
    }

    /// The stored properties of a struct type, in order; nil when the runtime cannot list them, or when one may be a
    /// weak reference (an optional of a class), whose storage is not the reference itself.
    private static func storedFields(of type: Any.Type) -> [StoredField]? {
        var fields: [StoredField] = []
        var plain = true
        let listed = _forEachField(of: type) { name, offset, fieldType, _ in
            func mayBeWeak<F>(_: F.Type) -> Bool { (F.self as? any OpenedOptional.Type)?.wrapsClass ?? false }
            if _openExistential(fieldType, do: mayBeWeak) { plain = false }
            fields.append(StoredField(name: String(cString: name), offset: offset, type: fieldType))
            return plain
        }
        return listed && plain ? fields : nil
    }

    private static func convert(_ value: Any) -> RenderValue? {
        switch kind(of: value) {
        case .string: return .text(value as! String)
        case .number: return .text(String(describing: value))
        case .bool: return .bool(value as! Bool)
        case .parent: return .parent(value as! any MustacheParent)
        case .kept: return .other(value)
        case .optional: return (value as! any OpenedOptional).wrappedValue.flatMap(convert)
        case .array: return .list((value as! any OpenedArray).elements.compactMap(convert))
        case .fields(let fields): return .object(read(fields, of: value))
        case .represented: return (value as! any RenderTreeRepresentable).renderValue
        case .mirrored(.optional): return Mirror(reflecting: value).children.first.flatMap { convert($0.value) }
        case .mirrored(.collection): return .list(Mirror(reflecting: value).children.compactMap { convert($0.value) })
        case .mirrored:
            var fields: [String: RenderValue] = [:]
            for child in Mirror(reflecting: value).children {
                if let label = child.label, let converted = convert(child.value) { fields[label] = converted }
            }
            return .object(fields)
        }
    }

    /// Each stored property of the struct in `value`, copied out of it as its own type.
    private static func read(_ fields: [StoredField], of value: Any) -> [String: RenderValue] {
        func open<S>(_ instance: S) -> [String: RenderValue] {
            withUnsafePointer(to: instance) { pointer in
                let base = UnsafeRawPointer(pointer)
                var object: [String: RenderValue] = [:]
                object.reserveCapacity(fields.count)
                for field in fields {
                    func load<F>(_: F.Type) -> Any { base.load(fromByteOffset: field.offset, as: F.self) }
                    if let converted = convert(_openExistential(field.type, do: load)) { object[field.name] = converted }
                }
                return object
            }
        }
        return _openExistential(value, do: open)
    }

    #if DEBUG
    /// The value made by `Mirror` alone (RenderTree before it read fields where they lie): the reference the debug
    /// check compares with.
    static func mirrored(_ value: Any) -> RenderValue? {
        let style = Mirror(reflecting: value).displayStyle
        if style == .optional { return Mirror(reflecting: value).children.first.flatMap { mirrored($0.value) } }
        if let text = value as? String { return .text(text) }
        if let flag = value as? Bool { return .bool(flag) }
        if value is Int || value is Double { return .text(String(describing: value)) }
        if value is MustacheLambda || value is MustacheCustomRepresentation || value is MustacheCustomRenderable { return .other(value) }
        if let parent = value as? any MustacheParent { return .parent(parent) }
        if style == .collection { return .list(Mirror(reflecting: value).children.compactMap { mirrored($0.value) }) }
        guard style == .struct && !(value is CustomStringConvertible) && !(value is any RawRepresentable) else { return .other(value) }
        var fields: [String: RenderValue] = [:]
        for child in Mirror(reflecting: value).children {
            if let label = child.label, let converted = mirrored(child.value) { fields[label] = converted }
        }
        return .object(fields)
    }
    #endif
}

#if DEBUG
extension RenderValue {
    /// The same values (kept values and parents compared by their type and how they print).
    func sameShape(as other: RenderValue) -> Bool {
        switch (self, other) {
        case let (.text(a), .text(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case let (.list(a), .list(b)): a.count == b.count && zip(a, b).allSatisfy { $0.sameShape(as: $1) }
        case let (.object(a), .object(b)): a.count == b.count && a.allSatisfy { key, value in b[key].map(value.sameShape(as:)) ?? false }
        case let (.parent(a), .parent(b)): type(of: a) == type(of: b) && String(describing: a) == String(describing: b)
        case let (.other(a), .other(b)): type(of: a) == type(of: b) && String(describing: a) == String(describing: b)
        default: false
        }
    }
}
#endif

/// A value that makes its own `RenderValue`, for the rows a page repeats many times (a caseload's 40): written out, a
/// row's fields are read without asking the runtime where each lies and what it is (a tenth of a caseload view's CPU
/// in the benchmark's process was `RenderTree` making values). It must make what `RenderTree` would make of it: debug
/// builds compare the two (`RenderTree.value`), so a field added to the row and not here fails every test that renders it.
protocol RenderTreeRepresentable {
    var renderValue: RenderValue { get }
}

/// Arrays opened without a mirror (`RenderTree`).
private protocol OpenedArray {
    var elements: [Any] { get }
}

extension Array: OpenedArray {
    fileprivate var elements: [Any] { map { $0 } }
}

/// Optionals opened without a mirror (`RenderTree`).
private protocol OpenedOptional {
    var wrappedValue: Any? { get }
    /// Whether the wrapped type is a class (a stored property of this type may be a weak reference).
    static var wrapsClass: Bool { get }
}

extension Optional: OpenedOptional {
    fileprivate var wrappedValue: Any? { map { $0 } }
    fileprivate static var wrapsClass: Bool { Wrapped.self is AnyObject.Type }
}
