import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The standard's care and support plan (section 19): strengths → goals (need, importance, status,
/// outcome) → actions (goal, status, confidence, review date), through storage, the API, the case page,
/// the message back and its FHIR Composition. Run on every backend.
@Suite("NHS record: the care and support plan", .closesStores)
struct CareAndSupportPlanTests {
    /// An engaged case with a plan: strengths, two goals and two actions.
    static func planned(_ s: TestScheme) async throws -> (ReferralID, Case) {
        let id = try await s.engagedReferral()
        let lw = s.request(s.linkWorker)
        let env = s.casework.env
        let c = try await s.casework.act(on: id, lw) {
            try $0.agreePlan(PlanInput(whatMatters: "Getting out of the house", goals: ["Walk to the park weekly", "Meet new people"],
                                       actions: [.init(description: "Join Riverside Walkers", owner: "Margaret", due: "2027-03-01"),
                                                 .init(description: "Phone the befriending line", owner: "", due: nil)],
                                       reviewDate: "2027-04-15", strengths: "Determined; good with her hands"),
                             by: lw.principal, env: env)
        }
        return (id, c)
    }

    static func names(_ problem: [String: Any], _ field: String) -> Bool {
        let text = String(describing: problem)
        return text.contains("\"\(field)\"") || text.contains("field = \(field)") || text.contains("field = \"\(field)\"")
    }

    @Test("Strengths, goals and actions with their plan details round-trip through storage, field by field", arguments: TestBackend.available)
    func storage(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (id, planned) = try await Self.planned(s)
        let lw = s.request(s.linkWorker)
        #expect(planned.plan?.strengths == "Determined; good with her hands")
        let walk = try #require(planned.goals.first { $0.description == "Walk to the park weekly" })
        let join = try #require(planned.actions.first { $0.description == "Join Riverside Walkers" })
        let phone = try #require(planned.actions.first { $0.description == "Phone the befriending line" })
        s.clock.advance(seconds: 60)
        _ = try await s.casework.updateGoalPlan(id, goal: walk.id, GoalPlanInput(need: "loneliness", importance: NumberInput("8"),
                                                                                status: "partly_achieved", outcome: "Walks most weeks"), lw)
        _ = try await s.casework.updateActionPlan(id, action: join.id, PlanActionPlanInput(goalId: walk.id.rawValue, status: "in_progress",
                                                                                         confidence: NumberInput("6"), reviewDate: "2027-02-01"), lw)
        let after = try await s.casework.updateActionPlan(id, action: phone.id, PlanActionPlanInput(status: "declined"), lw)

        let stored = try #require(try await s.store.loadCase(id))
        #expect(stored.plan?.whatMatters == "Getting out of the house" && stored.plan?.strengths == "Determined; good with her hands")
        #expect(stored.plan?.reviewDate == CalendarDate("2027-04-15"))
        let goal = try #require(stored.goals.first { $0.id == walk.id })
        #expect(goal.need == "loneliness" && goal.importance == 8 && goal.status == .partlyAchieved && goal.outcome == "Walks most weeks")
        #expect(goal.updatedAt != nil && goal.description == "Walk to the park weekly" && stored.goals.count == 2, "an update replaces, never adds")
        let other = try #require(stored.goals.first { $0.id != walk.id })
        #expect(other.need == nil && other.importance == nil && other.status == nil && other.outcome == nil)
        let action = try #require(stored.actions.first { $0.id == join.id })
        #expect(action.goalID == walk.id && action.status == .inProgress && action.confidence == 6 && action.reviewDate == CalendarDate("2027-02-01"))
        #expect(action.owner == "Margaret" && action.due == CalendarDate("2027-03-01") && action.doneAt == nil && action.updatedAt != nil)
        let declined = try #require(stored.actions.first { $0.id == phone.id })
        #expect(declined.status == .declined && declined.goalID == nil && declined.confidence == nil && declined.doneAt == nil)
        #expect(stored.actions.count == 2)
        #expect(stored.goals == after.goals && stored.actions == after.actions && stored.plan == after.plan)

        // Status "done" marks the action done; another status takes it back; "Mark done" sets the status too.
        let done = try await s.casework.updateActionPlan(id, action: join.id, PlanActionPlanInput(goalId: walk.id.rawValue, status: "done"), lw)
        #expect(done.actions.first { $0.id == join.id }?.doneAt != nil)
        let undone = try await s.casework.updateActionPlan(id, action: join.id, PlanActionPlanInput(status: "in_progress"), lw)
        #expect(undone.actions.first { $0.id == join.id }?.doneAt == nil)
        let marked = try await s.casework.act(on: id, lw) { [env = s.casework.env] in try $0.completeAction(join.id, by: lw.principal, env: env) }
        #expect(marked.actions.first { $0.id == join.id }?.status == .done)
        #expect(try await s.store.loadCase(id)?.actions.first { $0.id == join.id }?.status == .done)

        // Agreeing the plan again keeps the strengths unless they are given.
        let again = try await s.casework.act(on: id, lw) { [env = s.casework.env] in
            try $0.agreePlan(PlanInput(whatMatters: "Getting out more", goals: []), by: lw.principal, env: env)
        }
        #expect(again.plan?.strengths == "Determined; good with her hands")
        #expect(try await s.store.loadCase(id)?.plan?.strengths == "Determined; good with her hands")
        try await s.store.shutdown()
    }

