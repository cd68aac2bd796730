import Foundation
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import Testing

/// The link worker's home page (issue #17), through the casework service on every backend: urgent waiting
/// referrals first, the waiting list longest-waiting first and paged in that order, search by name, NHS number
/// and date of birth — all done in the database.
@Suite("Caseload built for the day's work", .closesStores)
struct CaseloadHomeTests {
    /// Four waiting referrals, received a day apart (oldest first in `ids`); the 2nd and 4th marked soon.
    func scheme(_ backend: TestBackend) async throws -> (TestScheme, [ReferralID]) {
        let s = try await TestScheme.make(backend)
        let people = [("Ada", "943 476 5919", "1940-01-05", "routine"), ("Bea", "401 023 2137", "1950-02-06", "soon"),
                      ("Cy", "", "1960-03-07", "routine"), ("Di", "", "1970-04-08", "soon")]
        var ids: [ReferralID] = []
        for (name, nhs, born, urgency) in people {
            var submission = TestScheme.submission(givenName: name, nhsNumber: nhs.isEmpty ? nil : nhs)
            submission.person?.dateOfBirth = born
            submission.urgency = urgency
            ids.append(try await s.casework.submitReferral(submission, by: Principal(s.referrer)).referral.id)
            s.clock.advance(seconds: 86_400)
        }
        return (s, ids)
    }

    @Test("Waiting: longest-waiting first, paged forward in that order; urgent: only the soon ones, oldest first",
          arguments: TestBackend.available)
    func order(backend: TestBackend) async throws {
        let (s, ids) = try await scheme(backend)
        let lw = s.request(s.linkWorker)
        var seen: [ReferralID] = []
        var cursor: PageCursor?
        repeat {
            let page = try await s.casework.caseload(lw, list: .waiting, page: PageRequest(limit: 3, after: cursor))
            seen += page.rows.map(\.id)
            cursor = page.next
        } while cursor != nil
        #expect(seen == ids, "oldest first across pages")
        let urgent = try await s.casework.caseload(lw, list: .urgent, page: PageRequest(limit: 10))
        #expect(urgent.rows.map(\.id) == [ids[1], ids[3]])
        let active = try await s.casework.caseload(lw, list: .all, page: PageRequest(limit: 10))
        #expect(active.rows.map(\.id) == ids.reversed(), "the whole list stays newest first")
        let lists = try await s.casework.caseloadLists(lw, lists: [(.urgent, PageRequest(limit: 1)), (.waiting, PageRequest(limit: 1))])
        #expect(lists.map(\.total) == [2, 4])
        #expect(lists[0].page.rows.map(\.id) == [ids[1]] && lists[1].page.rows.map(\.id) == [ids[0]])
    }

    @Test("Search by name, NHS number (with or without spaces) and date of birth (day first, or ISO)",
          arguments: TestBackend.available)
    func search(backend: TestBackend) async throws {
        let (s, ids) = try await scheme(backend)
        let lw = s.request(s.linkWorker)
        func found(_ text: String) async throws -> [ReferralID] {
            try await s.casework.caseload(lw, list: .all, page: PageRequest(limit: 10), search: text).rows.map(\.id)
        }
        #expect(try await found("4010232137") == [ids[1]])
        #expect(try await found("401 023 2137") == [ids[1]])
        #expect(try await found("7/3/1960") == [ids[2]])
        #expect(try await found("07-03-1960") == [ids[2]])
        #expect(try await found("1970-04-08") == [ids[3]])
        #expect(try await found("ada") == [ids[0]])
        #expect(try await found("9434765918").isEmpty, "a wrong check digit is not an NHS number, and no one's name")
        #expect(try await found("31/4/1960").isEmpty, "not a real date: searched as a name, found no one")
        // The referrer's own list is searched the same way, and only their referrals.
        #expect(try await s.casework.caseload(s.request(s.otherReferrer), list: .all, page: PageRequest(limit: 10), search: "4010232137").rows.isEmpty)
    }

    @Test("The search box's GET form sends spaces as '+': the page reads them as spaces")
    func searchFromTheForm() async throws {
        let (s, ids) = try await scheme(.sqlite)
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (_, spaced) = try await browser.go(.get, "/referrals?q=401+023+2137")
            #expect(spaced.contains("/referrals/\(ids[1].rawValue)") && !spaced.contains("/referrals/\(ids[0].rawValue)"))
            let (_, dated) = try await browser.go(.get, "/referrals?q=7+3+1960")
            #expect(dated.contains("/referrals/\(ids[2].rawValue)") && !dated.contains("/referrals/\(ids[1].rawValue)"))
        }
    }

    @Test func caseSearchReadsWhatWasTyped() {
        #expect(CaseSearch("") == .none)
        #expect(CaseSearch(" 943 476 5919 ") == .nhsNumber(NHSNumber("9434765919")!))
        #expect(CaseSearch("27/3/1956") == .dateOfBirth(CalendarDate(year: 1956, month: 3, day: 27)!))
        #expect(CaseSearch("27 3 1956") == .dateOfBirth(CalendarDate(year: 1956, month: 3, day: 27)!))
        #expect(CaseSearch("1956-03-27") == .dateOfBirth(CalendarDate(year: 1956, month: 3, day: 27)!))
        #expect(CaseSearch("Mary Ann") == .name("Mary Ann"))
        #expect(CaseSearch("29/2/2023") == .name("29/2/2023"))
    }
}
