import Foundation

/// Linkwell's needs taxonomy published as an HSDS taxonomy, so services can be categorised by the
/// same needs a referral records. Ids are fixed UUIDs, stable across installations.
public enum NeedsTaxonomy {
    public static let taxonomy = HSDSTaxonomy(id: "6c1b0000-0000-4000-8000-000000000001", name: "Linkwell needs",
                                              description: "The needs a social prescribing referral records.", version: "1")

    /// The term for a need.
    public static func term(_ need: Need) -> HSDSTaxonomyTerm {
        let index = Need.allCases.firstIndex(of: need)! + 1
        return HSDSTaxonomyTerm(id: String(format: "6c1b0000-0000-4000-8000-%012d", 100 + index), code: need.rawValue, name: need.label,
                                description: need.label, taxonomyID: taxonomy.id, taxonomy: taxonomy.name)
    }

    public static var terms: [HSDSTaxonomyTerm] { Need.allCases.map(term) }
}

/// Deterministic, well-formed UUIDs for generated and demo data ("namespace" + number).
public func syntheticUUID(_ namespace: Int, _ number: Int) -> String {
    String(format: "%08x-0000-4000-8000-%012x", namespace, number)
}
