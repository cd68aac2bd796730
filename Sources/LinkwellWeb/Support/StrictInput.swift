import Foundation
import Hummingbird
import LinkwellCore

/// Strict input for the JSON API, in one place for every route under `/api/`: a request that carries a body
/// must say `Content-Type: application/json` (with no charset, or `charset=utf-8`), else 415; the body must be
/// UTF-8 JSON text, else 400; and no string in it — value or key, at any depth — may hold a control character
/// other than line feed and tab (`InputText`), else 422 naming the string's JSON path. All of this happens
/// before any handler runs, so a refused request stores nothing.
struct StrictInputMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// The largest body read, by path; `defaultLimit` for any other path.
    var limits: [String: Int] = ["/api/v1/directory/import": 50_000_000]
    var defaultLimit = 1_000_000

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/"), ![.get, .head, .options].contains(request.method) else {
            return try await next(request, context)
        }
        let contentType = request.headers[.contentType]
        if let contentType { try Self.checkMediaType(contentType) }
        var request = request
        let body = try await request.collectBody(upTo: limits[request.uri.path] ?? defaultLimit)
        guard body.readableBytes > 0 else { return try await next(request, context) }
        guard contentType != nil else { throw Self.unsupported("A request with a body must say Content-Type: application/json.") }
        try Self.check(json: body.readableBytesView)
        return try await next(request, context)
    }

    static func unsupported(_ detail: String) -> HTTPError {
        HTTPError(.unsupportedMediaType, message: detail + " The API reads JSON (RFC 8259) in UTF-8 only.")
    }

    /// `application/json`, optionally with `charset=utf-8`; nothing else.
    static func checkMediaType(_ value: String) throws {
        let parts = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/json" else {
            throw unsupported("Content-Type \(parts.first.map { "'\($0)'" } ?? "(empty)") is not accepted.")
        }
        for parameter in parts.dropFirst() where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            guard pair.count == 2, pair[0] == "charset", pair[1] == "utf-8" || pair[1] == "utf8" else {
                throw unsupported("'\(parameter)' is not accepted; the only charset is utf-8.")
            }
        }
    }

    /// Checks the body is UTF-8 JSON text whose strings all pass `InputText`.
    static func check(json bytes: some Collection<UInt8>) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw BadRequest(detail: "The request body is not valid UTF-8.")
        }
        var scanner = JSONStringScanner(text)
        let errors = try scanner.scan()
        if !errors.isEmpty { throw LinkwellError.invalid(errors) }
    }
}

/// Walks JSON text once, decoding every string (keys included) with the path it sits at, and reports those
/// that break `InputText`. It checks only as much structure as it needs; `JSONDecoder` checks the rest after.
/// Working on the text itself (not a parsed dictionary) means a duplicated key cannot hide a bad value.
struct JSONStringScanner {
    private enum Frame { case object(key: String?, expectingKey: Bool), array(index: Int) }
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var stack: [Frame] = []
    private var errors: [FieldError] = []

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static let notJSON = BadRequest(detail: "The request body is not valid JSON.")

    mutating func scan() throws -> [FieldError] {
        // A byte order mark, or raw control characters outside strings (UTF-16 read as UTF-8 is full of NULs),
        // mean this is not UTF-8 JSON text.
        while position < scalars.count {
            let c = scalars[position]
            switch c {
            case " ", "\n", "\r", "\t", ":": position += 1
            case "{": stack.append(.object(key: nil, expectingKey: true)); position += 1
            case "[": stack.append(.array(index: 0)); position += 1
            case "}", "]":
                guard stack.popLast() != nil else { throw Self.notJSON }
                position += 1
            case ",":
                switch stack.last {
                case .object(let key, _): stack[stack.count - 1] = .object(key: key, expectingKey: true)
                case .array(let index): stack[stack.count - 1] = .array(index: index + 1)
                case nil: throw Self.notJSON
                }
                position += 1
            case "\"":
                let string = try readString()
                // A key is checked under its own path (its control characters shown as \u escapes).
                if case .object(_, true) = stack.last { stack[stack.count - 1] = .object(key: string, expectingKey: false) }
                if let error = InputText.check(string, field: path) { errors.append(error) }
            default:
                // Numbers, true, false, null: printable ASCII only.
                guard c.value > 0x20 && c.value < 0x7F else { throw Self.notJSON }
                position += 1
            }
        }
        return errors
    }

    /// The JSON path of the current position, as `FieldError`s name fields elsewhere: `person.givenName`, `needs[0]`.
    private var path: String {
        var text = ""
        for frame in stack {
            switch frame {
            case .object(let key?, _): text += (text.isEmpty ? "" : ".") + Self.printable(key)
            case .object(nil, _): break
            case .array(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "body" : text
    }

    /// A key with its control characters written as `\u` escapes, so the field name can be shown.
    private static func printable(_ key: String) -> String {
        String(key.unicodeScalars.map { InputText.isControl($0) ? String(format: "\\u%04X", $0.value) : String(Character($0)) }.joined())
    }

    private mutating func readString() throws -> String {
        position += 1
        var out = String.UnicodeScalarView()
        while position < scalars.count {
            let c = scalars[position]
            position += 1
            switch c {
            case "\"": return String(out)
            case "\\":
                guard position < scalars.count else { throw Self.notJSON }
                let e = scalars[position]
                position += 1
                switch e {
                case "\"", "\\", "/": out.append(e)
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    var value = try hex4()
                    if (0xD800...0xDBFF).contains(value), position + 1 < scalars.count, scalars[position] == "\\", scalars[position + 1] == "u" {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Self.notJSON }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(value) else { throw Self.notJSON }
                    out.append(scalar)
                default: throw Self.notJSON
                }
            default:
                // Raw control characters are not allowed inside JSON strings at all.
                guard c.value >= 0x20 else { throw Self.notJSON }
                out.append(c)
            }
        }
        throw Self.notJSON
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= scalars.count, let value = UInt32(String(String.UnicodeScalarView(scalars[position..<position + 4])), radix: 16) else {
            throw Self.notJSON
        }
        position += 4
        return value
    }
}
