import Foundation
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import SQLKit
import Testing

/// SQLite's connections (`SQLiteDirectConnection`) keep their prepared statements: a statement is parsed and planned
/// once and run many times. Reading cases and writing to them, over and over, must not make SQLite prepare any of them
/// again; and a statement given fewer values than it has parameters is refused, never run with the last run's values.
///
/// A read of a few rows by key (`ReadSize.lookup`: a case, a user, a session) runs where the calling task is, and
/// anything that may read many rows runs on the reader's own thread: a turn there and back cost more than a lookup's
/// statements (writes benchmark: 463–473 writes/s before lookups ran inline, 581–642 after).
@Suite("SQLite's connections: statements prepared once, reads by key inline", .closesStores)
struct SQLiteConnectionTests {
    /// A SQLite scheme with an engaged case for each name.
    static func scheme(cases names: [String]) async throws -> (TestScheme, SQLStore, [ReferralID]) {
        let scheme = try await TestScheme.make(.sqlite)
        let store = try #require(scheme.store as? SQLStore)
        var ids: [ReferralID] = []
        for name in names {
            ids.append(try await scheme.engagedReferral(TestScheme.submission(givenName: name, nhsNumber: nil)))
        }
        return (scheme, store, ids)
    }

    @Test("Reading and changing cases again and again prepares no statement twice")
    func casesReadAndWrittenWithoutPreparingAgain() async throws {
        let (scheme, store, ids) = try await Self.scheme(cases: ["Ann", "Bea", "Cy", "Di"])
        let lw = scheme.request(scheme.linkWorker)
        let before = try #require(store.sqliteStatementsPreparedAgain)
        // Each round reads every case whole (its children `WHERE referral_id = ? ORDER BY seq`, which SQLite plans with
        // the bound value in mind) and records a contact on each (the writer's statements, the measures due among them).
        for round in 0..<3 {
            for id in ids {
                let found = try #require(try await store.loadCase(id))
                #expect(found.contacts.count == 1 + round)
                try await scheme.casework.act(on: id, lw) { [env = scheme.env] in
                    try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 10, successful: true, notes: ""), by: lw.principal, env: env)
                }
            }
        }
        #expect(try await store.loadCase(ids[0])?.contacts.count == 4)
        #expect(store.sqliteStatementsPreparedAgain == before, "statements were prepared again")
    }

    @Test("A statement given fewer values than its parameters is refused")
    func missingValuesAreRefused() async throws {
        let store = try #require(try await TestBackend.sqlite.makeStore() as? SQLStore)
        try await store.migrate()
        // Run once with both values, so that a statement kept from that run would still hold them.
        let sum = try await store.execute { db in
            try await db.raw("SELECT \(bind: 2) + \(bind: 3) AS n").first()?.decode(column: "n", as: Int.self)
        }
        #expect(sum == 5)
        await #expect(throws: (any Error).self) {
            try await store.execute { db in try await db.raw(SQLQueryString("SELECT ?1 + ?2 AS n")).run() }
        }
    }

    @Test("Reading a case, a user and a session takes no turn on a thread; a count takes one")
    func lookupsInlineScansOnThreads() async throws {
        let (scheme, store, ids) = try await Self.scheme(cases: ["Ann"])
        let id = ids[0]
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
