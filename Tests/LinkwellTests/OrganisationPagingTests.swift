import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// The admin's organisations page is paged by name (issue #17: every web list paged): a national practice
/// import holds about 13,000, so the page shows 100 at a time with a link to the next.
@Suite("Organisations page, paged", .closesStores)
struct OrganisationPagingTests {
    @Test func pagesByNameWithoutRepeats() async throws {
        let s = try await TestScheme.make(.sqlite)
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
                #expect(ids.count <= 100)
                seen += ids
                pages += 1
                uri = html.components(separatedBy: "id=\"more-organisations\"").count > 1
                    ? html.components(separatedBy: "<a class=\"more\" href=\"").dropFirst().first?.split(separator: "\"").first
                        .map { String($0).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#61;", with: "=") }
                    : nil
                if pages > 5 { break }
            }
            #expect(pages == 2)
            #expect(seen.count == total && Set(seen).count == total, "every organisation once")
            #expect(try await admin.go(.get, "/admin/organisations?cursor=zz").0.status == .unprocessableContent)
        }
    }
}
