import Foundation

/// A latitude/longitude box (inclusive), the area a storage read is confined to.
public struct GeoBox: Sendable, Equatable {
    public var south: Double, north: Double, west: Double, east: Double
    public init(south: Double, north: Double, west: Double, east: Double) {
        (self.south, self.north, self.west, self.east) = (south, north, west, east)
    }

    public func contains(_ p: GeoPoint) -> Bool {
        p.latitude >= south && p.latitude <= north && p.longitude >= west && p.longitude <= east
    }
}

/// Referrals at one place, by need: `counts[i]` referrals have need `Need.allCases[i]`. `point` is nil
/// for referrals whose postcode is not in the directory's postcode lookup ("location unknown").
/// No postcode leaves the store: a place is only its coordinates.
public struct LocatedNeedCounts: Sendable, Equatable {
    public var point: GeoPoint?
    public var counts: [Int]
    /// Per need, the sum of the record keys of the referrals counted (`RecordKey`).
    public var keySums: [Int]
    public init(point: GeoPoint?, counts: [Int], keySums: [Int]? = nil) {
        self.point = point
        self.counts = counts
        self.keySums = keySums ?? Array(repeating: 0, count: counts.count)
    }
}

/// One location of an active directory service that may meet a need: the service's spine category,
/// those of its taxonomy terms that were asked about, and its waiting list (weeks) when it has one.
public struct NeedServicePoint: Sendable, Equatable {
    public var serviceID: String
    public var point: GeoPoint
    public var category: String
    public var termIDs: [String]
    public var waitingListWeeks: Int?
    public init(serviceID: String, point: GeoPoint, category: String, termIDs: [String], waitingListWeeks: Int? = nil) {
        self.serviceID = serviceID
        self.point = point
        self.category = category
        self.termIDs = termIDs
        self.waitingListWeeks = waitingListWeeks.flatMap { $0 > 0 ? $0 : nil }
    }
}

/// Unmet demand within a distance: for each need, how many referrals with that need live further than
/// the chosen distance from every active service able to meet it.
///
/// A person's location is their postcode's point in the directory's postcode lookup (full unit postcode,
/// not the district centroid: a district spans several kilometres, as much as the distances asked about,
/// while a unit postcode is a street or two). The store groups referrals by that point, so the work here
/// grows with the number of distinct places (thousands), not referrals (millions); referrals whose
/// postcode is not in the lookup are counted apart as "location unknown", never dropped.
public enum UnmetDemand {
    /// The distances a dashboard may ask about, in km (fixed bands: a free distance could be swept to
    /// place one person between two radii), and the default.
    public static let distanceBands: [Double] = [1, 2, 5, 10, 20]
    public static let defaultDistanceKm = 5.0

    /// Per need (index as `Need.allCases`): referrals, those with no suitable active service within the
    /// distance, and those whose location is unknown.
    public struct Result: Sendable, Equatable {
        public var referrals: [Int]
        public var unmet: [Int]
        public var locationUnknown: [Int]
        /// The same three columns as cells (counts with their key sums), for `DisclosureControl`.
        public var referralCells: [CellCount] = Array(repeating: .zero, count: Need.allCases.count)
        public var unmetCells: [CellCount] = Array(repeating: .zero, count: Need.allCases.count)
        public var locationUnknownCells: [CellCount] = Array(repeating: .zero, count: Need.allCases.count)
        /// Services near the referrals' places (within the boxes read) able to meet the need that have a
        /// waiting list now, and the longest of their waits in weeks. Directory facts, not people.
        public var servicesWithWaitingList: [Int] = Array(repeating: 0, count: Need.allCases.count)
        public var longestWaitWeeks: [Int?] = Array(repeating: nil, count: Need.allCases.count)
    }

    /// The needs (as a `ReferralFact.needsMask`-style mask) a service can meet: it carries the need's term
    /// from `NeedsTaxonomy`, or its category is one `NeedCategories` gives for the need.
    public static func needsMask(_ s: NeedServicePoint) -> Int {
        let category = s.category.lowercased()
        var mask = 0
        for (i, need) in Need.allCases.enumerated()
        where s.termIDs.contains(NeedsTaxonomy.term(need).id) || NeedCategories.categories(for: need).contains(category) {
            mask |= 1 << i
        }
        return mask
    }

    /// Every need term's id, and every category that meets some need: what a store filters services by.
    public static var termIDs: [String] { NeedsTaxonomy.terms.map(\.id) }
    public static var categories: [String] { Set(Need.allCases.flatMap { NeedCategories.categories(for: $0) }).sorted() }

