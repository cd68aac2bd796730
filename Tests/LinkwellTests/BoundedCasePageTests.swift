import Foundation
import HTTPTypes
import LinkwellCore
import LinkwellTesting
import Testing

/// The case page of a scheme whose directory holds thousands of services and whose register holds a national
/// import of practices (issue #19): it offers a bounded, searchable list of services for a referral out, names
/// only the services, organisations and staff on the case, and its HTML stays small — on every backend.
@Suite("Case page bounded at a large scheme's scale", .closesStores)
struct BoundedCasePageTests {
    static let bulkServices = 1_200

    /// A scheme with `bulkServices` active services (named "Bulk group 0001"…), 1,500 GP practices, a target
    /// service far down the alphabet, and an engaged referral already referred out to the target.
    func largeScheme(_ backend: TestBackend) async throws -> (TestScheme, ReferralID, Service) {
        let s = try await TestScheme.make(backend)
        let org = s.service.organisationID
        for i in 1...Self.bulkServices {
            try await s.store.createService(Service(id: ServiceID("svc-bulk-\(String(format: "%04d", i))"), organisationID: org,
                                                    name: "Bulk group \(String(format: "%04d", i))", description: "", category: "activity", area: "Leeds"))
        }
        let registered = Organisation(id: OrganisationID("org-zz-registered"), name: "Zedside Surgery", kind: .gpPractice, odsCode: "Y98999")
        try await s.store.saveOrganisations((1...1_500).map {
            Organisation(id: OrganisationID("org-gp-\($0)"), name: "Practice \($0)", kind: .gpPractice, odsCode: String(format: "Y9%04d", $0 + 2000))
        } + [registered])
        let target = Service(id: ServiceID("svc-zz-target"), organisationID: org, name: "Zzz target choir", description: "", category: "arts", area: "Leeds")
        try await s.store.createService(target)
        var submission = TestScheme.submission()
        submission.person?.gpPracticeCode = "Y98999"
        let id = try await s.engagedReferral(submission)
        _ = try await s.casework.referOut(id, serviceID: target.id.rawValue, note: nil, s.request(s.linkWorker))
        return (s, id, target)
    }

    static func optionCount(_ html: String, prefix: String) -> Int { html.components(separatedBy: "<option value=\"\(prefix)").count - 1 }

