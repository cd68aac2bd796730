import Foundation
import LinkwellCore

/// Unmet demand within a distance on the memory store: the reference for the SQL versions.
extension MemoryStore {
    public func referralNeedsByLocation(where filter: InsightFilter) async throws -> [LocatedNeedCounts] {
        struct Key: Hashable { var latitude: Double; var longitude: Double }
        var groups: [Key?: ([Int], [Int])] = [:]
        let needs = Need.allCases.count
        // Referrals with no need recorded are not places of demand (as on SQL).
        for fact in referralFacts.values where fact.needsMask != 0 && filter.matches(fact) {
            let point = Postcode.normalised(fact.postcode).flatMap { directory.postcodes[$0] }
            let key = point.map { Key(latitude: $0.latitude, longitude: $0.longitude) }
            var (counts, keys) = groups[key] ?? (Array(repeating: 0, count: needs), Array(repeating: 0, count: needs))
            for i in 0..<needs where fact.needsMask & (1 << i) != 0 {
                counts[i] += 1
                keys[i] += fact.recordKey
            }
            groups[key] = (counts, keys)
        }
        return try groups.map { key, value in
            LocatedNeedCounts(point: try key.map { try GeoPoint(latitude: $0.latitude, longitude: $0.longitude) }, counts: value.0, keySums: value.1)
        }
    }

    public func needServicePoints(in box: GeoBox, termIDs: [String], categories: [String]) async throws -> [NeedServicePoint] {
        let wantedTerms = Set(termIDs), wantedCategories = Set(categories)
        var found: [NeedServicePoint] = []
        for (id, entry) in directory.services where entry.listing.service.status == .active {
            let category = servicesByID[ServiceID(id)]?.category ?? ""
            let terms = entry.facts.termIDs.filter(wantedTerms.contains)
            guard !terms.isEmpty || wantedCategories.contains(category.lowercased()) else { continue }
            for point in entry.facts.points where box.contains(point) {
                found.append(NeedServicePoint(serviceID: id, point: point, category: category, termIDs: terms,
                                              waitingListWeeks: entry.listing.capacity?.waitingListWeeks))
            }
        }
        return found
    }
}
