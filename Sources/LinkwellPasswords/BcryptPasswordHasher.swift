import Foundation
import HummingbirdBcrypt
import LinkwellCore
import NIOPosix

/// bcrypt password hashes, computed off the event loop on NIO's thread pool.
public struct BcryptPasswordHasher: PasswordHasher {
    /// The work factor of new hashes (12 in production; the tests use 4).
    public let cost: UInt8
    public let decoyHash: String

    public init(cost: UInt8 = 12) {
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
