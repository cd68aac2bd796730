import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The NHS record, slice 1: organisations with ODS codes, the person's registered GP practice on every
/// referral, and messages back to that practice. Run on every backend.
@Suite("NHS record: organisations and the GP practice", .closesStores)
struct NHSRecordTests {
    /// A second practice (fictional code), where the test scheme's referrer does not work.
    static let hillside = Organisation(id: OrganisationID("org-hillside"), name: "Hillside Surgery", kind: .gpPractice,
                                       odsCode: "Y99002", address: "2 Hill Road", postcode: "LS6 2QT", email: "hillside.practice@test.example")

    static func scheme(_ backend: TestBackend) async throws -> TestScheme {
        let s = try await TestScheme.make(backend)
        try await s.store.saveOrganisation(Self.hillside)
        return s
    }

    // MARK: ODS codes

    @Test func odsCodeShapes() {
        #expect(ODSCode.problem("B86012", for: .gpPractice) == nil)
        for bad in ["B8601", "B860123", "BB6012", "123456", "B8601X", "b86012"] {
            #expect(ODSCode.problem(bad, for: .gpPractice) != nil, "\(bad)")
        }
        #expect(ODSCode.problem("U12345", for: .pcn) == nil)
        #expect(ODSCode.problem("A12345", for: .pcn) != nil && ODSCode.problem("U1234", for: .pcn) != nil)
        #expect(ODSCode.problem("QNQ", for: .icb) == nil && ODSCode.problem("Q-1", for: .icb) != nil && ODSCode.problem("AB", for: .other) != nil)
        #expect(ODSCode.normalised("  b86012 ") == "B86012")
    }

    // MARK: Storage

    @Test("Organisations round-trip; an ODS code belongs to one organisation; batches are atomic", arguments: TestBackend.available)
    func organisationStore(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        let stored = try #require(try await s.store.organisation(id: Self.hillside.id))
        #expect(stored == Self.hillside)
        #expect(try await s.store.organisation(odsCode: "Y99002") == Self.hillside)
        #expect(try await s.store.organisation(odsCode: "Y00000") == nil)

        var moved = Self.hillside
        moved.address = "3 Hill Road\nLeeds"
        moved.phone = "0113 496 0001"
        try await s.store.saveOrganisation(moved)
        #expect(try await s.store.organisation(id: moved.id) == moved)

        let clash = Organisation(id: OrganisationID("org-clash"), name: "Clash", kind: .gpPractice, odsCode: "Y99001")
        await #expect(throws: StorageError.duplicate("odsCode")) { try await s.store.saveOrganisation(clash) }
        #expect(try await s.store.organisation(id: clash.id) == nil)

        let fine = Organisation(id: OrganisationID("org-fine"), name: "Fine", kind: .pcn, odsCode: "U12345")
        await #expect(throws: StorageError.duplicate("odsCode")) { try await s.store.saveOrganisations([fine, clash]) }
        #expect(try await s.store.organisation(id: fine.id) == nil, "nothing of a refused batch is stored")

        // Codes can swap between organisations within one batch.
        var a = try #require(try await s.store.organisation(odsCode: "Y99001")), b = moved
        (a.odsCode, b.odsCode) = (b.odsCode, a.odsCode)
        try await s.store.saveOrganisations([a, b])
        #expect(try await s.store.organisation(odsCode: "Y99001")?.id == b.id)
        #expect(try await s.store.organisation(odsCode: "Y99002")?.id == a.id)
    }

    // MARK: The registered practice on a referral

