import Foundation
import LinkwellCore
import LinkwellPasswords

/// A realistic fictional scheme: three GP practices, a social prescribing team, a dozen community
/// organisations with 30+ services, and about 200 people at every stage of the journey. Every case is
/// driven through the real casework rules, so the demo data is as consistent as real data.
public enum DemoScheme {
    public static let password = "linkwell-demo-2026"

    public struct Logins: Sendable {
        public var rows: [(role: String, email: String)]
        public var summary: String {
            "Demo scheme ready. Sign in with any of these (password: \(password)):\n"
                + rows.map { "  \($0.role.padding(toLength: 14, withPad: " ", startingAt: 0)) \($0.email)" }.joined(separator: "\n")
                + "\nTwo-factor sign-in is optional in the demo scheme, so these logins need no phone; a new scheme requires it"
                + "\nfor administrators and supervisors (Settings, as the administrator)."
        }
    }

    static let people = 200

    /// Seeds the scheme unless it is already there; returns the logins either way.
    @discardableResult
    public static func seed(into store: any LinkwellStore, now: Date = Date(), bcryptCost: UInt8 = BcryptPasswordHasher.recommendedCost) async throws -> Logins {
        let staff: [(String, String, Role, String?)] = [
            ("admin@demo.linkwell.test", "Alex Morgan", .admin, nil),
            ("gp@demo.linkwell.test", "Dr Amara Okafor", .referrer, "riverside"),
            ("nurse@demo.linkwell.test", "Nurse Ben Carter", .referrer, "hillview"),
            ("social.worker@demo.linkwell.test", "Priya Shah", .referrer, "council"),
            ("linkworker@demo.linkwell.test", "Sam Patel", .linkWorker, "scheme"),
            ("linkworker2@demo.linkwell.test", "Jo Reid", .linkWorker, "scheme"),
            ("supervisor@demo.linkwell.test", "Morgan Hale", .supervisor, "scheme"),
            ("provider@demo.linkwell.test", "Chris Evans (Riverside Walkers)", .provider, "walkers"),
            ("provider2@demo.linkwell.test", "Dee Lowe (Money Matters)", .provider, "money"),
            ("commissioner@demo.linkwell.test", "Fran Ito (ICB)", .commissioner, "icb"),
            ("steering@demo.linkwell.test", "Kit Adeyemi (steering group)", .steeringGroup, nil),
        ]
        let personLogin = "person@demo.linkwell.test"
        let logins = Logins(rows: staff.map { ($0.2.label, $0.0) } + [(Role.person.label, personLogin)])
        if try await store.user(email: staff[0].0) != nil { return logins }

        // Organisations and services
        let organisations: [(String, String, OrganisationKind)] = [
            ("riverside", "Riverside Medical Practice", .gpPractice), ("hillview", "Hillview Surgery", .gpPractice),
            ("canal", "Canal Street Health Centre", .gpPractice), ("scheme", "Linkwell Demo Social Prescribing Service", .scheme),
            ("council", "Demo City Council Adult Social Care", .localAuthority), ("icb", "Demo Integrated Care Board", .icb),
            ("walkers", "Riverside Walkers", .vcse), ("money", "Money Matters Advice", .vcse), ("age", "Age Well Demo", .vcse),
            ("garden", "Growing Together Community Garden", .vcse), ("arts", "Open Studio Arts", .vcse),
            ("carers", "Demo Carers Centre", .vcse), ("mind", "Mind in Demo City", .vcse), ("food", "Eastside Food Hub", .vcse),
            ("men", "Men's Shed Demo", .vcse), ("library", "Demo City Libraries", .localAuthority), ("leisure", "Active Demo Leisure Trust", .vcse),
        ]
        // The demo's logins work with a password alone: two-factor sign-in is left to each user here,
        // where a real scheme requires it for administrators and supervisors (the default).
        try await store.saveSchemeSettings(SchemeSettings(twoFactorRoles: []))
        // The practices' ODS codes are fictional (shaped like real ones: a letter and five digits) and so
        // are their mailboxes; they receive messages back about their registered patients.
        let practices: [String: (ods: String, address: String, postcode: String, email: String)] = [
            "riverside": ("Y90001", "1 River Road\nDemo City", "LS1 4AP", "riverside.practice@demo.linkwell.test"),
            "hillview": ("Y90002", "22 Hill View\nDemo City", "LS6 2QT", "hillview.surgery@demo.linkwell.test"),
            "canal": ("Y90003", "5 Canal Street\nDemo City", "LS11 5AS", "canal.street@demo.linkwell.test"),
        ]
        var orgIDs: [String: OrganisationID] = [:]
        for (index, (key, name, kind)) in organisations.enumerated() {
            let id = OrganisationID(syntheticUUID(0x0e9, index + 1))
            orgIDs[key] = id
            let practice = practices[key]
            try await store.createOrganisation(Organisation(id: id, name: name, kind: kind, odsCode: practice?.ods, address: practice?.address ?? "",
                                                            postcode: practice?.postcode ?? "", email: practice?.email ?? ""))
        }
        let services: [(String, String, String, String)] = [
            ("walkers", "Riverside health walks", "Gentle one-hour walks every Tuesday and Friday, led by trained volunteers.", "physical_activity"),
            ("walkers", "Nordic walking for beginners", "Six-week course with poles provided.", "physical_activity"),
            ("walkers", "Walking football", "Slower-paced football for over-50s.", "physical_activity"),
            ("money", "Debt advice drop-in", "Free, confidential debt advice, no appointment needed.", "debt"),
            ("money", "Benefits check and form filling", "Help to claim what you are entitled to.", "benefits"),
            ("money", "Energy bills support", "Help with fuel debt and grants.", "debt"),
            ("age", "Friday lunch club", "Hot lunch and company for older people.", "loneliness"),
            ("age", "Telephone befriending", "A weekly call from a friendly volunteer.", "loneliness"),
            ("age", "Digital skills for over-60s", "Learn to use a phone or tablet.", "loneliness"),
            ("garden", "Community gardening sessions", "Grow food, make friends, get outdoors.", "low_mood"),
            ("garden", "Green gym", "Conservation work as exercise.", "physical_activity"),
            ("arts", "Creative wellbeing workshop", "Art for wellbeing, no experience needed.", "low_mood"),
            ("arts", "Community choir", "Sing together on Wednesday evenings.", "loneliness"),
            ("arts", "Writing for wellbeing", "A small, supportive writing group.", "anxiety"),
            ("carers", "Carers support group", "Peer support for unpaid carers.", "carer_support"),
            ("carers", "Carers' breaks", "Short breaks and sitting service.", "carer_support"),
            ("carers", "Young adult carers", "Support for carers aged 18-25.", "carer_support"),
            ("mind", "Anxiety management course", "Six-week course in coping skills.", "anxiety"),
            ("mind", "Bereavement support group", "Monthly group for people who have lost someone.", "bereavement"),
            ("mind", "Peer support group", "Weekly mutual support.", "low_mood"),
            ("food", "Community pantry", "Low-cost food shop with membership.", "debt"),
            ("food", "Cook and eat sessions", "Learn to cook healthy meals on a budget.", "long_term_condition"),
            ("men", "Men's Shed workshop", "Woodwork, repairs and conversation.", "loneliness"),
            ("men", "Men's walking group", "Walk and talk.", "low_mood"),
            ("library", "Reading friends", "Shared reading groups.", "loneliness"),
            ("library", "Job club", "CVs, applications and interview practice.", "employment"),
            ("library", "Volunteering hub", "Find volunteering that suits you.", "employment"),
            ("leisure", "Exercise referral programme", "12 weeks of supported gym sessions.", "long_term_condition"),
            ("leisure", "Aqua aerobics (low impact)", "Gentle water exercise.", "physical_activity"),
            ("leisure", "Chair-based exercise", "Strength and balance seated classes.", "long_term_condition"),
            ("council", "Housing options advice", "Advice on housing problems and homelessness.", "housing"),
            ("age", "Knit and natter", "Crafts and conversation, weekly.", "loneliness"),
            ("mind", "Pain management peer group", "Living well with persistent pain.", "long_term_condition"),
        ]
        let named = Dictionary(organisations.map { ($0.0, (orgIDs[$0.0]!, $0.1)) }, uniquingKeysWith: { a, _ in a })
        let serviceRecords = try await DemoDirectory.seed(services, organisations: named, store: store)

        let accounts = Accounts(store: store, env: .live, hasher: BcryptPasswordHasher(cost: bcryptCost), passwords: ShippedPasswordPolicy.standard)
        var users: [String: User] = [:]
        // The administrator is created last: it marks a complete demo, so a seed that failed half-way is
        // not mistaken for a finished one.
        for (email, name, role, org) in staff.dropFirst() {
            users[email] = try await accounts.createUser(email: email, displayName: name, role: role.rawValue,
                                                         organisationID: org.map { orgIDs[$0]!.rawValue }, password: password)
        }
        let referrers = ["gp@demo.linkwell.test", "nurse@demo.linkwell.test", "social.worker@demo.linkwell.test"].map { Principal(users[$0]!) }
        let linkWorkers = ["linkworker@demo.linkwell.test", "linkworker2@demo.linkwell.test"].map { Principal(users[$0]!) }
        let providerByOrg = [orgIDs["walkers"]!: Principal(users["provider@demo.linkwell.test"]!),
                             orgIDs["money"]!: Principal(users["provider2@demo.linkwell.test"]!)]
        let supervisor = Principal(users["supervisor@demo.linkwell.test"]!)
        try await DemoDirectory.seedGovernance(organisations: Set(services.map(\.0)), ids: orgIDs,
                                               checkedBy: users["supervisor@demo.linkwell.test"]!.id, now: now, store: store)

        var random = SplitMix64(seed: 2026)
        let given = ["Margaret", "David", "Aisha", "John", "Fatima", "Peter", "Grace", "Mohammed", "Susan", "Tom", "Eileen", "Kwame",
                     "Joan", "Raj", "Linda", "Patrick", "Olga", "Ibrahim", "Helen", "Connor", "Mei", "Barbara", "Tariq", "Rose"]
        let family = ["Smith", "Jones", "Khan", "Williams", "Brown", "Taylor", "Ahmed", "Wilson", "Evans", "Patel", "Walker",
                      "Okoro", "Hughes", "Nowak", "Green", "Ali", "Hall", "Murphy", "Begum", "Clarke", "Lewis", "Singh"]
        let postcodes = ["LS1 4AP", "LS2 7HY", "LS6 2QT", "LS7 3JB", "LS8 1DR", "LS9 6PL", "LS11 5AS", "LS12 2TW"]
        let stages: [(ReferralStatus, Int)] = [(.received, 22), (.declined, 8), (.accepted, 14), (.contactAttempted, 10),
                                               (.unableToContact, 6), (.engaged, 20), (.planAgreed, 20), (.active, 60),
                                               (.review, 10), (.closed, 30)]
        var counter = 0
        for (stage, count) in stages {
            for _ in 0..<count {
                counter += 1
                let index = counter
                let start = now.addingTimeInterval(-Double(random.next(in: 3...180)) * 86_400 - Double(index) * 3_600)
                var clock = start
                func env() -> CoreEnvironment {
                    clock = min(clock.addingTimeInterval(Double(random.next(in: 1...6)) * 86_400), now)
                    let at = clock
                    return CoreEnvironment(now: { at }, newID: CoreEnvironment.live.newID)
                }
                let referrer = referrers[index % referrers.count]
                let lw = linkWorkers[index % linkWorkers.count]
                let needA = Need.allCases[random.next(in: 0...10)], needB = Need.allCases[random.next(in: 0...10)]
                let submission = ReferralSubmission(
                    person: .init(nhsNumber: index % 3 == 0 ? nil : demoNHSNumber(index), givenName: given[random.next(in: 0...(given.count - 1))],
                                  familyName: family[random.next(in: 0...(family.count - 1))],
                                  dateOfBirth: "\(1935 + random.next(in: 0...70))-0\(random.next(in: 1...9))-1\(random.next(in: 0...9))",
                                  postcode: postcodes[random.next(in: 0...(postcodes.count - 1))], phone: "07700 900\(String(format: "%03d", index))",
                                  preferredLanguage: index % 11 == 0 ? "Polish" : "English", interpreterNeeded: index % 22 == 0,
                                  communicationNeeds: index % 9 == 0 ? "Hard of hearing: prefers face-to-face" : "",
                                  sex: ["female", "male", "female", "male", "not_stated", "female", "other"][index % 7],
                                  ethnicity: ["A", "A", "H", "C", "N", "D", "B", "Z", "J", "R"][random.next(in: 0...9)],
                                  // The GP's and the nurse's patients are registered with their practice; the social
                                  // worker's with any of the three, so those practices hear back too.
                                  gpPracticeCode: practices[["riverside", "hillview", "canal"][index % 3 == 2 ? (index / 3) % 3 : index % 3]]!.ods),
                    sourceType: [SourceType.gp, .practiceNurse, .socialWorker][index % 3].rawValue,
                    needs: [needA.rawValue, needB.rawValue], personView: "Would like to get out more and feel less alone.",
                    consent: .init(given: true, givenBy: "The person", method: "verbal",
                                   purposes: ["share_with_providers", "share_with_referrer", "evaluation"]),
                    riskInformation: index % 13 == 0 ? "Lives alone; history of falls. Visit in pairs." : "",
                    feedbackPreference: "key_events", urgency: index % 7 == 0 ? "soon" : "routine",
                    pathway: ["long-term conditions", "mental health", "carers", ""][index % 4])
                let created = try await CaseworkService(store: store, env: env()).submitReferral(submission, by: referrer)
                let id = created.referral.id
                func act(_ by: Principal = lw, _ action: @escaping @Sendable (Case, Principal, CoreEnvironment) throws -> CaseChange) async throws {
                    let e = env()
                    try await CaseworkService(store: store, env: e).act(on: id, .init(by, route: "demo")) { try action($0, by, e) }
                }
                func measure(timepoint: String, _ answers: [Int]) async throws {
                    let e = env()
                    let items = ["life_satisfaction", "worthwhile", "happiness", "anxiety"]
                    _ = try await OutcomeService(store: store, casework: CaseworkService(store: store, env: e)).record(
                        id, .init(instrumentId: "ons4", timepoint: timepoint, answers: Dictionary(uniqueKeysWithValues: zip(items, answers))),
                        .init(lw, route: "demo"))
                }
                if stage == .received { continue }
                if stage == .declined {
                    try await act(supervisor) { c, p, e in try c.decline(reason: "Needs are clinical; returned to GP for a mental health assessment.", by: p, env: e) }
                    continue
                }
                try await act { c, p, e in try c.accept(by: p, env: e) }
                if stage == .accepted { continue }
                if [.contactAttempted, .unableToContact].contains(stage) {
                    for _ in 0..<(stage == .unableToContact ? 3 : 1) {
                        try await act { c, p, e in try c.recordContact(ContactInput(mode: "phone", durationMinutes: 5, successful: false, notes: "No answer; left a message."), by: p, env: e) }
                    }
                    // The third unsuccessful attempt ends the case as "unable to contact" (the scheme's rule).
                    continue
                }
                if index % 2 != 0 {  // home visits follow the lone-working check-in and check-out
                    try await act { c, p, e in try c.checkIn(expectedMinutes: 90, by: p, env: e) }
                    try await act { c, p, e in try c.checkOut(by: p, env: e) }
                }
                try await act { c, p, e in try c.recordContact(ContactInput(mode: index % 2 == 0 ? "gp_practice" : "home_visit", durationMinutes: 45 + index % 30, successful: true, notes: "First conversation: talked about what matters."), by: p, env: e) }
                // Risks are mandatory in the standard's record (and its message back): recorded at the first conversation.
                try await act { c, p, e in
                    try c.recordRisk(index % 13 == 0 ? RiskInput(risk: "falls", detail: "Lives alone; history of falls. Visit in pairs.")
                                                     : RiskInput(risk: RiskEntry.noKnownRisks), by: p, env: e)
                }
                // ONS4 at the first conversation for most people (a few are left due, as in real caseloads).
                let baseline = [random.next(in: 1...6), random.next(in: 2...7), random.next(in: 1...6), random.next(in: 4...10)]
                if index % 6 != 0 {
                    try await measure(timepoint: "baseline", baseline)
                }
                if stage == .engaged { continue }
                try await act { c, p, e in try c.agreePlan(PlanInput(whatMatters: "Getting out of the house and meeting people again.", goals: ["Go to a group once a week", "Feel more confident on the phone"]), by: p, env: e) }
                if stage == .planAgreed { continue }
                let service = serviceRecords[(index * 7) % serviceRecords.count].active ? serviceRecords[(index * 7) % serviceRecords.count] : serviceRecords[0]
                try await act { c, p, e in try c.referOut(to: service, note: "Would like someone to meet them on the first visit.", by: p, env: e) }
                let onwardID = try await store.loadCase(id)!.onwardReferrals.last!.id
                let provider = providerByOrg[service.organisationID] ?? lw
                // Providers with staff in the demo answer for themselves; the link worker records the rest.
                func provide(_ action: @escaping @Sendable (Case, Principal, CoreEnvironment) throws -> CaseChange) async throws {
                    let e = env()
                    if provider.role == .provider {
                        _ = try await CaseworkService(store: store, env: e).providerAct(onwardID, .init(provider, route: "demo")) { try action($0, provider, e) }
                    } else {
                        try await CaseworkService(store: store, env: e).act(on: id, .init(lw, route: "demo")) { try action($0, lw, e) }
                    }
                }
                switch index % 5 {
                case 0: break  // still waiting for the provider
                case 1:
                    try await provide { c, p, e in try c.respondToOnward(onwardID, accept: false, reason: "no_capacity", note: "Group is full until spring.", by: p, env: e) }
                default:
                    try await provide { c, p, e in try c.respondToOnward(onwardID, accept: true, reason: nil, note: nil, by: p, env: e) }
                    try await provide { c, p, e in try c.reportAttendance(onwardID, sessionDate: nil, attended: index % 5 != 4, by: p, env: e) }
                }
                if stage == .active { continue }
                try await act { c, p, e in try c.end(as: .review, note: "", by: p, env: e) }
                if stage == .review { continue }
                if index % 6 != 0 && index % 4 != 0 {  // a realistic loss to follow-up
                    let gain = random.next(in: -1...4)
                    let answer = { (x: Int) in min(10, max(0, x)) }
                    try await measure(timepoint: "follow_up",
                                      [answer(baseline[0] + gain), answer(baseline[1] + gain / 2), answer(baseline[2] + gain - 1),
                                       answer(baseline[3] - gain)])
                }
                try await act { c, p, e in try c.rateGoal(c.goals[0].id, rating: 7, by: p, env: e) }
                let satisfaction = index % 5 == 0 ? nil : String(random.next(in: 3...5))
                let change = ["More evening sessions, please.", "I'd have liked to start sooner.", "", "Help with transport to the groups.",
                              "Nothing; it was just what I needed.", "", "More groups nearer home.", "A reminder text before the first session."][index % 8]
                try await act { c, p, e in
                    try c.close(reason: index % 3 == 0 ? "goals_met" : "connected_to_community", note: "Now attending regularly.",
                                feedback: .init(satisfaction: satisfaction, wouldChange: change), by: p, env: e)
                }
            }
        }
        // One person in support gets an account to see their own record and who has looked at it.
        if let someone = try await store.referrals(ReferralQuery(statuses: [.active], limit: 1)).first,
           let c = try await store.loadCase(someone.id) {
            try await accounts.createUser(email: personLogin, displayName: c.person.fullName, role: Role.person.rawValue,
                                          organisationID: nil, password: password, personID: c.person.id.rawValue)
        }
        try await seedCommissioning(store: store, orgIDs: orgIDs, users: users, now: now)
        try await seedTeams(store: store, users: users)
        let (adminEmail, adminName, adminRole, _) = staff[0]
        try await accounts.createUser(email: adminEmail, displayName: adminName, role: adminRole.rawValue, organisationID: nil, password: password)
        return logins
    }

