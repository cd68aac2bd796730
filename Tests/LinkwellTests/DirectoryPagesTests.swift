import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The directory's pages through the router: who may see what, and what a bad search shows.
@Suite("Directory pages", .closesStores)
struct DirectoryPagesTests {
    typealias F = DirectoryFixture
    typealias Browser = WebPagesTests.Browser

    func withSite(_ body: @escaping @Sendable (TestScheme, @escaping @Sendable () -> Browser) async throws -> Void) async throws {
        let s = try await TestScheme.make(.sqlite)
        try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: true)
        try await s.store.savePostcodes(try PostcodePoint.parseONSCSV("pcds,lat,long\nLS1 4AP,53.7961,-1.5482\n"))
        try await withRouter(s) { client in try await body(s, { Browser(client) }) }
    }

    @Test func linkWorkersSearchWithReasonsAndBadInputIsShownOnThePage() async throws {
        try await withSite { s, browser in
            let lw = browser()
            _ = try await lw.signIn(s.linkWorker.email)
            let (ok, page) = try await lw.go(.get, "/directory?search=walks&postcode=ls1+4ap&radius=5")
            #expect(ok.status == .ok)
            #expect(page.contains("Health walks") && page.contains("“walks” in the name") && (page.contains("km away") || page.contains(" m away")))
            #expect(!page.contains("Nordic walking"), "defunct services are left out unless asked for")
            let (_, closed) = try await lw.go(.get, "/directory?search=walks&closed=yes")
            #expect(closed.contains("Nordic walking"))
            let (bad, badPage) = try await lw.go(.get, "/directory?postcode=NOPE&age=-3&time=25:00&day=MO")
            #expect(bad.status == .unprocessableContent)
            #expect(badPage.contains("is not a UK postcode") && badPage.contains("Age must be") && badPage.contains("The time must be HH:MM"))
        }
    }

    @Test func anUnknownPostcodeStillFindsServicesAndSaysWhy() async throws {
        try await withSite { s, browser in
            let lw = browser()
            _ = try await lw.signIn(s.linkWorker.email)
            let (ok, page) = try await lw.go(.get, "/directory?search=walks&postcode=ZZ9+9ZZ")
            #expect(ok.status == .ok)
            #expect(page.contains("Health walks") && page.contains("is not in the postcode lookup") && !page.contains("km away"))
        }
    }

    @Test func whoMaySeeWhat() async throws {
        try await withSite { s, browser in
            let provider = browser()
            _ = try await provider.signIn(s.provider.email)
            #expect(try await provider.go(.get, "/directory").0.status == .forbidden)
            #expect(try await provider.go(.get, "/directory/services/\(F.walksID)").0.status == .ok, "their own listing")
            #expect(try await provider.go(.get, "/directory/services/\(F.debtID)").0.status == .notFound, "another organisation's")
            #expect(try await provider.go(.get, "/directory/services/\(F.debtID)/edit").0.status == .notFound)
            #expect(try await provider.go(.get, "/directory/review").0.status == .forbidden)
            let (_, own) = try await provider.go(.get, "/provider/listings")
            #expect(own.contains("Health walks") && own.contains("Community choir") && !own.contains("Debt advice"))

            // A link worker cannot open the directory "for" a referral they may not read.
            let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
            _ = try await s.casework.accept(id, s.request(s.linkWorker))
            let other = browser()
            _ = try await other.signIn(s.otherLinkWorker.email)
            #expect(try await other.go(.get, "/directory?referral=\(id)").0.status == .notFound)
            let mine = browser()
            _ = try await mine.signIn(s.linkWorker.email)
            let (forCase, page) = try await mine.go(.get, "/directory?referral=\(id)")
            #expect(forCase.status == .ok && page.contains("value=\"LS1 4AP\"") && page.contains("Refer to "))
        }
    }
}
