import Foundation
import LinkwellCore
import Logging
import ServiceLifecycle

/// Re-imports registered feeds: each a full import of its source (so services it no longer lists are
/// withdrawn), recording the counts and any error on the feed for the admin page.
public struct FeedSyncer: Sendable {
    let directory: DirectoryService
    var reader = FeedReader()
    public init(directory: DirectoryService) { self.directory = directory }

    /// Syncs one feed now; never throws for a bad feed (the error is recorded on it).
    @discardableResult
    public func sync(_ feed: RegisteredFeed) async throws -> RegisteredFeed {
        var parsed = ParsedFeed(source: feed.source)
        do {
            try await reader.read(feed.url, kind: nil, into: &parsed)
            let report = try await directory.importFeed(parsed, ImportOptions())
            try await directory.recordSync(feed, report: report, error: nil)
        } catch let e as FeedUnreadable {
            try await directory.recordSync(feed, report: nil, error: "Unreadable: \(e.description.prefix(300))")
        } catch LinkwellError.invalid(let errors) {
            try await directory.recordSync(feed, report: nil, error: errors.map { "\($0.field): \($0.message)" }.joined(separator: " ").prefix(300).description)
        }
        return feed
    }

    /// Syncs every feed that is due, one after another.
    public func syncDue() async throws -> Int {
        let due = try await directory.dueFeeds()
        for feed in due { try await sync(feed) }
        return due.count
    }
}

/// `serve`'s scheduler for registered feeds: checks once a minute which are due.
struct FeedSyncWorker: ServiceLifecycle.Service {
    let syncer: FeedSyncer
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let n = try await syncer.syncDue()
                    if n > 0 { logger.info("directory feeds synced", metadata: ["feeds": "\(n)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("directory feed sync failed", metadata: ["error": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
