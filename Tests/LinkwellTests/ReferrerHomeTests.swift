import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// The GP's home (issue #17), through the casework service on every backend: the people they referred, each
/// once, newest first and paged; messages back marked unread per user, and read once opened.
@Suite("The referrer's home: patients once, unread messages per user", .closesStores)
struct ReferrerHomeTests {
    func submit(_ s: TestScheme, _ name: String, nhs: String?, by user: User) async throws -> ReferralID {
        var submission = TestScheme.submission(givenName: name, nhsNumber: nhs)
        submission.person?.dateOfBirth = ["Bea": "1950-02-06", "Cy": "1960-03-07", "Dee": "1970-04-08"][name] ?? "1948-05-02"
        let id = try await s.casework.submitReferral(submission, by: Principal(user)).referral.id
        s.clock.advance(seconds: 86_400)
        return id
    }

    @Test("Each patient once (one NHS number is one patient), by their newest referral, paged without repeats; searched; only one's own",
          arguments: TestBackend.available)
    func grouping(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let gp = s.request(s.referrer)
        let margaret1 = try await submit(s, "Margaret", nhs: "943 476 5919", by: s.referrer)
        let bea = try await submit(s, "Bea", nhs: "401 023 2137", by: s.referrer)
        let margaret2 = try await submit(s, "Margaret", nhs: "943 476 5919", by: s.referrer)
        let cy = try await submit(s, "Cy", nhs: nil, by: s.referrer)
        _ = try await submit(s, "Dee", nhs: nil, by: s.otherReferrer)

        var names: [String] = []
        var referrals: [[ReferralID]] = []
        let first = try await s.casework.referrerHome(gp, page: PageNumber(1, size: 2))
        #expect(first.people.total == 3 && first.people.pageCount == 2, "people counted, not referrals")
        for n in 1...first.people.pageCount {
            let home = try await s.casework.referrerHome(gp, page: PageNumber(n, size: 2))
            names += home.people.rows.map(\.person.name)
            referrals += home.people.rows.map { $0.person.referrals.map(\.id) }
        }
        #expect(names == ["Cy Hughes", "Margaret Hughes", "Bea Hughes"], "each person once, by their newest referral")
        #expect(referrals == [[cy], [margaret2, margaret1], [bea]], "a person's referrals newest first, under them")

        let found = try await s.casework.referrerHome(gp, page: PageNumber(1, size: 10), search: "bea")
        #expect(found.people.rows.map(\.person.referrals).map { $0.map(\.id) } == [[bea]])
        let byNumber = try await s.casework.referrerHome(gp, page: PageNumber(1, size: 10), search: "9434765919")
        #expect(byNumber.people.rows.map { $0.person.referrals.map(\.id) } == [[margaret2, margaret1]])
        let nurse = try await s.casework.referrerHome(s.request(s.otherReferrer), page: PageNumber(1, size: 10))
        #expect(nurse.people.rows.map(\.person.name) == ["Dee Hughes"], "only the people they referred")
        await #expect(throws: LinkwellError.self) { try await s.casework.referrerHome(s.request(s.linkWorker), page: PageNumber(1, size: 10)) }
    }

