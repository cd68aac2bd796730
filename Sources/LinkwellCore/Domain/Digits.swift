/// Hexadecimal and zero-padded numbers without `String(format:)`, which builds a formatter for each call: a bearer
/// token's check wrote its SHA-256 a byte at a time (32 calls on every API request), and each write's facts and rollups
/// write months and dates the same way. `DigitsTests` compares both with `String(format:)`.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal, two digits a byte.
    public static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The lower-case hexadecimal digit of a value 0–15, as a UTF-8 byte.
    static func lowerDigit(_ value: UInt8) -> UInt8 { digits[Int(value & 0x0F)] }
}

extension Int {
    /// The number in decimal with zeros in front to `width` digits, as `%0Nd` writes it.
    public func zeroPadded(_ width: Int) -> String {
        let digits = String(magnitude)
        let sign = self < 0 ? "-" : ""
        let zeros = width - sign.count - digits.count
        return zeros > 0 ? sign + String(repeating: "0", count: zeros) + digits : sign + digits
    }
}
