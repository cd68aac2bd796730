import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

@Suite("Outcome scoring, pinned to hand-worked examples", .closesStores)
struct ScoringTests {
    let swemwbs = InstrumentRegistry.swemwbs
    let wemwbs = InstrumentRegistry.wemwbs
    let ons4 = InstrumentRegistry.ons4

    func answers(_ values: [Int]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: values.enumerated().map { ("item\($0.offset + 1)", $0.element) })
    }

    @Test("SWEMWBS raw totals convert to metric scores", arguments: [
        ([1, 1, 1, 1, 1, 1, 1], 7.00),    // raw 7
        ([2, 1, 1, 1, 1, 1, 1], 9.51),    // raw 8
        ([3, 3, 3, 3, 3, 3, 3], 19.25),   // raw 21
        ([5, 5, 5, 5, 5, 5, 5], 35.00),   // raw 35
        ([4, 4, 3, 3, 4, 3, 4], 22.35),   // raw 25
    ])
    func swemwbsConversion(values: [Int], metric: Double) throws {
        #expect(swemwbs.score(answers(values))["metric"] == metric)
    }

    @Test func conversionTableMatchesTheSharedData() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/swemwbs-conversion.csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }  // only where shared/ sits beside the checkout
        let rows = text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",") }
        #expect(rows.count == 29)
        for row in rows { #expect(InstrumentRegistry.swemwbsConversion[String(row[0])] == Double(row[1])) }
    }

    @Test func incompleteSWEMWBSIsStoredButNotScored() {
        var partial = answers([5, 5, 5, 5, 5, 5, 5])
        partial["item7"] = nil
        #expect(swemwbs.score(partial).isEmpty)
        #expect(!swemwbs.isComplete(partial))
    }

    @Test func wemwbsSumsFourteenItems() {
        #expect(wemwbs.score(answers(Array(repeating: 1, count: 14)))["total"] == 14)
        #expect(wemwbs.score(answers(Array(repeating: 5, count: 14)))["total"] == 70)
        #expect(wemwbs.score(answers([3, 4, 2, 5, 3, 3, 4, 4, 2, 3, 3, 4, 5, 1]))["total"] == 46)
        #expect(wemwbs.score(answers(Array(repeating: 3, count: 13))).isEmpty)
    }

    @Test func ons4ItemsAreReportedSeparatelyAndPartialFormsScoreWhatWasAnswered() {
        let scores = ons4.score(["life_satisfaction": 6, "anxiety": 7])
        #expect(scores == ["life_satisfaction": 6, "anxiety": 7])
        let anxiety = ons4.scores.first { $0.id == "anxiety" }!
        let life = ons4.scores.first { $0.id == "life_satisfaction" }!
        #expect(life.band(for: 4) == "Low" && life.band(for: 5) == "Medium" && life.band(for: 8) == "High" && life.band(for: 9) == "Very high")
        #expect(anxiety.band(for: 1) == "Very low" && anxiety.band(for: 3) == "Low" && anxiety.band(for: 5) == "Medium" && anxiety.band(for: 6) == "High")
    }

    @Test func meaningfulChangeRespectsDirection() {
        #expect(ons4.verdict(score: "life_satisfaction", from: 4, to: 6) == .improved)
        #expect(ons4.verdict(score: "life_satisfaction", from: 4, to: 5) == .noMeaningfulChange)
        #expect(ons4.verdict(score: "anxiety", from: 7, to: 4) == .improved, "less anxiety is better")
        #expect(ons4.verdict(score: "anxiety", from: 3, to: 6) == .worsened)
        #expect(swemwbs.verdict(score: "metric", from: 19.25, to: 22.35) == .improved)
    }

    @Test func outOfRangeAnswersAreNamed() {
        #expect(throws: LinkwellError.invalid([FieldError("answers.item1", "Answers to 'item1' must be from 1 to 5; got 6."),
                                               FieldError("answers.item9", "SWEMWBS (Short Warwick-Edinburgh Mental Wellbeing Scale) has no item 'item9'.")])) {
            try swemwbs.validate(answers: ["item1": 6, "item9": 3])
        }
    }

    @Test func customDefinitionsAreChecked() throws {
        var custom = Instrument(id: "confidence", name: "Confidence", instructions: "",
                                items: [.init(id: "q1", text: "How confident do you feel?", min: 1, max: 5)],
                                scores: [.init(id: "total", label: "Total", method: .sum, items: ["q1", "q2"], requireComplete: true, meaningfulChange: 1)],
                                licence: .init(terms: "Ours", copyright: "", wordingRequiresLicence: false))
        #expect(throws: LinkwellError.self) { try custom.validateDefinition() }
        custom.scores[0].items = ["q1"]
        try custom.validateDefinition()
    }

    @Test func goalAttainmentComesFromThePlansRatings() throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        var c = try DomainTests.acceptedCase(clock: clock, by: lw)
        c = try c.recordContact(ContactInput(mode: "phone", durationMinutes: 20, successful: true, notes: ""), by: lw, env: clock.environment).applied(to: c)
        c = try c.agreePlan(PlanInput(whatMatters: "Friends", goals: ["Join a group", "Walk weekly"]), by: lw, env: clock.environment).applied(to: c)
        for (goal, rating) in [(0, 2), (1, 4), (0, 6), (1, 7)] {
            clock.advance(seconds: 86_400)
            c = try c.rateGoal(c.goals[goal].id, rating: rating, by: lw, env: clock.environment).applied(to: c)
        }
        let derived = GoalAttainment.administrations(of: c)
        // Means of the latest ratings after each rating: 2, (2+4)/2, (6+4)/2, (6+7)/2.
        #expect(derived.map { $0.scores["mean_rating"]! } == [2, 3, 5, 6.5])
        #expect(derived.map(\.timepoint) == [.baseline, .followUp, .followUp, .followUp])
        let trajectory = try #require(ScoreTrajectory.trajectories(InstrumentRegistry.goalAttainment, derived).first)
        #expect(trajectory.change == 4.5 && trajectory.verdict == .improved)
    }

    @Test func pairedStatisticsOnAHandWorkedExample() throws {
        // Changes 2, 3, 1, 4, 0: mean 2, SD √2.5, t = 2 / (√2.5/√5) = 2.828427…, df 4.
        let r = try #require(Statistics.paired(baseline: [10, 12, 9, 11, 14], followUp: [12, 15, 10, 15, 14]))
        #expect(abs(r.meanChange - 2) < 1e-12 && abs(r.sdChange - 2.5.squareRoot()) < 1e-12)
        #expect(abs(r.t - 2.8284271247461903) < 1e-12)
        #expect(abs(r.p - 0.04742065558431961) < 1e-10)         // scipy.stats.ttest_rel
        #expect(abs(Statistics.studentTQuantile(0.975, df: 4) - 2.7764451051977934) < 1e-9)
        #expect(abs(r.cohenDz - 2 / 2.5.squareRoot()) < 1e-12)
    }

    @Test func cohortsSuppressSmallGroupsAndStateLossToFollowUp() {
        var subjects: [CohortSubject] = []
        for i in 0..<14 {
            let group = i < 11 ? "Carers" : "Mental health"
            let followUp: Double? = i % 7 == 6 ? nil : Double(5 + i % 4)
            subjects.append(CohortSubject(referralID: ReferralID("r\(i)"), groups: [group], baseline: Double(3 + i % 3), followUp: followUp))
        }
        let rows = CohortAnalysis.analyse(subjects, instrument: ons4, scoreID: "life_satisfaction", minimumN: 10)
        #expect(rows.map { (row: CohortRow) in row.group } == ["All", "Carers", "Mental health"])
        #expect(rows[0].paired == 12 && rows[0].lostToFollowUp == 2 && !rows[0].suppressed && rows[0].result != nil)
        #expect(rows[2].suppressed && rows[2].result == nil && rows[2].shareImproved == nil && rows[2].withBaseline == 3)
        let shares = [rows[0].shareImproved, rows[0].shareNoMeaningfulChange, rows[0].shareWorsened].compactMap { $0 }
        #expect(abs(shares.reduce(0, +) - 1) < 1e-12)
    }
}

