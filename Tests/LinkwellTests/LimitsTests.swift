import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
@testable import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import SQLKit
import Testing

/// Every collection in every input has a maximum, refused with 422 naming the field and nothing stored.
@Suite("Limits", .closesStores)
struct LimitsTests {
    func post(_ client: any TestClientProtocol, _ uri: String, _ token: String, _ body: String) async throws -> (Int, [String]) {
        let response = try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                                                body: ByteBuffer(string: body))
        let object = try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
        let fields = (object?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
        return (Int(response.status.code), fields)
    }

    func list(_ count: Int, _ item: (Int) -> String) -> String { "[" + (0..<count).map(item).joined(separator: ",") + "]" }

    @Test("Oversized plans, referrals, settings and questionnaires are refused with 422", arguments: TestBackend.available)
    func oversized(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in
            let id = try await s.engagedReferral()
            let lw = try await s.token(for: s.linkWorker)
            let goals = list(Limits.goalsPerPlan + 1) { "\"Goal \($0)\"" }
            #expect(try await post(client, "/api/v1/referrals/\(id)/plan", lw, #"{"whatMatters":"People","goals":\#(goals)}"#) == (422, ["goals"]))
            // 10,000 actions are refused at once, without checking (or storing) each one.
            let actions = list(10_000) { #"{"description":"Action \#($0)"}"# }
            #expect(try await post(client, "/api/v1/referrals/\(id)/plan", lw, #"{"whatMatters":"People","goals":["Walk"],"actions":\#(actions)}"#) == (422, ["actions"]))
            #expect(try await s.store.loadCase(id)?.plan == nil)
            // At the maximum it is accepted.
            let most = list(Limits.goalsPerPlan) { "\"Goal \($0)\"" }
            #expect(try await post(client, "/api/v1/referrals/\(id)/plan", lw, #"{"whatMatters":"People","goals":\#(most)}"#).0 == 200)
            #expect(try await s.store.loadCase(id)?.goals.count == Limits.goalsPerPlan)

            let gp = try await s.token(for: s.referrer)
            let needs = list(Limits.needsPerReferral + 1) { _ in "\"loneliness\"" }
            let referral = APITests.referralJSON.replacingOccurrences(of: #""needs":["loneliness"]"#, with: "\"needs\":\(needs)")
            #expect(try await post(client, "/api/v1/referrals", gp, referral).1.contains("needs"))
            let purposes = list(Limits.consentPurposes + 1) { _ in "\"share_with_providers\"" }
            let consent = APITests.referralJSON.replacingOccurrences(of: #""purposes":["share_with_providers","share_with_referrer"]"#, with: "\"purposes\":\(purposes)")
            #expect(try await post(client, "/api/v1/referrals", gp, consent).1 == ["consent.purposes"])
            #expect(try await s.store.referrals(ReferralQuery()).count == 1)

            let admin = try await s.token(for: s.admin)
            let pathways = list(Limits.pathways + 1) { "\"Pathway \($0)\"" }
            #expect(try await post(client, "/api/v1/settings", admin, #"{"pathways":\#(pathways),"catchmentAreas":[]}"#) == (422, ["pathways"]))

            let answers = "{" + (0..<(Limits.answersPerAdministration + 1)).map { "\"q\($0)\":1" }.joined(separator: ",") + "}"
            let measure = try await post(client, "/api/v1/referrals/\(id)/administrations", lw, #"{"instrumentId":"ons4","timepoint":"baseline","answers":\#(answers)}"#)
            #expect(measure == (422, ["answers"]))
        }
        try await s.store.shutdown()
    }

    /// Flags shared by the writer and the readers.
    actor Progress {
        var writing = false, readsDone = false
        func startWriting() { writing = true }
        func finishReads() { readsDone = true }
    }

    @Test("SQLite readers do not wait behind a long write")
    func readersDoNotWait() async throws {
        let s = try await TestScheme.make(.sqlite)
        let store = try #require(s.store as? SQLStore)
        let id = try await s.engagedReferral()
        let progress = Progress()
        // A write transaction that stays open until the reads are done (or 30 s pass): if reads had
        // to wait for it, they could only finish after it timed out and committed.
        let writer = Task {
            try await store.connections.transaction { db in
                try await db.raw("UPDATE referrals SET outcome_note = 'busy' WHERE id = \(bind: id)").run()
                await progress.startWriting()
                let deadline = ContinuousClock.now + .seconds(30)
                while await !progress.readsDone, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                return await progress.readsDone
            }
        }
        while await !progress.writing { try await Task.sleep(for: .milliseconds(10)) }
        for _ in 0..<5 {
            #expect(try await store.loadCase(id)?.referral.outcomeNote == "", "readers see the last committed state")
        }
        await progress.finishReads()
        #expect(try await writer.value, "the reads finished while the write was still open")
        #expect(try await store.loadCase(id)?.referral.outcomeNote == "busy")
        try await store.shutdown()
    }

    @Test("A second server on the same SQLite file is refused, and the lock goes with the first")
    func oneServerPerFile() throws {
        let path = temporarySQLitePath("lock")
        let first = try SQLiteServerLock(databasePath: path)
        do {
            _ = try SQLiteServerLock(databasePath: path)
            Issue.record("a second lock was granted")
        } catch let busy as SQLiteServerLock.Busy {
            #expect(busy.message.contains("Another Linkwell server (process \(getpid())) is already using \(path)"))
        }
        first.release()
        let again = try SQLiteServerLock(databasePath: path)
        again.release()
        try? FileManager.default.removeItem(atPath: path + "-server.lock")
    }
}

