import Foundation

/// How passwords are turned into stored hashes and checked (a port: the bcrypt implementation lives in
/// `LinkwellPasswords` and is chosen by the composition root).
///
/// Every implementation must guarantee that a hash never contains the password, that the same password
/// hashed twice gives different hashes (salted), and that `verify` is slow enough to resist guessing.
public protocol PasswordHasher: Sendable {
    /// A new salted hash of the password.
    func hash(_ password: String) async throws -> String
    /// Whether the password matches the hash.
    func verify(_ password: String, against hash: String) async throws -> Bool
    /// A valid hash of a password nobody knows, with the same cost as real ones: checked when an e-mail
    /// is unknown, so that sign-in takes as long as for a wrong password.
    var decoyHash: String { get }
}

/// How long a browser session lasts.
public struct SessionPolicy: Sendable, Equatable {
    /// A session ends after this long without activity.
    public var idleTimeout: TimeInterval
    /// A session ends this long after sign-in, active or not.
    public var maxAge: TimeInterval
    public init(idleTimeout: TimeInterval = 30 * 60, maxAge: TimeInterval = 12 * 3600) {
        self.idleTimeout = idleTimeout
        self.maxAge = maxAge
    }
}
