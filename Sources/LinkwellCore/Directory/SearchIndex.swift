import Foundation

/// Linkwell's own directory search index, the same on every backend.
///
/// A search must stay fast at national scale (hundreds of thousands of services), where one common
/// word matches tens of thousands of them. Full-text engines rank by scoring every match (SQLite's
/// `bm25`, PostgreSQL's `ts_rank`), which is work in proportion to the matches, not to the page. So each
/// service is indexed as **postings**: one row per (key, grid cell) with a precomputed integer weight,
/// where a key is a word (`w:`), a taxonomy term (`t:`) or a three-hour opening block (`h:`). Then:
/// - a word search reads its postings already in rank order (an index on key, weight) and stops at
///   the page; the total is a count over one index range;
/// - a search near a point reads only the postings in the grid cells its radius covers, so its cost
///   follows the services in that area, not in the country.
///
/// Weights are whole numbers (1/1024ths) so that sums are exact: memory, SQLite and PostgreSQL rank alike.
public enum SearchIndex {
    /// A key and its weight: a word's weight; 0 for a term; for an opening block, the opening that touches it
    /// (`openingWeight`).
    public struct Posting: Sendable, Equatable, Hashable {
        public var key: String
        public var weight: Int
    }

    /// The postings of a service.
    public static func postings(_ facts: ServiceFacts) -> [Posting] {
        let weights = wordWeights(facts)
        var postings = weights.keys.sorted().map { Posting(key: "w:" + $0, weight: weights[$0]!) }
        postings += Set(facts.termIDs).sorted().map { Posting(key: "t:" + $0, weight: 0) }
        postings += blockPostings(facts.openings)
        return postings
    }

    /// One posting per three-hour block the openings touch. When one opening alone touches the block, the posting
    /// carries it (`openingWeight`), so "open at t" is decided from the posting of t's block; when several do, it
    /// carries `severalOpenings` and a search reads the service's opening hours.
    public static func blockPostings(_ openings: [WeeklyOpening]) -> [Posting] {
        var touching: [String: [WeeklyOpening]] = [:]
        for opening in openings { for key in blockKeys(opening) { touching[key, default: []].append(opening) } }
        return touching.keys.sorted().map { key in
            let all = touching[key]!
            return Posting(key: key, weight: all.count == 1 ? openingWeight(all[0]) : severalOpenings)
        }
    }

    /// An opening as a whole number: `opens × openingScale + closes` (minutes of the day).
    public static func openingWeight(_ o: WeeklyOpening) -> Int { o.opens * openingScale + o.closes }

    /// Above any minute of a day ("HH:MM" reads at most 5,999), so an opening weight splits back into both.
    public static let openingScale = 10_000

    /// The weight of a block that several openings touch.
    public static let severalOpenings = -1

    /// Each word's weight: a BM25-style term frequency normalised by length (against a typical
    /// listing of 40 words), plus one for a word in the service's name.
    public static func wordWeights(_ facts: ServiceFacts) -> [String: Int] {
        let tokens = ServiceFacts.tokens(facts.searchText)
        let inName = Set(ServiceFacts.tokens(facts.name))
        var frequency: [String: Int] = [:]
        for t in tokens { frequency[t, default: 0] += 1 }
        let lengthNorm = 0.25 + 0.75 * Double(tokens.count) / 40
        var weights: [String: Int] = [:]
        for (word, count) in frequency {
            let tf = Double(count)
            let score = tf * 2.2 / (tf + 1.2 * lengthNorm) + (inName.contains(word) ? 1 : 0)
            weights[word] = Int((score * 1024).rounded())
        }
        return weights
    }

    /// A search's relevance to a service: the sum of its words' weights (0 when a word is missing).
    public static func score(_ facts: ServiceFacts, words: [String]) -> Int {
        let weights = wordWeights(facts)
        return words.map { weights[$0] ?? 0 }.reduce(0, +)
    }

