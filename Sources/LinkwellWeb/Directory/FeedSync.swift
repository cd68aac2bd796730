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

    /// Syncs one feed now, telling `progress` how it gets on. Never throws for a bad feed: the failure is
    /// recorded on the feed (for its admin page) and returned, so that a caller running it as a job can fail the job
    /// with the failure itself (`ImportJobRecorder` records its code and detail).
    @discardableResult
    public func sync(_ feed: RegisteredFeed, progress: ImportProgressSink? = nil) async throws -> Result<ImportReport, any Error> {
        let outcome: Result<ImportReport, any Error>
        do {
            outcome = .success(try await importURL(feed.url, source: feed.source, progress: progress))
        } catch let e as FeedUnreadable {
            outcome = .failure(e)
        } catch LinkwellError.invalid(let errors) {
            outcome = .failure(LinkwellError.invalid(errors))
        }
        switch outcome {
        case .success(let report): try await directory.recordSync(feed, report: report, error: nil)
        case .failure(let failure): try await directory.recordSync(feed, report: nil, error: ImportJobRecorder.describe(failure))
        }
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

