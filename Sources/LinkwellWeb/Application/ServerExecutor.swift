import LinkwellStorage
import NIOCore
import NIOPosix

/// Where a server's Swift tasks run: on NIO's event loops when its database is PostgreSQL.
///
/// A request on PostgreSQL is a dozen statements, each written and answered on an event loop. With Swift's own pool as
/// the executor, every statement crosses between threads twice (the task to the connection's loop and back), and the
/// kernel's thread switches were a quarter of the server's CPU on the caseload under load. With the event loops as
/// the executor, a task waits for its statement on the loop that runs the connection.
///
/// SQLite is left on Swift's pool: its reads by key run where the calling task is, and on an event loop they would
/// hold that loop's sockets while they run (measured in session 30: SQLite's caseload fell from 467–490 to 326–392
/// req/s with the event loops as the executor, while PostgreSQL's rose from 281 to 329). Blocking work stays off the
/// loops either way: bcrypt runs on NIO's thread pool, SQLite on its connections' own threads.
public enum ServerExecutor {
    /// Makes NIO's event loops the executor of every task when `database` is a PostgreSQL URL. Call it first thing in
    /// `main`, before any task starts, and once: Swift's executor cannot be changed after tasks have run on it.
    /// Returns whether the event loops are now the executor.
    @discardableResult
    public static func useEventLoops(forDatabase database: String?) -> Bool {
        guard let database, StoreFactory.isPostgres(database) else { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
