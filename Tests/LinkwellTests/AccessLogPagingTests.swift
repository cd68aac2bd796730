import Foundation
@testable import LinkwellCore
import LinkwellTesting
import Testing

/// The person's access log on `/me` is read a page at a time by keyset in the store (issue #19), no longer the
/// newest 10,000 events per case, and keeps its promise: everything that read the person's record is reached by
/// following `accessNext`, even while the walk itself adds reads (each visit reads, and so logs, the record).
@Suite("The person's access log, paged", .closesStores)
struct AccessLogPagingTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("Walked by cursor: every access by staff once, newest first, pages bounded; a cursor from another list is refused",
          arguments: TestBackend.available)
    func walk(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let first = try await s.casework.submitReferral(TestScheme.submission(givenName: "Lee", nhsNumber: nil), by: Principal(s.referrer))
        let other = try await s.casework.submitReferral(TestScheme.submission(givenName: "Sam", nhsNumber: nil), by: Principal(s.referrer))
        let account = User(id: UserID("person-log"), email: "log@person.example", displayName: "Lee", role: .person, organisationID: nil,
                           passwordHash: "x", createdAt: Self.start, personID: first.person.id)
        try await s.store.createUser(account)
        // 130 reads by staff at shared instants, ids against the time order: of the record, and of records whose subject it is.
        for n in 0..<130 {
            try await s.store.append(AuditEvent(id: String(format: "log-%03d", 999 - n), at: Self.start.addingTimeInterval(Double(n / 3)),
                                                actorID: n % 2 == 0 ? s.linkWorker.id : s.supervisor.id, action: "read",
                                                recordType: n % 2 == 0 ? "referral" : "onward_referral",
                                                recordID: n % 2 == 0 ? first.referral.id.rawValue : "onward-\(n)", route: "GET /x", outcome: .allowed,
                                                subjectID: n % 2 == 0 ? nil : first.referral.id))
            // Someone else's record: never in this log.
            try await s.store.append(AuditEvent(id: "else-\(n)", at: Self.start.addingTimeInterval(Double(n)), actorID: s.linkWorker.id, action: "read",
                                                recordType: "referral", recordID: other.referral.id.rawValue, route: "GET /x", outcome: .allowed))
        }
        var walked: [OwnRecordView.Access] = [], after: PageCursor?, pages = 0, continued: [Bool] = []
        repeat {
            let view = try await s.casework.ownRecord(s.request(account), accessPage: PageRequest(limit: 7, after: after))
            #expect(view.accesses.count <= 7)
            walked += view.accesses
            continued.append(view.accessContinued)
            after = view.accessNext
            pages += 1
        } while after != nil && pages < 500
        // Every staff access there is, once: the log now holds them all, and the walk's own reads are the person's ("You").
        let log = try await s.store.auditEvents(aboutReferrals: [first.referral.id], keyset: PageRequest(limit: 100_000))
        let staff = log.filter { $0.actorID != account.id }
        #expect(walked.filter { $0.who != "You" }.count == staff.count && staff.count >= 130)
        #expect(walked.filter { $0.who != "You" }.map(\.at) == staff.map(\.at), "in the log's order, none repeated or skipped")
        #expect(zip(walked, walked.dropFirst()).allSatisfy { $0.at >= $1.at }, "newest first across pages")
        #expect(walked.contains { $0.who == "You" }, "the first page shows the visit itself")
        #expect(pages == (walked.count + 6) / 7 && continued == [false] + Array(repeating: true, count: pages - 1))
        // The first page is the newest 50 by default, with a cursor onwards.
        let page1 = try await s.casework.ownRecord(s.request(account))
        #expect(page1.accesses.count == 50 && page1.accessNext != nil && !page1.accessContinued)
        await #expect(throws: LinkwellError.self) {
            try await s.casework.ownRecord(s.request(account), accessPage: PageRequest(limit: 5, after: PageCursor(name: "a", id: "b")))
        }
    }
}
