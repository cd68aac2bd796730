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
        let refused = #expect(throws: LinkwellError.self) { try swemwbs.validate(answers: ["item1": 6, "item9": 3]) }
        #expect(refused?.fieldMessages == ["answers.item1: Answers to 'item1' must be from 1 to 5; got 6.",
                                           "answers.item9: SWEMWBS (Short Warwick-Edinburgh Mental Wellbeing Scale) has no item 'item9'."])
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
        // Each goal counts from its own first rating (goal 0: 2, goal 1: 4), so the baseline is (2+4)/2 = 3, not the
        // 2 rated at the first moment. Then: goal 1 first rated (still 3), goal 0 → 6: (6+4)/2, goal 1 → 7: (6+7)/2.
        #expect(derived.map { $0.scores["mean_rating"]! } == [3, 3, 5, 6.5])
        #expect(derived.map(\.timepoint) == [.baseline, .followUp, .followUp, .followUp])
        let trajectory = try #require(ScoreTrajectory.trajectories(InstrumentRegistry.goalAttainment, derived).first)
        // The mean of the goals' own changes: ((6 − 2) + (7 − 4)) / 2 = 3.5 (the first-instant baseline gave 4.5).
        #expect(trajectory.change == 3.5 && trajectory.verdict == .improved)
    }

    @Test func aGoalAddedLaterStartsFromItsOwnFirstRating() throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        var c = try DomainTests.acceptedCase(clock: clock, by: lw)
        c = try c.recordContact(ContactInput(mode: "phone", durationMinutes: 20, successful: true, notes: ""), by: lw, env: clock.environment).applied(to: c)
        c = try c.agreePlan(PlanInput(whatMatters: "Friends", goals: ["Join a group", "Walk weekly", "Sort out the bills"]), by: lw, env: clock.environment).applied(to: c)
        // Day 1: goal A rated 3. Day 2: goal B, added to the work later, first rated 8. Day 3: A → 6 and B → 9 together.
        // Day 4: goal C first rated 2 and never again; it adds no change.
        for step in [[(0, 3)], [(1, 8)], [(0, 6), (1, 9)], [(2, 2)]] {
            clock.advance(seconds: 86_400)
            for (goal, rating) in step { c = try c.rateGoal(c.goals[goal].id, rating: rating, by: lw, env: clock.environment).applied(to: c) }
        }
        let derived = GoalAttainment.administrations(of: c)
        // Baseline: the first ratings of A, B and C, (3 + 8 + 2) / 3 = 13/3. Day 2: A 3, B 8, C 2 = 13/3 (B's first rating
        // is its baseline, not progress). Day 3: (6 + 9 + 2) / 3 = 17/3. Day 4: unchanged, 17/3.
        let values = derived.map { $0.scores["mean_rating"]! }
        #expect(values.count == 4)
        for (value, expected) in zip(values, [13.0 / 3, 13.0 / 3, 17.0 / 3, 17.0 / 3]) { #expect(abs(value - expected) < 1e-12) }
        let trajectory = try #require(ScoreTrajectory.trajectories(InstrumentRegistry.goalAttainment, derived).first)
        // Change = mean of the goals' own changes: (3 + 1 + 0) / 3 = 4/3, below the 2-point threshold. Taking the first
        // instant as baseline would have said 17/3 − 3 = 2.67, a "meaningful improvement" that never happened.
        #expect(abs(trajectory.change! - 4.0 / 3) < 1e-12 && trajectory.verdict == .noMeaningfulChange)
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
        for i in 0..<40 {
            let group = i < 33 ? "Carers" : "Mental health"
            let followUp: Double? = i % 7 == 6 ? nil : Double(5 + i % 4)
            subjects.append(CohortSubject(referralID: ReferralID("r\(i)"), groups: [group], baseline: Double(3 + i % 3), followUp: followUp))
        }
        let control = DisclosureControl(minimumGroupSize: 10, secret: Array(repeating: 3, count: 32))
        let rows = CohortAnalysis.analyse(subjects, instrument: ons4, scoreID: "life_satisfaction", control: control)
        #expect(rows.map { (row: CohortRow) in row.group } == ["All", "Carers", "Mental health"])
        // 35 paired, 5 lost: the paired count is published (adjusted, rounded); 5 lost is [c].
        #expect(rows[0].paired.map { abs($0 - 35) <= 5 && $0 % 5 == 0 } == true && rows[0].lostToFollowUp == nil)
        #expect(!rows[0].suppressed && rows[0].result != nil)
        // 7 people: suppressed, and no exact count of any kind is shown for them.
        #expect(rows[2].suppressed && rows[2].result == nil && rows[2].shareImproved == nil && rows[2].withBaseline == nil && rows[2].paired == nil)
        // Shares are protected counts over the published paired count: every shown share is at least 10/paired.
        let shown = Double(rows[0].paired!)
        for share in [rows[0].shareImproved, rows[0].shareNoMeaningfulChange, rows[0].shareWorsened].compactMap({ $0 }) {
            #expect(share >= (10 / shown * 100).rounded() / 100 - 1e-9)
        }
        // Published results are rounded: means to 0.1.
        let result = rows[0].result!
        #expect((result.meanChange * 10).rounded() == result.meanChange * 10 && result.dzMethod.contains("noncentral t"))
        // t, p and the intervals are worked out from the smallest count the published paired count stands for.
        #expect(result.n == control.smallestCount(behind: rows[0].paired!) && result.n <= 35)
    }

    @Test func cohortStatisticsComeFromAdjustedAnswersOnly() throws {
        let control = DisclosureControl(minimumGroupSize: 10, secret: Array(repeating: 7, count: 32))
        let range = try #require(ons4.range(of: "life_satisfaction"))
        #expect(range == 0...10)
        // Each answer is moved by a fixed amount of at most 15% of the range, the same every time, kept inside the range.
        var moved = 0
        for value in 0...10 {
            for key in ["a", "b", "c", "d"] {
                let adjusted = control.adjustedAnswer(Double(value), key: key, range: range)
                #expect(abs(adjusted - Double(value)) <= 1.5 + 1e-12 && range.contains(adjusted))
                #expect(adjusted == control.adjustedAnswer(Double(value), key: key, range: range))
                if abs(adjusted - Double(value)) > 0.01 { moved += 1 }
            }
        }
        #expect(moved > 30, "answers are really moved")
        #expect(swemwbs.range(of: "metric") == 7...35 && swemwbs.range(of: "raw_total") == 7...35)
        #expect(InstrumentRegistry.goalAttainment.range(of: "mean_rating") == 1...10)

        // One more follow-up: the published means move by the adjusted answer over n, never by the answer itself.
        func subjects(_ n: Int) -> [CohortSubject] {
            (0..<n).map { (i: Int) -> CohortSubject in
                let baseline = Double(2 + i % 5), followUp = Double(4 + i % 6)
                return CohortSubject(referralID: ReferralID("r\(i)"), groups: [], baseline: baseline, followUp: followUp)
            }
        }
        let before = try #require(CohortAnalysis.analyse(subjects(30), instrument: ons4, scoreID: "life_satisfaction", control: control)[0].result)
        let after = try #require(CohortAnalysis.analyse(subjects(31), instrument: ons4, scoreID: "life_satisfaction", control: control)[0].result)
        let plain = try #require(Statistics.paired(baseline: subjects(30).map(\.baseline), followUp: subjects(30).map { $0.followUp! }))
        let rounded = plain.published
        #expect([before.meanFollowUp, before.meanBaseline, before.sdChange] != [rounded.meanFollowUp, rounded.meanBaseline, rounded.sdChange],
                "statistics are not those of the raw answers")
        #expect(before == CohortAnalysis.analyse(Array(subjects(30).reversed()), instrument: ons4, scoreID: "life_satisfaction", control: control)[0].result,
                "the same people give the same figures however they are listed")
        #expect(after.n >= 10 && before.n >= 10)
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
            // Why, as a code naming the instrument (issue #17), beside Core's English.
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: unlicensed.body).utf8)) as? [String: Any])
            let reason = try #require((problem["errors"] as? [[String: Any]])?.first)
            #expect(reason["code"] as? String == "instrumentNeedsLicence" && reason["field"] as? String == "instrumentId", "\(reason)")
            #expect((reason["values"] as? [String: String])?["instrument"]?.hasPrefix("SWEMWBS") == true)
            // A follow-up before a baseline: the conflict's code, and the timepoint as its code.
            let early = try await api.send(.post, "/api/v1/referrals/\(id)/administrations", as: s.linkWorker, json: ons.replacingOccurrences(of: "baseline", with: "follow_up")).1
            let conflict = try #require(try JSONSerialization.jsonObject(with: Data(early.utf8)) as? [String: Any])
            #expect(conflict["code"] as? String == "measureNeedsBaseline" && conflict["values"] as? [String: String] == ["timepoint": "follow_up"], "\(conflict)")
            #expect(conflict["detail"] as? String == "A follow-up measure needs a baseline first.")
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
            // The raw total (7 × 3 = 21) beside the metric score (19.25), each with no invented norm.
            let raw = try #require(trajectories.first { $0["scoreID"] as? String == "raw_total" })
            #expect((raw["points"] as! [[String: Any]]).map { $0["value"] as? Double } == [21] && (metric["points"] as! [[String: Any]]).first?["value"] as? Double == 19.25)
            let worker = WebPagesTests.Browser(client)
            _ = try await worker.signIn(s.linkWorker.email)
            let (_, page) = try await worker.go(.get, "/referrals/\(id)")
            #expect(page.contains("Raw total (SWEMWBS raw total (7–35)): Baseline 21.") && page.contains("No published norm cited."))
            let stored = try await s.store.administrations(referralID: id)
            #expect(stored.count == 4 && stored.last?.complete == false && stored.last?.scores.isEmpty == true)

            // One person is below the minimum group size: the row is suppressed and no count is stated ([c] is null).
            let supervisor = try await s.token(for: s.supervisor)
            let cohort = try await client.execute(uri: "/api/v1/outcomes/cohorts?instrument=ons4&score=life_satisfaction&by=pathway",
                                                  method: .get, headers: [.authorization: "Bearer \(supervisor)"])
            let report = try JSONSerialization.jsonObject(with: Data(String(buffer: cohort.body).utf8)) as! [String: Any]
            let rows = report["rows"] as! [[String: Any]]
            #expect(rows.first?["paired"] == nil && rows.first?["suppressed"] as? Bool == true && rows.first?["result"] == nil)
            #expect(report["minimumN"] as? Int == 10 && (report["caveats"] as? [String])?.first?.contains("Regression to the mean") == true)
            let bad = try await client.execute(uri: "/api/v1/outcomes/cohorts?instrument=ons4&by=shoe_size", method: .get,
                                               headers: [.authorization: "Bearer \(supervisor)"])
            #expect(bad.status == .unprocessableContent)
            let denied = try await client.execute(uri: "/api/v1/outcomes/cohorts?instrument=ons4", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(denied.status == .forbidden)
        }
    }

    @Test("A cohort report says who is in it and what it compares", arguments: TestBackend.available)
    func cohortReportStatesWhoIsIn(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        let full = ["life_satisfaction": 4, "worthwhile": 5, "happiness": 4, "anxiety": 6]
        var noLife = full
        noLife["life_satisfaction"] = nil
        func person(_ pathway: String, evaluation: Bool) async throws -> ReferralID {
            var submission = TestScheme.submission(nhsNumber: nil)
            submission.pathway = pathway
            if !evaluation { submission.consent?.purposes = ["share_with_providers", "share_with_referrer"] }
            return try await s.engagedReferral(submission)
        }
        func measure(_ id: ReferralID, _ timepoint: String, _ answers: [String: Int]) async throws {
            _ = try await s.outcomes.record(id, .init(instrumentId: "ons4", timepoint: timepoint, answers: answers), lw)
        }
        // 12 + 12 consenting people paired at 12 weeks (the mental health ones also sent a half-filled second
        // follow-up); 12 carers who did not consent to evaluation; 10 whose baseline left out life satisfaction.
        var mentalHealth: [ReferralID] = [], longTerm: [ReferralID] = [], carers: [ReferralID] = []
        for _ in 0..<12 {
            mentalHealth.append(try await person("mental health", evaluation: true))
            longTerm.append(try await person("long-term conditions", evaluation: true))
            carers.append(try await person("carers", evaluation: false))
        }
        for id in mentalHealth + longTerm + carers { try await measure(id, "baseline", full) }
        for _ in 0..<10 { try await measure(try await person("mental health", evaluation: true), "baseline", noLife) }
        s.clock.advance(seconds: 84 * 86_400)
        for (i, id) in (mentalHealth + longTerm + carers).enumerated() {
            var later = full
            later["life_satisfaction"] = 4 + i % 5
            try await measure(id, "follow_up", later)
        }
        s.clock.advance(seconds: 86_400)
        for id in mentalHealth { try await measure(id, "follow_up", noLife) }

        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let report = try await api.call(.get, "/api/v1/outcomes/cohorts?instrument=ons4&score=life_satisfaction&by=pathway&follow_up=12_week",
                                            as: s.commissioner, expect: .ok)
            let rows = try #require(report["rows"] as? [[String: Any]])
            // Only people whose consent covers evaluation: the 12 carers are in no row at all.
            #expect(rows.map { $0["group"] as? String } == ["All", "long-term conditions", "mental health"])
            #expect(rows.allSatisfy { $0["result"] != nil }, "24 paired people, 12 in each pathway")
            #expect((report["included"] as? String)?.contains("consent covers evaluation") == true)
            // The follow-up is named in the API as on the page.
            #expect(report["followUp"] as? String == "12_week" && report["followUpLabel"] as? String == "the 12-week follow-up")
            // Incomplete baselines (10) and incomplete follow-ups (12) are counted apart, through disclosure control.
            let incompleteBaselines = try #require(report["incompleteBaselines"] as? Int)
            let incompleteFollowUps = try #require(report["incompleteFollowUps"] as? Int)
            #expect(incompleteBaselines >= 10 && incompleteBaselines <= 15 && incompleteBaselines % 5 == 0)
            #expect(incompleteFollowUps >= 10 && incompleteFollowUps <= 20 && incompleteFollowUps % 5 == 0)
            // The threshold with its source; the caveats, with the multiplicity warning once several groups are shown.
            #expect(report["meaningfulChange"] as? Double == 2)
            #expect((report["meaningfulChangeSource"] as? String)?.contains("No validated threshold is published for the ONS4 items") == true)
            let caveats = try #require(report["caveats"] as? [String])
            #expect(caveats.contains { $0.hasPrefix("Regression to the mean") } && caveats.contains { $0.hasPrefix("No control group") })
            #expect(caveats.contains { $0.hasPrefix("Multiplicity: 3 groups are compared") })
            // The same as codes, for a page to word: the caveats, how many groups, and which groups are coded (the
            // pathways are the data's own names).
            #expect(report["caveatCodes"] as? [String] == ["regression_to_the_mean", "no_control_group", "multiplicity"] && report["groupsCompared"] as? Int == 3)
            #expect(rows.map { ($0["groupCode"] as? [String: Any])?["code"] as? String } == ["all", nil, nil])
            #expect(report["instrumentName"] as? String == "ONS4 personal wellbeing")
            let single = try await api.call(.get, "/api/v1/outcomes/cohorts?instrument=ons4&score=life_satisfaction&follow_up=12_week",
                                            as: s.commissioner, expect: .ok)
            #expect(!((single["caveats"] as? [String]) ?? []).contains { $0.hasPrefix("Multiplicity") }, "one group: no multiplicity warning")
            // No closing measures were taken: against the closing measure nobody is paired.
            let closing = try await api.call(.get, "/api/v1/outcomes/cohorts?instrument=ons4&score=life_satisfaction&follow_up=closing",
                                             as: s.commissioner, expect: .ok)
            #expect((closing["rows"] as? [[String: Any]])?.first?["result"] == nil && closing["followUp"] as? String == "closing")
            let bad = try await api.call(.get, "/api/v1/outcomes/cohorts?instrument=ons4&follow_up=someday", as: s.commissioner,
                                         expect: .unprocessableContent)
            #expect("\(bad)".contains("follow_up"))
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
        let outcomes = s.outcomes
        let export = try await outcomes.evaluationExport(s.request(s.supervisor))
        #expect(export.rows.count == 1 && export.rows[0].pseudonym.hasPrefix("P") && export.rows[0].value == 5)
        // Stable per scheme and recipient: two downloads join; another recipient's cannot; rotation renews them.
        let again = try await outcomes.evaluationExport(recipient: "Evaluator", s.request(s.supervisor))
        let other = try await outcomes.evaluationExport(recipient: "University of Somewhere", s.request(s.supervisor))
        #expect(again.rows[0].pseudonym == export.rows[0].pseudonym && other.rows[0].pseudonym != export.rows[0].pseudonym)
        await #expect(throws: LinkwellError.self) { try await outcomes.rotatePseudonymKey(s.request(s.supervisor)) }
        try await outcomes.rotatePseudonymKey(s.request(s.admin))
        #expect(try await outcomes.evaluationExport(s.request(s.supervisor)).rows[0].pseudonym != export.rows[0].pseudonym)
        // Coarsening and the k-anonymity report.
        #expect(export.kAnonymity.people == 1 && export.kAnonymity.unique == 1 && export.kAnonymity.smallestGroup == 1)
        let coarse = try await outcomes.evaluationExport(coarsen: true, s.request(s.supervisor))
        #expect(coarse.coarsened && coarse.rows[0].ageBand == "65+" && coarse.rows[0].needs == "mental wellbeing|social connection")
        #expect(!export.csv.text.contains("Person0") && !export.csv.text.contains("9434765919") && !export.csv.text.contains("LS1"))
        #expect(export.csv.text.hasPrefix("pseudonym,ageBand,sourceType,pathway,needs,instrument,timepoint,daysSinceReferral,complete,score,value\r\n"))
        #expect(export.dictionary.count == 11)
        await #expect(throws: LinkwellError.self) { try await s.outcomes.evaluationExport(lw) }
        try await s.store.shutdown()
    }
}

@Suite("Outcome due lists", .closesStores)
struct DueListTests {
    @Test(arguments: TestBackend.available)
    func baselineThenFollowUpThenClosingFallDue(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
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
