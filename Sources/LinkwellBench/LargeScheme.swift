import Foundation
import ArgumentParser
import LinkwellCore

/// A realistic large scheme for the page benchmarks: by default five years of a scheme with 30 link
/// workers, 60 GP practices (one GP each), 60 community groups with 300 services, and 50,000 referrals.
/// Each referral's journey is played through the casework actions themselves (`Case.accept`,
/// `recordContact`, `agreePlan`, `referOut`, the provider's answer and attendance, `close`, …) on a
/// clock that stops at `now`, so recent referrals are still waiting or in support and older ones have
/// ended, the way a real caseload looks. Outcome measures (ONS4) are scored by the instrument itself.
/// The journeys are stored through `ReferralImportStore` with their history, which the storage suite
/// checks against `CaseStore.apply`. Nothing here is real data.
public struct LargeScheme: Sendable {
    /// How big the scheme is.
    public struct Size: Sendable, Equatable {
        public var referrals: Int
        public var linkWorkers: Int
        public var practices: Int
        public var providers: Int
        public var services: Int
        public var years: Int
        public init(referrals: Int, linkWorkers: Int = 30, practices: Int = 60, providers: Int = 60, services: Int = 300, years: Int = 5) {
            self.referrals = referrals
            self.linkWorkers = linkWorkers
            self.practices = practices
            self.providers = providers
            self.services = services
            self.years = years
        }

        /// The issue's scheme: five years, 50,000 referrals.
        public static let full = Size(referrals: 50_000)

        /// `referrals` spread over the same five years with proportionally fewer staff (for smoke runs and tests).
        public static func scaled(referrals: Int) -> Size {
            let share = min(1, Double(referrals) / 50_000)
            return Size(referrals: referrals, linkWorkers: max(2, Int(30 * share)), practices: max(3, Int(60 * share)),
                        providers: max(3, Int(60 * share)), services: max(6, Int(300 * share)))
        }
    }

    public let size: Size
    public let seed: UInt64
    /// The end of the five years: nothing happens after it.
    public let now: Date
    public let practices: [Organisation]
    public let providers: [Organisation]
    public let schemeOrganisation: Organisation
    public let services: [Service]
    public let linkWorkers: [User]
    public let supervisors: [User]
    /// One GP per practice, in the practices' order.
    public let referrers: [User]
    /// One member of staff per community group, in the groups' order.
    public let providerStaff: [User]
    public let admin: User

    public init(size: Size = .full, seed: UInt64 = 2026, now: Date, passwordHash: String = "!") {
        self.size = size
        self.seed = seed
        self.now = now
        let created = now.addingTimeInterval(-Double(size.years) * 365 * 86_400 - 30 * 86_400)
        practices = (0..<size.practices).map { Organisation(id: OrganisationID("lg-practice-\($0)"), name: "Large Practice \($0)", kind: .gpPractice) }
        providers = (0..<size.providers).map { Organisation(id: OrganisationID("lg-group-\($0)"), name: "Large Community Group \($0)", kind: .vcse) }
        schemeOrganisation = Organisation(id: OrganisationID("lg-scheme"), name: "Large Social Prescribing Service", kind: .scheme)
        let categories = Need.allCases.filter { $0 != .other }.map(\.rawValue)
        services = (0..<size.services).map { i in
            Service(id: ServiceID("lg-service-\(i)"), organisationID: OrganisationID("lg-group-\(i % size.providers)"), name: "Large service \(i)",
                    description: "A synthetic community service.", category: categories[(i * 7) % categories.count], area: "Synthetic",
                    active: i % 29 != 28)
        }
        func user(_ id: String, _ name: String, _ role: Role, _ org: OrganisationID?) -> User {
            User(id: UserID("lg-\(id)"), email: "\(id)@large.linkwell.test", displayName: name, role: role, organisationID: org,
                 passwordHash: passwordHash, createdAt: created)
        }
        let scheme = schemeOrganisation.id
        linkWorkers = (0..<size.linkWorkers).map { user("lw\($0)", "Link Worker \($0)", .linkWorker, scheme) }
        supervisors = (0..<3).map { user("supervisor\($0)", "Supervisor \($0)", .supervisor, scheme) }
        referrers = practices.enumerated().map { user("gp\($0.offset)", "Dr Practice \($0.offset)", .referrer, $0.element.id) }
        providerStaff = providers.enumerated().map { user("provider\($0.offset)", "Group Staff \($0.offset)", .provider, $0.element.id) }
        admin = user("admin", "Large Admin", .admin, nil)
    }