@Suite("Outcomes through the API", .closesStores)
struct OutcomeAPITests {
    @Test("Baseline, follow-up, change and cohort on every backend", arguments: TestBackend.available)
    func recordAndReport(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        _ = try await s.casework.accept(id, lw)
        let token = try await s.token(for: s.linkWorker)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            func post(_ uri: String, _ body: String, _ user: User = s.linkWorker) async throws -> TestResponse {
                try await api.send(.post, uri, as: user, json: body).0
            }
            let ons = #"{"instrumentId":"ons4","timepoint":"baseline","answers":{"life_satisfaction":3,"worthwhile":4,"happiness":3,"anxiety":8}}"#
            // Not yet engaged: refused, nothing stored.
            #expect(try await post("/api/v1/referrals/\(id)/administrations", ons).status == .conflict)
            try await s.casework.act(on: id, lw) { [env = s.env] in
                try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 30, successful: true, notes: ""), by: lw.principal, env: env)
            }
            // A follow-up before any baseline, out-of-range answers, an unlicensed instrument.
            #expect(try await post("/api/v1/referrals/\(id)/administrations", ons.replacingOccurrences(of: "baseline", with: "follow_up")).status == .conflict)
            #expect(try await post("/api/v1/referrals/\(id)/administrations", ons.replacingOccurrences(of: "\"anxiety\":8", with: "\"anxiety\":11")).status == .unprocessableContent)
            let swem = #"{"instrumentId":"swemwbs","timepoint":"baseline","answers":{"item1":3,"item2":3,"item3":3,"item4":3,"item5":3,"item6":3,"item7":3}}"#
            let unlicensed = try await post("/api/v1/referrals/\(id)/administrations", swem)
            #expect(unlicensed.status == .unprocessableContent && String(buffer: unlicensed.body).contains("licence"))
            #expect(try await s.store.administrations(referralID: id).isEmpty)

            #expect(try await post("/api/v1/referrals/\(id)/administrations", ons).status == .created)
            #expect(try await post("/api/v1/referrals/\(id)/administrations", ons).status == .conflict, "one baseline only")
            s.clock.advance(seconds: 84 * 86_400)
            let follow = ons.replacingOccurrences(of: "baseline", with: "follow_up").replacingOccurrences(of: "\"life_satisfaction\":3", with: "\"life_satisfaction\":7")
            #expect(try await post("/api/v1/referrals/\(id)/administrations", follow).status == .created)

            // Licensing SWEMWBS: wording for every item and an acknowledgement.
            #expect(try await post("/api/v1/instruments/swemwbs/licence", #"{"acknowledged":true,"wording":{"item1":"x"}}"#, s.admin).status == .unprocessableContent)
            let wording = (1...7).map { "\"item\($0)\":\"Licensed wording \($0)\"" }.joined(separator: ",")
            #expect(try await post("/api/v1/instruments/swemwbs/licence", #"{"acknowledged":true,"wording":{\#(wording)}}"#).status == .forbidden)
            #expect(try await post("/api/v1/instruments/swemwbs/licence", #"{"acknowledged":true,"wording":{\#(wording)}}"#, s.admin).status == .ok)
            #expect(try await post("/api/v1/referrals/\(id)/administrations", swem).status == .created)
            let partial = swem.replacingOccurrences(of: ",\"item7\":3", with: "").replacingOccurrences(of: "baseline", with: "follow_up")
            #expect(try await post("/api/v1/referrals/\(id)/administrations", partial).status == .created)

            let outcomes = try await client.execute(uri: "/api/v1/referrals/\(id)/outcomes", method: .get, headers: [.authorization: "Bearer \(token)"])
            let body = try JSONSerialization.jsonObject(with: Data(String(buffer: outcomes.body).utf8)) as! [String: Any]
            let trajectories = body["trajectories"] as! [[String: Any]]
            let life = trajectories.first { $0["scoreID"] as? String == "life_satisfaction" }!
            #expect(life["change"] as? Double == 4 && life["verdict"] as? String == "improved")
            let metric = trajectories.first { $0["scoreID"] as? String == "metric" }!
            #expect((metric["points"] as! [Any]).count == 1, "the incomplete SWEMWBS follow-up is stored but not scored")
            let stored = try await s.store.administrations(referralID: id)
            #expect(stored.count == 4 && stored.last?.complete == false && stored.last?.scores.isEmpty == true)

            // One person is below any sensible minimum n: the cohort row is suppressed, but counts are stated.
            let supervisor = try await s.token(for: s.supervisor)
            let cohort = try await client.execute(uri: "/api/v1/outcomes/cohorts?instrument=ons4&score=life_satisfaction&by=pathway",
                                                  method: .get, headers: [.authorization: "Bearer \(supervisor)"])
            let report = try JSONSerialization.jsonObject(with: Data(String(buffer: cohort.body).utf8)) as! [String: Any]
            let rows = report["rows"] as! [[String: Any]]
            #expect(rows.first?["paired"] as? Int == 1 && rows.first?["suppressed"] as? Bool == true && rows.first?["result"] == nil)
            let bad = try await client.execute(uri: "/api/v1/outcomes/cohorts?instrument=ons4&by=shoe_size", method: .get,
                                               headers: [.authorization: "Bearer \(supervisor)"])
            #expect(bad.status == .unprocessableContent)
            let denied = try await client.execute(uri: "/api/v1/outcomes/cohorts?instrument=ons4", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(denied.status == .forbidden)
        }
    }

    @Test("The evaluation export is pseudonymised and consent-limited")
    func evaluationExport() async throws {
        let s = try await TestScheme.make(.sqlite)
        let lw = s.request(s.linkWorker)
        var ids: [ReferralID] = []
        for (index, consent) in [true, false].enumerated() {
            var submission = TestScheme.submission(givenName: "Person\(index)")
            submission.consent?.purposes = consent ? ["evaluation", "share_with_providers"] : ["share_with_providers"]
            let id = try await s.engagedReferral(submission)
            _ = try await s.outcomes.record(id, .init(instrumentId: "ons4", timepoint: "baseline", answers: ["happiness": 5]), lw)
            ids.append(id)
        }
        let export = try await s.outcomes.evaluationExport(s.request(s.supervisor))
        #expect(export.rows.count == 1 && export.rows[0].pseudonym == "P00001" && export.rows[0].value == 5)
        #expect(!export.csv.contains("Person0") && !export.csv.contains("9434765919") && !export.csv.contains("LS1"))
        #expect(export.csv.hasPrefix("pseudonym,ageBand,sourceType,pathway,needs,instrument,timepoint,daysSinceReferral,complete,score,value\r\n"))
        #expect(export.dictionary.count == 11)
        await #expect(throws: LinkwellError.self) { try await s.outcomes.evaluationExport(lw) }
        try await s.store.shutdown()
    }
}

