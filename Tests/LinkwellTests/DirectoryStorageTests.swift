import Foundation
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// The `CommunityDirectoryStore` contract, run against every backend.
@Suite("Directory storage suite", .closesStores)
struct DirectoryStorageTests {
    typealias F = DirectoryFixture

    func seeded(_ backend: TestBackend) async throws -> TestScheme {
        let s = try await TestScheme.make(backend)
        try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: true)
        return s
    }

    func ids(_ store: any LinkwellStore, _ configure: (inout DirectoryQuery) -> Void) async throws -> [String] {
        var q = DirectoryQuery()
        configure(&q)
        return try await store.searchDirectory(q).hits.map(\.listing.service.id)
    }

    @Test("HSDS records round-trip, and each service becomes a spine service for referral out", arguments: TestBackend.available)
    func roundTrip(backend: TestBackend) async throws {
        let s = try await seeded(backend)
        for service in F.batch.services {
            let listing = try #require(try await s.store.listing(id: service.id))
            #expect(listing.service == service.stored)
            #expect(listing.reviewState == .approved && listing.lastVerifiedAt == s.clock.now)
        }
        #expect(try await s.store.hsdsOrganization(id: F.moneyOrg)?.name == "Money Matters")
        #expect(try await s.store.hsdsOrganizations(words: [], page: 1, perPage: 1) == ([F.batch.organizations[1]], 2))
        #expect(try await s.store.hsdsOrganizations(ids: [F.walkersOrg, "nope", F.moneyOrg, F.walkersOrg]).map(\.id) == [F.moneyOrg, F.walkersOrg])
        #expect(try await s.store.hsdsOrganizations(ids: []) == [])
        #expect(try await s.store.taxonomies() == [NeedsTaxonomy.taxonomy])
        #expect(try await s.store.taxonomyTerms(ids: nil).map(\.name) == NeedsTaxonomy.terms.map(\.name).sorted())
        #expect(try await s.store.taxonomyTerms(ids: [F.debt.id, "nope"]) == [F.debt])
        let spine = try #require(try await s.store.service(id: ServiceID(F.debtID)))
        #expect(spine.name == "Debt advice drop-in" && spine.organisationID == OrganisationID(F.moneyOrg) && spine.category == F.debt.name)
        #expect(spine.area == "Leeds" && spine.active)
        #expect(try await s.store.service(id: ServiceID(F.closedID))?.active == false)
        #expect(try await s.store.listing(id: "missing") == nil)
    }

    @Test("Every search filter picks out exactly the right services", arguments: TestBackend.available)
    func filters(backend: TestBackend) async throws {
        let s = try await seeded(backend)
        let store = s.store
        #expect(try await store.searchDirectory(DirectoryQuery()).total == 5)
        #expect(Set(try await ids(store) { $0.words = ["walks"] }) == [F.walksID, F.choirID, F.closedID])
        #expect(try await ids(store) { $0.words = ["walks", "poles"] } == [F.closedID])
        #expect(try await ids(store) { $0.words = ["walk"] } == [], "whole words, no stemming, on every backend")
        #expect(Set(try await ids(store) { $0.taxonomyTermIDs = [F.activity.id] }) == [F.walksID, F.swimID, F.closedID])
        #expect(Set(try await ids(store) { $0.taxonomyTermIDs = [F.debt.id, F.loneliness.id] }) == [F.debtID, F.choirID])
        #expect(Set(try await ids(store) { $0.organizationID = F.moneyOrg }) == [F.debtID, F.swimID])
        #expect(Set(try await ids(store) { $0.modifiedAfter = Date(timeIntervalSince1970: 1_725_000_000) }) == [F.swimID, F.closedID])
        // Nearest first; Birmingham is outside 10 km; the debt service is ~5.4 km away.
        #expect(try await ids(store) { $0.near = F.centre; $0.radiusKm = 10 } == [F.closedID, F.walksID, F.choirID, F.debtID])
        #expect(try await ids(store) { $0.near = F.centre; $0.radiusKm = 5 } == [F.closedID, F.walksID, F.choirID])
        // A wide radius (too many grid cells to list) still finds Birmingham, last.
        #expect(try await ids(store) { $0.near = F.centre; $0.radiusKm = 200 }.last == F.swimID)
        #expect(try await ids(store) { $0.near = F.centre; $0.radiusKm = 100 }.contains(F.swimID) == false)
        let far = try await store.searchDirectory({ var q = DirectoryQuery(); q.near = F.centre; q.words = ["water"]; return q }())
        #expect(far.hits.count == 1 && abs((far.hits[0].distanceKm ?? 0) - 143) < 5, "distance is returned: \(far.hits.map(\.distanceKm))")
        #expect(try await ids(store) { $0.openAt = WeeklyTime(weekday: 2, minute: 10 * 60 + 30) } == [F.walksID])
        #expect(try await ids(store) { $0.openAt = WeeklyTime(weekday: 2, minute: 11 * 60 + 30) } == [], "closing time is exclusive")
        #expect(try await ids(store) { $0.openAt = WeeklyTime(weekday: 5, minute: 10 * 60) } == [F.walksID], "the second day of TU,FR")
        #expect(Set(try await ids(store) { $0.freeOnly = true }) == [F.walksID, F.debtID, F.swimID, F.closedID])
        #expect(try await ids(store) { $0.language = "pl" } == [F.debtID])
        #expect(try await ids(store) { $0.accessibleOnly = true } == [F.walksID])
        #expect(Set(try await ids(store) { $0.age = 17 }) == [F.walksID, F.debtID, F.closedID])
        #expect(Set(try await ids(store) { $0.age = 65 }) == [F.walksID, F.debtID, F.choirID, F.swimID, F.closedID])
        #expect(!(try await ids(store) { $0.statuses = [.active, .temporarilyClosed] }).contains(F.closedID))
        // Paging: name order without words or a point, total across pages.
        let page2 = try await store.searchDirectory({ var q = DirectoryQuery(); q.perPage = 2; q.page = 2; return q }())
        #expect(page2.total == 5 && page2.hits.map(\.listing.service.name) == ["Debt advice drop-in", "Health walks"])
        let past = try await store.searchDirectory({ var q = DirectoryQuery(); q.perPage = 2; q.page = 9; return q }())
        #expect(past.total == 5 && past.hits.isEmpty)
    }

    @Test("Capacity filters and is kept across re-imports", arguments: TestBackend.available)
    func capacity(backend: TestBackend) async throws {
        let s = try await seeded(backend)
        #expect(try await ids(s.store) { $0.capacityNow = true } == [])
        let capacity = ServiceCapacity(availablePlaces: 4, waitingListWeeks: nil, updatedAt: s.clock.now)
        try await s.store.updateCare(serviceID: F.choirID, lastVerifiedAt: s.clock.now, reviewState: .approved, capacity: capacity)
        try await s.store.updateCare(serviceID: F.debtID, lastVerifiedAt: s.clock.now, reviewState: .approved,
                                     capacity: ServiceCapacity(availablePlaces: 0, waitingListWeeks: 6, updatedAt: s.clock.now))
        #expect(try await ids(s.store) { $0.capacityNow = true } == [F.choirID])
        try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: true)
        #expect(try await s.store.listing(id: F.choirID)?.capacity == capacity)
        #expect(try await s.store.listing(id: F.debtID)?.capacity?.waitingListWeeks == 6)
        await #expect(throws: LinkwellError.notFound("service")) {
            try await s.store.updateCare(serviceID: "nope", lastVerifiedAt: nil, reviewState: .approved, capacity: nil)
        }
    }

    @Test("Upserts are idempotent; changes queue for review; status changes are kept as history", arguments: TestBackend.available)
    func reviewAndHistory(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let t0 = s.clock.now
        try await s.store.saveDirectory(F.batch, at: t0, verified: false)
        #expect(try await s.store.listing(id: F.walksID)?.reviewState == .pendingNew)
        s.clock.advance(seconds: 86_400)
        try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: false)
        #expect(try await s.store.listing(id: F.walksID)?.reviewState == .pendingNew, "unchanged keeps its state")
        #expect(try await s.store.searchDirectory(DirectoryQuery()).total == 5, "no duplicates")
        try await s.store.updateCare(serviceID: F.walksID, lastVerifiedAt: s.clock.now, reviewState: .approved, capacity: nil)
        var walks = F.batch.services[0]
        walks.status = .temporarilyClosed
        s.clock.advance(seconds: 86_400)
        let t2 = s.clock.now
        try await s.store.saveDirectory(DirectoryBatch(services: [walks]), at: t2, verified: false)
        #expect(try await s.store.listing(id: F.walksID)?.reviewState == .pendingChange)
        #expect(try await s.store.statusHistory(serviceID: F.walksID) == [
            ServiceStatusChange(serviceID: F.walksID, status: .active, at: t0),
            ServiceStatusChange(serviceID: F.walksID, status: .temporarilyClosed, at: t2)])
        #expect(try await s.store.service(id: ServiceID(F.walksID))?.active == false)
        // The review queue: pending ones, and approved ones verified before the cutoff.
        let queue = try await s.store.reviewQueue(staleBefore: t2)
        #expect(queue.map(\.serviceID).sorted() == F.batch.services.map(\.id).sorted())
        #expect(queue.first { $0.serviceID == F.walksID }?.reviewState == .pendingChange)
        try await s.store.saveDirectory(F.batch, at: t2, verified: true)
        #expect(try await s.store.reviewQueue(staleBefore: t2) == [])
        #expect(try await s.store.reviewQueue(staleBefore: t2 + 1).count == 5, "stale once the cutoff passes their verification")
    }

    @Test("A batch is stored whole or not at all", arguments: TestBackend.available)
    func atomic(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var batch = F.batch
        // `TestScheme` lists the two groups already: the failed batch's change to one must not land.
        batch.organizations[0].name = "Renamed by a failed batch"
        var orphan = batch.services[0]
        orphan.id = "orphan"
        orphan.organizationID = "no-such-org"
        batch.services.append(orphan)
        await #expect(throws: (any Error).self) { try await s.store.saveDirectory(batch, at: s.clock.now, verified: true) }
        #expect(try await s.store.searchDirectory(DirectoryQuery()).total == 0)
        #expect(try await s.store.taxonomies() == [])
        #expect(try await s.store.hsdsOrganization(id: F.walkersOrg) == F.batch.organizations[0])
        #expect(try await s.store.listing(id: F.walksID) == nil)
    }

    @Test("Postcodes, private feedback and governance checks", arguments: TestBackend.available)
    func careRecords(backend: TestBackend) async throws {
        let s = try await seeded(backend)
        let points = try PostcodePoint.parseONSCSV("pcd,pcds,lat,long\nLS1  4AP,LS1 4AP,53.7961,-1.5482\nLS2 7HY,ls2 7hy,53.8054,-1.5521\n")
        try await s.store.savePostcodes(points)
        try await s.store.savePostcodes([PostcodePoint(postcode: "LS1 4AP", point: try GeoPoint(latitude: 53.8, longitude: -1.5))])
        #expect(try await s.store.postcodePoint("LS1 4AP") == (try GeoPoint(latitude: 53.8, longitude: -1.5)))
        #expect(try await s.store.postcodePoint("LS2 7HY") == (try GeoPoint(latitude: 53.8054, longitude: -1.5521)))
        #expect(try await s.store.postcodePoint("ZZ9 9ZZ") == nil)
        let first = ServiceFeedback(id: "f1", serviceID: F.walksID, authorID: s.linkWorker.id, at: s.clock.now, rating: 4, text: "Warm welcome")
        let second = ServiceFeedback(id: "f2", serviceID: F.walksID, authorID: s.linkWorker.id, at: s.clock.now + 60, rating: 2, text: "Cancelled twice")
        try await s.store.addFeedback(first)
        try await s.store.addFeedback(second)
        #expect(try await s.store.feedback(serviceID: F.walksID) == [second, first])
        #expect(try await s.store.feedback(serviceID: F.debtID) == [])
        let check = GovernanceCheck(organizationID: F.walkersOrg, constituted: true, safeguardingPolicy: true, insurance: false,
                                    dbsForHomeVisits: false, checkedBy: s.admin.id, checkedAt: s.clock.now)
        try await s.store.saveGovernance(check)
        var updated = check
        updated.insurance = true
        try await s.store.saveGovernance(updated)
        #expect(try await s.store.governance(organizationID: F.walkersOrg) == updated)
        #expect(try await s.store.governance(organizationID: "no-such-org") == nil)
    }

    @Test("Referral out and the provider inbox work on directory services", arguments: TestBackend.available)
    func referralOutToListing(backend: TestBackend) async throws {
        let s = try await seeded(backend)
        let id = try await s.engagedReferral()
        let c = try await s.casework.referOut(id, serviceID: F.walksID, note: "Meet at the gate", handover: HandoverInput(), s.request(s.linkWorker))
        #expect(c.onwardReferrals.first?.serviceID == ServiceID(F.walksID))
        let inbox = try await s.casework.providerInbox(s.request(s.provider))
        #expect(inbox.map(\.serviceName) == ["Health walks"])
        #expect(try await s.casework.providerInbox(s.request(s.otherProvider)).isEmpty)
    }
}
