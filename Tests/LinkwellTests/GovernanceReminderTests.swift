import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// Governance reminders e-mailed to administrators and supervisors before and at a check's expiry, through
/// the outbox (which now carries e-mails about no referral), on every backend.
@Suite("Governance reminders by e-mail", .closesStores)
struct GovernanceReminderTests {
    @Test("Due and expired checks are e-mailed once to each administrator and supervisor; nothing names the group", arguments: TestBackend.available)
    func reminders(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        do {
            func day(_ offset: Int) -> CalendarDate { CalendarDate(s.clock.now.addingTimeInterval(Double(offset) * 86_400)) }
            try await s.store.saveDirectory(DirectoryFixture.batch, at: s.clock.now, verified: true)
            let org = DirectoryFixture.walkersOrg
            try await s.store.saveGovernance(GovernanceCheck(organizationID: org, constituted: true, safeguardingPolicy: true, insurance: true,
                                                             dbsForHomeVisits: true, checkedBy: s.admin.id, checkedAt: s.clock.now,
                                                             safeguardingPolicyExpires: day(20), insuranceExpires: day(-10), dbsExpires: day(200)))
            let reminders = GovernanceReminders(store: s.store, env: s.env)
            #expect(try await reminders.queue() == 4, "two checks, each to the administrator and the supervisor")
            var queued = try await s.store.outbox(limit: 100).filter(\.kind.isGovernanceReminder)
            #expect(queued.count == 4 && queued.allSatisfy { $0.referralID == nil && $0.state == .queued })
            #expect(Set(queued.compactMap(\.recipientID)) == [s.admin.id, s.supervisor.id])
            #expect(queued.filter { $0.kind == .governanceExpired }.count == 2 && queued.filter { $0.kind == .governanceDue }.count == 2)
            #expect(try await reminders.queue() == 0, "queuing again adds nothing")

            // Three weeks on, the safeguarding policy has expired too: one more reminder each, at expiry.
            s.clock.advance(seconds: 21 * 86_400)
            #expect(try await reminders.queue() == 2)
            queued = try await s.store.outbox(limit: 100).filter(\.kind.isGovernanceReminder)
            #expect(queued.filter { $0.kind == .governanceExpired }.count == 4)

            // Sent like any e-mail: to each recipient's address, naming neither the group nor a person.
            let sent = Captured()
            let sender = OutboxSender(store: s.store, transport: sent, policy: OutboxPolicy(publicURL: "https://linkwell.example.test"), env: s.env)
            try await sender.sendDue()
            let mails = sent.emails.filter { $0.subject.hasPrefix("Linkwell: Governance check") }
            #expect(mails.count == 6)
            #expect(Set(mails.map(\.to)) == [s.admin.email, s.supervisor.email])
            #expect(mails.allSatisfy { $0.body.contains("governance checks") && $0.body.contains("https://linkwell.example.test/\n") && !$0.body.contains(org) && !$0.body.contains("Riverside") })
            #expect(Set(mails.map(\.messageID)).count == 6 && mails.allSatisfy { !$0.messageID.contains(" ") })
            #expect(try await s.store.outbox(limit: 100).filter(\.kind.isGovernanceReminder).allSatisfy { $0.state == .sent })

            // Renewed: nothing more to remind; a link worker or provider is never sent one.
            try await s.store.saveGovernance(GovernanceCheck(organizationID: org, constituted: true, safeguardingPolicy: true, insurance: true,
                                                             dbsForHomeVisits: true, checkedBy: s.admin.id, checkedAt: s.clock.now,
                                                             safeguardingPolicyExpires: day(300), insuranceExpires: day(300), dbsExpires: day(300)))
            #expect(try await reminders.queue() == 0)
            #expect(!sent.emails.contains { $0.to == s.linkWorker.email || $0.to == s.provider.email })
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }
}
