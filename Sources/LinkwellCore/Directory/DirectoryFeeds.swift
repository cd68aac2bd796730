import Foundation

/// A source feed the admin has registered: `serve` re-imports it on a schedule.
public struct RegisteredFeed: Codable, Sendable, Equatable {
    public var id: String
    /// The feed URL (a list endpoint, or a base such as another Linkwell's `/oruk`).
    public var url: String
    /// The source name its records carry (see `FeedReader.sourceName`).
    public var source: String
    public var intervalMinutes: Int
    public var createdAt: Date
    public var lastSyncAt: Date?
    /// `ok`, `rejected` (some records refused) or `failed` (nothing imported, or unreadable).
    public var lastStatus: String?
    public var lastCounts: FeedSyncCounts?
    public var lastError: String?
    public init(id: String, url: String, source: String, intervalMinutes: Int, createdAt: Date) {
        (self.id, self.url, self.source, self.intervalMinutes, self.createdAt) = (id, url, source, intervalMinutes, createdAt)
    }

    /// Never synced, or last synced at least `intervalMinutes` ago.
    public func isDue(now: Date) -> Bool { lastSyncAt.map { now.timeIntervalSince($0) >= Double(intervalMinutes) * 60 } ?? true }
}

/// What one sync did, by kind of change (all record types together).
public struct FeedSyncCounts: Codable, Sendable, Equatable {
    public var added = 0, changed = 0, unchanged = 0, withdrawn = 0, rejected = 0
    public init() {}
    public init(_ report: ImportReport) {
        added = report.created.values.reduce(0, +)
        changed = report.updated.values.reduce(0, +)
        unchanged = report.unchanged.values.reduce(0, +)
        withdrawn = report.withdrawn.count
        rejected = report.rejected.count
    }
}

extension DirectoryService {
    /// The admin registers a feed URL to be re-imported every `intervalMinutes` (15 minutes to a week).
    public func registerFeed(url: String?, intervalMinutes: Int?, source: String, by p: Principal) async throws -> RegisteredFeed {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin registers feeds.") }
        var v = Validator()
        let text = v.required(url, "url", label: .theFeedURL, max: 2000)
        if !text.isEmpty, !(text.hasPrefix("http://") || text.hasPrefix("https://")) || URL(string: text)?.host == nil {
            v.add("url", .feedURLRequired)
        }
        let interval = intervalMinutes ?? 1440
        if !(15...10_080).contains(interval) { v.add("intervalMinutes", .feedIntervalOutOfRange) }
        if try await store.registeredFeeds().contains(where: { $0.url == text }) { v.add("url", .feedRegistered) }
        try v.check()
        let feed = RegisteredFeed(id: env.newID(), url: text, source: source, intervalMinutes: interval, createdAt: env.now())
        try await store.saveFeed(feed)
        return feed
    }

    /// Every registered feed, for the admin.
    public func registeredFeeds(by p: Principal) async throws -> [RegisteredFeed] {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin sees registered feeds.") }
        return try await store.registeredFeeds()
    }

    /// A numbered page of the registered feeds in the order they were added, only those whose URL contains `search`.
    public func registeredFeeds(search: String?, page: PageNumber, by p: Principal) async throws -> CountedPage<RegisteredFeed> {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin sees registered feeds.") }
        return try await store.registeredFeeds(search: search, page: page)
    }

    /// Feeds due a sync now (for the scheduler).
    public func dueFeeds() async throws -> [RegisteredFeed] { try await store.registeredFeeds().filter { $0.isDue(now: env.now()) } }

    /// A registered feed by id (for the admin's "sync now").
    public func registeredFeed(id: String, by p: Principal) async throws -> RegisteredFeed {
        guard let feed = try await registeredFeeds(by: p).first(where: { $0.id == id }) else { throw LinkwellError.notFound("feed") }
        return feed
    }

    /// Records how a sync went: its report, or why it failed.
    public func recordSync(_ feed: RegisteredFeed, report: ImportReport?, error: String?) async throws {
        var f = feed
        f.lastSyncAt = env.now()
        f.lastCounts = report.map(FeedSyncCounts.init)
        f.lastError = error ?? report.flatMap { $0.rejected.first.map { "\($0.summary.prefix(300))" } }
        f.lastStatus = report.map { $0.exitCode == 0 ? "ok" : $0.exitCode == 1 ? "rejected" : "failed" } ?? "failed"
        try await store.saveFeed(f)
    }
}
