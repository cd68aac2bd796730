import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The JSON API through the real router on each storage backend.
@Suite("JSON API", .closesStores)
struct APITests {
    typealias Client = APIClient

    static let referralJSON = """
        {"person":{"givenName":"Margaret","familyName":"Hughes","dateOfBirth":"1948-05-02","postcode":"LS1 4AP",
         "phone":"07700 900123","nhsNumber":"9434765919"},
         "sourceType":"gp","needs":["loneliness"],"personView":"Get out more",
         "consent":{"given":true,"givenBy":"Margaret Hughes","method":"verbal","purposes":["share_with_providers","share_with_referrer"]}}
        """

    func withAPI(_ backend: TestBackend, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in try await body(Client(client: client, s: s)) }
    }

    @Test("The whole journey through the API", arguments: TestBackend.available)
    func journey(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let created = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)
            let id = try #require(created["id"] as? String)
            #expect(created["status"] as? String == "received")

            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                               json: #"{"mode":"gp_practice","durationMinutes":45,"successful":true,"notes":"First chat"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker,
                               json: #"{"whatMatters":"Seeing people","goals":["Walk weekly"]}"#, expect: .ok)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                         json: #"{"serviceId":"svc-walks","note":"Meet at the gate"}"#, expect: .created)
            let onwardID = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)

            // Provider: inbox, accept, attendance.
            let inbox = try await api.call(.get, "/api/v1/onward-referrals", as: s.provider, expect: .ok)
            #expect((inbox["list"] as? [[String: Any]])?.count == 1)
            let view = try await api.call(.get, "/api/v1/onward-referrals/\(onwardID)", as: s.provider, expect: .ok)
            #expect(view["personName"] as? String == "Margaret Hughes")
            #expect(view["nhsNumber"] == nil && view["riskInformation"] == nil, "providers get the minimum necessary")
            try await api.call(.post, "/api/v1/onward-referrals/\(onwardID)/accept", as: s.provider, expect: .ok)
            let attended = try await api.call(.post, "/api/v1/onward-referrals/\(onwardID)/attendance", as: s.provider,
                                              json: #"{"attended":true}"#, expect: .ok)
            #expect(attended["status"] as? String == "in-progress")

            // The referrer hears back without asking.
            let mine = try await api.call(.get, "/api/v1/referrals/\(id)", as: s.referrer, expect: .ok)
            #expect(mine["status"] as? String == "active")
            #expect(mine["firstSeenAt"] != nil)
            #expect((mine["messages"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["accepted", "first_seen"])
            #expect((mine["onwardReferrals"] as? [[String: Any]])?.first?["status"] as? String == "in-progress")
            #expect(mine["contacts"] == nil, "referrers do not see casework notes")

            let closed = try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker,
                                            json: #"{"reason":"goals_met","note":"Walking weekly"}"#, expect: .ok)
            #expect((closed["referral"] as? [String: Any])?["status"] as? String == "closed")
            let messages = try await api.call(.get, "/api/v1/messages", as: s.referrer, expect: .ok)
            #expect((messages["list"] as? [[String: Any]])?.first?["kind"] as? String == "closed")
        }
    }

    @Test("Bad referrals are refused with the field named, and nothing is stored", arguments: TestBackend.available)
    func badReferrals(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let noConsent = Self.referralJSON.replacingOccurrences(of: #""given":true"#, with: #""given":false"#)
            let badNHS = Self.referralJSON.replacingOccurrences(of: "9434765919", with: "9434765918")
            let noName = Self.referralJSON.replacingOccurrences(of: #""givenName":"Margaret","#, with: "")
            for (body, field) in [(noConsent, "consent.given"), (badNHS, "person.nhsNumber"), (noName, "person.givenName")] {
                let problem = try await api.call(.post, "/api/v1/referrals", as: api.s.referrer, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field])
                #expect(problem["status"] as? Int == 422)
            }
            let wrongType = try await api.call(.post, "/api/v1/referrals", as: api.s.referrer, json: #"{"needs":"loneliness"}"#, expect: .unprocessableContent)
            #expect((wrongType["errors"] as? [[String: Any]])?.first?["field"] as? String == "needs")
            try await api.call(.post, "/api/v1/referrals", as: api.s.referrer, json: "{not json", expect: .badRequest)
            #expect(try await api.s.store.referrals(ReferralQuery()).isEmpty)
        }
    }

    @Test("Illegal transitions are refused with 409 and change nothing", arguments: TestBackend.available)
    func illegalTransitions(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.supervisor, json: #"{"reason":"goals_met"}"#, expect: .conflict)
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            // The problem names the conflict by its code, with the values its message names (statuses as codes), beside the English.
            let twice = try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .conflict)
            #expect(twice["code"] as? String == "illegalTransition", "\(twice)")
            #expect(twice["values"] as? [String: String] == ["status": "accepted", "next": "accepted"], "\(twice)")
            #expect(twice["detail"] as? String == "A referral that is accepted cannot become accepted.")
            try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                               json: #"{"mode":"phone","durationMinutes":1000}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                               json: #"{"mode":"phone","durationMinutes":20}"#, expect: .ok)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                         json: #"{"serviceId":"svc-walks"}"#, expect: .created)
            let onwardID = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
            // Attendance on a referral the provider never accepted.
            let attendance = try await api.call(.post, "/api/v1/onward-referrals/\(onwardID)/attendance", as: s.provider, json: #"{"attended":true}"#, expect: .conflict)
            #expect(attendance["code"] as? String == "attendanceNeedsAccepted" && attendance["values"] as? [String: String] == ["onwardStatus": "requested"])
            try await api.call(.post, "/api/v1/onward-referrals/\(onwardID)/reject", as: s.provider, json: #"{"reason":"full"}"#, expect: .unprocessableContent)
            let before = try #require(try await s.store.loadCase(ReferralID(id)))
            #expect(before.attendance.isEmpty && before.onwardReferrals[0].status == .requested)
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met","confirm":true}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met"}"#, expect: .conflict)
            #expect(try await s.store.loadCase(ReferralID(id))?.messages.filter { $0.kind == .closed }.count == 1)
        }
    }

    @Test("Other people's records are not found, and the attempt is audited", arguments: TestBackend.available)
    func relationshipChecks(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)["id"] as? String)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.otherReferrer, expect: .notFound)
            try await api.call(.get, "/api/v1/referrals/does-not-exist", as: s.otherReferrer, expect: .notFound)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.provider, expect: .forbidden)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.commissioner, expect: .forbidden)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: nil, expect: .unauthorized)
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.referrer, expect: .forbidden)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.linkWorker, expect: .ok)  // waiting list
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.otherLinkWorker, expect: .notFound)  // now someone's caseload

            let trail = try await s.store.auditEvents(recordID: id, limit: 100)
            #expect(trail.contains { $0.actorID == s.otherReferrer.id && $0.outcome == .denied && $0.route == "GET /api/v1/referrals/\(id)" })
            #expect(trail.contains { $0.actorID == s.otherLinkWorker.id && $0.outcome == .denied })
            #expect(trail.contains { $0.actorID == s.referrer.id && $0.outcome == .allowed } == false, "creating is not reading")
            let audit = try await api.call(.get, "/api/v1/audit?recordId=\(id)", as: s.admin, expect: .ok)
            #expect((audit["list"] as? [[String: Any]])?.count == trail.count)
            try await api.call(.get, "/api/v1/audit", as: s.linkWorker, expect: .forbidden)
        }
    }

    @Test("Two link workers accepting at once: exactly one wins", arguments: TestBackend.available)
    func raceToAccept(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        let tokens = [try await s.token(for: s.linkWorker), try await s.token(for: s.otherLinkWorker)]
        try await withRouter(s) { client in
            let statuses = await withTaskGroup(of: HTTPResponse.Status.self) { group in
                for token in tokens + tokens {
                    group.addTask {
                        (try? await client.execute(uri: "/api/v1/referrals/\(id)/accept", method: .post,
                                                   headers: [.authorization: "Bearer \(token)"]).status) ?? .internalServerError
                    }
                }
                return await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict || $0 == .notFound }.count == 3)
            let stored = try #require(try await s.store.loadCase(id))
            #expect(stored.messages.count == 1 && stored.events.count == 2)
        }
    }

    @Test("A supervisor allocates waiting referrals and sees each caseload against the limit", arguments: TestBackend.available)
    func allocation(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/allocate", as: s.linkWorker, json: #"{"linkWorkerId":"\#(s.linkWorker.id)"}"#, expect: .forbidden)
            try await api.call(.post, "/api/v1/referrals/\(id)/allocate", as: s.supervisor, json: #"{"linkWorkerId":"\#(s.provider.id)"}"#, expect: .unprocessableContent)
            let allocated = try await api.call(.post, "/api/v1/referrals/\(id)/allocate", as: s.supervisor,
                                               json: #"{"linkWorkerId":"\#(s.otherLinkWorker.id)"}"#, expect: .ok)
            #expect((allocated["referral"] as? [String: Any])?["linkWorkerID"] as? String == s.otherLinkWorker.id.rawValue)
            try await api.call(.post, "/api/v1/referrals/\(id)/allocate", as: s.supervisor, json: #"{"linkWorkerId":"\#(s.linkWorker.id)"}"#, expect: .conflict)
            let loads = try await api.call(.get, "/api/v1/caseloads", as: s.supervisor, expect: .ok)["list"] as? [[String: Any]]
            let other = loads?.first { $0["name"] as? String == "Lou Worker" }
            #expect(other?["open"] as? Int == 1 && other?["takenOnInLastYear"] as? Int == 1 && other?["yearlyLimit"] as? Int == 250)
            #expect(other?["overLimit"] as? Bool == false)
        }
    }

    @Test("Safeguarding: escalate, acknowledge (only by its recipient), review, resolve; overdue ones are highlighted", arguments: TestBackend.available)
    func safeguarding(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns", as: s.linkWorker, json: #"{"description":"","escalateTo":"referrer"}"#, expect: .unprocessableContent)
            let raised = try await api.call(.post, "/api/v1/referrals/\(id)/concerns", as: s.linkWorker,
                                            json: #"{"description":"Disclosed financial abuse by a relative","escalateTo":"referrer"}"#, expect: .ok)
            let concern = try #require((raised["concerns"] as? [[String: Any]])?.first?["id"] as? String)
            let gp = try await api.call(.post, "/api/v1/referrals/\(id)/concerns", as: s.linkWorker,
                                        json: #"{"description":"Falls at home","escalateTo":"gp"}"#, expect: .ok)
            let gpConcern = try #require((gp["concerns"] as? [[String: Any]])?.last?["id"] as? String)

            // The referrer sees it waiting; the supervisor sees it overdue after 48 hours.
            let pending = try await api.call(.get, "/api/v1/safeguarding", as: s.referrer, expect: .ok)["list"] as? [[String: Any]]
            #expect(pending?.count == 1)
            s.clock.advance(seconds: 49 * 3600)
            let queue = try await api.call(.get, "/api/v1/safeguarding", as: s.supervisor, expect: .ok)["list"] as? [[String: Any]]
            #expect(queue?.count == 2 && queue?.allSatisfy { $0["overdue"] as? Bool == true } == true)

            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/resolve", as: s.linkWorker, json: #"{"resolution":"Done"}"#, expect: .conflict)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.linkWorker, json: "{}", expect: .forbidden)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.otherReferrer, json: "{}", expect: .notFound)
            let mine = try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.referrer, json: "{}", expect: .ok)
            #expect((mine["escalations"] as? [[String: Any]])?.first?["acknowledgedAt"] != nil)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/acknowledge", as: s.referrer, json: "{}", expect: .conflict)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(gpConcern)/acknowledge", as: s.linkWorker, json: "{}", expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(gpConcern)/acknowledge", as: s.linkWorker,
                               json: #"{"acknowledgedByName":"Dr Khan, by phone"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/review", as: s.linkWorker, json: "{}", expect: .forbidden)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/review", as: s.supervisor, json: "{}", expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/resolve", as: s.linkWorker, json: "{}", expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/referrals/\(id)/concerns/\(concern)/resolve", as: s.linkWorker,
                               json: #"{"resolution":"Adult social care took the referral"}"#, expect: .ok)
            let stored = try #require(try await s.store.loadCase(ReferralID(id))).concerns
            #expect(stored.count == 2, "resolved concerns stay on the record")
            #expect(stored[0].resolvedBy == s.linkWorker.id && stored[0].reviewedBy == s.supervisor.id && stored[0].acknowledgedBy == s.referrer.id)
            #expect(stored[1].acknowledgedByName == "Dr Khan, by phone")
            #expect(try await s.store.safeguardingConcerns(openOnly: true, recipientID: nil).map(\.id) == [gpConcern])
        }
    }

    @Test("Withdrawn consent stops sharing everywhere", arguments: TestBackend.available)
    func consentWithdrawal(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker, json: #"{"mode":"phone","durationMinutes":20}"#, expect: .ok)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-walks"}"#, expect: .created)
            let onwardID = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/consent/withdraw", as: s.linkWorker, json: #"{"reason":"astrology"}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/referrals/\(id)/consent/withdraw", as: s.linkWorker, json: #"{"reason":"share_with_providers","note":"Changed her mind"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/consent/withdraw", as: s.linkWorker, json: #"{"reason":"share_with_providers"}"#, expect: .conflict)
            let view = try await api.call(.get, "/api/v1/onward-referrals/\(onwardID)", as: s.provider, expect: .ok)
            #expect(view["consentWithdrawn"] as? Bool == true && view["phone"] as? String == "" && !(view["personName"] as? String ?? "").contains("Margaret"))
            let inbox = try await api.call(.get, "/api/v1/onward-referrals", as: s.provider, expect: .ok)["list"] as? [[String: Any]]
            #expect(inbox?.first.map { !($0["personName"] as? String ?? "").contains("Margaret") } == true)
            try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker, json: #"{"serviceId":"svc-debt"}"#, expect: .conflict)

            try await api.call(.post, "/api/v1/referrals/\(id)/consent/withdraw", as: s.linkWorker, json: #"{"reason":"share_with_referrer"}"#, expect: .ok)
            let before = try await s.store.messages(recipientID: s.referrer.id).count
            try await api.call(.post, "/api/v1/referrals/\(id)/close", as: s.linkWorker, json: #"{"reason":"goals_met","confirm":true}"#, expect: .ok)
            #expect(try await s.store.messages(recipientID: s.referrer.id).count == before, "no news about the person once consent to share with the referrer is withdrawn")
            let stored = try #require(try await s.store.loadCase(ReferralID(id)))
            #expect(stored.referral.consent.purposes == [.socialPrescribing])
            #expect(stored.events.contains { $0.note.hasPrefix("Consent withdrawn: share_with_providers — Changed her mind") })
        }
    }

    @Test("Home visits need a lone-working check-in and check-out; a late check-out alerts the supervisor", arguments: TestBackend.available)
    func loneWorking(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: Self.referralJSON, expect: .created)["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
            let visit = #"{"mode":"home_visit","durationMinutes":60,"successful":true}"#
            try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker, json: visit, expect: .conflict)
            try await api.call(.post, "/api/v1/referrals/\(id)/visits/check-in", as: s.linkWorker, json: #"{"expectedMinutes":5}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/referrals/\(id)/visits/check-out", as: s.linkWorker, json: "{}", expect: .conflict)
            try await api.call(.post, "/api/v1/referrals/\(id)/visits/check-in", as: s.linkWorker, json: #"{"expectedMinutes":60}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/visits/check-in", as: s.linkWorker, json: #"{"expectedMinutes":60}"#, expect: .conflict)
            #expect((try await api.call(.get, "/api/v1/visits/overdue", as: s.supervisor, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            s.clock.advance(seconds: 61 * 60)
            let overdue = try await api.call(.get, "/api/v1/visits/overdue", as: s.supervisor, expect: .ok)["list"] as? [[String: Any]]
            #expect(overdue?.count == 1 && overdue?.first?["linkWorkerName"] as? String == "Lee Worker")
            try await api.call(.get, "/api/v1/visits/overdue", as: s.linkWorker, expect: .forbidden)
            try await api.call(.post, "/api/v1/referrals/\(id)/visits/check-out", as: s.linkWorker, json: "{}", expect: .ok)
            #expect((try await api.call(.get, "/api/v1/visits/overdue", as: s.supervisor, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            let engaged = try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker, json: visit, expect: .ok)
            #expect((engaged["referral"] as? [String: Any])?["status"] as? String == "engaged")
        }
    }

    @Test("Supervision notes are seen only by their link worker and supervisors", arguments: TestBackend.available)
    func supervisionNotes(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            try await api.call(.post, "/api/v1/supervision-notes", as: s.supervisor, json: #"{"linkWorkerId":"\#(s.linkWorker.id)","text":""}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/supervision-notes", as: s.supervisor, json: #"{"linkWorkerId":"\#(s.referrer.id)","text":"x"}"#, expect: .unprocessableContent)
            try await api.call(.post, "/api/v1/supervision-notes", as: s.supervisor,
                               json: #"{"linkWorkerId":"\#(s.linkWorker.id)","text":"Discussed boundaries on home visits"}"#, expect: .created)
            try await api.call(.post, "/api/v1/supervision-notes", as: s.linkWorker, json: #"{"text":"Reflection: ask about carers earlier"}"#, expect: .created)
            let mine = try await api.call(.get, "/api/v1/supervision-notes", as: s.linkWorker, expect: .ok)["list"] as? [[String: Any]]
            #expect(mine?.compactMap { $0["text"] as? String } == ["Reflection: ask about carers earlier", "Discussed boundaries on home visits"])
            let theirs = try await api.call(.get, "/api/v1/supervision-notes?linkWorkerId=\(s.linkWorker.id)", as: s.otherLinkWorker, expect: .notFound)
            #expect(theirs["status"] as? Int == 404)
            #expect((try await api.call(.get, "/api/v1/supervision-notes", as: s.otherLinkWorker, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            try await api.call(.get, "/api/v1/supervision-notes?linkWorkerId=\(s.linkWorker.id)", as: s.referrer, expect: .forbidden)
            let seen = try await api.call(.get, "/api/v1/supervision-notes?linkWorkerId=\(s.linkWorker.id)", as: s.supervisor, expect: .ok)["list"] as? [Any]
            #expect(seen?.count == 2)
        }
    }

    @Test("Plans carry agreed actions and a review date; due reviews are listed", arguments: TestBackend.available)
    func planActionsAndReviews(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            let id = try await s.engagedReferral()
            try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker,
                               json: #"{"whatMatters":"x","reviewDate":"2001-01-01"}"#, expect: .unprocessableContent)
            let review = CalendarDate(s.clock.now.addingTimeInterval(10 * 86_400))
            let planned = try await api.call(.post, "/api/v1/referrals/\(id)/plan", as: s.linkWorker, json: """
                {"whatMatters":"Getting out more","goals":["Join a choir"],"reviewDate":"\(review)",
                 "actions":[{"description":"Phone the choir leader","owner":"Margaret","due":"\(review)"},{"description":" "}]}
                """, expect: .ok)
            let actions = try #require(planned["actions"] as? [[String: Any]])
            #expect(actions.count == 1 && actions[0]["owner"] as? String == "Margaret")
            #expect((planned["plan"] as? [String: Any])?["reviewDate"] as? String == "\(review)")
            #expect((try await api.call(.get, "/api/v1/plan-reviews", as: s.linkWorker, expect: .ok)["list"] as? [Any])?.isEmpty == true)
            s.clock.advance(seconds: 4 * 86_400)
            let due = try await api.call(.get, "/api/v1/plan-reviews", as: s.linkWorker, expect: .ok)["list"] as? [[String: Any]]
            #expect(due?.count == 1 && due?.first?["overdue"] as? Bool == false)
            let actionID = try #require(actions[0]["id"] as? String)
            try await api.call(.post, "/api/v1/referrals/\(id)/actions/complete", as: s.linkWorker, json: #"{"actionId":"\#(actionID)"}"#, expect: .ok)
            try await api.call(.post, "/api/v1/referrals/\(id)/actions/complete", as: s.linkWorker, json: #"{"actionId":"\#(actionID)"}"#, expect: .conflict)
            #expect(try await s.store.loadCase(id)?.actions.first?.doneAt == s.clock.now)
        }
    }

    @Test("Scheme settings: pathways restrict referrals, eligibility shows at triage", arguments: TestBackend.available)
    func settings(backend: TestBackend) async throws {
        try await withAPI(backend) { api in
            let s = api.s
            try await api.call(.post, "/api/v1/settings", as: s.linkWorker, json: #"{"pathways":[],"catchmentAreas":[]}"#, expect: .forbidden)
            try await api.call(.post, "/api/v1/settings", as: s.admin, json: #"{"pathways":[],"catchmentAreas":["not a district"],"minimumAge":30,"maximumAge":20}"#, expect: .unprocessableContent)
            let saved = try await api.call(.post, "/api/v1/settings", as: s.admin,
                                           json: #"{"pathways":["Carers"," Mental health ",""],"catchmentAreas":["ls6","LS9"],"minimumAge":18}"#, expect: .ok)
            #expect(saved["pathways"] as? [String] == ["Carers", "Mental health"] && saved["catchmentAreas"] as? [String] == ["LS6", "LS9"])
            let withPathway = Self.referralJSON.replacingOccurrences(of: #""sourceType":"gp","#, with: #""sourceType":"gp","pathway":"Astrology","#)
            let refused = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: withPathway, expect: .unprocessableContent)
            #expect((refused["errors"] as? [[String: Any]])?.first?["field"] as? String == "pathway")
            try await api.call(.post, "/api/v1/referrals", as: s.referrer,
                               json: withPathway.replacingOccurrences(of: "Astrology", with: "Carers"), expect: .created)
            let settings = try await s.store.schemeSettings()
            let made = try #require(try await s.store.referrals(ReferralQuery()).first)
            let person = try #require(try await s.store.loadCase(made.id)).person
            #expect(settings.ineligibility(of: person, on: CalendarDate(s.clock.now)) == ["postcode LS1 4AP is outside the catchment (LS6, LS9)"])
        }
    }

    @Test func openAPIDocumentIsServed() async throws {
        try await withAPI(.memory) { api in
            let response = try await api.client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let doc = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
            #expect(doc?["openapi"] as? String == "3.1.0")
            #expect((doc?["paths"] as? [String: Any])?["/api/v1/referrals"] != nil)
        }
    }
}
