import Foundation

/// Checks HSDS 3.0 JSON against the standard's table schemas (types, required fields, formats and
/// allowed values, nested tables), so that nothing is stored that would make Linkwell's own
/// republished feed invalid. The table is generated from the official schemas
/// (`scripts/hsds-schema-table`); fields a table does not name are allowed, as in the standard.
public enum HSDSSchema {
    enum Kind: String { case string, number, integer, boolean, array, object, any }

    struct Field {
        var kind: Kind
        var format: String?
        var allowed: [String]?
        var table: String?
        init(_ kind: Kind, format: String? = nil, allowed: [String]? = nil, table: String? = nil) {
            (self.kind, self.format, self.allowed, self.table) = (kind, format, allowed, table)
        }
    }

    struct Table {
        var required: [String]
        var fields: [String: Field]
    }

    /// The problems with `document` as a record of `table` (e.g. `service`), each naming the field
    /// path and quoting a short excerpt of the bad value.
    public static func problems(_ document: JSONValue, table: String, at path: String = "") -> [FieldError] {
        guard let t = tables[table] else { return [] }
        guard case .object(let o) = document else { return [FieldError.apiOnly(path.isEmpty ? "record" : path, "must be an object.")] }
        var out: [FieldError] = []
        func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        for key in t.required where o[key] == nil || o[key] == .null {
            out.append(FieldError.apiOnly(name(key), "\(key) is required."))
        }
        for (key, value) in o.sorted(by: { $0.key < $1.key }) where value != .null {
            guard let f = t.fields[key] else { continue }
            out += check(value, f, name(key))
        }
        return out
    }

    static func check(_ value: JSONValue, _ f: Field, _ path: String) -> [FieldError] {
        switch (f.kind, value) {
        case (.string, .string(let s)):
            if let allowed = f.allowed, !allowed.contains(s) {
                return [FieldError.apiOnly(path, "\(value.excerpt) is not one of \(allowed.joined(separator: ", ")).")]
            }
            if let format = f.format, !matches(s, format: format) {
                return [FieldError.apiOnly(path, "\(value.excerpt) is not \(formatLabel(format)).")]
            }
            return []
        case (.number, .number), (.boolean, .bool), (.any, _): return []
        case (.integer, .number(let n)) where n.rounded() == n: return []
        case (.array, .array(let items)):
            guard let table = f.table else { return [] }
            return items.enumerated().flatMap { i, item in problems(item, table: table, at: "\(path)[\(i)]") }
        case (.object, .object):
            guard let table = f.table else { return [] }
            return problems(value, table: table, at: path)
        default:
            return [FieldError.apiOnly(path, "\(value.excerpt) must be \(kindLabel(f.kind)).")]
        }
    }

    static func kindLabel(_ k: Kind) -> String {
        switch k {
        case .string: "text"
        case .number: "a number"
        case .integer: "a whole number"
        case .boolean: "true or false"
        case .array: "a list"
        case .object: "an object"
        case .any: "a value"
        }
    }

    static func formatLabel(_ format: String) -> String {
        switch format {
        case "uuid": "a UUID"
        case "uri": "a URL (with a scheme, e.g. https://)"
        case "email": "an e-mail address"
        case "date-time": "an ISO 8601 date-time"
        default: "in the \(format) format"
        }
    }

    /// The formats the HSDS 3.0 schemas use.
    public static func matches(_ s: String, format: String) -> Bool {
        switch format {
        case "uuid": return HSDSIdentifiers.isUUID(s)
        case "uri": return isURI(s)
        case "email": return isEmail(s)
        case "date-time": return HSDSJSON.parseDate(s) != nil && s.contains("T")
        default: return true
        }
    }

    /// RFC 3986 absolute URI: a scheme (letter, then letters, digits, `+ - .`), a colon, and no
    /// spaces or control characters.
    public static func isURI(_ s: String) -> Bool {
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else { return false }
        let scheme = s[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return false }
        let rest = s[s.index(after: colon)...]
        guard !rest.isEmpty else { return false }
        if ["http", "https"].contains(scheme.lowercased()) {
            guard rest.hasPrefix("//"), rest.count > 2, !rest.dropFirst(2).hasPrefix("/") else { return false }
        }
        return !s.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || "<>\"{}|\\^`".unicodeScalars.contains($0) }
    }

    /// One `@` between a non-empty local part and a dotted domain, with no spaces.
    public static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !parts[1].contains("..") else { return false }
        return !s.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
    }
}
