import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// "Link worker changed" on the pages of those told: the person's own record (`/me`) and the community
/// group's referrals page (`/provider`), not only the API and e-mail.
@Suite("Link worker changed on the pages", .closesStores)
struct LinkWorkerChangedPagesTests {
    @Test("The person and the provider read the change of link worker on their own pages", arguments: TestBackend.available)
    func shownOnPages(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let (id, person) = try await ReassignmentTests.caseWithAudience(s)
        // Before any change, no notice.
        let unchanged = try await s.casework.ownRecord(s.request(person))
        #expect(unchanged.cases.flatMap(\.messages).allSatisfy { $0.kind != .reassigned })
        _ = try await s.casework.reassign(id, toLinkWorkerID: s.otherLinkWorker.id.rawValue, reason: "Lee is on long-term leave", s.request(s.supervisor))
        try await withRouter(s) { client in
            let me = WebPagesTests.Browser(client)
            _ = try await me.signIn(person.email)
            let (ok, page) = try await me.go(.get, "/me")
            #expect(ok.status == .ok)
            #expect(page.contains("Your link worker has changed") && page.contains("Your link worker is now Lou Worker."))
            #expect(!page.contains("long-term leave"), "the reason is not told")

            let provider = WebPagesTests.Browser(client)
            _ = try await provider.signIn(s.provider.email)
            let (_, inbox) = try await provider.go(.get, "/provider")
            #expect(inbox.contains("Link worker changed") && inbox.contains("is now Lou Worker."))
            #expect(!inbox.contains("long-term leave"))

            let other = WebPagesTests.Browser(client)
            _ = try await other.signIn(s.otherProvider.email)
            let (_, otherInbox) = try await other.go(.get, "/provider")
            #expect(!otherInbox.contains("Link worker changed"), "a group with no referral out for the person is not told")
        }
    }
}