    @Test("A professional referral needs the person's GP practice; a self-referral may leave it out", arguments: TestBackend.available)
    func practiceOnReferral(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        // A link worker works at no practice: the practice must be given, and be one the scheme knows.
        var sub = TestScheme.submission()
        for (code, expected) in [(nil, "required"), ("12345", "one letter and five digits"), ("Y12345", "No GP practice with ODS code Y12345")] as [(String?, String)] {
            sub.person?.gpPracticeCode = code
            do {
                _ = try await s.casework.submitReferral(sub, by: Principal(s.linkWorker))
                Issue.record("accepted \(code ?? "nil")")
            } catch LinkwellError.invalid(let errors) {
                #expect(errors.contains { $0.field == "person.gpPracticeCode" && $0.message.contains(expected) }, "\(errors)")
            }
        }
        #expect(try await s.store.referrals(ReferralQuery()).isEmpty, "nothing stored")
        sub.person?.gpPracticeCode = " y99002 "
        let made = try await s.casework.submitReferral(sub, by: Principal(s.linkWorker))
        #expect(made.person.gpPracticeID == Self.hillside.id)
        #expect(try await s.store.loadCase(made.referral.id)?.person.gpPracticeID == Self.hillside.id)

        // A GP referring without naming a practice: the person is taken to be registered with theirs.
        var gwen = TestScheme.submission(givenName: "Gwen", nhsNumber: nil)
        gwen.person?.gpPracticeCode = nil
        let fromGP = try await s.casework.submitReferral(gwen, by: Principal(s.referrer))
        #expect(fromGP.person.gpPracticeID == s.referrer.organisationID)

        // Self-referral: optional, and recorded when given.
        var own = TestScheme.submission(givenName: "Sally", nhsNumber: nil)
        own.person?.gpPracticeCode = nil
        let anonymous = try await s.casework.submitReferral(own, by: nil)
        #expect(anonymous.person.gpPracticeID == nil)
        own.person?.gpPracticeCode = "Y99002"
        #expect(try await s.casework.submitReferral(own, by: nil).person.gpPracticeID == Self.hillside.id)
    }

