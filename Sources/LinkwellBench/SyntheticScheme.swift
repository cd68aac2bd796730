import Foundation
import LinkwellCore

/// A deterministic synthetic scheme for benchmarks: referrals with realistic (skewed) distributions of
/// source, practice size, pathway, needs, age, sex, ethnicity, waiting time and how far people get, plus
/// referrals out with attendance. Nothing here is real data. Rows are `ImportedReferral`s, stored
/// through `ReferralImportStore` (which the shared storage suite checks against the casework path).
public struct SyntheticScheme: Sendable {
    public let practices: [Organisation]
    public let providers: [Organisation]
    public let services: [Service]
    public let seed: UInt64
    /// Referrals are spread over this many months before `now`.
    public let months: Int

    public init(seed: UInt64 = 2026, months: Int = 60) {
        self.seed = seed
        self.months = months
        practices = (0..<60).map { Organisation(id: OrganisationID("syn-practice-\($0)"), name: "Synthetic Practice \($0)", kind: .gpPractice) }
        providers = (0..<120).map { Organisation(id: OrganisationID("syn-provider-\($0)"), name: "Synthetic Group \($0)", kind: .vcse) }
        let categories = Need.allCases.filter { $0 != .other }.map(\.rawValue)
        services = (0..<500).map { i in
            Service(id: ServiceID("syn-service-\(i)"), organisationID: OrganisationID("syn-provider-\(i % 120)"), name: "Synthetic service \(i)",
                    description: "", category: categories[(i * 7) % categories.count], area: "Synthetic", active: i % 23 != 0)
        }
    }

    typealias Random = SplitMix64

    static let sources: [(SourceType, Double)] = [(.gp, 55), (.practiceNurse, 9), (.selfReferral, 10), (.mentalHealth, 7), (.socialWorker, 6),
                                                 (.pharmacist, 3), (.housing, 3), (.hospitalDischarge, 3), (.vcse, 3), (.other, 1)]
    static let needWeights: [Double] = [30, 22, 18, 10, 9, 6, 5, 6, 4, 12, 14, 3]
    static let ethnicities: [(EthnicCategory, Double)] = [(.whiteBritish, 78), (.asianIndian, 9), (.blackAfrican, 4), (.mixedWhiteAsian, 3), (.otherEthnicGroup, 2), (.notKnown, 4)]
    static let sexes: [(Sex, Double)] = [(.female, 57), (.male, 40), (.other, 1), (.notStated, 2)]
    static let pathways: [(String, Double)] = [("long-term conditions", 40), ("mental health", 30), ("carers", 10), ("", 20)]

    /// Rows `start ..< start + count`; each depends only on its index, so batches can be made in any order.
    public func rows(_ range: Range<Int>, now: Date) -> [ImportedReferral] {
        range.map { row($0, now: now) }
    }

