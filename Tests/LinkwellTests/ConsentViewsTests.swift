import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Consent is enforced where data is shown: every purpose × every way its consent can stand (given at intake,
/// never given, withdrawn later) × every viewer, through the API and the pages, on each backend.
@Suite("Consent decides every view of a case", .closesStores)
struct ConsentViewsTests {
    enum State: String, CaseIterable, CustomStringConvertible {
        case given, neverGiven, withdrawn
        var description: String { rawValue }
    }

    static let purposes: [ConsentPurpose] = [.shareWithReferrer, .shareWithProviders, .evaluation]
    static let scenarios: [(TestBackend, ConsentPurpose, State)] = TestBackend.available.flatMap { backend in
        purposes.flatMap { purpose in State.allCases.map { (backend, purpose, $0) } }
    }

    @Test("Each viewer sees exactly what the consent allows", arguments: scenarios)
    func views(backend: TestBackend, purpose: ConsentPurpose, state: State) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APITests.Client(client: client, s: s)
            let granted = Self.purposes.filter { !($0 == purpose && state == .neverGiven) }.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
            let body = APITests.referralJSON.replacingOccurrences(of: #""purposes":["share_with_providers","share_with_referrer"]"#,
                                                                   with: "\"purposes\":[\(granted)]")
            let id = try await api.referralInSupport(body)
            // Without consent to share with community services there is no referral out to make: it is refused.
            let canReferOut = !(purpose == .shareWithProviders && state == .neverGiven)
            let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.linkWorker,
                                         json: #"{"serviceId":"svc-walks","note":"Meet at the gate"}"#, expect: canReferOut ? .created : .conflict)
            let onwardID = ((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String
            if state == .withdrawn {
                try await api.call(.post, "/api/v1/referrals/\(id)/consent/withdraw", as: s.linkWorker,
                                   json: "{\"reason\":\"\(purpose.rawValue)\",\"note\":\"Changed their mind\"}", expect: .ok)
            }
            let shared = { (p: ConsentPurpose) in p != purpose || state == .given }
            let context = "\(purpose.rawValue) \(state)"

            // The referrer: the decision always; progress, services and who is supporting only with consent; notes never.
            let mine = try await api.call(.get, "/api/v1/referrals/\(id)", as: s.referrer, expect: .ok)
            let services = (mine["onwardReferrals"] as? [[String: Any]]) ?? []
            #expect(mine["progressShared"] as? Bool == shared(.shareWithReferrer), "\(context)")
            #expect(services.isEmpty == !(shared(.shareWithReferrer) && canReferOut), "\(context): services referred to")
            #expect((mine["firstSeenAt"] != nil) == shared(.shareWithReferrer), "\(context): first seen")
            #expect((mine["linkWorkerName"] != nil) == shared(.shareWithReferrer), "\(context): link worker")
            #expect((mine["status"] as? String == "accepted") == !shared(.shareWithReferrer), "\(context): only the decision without consent")
            let list = try await api.call(.get, "/api/v1/referrals", as: s.referrer, expect: .ok)
            let listed = try #require((list["list"] as? [[String: Any]])?.first)
            #expect((listed["status"] as? String == "accepted") == !shared(.shareWithReferrer), "\(context): the referrer's list")
            #expect((listed["linkWorkerID"] != nil) == shared(.shareWithReferrer), "\(context): the referrer's list")
            let notes = ((mine["events"] as? [[String: Any]]) ?? []).compactMap { $0["note"] as? String }
            #expect(notes.allSatisfy { $0.isEmpty }, "\(context): casework notes never go back to the referrer")
            let referrerPage = WebPagesTests.Browser(client)
            _ = try await referrerPage.signIn(s.referrer.email)
            let (_, referrerHTML) = try await referrerPage.go(.get, "/referrals/\(id)")
            #expect(referrerHTML.contains("Health walks") == (shared(.shareWithReferrer) && canReferOut), "\(context): referrer's page")
            #expect(referrerHTML.contains("progress-not-shared") == !shared(.shareWithReferrer), "\(context): referrer's page says why")
            #expect(!referrerHTML.contains("Private casework note"))

            // The provider: the person's name and contact details only with consent to share with community services.
            let inbox = try await api.call(.get, "/api/v1/onward-referrals", as: s.provider, expect: .ok)
            let rows = (inbox["list"] as? [[String: Any]]) ?? []
            #expect(rows.count == (canReferOut ? 1 : 0), "\(context): provider inbox")
            if let onwardID, let row = rows.first {
                let view = try await api.call(.get, "/api/v1/onward-referrals/\(onwardID)", as: s.provider, expect: .ok)
                #expect((view["personName"] as? String == "Margaret Hughes") == shared(.shareWithProviders), "\(context): provider view")
                #expect((view["phone"] as? String == "07700 900123") == shared(.shareWithProviders), "\(context): provider phone")
                #expect(view["consentWithdrawn"] as? Bool == !shared(.shareWithProviders), "\(context)")
                #expect((row["personName"] as? String == "Margaret Hughes") == shared(.shareWithProviders), "\(context): provider inbox")
                let providerPage = WebPagesTests.Browser(client)
                _ = try await providerPage.signIn(s.provider.email)
                let (_, providerHTML) = try await providerPage.go(.get, "/provider/referrals/\(onwardID)")
                #expect(providerHTML.contains("Margaret Hughes") == shared(.shareWithProviders), "\(context): provider page")
            }

            // The same promises through FHIR and the standard's message back: a referrer without consent to share
            // progress learns the decision only; scores and the message back need that consent; a provider's
            // Task never names the person; the commissioner reads nothing person-level.
            func fhir(_ uri: String, as user: User) async throws -> (HTTPResponse.Status, String) {
                let (response, text) = try await api.send(.get, uri, as: user)
                return (response.status, text)
            }
            let (tasksStatus, tasksText) = try await fhir("/fhir/Task?focus=ServiceRequest/\(id)", as: s.referrer)
            #expect(tasksStatus == .ok, "\(context): \(tasksText)")
            let taskEntries = ((APIClient.parse(tasksText)["entry"] as? [[String: Any]]) ?? []).compactMap { $0["resource"] as? [String: Any] }
            #expect(taskEntries.count == (shared(.shareWithReferrer) && canReferOut ? 2 : 1), "\(context): the FHIR Tasks a referrer sees")
            let inTask = taskEntries.first { ($0["id"] as? String)?.hasPrefix("in-") == true }
            #expect((inTask?["status"] as? String == "accepted") == !shared(.shareWithReferrer), "\(context): FHIR Task status")
            #expect((inTask?["status"] as? String == "in-progress") == shared(.shareWithReferrer), "\(context): FHIR Task status")
            let (scoresStatus, scoresText) = try await fhir("/fhir/Observation?subject=Patient/\(id)", as: s.referrer)
            #expect(scoresStatus == (shared(.shareWithReferrer) ? .ok : .forbidden), "\(context): FHIR scores for the referrer: \(scoresText)")
            #expect(scoresText.contains("\"valueQuantity\"") == shared(.shareWithReferrer), "\(context): no score leaks in the refusal")
            let (documentStatus, _) = try await fhir("/fhir/Composition/message-back-\(id)/$document", as: s.referrer)
            #expect((documentStatus == .forbidden) == !shared(.shareWithReferrer), "\(context): FHIR message back for the referrer")
            let (letter, letterText) = try await api.send(.get, "/api/v1/referrals/\(id)/message-back", as: s.referrer)
            #expect((letter.status == .forbidden) == !shared(.shareWithReferrer), "\(context): the message back for the referrer")
            #expect(!letterText.contains("Private casework note"), "\(context): casework notes never go back to the referrer")
            let (workerScores, _) = try await fhir("/fhir/Observation?subject=Patient/\(id)", as: s.linkWorker)
            #expect(workerScores == .ok, "\(context): the link worker reads the scores")
            if let onwardID {
                let (providerTask, providerText) = try await fhir("/fhir/Task/out-\(onwardID)", as: s.provider)
                #expect(providerTask == .ok, "\(context): \(providerText)")
                #expect(!providerText.contains("Hughes") && !providerText.contains("07700"), "\(context): a provider's FHIR Task names no one")
            }
            for path in ["/fhir/Patient/\(id)", "/fhir/ServiceRequest/\(id)", "/fhir/Observation?subject=Patient/\(id)"] {
                let (providerStatus, _) = try await fhir(path, as: s.provider)
                #expect(providerStatus == .forbidden, "\(context): provider \(path)")
                let (commissionerStatus, commissionerText) = try await fhir(path, as: s.commissioner)
                #expect(commissionerStatus == .forbidden, "\(context): commissioner \(path)")
                #expect(!commissionerText.contains("Hughes"), "\(context): commissioner \(path)")
            }

            // The evaluator: only people who agreed are exported.
            let export = try await api.call(.get, "/api/v1/outcomes/export", as: s.supervisor, expect: .ok)
            let exported = (export["rows"] as? [[String: Any]]) ?? []
            #expect(exported.isEmpty == !shared(.evaluation), "\(context): evaluation export")

            // The commissioner: no person-level view at all.
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.commissioner, expect: .forbidden)

            // The link worker: the whole case, whatever the consent (they hold it to support the person).
            let whole = try await api.call(.get, "/api/v1/referrals/\(id)", as: s.linkWorker, expect: .ok)
            #expect((whole["onwardReferrals"] as? [[String: Any]])?.count == (canReferOut ? 1 : 0))
            try await api.call(.get, "/api/v1/referrals/\(id)/outcomes", as: s.linkWorker, expect: .ok)

            // The person: their own record in full, and every access to it — the provider's, the export's.
            let c = try #require(try await s.store.loadCase(ReferralID(id)))
            try await s.accounts.createUser(email: "margaret@test.example", displayName: "Margaret Hughes", role: "person", organisationID: nil,
                                            password: TestScheme.password, personID: c.person.id.rawValue)
            let person = WebPagesTests.Browser(client)
            _ = try await person.signIn("margaret@test.example")
            let (_, own) = try await person.go(.get, "/me")
            #expect(own.contains("Health walks") == canReferOut, "\(context): the person sees their own referrals out")
            #expect((own.contains("Looked at your referral to a community service") && own.contains("Riverside Walkers")) == canReferOut,
                    "\(context): the provider's look is in the person's access log, with the organisation")
            #expect(own.contains("Looked at your wellbeing measures"), "\(context): reading the measures is in the access log")
            #expect(own.contains("in an evaluation export") == shared(.evaluation), "\(context): export in the access log")
        }
    }
}
