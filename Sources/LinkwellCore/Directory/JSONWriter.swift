import Foundation

extension JSONValue {
    /// This value as JSON text, byte for byte as `HSDSJSON.encoder` writes it (keys sorted, slashes
    /// not escaped, whole numbers as integers), written directly rather than through `Encodable`:
    /// the public feed writes pages of documents many times a second, and encoding a `JSONValue`
    /// through `JSONEncoder` costs a container per value. Throws for a number that is not finite,
    /// as the encoder does.
    public func serialized() throws(JSONWriteError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        try write(into: &out)
        return out
    }

    func write(into out: inout [UInt8]) throws(JSONWriteError) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            guard n.isFinite else { throw JSONWriteError(value: n) }
            if n.rounded() == n, abs(n) < 9e15 {
                out.append(contentsOf: String(Int64(n)).utf8)
            } else {
                var text = n.description
                if text.hasSuffix(".0") { text.removeLast(2) }
                out.append(contentsOf: text.utf8)
            }
        case .string(let s): Self.write(string: s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: key, into: &out)
                out.append(UInt8(ascii: ":"))
                try o[key]!.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00xx`,
    /// everything else (slashes and all non-ASCII text included) as it is.
    static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = string
        s.withUTF8 { bytes in
            var run = 0  // start of the bytes not yet copied
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                run = i + 1
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case 0x08: out.append(contentsOf: #"\b"#.utf8)
                case 0x0C: out.append(contentsOf: #"\f"#.utf8)
                case 0x0A: out.append(contentsOf: #"\n"#.utf8)
                case 0x0D: out.append(contentsOf: #"\r"#.utf8)
                case 0x09: out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(Hex.lowerDigit(b >> 4))
                    out.append(Hex.lowerDigit(b & 0x0F))
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// A number JSON cannot carry (infinite or not a number).
public struct JSONWriteError: Error, Sendable, CustomStringConvertible {
    public var value: Double
    public var description: String { "\(value) cannot be written as JSON" }
}