    /// Two locality teams, each with one link worker and routing rules by postcode district: new referrals from
    /// north Leeds wait on Sam Patel's team's list, from south Leeds on Jo Reid's, and any other on the
    /// scheme-wide list. Made after the demo's people, so their referrals stay on the scheme-wide list.
    static func seedTeams(store: any LinkwellStore, users: [String: User]) async throws {
        let teams = TeamService(store: store, env: .live)
        let supervisor = CaseworkService.Request(Principal(users["supervisor@demo.linkwell.test"]!), route: "demo")
        for (name, worker, districts) in [("Leeds North", "linkworker@demo.linkwell.test", ["LS6", "LS7", "LS8"]),
                                          ("Leeds South", "linkworker2@demo.linkwell.test", ["LS11", "LS12"])] {
            let team = try await teams.createTeam(name: name, kind: TeamKind.locality.rawValue, supervisor)
            _ = try await teams.setMembers(team.id.rawValue, linkWorkerIDs: [users[worker]!.id.rawValue], supervisor)
            _ = try await teams.setRoutingRules(team.id.rawValue, rules: districts.map { .init(field: RoutingField.postcodeDistrict.rawValue, value: $0) },
                                                supervisor)
        }
    }

    /// Funders, two contracts (a pooled one and a complementary one for carers), micro-grants, a payment run and
    /// a small fictional deprivation lookup for the demo postcodes.
    static func seedCommissioning(store: any LinkwellStore, orgIDs: [String: OrganisationID], users: [String: User], now: Date) async throws {
        let env = CoreEnvironment(now: { now }, newID: CoreEnvironment.live.newID)
        let service = CommissioningService(store: store, env: env)
        let commissioner = CaseworkService.Request(Principal(users["commissioner@demo.linkwell.test"]!), route: "demo")
        let icb = try await service.createFunder(name: "Demo Integrated Care Board", kind: "icb", commissioner)
        let council = try await service.createFunder(name: "Demo City Council Public Health", kind: "public_health", commissioner)
        let charity = try await service.createFunder(name: "Demo Carers Trust", kind: "charity", commissioner)
        let start = CalendarDate(now.addingTimeInterval(-200 * 86_400)), end = CalendarDate(now.addingTimeInterval(165 * 86_400))
        let main = try await service.createContract(.init(
            name: "Demo City social prescribing (pooled)", start: start.description, end: end.description, arrangement: "pooled",
            contributions: [icb.id.rawValue: "180000", council.id.rawValue: "60000"], targets: ["referrals": 400, "people_supported": 250],
            reportingDates: [end.description], perReferral: "25", perAttendance: "8.50", grantBudget: "20000"), commissioner)
        _ = try await service.createContract(.init(
            name: "Carers pathway (complementary)", start: start.description, end: end.description, arrangement: "complementary",
            contributions: [charity.id.rawValue: "15000"], pathways: ["carers"], targets: ["referrals": 60], grantBudget: "3000"), commissioner)
        let walkers = CaseworkService.Request(Principal(users["provider@demo.linkwell.test"]!), route: "demo")
        let money = CaseworkService.Request(Principal(users["provider2@demo.linkwell.test"]!), route: "demo")
        let boots = try await service.applyForGrant(.init(contractID: main.id.rawValue, title: "Walking boots loan scheme",
                                                          purpose: "Boots and waterproofs to lend, so that cost is no barrier to joining a walk.",
                                                          amount: "2500"), walkers)
        _ = try await service.decideGrant(boots.id.rawValue, award: true, amount: nil, note: "Clear link to referrals; approved in full.", commissioner)
        _ = try await service.reportSpend(boots.id.rawValue, amount: "612.40", description: "Twenty pairs of boots in assorted sizes", walkers)
        _ = try await service.applyForGrant(.init(contractID: main.id.rawValue, title: "Evening debt advice sessions",
                                                  purpose: "A second adviser for Tuesday evenings, for people who work days.", amount: "4000"), money)
        _ = try await service.paymentRun(main.id.rawValue, commissioner)
        try await store.loadDeprivation([("LS14AP", 3), ("LS27HY", 5), ("LS62QT", 4), ("LS73JB", 2), ("LS81DR", 6), ("LS96PL", 1), ("LS115AS", 2)])
    }

    /// A valid (modulus-11) NHS number in the 999 range, which is reserved for test data.
    static func demoNHSNumber(_ index: Int) -> String {
        var base = 999_000_000 + index * 7
        while true {
            let digits = String(base).compactMap(\.wholeNumberValue)
            let sum = digits.enumerated().reduce(0) { $0 + $1.element * (10 - $1.offset) }
            let check = (11 - sum % 11) % 11
            if check != 10 { return String(base) + String(check) }
            base += 1
        }
    }
}
