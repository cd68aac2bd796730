import Foundation

/// Any JSON value, kept exactly (for the HSDS fields Linkwell's typed model does not name).
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // The commonest first (each miss costs an error): text, then objects.
        if c.decodeNil() { self = .null }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let o = try? c.decode([String: JSONValue].self) { self = .object(o) }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else { self = .array(try c.decode([JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            // Whole numbers go out as integers (`100`, not `100.0`), as feeds write them.
            if n.rounded() == n, abs(n) < 9e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value of a typed HSDS record as JSON. (Read back with Linkwell's own parser: decoding a
    /// `JSONValue` through `JSONDecoder` tries each JSON type in turn, and that dominated imports.)
    // Never inlined: inlined into an async caller, the typed-throws parse inside crashed Swift 6.3.1's
    // release build (LLVM coroutine splitting, `emitSetAndGetSwiftErrorValueAround`).
    @inline(never)
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONValue.parse(try HSDSJSON.encoder.encode(value))
    }

    /// Decodes a typed record from this JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try HSDSJSON.decoder.decode(T.self, from: try HSDSJSON.encoder.encode(self))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var number: Double? { if case .number(let n) = self { return n } else { return nil } }

    /// A short excerpt for error messages (never the whole of a large value).
    public var excerpt: String {
        let text: String
        switch self {
        case .string(let s): text = "\"\(s)\""
        default: text = (try? String(decoding: HSDSJSON.encoder.encode(self), as: UTF8.self)) ?? "?"
        }
        return text.count > 60 ? String(text.prefix(57)) + "…" : text
    }
}

/// The parts of an HSDS record that Linkwell's typed model does not name (funding, programs,
/// organisation identifiers, schedule rules such as `until` and `count`, metadata…), kept beside the
/// typed record so that the republished feed gives back every field a source sent.
///
/// Inside arrays, extras are kept by each element's `id` (its position when it has none), so they
/// follow their element when the array is reordered or partly replaced.
public struct HSDSExtras: Codable, Sendable, Hashable {
    /// Keys the model does not know, with their values as received.
    public var fields: [String: JSONValue] = [:]
    /// Extras inside known nested objects, by key.
    public var nested: [String: HSDSExtras] = [:]
    /// Extras inside the elements of known arrays: key → element id → extras.
    public var elements: [String: [String: HSDSExtras]] = [:]

    public init() {}
    public var isEmpty: Bool { fields.isEmpty && nested.isEmpty && elements.isEmpty }

    enum CodingKeys: String, CodingKey { case fields = "f", nested = "n", elements = "e" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fields = try c.decodeIfPresent([String: JSONValue].self, forKey: .fields) ?? [:]
        nested = try c.decodeIfPresent([String: HSDSExtras].self, forKey: .nested) ?? [:]
        elements = try c.decodeIfPresent([String: [String: HSDSExtras]].self, forKey: .elements) ?? [:]
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !fields.isEmpty { try c.encode(fields, forKey: .fields) }
        if !nested.isEmpty { try c.encode(nested, forKey: .nested) }
        if !elements.isEmpty { try c.encode(elements, forKey: .elements) }
    }

    /// What `raw` carries that `typed` (the typed model's encoding of the same record) does not.
    /// Nulls are not kept: HSDS treats a null as no value.
    public static func difference(raw: JSONValue, typed: JSONValue) -> HSDSExtras? {
        guard case .object(let r) = raw, case .object(let t) = typed else { return nil }
        var x = HSDSExtras()
        for (key, value) in r where value != .null {
            guard let known = t[key] else { x.fields[key] = value; continue }
            switch (value, known) {
            case (.object, .object):
                if let sub = difference(raw: value, typed: known) { x.nested[key] = sub }
            case (.array(let ra), .array(let ta)):
                let typedByKey = Dictionary(ta.enumerated().map { (elementKey($1, $0), $1) }, uniquingKeysWith: { a, _ in a })
                var map: [String: HSDSExtras] = [:]
                for (i, element) in ra.enumerated() {
                    let k = elementKey(element, i)
                    if let te = typedByKey[k], let sub = difference(raw: element, typed: te) { map[k] = sub }
                }
                if !map.isEmpty { x.elements[key] = map }
            default: break
            }
        }
        return x.isEmpty ? nil : x
    }

    /// The typed encoding with these extras put back.
    public func applied(to typed: JSONValue) -> JSONValue {
        guard case .object(var t) = typed else { return typed }
        for (key, value) in fields where t[key] == nil { t[key] = value }
        for (key, sub) in nested { if let inner = t[key] { t[key] = sub.applied(to: inner) } }
        for (key, map) in elements {
            guard case .array(let a)? = t[key] else { continue }
            t[key] = .array(a.enumerated().map { i, e in map[Self.elementKey(e, i)].map { $0.applied(to: e) } ?? e })
        }
        return .object(t)
    }

    static func elementKey(_ element: JSONValue, _ index: Int) -> String {
        if case .string(let id)? = element["id"] { return id }
        return "#\(index)"
    }
}

/// An HSDS record Linkwell stores: a typed part (what search and pages use) and the extras.
public protocol HSDSRecord: Codable, Sendable {
    var id: String { get }
    var extra: HSDSExtras? { get set }
}

extension HSDSRecord {
    /// The whole record as HSDS JSON: the typed fields with the extras put back.
    public func document() throws -> JSONValue {
        let typed = try JSONValue(encoding: self)
        return extra.map { $0.applied(to: typed) } ?? typed
    }

    /// Reads a record from HSDS JSON, keeping whatever the typed model does not name as extras.
    public static func from(document: JSONValue) throws -> Self {
        var record = try document.decode(Self.self)
        record.extra = HSDSExtras.difference(raw: document, typed: try JSONValue(encoding: record))
        return record
    }
}

/// Merging what a source sends into what is stored, so that a partial record never erases a field.
public enum HSDSMerge {
    /// `incoming` over `stored`: keys absent (or null) in `incoming` keep their stored values;
    /// nested objects merge key by key; arrays take `incoming`'s elements, each merged with the
    /// stored element of the same `id`.
    public static func merge(_ stored: JSONValue?, _ incoming: JSONValue) -> JSONValue {
        guard let stored else { return incoming }
        switch (stored, incoming) {
        case (.object(var s), .object(let i)):
            for (key, value) in i where value != .null { s[key] = s[key].map { merge($0, value) } ?? value }
            return .object(s)
        case (.array(let s), .array(let i)):
            let byID = Dictionary(s.compactMap { e in e["id"]?.string.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
            return .array(i.map { e in e["id"]?.string.flatMap { byID[$0] }.map { merge($0, e) } ?? e })
        default:
            return incoming
        }
    }

    /// A three-way merge of a record's top-level fields: `base` is what the source said last time,
    /// `local` what Linkwell holds now (the source's values plus local edits), `theirs` what the source
    /// says now. A field edited locally keeps its local value when the source left it alone; when the
    /// source changed it too, the local value is kept and the field is named as a conflict.
    public static func threeWay(base: JSONValue?, local: JSONValue, theirs: JSONValue, ignoring: Set<String> = []) -> (JSONValue, conflicts: [String]) {
        guard let base, case .object(let b) = base, case .object(let l) = local, case .object(var t) = theirs else { return (theirs, []) }
        var conflicts: [String] = []
        for key in Set(b.keys).union(l.keys).union(t.keys).subtracting(ignoring).sorted() {
            let (bv, lv, tv) = (b[key], l[key], t[key])
            guard lv != bv else { continue }          // not edited here: the source's value stands
            if tv == bv || tv == lv { t[key] = lv }    // edited here only (or both alike): keep it
            else { t[key] = lv; conflicts.append(key) }
        }
        return (.object(t), conflicts)
    }
}

/// Stable UUIDs for source ids that are not UUIDs (RFC 9562 version 5 style: SHA-1 of a namespace,
/// the source and the id), so the same source id always maps to the same Linkwell id.
public enum HSDSIdentifiers {
    /// True for a canonical UUID (any version).
    public static func isUUID(_ text: String) -> Bool { text.count == 36 && UUID(uuidString: text) != nil }

    /// The Linkwell id for `id` from `source`: itself (lower-cased) when it is a UUID.
    public static func map(_ id: String, source: String) -> String {
        if isUUID(id) { return id.lowercased() }
        var bytes = Array(SHA1.hash(Array("linkwell-hsds\u{0}\(source)\u{0}\(id)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.string(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// SHA-1 of the text as hex (exposed so that tests can check it against the standard's vectors).
    public static func sha1Hex(_ text: String) -> String { Hex.string(SHA1.hash(Array(text.utf8))) }

    /// The keys whose values are ids of HSDS records: those the standard's schemas give the `uuid`
    /// format (`id`, `organization_id`, `link_id`, `parent_id`…; not e.g. `tax_id`, which is a tax number).
    static let idKeys: Set<String> = Set(HSDSSchema.tables.values.flatMap { $0.fields.filter { $0.value.format == "uuid" }.map(\.key) })
    static func isIDKey(_ key: String) -> Bool { idKeys.contains(key) }

    /// Maps every id and id reference in a document (and drops nulls, which HSDS reads as no value).
    public static func mapAll(_ value: JSONValue, source: String) -> JSONValue {
        switch value {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o where v != .null {  // HSDS: a null is no value
                if isIDKey(k), case .string(let id) = v, !id.isEmpty { out[k] = .string(map(id, source: source)) }
                else { out[k] = mapAll(v, source: source) }
            }
            return .object(out)
        case .array(let a): return .array(a.map { mapAll($0, source: source) })
        default: return value
        }
    }
}

/// SHA-1 (FIPS 180-4), only for deriving stable name-based UUIDs; not for security.
enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in (0..<8).reversed() { m.append(UInt8((bitLength >> (UInt64(i) * 8)) & 0xFF)) }
        func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
        for chunk in stride(from: 0, to: m.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(m[j]) << 24 | UInt32(m[j + 1]) << 16 | UInt32(m[j + 2]) << 8 | UInt32(m[j + 3])
            }
            for i in 16..<80 { w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A827999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1BBCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62C1D6)
                }
                let t = rotl(a, 5) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, rotl(b, 30), a, t)
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e
        }
        return h.flatMap { v in (0..<4).map { UInt8((v >> (24 - UInt32($0) * 8)) & 0xFF) } }
    }
}