    /// Every user, the administrator last.
    public var users: [User] { linkWorkers + supervisors + referrers + providerStaff + [admin] }

    typealias Random = SplitMix64

    static let givenNames = ["Margaret", "David", "Aisha", "John", "Fatima", "Peter", "Grace", "Mohammed", "Susan", "Tom", "Eileen", "Kwame",
                             "Joan", "Raj", "Linda", "Patrick", "Olga", "Ibrahim", "Helen", "Connor", "Mei", "Barbara", "Tariq", "Rose"]
    static let familyNames = ["Smith", "Jones", "Khan", "Williams", "Brown", "Taylor", "Ahmed", "Wilson", "Evans", "Patel", "Walker",
                              "Okoro", "Hughes", "Nowak", "Green", "Ali", "Hall", "Murphy", "Begum", "Clarke", "Lewis", "Singh"]
    static let needWeights: [Double] = [30, 22, 18, 10, 9, 6, 5, 6, 4, 12, 14, 3]

    /// Deterministic identifiers for one referral's journey.
    final class IDs: @unchecked Sendable {
        let prefix: String
        var n = 0
        init(_ prefix: String) { self.prefix = prefix }
        func next() -> String {
            n += 1
            return "\(prefix)-\(n)"
        }
    }

    /// Referral number `index` with everything that has happened to it by `now`. Depends only on the index.
    public func referral(_ index: Int) throws -> ImportedReferral {
        var r = Random(seed: seed &* 2_654_435_761 &+ UInt64(index))
        let span = Double(size.years) * 365 * 86_400
        // Referrals grow over the years (later months busier); whole seconds, as stored times round-trip.
        let received = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - span * (1 - sqrt(r.unit())) - 3600).rounded(.down))
        let practiceIndex = min(size.practices - 1, Int(pow(r.unit(), 1.6) * Double(size.practices)))
        let practice = practices[practiceIndex]
        let selfReferral = r.unit() < 0.1
        let referrer = selfReferral ? nil : referrers[practiceIndex]
        var needs: [Need] = []
        for _ in 0..<(1 + r.pick([55, 30, 15])) {
            let need = Need.allCases[r.pick(Self.needWeights)]
            if !needs.contains(need) { needs.append(need) }
        }
        let age = 18 + Int(pow(r.unit(), 0.7) * 75)
        let birth = CalendarDate(year: CalendarDate(received).year - age, month: 1 + r.int(12), day: 1 + r.int(28))!
        let given = Self.givenNames[r.int(Self.givenNames.count)], family = Self.familyNames[r.int(Self.familyNames.count)]
        let person = Person(id: PersonID("lg-person-\(index)"), nhsNumber: nil, givenName: given, familyName: "\(family) \(index)",
                            dateOfBirth: birth, postcode: "ZZ\(r.int(99)) \(r.int(9))AA", phone: "07700 9\(String(format: "%05d", index % 100_000))",
                            email: "", gpPracticeID: practice.id, preferredLanguage: r.unit() < 0.08 ? "Polish" : "English",
                            interpreterNeeded: r.unit() < 0.03, communicationNeeds: r.unit() < 0.05 ? "Hard of hearing" : "",
                            sex: [.female, .male, .female, .male, .notStated][r.int(5)],
                            ethnicity: [.whiteBritish, .whiteBritish, .whiteOther, .asianPakistani, .blackCaribbean, .mixedOther, .chinese, .notKnown][r.int(8)], createdAt: received)
        var purposes: [ConsentPurpose] = [.socialPrescribing, .shareWithProviders, .shareWithReferrer]
        if r.unit() < 0.85 { purposes.append(.evaluation) }
        let referral = Referral(
            id: ReferralID("lg-\(String(format: "%06d", index))"), personID: person.id, referrerID: referrer?.id,
            referrerOrganisationID: selfReferral ? nil : practice.id, sourceType: selfReferral ? .selfReferral : (r.unit() < 0.85 ? .gp : .practiceNurse),
            needs: needs, personView: "Would like to feel less alone and get out more.",
            consent: Consent(givenBy: "The person", givenAt: received, method: .verbal, purposes: purposes),
            riskInformation: r.unit() < 0.07 ? "Lives alone; history of falls." : "", feedbackPreference: .keyEvents,
            urgency: r.unit() < 0.1 ? .soon : .routine, pathway: ["long-term conditions", "mental health", "carers", ""][r.pick([40, 30, 10, 20])],
            status: .received, linkWorkerID: nil, closingReason: nil, outcomeNote: "", receivedAt: received, updatedAt: received, version: 1)
        let event = ReferralEvent(id: EventID("lg-\(index)-received"), referralID: referral.id, from: nil, to: .received,
                                  actorID: referrer?.id, at: received, note: "")
        var journey = Journey(scheme: self, current: Case(person: person, referral: referral, events: [event]), clock: received,
                              ids: IDs("lg-\(index)"))
        try journey.play(&r)
        return ImportedReferral(person: person, referral: referral, event: event, facts: InsightFacts(journey.current, services: journey.servicesUsed),
                                history: journey.history, administrations: journey.administrations)
    }

    /// Referrals `range`, in order.
    public func referrals(_ range: Range<Int>) throws -> [ImportedReferral] { try range.map(referral) }

    /// Stores the organisations, staff and services, then every referral in batches of `batch`, unless the
    /// scheme is there already (its administrator marks a complete load). `progress` hears how many are stored.
    public func load(into store: any LinkwellStore, batch: Int = 500, progress: @Sendable (Int) -> Void = { _ in }) async throws {
        guard try await store.user(id: admin.id) == nil else { try await recordGovernance(in: store); return }
        guard let importer = store as? any ReferralImportStore else { throw ValidationError("This store cannot load referrals in bulk.") }
        for organisation in practices + providers + [schemeOrganisation] where try await store.organisation(id: organisation.id) == nil {
            try await store.createOrganisation(organisation)
        }
        for service in services where try await store.service(id: service.id) == nil { try await store.createService(service) }
        for user in users.dropLast() where try await store.user(id: user.id) == nil { try await store.createUser(user) }
        // Referrals already stored by a load that stopped half-way are skipped by id.
        var start = 0
        while start < size.referrals, try await store.loadCase(ReferralID("lg-\(String(format: "%06d", min(size.referrals - 1, start + batch - 1)))")) != nil {
            start += batch
        }
        while start < size.referrals {
            let end = min(size.referrals, start + batch)
            try await importer.importReferrals(try referrals(start..<end))
            start = end
            progress(start)
        }
        try await store.createUser(admin)
        try await recordGovernance(in: store)
    }

    /// Every community group in the directory with current governance checks, as a running scheme keeps
    /// them, so that the writes benchmark's referrals out need no supervisor's override. Also run on a
    /// scheme loaded before governance checks existed.
    func recordGovernance(in store: any LinkwellStore) async throws {
        guard let first = providers.first, try await store.governance(organizationID: first.id.rawValue) == nil else { return }
        let organizations = providers.map { HSDSOrganization(id: $0.id.rawValue, name: $0.name, description: "\($0.name), a community group.") }
        try await store.saveDirectory(DirectoryBatch(organizations: organizations), at: now, verified: true)
        for group in providers {
            try await store.saveGovernance(GovernanceCheck(organizationID: group.id.rawValue, constituted: true, safeguardingPolicy: true,
                                                           insurance: true, dbsForHomeVisits: false, checkedBy: admin.id, checkedAt: now))
        }
    }

    /// One referral's journey, played forward on its own clock until `now`.
    struct Journey {
        let scheme: LargeScheme
        var current: Case
        var clock: Date
        let ids: IDs
        var history: [CaseChange] = []
        var administrations: [Administration] = []
        var servicesUsed: [ServiceID: Service] = [:]

        /// Moves the clock on by `days` (plus some hours); false when that is after `now` (the journey stops).
        mutating func wait(_ days: Double, _ r: inout Random) -> Bool {
            clock = clock.addingTimeInterval((days * 86_400 + r.unit() * 8 * 3600).rounded(.down))
            return clock <= scheme.now
        }

        mutating func act(_ actor: User, _ action: (Case, Principal, CoreEnvironment) throws -> CaseChange) throws {
            let at = clock, ids = ids
            let env = CoreEnvironment(now: { at }, newID: { ids.next() })
            let change = try action(current, Principal(actor), env)
            current = change.applied(to: current)
            history.append(change)
        }

        mutating func measure(_ timepoint: Timepoint, by: User, _ r: inout Random, better: Int) {
            func answer(_ base: Int) -> Int { max(0, min(10, base + r.int(4) - 1)) }
            let answers = ["life_satisfaction": answer(3 + better), "worthwhile": answer(4 + better), "happiness": answer(3 + better),
                           "anxiety": answer(6 - better)]
            let ons4 = InstrumentRegistry.ons4
            administrations.append(Administration(id: ids.next(), referralID: current.referral.id, instrumentID: ons4.id, timepoint: timepoint,
                                                  answers: answers, scores: ons4.score(answers), complete: ons4.isComplete(answers),
                                                  administeredAt: clock, recordedBy: by.id, selfCompleted: false))
        }

        mutating func play(_ r: inout Random) throws {
            let s = scheme
            let supervisor = s.supervisors[r.int(s.supervisors.count)]
            let fate = r.pick([7, 4, 9, 80])  // declined, withdrawn, unable to contact, supported
            // Waiting time: a long right tail (median about 9 days, 90th percentile about a month).
            let waitDays = min(120, exp(2.2 + 0.95 * r.normal()))
            if fate == 0 {
                guard wait(1 + r.unit() * 4, &r) else { return }
                try act(supervisor) { c, p, e in try c.decline(reason: "Needs are clinical; returned to the GP.", by: p, env: e) }
                return
            }
            guard wait(waitDays, &r) else { return }
            let lw = s.linkWorkers[r.int(s.linkWorkers.count)]
            try act(lw) { c, p, e in try c.accept(by: p, env: e) }
            let failures = fate == 2 ? 3 : r.pick([60, 25, 10])
            for _ in 0..<failures {
                guard wait(1 + r.unit() * 4, &r) else { return }
                try act(lw) { c, p, e in try c.recordContact(ContactInput(mode: "phone", durationMinutes: 5, successful: false, notes: "No answer."), by: p, env: e) }
            }
            guard fate != 2, wait(1 + r.unit() * 5, &r) else { return }
            let modes = ["gp_practice", "phone", "community_venue", "video"]
            try act(lw) { c, p, e in
                try c.recordContact(ContactInput(mode: modes[0], durationMinutes: 45, successful: true, notes: "First conversation."), by: p, env: e)
            }
            let measured = r.unit() < 0.85
            if measured { measure(.baseline, by: lw, &r, better: 0) }
            if fate == 1 {
                guard wait(7 + r.unit() * 30, &r) else { return }
                try act(lw) { c, p, e in try c.end(as: .withdrawn, note: "The person no longer wants support.", by: p, env: e) }
                return
            }
            guard wait(5 + r.unit() * 10, &r) else { return }
            let review = CalendarDate(clock.addingTimeInterval((42 + r.unit() * 42) * 86_400))
            let goals = Array(["Go to a group once a week", "Feel more confident on the phone", "Sort out the bills"].prefix(1 + r.int(3)))
            try act(lw) { c, p, e in
                try c.agreePlan(PlanInput(whatMatters: "Getting out of the house and meeting people again.", goals: goals,
                                          actions: [.init(description: "Visit the group together", owner: "link worker", due: nil)],
                                          reviewDate: "\(review)"), by: p, env: e)
            }
            let planned = clock
            let outCount = r.pick([15, 50, 25, 10])
            if outCount == 0 {
                guard wait(1 + r.unit() * 6, &r) else { return }
                try act(lw) { c, p, e in try c.end(as: .active, note: "", by: p, env: e) }
            }
            for _ in 0..<outCount {
                guard wait(1 + r.unit() * 6, &r) else { return }
                let service = s.services[r.int(s.services.count)]
                // A service not taking referrals, or one the person was already referred to, is not chosen again.
                guard service.active, !current.onwardReferrals.contains(where: { $0.serviceID == service.id }) else { continue }
                servicesUsed[service.id] = service
                try act(lw) { c, p, e in try c.referOut(to: service, note: "Would like someone to meet them at the first session.", by: p, env: e) }
                let onwardID = current.onwardReferrals.last!.id
                let provider = s.providerStaff[s.providers.firstIndex { $0.id == service.organisationID }!]
                guard wait(2 + r.unit() * 8, &r) else { return }
                if r.unit() < 0.13 {
                    let reason = ["no_capacity", "waiting_list", "not_eligible"][r.int(3)]
                    try act(provider) { c, p, e in try c.respondToOnward(onwardID, accept: false, reason: reason, note: "", by: p, env: e) }
                } else {
                    try act(provider) { c, p, e in try c.respondToOnward(onwardID, accept: true, reason: nil, note: nil, by: p, env: e) }
                    let sessions = r.int(7)
                    for _ in 0..<sessions {
                        guard wait(6 + r.unit() * 2, &r) else { return }
                        let day = CalendarDate(clock.addingTimeInterval(-86_400))
                        let attended = r.unit() < 0.75
                        try act(provider) { c, p, e in try c.reportAttendance(onwardID, sessionDate: "\(day)", attended: attended, by: p, env: e) }
                    }
                }
            }
            // Conversations through the support, with goal ratings now and then.
            for n in 0..<(2 + r.int(6)) {
                guard wait(8 + r.unit() * 14, &r) else { return }
                let mode = modes[r.int(modes.count)]
                try act(lw) { c, p, e in
                    try c.recordContact(ContactInput(mode: mode, durationMinutes: 20 + n * 5, successful: true, notes: "Catch-up."), by: p, env: e)
                }
                if let goal = current.goals.first, r.unit() < 0.5 {
                    let rating = min(10, 3 + n + r.int(3))
                    try act(lw) { c, p, e in try c.rateGoal(goal.id, rating: rating, by: p, env: e) }
                }
            }
            if measured && clock.timeIntervalSince(planned) > 70 * 86_400 { measure(.followUp, by: lw, &r, better: 1 + r.int(2)) }
            guard wait(3 + r.unit() * 14, &r) else { return }
            // Every service drawn may have been closed or already used: then support starts without a referral out.
            if current.referral.status == .planAgreed { try act(lw) { c, p, e in try c.end(as: .active, note: "", by: p, env: e) } }
            try act(lw) { c, p, e in try c.end(as: .review, note: "", by: p, env: e) }
            guard wait(7 + r.unit() * 21, &r) else { return }
            if measured && r.unit() < 0.7 { measure(.closing, by: lw, &r, better: 1 + r.int(3)) }
            let reason = ["goals_met", "connected_to_community", "disengaged", "moved_away", "returned_to_gp"][r.pick([45, 30, 15, 5, 5])]
            let satisfaction = r.unit() < 0.6 ? String(3 + r.int(3)) : nil
            try act(lw) { c, p, e in
                try c.close(reason: reason, note: "", feedback: ClosingFeedbackInput(satisfaction: satisfaction), by: p, env: e)
            }
        }
    }
}
