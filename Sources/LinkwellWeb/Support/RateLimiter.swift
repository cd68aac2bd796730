import Foundation

/// A sliding-window limit per key (e.g. per client address) for public forms. Held in memory:
/// each app instance counts its own requests.
actor RateLimiter {
    let limit: Int
    let window: TimeInterval
    private var hits: [String: [Date]] = [:]

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records an attempt; false when the key has used up its allowance in the window.
    func allow(_ key: String, at now: Date) -> Bool {
        var recent = (hits[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            hits[key] = recent
            return false
        }
        recent.append(now)
        hits[key] = recent
        if hits.count > 10_000 { hits = hits.filter { !$0.value.allSatisfy { now.timeIntervalSince($0) >= window } } }
        return true
    }
}