    @Test("Unread is per user: opening a referral reads its messages; the message list reads what it shows; new news is unread again",
          arguments: TestBackend.available)
    func unread(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let gp = s.request(s.referrer), nurse = s.request(s.otherReferrer), lw = s.request(s.linkWorker)
        let id = try await s.engagedReferral()
        // A referral made by the link worker: its news goes to the patient's practice (both referrers work there).
        let fromLinkWorker = try await submit(s, "Bea", nhs: "401 023 2137", by: s.linkWorker)
        _ = try await s.casework.accept(fromLinkWorker, lw)

        var home = try await s.casework.referrerHome(gp, page: PageNumber(1, size: 10))
        let mine = try #require(home.people.rows.first { $0.person.referrals.map(\.id) == [id] }).messages
        #expect(mine.count >= 2 && mine.allSatisfy { !$0.read }, "accepted and first seen, both unread")
        #expect(mine.map(\.message.createdAt) == mine.map(\.message.createdAt).sorted(by: >), "newest first")
        #expect(home.unread == mine.count + 1, "their own messages and the practice's one")
        #expect(try await s.casework.unreadMessageCount(nurse) == 1, "the nurse has only the practice's message")

        // The GP opens the referral: its messages are read, for the GP only.
        _ = try await s.casework.referrerView(id, gp)
        home = try await s.casework.referrerHome(gp, page: PageNumber(1, size: 10))
        #expect(home.people.rows.first { $0.person.referrals.map(\.id) == [id] }?.messages.allSatisfy(\.read) == true)
        #expect(home.unread == 1)
        #expect(try await s.casework.unreadMessageCount(nurse) == 1)

        // The message list reads what it shows (the practice's message too); showing it twice changes nothing more.
        let shown = try await s.casework.messages(gp, page: PageRequest(limit: 50)).rows
        #expect(shown.contains { $0.recipientOrganisationID == TestScheme.practice.id })
        #expect(try await s.casework.readMessages(shown, gp).count == mine.count, "read before: the referral's own messages")
        try await s.casework.markRead(shown, gp)
        try await s.casework.markRead(shown, gp)
        #expect(try await s.casework.unreadMessageCount(gp) == 0)
        #expect(try await s.casework.readMessages(shown, gp).count == shown.count)
        #expect(try await s.casework.unreadMessageCount(nurse) == 1, "one user's reading is not another's")
        #expect(try await s.casework.readMessages(shown, nurse).isEmpty)

        // New news arrives unread.
        let next = try await submit(s, "Cy", nhs: nil, by: s.referrer)
        _ = try await s.casework.accept(next, lw)
        home = try await s.casework.referrerHome(gp, page: PageNumber(1, size: 10))
        #expect(home.unread == 1)
        #expect(home.people.rows.first?.person.referrals.map(\.id) == [next])
        #expect(home.people.rows.first?.messages.map(\.read) == [false])
    }

    @Test("The unread count is the rule's for each user and practice, over every mix of addressee, practice and reads",
          arguments: TestBackend.available.filter { $0 != .memory })
    func unreadCountEveryMix(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let store = try #require(s.store as? SQLStore)
        let referral = try await s.engagedReferral().rawValue
        let users = [s.referrer, s.otherReferrer, s.linkWorker].map(\.id.rawValue)
        let organisations: [String?] = [nil, TestScheme.practice.id.rawValue, try #require(s.provider.organisationID).rawValue]
        // Each addressee (none, or one of the users) × each organisation, three of each; a message to a user and a
        // practice at once included, though casework never writes one. Each user reads some of every kind.
        var index = 0
        for to in [nil] + users {
            for organisation in organisations where to != nil || organisation != nil {
                for _ in 0..<3 {
                    index += 1
                    let n = index, id = "mix-\(index)"
                    try await store.execute { db in
                        try await db.raw("""
                            INSERT INTO messages_back (id, referral_id, recipient_id, recipient_organisation_id, kind, body, created_at)
                            VALUES (\(bind: id), \(bind: referral), \(bind: to), \(bind: organisation), 'accepted', '', \(bind: Date(timeIntervalSince1970: Double(n))))
                            """).run()
                        for (u, user) in users.enumerated() where (n + u) % 3 == 0 {
                            try await db.raw("INSERT INTO message_reads (user_id, message_id, read_at) VALUES (\(bind: user), \(bind: id), \(bind: Date()))").run()
                        }
                    }
                }
            }
        }
        // The rule, over the rows as stored (the case's own messages among them).
        let (messages, reads) = try await store.execute { db in
            (try await db.raw("SELECT id, recipient_id, recipient_organisation_id FROM messages_back").all().map {
                (id: try $0.decode(column: "id", as: String.self), to: try $0.decode(column: "recipient_id", as: String?.self),
                 organisation: try $0.decode(column: "recipient_organisation_id", as: String?.self))
             },
             Set(try await db.raw("SELECT user_id, message_id FROM message_reads").all().map {
                 [try $0.decode(column: "user_id", as: String.self), try $0.decode(column: "message_id", as: String.self)]
             }))
        }
        #expect(messages.count >= 33 && reads.count >= 30)
        for user in users {
            for organisation in organisations {
                let expected = messages.filter { m in
                    (m.to == user || (organisation != nil && m.organisation == organisation)) && !reads.contains([user, m.id])
                }.count
                let counted = try await store.unreadMessageCount(userID: UserID(user), organisationID: organisation.map { OrganisationID($0) })
                #expect(counted == expected, "\(user) at \(organisation ?? "no practice")")
            }
        }
    }
}
