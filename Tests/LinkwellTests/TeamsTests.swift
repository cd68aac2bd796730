import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Teams, routing rules, teams' waiting lists and case meetings: the `TeamStore` contract on every
/// backend, then the API and the pages.
@Suite("Teams", .closesStores)
struct TeamsTests {
    @Test("TeamStore: replace members and rules, move a placement, meetings newest first", arguments: TestBackend.available)
    func storage(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        do {
            let store = s.store
            let now = s.clock.now
            let north = Team(id: TeamID("t-north"), name: "North", kind: .locality, createdAt: now)
            let debt = Team(id: TeamID("t-debt"), name: "Debt", kind: .need, createdAt: now)
            try await store.saveTeam(north)
            try await store.saveTeam(debt)
            var renamed = north
            renamed.name = "North Leeds"
            try await store.saveTeam(renamed)
            #expect(try await store.teams() == [debt, renamed])

            try await store.setMembers(teamID: north.id, linkWorkerIDs: [s.linkWorker.id, s.otherLinkWorker.id])
            try await store.setMembers(teamID: debt.id, linkWorkerIDs: [s.otherLinkWorker.id])
            try await store.setMembers(teamID: north.id, linkWorkerIDs: [s.linkWorker.id])
            #expect(Set(try await store.memberships()) == [TeamMembership(teamID: north.id, linkWorkerID: s.linkWorker.id),
                                                          TeamMembership(teamID: debt.id, linkWorkerID: s.otherLinkWorker.id)])

            try await store.setRoutingRules(teamID: north.id, rules: [RoutingRule(teamID: north.id, field: .postcodeDistrict, value: "LS1", position: 2)])
            try await store.setRoutingRules(teamID: debt.id, rules: [RoutingRule(teamID: debt.id, field: .need, value: "debt", position: 1),
                                                                     RoutingRule(teamID: debt.id, field: .need, value: "benefits", position: 3)])
            try await store.setRoutingRules(teamID: north.id, rules: [RoutingRule(teamID: north.id, field: .postcodeDistrict, value: "LS6", position: 4)])
            #expect(try await store.routingRules().map(\.value) == ["debt", "benefits", "LS6"])

            let a = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
            let b = try await s.casework.submitReferral(TestScheme.submission(givenName: "Brenda", nhsNumber: nil), by: Principal(s.referrer)).referral.id
            try await store.placeReferral(a, on: north.id)
            try await store.placeReferral(a, on: debt.id)
            try await store.placeReferral(b, on: north.id)
            #expect(try await store.team(of: a) == debt.id)
            #expect(try await store.placements(teamID: north.id) == [b])

