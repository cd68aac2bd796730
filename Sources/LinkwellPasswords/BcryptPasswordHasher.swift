import Foundation
import HummingbirdBcrypt
import LinkwellCore
import NIOPosix

/// bcrypt password hashes, computed off the event loop on NIO's thread pool.
public struct BcryptPasswordHasher: PasswordHasher {
    /// The work factor of new hashes: 10, the OWASP Password Storage Cheat Sheet's minimum for bcrypt ("use a
    /// work factor of 10 or more and with a password limit of 72 bytes",
    /// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#bcrypt). A sign-in is
    /// one verification, and each step of the cost doubles it: cost 10 is a quarter of the work of the 12 used
    /// before, which made sign-in take 1.4–2.1 s on the shared two-core host (issue #17); see the README for
    /// what sign-in costs. Hashes made at another cost still verify (the cost is part of the hash).
    public static let recommendedCost: UInt8 = 10

    /// The work factor of new hashes (`recommendedCost` in production; the tests use 4).
    public let cost: UInt8
    public let decoyHash: String

    public init(cost: UInt8 = BcryptPasswordHasher.recommendedCost) {
        self.cost = cost
        decoyHash = Bcrypt.hash("linkwell-decoy-password", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
