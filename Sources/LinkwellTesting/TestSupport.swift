import Foundation
import LinkwellCore

/// A clock the tests move by hand, and identifiers that count up, so tests are deterministic.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var counter = 0

    public init(_ start: Date = Date(timeIntervalSince1970: 1_780_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }
    public func advance(seconds: TimeInterval) { lock.withLock { current += seconds } }

    /// The environment the code under test uses: this clock and sequential ids.
    public var environment: CoreEnvironment {
        CoreEnvironment(now: { [self] in now }, newID: { [self] in
            lock.withLock {
                counter += 1
                return String(format: "id-%08d", counter)
            }
        })
    }
}
