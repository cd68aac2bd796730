import Foundation
import LinkwellCore

/// `RateLimitStore` in memory: the actor makes each call atomic (one process only, as memory is).
extension MemoryStore {
    public func recordRateLimitHit(key: String, limit: Int, windowStart: Date, now: Date) async throws -> RateLimitHit {
        var hits = (rateLimitHits[key] ?? []).filter { $0.at >= windowStart }
        let oldest = hits.map(\.at).min()
        guard hits.count < limit else {
            rateLimitHits[key] = hits
            return RateLimitHit(allowed: false, count: hits.count, oldest: oldest, id: nil)
        }
        rateLimitSequence += 1
        let id = String(rateLimitSequence)
        hits.append((id, now))
        rateLimitHits[key] = hits
        return RateLimitHit(allowed: true, count: hits.count, oldest: oldest ?? now, id: id)
    }

    public func forgetRateLimitHit(id: String) async throws {
        for (key, hits) in rateLimitHits where hits.contains(where: { $0.id == id }) {
            rateLimitHits[key] = hits.filter { $0.id != id }
        }
    }
}
