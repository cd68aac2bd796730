import Foundation

/// A feed that cannot be read at all (not JSON, a broken CSV quote…), with where it broke.
public struct FeedUnreadable: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, URL or table it came from.
    public var source: String
    public var line: Int
    public var column: Int
    public var message: String
    public init(source: String, line: Int, column: Int, message: String) {
        (self.source, self.line, self.column, self.message) = (source, line, column, message)
    }
    public var description: String { "\(source.isEmpty ? "the feed" : source) line \(line), column \(column): \(message)" }
}

extension JSONValue {
    /// Parses JSON text (RFC 8259), saying at which line and column it is broken when it is.
    public static func parse(_ data: Data, source: String = "") throws(FeedUnreadable) -> JSONValue {
        var p = JSONParser(bytes: Array(data), source: source)
        return try p.document()
    }
}

/// A small strict JSON parser that knows where it is (line and column) for its error messages.
struct JSONParser {
    let bytes: [UInt8]
    let source: String
    var i = 0

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
        // A UTF-8 byte order mark is allowed before the text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    func fail(_ message: String, at position: Int? = nil) -> FeedUnreadable {
        let end = min(position ?? i, bytes.count)
        var line = 1, column = 1
        var k = 0
        while k < end {
            if bytes[k] == 0x0A { line += 1; column = 1 } else if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return FeedUnreadable(source: source, line: line, column: column, message: message)
    }

    mutating func document() throws(FeedUnreadable) -> JSONValue {
        skipSpace()
        guard i < bytes.count else { throw fail("the feed is empty: expected JSON") }
        let value = try self.value(depth: 0)
        skipSpace()
        if i < bytes.count { throw fail("unexpected \(describe(bytes[i])) after the end of the JSON value") }
        return value
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    func describe(_ b: UInt8) -> String { b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : String(format: "byte 0x%02X", b) }

    mutating func value(depth: Int) throws(FeedUnreadable) -> JSONValue {
        guard depth < 512 else { throw fail("nesting is too deep") }
        skipSpace()
        guard i < bytes.count else { throw fail("the JSON ends too soon: expected a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var object: [String: JSONValue] = [:]
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
            while true {
                skipSpace()
                guard i < bytes.count else { throw fail("the JSON ends inside an object: expected a key") }
                guard bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key in double quotes, found \(describe(bytes[i]))") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after the key \"\(key.prefix(40))\"") }
                i += 1
                object[key] = try value(depth: depth + 1)
                skipSpace()
                guard i < bytes.count else { throw fail("the JSON ends inside an object: expected ',' or '}'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
                throw fail("expected ',' or '}' in an object, found \(describe(bytes[i]))")
            }
        case UInt8(ascii: "["):
            i += 1
            var array: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
            while true {
                array.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw fail("the JSON ends inside a list: expected ',' or ']'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
                throw fail("expected ',' or ']' in a list, found \(describe(bytes[i]))")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a JSON value, found \(describe(bytes[i]))")
        }
    }

    mutating func literal(_ word: String) throws(FeedUnreadable) {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("expected \(word)") }
        i += w.count
    }

    mutating func number() throws(FeedUnreadable) -> Double {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.i]) { p.i += 1 }
            return p.i - s
        }
        let intStart = i
        guard digits(&self) > 0 else { throw fail("a number needs digits", at: start) }
        if bytes[intStart] == UInt8(ascii: "0"), i - intStart > 1 { throw fail("a number cannot start with 0", at: start) }
        let intEnd = i
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") { i += 1; guard digits(&self) > 0 else { throw fail("expected digits after '.'") } }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw fail("expected digits in the exponent") }
        }
        // Whole numbers of up to 15 digits are exact in a Double: add them up rather than make a String.
        if i == intEnd, i - intStart <= 15 {
            var n: Int64 = 0
            for b in bytes[intStart..<i] { n = n * 10 + Int64(b - UInt8(ascii: "0")) }
            return bytes[start] == UInt8(ascii: "-") ? -Double(n) : Double(n)
        }
        guard let n = Double(String(decoding: bytes[start..<i], as: UTF8.self)), n.isFinite else { throw fail("the number is out of range", at: start) }
        return n
    }

    mutating func string() throws(FeedUnreadable) -> String {
        let open = i
        i += 1
        // Most strings have no escapes: read those straight from the bytes.
        var end = i
        while end < bytes.count, bytes[end] >= 0x20, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            guard let s = String(validating: bytes[i..<end], as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: open) }
            i = end + 1
            return s
        }
        var out: [UInt8] = Array(bytes[i..<end])
        i = end
        while true {
            guard i < bytes.count else { throw fail("a string is never closed (it opens here)", at: open) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw fail("a control character (\(String(format: "0x%02X", b))) inside a string must be escaped") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw fail("the JSON ends inside an escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw fail("a lone surrogate in \\u escape") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("a lone surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) { throw fail("a lone surrogate in \\u escape") }
                out += Array(String(Character(UnicodeScalar(scalar)!)).utf8)
            default: throw fail("unknown escape \\\(Character(UnicodeScalar(e)))", at: i - 2)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: open) }
        return s
    }

    mutating func hex4() throws(FeedUnreadable) -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { throw fail("expected four hex digits after \\u") }
        i += 4
        return v
    }
}
