import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// Teams, finished: least privilege for link workers (a waiting referral routed to a team is only that
/// team's to see and pick up; one on no team stays on the scheme-wide list), routing in the referral's
/// own transaction, and case meeting notes under retention — on every backend.
@Suite("Team scope", .closesStores)
struct TeamScopeTests {
    /// Lee (linkWorker) is on North, which takes LS6; Sam (otherLinkWorker) on South, which takes LS1.
    func scheme(_ backend: TestBackend) async throws -> (TestScheme, north: TeamID, south: TeamID) {
        let s = try await TestScheme.make(backend)
        let teams = TeamService(store: s.store, env: s.env)
        let sup = s.request(s.supervisor)
        let north = try await teams.createTeam(name: "North", kind: "locality", sup).id
        let south = try await teams.createTeam(name: "South", kind: "locality", sup).id
        _ = try await teams.setMembers(north.rawValue, linkWorkerIDs: [s.linkWorker.id.rawValue], sup)
        _ = try await teams.setMembers(south.rawValue, linkWorkerIDs: [s.otherLinkWorker.id.rawValue], sup)
        _ = try await teams.setRoutingRules(north.rawValue, rules: [.init(field: "postcode_district", value: "LS6")], sup)
        _ = try await teams.setRoutingRules(south.rawValue, rules: [.init(field: "postcode_district", value: "LS1")], sup)
        return (s, north, south)
    }

    static func submission(_ name: String, postcode: String) -> ReferralSubmission {
        var submission = TestScheme.submission(givenName: name, nhsNumber: nil)
        submission.person?.postcode = postcode
        return submission
    }

    @Test("A waiting referral on another team is not a link worker's to see; the scheme-wide list is everyone's", arguments: TestBackend.available)
    func leastPrivilege(backend: TestBackend) async throws {
        let (s, north, south) = try await scheme(backend)
        do {
            let referrer = Principal(s.referrer)
            let onSouth = try await s.casework.submitReferral(Self.submission("Sara", postcode: "LS1 4AP"), by: referrer).referral.id
            let onNorth = try await s.casework.submitReferral(Self.submission("Nora", postcode: "LS6 2QT"), by: referrer).referral.id
            let nowhere = try await s.casework.submitReferral(Self.submission("Wendy", postcode: "WF1 1AA"), by: referrer).referral.id
            // Routed in the referral's own transaction: the stored case already has its team.
            #expect(try await s.store.loadCase(onSouth)?.team == CaseTeam(teamID: south, linkWorkerIDs: [s.otherLinkWorker.id]))
            #expect(try await s.store.loadCase(onNorth)?.team?.teamID == north)
            #expect(try await s.store.loadCase(nowhere)?.team == nil)

            let lee = s.request(s.linkWorker), sam = s.request(s.otherLinkWorker), sup = s.request(s.supervisor)
            func waiting(_ r: CaseworkService.Request) async throws -> Set<ReferralID> {
                let lists = try await s.casework.caseloadLists(r, lists: [(.waiting, PageRequest())])
                #expect(lists[0].total == lists[0].page.rows.count, "the count agrees with the list")
                return Set(lists[0].page.rows.map(\.id))
            }
            #expect(try await waiting(lee) == [onNorth, nowhere])
            #expect(try await waiting(sam) == [onSouth, nowhere])
            #expect(try await waiting(sup) == [onSouth, onNorth, nowhere])
            #expect(Set(try await s.casework.caseload(lee).map(\.id)) == [onNorth, nowhere])
            #expect(Set(try await s.casework.caseload(lee, list: .all, page: PageRequest()).rows.map(\.id)) == [onNorth, nowhere])

            // Reading or taking another team's referral: "not found", audited as refused; nothing changes.
            await #expect(throws: LinkwellError.notFound("referral")) { try await s.casework.readCase(onSouth, lee) }
            await #expect(throws: LinkwellError.self) { try await s.casework.accept(onSouth, lee) }
            #expect(try await s.store.loadCase(onSouth)?.referral.linkWorkerID == nil)
            #expect(try await s.store.auditEvents(recordID: onSouth.rawValue, limit: 20).contains { $0.actorID == s.linkWorker.id && $0.outcome == .denied })
            _ = try await s.casework.readCase(onNorth, lee)
            _ = try await s.casework.readCase(nowhere, sam)
            _ = try await s.casework.readCase(onSouth, sup)

            // Sam takes South's referral: it is on Sam's caseload, and still no one else's.
            _ = try await s.casework.accept(onSouth, sam)
            #expect(try await waiting(sam) == [nowhere])
            await #expect(throws: LinkwellError.notFound("referral")) { try await s.casework.readCase(onSouth, lee) }

            // Joining the team gives access to its waiting list at once.
            _ = try await TeamService(store: s.store, env: s.env).setMembers(south.rawValue, linkWorkerIDs: [s.otherLinkWorker.id.rawValue, s.linkWorker.id.rawValue], sup)
            let another = try await s.casework.submitReferral(Self.submission("Sian", postcode: "LS1 5AB"), by: referrer).referral.id
            #expect(try await waiting(lee) == [onNorth, nowhere, another])
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }

    @Test("In a scheme without teams every link worker sees the whole waiting list", arguments: TestBackend.available)
    func noTeams(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        do {
            let a = try await s.casework.submitReferral(Self.submission("Ada", postcode: "LS1 4AP"), by: Principal(s.referrer)).referral.id
            for worker in [s.linkWorker, s.otherLinkWorker] {
                let rows = try await s.casework.caseload(s.request(worker), list: .waiting, page: PageRequest()).rows
                #expect(rows.map(\.id) == [a])
                _ = try await s.casework.readCase(a, s.request(worker))
            }
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }

    @Test("Retention removes the free text of case meetings that discussed the person", arguments: TestBackend.available)
    func meetingNotesUnderRetention(backend: TestBackend) async throws {
        let (s, north, _) = try await scheme(backend)
        do {
            let referrer = Principal(s.referrer)
            let gone = try await s.casework.submitReferral(Self.submission("Gwen", postcode: "LS6 1AA"), by: referrer).referral.id
            let kept = try await s.casework.submitReferral(Self.submission("Kate", postcode: "LS6 1AB"), by: referrer).referral.id
            let teams = TeamService(store: s.store, env: s.env)
            let lee = s.request(s.linkWorker)
            _ = try await teams.recordMeeting(north.rawValue, heldOn: "2020-01-01", attendees: "Lee, Sue", note: "Gwen's garden group", referralIDs: [gone.rawValue, kept.rawValue], lee)
            _ = try await teams.recordMeeting(north.rawValue, heldOn: "2020-01-02", attendees: "Lee", note: "Kate only", referralIDs: [kept.rawValue], lee)
            let person = try #require(try await s.store.loadCase(gone)?.person.id)
            try await s.store.anonymise(personID: person, at: s.clock.now)
            let meetings = try await s.store.caseMeetings(teamID: north)
            #expect(meetings.map(\.note) == ["Kate only", ""])
            #expect(meetings.map(\.attendees) == ["Lee", ""])
            #expect(meetings.last?.referralIDs == [gone, kept].sorted(), "the meeting and its cases stay")
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }
}
