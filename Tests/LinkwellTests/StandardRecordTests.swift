import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The standard's record sections (risks, plan and requested actions, record details), the message back
/// through the API and the outbox, the national codes, the minimum dataset and the code lists page. Run
/// on every backend.
@Suite("NHS record: the standard's sections and the message back", .closesStores)
struct StandardRecordTests {
    @Test("Risks and requested actions round-trip through storage, field by field", arguments: TestBackend.available)
    func storage(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let lw = s.request(s.linkWorker)
        s.clock.advance(seconds: 60)
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "no_known_risks"), lw)
        s.clock.advance(seconds: 60)
        let afterRisk = try await s.casework.recordRisk(id, RiskInput(risk: "falls", detail: "Two falls this year", start: "2026-01-05", end: "2026-12-31"), lw)
        _ = try await s.casework.requestAction(id, RequestedActionInput(audience: "professional", description: "Please review pain relief", agreedWithPerson: true), lw)
        let details = try await s.casework.updateRecordDetails(id, RecordDetailsInput(gender: "woman", pronouns: "she/her", carerStatus: "carer",
                                                                                      whatMattersToMe: "My garden", reasonableAdjustments: "Large print"), lw)
        let stored = try #require(try await s.store.loadCase(id))
        #expect(stored.risks == afterRisk.risks + [] || stored.risks.count == 2)
        #expect(stored.risks.map(\.risk) == ["no_known_risks", "falls"])
        #expect(stored.risks[0].endedAt != nil, "a real risk ends 'no known risks'")
        let falls = stored.risks[1]
        #expect(falls.detail == "Two falls this year" && falls.startDate == CalendarDate("2026-01-05") && falls.endDate == CalendarDate("2026-12-31"))
        #expect(falls.recordedBy == s.linkWorker.id && falls.endedAt == nil)
        #expect(stored.requestedActions.count == 1 && stored.requestedActions[0].audience == .professional
                && stored.requestedActions[0].agreedWithPerson && stored.requestedActions[0].description == "Please review pain relief")
        #expect(stored.details == details.details)
        #expect(stored.details?.gender == .woman && stored.details?.pronouns == "she/her" && stored.details?.carerStatus == .carer
                && stored.details?.whatMattersToMe == "My garden" && stored.details?.reasonableAdjustments == "Large print")
        #expect(stored == (try await s.casework.readCase(id, lw)))
        try await s.store.shutdown()
    }

    @Test("Risks through the API: 'no known risks' is recordable, unknown risks and codes are 422 naming the field", arguments: TestBackend.available)
    func risksAPI(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let path = "/api/v1/referrals/\(id)/risks"
            for (body, field) in [(#"{"risk":"dragons"}"#, "risk"), (#"{"risk":"urn:linkwell:codesystem:risks|dragons"}"#, "risk"),
                                  (#"{"risk":"other"}"#, "detail"), (#"{"risk":"falls","start":"05/01/2026"}"#, "start")] {
                let problem = try await api.call(.post, path, as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect(String(describing: problem).contains("\"\(field)\"") || String(describing: problem).contains("field = \(field)"), "\(body): \(problem)")
            }
            #expect(try await s.store.loadCase(id)?.risks.isEmpty == true, "bad input changes nothing")
            try await api.call(.post, path, as: s.referrer, json: #"{"risk":"no_known_risks"}"#, expect: .forbidden)
            try await api.call(.post, path, as: s.provider, json: #"{"risk":"no_known_risks"}"#, expect: .forbidden)
            try await api.call(.post, path, as: s.otherLinkWorker, json: #"{"risk":"no_known_risks"}"#, expect: .notFound)
            try await api.call(.post, path, as: s.linkWorker, json: #"{"risk":"urn:linkwell:codesystem:risks|no_known_risks"}"#, expect: .ok)
            try await api.call(.post, path, as: s.linkWorker, json: #"{"risk":"no_known_risks"}"#, expect: .conflict)
            let withRisk = try await api.call(.post, path, as: s.linkWorker, json: #"{"risk":"self_harm","detail":"Past attempt"}"#, expect: .ok)
            let risks = try #require(withRisk["risks"] as? [[String: Any]])
            #expect(risks.count == 2 && risks.filter { $0["endedAt"] == nil }.compactMap { $0["risk"] as? String } == ["self_harm"])
            // While a risk holds, "no known risks" is refused.
            try await api.call(.post, path, as: s.linkWorker, json: #"{"risk":"no_known_risks"}"#, expect: .unprocessableContent)
        }
    }

    @Test("The message back: structured JSON, audited, role-checked; 422 naming what the record lacks", arguments: TestBackend.available)
    func messageBackAPI(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var noRisk = TestScheme.submission(givenName: "Rhoda")
        noRisk.riskInformation = ""
        let bare = try await s.engagedReferral(noRisk)
        let id = try await s.engagedReferral()
        let lw = s.request(s.linkWorker)
        _ = try await s.casework.requestAction(id, RequestedActionInput(audience: "professional", description: "Please review pain relief"), lw)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let missing = try await api.call(.get, "/api/v1/referrals/\(bare)/message-back", as: s.linkWorker, expect: .unprocessableContent)
            #expect(String(describing: missing).contains("risks"))
            try await api.call(.post, "/api/v1/referrals/\(bare)/risks", as: s.linkWorker, json: #"{"risk":"no_known_risks"}"#, expect: .ok)
            let fixed = try await api.call(.get, "/api/v1/referrals/\(bare)/message-back", as: s.linkWorker, expect: .ok)
            let plan = try #require(fixed["planAndRequestedActions"] as? [String: Any])
            #expect(plan["noActionsRequested"] as? Bool == true && plan["statement"] as? String == "No actions requested.")

            let doc = try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.linkWorker, expect: .ok)
            let actions = try #require((doc["planAndRequestedActions"] as? [String: Any])?["forProfessionals"] as? [[String: Any]])
            #expect(actions.compactMap { $0["description"] as? String } == ["Please review pain relief"])
            let summary = try #require(doc["summary"] as? [String: Any])
            let needs = try #require(summary["needs"] as? [[String: Any]])
            #expect(needs.compactMap { $0["code"] as? String } == ["loneliness", "low_mood"])
            #expect(((summary["risks"] as? [[String: Any]])?.first?["detail"] as? String) == "Lives alone")
            let recipients = try #require(doc["recipients"] as? [[String: Any]])
            #expect(recipients.compactMap { $0["odsCode"] as? String } == ["Y99001"], "the referrer works at the registered practice")
            #expect((doc["nationalCodes"] as? [[String: Any]])?.first?["code"] as? String == "871731000000106")

            // The referrer reads it (consent covers updates to the referrer); other roles do not.
            try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.referrer, expect: .ok)
            try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.supervisor, expect: .ok)
            for user in [s.provider, s.commissioner, s.admin] {
                try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: user, expect: .forbidden)
            }
            try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.otherReferrer, expect: .notFound)
            try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.otherLinkWorker, expect: .notFound)
            let audit = try await s.store.auditEvents(subjectID: id, limit: 1000)
            #expect(audit.contains { $0.actorID == s.referrer.id && $0.recordType == "referral" && $0.route.contains("message-back") })
            #expect(audit.contains { $0.actorID == s.otherReferrer.id && $0.outcome == .denied })
        }
    }

    @Test("Without consent to updates, the referrer does not get the message back", arguments: TestBackend.available)
    func messageBackNeedsConsent(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var sub = TestScheme.submission()
        sub.consent?.purposes = ["share_with_providers"]
        let id = try await s.engagedReferral(sub)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.referrer, expect: .forbidden)
            try await api.call(.get, "/api/v1/referrals/\(id)/message-back", as: s.linkWorker, expect: .ok)
        }
    }

    @Test("The closing message back carries the letter; 871731000000106 is on the acceptance only", arguments: TestBackend.available)
    func closingLetterAndNationalCode(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let lw = s.request(s.linkWorker)
        _ = try await s.casework.requestAction(id, RequestedActionInput(audience: "person_or_carer", description: "Keep walking", agreedWithPerson: true), lw)
        let closed = try await s.casework.close(id, reason: "goals_met", note: "Walking weekly", feedback: .init(), confirmed: true, lw)
        let closing = try #require(closed.messages.first { $0.kind == .closed })
        #expect(closing.body.contains("Plan and requested actions") && closing.body.contains("Keep walking (agreed with the person)"))
        #expect(closing.body.contains("Risks:\n- Other risk (described): Lives alone"))
        let coded = closed.messages.filter { $0.snomedCode == NationalCodes.referralToSocialPrescribing }
        #expect(!coded.isEmpty && coded.allSatisfy { $0.kind == .accepted })
        #expect(closed.messages.filter { $0.kind != .accepted }.allSatisfy { $0.snomedCode == nil })
        // As stored, too.
        let stored = try #require(try await s.store.loadCase(id))
        #expect(stored.messages.first { $0.kind == .closed }?.body == closing.body)
        #expect(stored.messages.filter { $0.snomedCode == NationalCodes.referralToSocialPrescribing }.count == coded.count)
    }

    @Test("A closing message says what is missing when the record lacks mandatory content")
    func closingLetterMissing() async throws {
        let s = try await TestScheme.make(.memory)
        var sub = TestScheme.submission()
        sub.riskInformation = ""
        let id = try await s.engagedReferral(sub)
        let closed = try await s.casework.close(id, reason: "goals_met", note: "", feedback: .init(), confirmed: true, s.request(s.linkWorker))
        let body = try #require(closed.messages.first { $0.kind == .closed }?.body)
        #expect(body.contains("could not be written") && body.contains("no known risks"))
        try await s.store.shutdown()
    }

    @Test("The minimum dataset: four coded groups per consenting person; commissioners get suppressed counts only", arguments: TestBackend.available)
    func minimumDataset(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        var noConsent = TestScheme.submission(givenName: "Nora")
        noConsent.consent?.purposes = ["share_with_referrer"]
        _ = try await s.engagedReferral(noConsent)
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "falls"), s.request(s.linkWorker))
        let outcomes = OutcomeService(store: s.store, casework: s.casework)
        _ = try await outcomes.record(id, .init(instrumentId: "ons4", timepoint: "baseline",
                                                answers: ["life_satisfaction": 4, "worthwhile": 5, "happiness": 4, "anxiety": 6]), s.request(s.linkWorker))
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (response, text) = try await api.send(.get, "/api/v1/exports/minimum-dataset", as: s.supervisor)
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = text.split(separator: "\r\n").map(String.init)
            #expect(lines.first == MinimumDataset.header.joined(separator: ","))
            for group in MinimumDataset.Group.allCases { #expect(lines.contains { $0.contains(",\(group.rawValue),") }, "\(group)") }
            #expect(lines.contains { $0.contains("gp_practice,https://fhir.nhs.uk/Id/ods-organization-code,Y99001") })
            #expect(lines.contains { $0.contains("referral_to_social_prescribing,http://snomed.info/sct,871731000000106") })
            #expect(lines.contains { $0.contains(",risk,urn:linkwell:codesystem:risks,falls,") })
            #expect(lines.contains { $0.contains(",outcomes,score_before,urn:linkwell:codesystem:assessments,ons4#life_satisfaction,") && $0.contains(",\"4\",") })
            #expect(Set(lines.dropFirst().map { $0.split(separator: ",")[0] }).count == 1, "only the consenting person")
            #expect(!text.contains("Margaret") && !text.contains("Hughes") && !text.contains("9434765919") && !text.contains("LS1"))
            let audit = try await s.store.auditEvents(subjectID: id, limit: 1000)
            #expect(audit.contains { $0.actorID == s.supervisor.id && $0.recordType == "minimum_dataset_export" })

            // Commissioners: the aggregate, with one person everywhere, so every count is suppressed.
            let counts = try await api.call(.get, "/api/v1/exports/minimum-dataset?format=json", as: s.commissioner, expect: .ok)
            let rows = try #require(counts["list"] as? [[String: Any]])
            #expect(!rows.isEmpty && rows.allSatisfy { $0["people"] == nil })
            try await api.call(.get, "/api/v1/exports/minimum-dataset?aggregate=false", as: s.commissioner, expect: .forbidden)
            for user in [s.linkWorker, s.referrer, s.provider, s.admin] {
                try await api.call(.get, "/api/v1/exports/minimum-dataset", as: user, expect: .forbidden)
            }
        }
    }

    @Test("The code lists page: view, map with a cited source, refuse an unknown code, import CSV")
    func codeListsPage() async throws {
        let s = try await TestScheme.make(.sqlite)
        try await withRouter(s) { client in
            let admin = WebPagesTests.Browser(client)
            _ = try await admin.signIn(s.admin.email)
            let (list, html) = try await admin.go(.get, "/admin/code-lists?list=risks")
            #expect(list.status == .ok && html.contains("No known risks") && html.contains("Local (unmapped)"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            let (bad, problem) = try await admin.go(.post, "/admin/code-lists/needs",
                                                    form: ["_csrf": csrf, "key": "carer_support", "system": CodeSystem.snomed, "code": "224484004", "source": "x"])
            #expect(bad.status == .unprocessableContent && problem.contains("not a SNOMED CT identifier"))
            let (good, _) = try await admin.go(.post, "/admin/code-lists/needs",
                                               form: ["_csrf": csrf, "key": "carer_support", "system": CodeSystem.snomed, "code": "224484003",
                                                      "display": "Carer", "source": "PRSB Social Prescribing Information Standard v1.1"])
            #expect(good.status == .seeOther)
            #expect(try await CodeListService(store: s.store).list(.needs).first { $0.key == "carer_support" }?.code == "224484003")
            let (imported, report) = try await admin.go(.post, "/admin/code-lists/risks/import",
                                                        form: ["_csrf": csrf, "csv": "key,system,code\nfalls,,\n"])
            #expect(imported.status == .ok && report.contains("1 mappings imported"))
            let (refused, why) = try await admin.go(.post, "/admin/code-lists/risks/import", form: ["_csrf": csrf, "csv": "key,system,code\ndragons,,\n"])
            #expect(refused.status == .unprocessableContent && why.contains("rows[2].key"))

            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            let (forbidden, _) = try await lw.go(.get, "/admin/code-lists")
            #expect(forbidden.status == .forbidden)
        }
    }
}
