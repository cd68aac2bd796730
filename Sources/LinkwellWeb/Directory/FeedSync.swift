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

    /// Syncs one feed now, telling `progress` how it gets on. Never throws for a bad feed: the error is
    /// recorded on the feed and returned instead of a report.
    @discardableResult
    public func sync(_ feed: RegisteredFeed, progress: ImportProgressSink? = nil) async throws -> (report: ImportReport?, error: String?) {
        var outcome: (report: ImportReport?, error: String?)
        do {
            outcome = (try await importURL(feed.url, source: feed.source, progress: progress), nil)
        } catch let e as FeedUnreadable {
            outcome = (nil, ImportJobRecorder.describe(e))
        } catch LinkwellError.invalid(let errors) {
            outcome = (nil, ImportJobRecorder.describe(LinkwellError.invalid(errors)))
        }
        try await directory.recordSync(feed, report: outcome.report, error: outcome.error)
        return outcome
    }

    /// Reads a feed URL whole and imports it (`full`: it is the whole of its source, so services the
    /// source no longer lists are withdrawn; a base URL or an unfiltered service list is that anyway).
    public func importURL(_ url: String, source: String, full: Bool = false, progress: ImportProgressSink? = nil) async throws -> ImportReport {
        var parsed = ParsedFeed(source: source)
        var reader = self.reader
        if let progress {
            reader.progress = { p in progress(ImportProgress(phase: .reading, done: p.records, total: nil)) }
        }
        try await reader.read(url, kind: nil, into: &parsed)
        if full { parsed.full = true }
        return try await directory.importFeed(parsed, ImportOptions(), progress: progress)
    }

    /// Syncs every feed that is due, one after another.
    public func syncDue() async throws -> Int {
        let due = try await directory.dueFeeds()
        for feed in due { try await sync(feed) }
        return due.count
    }
}

