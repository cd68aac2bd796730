import Foundation
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import Testing

/// Governance checks with expiry dates (issue #16): where a group stands, the admin's reminders, and the
/// referral-out gate with a supervisor's audited override, through the JSON API on every backend.
@Suite("Governance checks with expiry", .closesStores)
struct GovernanceExpiryTests {
    typealias Client = APIClient

    func withAPI(_ backend: TestBackend, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in try await body(Client(client: client, s: s)) }
    }

    /// An engaged referral with a plan: ready to be referred out.
    func planned(_ api: Client) async throws -> String {
        let s = api.s
        let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: APITests.referralJSON, expect: .created)["id"] as? String)
        try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                           json: #"{"mode":"phone","durationMinutes":30,"successful":true,"notes":""}"#, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: #"{"whatMatters":"Out more","goals":["Walk"]}"#, expect: .ok)
        return id
    }

    func fields(_ problem: [String: Any]) -> [String] { (problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? [] }

    @Test("Expired checks need a supervisor's override with a reason, which is audited", arguments: TestBackend.available)
    func overrideAtReferralOut(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let yesterday = CalendarDate(s.clock.now.addingTimeInterval(-86_400))
            let path = "/api/v1/directory/organizations/org-walkers/governance"
            try await api.call(.post, path, as: s.linkWorker, json: "{}", expect: .forbidden)
            let bad = try await api.call(.post, path, as: s.admin, json: #"{"insurance":true,"insuranceExpires":"2026-02-30"}"#, expect: .unprocessableContent)
            #expect(fields(bad) == ["insuranceExpires"])
            let recorded = try await api.call(.post, path, as: s.admin, json: """
                {"constituted":true,"safeguardingPolicy":true,"insurance":true,"insuranceExpires":"\(yesterday)"}
                """, expect: .ok)
            #expect((recorded["standing"] as? [String: Any])?["state"] as? String == "expired")
            let standings = try await api.call(.get, "/api/v1/directory/governance", as: s.linkWorker, expect: .ok)["list"] as? [[String: Any]]
            #expect(standings?.first { $0["organizationID"] as? String == "org-walkers" }?["state"] as? String == "expired")
            #expect(standings?.first { $0["organizationID"] as? String == "org-money" }?["state"] as? String == "current")

            let id = try await planned(api)
            let out = "/api/v1/referrals/\(id)/onward-referrals"
            let refused = try await api.call(.post, out, as: s.linkWorker, json: #"{"serviceId":"svc-walks"}"#, expect: .unprocessableContent)
            #expect(fields(refused) == ["serviceId"])
            #expect(((refused["errors"] as? [[String: Any]])?.first?["message"] as? String)?.contains("insurance expired on \(yesterday)") == true)
            let notSupervisor = try await api.call(.post, out, as: s.linkWorker, json: #"{"serviceId":"svc-walks","governanceOverride":"Urgent"}"#,
                                                   expect: .unprocessableContent)
            #expect(fields(notSupervisor) == ["governanceOverride"])
            #expect(try #require(try await s.store.loadCase(ReferralID(id))).onwardReferrals.isEmpty, "nothing stored by a refusal")
            // Another group with current checks: no override needed.
            try await api.call(.post, out, as: s.linkWorker, json: #"{"serviceId":"svc-debt"}"#, expect: .created)

            let made = try await api.call(.post, out, as: s.supervisor,
                                          json: #"{"serviceId":"svc-walks","governanceOverride":"Renewal certificate seen by phone"}"#, expect: .created)
            let onward = try #require((made["onwardReferrals"] as? [[String: Any]])?.last?["id"] as? String)
            let c = try #require(try await s.store.loadCase(ReferralID(id)))
            let first = try #require(c.onwardEvents.first { $0.onwardReferralID.rawValue == onward })
            #expect(first.note.contains("Renewal certificate seen by phone") && first.note.contains("Sue Pervisor"))
            let audit = try await s.store.auditEvents(recordID: onward, limit: 100)
            #expect(audit.contains { $0.action == "governance_override" && $0.actorID == s.supervisor.id && $0.subjectID == ReferralID(id) })
        }
    }

    @Test("Missing checks, renewals and the admin's reminders", arguments: TestBackend.available)
    func standingsAndReminders(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let soon = CalendarDate(s.clock.now.addingTimeInterval(10 * 86_400))
            let later = CalendarDate(s.clock.now.addingTimeInterval(200 * 86_400))
            let past = CalendarDate(s.clock.now.addingTimeInterval(-3 * 86_400))
            // No insurance at all: incomplete, so refused like an expired check.
            try await api.call(.post, "/api/v1/directory/organizations/org-money/governance", as: s.admin,
                               json: #"{"safeguardingPolicy":true,"insurance":false}"#, expect: .ok)
            let id = try await planned(api)
            let refused = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-debt"}"#,
                                             expect: .unprocessableContent)
            #expect(((refused["errors"] as? [[String: Any]])?.first?["message"] as? String)?.contains("no insurance") == true)
            // Renewed, with a policy review due in 10 days: allowed, and on the admin's reminders.
            try await api.call(.post, "/api/v1/directory/organizations/org-money/governance", as: s.admin, json: """
                {"safeguardingPolicy":true,"safeguardingPolicyExpires":"\(soon)","insurance":true,"insuranceExpires":"\(later)"}
                """, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-debt"}"#, expect: .created)
            try await api.call(.post, "/api/v1/directory/organizations/org-walkers/governance", as: s.admin, json: """
                {"safeguardingPolicy":true,"insurance":true,"dbsForHomeVisits":true,"dbsExpires":"\(past)"}
                """, expect: .ok)
            let due = try await api.call(.get, "/api/v1/directory/governance/due", as: s.admin, expect: .ok)["list"] as? [[String: Any]]
            #expect(due?.map { "\($0["organizationID"]!) \($0["check"]!) \($0["expires"]!) \($0["expired"]!)" }
                    == ["org-walkers DBS checks \(past) 1", "org-money safeguarding policy \(soon) 0"])
            try await api.call(.get, "/api/v1/directory/governance/due", as: s.linkWorker, expect: .forbidden)
            // Stored on every backend as recorded.
            let stored = try #require(try await s.store.governance(organizationID: "org-money"))
            #expect(stored.safeguardingPolicyExpires == soon && stored.insuranceExpires == later && stored.dbsExpires == nil)
        }
    }

    @Test("A check's standing follows its dates")
    func standingRule() {
        let today = CalendarDate("2026-06-01")!, horizon = CalendarDate("2026-07-01")!
        func check(_ insurance: Bool = true, expires: String? = nil) -> GovernanceCheck {
            GovernanceCheck(organizationID: "o", constituted: false, safeguardingPolicy: true, insurance: insurance, dbsForHomeVisits: false,
                            checkedBy: UserID("u"), checkedAt: Date(), insuranceExpires: expires.flatMap(CalendarDate.init))
        }
        #expect(GovernanceStanding.of(nil, today: today, remindFrom: horizon).state == .unchecked)
        #expect(GovernanceStanding.of(check(false), today: today, remindFrom: horizon).state == .incomplete)
        #expect(GovernanceStanding.of(check(expires: "2026-05-31"), today: today, remindFrom: horizon).state == .expired)
        #expect(GovernanceStanding.of(check(expires: "2026-06-01"), today: today, remindFrom: horizon).state == .expiringSoon, "valid on its last day")
        #expect(GovernanceStanding.of(check(expires: "2026-07-02"), today: today, remindFrom: horizon).state == .current)
        #expect(GovernanceStanding.of(check(), today: today, remindFrom: horizon).allowsReferral)
    }
}