            let day = CalendarDate(now)
            let older = CaseMeeting(id: "m1", teamID: north.id, heldOn: CalendarDate("2020-01-02")!, attendees: "Lee, Sue", note: "First",
                                    referralIDs: [a, b], recordedBy: s.supervisor.id, recordedAt: now)
            let newer = CaseMeeting(id: "m2", teamID: north.id, heldOn: day, attendees: "Lee", note: "Second", referralIDs: [b],
                                    recordedBy: s.linkWorker.id, recordedAt: now)
            try await store.addCaseMeeting(older)
            try await store.addCaseMeeting(newer)
            #expect(try await store.caseMeetings(teamID: north.id) == [newer, older.sortedCases()])
            #expect(try await store.caseMeetings(referralID: a) == [older.sortedCases()])
            #expect(try await store.caseMeetings(teamID: debt.id).isEmpty)
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }

    @Test("Set up through the API; new referrals routed to the team's waiting list; meetings on the case", arguments: TestBackend.available)
    func routingAndMeetings(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            try await api.call(.post, "/api/v1/teams", as: s.linkWorker, json: #"{"name":"North","kind":"locality"}"#, expect: .forbidden)
            let bad = try await api.call(.post, "/api/v1/teams", as: s.admin, json: #"{"name":"","kind":"galaxy"}"#, expect: .unprocessableContent)
            #expect(Set((bad["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []) == ["name", "kind"])
            let north = try #require(try await api.call(.post, "/api/v1/teams", as: s.admin, json: #"{"name":"North","kind":"locality"}"#, expect: .created)["id"] as? String)
            let debt = try #require(try await api.call(.post, "/api/v1/teams", as: s.supervisor, json: #"{"name":"Money","kind":"need"}"#, expect: .created)["id"] as? String)
            let badRule = try await api.call(.post, "/api/v1/teams/\(north)/rules", as: s.supervisor,
                                             json: #"{"rules":[{"field":"postcode_district","value":"not a district"}]}"#, expect: .unprocessableContent)
            #expect((badRule["errors"] as? [[String: Any]])?.first?["field"] as? String == "rules[0].value")
            try await api.call(.post, "/api/v1/teams/\(debt)/rules", as: s.supervisor, json: #"{"rules":[{"field":"need","value":"debt"}]}"#, expect: .ok)
            try await api.call(.post, "/api/v1/teams/\(north)/rules", as: s.supervisor, json: #"{"rules":[{"field":"postcode_district","value":"ls1"}]}"#, expect: .ok)
            let notLW = try await api.call(.post, "/api/v1/teams/\(north)/members", as: s.supervisor,
                                           json: #"{"linkWorkerIds":["\#(s.provider.id)"]}"#, expect: .unprocessableContent)
            #expect((notLW["errors"] as? [[String: Any]])?.first?["field"] as? String == "linkWorkerIds")
            let team = try await api.call(.post, "/api/v1/teams/\(north)/members", as: s.supervisor, json: #"{"linkWorkerIds":["\#(s.linkWorker.id)"]}"#, expect: .ok)
            #expect(team["memberNames"] as? [String] == ["Lee Worker"])

            // LS1 and loneliness: the debt rule comes first but does not match, so North takes it.
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: APITests.referralJSON, expect: .created)["id"] as? String)
            let debtJSON = APITests.referralJSON.replacingOccurrences(of: #""needs":["loneliness"]"#, with: #""needs":["debt"]"#)
                .replacingOccurrences(of: "9434765919", with: "4010232137")
            let debtID = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: debtJSON, expect: .created)["id"] as? String)
            let waiting = try await api.call(.get, "/api/v1/teams/\(north)/waiting-list", as: s.linkWorker, expect: .ok)
            #expect((waiting["list"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let money = try await api.call(.get, "/api/v1/teams/\(debt)/waiting-list", as: s.supervisor, expect: .ok)
            #expect((money["list"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [debtID])
            try await api.call(.get, "/api/v1/teams/\(north)/waiting-list", as: s.otherLinkWorker, expect: .forbidden)
            try await api.call(.get, "/api/v1/teams/\(north)/waiting-list", as: s.admin, expect: .forbidden)
            // Accepted: off the waiting list.
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            #expect((try await api.call(.get, "/api/v1/teams/\(north)/waiting-list", as: s.linkWorker, expect: .ok)["list"] as? [Any])?.isEmpty == true)

            // A case meeting: the date is checked, only cases the recorder can see.
            let future = try await api.call(.post, "/api/v1/teams/\(north)/meetings", as: s.linkWorker,
                                            json: #"{"heldOn":"2999-01-01","attendees":"Lee, Sue","note":"x","referralIds":["\#(id)"]}"#, expect: .unprocessableContent)
            #expect((future["errors"] as? [[String: Any]])?.first?["field"] as? String == "heldOn")
            let unseen = try await api.call(.post, "/api/v1/teams/\(north)/meetings", as: s.linkWorker,
                                            json: #"{"heldOn":"2026-01-05","attendees":"Lee","note":"x","referralIds":["\#(debtID)","nope"]}"#, expect: .unprocessableContent)
            #expect((unseen["errors"] as? [[String: Any]])?.first?["field"] as? String == "referralIds")
            try await api.call(.post, "/api/v1/teams/\(north)/meetings", as: s.linkWorker,
                               json: #"{"heldOn":"2026-01-05","attendees":"Lee Worker, Sue Pervisor","note":"Agreed to try the walking group first.","referralIds":["\#(id)"]}"#,
                               expect: .created)
            let meetings = try await api.call(.get, "/api/v1/referrals/\(id)/meetings", as: s.linkWorker, expect: .ok)
            #expect((meetings["list"] as? [[String: Any]])?.first?["note"] as? String == "Agreed to try the walking group first.")
            #expect(try await s.store.auditEvents(recordID: id, limit: 50).contains { $0.action == "case-meeting" && $0.subjectID == ReferralID(id) })

            // The pages: the team page's waiting list and meeting form, the case page's meetings.
            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            let (_, casePage) = try await lw.go(.get, "/referrals/\(id)")
            #expect(casePage.contains("Agreed to try the walking group first.") && casePage.contains(">North</a>"))
            let (_, teamPage) = try await lw.go(.get, "/teams/\(north)")
            #expect(teamPage.contains("Record a case meeting") && !teamPage.contains("Save members"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: teamPage))
            let (refused, _) = try await lw.go(.post, "/teams/\(north)/meetings", form: ["_csrf": csrf, "heldOn": "2026-01-06", "attendees": "", "note": "n"])
            #expect(refused.status == .unprocessableContent)
            let (recorded, _) = try await lw.go(.post, "/teams/\(north)/meetings", form: ["_csrf": csrf, "heldOn": "2026-01-06", "attendees": "Lee", "note": "Second look", "referralIds": id])
            #expect(recorded.status == .seeOther || recorded.status == .found)
            #expect(try await s.store.caseMeetings(referralID: ReferralID(id)).map(\.note) == ["Second look", "Agreed to try the walking group first."])
        }
    }
}

extension CaseMeeting {
    /// The meeting as a store returns it: its cases in id order.
    func sortedCases() -> CaseMeeting {
        var copy = self
        copy.referralIDs.sort()
        return copy
    }
}
