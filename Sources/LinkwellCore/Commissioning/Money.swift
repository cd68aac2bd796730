import Foundation

/// An amount of money in whole pence. Money in Linkwell is never floating point.
public struct Pence: Codable, Sendable, Hashable, Comparable, CustomStringConvertible, AdditiveArithmetic {
    public var value: Int
    public init(_ value: Int) { self.value = value }

    public static let zero = Pence(0)
    public static func + (a: Pence, b: Pence) -> Pence { Pence(a.value + b.value) }
    public static func - (a: Pence, b: Pence) -> Pence { Pence(a.value - b.value) }
    public static func < (a: Pence, b: Pence) -> Bool { a.value < b.value }

    /// `£1,234.05`.
    public var description: String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let pounds = String(magnitude / 100)
        var grouped = ""
        for (i, ch) in pounds.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(",") }
            grouped.append(ch)
        }
        return "\(sign)£\(String(grouped.reversed())).\(String(format: "%02d", Int(magnitude % 100)))"
    }

    /// `1234.05` (for CSV).
    public var decimal: String {
        "\(value < 0 ? "-" : "")\(value.magnitude / 100).\(String(format: "%02d", Int(value.magnitude % 100)))"
    }

    /// Reads an amount of pounds as typed: `1234`, `1,234.5`, `£1234.05`. Refuses negatives, more than two
    /// decimal places, and anything above £100,000,000.
    public static func parse(_ text: String) -> Pence? {
        var t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        if t.hasPrefix("£") { t.removeFirst() }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return nil }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let poundsText = parts.first, !poundsText.isEmpty, poundsText.count <= 9, let pounds = Int(poundsText) else { return nil }
        var pence = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), let f = Int(fraction) else { return nil }
            pence = fraction.count == 1 ? f * 10 : f
        }
        let total = pounds * 100 + pence
        return total <= 10_000_000_000 ? Pence(total) : nil
    }

    /// Splits `self` in proportion to `weights`, exactly: the parts always add up to `self`. Each part gets
    /// its floor share and the pence left over go to the largest remainders (ties to the earlier weight).
    public func allocate(_ weights: [Int]) -> [Pence] {
        let total = weights.reduce(0, +)
        guard total > 0 else { return weights.map { _ in .zero } }
        var parts = weights.map { value * $0 / total }
        let remainders = weights.enumerated().map { ($0.offset, value * $0.element % total) }
        var left = value - parts.reduce(0, +)
        for (index, _) in remainders.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) where left > 0 {
            parts[index] += 1
            left -= 1
        }
        return parts.map(Pence.init)
    }
}

extension Sequence where Element == Pence {
    public func sum() -> Pence { reduce(.zero, +) }
}
