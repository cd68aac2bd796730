import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// Code lists as data: local values, mapped to SNOMED CT only with a cited source. Every backend.
@Suite("NHS record: code lists", .closesStores)
struct CodeListTests {
    /// Carer (person), cited in docs/snomed-codes.md (PRSB Social Prescribing Information Standard v1.1,
    /// person demographics → carer status).
    static let carer = "224484003"
    static let source = "PRSB Social Prescribing Information Standard v1.1, Person demographics, Carer status"

    @Test func snomedIdentifiers() {
        for good in ["871731000000106", "871711000000103", "1373501000000105", "224484003", "273249006"] {
            #expect(CodeSystem.isSNOMEDIdentifier(good), "\(good)")
        }
        for bad in ["871731000000107", "224484004", "12345", "0224484003", "22448400x", "1234567890123456789"] {
            #expect(!CodeSystem.isSNOMEDIdentifier(bad), "\(bad)")
        }
    }

    @Test("Every value starts with its local, unmapped code", arguments: TestBackend.available)
    func defaults(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let service = CodeListService(store: s.store)
        for list in CodeListKind.allCases {
            let concepts = try await service.list(list)
            #expect(concepts.count == list.localValues.count && !concepts.isEmpty)
            #expect(concepts.allSatisfy { !$0.mapped && $0.system == list.localSystem && $0.code == $0.key && $0.source.isEmpty })
        }
        #expect(try await service.list(.needs).map(\.key) == Need.allCases.map(\.rawValue))
    }

    @Test("Admins map values with a cited source; bad codes are named; imports are all or nothing", arguments: TestBackend.available)
    func mapping(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let mapping = #"{"system":"http://snomed.info/sct","code":"\#(Self.carer)","display":"Carer","source":"\#(Self.source)"}"#
            try await api.call(.put, "/api/v1/code-lists/needs/carer_support", as: s.referrer, json: mapping, expect: .forbidden)
            for (body, field) in [(mapping.replacingOccurrences(of: Self.source, with: ""), "source"),
                                  (mapping.replacingOccurrences(of: Self.carer, with: "224484004"), "code"),
                                  (mapping.replacingOccurrences(of: "http://snomed.info/sct", with: "http://loinc.org"), "system")] {
                let problem = try await api.call(.put, "/api/v1/code-lists/needs/carer_support", as: s.admin, json: body, expect: .unprocessableContent)
                #expect(String(describing: problem).contains(field), "\(body)")
            }
            let unknown = try await api.call(.put, "/api/v1/code-lists/needs/astrology", as: s.admin, json: mapping, expect: .unprocessableContent)
            #expect(String(describing: unknown).contains("key"))
            try await api.call(.get, "/api/v1/code-lists/moods", as: s.admin, expect: .notFound)

            let saved = try await api.call(.put, "/api/v1/code-lists/needs/carer_support", as: s.admin, json: mapping, expect: .ok)
            #expect(saved["code"] as? String == Self.carer && saved["mapped"] as? Bool == true)
            let needs = try await api.call(.get, "/api/v1/code-lists/needs", as: s.linkWorker, expect: .ok)["list"] as? [[String: Any]]
            let carer = needs?.first { $0["key"] as? String == "carer_support" }
            #expect(carer?["system"] as? String == CodeSystem.snomed && carer?["source"] as? String == Self.source)
            #expect(needs?.filter { $0["mapped"] as? Bool == true }.count == 1)

            // Import: one bad row refuses the whole file.
            let csv = "key,system,code,display,source\ndebt,,,,\ncarer_support,http://snomed.info/sct,224484004,Carer,x\n"
            let refused = try await api.call(.post, "/api/v1/code-lists/needs/import", as: s.admin, json: try jsonString(["csv": csv]),
                                             expect: .unprocessableContent)
            #expect(String(describing: refused).contains("rows[3].code"))
            #expect(try await CodeListService(store: s.store).list(.needs).first { $0.key == "carer_support" }?.code == Self.carer, "nothing stored")
            // Putting a value back to its local code.
            let reset = try await api.call(.post, "/api/v1/code-lists/needs/import", as: s.admin,
                                           json: try jsonString(["csv": "key,system\ncarer_support,\n"]), expect: .ok)
            #expect((reset["list"] as? [[String: Any]])?.first?["mapped"] as? Bool == false)
        }
    }

    @Test("A referral may give its needs as codes; an unknown code names the field", arguments: TestBackend.available)
    func codedNeeds(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        _ = try await CodeListService(store: s.store).save(
            ConceptInput(key: "carer_support", system: CodeSystem.snomed, code: Self.carer, display: "Carer", source: Self.source), in: .needs, nil)
        var sub = TestScheme.submission()
        sub.needs = ["\(CodeSystem.snomed)|\(Self.carer)", "urn:linkwell:codesystem:needs|debt"]
        let made = try await s.casework.submitReferral(sub, by: Principal(s.referrer))
        #expect(made.referral.needs == [.carerSupport, .debt])
        sub.needs = ["loneliness", "\(CodeSystem.snomed)|871731000000106"]
        do {
            _ = try await s.casework.submitReferral(sub, by: Principal(s.referrer))
            Issue.record("an unknown code was accepted")
        } catch LinkwellError.invalid(let errors) {
            #expect(errors.map(\.field) == ["needs[1]"])
        }
        #expect(try await s.store.referrals(ReferralQuery()).count == 1)
    }
}
