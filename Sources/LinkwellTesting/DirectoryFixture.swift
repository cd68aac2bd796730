import Foundation
import LinkwellCore

/// A small HSDS directory whose services differ in exactly one fact each, so that each search filter
/// can be shown to pick out the right ones. Organisations reuse `TestScheme`'s community groups.
public enum DirectoryFixture {
    public static let walkersOrg = "org-walkers", moneyOrg = "org-money"
    public static let walksID = syntheticUUID(0xf1, 1), debtID = syntheticUUID(0xf1, 2), choirID = syntheticUUID(0xf1, 3)
    public static let swimID = syntheticUUID(0xf1, 4), closedID = syntheticUUID(0xf1, 5)
    /// Leeds city centre, ~5.5 km north (Headingley-ish), ~100 km south (Birmingham-ish direction, far).
    public static let centre = try! GeoPoint(latitude: 53.7961, longitude: -1.5482)

    public static var activity: HSDSTaxonomyTerm { NeedsTaxonomy.term(.physicalActivity) }
    public static var debt: HSDSTaxonomyTerm { NeedsTaxonomy.term(.debt) }
    public static var loneliness: HSDSTaxonomyTerm { NeedsTaxonomy.term(.loneliness) }

    static func service(_ id: String, _ org: String, _ name: String, _ description: String, term: HSDSTaxonomyTerm,
                        lat: Double, lon: Double, day: String, opens: String, closes: String, modified: Double) -> HSDSService {
        var s = HSDSService(id: id, organizationID: org, name: name, description: description)
        let location = HSDSLocation(id: id + "-l", name: "\(name) venue", latitude: lat, longitude: lon,
                                    addresses: [HSDSAddress(id: id + "-a", address1: "1 Test Street", city: "Leeds", stateProvince: "West Yorkshire", postalCode: "LS1 4AP")])
        s.serviceAtLocations = [HSDSServiceAtLocation(id: id + "-sal", serviceID: id, location: location,
                                                      schedules: [HSDSSchedule(id: id + "-s", byday: day, opensAt: opens, closesAt: closes)])]
        s.attributes = [HSDSAttribute(id: id + "-t", linkID: id, taxonomyTermID: term.id)]
        s.languages = [HSDSLanguage(id: id + "-en", name: "English", code: "en")]
        s.lastModified = Date(timeIntervalSince1970: modified)
        return s
    }

    public static var batch: DirectoryBatch {
        var walks = service(walksID, walkersOrg, "Health walks", "Gentle group walks around the park with volunteers.", term: activity,
                            lat: 53.7970, lon: -1.5470, day: "TU,FR", opens: "10:00", closes: "11:30", modified: 1_700_000_000)
        walks.serviceAtLocations![0].location!.accessibility = [HSDSAccessibility(id: "acc-1", description: "Step-free route")]
        var debtAdvice = service(debtID, moneyOrg, "Debt advice drop-in", "Confidential money advice, no appointment needed.", term: debt,
                                 lat: 53.8450, lon: -1.5480, day: "MO", opens: "09:00", closes: "17:00", modified: 1_710_000_000)
        debtAdvice.languages!.append(HSDSLanguage(id: "pl-2", name: "Polish", code: "pl"))
        var choir = service(choirID, walkersOrg, "Community choir", "Sing together with friendly people; walks afterwards.", term: loneliness,
                            lat: 53.8000, lon: -1.5500, day: "WE", opens: "18:00", closes: "20:00", modified: 1_720_000_000)
        choir.costOptions = [HSDSCostOption(id: "cost-3", option: "per session", currency: "GBP", amount: 3)]
        choir.minimumAge = 18
        var swim = service(swimID, moneyOrg, "Aqua fitness", "Gentle water exercise for older people.", term: activity,
                           lat: 52.4862, lon: -1.8904, day: "TH", opens: "14:00", closes: "15:00", modified: 1_730_000_000)
        swim.minimumAge = 60
        var closed = service(closedID, walkersOrg, "Nordic walking", "Walks with poles; the course has ended.", term: activity,
                             lat: 53.7965, lon: -1.5475, day: "SA", opens: "10:00", closes: "12:00", modified: 1_740_000_000)
        closed.status = .defunct
        return DirectoryBatch(
            taxonomies: [NeedsTaxonomy.taxonomy], terms: NeedsTaxonomy.terms,
            organizations: [HSDSOrganization(id: walkersOrg, name: "Riverside Walkers", description: "Walking groups."),
                            HSDSOrganization(id: moneyOrg, name: "Money Matters", description: "Money advice.")],
            services: [walks, debtAdvice, choir, swim, closed])
    }
}
