import Foundation
import LinkwellCore
import LinkwellStorage
import LinkwellWeb

/// The demo scheme's directory: real HSDS listings (locations, schedules, needs terms, costs,
/// languages, accessibility) for the demo's community services, and the sample postcode lookup.
enum DemoDirectory {
    /// (organisation key, name, description, need)
    typealias Row = (String, String, String, String)

    static let places: [(String, String, Double, Double)] = [
        ("Riverside Community Centre", "LS1 4AP", 53.7975, -1.5460), ("Hillview Library", "LS6 2QT", 53.8190, -1.5760),
        ("Canal Street Hall", "LS11 5AS", 53.7810, -1.5520), ("Eastside Hub", "LS9 6PL", 53.8010, -1.5110),
        ("Northfield Park Pavilion", "LS7 3JB", 53.8230, -1.5330), ("Westgate Leisure Centre", "LS12 2TW", 53.7930, -1.5900),
        ("Old Mill Studios", "LS2 7HY", 53.8060, -1.5500), ("Moorside Church Hall", "LS8 1DR", 53.8160, -1.5110),
    ]

    static func batch(_ rows: [Row], organisations: [String: (OrganisationID, String)]) -> DirectoryBatch {
        var batch = DirectoryBatch(taxonomies: [NeedsTaxonomy.taxonomy], terms: NeedsTaxonomy.terms)
        var orgsDone = Set<String>()
        let days = ["MO", "TU", "WE", "TH", "FR", "SA", "MO,TH", "TU,FR", "WE"]
        let languages = [("English", "en"), ("Polish", "pl"), ("Urdu", "ur"), ("Welsh", "cy")]
        for (index, (org, name, description, need)) in rows.enumerated() {
            let (orgID, orgName) = organisations[org]!
            if orgsDone.insert(org).inserted {
                batch.organizations.append(HSDSOrganization(id: orgID.rawValue, name: orgName, description: "\(orgName), a community organisation in Demo City.",
                                                            email: "hello@\(org).demo.linkwell.test", website: "https://\(org).demo.linkwell.test"))
            }
            let id = syntheticUUID(0x5e0, index + 1)
            var s = HSDSService(id: id, organizationID: orgID.rawValue, name: name, description: description,
                                status: name == "Young adult carers" ? .temporarilyClosed : .active)
            s.email = "\(org)@demo.linkwell.test"
            s.lastModified = Date(timeIntervalSince1970: 1_780_000_000 + Double(index) * 86_400)
            let place = places[index % places.count]
            let location = HSDSLocation(id: syntheticUUID(0x10c, index + 1), name: place.0, latitude: place.2, longitude: place.3,
                                        addresses: [HSDSAddress(id: syntheticUUID(0xadd, index + 1), address1: "\(index + 1) Demo Street",
                                                                city: "Demo City", stateProvince: "West Yorkshire", postalCode: place.1)],
                                        accessibility: index % 3 == 0 ? [HSDSAccessibility(id: syntheticUUID(0xacc, index + 1), description: "Step-free access and hearing loop")] : nil)
            let opens = 9 + index % 9
            let schedule = HSDSSchedule(id: syntheticUUID(0x5c4, index + 1), byday: days[index % days.count],
                                        opensAt: String(format: "%02d:00", opens), closesAt: String(format: "%02d:00", opens + 2))
            s.serviceAtLocations = [HSDSServiceAtLocation(id: syntheticUUID(0x5a1, index + 1), serviceID: id, location: location, schedules: [schedule])]
            s.attributes = [HSDSAttribute(id: syntheticUUID(0xa77, index + 1), linkID: id,
                                          taxonomyTermID: NeedsTaxonomy.term(Need(rawValue: need) ?? .other).id)]
            let language = languages[index % 4 == 3 ? 1 + index % 3 : 0]
            s.languages = [HSDSLanguage(id: syntheticUUID(0x1a9, index + 1), name: language.0, code: language.1)]
            if index % 5 == 4 { s.costOptions = [HSDSCostOption(id: syntheticUUID(0xc05, index + 1), option: "per session", currency: "GBP", amount: 3)] }
            if name == "Young adult carers" { (s.minimumAge, s.maximumAge) = (18, 25) }
            if name.contains("over-60s") { s.minimumAge = 60 }
            s.phones = [HSDSPhone(id: syntheticUUID(0xf0e, index + 1), number: "0113 496 0\(String(format: "%03d", index))")]
            batch.services.append(s)
        }
        return batch
    }

    /// Stores the listings (verified, so they are live) and the postcode sample; returns the spine services.
    /// Governance checks for every demo group: current, except Eastside Food Hub's insurance (expired, so a
    /// referral there needs a supervisor's override) and the Men's Shed's safeguarding policy (due for review soon).
    static func seedGovernance(organisations: Set<String>, ids: [String: OrganisationID], checkedBy: UserID, now: Date,
                               store: any LinkwellStore) async throws {
        func day(_ offset: Int) -> CalendarDate { CalendarDate(now.addingTimeInterval(Double(offset) * 86_400)) }
        for key in organisations.sorted() {
            guard let id = ids[key] else { continue }
            try await store.saveGovernance(GovernanceCheck(
                organizationID: id.rawValue, constituted: true, safeguardingPolicy: true, insurance: true, dbsForHomeVisits: key == "age",
                checkedBy: checkedBy, checkedAt: now, safeguardingPolicyExpires: day(key == "men" ? 20 : 200),
                insuranceExpires: day(key == "food" ? -10 : 300), dbsExpires: key == "age" ? day(700) : nil))
        }
    }

    static func seed(_ rows: [Row], organisations: [String: (OrganisationID, String)], store: any LinkwellStore) async throws -> [Service] {
        try await store.saveDirectory(batch(rows, organisations: organisations), at: Date(), verified: true)
        try await store.savePostcodes(try PostcodePoint.parseONSCSV(try BundledData.samplePostcodes()))
        return try await store.services()
    }
}
