import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Moving one case or a whole caseload to another link worker, and the hand-over when one leaves: the
/// same rules through the API, the pages and deactivation, on every backend.
@Suite("Caseload reassignment", .closesStores)
struct ReassignmentTests {
    /// An engaged referral with an open referral out to the walkers, and the person's own account.
    static func caseWithAudience(_ s: TestScheme, givenName: String = "Margaret", nhs: String? = "943 476 5919") async throws -> (ReferralID, User) {
        let id = try await s.engagedReferral(TestScheme.submission(givenName: givenName, nhsNumber: nhs))
        let lw = s.request(s.linkWorker)
        try await s.casework.act(on: id, lw) { [env = s.env] in
            try $0.agreePlan(PlanInput(whatMatters: "People", goals: ["Walk"]), by: lw.principal, env: env)
        }
        _ = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, lw)
        let personID = try #require(try await s.store.loadCase(id)?.person.id)
        let person = try await s.accounts.createUser(email: "\(givenName.lowercased())@person.example", displayName: givenName, role: "person",
                                                     organisationID: nil, password: TestScheme.password, personID: personID.rawValue)
        return (id, person)
    }

    @Test("One case: supervisor only, reason required, audited, the person and the provider told", arguments: TestBackend.available)
    func oneCase(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (id, person) = try await Self.caseWithAudience(s)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let body = #"{"toLinkWorkerId":"\#(s.otherLinkWorker.id)","reason":"Lee is on long-term leave"}"#
            try await api.call(.post, "/api/v1/referrals/\(id)/reassign", as: s.linkWorker, json: body, expect: .forbidden)
            try await api.call(.post, "/api/v1/referrals/\(id)/reassign", as: s.referrer, json: body, expect: .forbidden)
            let noReason = try await api.call(.post, "/api/v1/referrals/\(id)/reassign", as: s.supervisor,
                                              json: #"{"toLinkWorkerId":"\#(s.otherLinkWorker.id)"}"#, expect: .unprocessableContent)
            #expect((noReason["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["reason"])
            let toProvider = try await api.call(.post, "/api/v1/referrals/\(id)/reassign", as: s.supervisor,
                                                json: #"{"toLinkWorkerId":"\#(s.provider.id)","reason":"x"}"#, expect: .unprocessableContent)
            #expect((toProvider["errors"] as? [[String: Any]])?.first?["field"] as? String == "toLinkWorkerId")
            #expect(try await s.store.loadCase(id)?.referral.linkWorkerID == s.linkWorker.id, "refusals change nothing")

            let result = try await api.call(.post, "/api/v1/referrals/\(id)/reassign", as: s.supervisor, json: body, expect: .ok)
            #expect(result["moved"] as? Int == 1)
            let moved = try #require(try await s.store.loadCase(id))
            #expect(moved.referral.linkWorkerID == s.otherLinkWorker.id && moved.referral.status == .active, "the case keeps its stage")
            #expect(moved.events.last?.note == "Handed over to Lou Worker: Lee is on long-term leave")
            #expect(moved.events.last?.actorID == s.supervisor.id)
            #expect(try await s.store.auditEvents(recordID: id.rawValue, limit: 50).contains { $0.action == "reassign" && $0.actorID == s.supervisor.id })
            // Told: the person and the walkers' staff, in-app and through the outbox; not the reason.
            for user in [person, s.provider] {
                let inbox = try await api.call(.get, "/api/v1/messages", as: user, expect: .ok)
                let message = try #require((inbox["list"] as? [[String: Any]])?.first)
                #expect(message["kind"] as? String == "reassigned")
                #expect((message["body"] as? String ?? "").contains("Lou Worker") && !(message["body"] as? String ?? "").contains("leave"))
            }
            let others = try await api.call(.get, "/api/v1/messages", as: s.otherProvider, expect: .ok)["list"] as? [Any]
            #expect(others?.isEmpty ?? true, "a provider with no referral out for the person hears nothing")
            let queued = try await s.store.outbox(limit: 100).filter { $0.kind == .reassigned }
            #expect(Set(queued.compactMap(\.recipientID)) == [person.id, s.provider.id])
            // The old link worker no longer sees it; the new one works on it.
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.linkWorker, expect: .notFound)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.otherLinkWorker, expect: .ok)
            // Reassigning to the holder again is a conflict.
            try await api.call(.post, "/api/v1/referrals/\(id)/reassign", as: s.supervisor, json: body, expect: .conflict)
        }
    }

    @Test("A whole caseload, by an administrator, and deactivation takes the same path", arguments: TestBackend.available)
    func wholeCaseload(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (first, person) = try await Self.caseWithAudience(s)
        let second = try await s.engagedReferral(TestScheme.submission(givenName: "Brenda", nhsNumber: nil))
        let closed = try await s.engagedReferral(TestScheme.submission(givenName: "Cora", nhsNumber: nil))
        try await s.casework.act(on: closed, s.request(s.linkWorker)) { [env = s.env] in
            try $0.close(reason: "goals_met", note: nil, confirmed: true, by: Principal(s.linkWorker), env: env)
        }
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let same = try await api.call(.post, "/api/v1/caseloads/reassign", as: s.admin,
                                          json: #"{"fromLinkWorkerId":"\#(s.linkWorker.id)","toLinkWorkerId":"\#(s.linkWorker.id)","reason":"x"}"#,
                                          expect: .unprocessableContent)
            #expect((same["errors"] as? [[String: Any]])?.first?["field"] as? String == "toLinkWorkerId")
            let result = try await api.call(.post, "/api/v1/caseloads/reassign", as: s.admin,
                                            json: #"{"fromLinkWorkerId":"\#(s.linkWorker.id)","toLinkWorkerId":"\#(s.otherLinkWorker.id)","reason":"Team change"}"#,
                                            expect: .ok)
            #expect(result["moved"] as? Int == 2)
            #expect(Set(result["referralIDs"] as? [String] ?? []) == [first.rawValue, second.rawValue])
            #expect(try await s.store.loadCase(closed)?.referral.linkWorkerID == s.linkWorker.id, "closed cases stay where they were")
            #expect(try await s.store.loadCase(second)?.referral.linkWorkerID == s.otherLinkWorker.id)

            // Deactivating Lou with a hand-over back to Lee: the same path, so the person is told again.
            try await api.call(.post, "/api/v1/users/\(s.otherLinkWorker.id)/deactivate", as: s.admin,
                               json: #"{"handover":"\#(s.linkWorker.id)"}"#, expect: .ok)
            let back = try #require(try await s.store.loadCase(first))
            #expect(back.referral.linkWorkerID == s.linkWorker.id && back.events.last?.note == "Handed over to Lee Worker: Lou Worker left")
            let told = try await api.call(.get, "/api/v1/messages", as: person, expect: .ok)
            #expect((told["list"] as? [[String: Any]])?.compactMap { $0["body"] as? String }
                        == ["Your link worker is now Lee Worker.", "Your link worker is now Lou Worker."])
            #expect(try await s.store.auditEvents(recordID: first.rawValue, limit: 50).filter { $0.action == "reassign" }.count == 2)
        }
    }

    @Test("The supervisor's pages: the case form and the caseload form")
    func pages() async throws {
        let s = try await TestScheme.make(.sqlite)
        let (id, _) = try await Self.caseWithAudience(s)
        try await withRouter(s) { client in
            let sup = WebPagesTests.Browser(client)
            _ = try await sup.signIn(s.supervisor.email)
            let (_, casePage) = try await sup.go(.get, "/referrals/\(id)")
            #expect(casePage.contains("action=\"/referrals/\(id)/reassign\""))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: casePage))
            let (refused, again) = try await sup.go(.post, "/referrals/\(id)/reassign", form: ["_csrf": csrf, "toLinkWorkerId": s.otherLinkWorker.id.rawValue])
            #expect(refused.status == .unprocessableContent && again.contains("reason for the reassignment"))
            let (_, form) = try await sup.go(.get, "/caseloads/reassign")
            #expect(form.contains("Lee Worker — 1 open"))
            let (done, notice) = try await sup.go(.post, "/caseloads/reassign", form: [
                "_csrf": csrf, "fromLinkWorkerId": s.linkWorker.id.rawValue, "toLinkWorkerId": s.otherLinkWorker.id.rawValue, "reason": "Rebalancing"])
            #expect(done.status == .ok && notice.contains("1 open case moved"))
            #expect(try await s.store.loadCase(id)?.referral.linkWorkerID == s.otherLinkWorker.id)

            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            #expect(try await lw.go(.get, "/caseloads/reassign").0.status == .forbidden)
        }
    }
}