    @Test("The API records the practice and names the field when it is wrong", arguments: TestBackend.available)
    func practiceThroughAPI(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let body = APITests.referralJSON.replacingOccurrences(of: #""nhsNumber":"9434765919"}"#, with: #""nhsNumber":"9434765919","gpPracticeCode":"Z1"}"#)
            #expect(body != APITests.referralJSON)
            let refused = try await api.call(.post, "/api/v1/referrals", as: s.linkWorker, json: body, expect: .unprocessableContent)
            #expect(String(describing: refused).contains("person.gpPracticeCode"))
            let missing = try await api.call(.post, "/api/v1/referrals", as: s.linkWorker, json: APITests.referralJSON, expect: .unprocessableContent)
            #expect(String(describing: missing).contains("person.gpPracticeCode"))
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty)
            let made = try await api.call(.post, "/api/v1/referrals", as: s.linkWorker,
                                          json: body.replacingOccurrences(of: #""Z1""#, with: #""Y99002""#), expect: .created)
            #expect((made["person"] as? [String: Any])?["gpPracticeID"] as? String == "org-hillside")
        }
    }

    // MARK: Messages back to the practice

    /// A referral by the test scheme's GP for someone registered at `practice`, with these consent purposes.
    func refer(_ s: TestScheme, practice: String?, purposes: [String], feedback: String = "key_events") async throws -> ReferralID {
        var sub = TestScheme.submission(nhsNumber: "943 476 5919")
        sub.person?.gpPracticeCode = practice
        sub.consent?.purposes = purposes
        sub.feedbackPreference = feedback
        return try await s.casework.submitReferral(sub, by: Principal(s.referrer)).referral.id
    }

    @Test("The registered practice hears back when it is not the referrer's, as consent and preference allow", arguments: TestBackend.available)
    func practiceMessagesBack(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        let lw = s.request(s.linkWorker)
        let elsewhere = try await refer(s, practice: "Y99002", purposes: ["share_with_referrer"])
        _ = try await s.casework.accept(elsewhere, lw)
        let c = try #require(try await s.store.loadCase(elsewhere))
        #expect(c.messages.count == 2)
        let toReferrer = try #require(c.messages.first { $0.recipientID == s.referrer.id })
        let toPractice = try #require(c.messages.first { $0.recipientOrganisationID == Self.hillside.id })
        #expect(toPractice.recipientID == nil && toPractice.kind == .accepted && toPractice.snomedCode == "871731000000106")
        #expect(toPractice.body.contains("Margaret Hughes") && toPractice.body.contains("1948-05-02") && toPractice.body.contains("943 476 5919"))
        #expect(!toReferrer.body.contains("Margaret"), "the referrer's copy is unchanged")
        #expect(try await s.store.messages(organisationID: Self.hillside.id).map(\.id) == [toPractice.id])

        // Without consent to updates for the referrer and GP the practice hears nothing (the referrer still hears the decision).
        let noConsent = try await refer(s, practice: "Y99002", purposes: [])
        _ = try await s.casework.accept(noConsent, lw)
        #expect(try await s.store.loadCase(noConsent)?.messages.map(\.recipientID) == [s.referrer.id])
        // The referrer's own practice: one message, to the referrer.
        let same = try await refer(s, practice: "Y99001", purposes: ["share_with_referrer"])
        _ = try await s.casework.accept(same, lw)
        #expect(try await s.store.loadCase(same)?.messages.map(\.recipientID) == [s.referrer.id])
        // The referrer asked to hear only at closing (and of a decline): so does the practice.
        let quiet = try await refer(s, practice: "Y99002", purposes: ["share_with_referrer"], feedback: "closing_only")
        _ = try await s.casework.accept(quiet, lw)
        #expect(try await s.store.loadCase(quiet)?.messages.isEmpty == true)
        let closingOnly = try await refer(s, practice: "Y99002", purposes: ["share_with_referrer"], feedback: "closing_only")
        let sup = s.request(s.supervisor)
        try await s.casework.act(on: closingOnly, sup) { [env = s.env] in try $0.decline(reason: "Moved away", by: sup.principal, env: env) }
        let declined = try #require(try await s.store.loadCase(closingOnly)).messages
        #expect(declined.map(\.kind) == [.declined, .declined] && declined.contains { $0.recipientOrganisationID == Self.hillside.id })

        // A self-referral names its practice: only the practice can hear back.
        var own = TestScheme.submission(givenName: "Sally", nhsNumber: nil)
        own.person?.gpPracticeCode = "Y99002"
        let selfMade = try await s.casework.submitReferral(own, by: nil).referral.id
        _ = try await s.casework.accept(selfMade, lw)
        #expect(try await s.store.loadCase(selfMade)?.messages.map(\.recipientOrganisationID) == [Self.hillside.id])

        // The e-mail goes to the practice's contact route; it names no one.
        let sent = Captured()
        let sender = OutboxSender(store: s.store, transport: sent, policy: OutboxPolicy(), env: s.env)
        let run = try await sender.sendDue()
        #expect(run.failed == 0)
        let toHillside = sent.emails.filter { $0.to == "hillside.practice@test.example" }
        #expect(toHillside.count == 3 && toHillside.allSatisfy { !$0.body.contains("Margaret") && !$0.body.contains("Sally") && $0.body.contains("registered with your practice") })
    }

    @Test("Someone at the practice reads its messages back; no one else does", arguments: TestBackend.available)
    func practiceInbox(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        let hillsideGP = try await s.accounts.createUser(email: "hgp@test.example", displayName: "Dr Hill", role: "referrer",
                                                         organisationID: Self.hillside.id.rawValue, password: TestScheme.password)
        let id = try await refer(s, practice: "Y99002", purposes: ["share_with_referrer"])
        _ = try await s.casework.accept(id, s.request(s.linkWorker))
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let theirs = try await api.call(.get, "/api/v1/messages", as: hillsideGP, expect: .ok)["list"] as? [[String: Any]]
            #expect(theirs?.count == 1 && theirs?.first?["recipientOrganisationID"] as? String == "org-hillside")
            // The practice reads the message, not the case: it did not make the referral.
            try await api.call(.get, "/api/v1/referrals/\(id)", as: hillsideGP, expect: .notFound)
            let referrers = try await api.call(.get, "/api/v1/messages", as: s.otherReferrer, expect: .ok)["list"] as? [[String: Any]]
            #expect(referrers?.isEmpty == true, "a colleague of the referrer at another practice sees none of it")
        }
    }