    @Test("The plan through the API: bad values are 422 naming the field and store nothing; roles are checked", arguments: TestBackend.available)
    func api(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (id, planned) = try await Self.planned(s)
        let goal = planned.goals[0], action = planned.actions[0]
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let goalPath = "/api/v1/referrals/\(id)/goals/\(goal.id)"
            for (body, field) in [(#"{"need":"dragons"}"#, "need"), (#"{"need":"urn:linkwell:codesystem:needs|dragons"}"#, "need"),
                                  (#"{"importance":11}"#, "importance"), (#"{"importance":0}"#, "importance"),
                                  (#"{"importance":"high"}"#, "importance"), (#"{"importance":7.5}"#, "importance"),
                                  (#"{"status":"maybe"}"#, "status"), ("{\"outcome\":\"\(String(repeating: "x", count: 2001))\"}", "outcome")] {
                let problem = try await api.call(.put, goalPath, as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect(Self.names(problem, field), "\(body.prefix(60)): \(problem)")
            }
            let actionPath = "/api/v1/referrals/\(id)/plan-actions/\(action.id)"
            for (body, field) in [(#"{"goalId":"nope"}"#, "goalId"), (#"{"status":"finished"}"#, "status"), (#"{"support":"juggling"}"#, "support"),
                                  (#"{"support":"urn:linkwell:codesystem:support_offered|juggling"}"#, "support"),
                                  (#"{"confidence":0}"#, "confidence"), (#"{"confidence":"11"}"#, "confidence"),
                                  (#"{"reviewDate":"2027-02-30"}"#, "reviewDate"), (#"{"reviewDate":"15/04/2027"}"#, "reviewDate")] {
                let problem = try await api.call(.put, actionPath, as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect(Self.names(problem, field), "\(body): \(problem)")
            }
            let unchanged = try #require(try await s.store.loadCase(id))
            #expect(unchanged.goals == planned.goals && unchanged.actions == planned.actions, "bad input changes nothing")

            for user in [s.referrer, s.provider, s.commissioner, s.admin] {
                try await api.call(.put, goalPath, as: user, json: #"{"importance":5}"#, expect: .forbidden)
                try await api.call(.put, actionPath, as: user, json: #"{"confidence":5}"#, expect: .forbidden)
            }
            try await api.call(.put, goalPath, as: s.otherLinkWorker, json: #"{"importance":5}"#, expect: .notFound)
            try await api.call(.put, "/api/v1/referrals/\(id)/goals/unknown", as: s.linkWorker, json: #"{"importance":5}"#, expect: .notFound)
            try await api.call(.put, "/api/v1/referrals/\(id)/plan-actions/unknown", as: s.linkWorker, json: #"{"confidence":5}"#, expect: .notFound)
            #expect(try await s.store.loadCase(id)?.goals == planned.goals)

            let updated = try await api.call(.put, goalPath, as: s.linkWorker,
                                             json: #"{"need":"urn:linkwell:codesystem:needs|loneliness","importance":"9","status":"achieved","outcome":"Walks weekly"}"#,
                                             expect: .ok)
            let goals = try #require(updated["goals"] as? [[String: Any]])
            let g = try #require(goals.first { $0["id"] as? String == goal.id.rawValue })
            #expect(g["need"] as? String == "loneliness" && g["importance"] as? Int == 9 && g["status"] as? String == "achieved"
                    && g["outcome"] as? String == "Walks weekly")
            let act = try await api.call(.put, actionPath, as: s.supervisor,
                                         json: "{\"goalId\":\"\(goal.id)\",\"status\":\"in_progress\",\"confidence\":7,\"reviewDate\":\"2027-05-01\",\"support\":\"urn:linkwell:codesystem:support_offered|physical_activity\"}", expect: .ok)
            let a = try #require((act["actions"] as? [[String: Any]])?.first { $0["id"] as? String == action.id })
            #expect(a["goalID"] as? String == goal.id.rawValue && a["status"] as? String == "in_progress" && a["confidence"] as? Int == 7
                    && a["reviewDate"] as? String == "2027-05-01" && a["support"] as? String == "physical_activity")

            // The message back carries the plan: goals with need, importance, status, outcome, and their actions.
            try await api.call(.post, "/api/v1/referrals/\(id)/risks", as: s.linkWorker, json: #"{"risk":"no_known_risks"}"#, expect: .ok)
            let doc = try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.linkWorker, expect: .ok)
            let plan = try #require(doc["carePlan"] as? [String: Any])
            #expect(plan["strengths"] as? String == "Determined; good with her hands" && plan["reviewDate"] as? String == "2027-04-15")
            let docGoals = try #require(plan["goals"] as? [[String: Any]])
            let walk = try #require(docGoals.first { $0["description"] as? String == "Walk to the park weekly" })
            #expect((walk["need"] as? [String: Any])?["code"] as? String == "loneliness" && walk["importance"] as? Int == 9)
            #expect((walk["status"] as? [String: Any])?["code"] as? String == "achieved" && walk["outcome"] as? String == "Walks weekly")
            let walkActions = try #require(walk["actions"] as? [[String: Any]])
            #expect(walkActions.count == 1 && walkActions[0]["what"] as? String == "Join Riverside Walkers" && walkActions[0]["who"] as? String == "Margaret"
                    && walkActions[0]["when"] as? String == "2027-03-01" && walkActions[0]["confidence"] as? Int == 7
                    && walkActions[0]["reviewDate"] as? String == "2027-05-01"
                    && (walkActions[0]["status"] as? [String: Any])?["code"] as? String == "in_progress"
                    && (walkActions[0]["support"] as? [String: Any])?["display"] as? String == "Physical activity")
            let meet = try #require(docGoals.first { $0["description"] as? String == "Meet new people" })
            #expect(meet["importance"] == nil && meet["need"] == nil && meet["status"] == nil && meet["actions"] == nil, "empty items are left out")
            let others = try #require(plan["otherActions"] as? [[String: Any]])
            #expect(others.compactMap { $0["what"] as? String } == ["Phone the befriending line"])
            #expect(others.first?["who"] as? String == "The person" && (others.first?["status"] as? [String: Any])?["code"] as? String == "not_started")
        }
    }

    @Test("The case page records the plan details; the letter and the FHIR Composition carry them", arguments: TestBackend.available)
    func pagesAndFHIR(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (id, planned) = try await Self.planned(s)
        let goal = planned.goals[0], action = planned.actions[0]
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "no_known_risks"), s.request(s.linkWorker))
        try await withRouter(s) { client in
            let worker = WebPagesTests.Browser(client)
            _ = try await worker.signIn(s.linkWorker.email)
            let (page, html) = try await worker.go(.get, "/referrals/\(id)")
            #expect(page.status == .ok && html.contains("Determined; good with her hands"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            #expect(html.contains("/referrals/\(id)/goals/\(goal.id)/plan") && html.contains("/referrals/\(id)/plan-actions/\(action.id)/plan"))
            // A bad value is a form error; nothing stored.
            let (bad, badHTML) = try await worker.go(.post, "/referrals/\(id)/goals/\(goal.id)/plan",
                                                     form: ["_csrf": csrf, "need": "loneliness", "importance": "eleven", "status": "", "outcome": ""])
            #expect(bad.status == .unprocessableContent && badHTML.contains("must be a whole number from 1 to 10"))
            #expect(try await s.store.loadCase(id)?.goals.first { $0.id == goal.id }?.need == nil)
            let (ok, _) = try await worker.go(.post, "/referrals/\(id)/goals/\(goal.id)/plan",
                                              form: ["_csrf": csrf, "need": "loneliness", "importance": "8", "status": "in_progress", "outcome": "Out twice"])
            #expect(ok.status == .seeOther || ok.status == .found)
            let (okAction, _) = try await worker.go(.post, "/referrals/\(id)/plan-actions/\(action.id)/plan",
                                                    form: ["_csrf": csrf, "goalId": goal.id.rawValue, "status": "in_progress", "confidence": "6", "reviewDate": "2027-02-01",
                                                           "support": "arts_and_creativity"])
            #expect(okAction.status == .seeOther || okAction.status == .found)
            let (_, after) = try await worker.go(.get, "/referrals/\(id)")
            #expect(after.contains("Need: Loneliness or isolation · Importance 8/10 · In progress · Outcome: Out twice"))
            #expect(after.contains("For: Walk to the park weekly · Arts and creative activities · In progress · Confidence 6/10 · Review 2027-02-01"))
            let (letter, letterHTML) = try await worker.go(.get, "/referrals/\(id)/message-back")
            #expect(letter.status == .ok && letterHTML.contains("Care and support plan"))
            #expect(letterHTML.contains("Goal: Walk to the park weekly (need: Loneliness or isolation; importance 8/10)"))
            #expect(letterHTML.contains("Action towards it: Join Riverside Walkers (Arts and creative activities) — Margaret, by 2027-03-01; in progress; confidence 6/10; review 2027-02-01"))
            #expect(letterHTML.contains("Outcome: In progress — Out twice"))
            // (Inside: `withRouter` shuts the store down when it ends.)
            let stored = try #require(try await s.store.loadCase(id))
            let doc = try MessageBackDocument.build(from: stored, MessageBackContext(
                schemeName: "Scheme", authorName: "LW", referrer: s.referrer, referrerOrganisation: try await s.store.organisation(id: s.referrer.organisationID!),
                gpPractice: try await s.store.organisation(id: s.referrer.organisationID!), now: s.clock.now))
            let sections = FHIRMapping.messageBackSections(doc, observations: [])
            let plan = try #require(sections.last)
            #expect(plan.code == "care-and-support-plan" && plan.lines.contains("Strengths: Determined; good with her hands"))
            #expect(plan.lines.contains("Action: Phone the befriending line — The person; not started"))
        }
    }
}
