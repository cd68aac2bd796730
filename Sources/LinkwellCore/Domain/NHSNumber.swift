/// A 10-digit NHS number whose last digit is a valid modulus-11 check digit.
public struct NHSNumber: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The ten digits, without spaces.
    public let digits: String

    /// Accepts "943 476 5919", "943-476-5919" or "9434765919"; returns nil when the format or the
    /// check digit is wrong.
    public init?(_ text: String) {
        let compact = text.filter { !($0 == " " || $0 == "-") }
        guard compact.count == 10, compact.allSatisfy(\.isASCII), compact.allSatisfy(\.isNumber) else { return nil }
        let values = compact.compactMap { $0.wholeNumberValue }
        let sum = (0..<9).reduce(0) { $0 + values[$1] * (10 - $1) }
        var check = 11 - (sum % 11)
        if check == 11 { check = 0 }
        guard check != 10, check == values[9] else { return nil }
        digits = compact
    }

    /// The conventional 3-3-4 grouping.
    public var formatted: String {
        let d = Array(digits)
        return String(d[0..<3]) + " " + String(d[3..<6]) + " " + String(d[6..<10])
    }
    public var description: String { formatted }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = NHSNumber(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid NHS number"))
        }
        self = value
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}