@Suite("Outcome due lists", .closesStores)
struct DueListTests {
    @Test func baselineThenFollowUpThenClosingFallDue() async throws {
        let s = try await TestScheme.make(.memory)
        let lw = s.request(s.linkWorker)
        let outcomes = s.outcomes
        let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        _ = try await s.casework.accept(id, lw)
        #expect(try await outcomes.dueMeasures(lw).isEmpty, "nothing is due before the person is engaged")
        try await s.casework.act(on: id, lw) { [env = s.env] in
            try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 30, successful: true, notes: ""), by: lw.principal, env: env)
        }
        #expect(try await outcomes.dueMeasures(lw).map(\.timepoint) == [.baseline])
        s.clock.advance(seconds: 15 * 86_400)
        #expect(try await outcomes.dueMeasures(lw).first?.overdue == true)
        _ = try await outcomes.record(id, .init(instrumentId: "ons4", timepoint: "baseline", answers: ["happiness": 4]), lw)
        #expect(try await outcomes.dueMeasures(lw).isEmpty)
        s.clock.advance(seconds: 71 * 86_400)  // 10 weeks + 1 day: inside the two-week window before 12 weeks
        #expect(try await outcomes.dueMeasures(lw).map(\.timepoint) == [.followUp])
        #expect(try await outcomes.dueMeasures(s.request(s.otherLinkWorker)).isEmpty, "another caseload")
        try await s.casework.act(on: id, lw) { [env = s.env] in
            try $0.agreePlan(PlanInput(whatMatters: "x", goals: []), by: lw.principal, env: env)
        }
        _ = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, lw)
        try await s.casework.act(on: id, lw) { [env = s.env] in try $0.end(as: .review, note: nil, by: lw.principal, env: env) }
        #expect(try await outcomes.dueMeasures(lw).map(\.timepoint) == [.closing])
        _ = try await outcomes.record(id, .init(instrumentId: "ons4", timepoint: "closing", answers: ["happiness": 7]), lw)
        #expect(try await outcomes.dueMeasures(lw).isEmpty)
        try await s.store.shutdown()
    }
}
