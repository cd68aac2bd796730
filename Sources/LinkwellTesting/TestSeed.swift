import Foundation
import LinkwellCore

/// The seed of a randomised (property) test: fresh each run so that runs explore, printed with every
/// failure so that a failure can be replayed, and fixed by `LINKWELL_TEST_SEED=<n>` to replay it.
public struct TestSeed: Sendable, CustomStringConvertible {
    public let value: UInt64

    /// `LINKWELL_TEST_SEED` when set, otherwise a new random seed.
    public init() {
        if let text = ProcessInfo.processInfo.environment["LINKWELL_TEST_SEED"], let seed = UInt64(text) {
            value = seed
        } else {
            value = UInt64.random(in: 0...UInt64.max)
        }
    }

    /// A generator that yields the same values for the same seed.
    public var generator: SplitMix64 { SplitMix64(seed: value) }

    /// For a failure message: how to replay it.
    public var description: String { "seed \(value) (replay with LINKWELL_TEST_SEED=\(value))" }
}
