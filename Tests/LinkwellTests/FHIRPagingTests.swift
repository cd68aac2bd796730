import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// FHIR search paging: `_count` and the Bundle's `next` link, on ServiceRequest (an opaque cursor) and on
/// Task by focus (an offset); every match is reached once, and bad paging parameters are refused by name.
@Suite("FHIR: search paging", .closesStores)
struct FHIRPagingTests {
    /// The link's path and query, for the test client (which takes no host).
    static func path(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        return components.path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    static func links(_ bundle: [String: Any]) -> [String: String] {
        Dictionary(((bundle["link"] as? [[String: Any]]) ?? []).compactMap { l in (l["relation"] as? String).map { ($0, l["url"] as? String ?? "") } },
                   uniquingKeysWith: { a, _ in a })
    }

    static func ids(_ bundle: [String: Any]) -> [String] {
        ((bundle["entry"] as? [[String: Any]]) ?? []).compactMap { ($0["resource"] as? [String: Any])?["id"] as? String }
    }

    @Test("ServiceRequest and Task searches page with _count and a next link; bad _count and _page are refused by name",
          arguments: TestBackend.available)
    func paging(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var ids: [String] = []
        for name in ["Ann", "Bea", "Cy", "Di", "Eve"] {
            ids.append(try await s.casework.submitReferral(TestScheme.submission(givenName: name), by: Principal(s.referrer)).referral.id.rawValue)
        }
        let made = ids
        try await withRouter(s) { client in
            var seen: [String] = []
            var next: String? = "/fhir/ServiceRequest?_count=2"
            var pages = 0
            while let uri = next {
                let (status, bundle) = try await FHIRTests.send(client, s, .get, uri, as: s.referrer)
                #expect(status == .ok && bundle["type"] as? String == "searchset")
                let page = Self.ids(bundle)
                #expect(page.count <= 2)
                seen += page
                pages += 1
                let links = Self.links(bundle)
                #expect(links["self"]?.contains("_count=2") == true)
                next = links["next"].map(Self.path)
                #expect(next == nil || next!.contains("_count=2"), "the next link keeps the page size")
                if pages > 5 { break }
            }
            #expect(pages == 3 && seen.count == 5 && Set(seen) == Set(made), "every referral once: \(seen)")
            // Without _count, one page holds them all and there is no next link.
            let (_, whole) = try await FHIRTests.send(client, s, .get, "/fhir/ServiceRequest", as: s.referrer)
            #expect(Set(Self.ids(whole)) == Set(made) && Self.links(whole)["next"] == nil)

            for (uri, name) in [("/fhir/ServiceRequest?_count=0", "_count"), ("/fhir/ServiceRequest?_count=201", "_count"),
                                ("/fhir/ServiceRequest?_count=two", "_count"), ("/fhir/ServiceRequest?_page=not-a-token", "_page"),
                                ("/fhir/Task?focus=ServiceRequest/\(made[0])&_page=99", "_page")] {
                let (status, outcome) = try await FHIRTests.send(client, s, .get, uri, as: s.referrer)
                #expect(status.code >= 400 && status.code < 500, "\(uri)")
                #expect(FHIRTests.expressions(outcome).contains(name), "\(uri): \(outcome)")
            }

            // Task by focus: the referral in and a referral out, one to a page.
            let id = ReferralID(made[0])
            _ = try await s.casework.accept(id, s.request(s.linkWorker))
            _ = try await s.casework.act(on: id, s.request(s.linkWorker)) { [env = s.casework.env, lw = s.request(s.linkWorker)] in
                try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 30, successful: true, notes: ""), by: lw.principal, env: env)
            }
            _ = try await s.casework.act(on: id, s.request(s.linkWorker)) { [env = s.casework.env, lw = s.request(s.linkWorker), service = s.service] in
                try $0.referOut(to: service, note: "", by: lw.principal, env: env)
            }
            let (_, first) = try await FHIRTests.send(client, s, .get, "/fhir/Task?focus=ServiceRequest/\(made[0])&_count=1", as: s.linkWorker)
            #expect(Self.ids(first).count == 1 && first["total"] as? Int == 2)
            let nextTask = try #require(Self.links(first)["next"].map(Self.path))
            let (_, second) = try await FHIRTests.send(client, s, .get, nextTask, as: s.linkWorker)
            #expect(Self.ids(second).count == 1 && Self.links(second)["next"] == nil)
            #expect(Set(Self.ids(first) + Self.ids(second)).count == 2 && (Self.ids(first) + Self.ids(second)).contains("in-\(made[0])"))
        }
    }
}