    @Test("Thousands of services: at most 50 offered, the case's own named, HTML small; search and the directory's choice",
          arguments: TestBackend.available)
    func bounded(backend: TestBackend) async throws {
        let (s, id, target) = try await largeScheme(backend)
        try await withRouter(s) { client in
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (response, html) = try await browser.go(.get, "/referrals/\(id)")
            #expect(response.status == .ok)
            // Two pickers (referral out and signposting), each with the first 50 services by name.
            #expect(Self.optionCount(html, prefix: "svc-bulk-") == 2 * CaseworkService.servicePickerSize)
            #expect(html.contains("value=\"svc-bulk-0001\"") && html.contains("value=\"svc-bulk-0050\"") && !html.contains("svc-bulk-0051"))
            #expect(html.contains("id=\"more-services\""))
            #expect(html.utf8.count < 100_000, "case page is \(html.utf8.count) bytes")
            // The case's own referral out is named with its organisation, and the GP practice with its code.
            #expect(html.contains(target.name) && html.contains("Zedside Surgery (Y98999)"))
            #expect(!html.contains("Practice 1499"), "the practice register is not listed")
            // Staff named on the case only: the referrer and link worker are, another link worker is not.
            #expect(html.contains(s.linkWorker.displayName) && html.contains(s.referrer.displayName))
            #expect(!html.contains(s.otherLinkWorker.displayName))

            // A search narrows the picker in the database (name or category, any case).
            let (_, found) = try await browser.go(.get, "/referrals/\(id)?findService=GROUP+1199")
            #expect(Self.optionCount(found, prefix: "svc-bulk-") == 2 && found.contains("value=\"svc-bulk-1199\""))
            #expect(!found.contains("id=\"more-services\"") && found.contains("value=\"GROUP 1199\""))
            let (_, arts) = try await browser.go(.get, "/referrals/\(id)?findService=ARTS")
            #expect(Self.optionCount(arts, prefix: "svc-zz-target") == 2 && Self.optionCount(arts, prefix: "svc-bulk-") == 0)
            let (_, none) = try await browser.go(.get, "/referrals/\(id)?findService=nothing+like+this")
            #expect(none.contains("id=\"no-services-found\"") && Self.optionCount(none, prefix: "svc-") == 0)
            // The directory's "Refer" hands over a service beyond the first 50: offered and preselected.
            let (_, chosen) = try await browser.go(.get, "/referrals/\(id)?service=svc-bulk-1100")
            #expect(chosen.contains("<option value=\"svc-bulk-1100\" selected>"))
            #expect(chosen.contains("id=\"chosen-service\""))
            // Referring out to a service found by search works as before.
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: found))
            let (posted, _) = try await browser.go(.post, "/referrals/\(id)/onward", form: ["_csrf": csrf, "serviceId": "svc-bulk-1199", "returnWindowDays": "90"])
            #expect(posted.status == .seeOther || posted.status == .found)
            let stored = try #require(try await s.store.loadCase(id))
            #expect(stored.onwardReferrals.map(\.serviceID) == [target.id, ServiceID("svc-bulk-1199")])
        }
    }

    @Test("Bounded look-ups: by ids, by text (any case, wildcards literal, inactive left out), practices by code or name",
          arguments: TestBackend.available)
    func lookups(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let org = s.service.organisationID
        let rows = [("svc-l-1", "Walk 100% fit", "Activity", true), ("svc-l-2", "Walk 100 fit", "activity", true),
                    ("svc-l-3", "Art_club", "arts", true), ("svc-l-4", "Artxclub", "arts", true), ("svc-l-5", "Closed walk", "activity", false)]
        for (id, name, category, active) in rows {
            try await s.store.createService(Service(id: ServiceID(id), organisationID: org, name: name, description: "", category: category, area: "", active: active))
        }
        #expect(try await s.store.activeServices(matching: "100%", limit: 10).map(\.id.rawValue) == ["svc-l-1"])
        #expect(try await s.store.activeServices(matching: "art_", limit: 10).map(\.id.rawValue) == ["svc-l-3"])
        let walks = Set(try await s.store.activeServices(matching: "WALK", limit: 10).map(\.id.rawValue))
        #expect(walks.isSuperset(of: ["svc-l-2", "svc-l-1"]) && !walks.contains("svc-l-5") && !walks.contains("svc-l-3"))
        #expect(try await s.store.activeServices(matching: "ACTIVITY", limit: 1).count == 1)
        let all = try await s.store.activeServices(matching: "", limit: 1_000)
        #expect(all.map(\.id) == (try await s.store.services()).filter(\.active).map(\.id))
        #expect(try await s.store.services(ids: [ServiceID("svc-l-4"), ServiceID("svc-l-3"), ServiceID("nope"), ServiceID("svc-l-3")]).map(\.id.rawValue)
                == ["svc-l-3", "svc-l-4"])
        #expect(try await s.store.services(ids: []).isEmpty)

        try await s.store.saveOrganisations([
            Organisation(id: OrganisationID("org-l-1"), name: "Hillside Surgery", kind: .gpPractice, odsCode: "Y99101"),
            Organisation(id: OrganisationID("org-l-2"), name: "Hillside Medical Centre", kind: .gpPractice, odsCode: "Y99102"),
            Organisation(id: OrganisationID("org-l-3"), name: "Hillside Community Trust", kind: .vcse),
        ])
        #expect(try await s.store.practices(matching: "y99102", limit: 10).map(\.id.rawValue) == ["org-l-2"])
        #expect(try await s.store.practices(matching: "hillside", limit: 10).map(\.id.rawValue) == ["org-l-2", "org-l-1"])
        #expect(try await s.store.practices(matching: "hillside", limit: 1).count == 1)
        #expect(try await s.store.organisations(ids: [OrganisationID("org-l-3"), OrganisationID("org-l-1")]).map(\.name)
                == ["Hillside Community Trust", "Hillside Surgery"])
        #expect(try await s.store.users(ids: [s.linkWorker.id, UserID("nobody")]).map(\.id) == [s.linkWorker.id])
        #expect(try await s.store.displayNames(ids: [s.linkWorker.id, UserID("nobody"), s.linkWorker.id, s.supervisor.id])
                == [s.linkWorker.id: s.linkWorker.displayName, s.supervisor.id: s.supervisor.displayName])
        #expect(try await s.store.displayNames(ids: []).isEmpty)
    }

    @Test("Staff named anywhere in a case are found by reflection")
    func namedStaff() {
        let a = UserID("u-a"), b = UserID("u-b"), c = UserID("u-c")
        struct Inner { var who: UserID?; var many: [UserID]; var text = "u-x" }
        struct Outer { var inner: Inner; var byKey: [String: UserID]; var none: UserID? = nil }
        let ids = NamedStaff.ids(in: Outer(inner: Inner(who: a, many: [b, a]), byKey: ["k": c]))
        #expect(ids == [a, b, c])
    }

    /// A row type that lists its staff (`ListsNamedStaff`) must list every user id it holds: each optional field set,
    /// so that a staff field added to the type later and not listed makes this fail.
    @Test("A list row that names its staff itself names exactly those reflection finds")
    func listedStaff() {
        let row = ReferralSummary(id: ReferralID("r-1"), personName: "A Person", status: .active, needs: [.loneliness], urgency: .soon,
                                  receivedAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 2),
                                  referrerID: UserID("u-referrer"), linkWorkerID: UserID("u-lw"), didNotAttendCount: 1, hasRisk: true,
                                  pathway: "mental health", referrerOrganisationID: OrganisationID("org-1"), consentPurposes: [.socialPrescribing])
        #expect(Set(row.namedStaff) == NamedStaff.reflectedIDs(in: row))
        #expect(NamedStaff.reflectedIDs(in: row) == [UserID("u-referrer"), UserID("u-lw")])
        #expect(NamedStaff.ids(in: [[row]], [String]()) == NamedStaff.reflectedIDs(in: [[row]]))
    }
}