    // MARK: Administration

    @Test("Admins add, edit and import organisations; bad ODS codes are named", arguments: TestBackend.available)
    func organisationsAPI(backend: TestBackend) async throws {
        let s = try await Self.scheme(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            try await api.call(.get, "/api/v1/organisations", as: s.referrer, expect: .forbidden)
            for (body, field) in [(#"{"name":"No code","kind":"gp_practice"}"#, "odsCode"),
                                  (#"{"name":"Bad","kind":"gp_practice","odsCode":"ABC"}"#, "odsCode"),
                                  (#"{"name":"PCN","kind":"pcn","odsCode":"Y12345"}"#, "odsCode"),
                                  (#"{"name":"Taken","kind":"gp_practice","odsCode":"y99001"}"#, "odsCode"),
                                  (#"{"name":"P","kind":"gp_practice","odsCode":"Y12345","postcode":"nowhere"}"#, "postcode"),
                                  (#"{"name":"","kind":"surgery"}"#, "kind")] {
                let problem = try await api.call(.post, "/api/v1/organisations", as: s.admin, json: body, expect: .unprocessableContent)
                #expect(String(describing: problem).contains(field), "\(body)")
            }
            let before = try await s.store.organisations().count
            let made = try await api.call(.post, "/api/v1/organisations", as: s.admin,
                                          json: #"{"name":"Canal PCN","kind":"pcn","odsCode":"u54321","email":"PCN@test.example"}"#, expect: .created)
            #expect(made["odsCode"] as? String == "U54321" && made["email"] as? String == "pcn@test.example")
            let id = try #require(made["id"] as? String)
            let edited = try await api.call(.put, "/api/v1/organisations/\(id)", as: s.admin,
                                            json: #"{"name":"Canal Primary Care Network","kind":"pcn","odsCode":"U54321","postcode":"ls11 5as"}"#, expect: .ok)
            #expect(edited["postcode"] as? String == "LS11 5AS")
            #expect(try await s.store.organisations().count == before + 1)

            // epraccur.csv layout: no header; Y99002 is known (updated), Y77777 new, Y66666 closed, the fourth row
            // refused, Y55555 a walk-in centre (prescribing setting 1 in column 26), not a GP practice.
            func row(_ code: String, _ name: String, _ postcode: String, _ status: String, setting: String = "4") -> String {
                "\"\(code)\",\"\(name)\",\"Y63\",\"QWO\",\"1 HIGH STREET\",\"\",\"LEEDS\",\"\",\"\",\"\(postcode)\",\"19740401\",\"\",\"\(status)\",\"B\",\"15F\",\"20130401\",\"\",\"0113 000000\",\"\",\"\",\"\",\"0\",\"\",\"\",\"\",\"\(setting)\",\"\""
            }
            let csv = [row("Y99002", "HILLSIDE SURGERY", "LS6 2QT", "A"), row("Y77777", "NEW PRACTICE", "LS7 3JB", "A"),
                       row("Y66666", "CLOSED PRACTICE", "LS8 1DR", "C"), row("77777", "BROKEN", "LS8 1DR", "A"),
                       row("Y55555", "CITY WALK-IN CENTRE", "LS2 8BE", "A", setting: "1")].joined(separator: "\n")
            let strict = try await api.call(.post, "/api/v1/organisations/import", as: s.admin,
                                            json: try jsonString(["csv": csv, "allOrNothing": true]), expect: .unprocessableContent)
            #expect(String(describing: strict).contains("Line 4 (odsCode)"))
            #expect(try await s.store.organisation(odsCode: "Y77777") == nil, "all or nothing stored nothing")
            let report = try await api.call(.post, "/api/v1/organisations/import", as: s.admin, json: try jsonString(["csv": csv]), expect: .ok)
            #expect(report["created"] as? Int == 1 && report["updated"] as? Int == 1 && report["skippedClosed"] as? Int == 1)
            #expect(report["skippedOtherSettings"] as? Int == 1)
            #expect(try await s.store.organisation(odsCode: "Y55555") == nil, "a walk-in centre is not listed as a GP practice")
            #expect((report["rejected"] as? [[String: Any]])?.map { $0["line"] as? Int } == [4])
            let added = try #require(try await s.store.organisation(odsCode: "Y77777"))
            #expect(added.kind == .gpPractice && added.name == "NEW PRACTICE" && added.postcode == "LS7 3JB" && added.address == "1 HIGH STREET\nLEEDS")
            let updated = try #require(try await s.store.organisation(odsCode: "Y99002"))
            #expect(updated.id == Self.hillside.id && updated.name == "HILLSIDE SURGERY" && updated.email == Self.hillside.email,
                    "an extract without e-mails keeps the contact route")
            #expect(try await s.store.organisation(odsCode: "Y66666") == nil)

            // A CSV with a header naming its columns.
            let headed = "ods_code,name,postcode,email\nU11111,Riverside PCN,LS1 4AP,riverside.pcn@test.example\n"
            let pcns = try await api.call(.post, "/api/v1/organisations/import", as: s.admin, json: try jsonString(["csv": headed, "kind": "pcn"]), expect: .ok)
            let pcn = try await s.store.organisation(odsCode: "U11111")
            #expect(pcns["created"] as? Int == 1 && pcn?.kind == .pcn)
            let unreadable = try await api.call(.post, "/api/v1/organisations/import", as: s.admin, json: try jsonString(["csv": "\"unclosed"]),
                                                expect: .unprocessableContent)
            #expect(String(describing: unreadable).contains("csv"))
        }
    }

    @Test("The organisations pages, and the practice on the referral forms")
    func pages() async throws {
        let s = try await Self.scheme(.sqlite)
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let (list, html) = try await admin.go(.get, "/admin/organisations")
            #expect(list.status == .ok && html.contains("Hillside Surgery") && html.contains("Y99002"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            let (bad, problem) = try await admin.go(.post, "/admin/organisations", form: ["_csrf": csrf, "name": "Oak Practice", "kind": "gp_practice", "odsCode": "OAK"])
            #expect(bad.status == .unprocessableContent && problem.contains("one letter and five digits") && problem.contains("value=\"Oak Practice\""))
            let (good, _) = try await admin.go(.post, "/admin/organisations", form: ["_csrf": csrf, "name": "Oak Practice", "kind": "gp_practice", "odsCode": "Y55555"])
            let oak = try await s.store.organisation(odsCode: "Y55555")
            #expect(good.status == .seeOther && oak?.name == "Oak Practice")
            let (imported, report) = try await admin.go(.post, "/admin/organisations/import",
                                                        form: ["_csrf": csrf, "csv": "ods_code,name\nY44444,Elm Surgery\n", "kind": "gp_practice"])
            #expect(imported.status == .ok && report.contains("1 added"))

            let gp = WebPagesTests.Browser(client)
            _ = try await gp.signIn(s.referrer.email)
            let (_, form) = try await gp.go(.get, "/referrals/new")
            // The practice is typed (name or ODS code, resolved on submit), not chosen from every practice.
            #expect(form.contains("name=\"person.gpPracticeCode\" value=\"Riverside Medical Practice (Y99001)\""), "the GP's own practice is filled in")
            #expect(!form.contains("Elm Surgery (Y44444)"))
            let (_, selfForm) = try await WebPagesTests.Browser(client).go(.get, "/self-referral")
            #expect(selfForm.contains("name=\"person.gpPracticeCode\" value=\"\"") && !selfForm.contains("Hillside Surgery (Y99002)"))
        }
    }
}

/// Keeps what it is given (a mail transport for tests).
final class Captured: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [EmailMessage] = []
    var emails: [EmailMessage] { lock.withLock { kept } }
    func deliver(_ email: EmailMessage) async throws -> DeliveryResult {
        lock.withLock { kept.append(email) }
        return .delivered
    }
}

func jsonString(_ value: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
}