    /// The boxes to read services from: one around the places of each 1° tile that has any, widened by the
    /// distance, so a few people living far away do not widen the read to the country between; above
    /// `maxBoxes` tiles, one box around them all (still a bounded number of reads).
    public static func boxes(around points: [GeoPoint], km: Double, maxBoxes: Int = 16) -> [GeoBox] {
        guard !points.isEmpty else { return [] }
        func box(_ ps: [GeoPoint]) -> GeoBox {
            let south = ps.map(\.latitude).min()!, north = ps.map(\.latitude).max()!
            let dLat = km / GeoPoint.kilometresPerDegree
            // Longitude degrees are shortest where the box is nearest a pole.
            let widest = min(89.0, max(abs(south), abs(north)) + dLat)
            let dLon = min(180, dLat / cos(widest * .pi / 180))
            return GeoBox(south: max(-90, south - dLat), north: min(90, north + dLat),
                          west: max(-180, ps.map(\.longitude).min()! - dLon), east: min(180, ps.map(\.longitude).max()! + dLon))
        }
        let tiles = Dictionary(grouping: points) { [Int($0.latitude.rounded(.down)), Int($0.longitude.rounded(.down))] }
        if tiles.count > maxBoxes { return [box(points)] }
        return tiles.keys.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { box(tiles[$0]!) }
    }

    /// Counts, per need, the referrals at places with no service meeting that need within `km`
    /// (equirectangular distance, as the directory search measures it). Services are bucketed in a grid
    /// whose cells are at least `km` across, so each place looks only at the 3×3 cells around it.
    public static func count(_ places: [LocatedNeedCounts], services: [NeedServicePoint], km: Double) -> Result {
        let needs = Need.allCases.count
        var result = Result(referrals: Array(repeating: 0, count: needs), unmet: Array(repeating: 0, count: needs),
                            locationUnknown: Array(repeating: 0, count: needs))
        let located = places.compactMap { p in p.point.map { ($0, p.counts) } }
        let candidates = services.map { ($0.point, needsMask($0)) }.filter { $0.1 != 0 }
        let maxLatitude = min(89.0, (located.map { abs($0.0.latitude) } + candidates.map { abs($0.0.latitude) }).max() ?? 0)
        let cellLat = max(km / GeoPoint.kilometresPerDegree, 1e-6)
        let cellLon = cellLat / cos(maxLatitude * .pi / 180)
        func cell(_ p: GeoPoint) -> [Int] { [Int((p.latitude / cellLat).rounded(.down)), Int((p.longitude / cellLon).rounded(.down))] }
        var grid: [[Int]: [(GeoPoint, Int)]] = [:]
        for c in candidates { grid[cell(c.0), default: []].append(c) }
        var waiting: [Int: Set<String>] = [:]
        for s in services {
            guard let weeks = s.waitingListWeeks else { continue }
            let mask = needsMask(s)
            for i in 0..<needs where mask & (1 << i) != 0 {
                waiting[i, default: []].insert(s.serviceID)
                result.longestWaitWeeks[i] = max(result.longestWaitWeeks[i] ?? 0, weeks)
            }
        }
        for (i, ids) in waiting { result.servicesWithWaitingList[i] = ids.count }

        for place in places {
            func placeCell(_ i: Int) -> CellCount { CellCount(count: place.counts[i], keySum: i < place.keySums.count ? place.keySums[i] : 0) }
            for i in 0..<min(needs, place.counts.count) {
                result.referrals[i] += place.counts[i]
                result.referralCells[i] = result.referralCells[i] + placeCell(i)
            }
            guard let point = place.point else {
                for i in 0..<min(needs, place.counts.count) {
                    result.locationUnknown[i] += place.counts[i]
                    result.locationUnknownCells[i] = result.locationUnknownCells[i] + placeCell(i)
                }
                continue
            }
            var wanted = 0
            for i in 0..<min(needs, place.counts.count) where place.counts[i] > 0 { wanted |= 1 << i }
            var met = 0
            let home = cell(point)
            search: for dy in -1...1 {
                for dx in -1...1 {
                    for (at, mask) in grid[[home[0] + dy, home[1] + dx]] ?? [] where mask & wanted & ~met != 0 {
                        if point.kilometres(to: at) <= km {
                            met |= mask
                            if wanted & ~met == 0 { break search }
                        }
                    }
                }
            }
            for i in 0..<needs where wanted & (1 << i) != 0 && met & (1 << i) == 0 {
                result.unmet[i] += place.counts[i]
                result.unmetCells[i] = result.unmetCells[i] + placeCell(i)
            }
        }
        return result
    }

    /// Reads what `count` needs from the store: referrals by place for the filter, then the services
    /// around those places (one read per box of `boxes`), and counts.
    public static func compute(_ store: any InsightStore, where filter: InsightFilter, km: Double) async throws -> Result {
        let places = try await store.referralNeedsByLocation(where: filter)
        var seen = Set<[String]>()
        var services: [NeedServicePoint] = []
        for box in boxes(around: places.compactMap(\.point), km: km) {
            for s in try await store.needServicePoints(in: box, termIDs: termIDs, categories: categories)
            where seen.insert([s.serviceID, String(s.point.latitude), String(s.point.longitude)]).inserted {
                services.append(s)
            }
        }
        return count(places, services: services, km: km)
    }

    /// A distance as people write it: "5", "0.5", "2.5".
    public static func label(_ km: Double) -> String {
        km == km.rounded() ? String(Int(km)) : String(format: "%g", km)
    }
}
