import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LinkwellCore

/// Reads Open Referral feeds from files, CSV packages and URLs into a `ParsedFeed`.
///
/// A URL is walked page by page (HSDS paging); list endpoints carry one-to-one fields only, so each
/// service, organisation and service-at-location is then read in full from its detail endpoint, a
/// few at a time, each request retried with back-off. A feed's base URL (e.g. another Linkwell's
/// `/oruk`) reads taxonomies, terms, organisations and services, so the whole directory comes across.
public struct FeedReader: Sendable {
    /// Requests in flight at once.
    public var concurrency = 4
    /// Tries per request (the first and the retries) for network errors, 429 and 5xx answers.
    public var attempts = 3
    /// Seconds before the first retry; doubled each time.
    public var backoff = 0.5
    /// Page size asked of list endpoints.
    public var perPage = 50
    /// Called after each request with what has been read so far.
    public var progress: (@Sendable (FeedProgress) -> Void)?

    public init() {}

    /// The full records read so far (a listed record counts once its detail is read), for a progress bar.
    public struct FeedProgress: Sendable { public var requests: Int; public var records: Int; public var pages: Int? }

    /// Reads one source: an http(s) URL, a JSON file, or a folder of HSDS CSV files. `kind` overrides
    /// what the name says. Throws `FeedUnreadable` for unreadable input.
    public func read(_ source: String, kind: HSDSKind?, into feed: inout ParsedFeed) async throws {
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            guard let url = URL(string: source), url.host != nil else { throw LinkwellError.invalid([.apiOnly("source", "\(source.prefix(200)) is not a URL.")]) }
            try await readURL(url, kind: kind, into: &feed)
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else { throw LinkwellError.invalid([.apiOnly("source", "\(source) does not exist.")]) }
        if isDirectory.boolValue {
            var files: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.lowercased().hasSuffix(".csv") {
                let path = (source as NSString).appendingPathComponent(name)
                guard let text = String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8) else {
                    throw FeedUnreadable(source: name, line: 1, column: 1, message: "the file is not UTF-8 text")
                }
                files[name] = text
            }
            try DirectoryTabular.parse(files, into: &feed)
        } else {
            let name = (source as NSString).lastPathComponent
            try DirectoryFeed.parse(try Data(contentsOf: URL(fileURLWithPath: source)), kind: kind ?? HSDSKind.named(name), name: name, into: &feed)
        }
    }

    /// The source name a URL gives its records: the feed's base, without paging or a trailing endpoint.
    public static func sourceName(_ url: URL) -> String {
        var c = URLComponents(url: url, resolvingAgainstBaseURL: false)
        c?.query = nil
        c?.fragment = nil
        var path = c?.path ?? ""
        if HSDSKind.endpoint(path) != nil, let range = path.range(of: "/", options: .backwards) { path = String(path[..<range.lowerBound]) }
        c?.path = path
        return c?.string ?? url.absoluteString
    }

    /// Walks a feed URL. A URL that names no endpoint is the feed's base.
    func readURL(_ url: URL, kind: HSDSKind?, into feed: inout ParsedFeed) async throws {
        let counter = Counter()
        let path = url.path
        if let kind = kind ?? HSDSKind.endpoint(path) {
            let last = path.split(separator: "/").last.map(String.init) ?? ""
            if HSDSKind.named(last) == nil {
                // A detail URL (`/services/{id}`): one record.
                try DirectoryFeed.parse(try await get(url, counter), kind: kind, name: url.absoluteString, into: &feed)
            } else {
                try await walk(url, kind: kind, into: &feed, counter)
                // Every page of an unfiltered service list is the whole of the source's services.
                let filters = (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).filter { $0.name != "page" && $0.name != "per_page" }
                if kind == .service && filters.isEmpty { feed.full = true }
            }
            return
        }
        for (endpoint, kind) in [("taxonomies", HSDSKind.taxonomy), ("taxonomy_terms", .taxonomyTerm), ("organizations", .organization), ("services", .service)] {
            try await walk(url.appendingPathComponent(endpoint), kind: kind, into: &feed, counter)
        }
        feed.full = true
    }

    /// Reads every page of a list endpoint, then the full record of each listed service or
    /// organisation from its detail endpoint (list items leave their lists out).
    func walk(_ list: URL, kind: HSDSKind, into feed: inout ParsedFeed, _ counter: Counter) async throws {
        var page = 1
        var listed: [(id: String, position: String)] = []
        while true {
            var c = URLComponents(url: list, resolvingAgainstBaseURL: false)!
            var items = (c.queryItems ?? []).filter { $0.name != "page" && $0.name != "per_page" }
            items += [URLQueryItem(name: "page", value: String(page)), URLQueryItem(name: "per_page", value: String(perPage))]
            c.queryItems = items
            let url = c.url!
            let data = try await get(url, counter)
            let json = try JSONValue.parse(data, source: url.absoluteString)
            let contents = json["contents"]?.array ?? json.array ?? []
            let needsDetail = kind == .service || kind == .organization || kind == .serviceAtLocation
            for (i, item) in contents.enumerated() {
                let position = "\(url.absoluteString) contents[\(i)]"
                if needsDetail, let id = item["id"]?.string { listed.append((id, position)) } else { feed.add(kind, item, at: position) }
            }
            progress?(FeedProgress(requests: counter.requests, records: feed.records.count, pages: json["total_pages"]?.number.map(Int.init)))
            let last = json["last_page"].map { $0 == .bool(true) } ?? true
            if last || contents.isEmpty { break }
            page += 1
        }
        guard !listed.isEmpty else { return }
        // Full records, a few at a time, in the list's order.
        var details = [JSONValue?](repeating: nil, count: listed.count)
        try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            var next = 0
            func start() {
                let i = next
                next += 1
                let url = list.appendingPathComponent(listed[i].id)
                group.addTask { (i, try JSONValue.parse(try await self.get(url, counter), source: url.absoluteString)) }
            }
            for _ in 0..<min(concurrency, listed.count) { start() }
            var completed = 0
            while let done = try await group.next() {
                let (i, doc) = done
                details[i] = doc
                completed += 1
                progress?(FeedProgress(requests: counter.requests, records: feed.records.count + completed, pages: nil))
                if next < listed.count { start() }
            }
        }
        for (i, doc) in details.enumerated() { if let doc { feed.add(kind, doc, at: "\(listed[i].position) (\(list.appendingPathComponent(listed[i].id).absoluteString))") } }
    }

    /// One GET, retried for network errors, 429 and 5xx; anything else not 200 is an error naming the URL.
    func get(_ url: URL, _ counter: Counter) async throws -> Data {
        var delay = backoff
        var lastProblem = ""
        for attempt in 1...max(1, attempts) {
            counter.add()
            do {
                var request = URLRequest(url: url, timeoutInterval: 30)
                request.setValue("application/json", forHTTPHeaderField: "Accept")
                let (data, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 { return data }
                lastProblem = "answered HTTP \(status)"
                if status != 429 && status < 500 { break }
            } catch {
                lastProblem = "could not be reached (\(error.localizedDescription.prefix(120)))"
            }
            if attempt < attempts { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)); delay *= 2 }
        }
        throw LinkwellError.invalid([.apiOnly("source", "\(url.absoluteString.prefix(300)) \(lastProblem).")])
    }

    /// Counts requests across concurrent tasks.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var requests: Int { lock.lock(); defer { lock.unlock() }; return n }
    }
}
