import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The e-mail outbox of messages back: queued with the message, leased, retried, never lost, never doubled.
@Suite("E-mail outbox", .closesStores)
struct OutboxTests {
    @Test("A message back queues its e-mail in the same change; claims are leased", arguments: TestBackend.available)
    func queueAndLease(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        _ = try await s.engagedReferral()  // accepted + first seen: two messages back
        let queued = try await s.store.outbox(limit: 10)
        #expect(queued.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.accepted, .firstSeen])
        #expect(queued.allSatisfy { $0.state == .queued && $0.attempts == 0 && $0.recipientID == s.referrer.id })

        let now = s.clock.now
        let first = try await s.store.claimEmails(now: now, leaseUntil: now + 60, limit: 10)
        #expect(first.count == 2 && first.allSatisfy { $0.attempts == 1 && $0.claimedUntil == now + 60 })
        #expect(try await s.store.claimEmails(now: now + 30, leaseUntil: now + 90, limit: 10).isEmpty, "leased to the first worker")

        try await s.store.markEmailSent(first[0].id, at: now + 1)
        try await s.store.markEmailFailed(first[1].id, error: "relay down", retryAt: now + 300)
        // After the lease: the sent one is gone for good, the failed one waits for its retry time.
        #expect(try await s.store.claimEmails(now: now + 120, leaseUntil: now + 180, limit: 10).isEmpty)
        let retried = try await s.store.claimEmails(now: now + 301, leaseUntil: now + 400, limit: 10)
        #expect(retried.map(\.id) == [first[1].id] && retried[0].attempts == 2 && retried[0].lastError == "relay down")
        try await s.store.markEmailFailed(first[1].id, error: "mailbox unknown", retryAt: nil)
        #expect(try await s.store.claimEmails(now: now + 10_000, leaseUntil: now + 10_100, limit: 10).isEmpty)

        let states = Dictionary(uniqueKeysWithValues: try await s.store.outbox(limit: 10).map { ($0.id, $0) })
        #expect(states[first[0].id]?.state == .sent && states[first[0].id]?.sentAt == now + 1)
        #expect(states[first[1].id]?.state == .failed && states[first[1].id]?.lastError == "mailbox unknown")
    }

    @Test("A refused change queues no e-mail", arguments: TestBackend.available)
    func refusedChangeQueuesNothing(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        let loaded = try #require(try await s.store.loadCase(id))
        var stale = try loaded.accept(by: Principal(s.linkWorker), env: s.env)
        _ = try await s.casework.accept(id, s.request(s.linkWorker))
        stale.expectedVersion = loaded.referral.version
        await #expect(throws: StorageError.versionConflict) { try await s.store.apply(stale) }
        #expect(try await s.store.outbox(limit: 10).count == 1, "only the accepted change's e-mail")
    }

    @Test("A crash between delivering and recording loses no e-mail and delivers none twice", arguments: TestBackend.available)
    func crashMidBatch(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        for name in ["Ada", "Bea", "Cyd"] { _ = try await s.engagedReferral(TestScheme.submission(givenName: name, nhsNumber: nil)) }
        let expected = Set(try await s.store.outbox(limit: 100).map(\.id))
        #expect(expected.count == 6)

        let maildir = FileManager.default.temporaryDirectory.appendingPathComponent("linkwell-maildir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: maildir) }
        let real = try MaildirTransport(directory: maildir.path)
        let policy = OutboxPolicy(lease: 60, batchSize: 10, from: "scheme@example.test", publicURL: "https://linkwell.example.test/")

        // The process "dies" right after the transport has taken the third e-mail, before Linkwell records it as sent.
        let dying = CrashAfter(3, real)
        await #expect(throws: CancellationError.self) {
            try await OutboxSender(store: s.store, transport: dying, policy: policy, env: s.env).sendDue()
        }
        #expect(try await s.store.outbox(limit: 100).filter { $0.state == .sent }.count == 2)
        // A restarted worker cannot take the leased e-mails until the lease runs out …
        let restarted = OutboxSender(store: s.store, transport: real, policy: policy, env: s.env)
        #expect(try await restarted.sendDue() == OutboxRun())
        // … then sends the rest: the third is recognised as already delivered, not delivered again.
        s.clock.advance(seconds: 61)
        let run = try await restarted.sendDue()
        #expect(run.sent == 4 && run.retrying == 0 && run.failed == 0)

        let files = try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("new").path)
        #expect(files.count == 6, "each e-mail exactly once")
        #expect(Set(files.map { String($0.prefix { $0 != "@" }) }) == Set(expected.map(\.rawValue)))
        #expect(try await s.store.outbox(limit: 100).allSatisfy { $0.state == .sent })
        #expect(try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("tmp").path).isEmpty)

        // What went out names no person: only the kind of message and a link to sign in.
        let text = try String(contentsOf: maildir.appendingPathComponent("new/\(files[0])"), encoding: .utf8)
        #expect(text.contains("To: \(s.referrer.email)\r\n") && text.contains("Message-ID: <"))
        #expect(text.contains("https://linkwell.example.test/referrals/"))
        for name in ["Ada", "Bea", "Cyd", "943"] { #expect(!text.contains(name)) }
    }

    @Test("Failed deliveries are retried with back-off, then given up and shown", arguments: [TestBackend.sqlite])
    func retriesThenGivesUp(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        _ = try await s.casework.accept(try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id,
                                        s.request(s.linkWorker))
        let sender = OutboxSender(store: s.store, transport: AlwaysFails(), policy: OutboxPolicy(maxAttempts: 3), env: s.env)
        #expect(try await sender.sendDue().retrying == 1)
        #expect(try await sender.sendDue() == OutboxRun(), "not before the back-off (1 minute)")
        s.clock.advance(seconds: 61)
        #expect(try await sender.sendDue().retrying == 1)
        s.clock.advance(seconds: 121)
        #expect(try await sender.sendDue().failed == 1)
        let email = try #require(try await s.store.outbox(limit: 1).first)
        #expect(email.state == .failed && email.attempts == 3 && email.lastError == "relay refused")
    }

    @Test func adminSeesTheOutboxAndOthersDoNot() async throws {
        try await WebPagesTests().withSite { s, browser in
            _ = try await s.engagedReferral()
            _ = try await browser.signIn(s.linkWorker.email)
            #expect(try await browser.go(.get, "/admin/outbox").0.status == .forbidden)
            let admin = WebPagesTests.Browser(browser.client)
            _ = try await admin.signIn(s.admin.email)
            let (response, html) = try await admin.go(.get, "/admin/outbox")
            #expect(response.status == .ok)
            #expect(html.contains("E-mail is off") && html.contains("<strong>2</strong> queued"))
            #expect(html.contains("Referral accepted") && html.contains(s.referrer.displayName))
        }
    }
}

/// Delivers through `inner`, but after the `n`th e-mail behaves like a process that died: it throws before
/// the sender can record the delivery.
final class CrashAfter: MailTransport, @unchecked Sendable {
    let n: Int
    let inner: any MailTransport
    private var count = 0
    private let lock = NSLock()
    init(_ n: Int, _ inner: any MailTransport) {
        self.n = n
        self.inner = inner
    }

    func deliver(_ email: EmailMessage) async throws -> DeliveryResult {
        let result = try await inner.deliver(email)
        let reached = lock.withLock { count += 1; return count >= n }
        if reached { throw CancellationError() }
        return result
    }
}

struct AlwaysFails: MailTransport {
    struct Refused: Error, CustomStringConvertible { var description: String { "relay refused" } }
    func deliver(_ email: EmailMessage) async throws -> DeliveryResult { throw Refused() }
}
