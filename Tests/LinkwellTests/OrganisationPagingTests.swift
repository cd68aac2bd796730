import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// The admin's organisations page is paged by name (issue #17: every web list paged): a national practice
/// import holds about 13,000, so the page shows 50 at a time with numbered page links (`page_links.mustache`).
@Suite("Organisations page, paged", .closesStores)
struct OrganisationPagingTests {
    @Test(arguments: TestBackend.available)
    func pagesByNameWithoutRepeats(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        for n in 0..<130 {
            try await s.store.createOrganisation(Organisation(id: OrganisationID(String(format: "org-paged-%03d", n)),
                                                              name: String(format: "Paged Practice %03d", n), kind: .gpPractice))
        }
        let total = try await s.store.organisations().count
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            var uri: String? = "/admin/organisations"
            var seen: [String] = []
            var pages = 0
            while let next = uri {
                let (response, html) = try await admin.go(.get, next)
                #expect(response.status == .ok)
                let ids = html.components(separatedBy: "href=\"/admin/organisations/").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
                #expect(ids.count <= PageNumber.webSize)
                seen += ids
                pages += 1
                uri = AdminListPagingTests.href(rel: "next", in: html)
                if pages > 5 { break }
            }
            #expect(pages == PageNumber.count(total: total, size: PageNumber.webSize) && pages == 3)
            #expect(seen.count == total && Set(seen).count == total, "every organisation once")
            #expect(try await admin.go(.get, "/admin/organisations?page=zz").0.status == .unprocessableContent)
        }
    }
}