    /// Referral number `index`: the person, the referral as it stands now, its "received" event and its facts.
    public func row(_ index: Int, now: Date) -> ImportedReferral {
        var r = Random(seed: seed &* 1_000_003 &+ UInt64(index))
        // Referrals grow over time: later months are busier.
        let monthBack = Int(Double(months) * (1 - sqrt(r.unit())))
        // Whole seconds, as stored times round-trip exactly.
        let received = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - Double(monthBack) * 30.4 * 86_400 - r.unit() * 30 * 86_400).rounded(.down))
        let referralID = ReferralID(String(format: "syn-%09d", index))
        // Practice sizes follow a Zipf-like curve.
        let practice = practices[min(practices.count - 1, Int(pow(r.unit(), 2.2) * Double(practices.count)))]
        let source = Self.sources[r.pick(Self.sources.map(\.1))].0
        let pathway = Self.pathways[r.pick(Self.pathways.map(\.1))].0
        var needs: [Need] = []
        for _ in 0..<(1 + r.pick([55, 30, 15])) {
            let need = Need.allCases[r.pick(Self.needWeights)]
            if !needs.contains(need) { needs.append(need) }
        }
        let age = 18 + Int(pow(r.unit(), 0.7) * 75)
        let birth = CalendarDate(year: CalendarDate(received).year - age, month: 1 + r.int(12), day: 1 + r.int(28))!
        // How far the referral gets, and how it ends.
        let outcome = r.pick([8, 4, 6, 5, 4, 6, 10, 57])  // declined, withdrawn, unable to contact, received, accepted, engaged, active, closed
        let status: ReferralStatus = [.declined, .withdrawn, .unableToContact, .received, .accepted, .engaged, .active, .closed][outcome]
        let reached = [1, 4, 3, 1, 2, 4, 6, 7][outcome]
        // Waiting time: a long right tail (median about 9 days, 90th percentile about a month).
        let wait: Int? = reached >= 3 ? Int(exp(2.2 + 0.95 * r.normal())) : nil
        var person = Person(id: PersonID("syn-person-\(index)"), nhsNumber: nil, givenName: "Synthetic", familyName: "Person \(index)",
                            dateOfBirth: birth, postcode: "ZZ\(r.int(99)) \(r.int(9))AA", phone: "", email: "", gpPracticeID: practice.id,
                            preferredLanguage: "English", interpreterNeeded: false, communicationNeeds: "",
                            sex: Self.sexes[r.pick(Self.sexes.map(\.1))].0, ethnicity: Self.ethnicities[r.pick(Self.ethnicities.map(\.1))].0,
                            createdAt: received)
        person.postcode = person.postcode.uppercased()
        let referral = Referral(
            id: referralID, personID: person.id, referrerID: nil, referrerOrganisationID: practice.id, sourceType: source, needs: needs,
            personView: "", consent: Consent(givenBy: "synthetic", givenAt: received, method: .verbal, purposes: [.socialPrescribing]),
            riskInformation: "", feedbackPreference: .keyEvents, urgency: .routine, pathway: pathway, status: status, linkWorkerID: nil,
            closingReason: nil, outcomeNote: "", receivedAt: received, updatedAt: received, version: 1)
        var fact = ReferralFact(Case(person: person, referral: referral))
        fact.stageReached = reached
        fact.waitDays = wait
        fact.satisfaction = status == .closed && r.unit() < 0.6 ? [5, 5, 4, 4, 4, 3, 2, 1][r.int(8)] : nil
        var onward: [OnwardFact] = []
        if reached >= 4 {
            for n in 0..<r.pick([35, 45, 15, 5]) {
                let service = services[r.int(services.count)]
                let rejected = r.unit() < 0.12
                let sessions = rejected ? 0 : r.int(8)
                let attended = Int(Double(sessions) * (0.6 + 0.4 * r.unit()))
                onward.append(OnwardFact(id: OnwardReferralID("syn-onward-\(index)-\(n)"), referral: fact, month: fact.month,
                                         service: service, serviceID: service.id, status: rejected ? OnwardStatus.rejected.rawValue : OnwardStatus.inProgress.rawValue,
                                         rejectionReason: rejected ? (r.unit() < 0.6 ? RejectionReason.noCapacity : .waitingList).rawValue : "",
                                         attended: attended, didNotAttend: sessions - attended))
            }
        }
        let event = ReferralEvent(id: EventID("syn-event-\(index)"), referralID: referralID, from: nil, to: .received, actorID: nil,
                                  at: received, note: "")
        return ImportedReferral(person: person, referral: referral, event: event, facts: InsightFacts(referral: fact, onward: onward))
    }

    /// The synthetic town centre the scheme's postcodes and directory sit around.
    static let centre = (latitude: 53.80, longitude: -1.55)

    /// The postcode lookup for every postcode `row` gives ("ZZd sAA", d < 99, s < 9): districts on a 10 × 10
    /// grid about 4.4 km apart around `centre`, each district's sectors spread a kilometre or two around its
    /// point. With it, unmet demand in benchmarks measures the real path (people located, not all unknown).
    public var postcodePoints: [PostcodePoint] {
        (0..<99).flatMap { district in
            (0..<9).map { sector in
                let latitude = Self.centre.latitude + (Double(district / 10) - 4.5) * 0.04 + (Double(sector / 3) - 1) * 0.012
                let longitude = Self.centre.longitude + (Double(district % 10) - 4.5) * 0.065 + (Double(sector % 3) - 1) * 0.02
                return PostcodePoint(postcode: "ZZ\(district) \(sector)AA", point: try! GeoPoint(latitude: latitude, longitude: longitude))
            }
        }
    }

    /// A synthetic community directory over the same area: `count` services, each carrying one need's term
    /// (`other` excepted), scattered over about 60 × 60 km, every ninth one not active.
    public func directory(count: Int = 200) -> DirectoryBatch {
        var r = Random(seed: seed &* 7_919)
        let organizations = (0..<20).map { HSDSOrganization(id: syntheticUUID(0x5d, $0), name: "Synthetic Directory Group \($0)", description: "Synthetic.") }
        let needs = Need.allCases.filter { $0 != .other }
        let services = (0..<count).map { i -> HSDSService in
            let id = syntheticUUID(0x5e, i)
            var s = HSDSService(id: id, organizationID: organizations[i % organizations.count].id, name: "Synthetic listing \(i)",
                                description: "A synthetic community service.", status: i % 9 == 8 ? .inactive : .active)
            let location = HSDSLocation(id: id + "-l", name: "Synthetic venue \(i)", latitude: Self.centre.latitude + (r.unit() - 0.5) * 0.54,
                                        longitude: Self.centre.longitude + (r.unit() - 0.5) * 0.9)
            s.serviceAtLocations = [HSDSServiceAtLocation(id: id + "-sal", serviceID: id, location: location)]
            s.attributes = [HSDSAttribute(id: id + "-t", linkID: id, taxonomyTermID: NeedsTaxonomy.term(needs[(i * 5) % needs.count]).id)]
            return s
        }
        return DirectoryBatch(taxonomies: [NeedsTaxonomy.taxonomy], terms: NeedsTaxonomy.terms, organizations: organizations, services: services)
    }

}
