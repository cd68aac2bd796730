import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// The public self-help directory (no sign-in): search, a service page, "ask to be referred" into the
/// self-referral form with the service chosen, and only what the ORUK feed publishes.
@Suite("Public directory", .closesStores)
struct PublicDirectoryTests {
    typealias F = DirectoryFixture
    typealias Browser = WebPagesTests.Browser

    func withSite(_ backend: TestBackend, _ body: @escaping @Sendable (TestScheme, Browser) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: true)
        try await s.store.savePostcodes(try PostcodePoint.parseONSCSV("pcds,lat,long\nLS1 4AP,53.7961,-1.5482\n"))
        try await withRouter(s) { client in try await body(s, Browser(client)) }
    }

    @Test("Anyone searches by words, need and postcode; closed services are left out; bad input is a form error", arguments: TestBackend.available)
    func search(backend: TestBackend) async throws {
        try await withSite(backend) { _, visitor in
            let (ok, page) = try await visitor.go(.get, "/find-support?search=walks&postcode=ls1+4ap")
            #expect(ok.status == .ok)
            #expect(page.contains("Health walks") && page.contains("km away") && !page.contains("Nordic walking"))
            #expect(!page.contains("Aqua fitness"), "Birmingham is not within 10 km of LS1 4AP")
            let (_, byNeed) = try await visitor.go(.get, "/find-support?need=\(F.debt.id)")
            #expect(byNeed.contains("Debt advice drop-in") && !byNeed.contains("Health walks"))
            let (_, nothing) = try await visitor.go(.get, "/find-support?search=xylophone")
            #expect(nothing.contains("We could not find anything"))
            let (bad, badPage) = try await visitor.go(.get, "/find-support?postcode=NOPE")
            #expect(bad.status == .unprocessableContent)
            #expect(badPage.contains("Error:") && badPage.contains("postcode"))
            let (_, empty) = try await visitor.go(.get, "/find-support")
            #expect(empty.contains("Find local groups and services") && !empty.contains("results-title"))
        }
    }

    @Test("Results come 20 a page with the shared numbered pager, worded in the person's language, the search kept in each link",
          arguments: TestBackend.available)
    func pagedInWelsh(backend: TestBackend) async throws {
        try await withSite(backend) { s, visitor in
            let many = (1...25).map { n in
                HSDSService(id: syntheticUUID(0xf2, n), organizationID: F.walkersOrg, name: String(format: "Lunch club %02d", n), description: "Soup and company.")
            }
            try await s.store.saveDirectory(DirectoryBatch(services: many), at: s.clock.now, verified: true)
            func results(_ html: String) -> Int { html.components(separatedBy: #"class="result-name""#).count - 1 }
            let (_, english) = try await visitor.go(.get, "/find-support?search=lunch")
            #expect(results(english) == 20)
            #expect(english.contains(#"<nav class="pager" aria-label="Pages of services">"#))
            #expect(english.contains(#"Next<span class="visually-hidden"> page of services</span>"#))
            let (_, welsh) = try await visitor.go(.get, "/find-support?search=lunch&lang=cy")
            #expect(welsh.contains(#"<nav class="pager" aria-label="Tudalennau o wasanaethau">"#))
            #expect(welsh.contains(#"<span aria-current="page"><span class="visually-hidden">Tudalen </span>1</span>"#))
            let next = try #require(welsh.firstMatch(of: /<a href="([^"]+)" rel="next">Nesaf<span class="visually-hidden">: y dudalen nesaf o wasanaethau<\/span><\/a>/))
            let link = String(next.1).replacingOccurrences(of: "&amp;", with: "&")
            #expect(link.contains("search=lunch") && link.contains("page=2"), "\(link)")
            let (second, secondPage) = try await visitor.go(.get, link)
            #expect(second.status == .ok && results(secondPage) == 5)
            #expect(secondPage.contains(#"rel="prev">Blaenorol"#) && !secondPage.contains(#"rel="next""#))
        }
    }

    @Test("A service page shows what the feed publishes and never the scheme's private facts", arguments: TestBackend.available)
    func servicePageIsPublicOnly(backend: TestBackend) async throws {
        try await withSite(backend) { s, visitor in
            try await s.store.addFeedback(ServiceFeedback(id: "fb", serviceID: F.walksID, authorID: s.linkWorker.id, at: s.clock.now,
                                                          rating: 1, text: "PRIVATE-NOTE-1234"))
            try await s.store.updateCare(serviceID: F.walksID, lastVerifiedAt: nil, reviewState: .pendingChange,
                                         capacity: ServiceCapacity(availablePlaces: 4321, waitingListWeeks: 9, updatedAt: s.clock.now))
            try await s.store.saveGovernance(GovernanceCheck(organizationID: F.walkersOrg, constituted: true, safeguardingPolicy: true, insurance: false,
                                                             dbsForHomeVisits: false, checkedBy: s.admin.id, checkedAt: s.clock.now,
                                                             safeguardingPolicyExpires: CalendarDate("2031-07-19")))
            let (ok, page) = try await visitor.go(.get, "/find-support/\(F.walksID)")
            #expect(ok.status == .ok)
            #expect(page.contains("Health walks") && page.contains("Run by Riverside Walkers") && page.contains("Gentle group walks"))
            #expect(page.contains("1 Test Street") && page.contains("Tuesday, Friday 10:00–11:30"))
            #expect(page.contains("href=\"/self-referral?service=\(F.walksID)\""))
            for secret in ["PRIVATE-NOTE", "4321", "waiting list", "Pending", "pending", "2031-07-19", "Safeguarding", "safeguarding", "nsurance",
                           "Governance", "governance", "verified", "Feedback"] {
                #expect(!page.contains(secret), "the public page shows \(secret)")
            }
            let (_, results) = try await visitor.go(.get, "/find-support?search=walks")
            #expect(!results.contains("PRIVATE-NOTE") && !results.contains("4321") && !results.contains("governance"))

            let (_, closed) = try await visitor.go(.get, "/find-support/\(F.closedID)")
            #expect(closed.contains("no longer running") && !closed.contains("Ask to be referred"))
            #expect(try await visitor.go(.get, "/find-support/not-a-service").0.status == .notFound)
        }
    }

    @Test("Ask to be referred: the form has the service chosen, and the referral carries it to the link worker", arguments: TestBackend.available)
    func askToBeReferred(backend: TestBackend) async throws {
        try await withSite(backend) { s, visitor in
            let (_, form) = try await visitor.go(.get, "/self-referral?service=\(F.walksID)")
            #expect(form.contains("id=\"chosen-service\"") && form.contains("Health walks"))
            #expect(Browser.hidden("chosenServiceId", in: form) == F.walksID)
            let (_, closedForm) = try await visitor.go(.get, "/self-referral?service=\(F.closedID)")
            #expect(!closedForm.contains("id=\"chosen-service\""), "a closed service cannot be asked for")
            let (_, plain) = try await visitor.go(.get, "/self-referral")
            #expect(plain.contains("href=\"/find-support\""))

            // Sent: the referral's first step says which service was chosen; the link worker reads it on the case.
            // The form's token is the one of the page loaded last (each load sets a new one).
            let token = try #require(Browser.hidden("_form", in: plain))
            var fields = ["_form": token, "chosenServiceId": F.walksID, "person.givenName": "Nia", "person.familyName": "Roberts",
                          "person.dateOfBirth": "1961-04-09", "person.postcode": "LS1 4AP", "person.phone": "07700 900456",
                          "needs": "loneliness", "personView": "I would like to join the walks.", "consent.given": "yes"]
            fields["consent.purposes"] = "share_with_providers"
            let (sent, _) = try await visitor.go(.post, "/self-referral", form: fields)
            #expect(sent.status == .seeOther)
            let summary = try #require(try await s.store.referrals(ReferralQuery(search: "Nia Roberts")).first)
            let c = try #require(try await s.store.loadCase(summary.id))
            #expect(c.events.first?.note == "Asked to be referred to Health walks (chosen in the public directory).")
            let lw = WebPagesTests.Browser(visitor.client)
            _ = try await lw.signIn(s.linkWorker.email)
            let (_, casePage) = try await lw.go(.get, "/referrals/\(summary.id)")
            #expect(casePage.contains("Asked to be referred to Health walks (chosen in the public directory)."))
        }
    }

    @Test("A chosen service must be in the directory and running; otherwise nothing is stored", arguments: TestBackend.available)
    func chosenServiceIsChecked(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        do {
            try await s.store.saveDirectory(F.batch, at: s.clock.now, verified: true)
            for (id, message) in [(F.closedID, "no longer running"), ("nope", "no service nope")] {
                var submission = TestScheme.submission(nhsNumber: nil)
                submission.chosenServiceId = id
                do {
                    _ = try await s.casework.submitReferral(submission, by: nil)
                    Issue.record("a referral to \(id) was accepted")
                } catch LinkwellError.invalid(let errors) {
                    #expect(errors.map(\.field) == ["chosenServiceId"] && errors[0].message.contains(message))
                }
            }
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty, "nothing stored")
            var submission = TestScheme.submission(nhsNumber: nil)
            submission.chosenServiceId = F.debtID
            let created = try await s.casework.submitReferral(submission, by: Principal(s.referrer))
            #expect(try await s.store.loadCase(created.referral.id)?.events.first?.note == "Asked to be referred to Debt advice drop-in (chosen in the public directory).")
        } catch {
            try? await s.store.shutdown()
            throw error
        }
        try await s.store.shutdown()
    }
}
