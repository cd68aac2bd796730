import Foundation
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import Testing

/// The community group's voice on a referral out (issue #16), through the JSON API on every backend:
/// the thread, group concerns, notices, overdue requests and the attendance date rules.
@Suite("Community groups' voice", .closesStores)
struct GroupVoiceTests {
    typealias Client = APIClient

    func withAPI(_ backend: TestBackend, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in try await body(Client(client: client, s: s)) }
    }

    /// A referral in, accepted and engaged with a plan, referred out to the walking group.
    func referredOut(_ api: Client, window: Int = 14) async throws -> (referral: String, onward: String) {
        let s = api.s
        let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: APITests.referralJSON, expect: .created)["id"] as? String)
        try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                           json: #"{"mode":"phone","durationMinutes":30,"successful":true,"notes":""}"#, expect: .ok)
        try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: #"{"whatMatters":"Getting out","goals":["Walk"]}"#, expect: .ok)
        let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                     json: #"{"serviceId":"svc-walks","handover":{"returnWindowDays":\#(window)}}"#, expect: .created)
        let onward = try #require((out["onwardReferrals"] as? [[String: Any]])?.last?["id"] as? String)
        return (id, onward)
    }

    @Test("Link worker and group share a thread no one else can read or write", arguments: TestBackend.available)
    func thread(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let (id, onward) = try await referredOut(api)
            let lw = "/api/v1/referrals/\(id)/onward-referrals/\(onward)/messages"
            let group = "/api/v1/onward-referrals/\(onward)/messages"
            try await api.call(.post, lw, as: s.linkWorker, json: #"{"body":"She prefers mornings."}"#, expect: .created)
            let after = try await api.call(.post, group, as: s.provider, json: #"{"body":"Thursday 10am suits us."}"#, expect: .created)
            #expect((after["list"] as? [[String: Any]])?.compactMap { $0["side"] as? String } == ["scheme", "group"])
            let read = try await api.call(.get, lw, as: s.linkWorker, expect: .ok)["list"] as? [[String: Any]]
            #expect(read?.compactMap { $0["body"] as? String } == ["She prefers mornings.", "Thursday 10am suits us."])
            #expect(read?.last?["authorName"] as? String == "Wally Walker")

            // Bad input names the field and stores nothing.
            let problem = try await api.call(.post, group, as: s.provider, json: #"{"body":"  "}"#, expect: .unprocessableContent)
            #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["body"])
            // Another group, another link worker, the referrer: not theirs.
            try await api.call(.get, group, as: s.otherProvider, expect: .notFound)
            try await api.call(.post, group, as: s.otherProvider, json: #"{"body":"Hello?"}"#, expect: .notFound)
            try await api.call(.get, lw, as: s.otherLinkWorker, expect: .notFound)
            try await api.call(.post, lw, as: s.otherLinkWorker, json: #"{"body":"Hi"}"#, expect: .notFound)
            try await api.call(.get, lw, as: s.referrer, expect: .forbidden)
            try await api.call(.get, "/api/v1/referrals/\(id)/onward-referrals/nope/messages", as: s.linkWorker, expect: .notFound)
            #expect(try await s.store.onwardMessages(referralID: ReferralID(id)).count == 2)

            // Every read is audited against the person's referral, refused ones too.
            let audit = try await s.store.auditEvents(subjectID: ReferralID(id), limit: 1000)
            #expect(audit.contains { $0.actorID == s.provider.id && $0.recordType == "onward_referral" && $0.route.contains("messages") })
            let refused = try await s.store.auditEvents(recordID: onward, limit: 1000)
            #expect(refused.contains { $0.actorID == s.otherProvider.id && $0.outcome == .denied })
        }
    }

    @Test("A group's concern reaches the supervisors' safeguarding queue", arguments: TestBackend.available)
    func concern(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let (id, onward) = try await referredOut(api)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/concerns", as: s.provider, json: #"{"description":""}"#,
                               expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/concerns", as: s.otherProvider,
                               json: #"{"description":"Bruising"}"#, expect: .notFound)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/concerns", as: s.provider,
                               json: #"{"description":"Bruising on her arms at the walk"}"#, expect: .created)
            let queue = try #require(try await api.call(.get, "/api/v1/safeguarding", as: s.supervisor, expect: .ok)["list"] as? [[String: Any]])
            let item = try #require(queue.first?["concern"] as? [String: Any])
            #expect(queue.count == 1 && item["escalatedTo"] as? String == "supervisor" && item["raisedBy"] as? String == s.provider.id.rawValue)
            let concern = try #require(item["id"] as? String)
            // Only a supervisor acknowledges it; then it is reviewed and resolved like any concern.
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.linkWorker, json: "{}", expect: .forbidden)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.supervisor, json: "{}", expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/resolve", as: s.linkWorker,
                               json: #"{"resolution":"Spoke to her GP"}"#, expect: .ok)
            #expect(try await s.store.safeguardingConcerns(openOnly: true, recipientID: nil).isEmpty)
        }
    }

    @Test("Groups are told of a new referral and of the case closing, in the app and by e-mail", arguments: TestBackend.available)
    func notices(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let (id, onward) = try await referredOut(api)
            // A second referral out, which the debt group declines: it is not told of the closing.
            let second = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                            json: #"{"serviceId":"svc-debt"}"#, expect: .created)
            let debt = try #require((second["onwardReferrals"] as? [[String: Any]])?.last?["id"] as? String)
            try await api.call(.post, "/api/v1/onward-referrals/\(debt)/reject", as: s.otherProvider, json: #"{"reason":"no_capacity"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)

            let walkers = try await api.call(.get, "/api/v1/group-notices", as: s.provider, expect: .ok)["list"] as? [[String: Any]]
            #expect(walkers?.compactMap { $0["kind"] as? String } == ["referred_to_group"])
            s.clock.advance(seconds: 60)
            // The accepted referral out is a loose end: closing needs the explicit confirmation.
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met","confirm":true}"#, expect: .ok)
            let told = try await api.call(.get, "/api/v1/group-notices", as: s.provider, expect: .ok)["list"] as? [[String: Any]]
            #expect(told?.compactMap { $0["kind"] as? String } == ["group_case_closed", "referred_to_group"])
            let money = try await api.call(.get, "/api/v1/group-notices", as: s.otherProvider, expect: .ok)["list"] as? [[String: Any]]
            #expect(money?.compactMap { $0["kind"] as? String } == ["referred_to_group"], "a group that declined is not told of the closing")
            try await api.call(.get, "/api/v1/group-notices", as: s.linkWorker, expect: .forbidden)

            // Each notice is queued for e-mail to the group's organisation in the same write.
            let emails = try await s.store.outbox(limit: 100).filter(\.kind.isGroupNotice)
            #expect(emails.count == 3)
            #expect(Set(emails.compactMap(\.recipientOrganisationID)) == [s.service.organisationID, s.otherService.organisationID])
            // The referrer's view and messages carry none of them.
            let mine = try await api.call(.get, "/api/v1/messages", as: s.referrer, expect: .ok)["list"] as? [[String: Any]]
            #expect(mine?.contains { ($0["kind"] as? String)?.contains("group") == true } == false)
        }
    }

    @Test("Requests unanswered past the handover window are flagged for both sides", arguments: TestBackend.available)
    func overdue(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let (_, onward) = try await referredOut(api, window: 7)
            #expect((try await api.call(.get, "/api/v1/overdue-onward-referrals", as: s.linkWorker, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            s.clock.advance(seconds: 7 * 86_400 - 60)
            #expect((try await api.call(.get, "/api/v1/overdue-onward-referrals", as: s.provider, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            // The store finds them due by the clock: not at the very second the answer is due, from the next one.
            s.clock.advance(seconds: 60)
            #expect((try await api.call(.get, "/api/v1/overdue-onward-referrals", as: s.supervisor, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            s.clock.advance(seconds: 1)
            let justDue = try await api.call(.get, "/api/v1/overdue-onward-referrals", as: s.supervisor, expect: .ok)["list"] as? [[String: Any]]
            #expect(justDue?.compactMap { $0["onwardReferralID"] as? String } == [onward] && justDue?.first?["daysOverdue"] as? Int == 0)
            s.clock.advance(seconds: 2 * 86_400 - 121)
            for user in [s.linkWorker, s.supervisor, s.provider] {
                let rows = try await api.call(.get, "/api/v1/overdue-onward-referrals", as: user, expect: .ok)["list"] as? [[String: Any]]
                #expect(rows?.compactMap { $0["onwardReferralID"] as? String } == [onward], "\(user.displayName)")
                #expect(rows?.first?["daysOverdue"] as? Int == 1)
            }
            for user in [s.otherLinkWorker, s.otherProvider] {
                #expect((try await api.call(.get, "/api/v1/overdue-onward-referrals", as: user, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            }
            try await api.call(.get, "/api/v1/overdue-onward-referrals", as: s.referrer, expect: .forbidden)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)
            #expect((try await api.call(.get, "/api/v1/overdue-onward-referrals", as: s.linkWorker, expect: .ok)["list"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("A window of 0 days sets no answer date", arguments: TestBackend.available)
    func noWindow(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            _ = try await referredOut(api, window: 0)
            api.s.clock.advance(seconds: 400 * 86_400)
            #expect((try await api.call(.get, "/api/v1/overdue-onward-referrals", as: api.s.provider, expect: .ok)["list"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("Attendance before the referral was sent, in the future or on an ended case is refused", arguments: TestBackend.available)
    func attendanceDates(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let (id, onward) = try await referredOut(api)
            try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: s.provider, expect: .ok)
            let path = "/api/v1/onward-referrals/\(onward)/attendance"
            let today = CalendarDate(s.clock.now)
            let yesterday = CalendarDate(s.clock.now.addingTimeInterval(-86_400))
            let tomorrow = CalendarDate(s.clock.now.addingTimeInterval(86_400))
            for date in [yesterday, tomorrow] {
                let problem = try await api.call(.post, path, as: s.provider, json: #"{"attended":true,"sessionDate":"\#(date)"}"#,
                                                 expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.first?["field"] as? String == "sessionDate")
            }
            try await api.call(.post, path, as: s.provider, json: #"{"attended":true,"sessionDate":"\#(today)"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met"}"#, expect: .ok)
            let closed = try await api.call(.post, path, as: s.provider, json: #"{"attended":false,"sessionDate":"\#(today)"}"#,
                                            expect: .unprocessableContent)
            #expect((closed["errors"] as? [[String: Any]])?.first?["field"] as? String == "sessionDate")
            #expect(try #require(try await s.store.loadCase(ReferralID(id))).attendance.count == 1, "nothing stored by the refusals")
        }
    }
}
