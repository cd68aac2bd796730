import Foundation
import LinkwellCore

/// `LearnedInsightStore` in memory.
extension MemoryStore {
    public func gapCells(where filter: InsightFilter) async throws -> [CellCount] {
        var cells = Array(repeating: CellCount.zero, count: Need.allCases.count)
        for fact in referralFacts.values where fact.gapMask != 0 && filter.matches(fact) {
            for i in cells.indices where fact.gapMask & (1 << i) != 0 { cells[i] = cells[i] + CellCount(count: 1, keySum: fact.recordKey) }
        }
        return cells
    }

    public func feedbackRatings(from: Date?, to: Date?) async throws -> [FeedbackRating] {
        directory.feedback.filter { f in (from.map { f.at >= $0 } ?? true) && (to.map { f.at < $0 } ?? true) }
            .map { FeedbackRating(serviceID: $0.serviceID, rating: $0.rating, recordKey: RecordKey.of($0.id)) }
    }
}
