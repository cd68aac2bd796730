import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// Outcome cohorts split by deprivation decile and by wellbeing at baseline, through the same disclosure
/// control as every cohort report, on every backend.
@Suite("Cohorts by deprivation and baseline", .closesStores)
struct CohortSplitTests {
    @Test("People are grouped by their postcode's decile and their baseline band; small groups are suppressed", arguments: TestBackend.available)
    func split(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        do {
            try await s.store.loadDeprivation(try DeprivationLookup.parse("postcode,decile\nLS1 4AP,1\nLS6 2QT,9\n"))
            let lw = s.request(s.linkWorker)
            func person(_ postcode: String) async throws -> ReferralID {
                var submission = TestScheme.submission(nhsNumber: nil)
                submission.person?.postcode = postcode
                return try await s.engagedReferral(submission)
            }
            func measure(_ id: ReferralID, _ timepoint: String, life: Int) async throws {
                _ = try await s.outcomes.record(id, .init(instrumentId: "ons4", timepoint: timepoint,
                                                          answers: ["life_satisfaction": life, "worthwhile": 5, "happiness": 5, "anxiety": 5]), lw)
            }
            // 12 from the most deprived decile starting low (3), 12 from decile 9 starting high (8), 3 from a
            // postcode not in the lookup starting medium (5): too few to show.
            var deprived: [ReferralID] = [], affluent: [ReferralID] = [], unknown: [ReferralID] = []
            for _ in 0..<12 {
                deprived.append(try await person("LS1 4AP"))
                affluent.append(try await person("LS6 2QT"))
            }
            for _ in 0..<3 { unknown.append(try await person("WF1 1AA")) }
            for id in deprived { try await measure(id, "baseline", life: 3) }
            for id in affluent { try await measure(id, "baseline", life: 8) }
            for id in unknown { try await measure(id, "baseline", life: 5) }
            s.clock.advance(seconds: 84 * 86_400)
            for (i, id) in deprived.enumerated() { try await measure(id, "follow_up", life: 6 + i % 2) }
            for (i, id) in affluent.enumerated() { try await measure(id, "follow_up", life: 8 + i % 2) }
            for id in unknown { try await measure(id, "follow_up", life: 6) }

            let commissioner = s.request(s.commissioner)
            let byDecile = try await s.outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .deprivationDecile, commissioner)
            #expect(byDecile.rows.map(\.group) == ["All", "Decile 01 (most deprived)", "Decile 09", "Postcode not in the deprivation lookup"])
            // Each group also as a code with its values, for a page to word.
            #expect(byDecile.rows.map(\.groupCode) == [CohortGroup(.all), CohortGroup(.decileMost, ["decile": "01"]), CohortGroup(.decile, ["decile": "09"]),
                                                      CohortGroup(.decileUnknown)])
            let decile1 = try #require(byDecile.rows.first { $0.group.hasPrefix("Decile 01") })
            let decile9 = try #require(byDecile.rows.first { $0.group == "Decile 09" })
            #expect(!decile1.suppressed && !decile9.suppressed)
            #expect(byDecile.rows.last?.suppressed == true && byDecile.rows.last?.paired == nil, "3 people: suppressed")
            // Counts go through the disclosure control: at least the minimum group size, rounded to 5.
            for row in byDecile.rows { #expect(row.paired.map { $0 >= 10 && $0 % 5 == 0 } ?? true) }
            // The most deprived, who started lowest, gained most (means from adjusted answers, so compare widely apart).
            let gain1 = try #require(decile1.result?.meanChange), gain9 = try #require(decile9.result?.meanChange)
            #expect(gain1 > gain9)

            let byBand = try await s.outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .baselineBand, commissioner)
            #expect(byBand.rows.map(\.group) == ["All", "1. Low (0–4)", "2. Medium (5–6)", "3. High (7–8)"])
            #expect(byBand.rows.map { $0.groupCode?.english } == byBand.rows.map(\.group), "the codes say what the names say")
            #expect(byBand.rows.dropFirst().allSatisfy { $0.groupCode?.code == .band })
            #expect(byBand.rows.first { $0.group == "2. Medium (5–6)" }?.suppressed == true)
            #expect(byBand.rows.first { $0.group == "1. Low (0–4)" }?.suppressed == false)
            // Anxiety's bands run the other way and are named as published.
            let anxiety = try await s.outcomes.cohort(instrumentID: "ons4", scoreID: "anxiety", by: .baselineBand, commissioner)
            #expect(anxiety.rows.map(\.group) == ["All", "3. Medium (4–5)"])
            // Link workers cannot ask.
            await #expect(throws: LinkwellError.self) {
                try await s.outcomes.cohort(instrumentID: "ons4", scoreID: nil, by: .deprivationDecile, lw)
            }
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }

    @Test func bandsAndThirds() throws {
        let ons4 = try #require(InstrumentRegistry.builtIn("ons4"))
        let life = try #require(ons4.scores.first { $0.id == "life_satisfaction" })
        #expect(CohortAnalysis.baselineGroup(4, rule: life, range: 0...10) == "1. Low (0–4)")
        #expect(CohortAnalysis.baselineGroup(10, rule: life, range: 0...10) == "4. Very high (9–10)")
        let unbanded = Instrument.Score(id: "x", label: "X", method: .sum, items: [], requireComplete: false, meaningfulChange: nil)
        #expect(CohortAnalysis.baselineGroup(7, rule: unbanded, range: 7...35) == "1. Lowest third of the range (7–16.3)")
        #expect(CohortAnalysis.baselineGroup(35, rule: unbanded, range: 7...35) == "3. Highest third of the range (25.7–35)")
        #expect(CohortAnalysis.decileGroup(10) == "Decile 10 (least deprived)")
        #expect(CohortAnalysis.decileGroup(nil) == "Postcode not in the deprivation lookup")
        #expect(CohortAnalysis.baselineCode(35, rule: unbanded, range: 7...35) == CohortGroup(.highestThird, ["number": "3", "min": "25.7", "max": "35"]))
        #expect(CohortAnalysis.baselineCode(4, rule: life, range: 0...10) == CohortGroup(.band, ["number": "1", "band": "Low", "min": "0", "max": "4"]))
    }
}