    /// The three-hour blocks an opening touches, as keys (`h:` weekday, block 0–7).
    public static func blockKeys(_ opening: WeeklyOpening) -> [String] {
        guard opening.closes > opening.opens else { return [] }
        return (opening.opens / 180...min(7, (opening.closes - 1) / 180)).map { blockKey(weekday: opening.weekday, minute: $0 * 180) }
    }

    public static func blockKey(weekday: Int, minute: Int) -> String { "h:\(weekday)\(min(7, minute / 180))" }

    /// What a query asks for, as groups of keys: every group must match, any key within a group.
    /// Words first (longest first: longer words tend to be rarer, and the first group drives the search).
    public static func groups(_ q: DirectoryQuery) -> [[String]] {
        var groups = q.words.sorted { ($0.count, $0) > ($1.count, $1) }.map { ["w:" + $0] }
        if !q.taxonomyTermIDs.isEmpty { groups.append(Array(Set(q.taxonomyTermIDs)).sorted().map { "t:" + $0 }) }
        // An empty group can match nothing: a key no service has stands for it.
        for group in q.termGroups { groups.append(group.isEmpty ? ["t:"] : Array(Set(group)).sorted().map { "t:" + $0 }) }
        if let t = q.openAt { groups.append([blockKey(weekday: t.weekday, minute: t.minute)]) }
        return groups
    }

    // MARK: Grid

    /// The 0.1° grid cell of a point (rows of 3600 cells from the south pole); -1 for "no location".
    public static func cell(_ p: GeoPoint) -> Int {
        Int(((p.latitude + 90) * 10).rounded(.down)) * 3600 + Int(((p.longitude + 180) * 10).rounded(.down))
    }

    public static let noCell = -1

    /// The cells a service is indexed under: those of its points, or `noCell`. The first is its primary cell.
    public static func cells(_ facts: ServiceFacts) -> [Int] {
        var seen = Set<Int>()
        let cells = facts.points.map(cell).filter { seen.insert($0).inserted }
        return cells.isEmpty ? [noCell] : cells
    }

    /// The box around `near` that holds every point within `radiusKm` (degrees of latitude and longitude).
    public static func box(near: GeoPoint, radiusKm: Double) -> (latitudes: ClosedRange<Double>, longitudes: ClosedRange<Double>) {
        let deg = radiusKm / GeoPoint.kilometresPerDegree
        let lonDeg = deg / max(cos(near.latitude * .pi / 180), 0.01)
        return (near.latitude - deg...near.latitude + deg, near.longitude - lonDeg...near.longitude + lonDeg)
    }

    /// Every cell a box touches (a 10 km radius in the UK touches about 12), or nil when there are too
    /// many to list (then the box alone bounds the search).
    public static func cells(near: GeoPoint, radiusKm: Double, limit: Int = 400) -> [Int]? {
        let (latitudes, longitudes) = box(near: near, radiusKm: radiusKm)
        return cells(latitudes: latitudes, longitudes: longitudes, limit: limit)
    }

    /// Every cell a box touches, or nil when there are more than `limit`.
    public static func cells(latitudes: ClosedRange<Double>, longitudes: ClosedRange<Double>, limit: Int) -> [Int]? {
        let rows = Int(((max(-90, latitudes.lowerBound) + 90) * 10).rounded(.down))...Int(((min(89.99, latitudes.upperBound) + 90) * 10).rounded(.down))
        let columns = Int(((max(-180, longitudes.lowerBound) + 180) * 10).rounded(.down))...Int(((min(179.99, longitudes.upperBound) + 180) * 10).rounded(.down))
        guard rows.count * columns.count <= limit else { return nil }
        return rows.flatMap { row in columns.map { row * 3600 + $0 } }
    }

    /// The status as a small number for the index.
    public static func statusCode(_ s: HSDSServiceStatus) -> Int { HSDSServiceStatus.allCases.firstIndex(of: s)! }
}
