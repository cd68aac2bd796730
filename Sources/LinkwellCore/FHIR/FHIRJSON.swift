import Foundation

// Literals for building FHIR JSON compactly in the mappings (`["resourceType": "Task", "status": "requested"]`).
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
                     ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

/// FHIR R4 JSON helpers shared by the mappings: FHIR forbids empty strings, arrays and objects, so
/// every builder drops them (`FHIRJSON.compact`).
public enum FHIRJSON {
    /// Removes empty strings, empty arrays, empty objects and nulls, at every depth (FHIR R4 JSON §2.6.2:
    /// elements are never empty).
    public static func compact(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .null: return nil
        case .string(let s): return s.isEmpty ? nil : value
        case .array(let a):
            let kept = a.compactMap(compact)
            return kept.isEmpty ? nil : .array(kept)
        case .object(let o):
            var kept: [String: JSONValue] = [:]
            for (k, v) in o { if let c = compact(v) { kept[k] = c } }
            return kept.isEmpty ? nil : .object(kept)
        default: return value
        }
    }

    /// A FHIR `dateTime`/`instant` (UTC, seconds).
    public static func instant(_ date: Date) -> JSONValue {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return .string(f.string(from: date))
    }

    /// A Coding.
    public static func coding(_ system: String, _ code: String, _ display: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["system": .string(system), "code": .string(code)]
        if let display, !display.isEmpty { o["display"] = .string(display) }
        return .object(o)
    }

    /// A CodeableConcept with one coding (and its display as text).
    public static func concept(_ system: String, _ code: String, _ display: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["coding": [coding(system, code, display)]]
        if let display, !display.isEmpty { o["text"] = .string(display) }
        return .object(o)
    }

    /// `meta.profile` naming one profile.
    public static func meta(_ profile: String?, lastUpdated: Date? = nil) -> JSONValue {
        var o: [String: JSONValue] = [:]
        if let profile { o["profile"] = [.string(profile)] }
        if let lastUpdated { o["lastUpdated"] = instant(lastUpdated) }
        return .object(o)
    }

    /// The JSON text of a resource (sorted keys, no escaped slashes).
    public static func data(_ value: JSONValue) throws -> Data {
        try HSDSJSON.encoder.encode(value)
    }
}
