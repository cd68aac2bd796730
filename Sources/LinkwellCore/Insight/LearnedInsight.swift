import Foundation

/// One link worker's rating of a service, without their words or who they are: what the commissioners'
/// feedback summary counts.
public struct FeedbackRating: Sendable, Equatable {
    public var serviceID: String
    /// 1 (poor) to 5 (excellent).
    public var rating: Int
    /// The feedback's `RecordKey`, summed with counts to make cell keys.
    public var recordKey: Int
    public init(serviceID: String, rating: Int, recordKey: Int) {
        self.serviceID = serviceID
        self.rating = rating
        self.recordKey = recordKey
    }
}

/// The aggregates of what link workers learn: gaps per need and their ratings of services.
public protocol LearnedInsightStore: Sendable {
    /// Per need (index as `Need.allCases`), the referrals matching the filter with a gap recorded for that need.
    func gapCells(where filter: InsightFilter) async throws -> [CellCount]
    /// Link workers' ratings of services given from `from` (inclusive) to `to` (exclusive); nil is open-ended.
    func feedbackRatings(from: Date?, to: Date?) async throws -> [FeedbackRating]
}

extension InsightService {
    /// Link workers' feedback on services, summarised for commissioners: per service, how many ratings were
    /// good (4–5), mixed (3) or poor (1–2) in the period. Never the words or who wrote them; every count
    /// through `DisclosureControl`, with a row for every service ever rated, whatever the period.
    func serviceFeedback(_ f: InsightFilter, _ control: DisclosureControl) async throws -> PublishedTable {
        let ever = Set(try await store.feedbackRatings(from: nil, to: nil).map(\.serviceID))
        // Only the rated services' names: a directory can be large.
        var serviceNames: [String: String] = [:]
        for id in ever { serviceNames[id] = try await store.service(id: ServiceID(id))?.name }
        let now = try await store.feedbackRatings(from: f.from?.start, to: f.to?.next.start)
        let bands: [ClosedRange<Int>] = [4...5, 3...3, 1...2]
        let rows = ever.sorted { (serviceNames[$0] ?? $0, $0) < (serviceNames[$1] ?? $1, $1) }.map { service in
            (key: service, label: serviceNames[service] ?? service,
             cells: bands.map { band in
                 now.filter { $0.serviceID == service && band.contains($0.rating) }
                     .reduce(CellCount.zero) { $0 + CellCount(count: 1, keySum: $1.recordKey) }
             })
        }
        let words = InsightTableEnglish.words("service_feedback")
        return PublishedTable(name: "service_feedback", title: words.title, dimension: words.dimension, columns: words.columns, rows: rows, control: control)
    }
}
