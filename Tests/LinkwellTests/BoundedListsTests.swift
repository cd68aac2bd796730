import Foundation
import HTTPTypes
@testable import LinkwellCore
import LinkwellTesting
import Testing

/// The lists that were still built whole (issue #19) read a page at a time in the store: a contract's ledger, the
/// micro-grants, the organisations behind the referrable services (governance), what read a person's record (their
/// access log) by keyset; supervision notes and case meetings as numbered web pages. On every backend each keyset
/// list is walked three rows at a time while rows keep arriving before and after (`KeysetListsTests.exercise`):
/// every row there at the start comes once, in order, none twice. Through the API, the `Link` walk joins to the
/// whole list, filters hold, and a cursor from another list is a 422 naming `cursor`.
@Suite("Bounded lists in the store", .closesStores)
struct BoundedListsTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    let keyset = KeysetListsTests()

    /// A contract with a grant budget, made by the commissioner.
    static func contract(_ s: TestScheme, _ name: String) async throws -> Contract {
        let commissioner = s.request(s.commissioner)
        let funder = try await s.commissioning.createFunder(name: "Funder \(name)", kind: "icb", commissioner)
        return try await s.commissioning.createContract(.init(name: name, start: "2026-01-01", end: "2026-12-31",
                                                              contributions: [funder.id.rawValue: "10000"], grantBudget: "1000"), commissioner)
    }

    @Test("Ledger, grants, service organisations, a person's access log: no row repeated or skipped while rows arrive",
          arguments: TestBackend.available)
    func walks(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let store = s.store
        let provider = try #require(s.provider.organisationID), other = try #require(s.otherProvider.organisationID)
        let contract = try await Self.contract(s, "Keyset"), elsewhere = try await Self.contract(s, "Elsewhere")

        // The ledger: times repeat (every 4th entry shares one), ids run against the time order; one entry on another contract.
        func entry(_ id: String, _ seconds: Double, on c: Contract? = nil) -> LedgerEntry {
            LedgerEntry(id: id, key: "key-\(id)", contractID: (c ?? contract).id, organisationID: provider, kind: .perReferral, amount: Pence(500),
                        referralID: nil, grantID: nil, at: Self.start.addingTimeInterval(seconds))
        }
        _ = try await store.addLedgerEntries((0..<14).map { entry("le-\(99 - $0)", Double($0 / 4)) } + [entry("le-other", 2, on: elsewhere)])
        try await keyset.exercise("ledger", read: { try await store.ledger(contractID: contract.id, keyset: $0) }, cursor: \.cursor, id: \.id,
                                  order: { ($0.at, $0.id) < ($1.at, $1.id) }) { page in
            _ = try await store.addLedgerEntries([entry("le-new\(page)", 1_000 + Double(page)), entry("le-old\(page)", -1_000 - Double(page))])
        }
        let ledger = try await store.ledger(contractID: contract.id, keyset: PageRequest(limit: 10_000))
        let wholeLedger = try await store.ledger(contractID: contract.id, organisationID: nil)
        #expect(!ledger.contains { $0.id == "le-other" } && ledger == wholeLedger,
                "the keyset ledger is the whole ledger of that contract only, field by field")

        // Grants: every one, or one organisation's; times repeat, ids against the order.
        func grant(_ id: String, _ seconds: Double, _ org: OrganisationID) -> GrantApplication {
            GrantApplication(id: GrantID(id), contractID: contract.id, organisationID: org, title: "G \(id)", purpose: "p", requested: Pence(100),
                             appliedBy: s.provider.id, appliedAt: Self.start.addingTimeInterval(seconds))
        }
        for n in 0..<28 { try await store.createGrant(grant("gr-\(99 - n)", Double(n / 4), n % 2 == 0 ? provider : other)) }
        for filter in [nil, provider] as [OrganisationID?] {
            try await keyset.exercise("grants \(filter?.rawValue ?? "all")", read: { try await store.grants(organisationID: filter, keyset: $0) },
                                      cursor: \.cursor, id: \.id.rawValue,
                                      order: { ($0.appliedAt, $0.id.rawValue) > ($1.appliedAt, $1.id.rawValue) }) { page in
                try await store.createGrant(grant("gr-new\(page)-\(filter == nil)", 1_000 + Double(page), provider))
                try await store.createGrant(grant("gr-old\(page)-\(filter == nil)", -1_000 - Double(page), provider))
            }
        }
        let mine = try await store.grants(organisationID: provider, keyset: PageRequest(limit: 10_000))
        let allMine = try await store.grants(contractID: nil, organisationID: provider)
        #expect(mine.allSatisfy { $0.organisationID == provider } && mine == allMine)

        // The organisations behind services: each once however many services it runs.
        func addOrganisation(_ id: String, services: Int) async throws {
            try await store.createOrganisation(Organisation(id: OrganisationID(id), name: "Org \(id)", kind: .vcse))
            for n in 0..<services {
                try await store.createService(Service(id: ServiceID("svc-\(id)-\(n)"), organisationID: OrganisationID(id), name: "Service \(id) \(n)",
                                                      description: "", category: "arts", area: "Leeds"))
            }
        }
        for n in 0..<14 { try await addOrganisation(String(format: "bo-%02d", n), services: n % 3 + 1) }
        try await store.createOrganisation(Organisation(id: OrganisationID("bo-none"), name: "Runs no service", kind: .vcse))
        try await keyset.exercise("service organisations", read: { try await store.serviceOrganisationIDs(keyset: $0) },
                                  cursor: { PageCursor(name: $0.rawValue, id: $0.rawValue) }, id: \.rawValue, order: { $0.rawValue < $1.rawValue }) { page in
            try await addOrganisation("0-early-\(page)", services: 2)
            try await addOrganisation("zz-late-\(page)", services: 1)
        }
        let organisations = try await store.serviceOrganisationIDs(keyset: PageRequest(limit: 10_000))
        let running = Set(try await store.services().map(\.organisationID))
        #expect(Set(organisations) == running && !organisations.contains(OrganisationID("bo-none")))

        // A person's access log: events whose subject is one of their referrals, or whose record is; not another's.
        let mo = try await s.casework.submitReferral(TestScheme.submission(givenName: "Mo", nhsNumber: nil), by: Principal(s.referrer)).referral.id
        let jo = try await s.casework.submitReferral(TestScheme.submission(givenName: "Jo", nhsNumber: nil), by: Principal(s.referrer)).referral.id
        let someoneElse = try await s.casework.submitReferral(TestScheme.submission(givenName: "Al", nhsNumber: nil), by: Principal(s.referrer)).referral.id
        func event(_ id: String, _ seconds: Double, _ n: Int) -> AuditEvent {
            let about = [mo, jo, someoneElse][n % 3]
            return AuditEvent(id: id, at: Self.start.addingTimeInterval(seconds), actorID: s.linkWorker.id, action: "read",
                              recordType: n % 2 == 0 ? "referral" : "onward_referral", recordID: n % 2 == 0 ? about.rawValue : "onward-\(id)",
                              route: "GET /test", outcome: .allowed, subjectID: n % 2 == 0 ? nil : about)
        }
        for n in 0..<30 { try await store.append(event("ae-\(99 - n)", Double(n / 4), n)) }
        try await keyset.exercise("access log", read: { try await store.auditEvents(aboutReferrals: [mo, jo], keyset: $0) }, cursor: \.cursor, id: \.id,
                                  order: { ($0.at, $0.id) > ($1.at, $1.id) }) { page in
            try await store.append(event("ae-new\(page)", 5_000 + Double(page), page * 2))
            try await store.append(event("ae-old\(page)", -5_000 - Double(page), page * 2 + 1))
        }
        let log = try await store.auditEvents(aboutReferrals: [mo, jo], keyset: PageRequest(limit: 10_000))
        let expected = try await store.auditEvents(subjectID: mo, limit: 10_000) + (try await store.auditEvents(subjectID: jo, limit: 10_000))
        #expect(Set(log.map(\.id)) == Set(expected.map(\.id)) && log.count == expected.count, "exactly the events of both referrals")
        #expect(try await store.auditEvents(aboutReferrals: [], keyset: PageRequest()).isEmpty)
    }

    @Test("Supervision notes and case meetings as numbered pages: the API's order, tiled once, counted, clamped", arguments: TestBackend.available)
    func numbered(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let store = s.store
        for n in 0..<53 {
            try await store.addSupervisionNote(SupervisionNote(id: "sn-\(99 - n)", linkWorkerID: s.linkWorker.id, authorID: s.supervisor.id,
                                                               at: Self.start.addingTimeInterval(Double(n / 4)), text: "n\(n)"))
        }
        try await store.addSupervisionNote(SupervisionNote(id: "sn-other", linkWorkerID: s.otherLinkWorker.id, authorID: s.supervisor.id, at: Self.start, text: "x"))
        let api = try await store.supervisionNotes(linkWorkerID: s.linkWorker.id, keyset: PageRequest(limit: 10_000)).map(\.id)
        let first = try await store.supervisionNotes(linkWorkerID: s.linkWorker.id, page: PageNumber(1))
        #expect(first.total == 53 && first.pageCount == 2 && first.rows.map(\.id) == Array(api.prefix(50)))
        let past = try await store.supervisionNotes(linkWorkerID: s.linkWorker.id, page: PageNumber(7))
        #expect(past.page == PageNumber(2) && past.rows.map(\.id) == Array(api.suffix(3)), "past the end is the last page")
        var tiled: [String] = []
        for n in 1...6 { tiled += try await store.supervisionNotes(linkWorkerID: s.linkWorker.id, page: PageNumber(n, size: 10)).rows.map(\.id) }
        #expect(tiled == api && !tiled.contains("sn-other"))

        let team = Team(id: TeamID("team-numbered"), name: "Numbered", kind: .locality, createdAt: Self.start)
        try await store.saveTeam(team)
        let referral = try await s.casework.submitReferral(TestScheme.submission(givenName: "Mo", nhsNumber: nil), by: Principal(s.referrer)).referral.id
        for n in 0..<23 {
            try await store.addCaseMeeting(CaseMeeting(id: "mt-\(99 - n)", teamID: team.id, heldOn: KeysetListsTests.day(n / 4), attendees: "Sam", note: "Met",
                                                       referralIDs: n % 5 == 0 ? [referral] : [], recordedBy: s.supervisor.id, recordedAt: Self.start))
        }
        let meetings = try await store.caseMeetings(teamID: team.id, keyset: PageRequest(limit: 10_000))
        var pages: [CaseMeeting] = []
        for n in 1...3 {
            let page = try await store.caseMeetings(teamID: team.id, page: PageNumber(n, size: 10))
            #expect(page.total == 23 && page.pageCount == 3)
            pages += page.rows
        }
        #expect(pages == meetings, "the pages, joined, are the API's list, each meeting with its cases")
        #expect(pages.filter { !$0.referralIDs.isEmpty }.count == 5)
        let empty = try await store.caseMeetings(teamID: TeamID("no-such-team"), page: PageNumber(3))
        #expect(empty.total == 0 && empty.rows.isEmpty && empty.page == PageNumber(1))
    }

    @Test("API: ledger, grants and governance walk by Link to the whole list; roles and cursors checked", arguments: TestBackend.available)
    func api(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let provider = try #require(s.provider.organisationID)
        let contract = try await Self.contract(s, "API")
        _ = try await s.store.addLedgerEntries((0..<7).map {
            LedgerEntry(id: "le-\($0)", key: "k\($0)", contractID: contract.id, organisationID: provider, kind: .perReferral, amount: Pence(100),
                        referralID: nil, grantID: nil, at: Self.start.addingTimeInterval(Double($0 / 2)))
        })
        for n in 0..<5 {
            _ = try await s.commissioning.applyForGrant(.init(contractID: contract.id.rawValue, title: "A\(n)", purpose: "p", amount: "10"), s.request(s.provider))
            _ = try await s.commissioning.applyForGrant(.init(contractID: contract.id.rawValue, title: "B\(n)", purpose: "p", amount: "10"), s.request(s.otherProvider))
        }
        let walk = ListPagingTests()
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let lists: [(path: String, user: User, id: String, expected: [String])] = [
                ("/api/v1/contracts/\(contract.id)/ledger", s.admin, "id", (0..<7).map { "le-\($0)" }),
                ("/api/v1/grants", s.commissioner, "id", try await s.store.grants(contractID: nil, organisationID: nil).map(\.id.rawValue)),
                ("/api/v1/grants", s.provider, "id", try await s.store.grants(contractID: nil, organisationID: provider).map(\.id.rawValue)),
                ("/api/v1/directory/governance", s.linkWorker, "organizationID",
                 Set(try await s.store.services().map(\.organisationID.rawValue)).sorted()),
            ]
            for list in lists {
                let whole = try await walk.walk(api, list.path, limit: nil, as: list.user, id: list.id)
                #expect(whole.ids == list.expected && whole.pages == 1, "\(list.path) as \(list.user.role)")
                let paged = try await walk.walk(api, list.path, limit: 2, as: list.user, id: list.id)
                #expect(paged.ids == list.expected && paged.pages == (list.expected.count + 1) / 2, "\(list.path): \(paged.pages) pages")
            }
            #expect(try await s.store.grants(contractID: nil, organisationID: provider).count == 5)
            let timed = PageCursor(at: Date(), id: "x").token, named = PageCursor(name: "a", id: "x").token
            for (path, user, cursor) in [("/api/v1/contracts/\(contract.id)/ledger", s.admin, named), ("/api/v1/grants", s.commissioner, named),
                                         ("/api/v1/directory/governance", s.linkWorker, timed)] {
                let problem = try await api.call(.get, "\(path)?cursor=\(cursor)", as: user, expect: .unprocessableContent)
                #expect(String(describing: problem).contains("cursor"), "\(path)")
                try await api.call(.get, "\(path)?limit=0", as: user, expect: .unprocessableContent)
            }
            // Least privilege is unchanged: the entry-by-entry ledger is finance's, governance is scheme staff's.
            try await api.call(.get, "/api/v1/contracts/\(contract.id)/ledger", as: s.commissioner, expect: .forbidden)
            try await api.call(.get, "/api/v1/directory/governance", as: s.provider, expect: .forbidden)
            try await api.call(.get, "/api/v1/grants", as: s.referrer, expect: .forbidden)
        }
    }

    @Test("The audit page and the API list the trail in one order, (at, id) newest first, whatever the order of appending",
          arguments: TestBackend.available)
    func auditOrder(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // Appended out of time order (as two instances with their own clocks would), times shared by threes, ids against the order.
        for n in 0..<40 {
            let seconds = Double((n * 7) % 40 / 3)
            try await s.store.append(AuditEvent(id: String(format: "ord-%02d", 99 - n), at: Self.start.addingTimeInterval(seconds), actorID: s.admin.id,
                                                action: "read", recordType: "ordering", recordID: "ord", route: "GET /x", outcome: .allowed))
        }
        let filter = AuditFilter(recordID: "ord")
        let api = try await s.store.auditEvents(matching: filter, keyset: PageRequest(limit: 1_000)).map(\.id)
        #expect(api.count == 40)
        var web: [String] = []
        for n in 1...4 { web += try await s.store.auditEvents(matching: filter, page: PageNumber(n, size: 10)).map(\.id) }
        #expect(web == api, "numbered pages, joined, are the API's keyset list")
        let byTime = try await s.store.auditEvents(matching: filter, keyset: PageRequest(limit: 1_000))
        #expect(zip(byTime, byTime.dropFirst()).allSatisfy { ($0.at, $0.id) > ($1.at, $1.id) })
    }
}
