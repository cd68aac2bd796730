import Foundation
import LinkwellCore
import Testing

/// `Hex` and `zeroPadded` stand in for `String(format:)` on hot paths (token hashes, request ids, months, dates):
/// they must write exactly what it writes.
@Suite("Hex and zero-padded numbers write what String(format:) writes")
struct DigitsTests {
    @Test func hexOfEveryByteAndRandomRuns() {
        #expect(Hex.string((0...255).map(UInt8.init)) == (0...255).map { String(format: "%02x", $0) }.joined())
        var random = SystemRandomNumberGenerator()
        for length in [0, 1, 16, 20, 32, 77] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        }
        // A token's hash, as stored since before this change: the known SHA-256 of "abc".
        #expect(Accounts.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func zeroPaddedAsPercentZeroD() {
        for width in 1...5 {
            for n in [-1234, -10, -1, 0, 1, 7, 9, 10, 99, 100, 999, 1000, 2026, 12345, 123456] {
                #expect(n.zeroPadded(width) == String(format: "%0\(width)d", n), "\(n) to \(width)")
            }
        }
        #expect(CalendarDate(year: 2026, month: 3, day: 7)?.description == "2026-03-07")
    }
}
