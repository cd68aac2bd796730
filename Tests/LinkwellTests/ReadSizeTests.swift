import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import Testing

/// On SQLite a read of a few rows by key (`ReadSize.lookup`: a case, a user, a session) runs where the calling task
/// is, and anything that may read many rows runs on the reader's own thread: a turn there and back cost more than a
/// lookup's statements (writes benchmark: 463–473 writes/s before lookups ran inline, 619–642 after).
@Suite("SQLite reads by key run inline; lists on the readers' threads", .closesStores)
struct ReadSizeTests {
    @Test("Reading a case, a user and a session takes no turn on a thread; a count takes one")
    func lookupsInlineScansOnThreads() async throws {
        let scheme = try await TestScheme.make(.sqlite)
        let store = try #require(scheme.store as? SQLStore)
        let id = try await scheme.engagedReferral()
        let lw = scheme.request(scheme.linkWorker)
        let contacts = try #require(try await store.loadCase(id)).contacts.count
        try await scheme.casework.act(on: id, lw) { [env = scheme.env] in
            try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 10, successful: true, notes: ""), by: lw.principal, env: env)
        }
        let before = try #require(store.sqliteThreadTurns)
        let found = try #require(try await store.loadCase(id))
        #expect(found.contacts.count == contacts + 1)
        #expect(found.person.id == found.referral.personID)
        #expect(try await store.user(id: scheme.linkWorker.id)?.id == scheme.linkWorker.id)
        #expect(try await store.session(tokenHash: "no such token") == nil)
        #expect(store.sqliteThreadTurns == before, "a lookup went to a reader's thread")
        // A count may read many rows: one statement, one turn.
        #expect(try await store.countReferrals(ReferralQuery(linkWorkerID: scheme.linkWorker.id)) == 1)
        #expect(store.sqliteThreadTurns == before + 1)
    }
}
