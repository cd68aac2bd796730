import Foundation
import LinkwellCore
@testable import LinkwellWeb
import Testing

/// The directory's reasons and governance lines: Core gives codes and values, the catalogue words them (issue #17).
@Suite("Directory words from the catalogue")
struct DirectoryWordsTests {
    @Test("Each reason a search result matched is worded in one line, the first letter a capital")
    func reasons() {
        let t = Catalogue.english
        #expect(t.matchReasons([.wordsInName(["walks"]), .categories(["Physical activity", "Loneliness"]), .distance(km: 1.24),
                                .openAt(weekday: 5, opens: 600, closes: 690), .accessibility("Step-free route"), .placesFree(2)])
                == "“walks” in the name · Physical activity, Loneliness · 1.2 km away · open Friday 10:00–11:30 · Step-free route · 2 places free now")
        #expect(t.matchReasons([.distance(km: 0.3), .placesFree(1)]) == "300 m away · 1 place free now")
        #expect(t.matchReasons([.mentions(["tea", "chat"]), .free, .language("cy"), .age(70), .waitingListWeeks(1), .temporarilyClosed])
                == "Mentions “tea chat” · free · works in cy · open to age 70 · waiting list about 1 week · temporarily closed")
        #expect(t.matchReasons([.waitingListWeeks(3)]) == "Waiting list about 3 weeks")
        #expect(t.matchReasons([]) == "In the directory")
    }

    @Test("A governance standing is worded from its findings, each check and date in the catalogue's words; Core keeps its English for the API")
    func governance() throws {
        let t = Catalogue.english
        let today = try #require(CalendarDate("2026-06-01")), horizon = try #require(CalendarDate("2026-07-01"))
        func check(_ policy: Bool = true, insurance: Bool = true, expires: String? = nil) -> GovernanceCheck {
            GovernanceCheck(organizationID: "o", constituted: true, safeguardingPolicy: policy, insurance: insurance, dbsForHomeVisits: false,
                            checkedBy: UserID("u"), checkedAt: Date(), insuranceExpires: expires.flatMap(CalendarDate.init))
        }
        let incomplete = GovernanceStanding.of(check(false, insurance: false), today: today, remindFrom: horizon)
        #expect(incomplete.findings == [GovernanceFinding(check: .safeguardingPolicy, kind: .missing), GovernanceFinding(check: .insurance, kind: .missing)])
        #expect(t.governanceSummary(incomplete) == "Governance checks incomplete: no safeguarding policy; no insurance")
        #expect(incomplete.summary == t.governanceSummary(incomplete), "the same English as Core's")
        let expired = GovernanceStanding.of(check(expires: "2026-05-31"), today: today, remindFrom: horizon)
        #expect(t.governanceSummary(expired) == "Governance checks expired: insurance expired on 31 May 2026")
        #expect(expired.problems == ["insurance expired on 2026-05-31"], "the API keeps Core's English")
        let soon = GovernanceStanding.of(check(expires: "2026-06-20"), today: today, remindFrom: horizon)
        #expect(t.governanceSummary(soon) == "Governance checks current; insurance expires on 20 Jun 2026")
        #expect(t.governanceSummary(GovernanceStanding.of(check(), today: today, remindFrom: horizon)) == "Governance checks current")
        #expect(t.governanceSummary(GovernanceStanding.of(nil, today: today, remindFrom: horizon)) == "No governance checks recorded")
        // The JSON is as before: state and problems, no findings.
        let json = try #require(String(data: JSONEncoder().encode(soon), encoding: .utf8))
        #expect(json.contains("\"problems\"") && !json.contains("findings"))
    }
}
