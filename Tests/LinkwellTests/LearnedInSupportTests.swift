import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// What link workers learn in support, on every backend: needs, interests, strengths and barriers added and
/// ended (needs feeding the facts that directory matching and unmet demand count), gaps feeding the
/// unmet-demand dashboard, and link workers' ratings of services summarised for commissioners — every
/// figure protected like every aggregate.
@Suite("What is learned in support", .closesStores)
struct LearnedInSupportTests {
    static func bit(_ need: Need) -> Int { 1 << Need.allCases.firstIndex(of: need)! }

    static func fact(_ s: TestScheme, _ id: String) async throws -> ReferralFact {
        try #require(try await s.store.referralFacts(after: nil, limit: 10_000).first { $0.referralID.rawValue == id })
    }

    @Test("Needs, interests, strengths and barriers through the API, with the same rules as the page", arguments: TestBackend.available)
    func learned(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let id = try await s.engagedReferral().rawValue
            let path = "/api/v1/referrals/\(id)/learned"
            // Intake needs are loneliness and low mood; debt emerges in support.
            #expect(try await Self.fact(s, id).needsMask & Self.bit(.debt) == 0)
            let added = try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"need","need":"debt","detail":"Rent arrears"}"#, expect: .ok)
            let item = try #require((added["profile"] as? [[String: Any]])?.first)
            #expect(item["need"] as? String == "debt" && item["kind"] as? String == "need")
            #expect(try await Self.fact(s, id).needsMask & Self.bit(.debt) != 0, "an emerging need counts like an intake need")
            try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"need","need":"debt"}"#, expect: .conflict)
            try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"need","need":"loneliness"}"#, expect: .conflict)
            // Interests are coded like needs; strengths and barriers are words.
            try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"interest","need":"physical_activity","detail":"Used to walk"}"#, expect: .ok)
            let barrier = try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"barrier"}"#, expect: .unprocessableContent)
            #expect(((barrier["errors"] as? [[String: Any]])?.first)?["field"] as? String == "detail")
            try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"strength","detail":"Good with people"}"#, expect: .ok)
            let wrong = try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"hobby","need":"nonsense"}"#, expect: .unprocessableContent)
            #expect(Set(((wrong["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }) == ["kind"])
            let coded = try await api.call(.post, path, as: s.linkWorker, json: #"{"kind":"need","need":"http://snomed.info/sct|123"}"#, expect: .unprocessableContent)
            #expect(((coded["errors"] as? [[String: Any]])?.first)?["field"] as? String == "need")
            // Only the case's own link worker or a supervisor.
            try await api.call(.post, path, as: s.otherLinkWorker, json: #"{"kind":"strength","detail":"x"}"#, expect: .notFound)
            try await api.call(.post, path, as: s.provider, json: #"{"kind":"strength","detail":"x"}"#, expect: .forbidden)
            // Ending a need takes it out of the counts; it stays on the record.
            let itemID = try #require(item["id"] as? String)
            let ended = try await api.call(.post, "\(path)/\(itemID)/end", as: s.supervisor, expect: .ok)
            #expect(((ended["profile"] as? [[String: Any]])?.first { $0["id"] as? String == itemID })?["endedAt"] != nil)
            #expect(try await Self.fact(s, id).needsMask & Self.bit(.debt) == 0)
            try await api.call(.post, "\(path)/\(itemID)/end", as: s.supervisor, expect: .conflict)
            try await api.call(.post, "\(path)/nope/end", as: s.supervisor, expect: .notFound)
            #expect(try await s.store.loadCase(ReferralID(id))?.profile.count == 3)
            // The page shows it, and its form errors sit beside their fields.
            let page = WebPagesTests.Browser(client)
            _ = try await page.signIn(s.linkWorker.email)
            let (_, html) = try await page.go(.get, "/referrals/\(id)")
            #expect(html.contains("Good with people") && html.contains("No longer applies") && html.contains("Used to walk"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            let (refused, refusedHTML) = try await page.go(.post, "/referrals/\(id)/gaps", form: ["_csrf": csrf, "need": "", "reason": "full"])
            #expect(refused.status == .unprocessableContent && refusedHTML.contains("id=\"gapNeed-error\""))
            let (done, _) = try await page.go(.post, "/referrals/\(id)/learned", form: ["_csrf": csrf, "kind": "barrier", "need": "", "detail": "No bus on Sundays"])
            #expect(done.status.code == 303 || done.status.code == 302)
            #expect(try await s.store.loadCase(ReferralID(id))?.profile.contains { $0.detail == "No bus on Sundays" } == true)
        }
    }

    @Test("Gaps reach the unmet-demand dashboard and feedback the commissioners' summary, both protected", arguments: TestBackend.available)
    func aggregates(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            // 12 people with a housing gap, 3 with a carer-support gap (below the minimum group size).
            for i in 0..<15 {
                let id = try await s.engagedReferral(TestScheme.submission(givenName: "Person\(i)", nhsNumber: nil)).rawValue
                let need = i < 12 ? "housing" : "carer_support"
                try await api.call(.post, "/api/v1/referrals/\(id)/gaps", as: s.linkWorker, json: "{\"need\":\"\(need)\",\"reason\":\"no_service\"}", expect: .ok)
            }
            let bad = try await api.call(.post, "/api/v1/referrals/\(try await s.engagedReferral().rawValue)/gaps", as: s.linkWorker,
                                         json: #"{"need":"housing","reason":"because"}"#, expect: .unprocessableContent)
            #expect(((bad["errors"] as? [[String: Any]])?.first)?["field"] as? String == "reason")
            let table = try await api.call(.get, "/api/v1/insight/unmet_need", as: s.commissioner, expect: .ok)
            let columns = try #require(table["columns"] as? [String])
            #expect(columns.last == "Gaps recorded by link workers")
            func row(_ need: Need) throws -> [Any] {
                let rows = try #require(table["rows"] as? [[String: Any]])
                return try #require(rows.first { $0["key"] as? String == need.rawValue }?["values"] as? [Any])
            }
            let housing = try row(.housing).last, carers = try row(.carerSupport).last
            #expect((housing as? Int).map { $0 % 5 == 0 && abs($0 - 12) <= 5 } == true, "\(String(describing: housing))")
            #expect(carers is NSNull, "three gaps are suppressed")

            // Feedback on a directory listing: 11 good ratings and 2 poor ones; the words never leave.
            let club = syntheticUUID(0xfb, 1)
            try await s.store.saveDirectory(DirectoryBatch(services: [HSDSService(id: club, organizationID: "org-walkers", name: "Walking club",
                                                                                  description: "Walks", status: .active)]), at: s.clock.now, verified: true)
            for i in 0..<13 {
                try await s.store.addFeedback(ServiceFeedback(id: "fb-\(i)", serviceID: club, authorID: s.linkWorker.id, at: s.clock.now,
                                                              rating: i < 11 ? 5 : 1, text: "Secret words \(i)"))
            }
            let (response, body) = try await api.send(.get, "/api/v1/insight/service_feedback", as: s.commissioner)
            #expect(response.status == .ok && !body.contains("Secret words"))
            let summary = APIClient.parse(body)
            let walks = try #require((summary["rows"] as? [[String: Any]])?.first { $0["key"] as? String == club })
            #expect(walks["label"] as? String == "Walking club")
            let values = try #require(walks["values"] as? [Any])
            #expect((values[0] as? Int).map { $0 % 5 == 0 && abs($0 - 11) <= 5 } == true && values[2] is NSNull, "\(values)")
            try await api.call(.get, "/api/v1/insight/service_feedback", as: s.provider, expect: .forbidden)
        }
    }
}
