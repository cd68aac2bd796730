import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes sure only one Linkwell server uses a SQLite file at a time. SQLite itself would let two
/// servers share a file safely, but each keeps its own rate limits, outbox worker and caches, so a
/// second server is refused with a clear message instead (several servers need PostgreSQL).
///
/// The lock is an exclusive `flock` on `<database>-server.lock`: the kernel drops it when the
/// process ends, however it ends, so a crash never leaves a stale lock behind. Commands such as
/// `linkwell backup` do not take it: they are meant to run beside the server.
public final class SQLiteServerLock: @unchecked Sendable {
    /// The lock file's path.
    public let path: String
    private var descriptor: Int32

    /// Takes the lock, or throws `SQLiteServerLock.Busy` naming the process that holds it.
    public init(databasePath: String) throws {
        path = databasePath + "-server.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Busy(message: "Cannot create the lock file \(path): \(String(cString: strerror(errno))).") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            descriptor = -1
            throw Busy(message: "Another Linkwell server\(holder.isEmpty ? "" : " (process \(holder))") is already using \(databasePath). "
                       + "Stop it first, or use PostgreSQL (--database postgres://…) to run several servers.")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Releases the lock (also released when the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// The lock is held by another server.
    public struct Busy: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
