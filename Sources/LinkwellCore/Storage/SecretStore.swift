import Foundation

/// The scheme's own secrets: random keys that never leave the server (the disclosure-control key behind
/// cell-key adjustments, and the key behind evaluation pseudonyms).
///
/// Every implementation must guarantee: `secret(named:)` returns the same bytes every time for a name, and
/// the first call for a name creates them (32 random bytes) exactly once, even when several app instances
/// ask at the same moment; `rotateSecret(named:)` replaces them with fresh random bytes.
public protocol SecretStore: Sendable {
    func secret(named name: String) async throws -> [UInt8]
    func rotateSecret(named name: String) async throws
}

extension SecretStore {
    /// 32 fresh random bytes from the system's generator.
    public static func freshSecret() -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
