import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCommands
import LinkwellCore
@_spi(Testing) import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import SQLKit
import Testing

/// Issue 12's remaining record items: the minimum dataset as a FHIR Bundle (the same people and codes as the
/// CSV), the NHS Data Dictionary codes for ethnic category and stated gender, the referrer's grade, team and
/// specialty, the person's title and religion, and who agreed the care and support plan and who reviews it —
/// round trips field by field, and bad input refused by name with nothing changed. Run on every backend.
@Suite("NHS record: national codes, the minimum dataset as FHIR, and the last record items", .closesStores)
struct NationalCodesTests {
    static let ethnicSystem = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
    static let statedGender = "https://fhir.hl7.org.uk/CodeSystem/NHSDataModelAndDictionary-PersonStatedGenderCode"

    /// The CSV's cells, without the `'` the writer puts before a cell that could start a formula.
    static func csvRows(_ text: String) -> [[String]] {
        StandardRecordGapsTests.parseCSV(text).map { row in
            row.map { cell in
                cell.count > 1 && cell.hasPrefix(CSVWriter.neutraliser) && CSVWriter.startsFormula(String(cell.dropFirst())) ? String(cell.dropFirst()) : cell
            }
        }
    }

    @Test("The minimum dataset as FHIR carries the CSV's people and codes, field by field; no evaluation consent, in neither", arguments: TestBackend.available)
    func minimumDatasetFHIR(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var first = TestScheme.submission()
        first.person?.sex = "male"
        first.person?.ethnicity = "H"
        let id = try await s.engagedReferral(first)
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "falls"), s.request(s.linkWorker))
        var noConsent = TestScheme.submission(givenName: "Nora", nhsNumber: nil)
        noConsent.person?.ethnicity = "R"
        noConsent.person?.sex = "female"
        noConsent.consent?.purposes = ["share_with_referrer"]
        _ = try await s.engagedReferral(noConsent)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (csvResponse, csvText) = try await api.send(.get, "/api/v1/exports/minimum-dataset?recipient=pcn", as: s.supervisor)
            #expect(csvResponse.status == .ok)
            let csv = Self.csvRows(csvText)
            #expect(csv.first == MinimumDataset.header)
            let rows = Array(csv.dropFirst())
            let (response, text) = try await api.send(.get, "/api/v1/exports/minimum-dataset?recipient=pcn&format=fhir", as: s.supervisor)
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("application/fhir+json") == true)
            let bundle = APIClient.parse(text)
            #expect(bundle["resourceType"] as? String == "Bundle" && bundle["type"] as? String == "collection")
            let entries = try #require(bundle["entry"] as? [[String: Any]])
            var patients: [String: String] = [:]
            var fromFHIR: [[String]] = []
            for entry in entries {
                let resource = try #require(entry["resource"] as? [String: Any])
                let url = try #require(entry["fullUrl"] as? String)
                if resource["resourceType"] as? String == "Patient" {
                    #expect(Set(resource.keys).isSubset(of: ["resourceType", "id", "identifier", "extension"]), "a pseudonym only")
                    let identifier = try #require((resource["identifier"] as? [[String: Any]])?.first)
                    patients[url] = identifier["value"] as? String
                    let ext = try #require((resource["extension"] as? [[String: Any]])?.first)
                    #expect(ext["url"] as? String == EthnicCategory.extensionURL)
                    continue
                }
                #expect(resource["resourceType"] as? String == "Observation")
                let categories = try #require(resource["category"] as? [[String: Any]])
                func code(_ concept: [String: Any]) -> [String: Any] { (concept["coding"] as? [[String: Any]])?.first ?? [:] }
                let coding = code(try #require(resource["code"] as? [String: Any]))
                let subject = try #require((resource["subject"] as? [String: Any])?["reference"] as? String)
                fromFHIR.append([patients[subject] ?? "?", code(categories[0])["code"] as? String ?? "", code(categories[1])["code"] as? String ?? "",
                                 coding["system"] as? String ?? "", coding["code"] as? String ?? "", coding["display"] as? String ?? "",
                                 resource["valueString"] as? String ?? "", resource["effectiveDateTime"] as? String ?? ""])
            }
            #expect(!rows.isEmpty && fromFHIR == rows, "the same rows, field by field")
            #expect(patients.count == 1 && Set(rows.map { $0[0] }) == Set(patients.values), "one person: the one whose consent covers evaluation")
            // The person without evaluation consent is in neither form (their category R and sex are nowhere).
            for form in [csvText, text] {
                #expect(!form.contains("Other Ethnic Groups - Chinese") && !form.contains("Nora"))
            }
            #expect(rows.contains { $0[2] == "ethnic_category" && $0[3] == Self.ethnicSystem && $0[4] == "H" && $0[5] == "Asian or Asian British - Indian" })
            #expect(rows.contains { $0[2] == "sex" && $0[3] == Self.statedGender && $0[4] == "1" && $0[5] == "Male" })
            #expect(!rows.contains { $0[3] == Self.statedGender && $0[4] == "2" })

            // FHIR is per person: not with the aggregate, not for commissioners; unknown formats are refused.
            let problem = try await api.call(.get, "/api/v1/exports/minimum-dataset?format=fhir&aggregate=true", as: s.supervisor, expect: .unprocessableContent)
            #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["format"])
            try await api.call(.get, "/api/v1/exports/minimum-dataset?format=fhir", as: s.commissioner, expect: .unprocessableContent)
            try await api.call(.get, "/api/v1/exports/minimum-dataset?format=xml", as: s.supervisor, expect: .unprocessableContent)
            for user in [s.linkWorker, s.referrer, s.provider] {
                try await api.call(.get, "/api/v1/exports/minimum-dataset?format=fhir", as: user, expect: .forbidden)
            }
        }
    }

    @Test("Ethnic category and sex: the national codes where exact; old values stay readable; the referral refuses others by name", arguments: TestBackend.available)
    func nationalDemographics(backend: TestBackend) async throws {
        // Every national code and display, exactly as UK Core's CodeSystem-UKCore-EthnicCategoryEngland.xml.
        let published: [(String, String)] = [
            ("A", "White - British"), ("B", "White - Irish"), ("C", "White - Any other White background"),
            ("D", "Mixed - White and Black Caribbean"), ("E", "Mixed - White and Black African"), ("F", "Mixed - White and Asian"),
            ("G", "Mixed - Any other mixed background"), ("H", "Asian or Asian British - Indian"), ("J", "Asian or Asian British - Pakistani"),
            ("K", "Asian or Asian British - Bangladeshi"), ("L", "Asian or Asian British - Any other Asian background"),
            ("M", "Black or Black British - Caribbean"), ("N", "Black or Black British - African"),
            ("P", "Black or Black British - Any other Black background"), ("R", "Other Ethnic Groups - Chinese"),
            ("S", "Other Ethnic Groups - Any other ethnic group"), ("Z", "Not stated"), ("99", "Not known"),
        ]
        #expect(EthnicCategory.national.map { [$0.rawValue, $0.label] } == published.map { [$0.0, $0.1] })
        #expect(EthnicCategory.national.allSatisfy { $0.coded.system == Self.ethnicSystem && $0.coded.mapped })
        // Stored and backed-up values from before: the two exact ones map, the broad groups stay, local.
        let decoded = try JSONDecoder().decode([EthnicCategory].self, from: Data(#"["prefer_not_to_say","not_stated","white","A"]"#.utf8))
        #expect(decoded == [.notStated, .notKnown, .legacyWhite, .whiteBritish])
        #expect(EthnicCategory.legacyWhite.coded == CodedValue(system: "urn:linkwell:codesystem:ethnic_group", code: "white", display: "White", mapped: false))
        #expect(EthnicCategory.asianPakistani.broadGroup == .asian && EthnicCategory.notStated.broadGroup == .preferNotToSay)
        #expect(Sex.female.coded == CodedValue(system: Self.statedGender, code: "2", display: "Female", mapped: true))
        #expect(Sex.notStated.coded.code == "X" && Sex.other.coded.system == "urn:linkwell:codesystem:sex" && !Sex.preferNotToSay.coded.mapped)

        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let base = #"{"person":{"givenName":"Ada","familyName":"Code","dateOfBirth":"1950-01-02","postcode":"LS1 4AP","phone":"07700 900123","ethnicity":"ETH"},"sourceType":"gp","needs":["loneliness"],"consent":{"given":true,"givenBy":"Ada","method":"verbal","purposes":["evaluation"]}GRADE}"#
            let long = String(repeating: "g", count: 201)
            for (ethnicity, grade, field) in [("white", "", "person.ethnicity"), ("Q", "", "person.ethnicity"), ("prefer_not_to_say", "", "person.ethnicity"),
                                              ("A", ",\"referrerGrade\":\"\(long)\"", "referrerGrade"), ("A", ",\"referrerTeam\":\"\(long)\"", "referrerTeam"),
                                              ("A", ",\"referrerSpecialty\":\"\(long)\"", "referrerSpecialty")] {
                let body = base.replacingOccurrences(of: "ETH", with: ethnicity).replacingOccurrences(of: "GRADE", with: grade)
                let problem = try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field], "\(ethnicity) \(grade.prefix(20))")
            }
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty, "bad input stores nothing")
            let made = try await api.call(.post, "/api/v1/referrals", as: s.referrer,
                                          json: base.replacingOccurrences(of: "ETH", with: "z").replacingOccurrences(of: "GRADE", with: ""), expect: .created)
            let id = try #require(made["id"] as? String)
            #expect(try await s.store.loadCase(ReferralID(id))?.person.ethnicity == .notStated, "z is Z: asked, chose not to say")
        }
    }

    @Test("Referrer's grade, team, specialty; title and religion; who agreed the plan and who reviews it: stored, shown and shared", arguments: TestBackend.available)
    func recordItems(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var submission = TestScheme.submission()
        submission.referrerGrade = "Band 7"
        submission.referrerTeam = "Frailty team"
        submission.referrerSpecialty = "Geriatric medicine"
        let id = try await s.engagedReferral(submission)
        let lw = s.request(s.linkWorker)
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "no_known_risks"), lw)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let base = "/api/v1/referrals/\(id)"
            // Bad input: over-long items are 422 naming the field and change nothing.
            for (body, field) in [("{\"title\":\"\(String(repeating: "x", count: 41))\"}", "title"),
                                  ("{\"religion\":\"\(String(repeating: "x", count: 201))\"}", "religion")] {
                let problem = try await api.call(.put, "\(base)/record-details", as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field])
            }
            for field in ["agreedWithName", "agreedWithRole", "reviewResponsibility"] {
                let body = "{\"whatMatters\":\"Walking\",\"\(field)\":\"\(String(repeating: "x", count: 201))\"}"
                let problem = try await api.call(.post, "\(base)/plan", as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field])
            }
            var stored = try #require(try await s.store.loadCase(id))
            #expect(stored.details == nil && stored.plan == nil, "bad input changes nothing")

            try await api.call(.put, "\(base)/record-details", as: s.linkWorker, json: #"{"title":"Mrs","religion":"Quaker"}"#, expect: .ok)
            try await api.call(.post, "\(base)/plan", as: s.linkWorker, json: #"""
                {"whatMatters":"Walking","goals":["Walk weekly"],"agreedWithName":"Margaret Hughes","agreedWithRole":"The person",
                 "reviewResponsibility":"Sam, link worker"}
                """#, expect: .ok)
            stored = try #require(try await s.store.loadCase(id))
            #expect(stored.referral.referrerGrade == "Band 7" && stored.referral.referrerTeam == "Frailty team"
                    && stored.referral.referrerSpecialty == "Geriatric medicine")
            #expect(stored.details?.title == "Mrs" && stored.details?.religion == "Quaker")
            #expect(stored.plan?.agreedWithName == "Margaret Hughes" && stored.plan?.agreedWithRole == "The person"
                    && stored.plan?.reviewResponsibility == "Sam, link worker")
            // Left out keeps; empty clears.
            try await api.call(.put, "\(base)/record-details", as: s.linkWorker, json: #"{"pronouns":"she/her"}"#, expect: .ok)
            #expect(try await s.store.loadCase(id)?.details?.title == "Mrs")

            // Shared: the message back (JSON) carries the referrer's details and the plan's agreement and review.
            let message = try await api.call(.get, "\(base)/message-back", as: s.linkWorker, expect: .ok)
            let referrer = try #require((message["recipients"] as? [[String: Any]])?.first { $0["role"] as? String == "referrer" })
            #expect(referrer["grade"] as? String == "Band 7" && referrer["team"] as? String == "Frailty team"
                    && referrer["specialty"] as? String == "Geriatric medicine")
            let plan = try #require(message["carePlan"] as? [String: Any])
            #expect(plan["agreedWithName"] as? String == "Margaret Hughes" && plan["agreedWithRole"] as? String == "The person"
                    && plan["reviewResponsibility"] as? String == "Sam, link worker")
            #expect(!String(describing: message).contains("Quaker"), "religion is not shared")
            // FHIR: the title as the name's prefix; the referrer's details as ServiceRequest notes.
            let (status, patient) = try await FHIRTests.send(client, s, .get, "/fhir/Patient/\(id)", as: s.linkWorker)
            #expect(status == .ok)
            let name = try #require((patient["name"] as? [[String: Any]])?.first)
            #expect(name["prefix"] as? [String] == ["Mrs"])
            #expect(patient["extension"] == nil && patient["gender"] == nil, "equality monitoring answers are not sent with the person")
            let (_, request) = try await FHIRTests.send(client, s, .get, "/fhir/ServiceRequest/\(id)", as: s.linkWorker)
            let notes = (request["note"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(notes.contains("Referrer's grade: Band 7") && notes.contains("Referrer's team: Frailty team")
                    && notes.contains("Referrer's specialty: Geriatric medicine"))

            // An item given empty is cleared; one left out is kept.
            try await api.call(.post, "\(base)/plan", as: s.linkWorker, json: #"{"whatMatters":"Walking","agreedWithRole":""}"#, expect: .ok)
            let replanned = try #require(try await s.store.loadCase(id)?.plan)
            #expect(replanned.agreedWithRole == nil && replanned.agreedWithName == "Margaret Hughes" && replanned.reviewResponsibility == "Sam, link worker")
            try await api.call(.post, "\(base)/plan", as: s.linkWorker,
                               json: #"{"whatMatters":"Walking","agreedWithRole":"The person"}"#, expect: .ok)

            // Shown on the case page; a form error for an over-long title changes nothing.
            let browser = WebPagesTests.Browser(client)
            _ = try await browser.signIn(s.linkWorker.email)
            let (page, html) = try await browser.go(.get, "/referrals/\(id)")
            #expect(page.status == .ok)
            #expect(html.contains("id=\"referrer-details\">Band 7, Frailty team, Geriatric medicine<"))
            #expect(html.contains("id=\"plan-agreed-with\">Margaret Hughes, The person<") && html.contains("id=\"plan-review-responsibility\">Sam, link worker<"))
            #expect(html.contains("<dd>Mrs</dd>") && html.contains("<dd>Quaker</dd>"))
            let csrf = try #require(WebPagesTests.Browser.hidden("_csrf", in: html))
            let (refused, again) = try await browser.go(.post, "/referrals/\(id)/record-details",
                                                        form: ["_csrf": csrf, "title": String(repeating: "x", count: 41), "religion": "None"])
            #expect(refused.status == .unprocessableContent && again.contains("Title must be at most 40 characters"))
            #expect(try await s.store.loadCase(id)?.details?.religion == "Quaker", "a refused form changes nothing")
            let (planRefused, _) = try await browser.go(.post, "/referrals/\(id)/plan",
                                                        form: ["_csrf": csrf, "whatMatters": "Walking", "reviewResponsibility": String(repeating: "x", count: 201)])
            #expect(planRefused.status == .unprocessableContent)
            #expect(try await s.store.loadCase(id)?.plan?.reviewResponsibility == "Sam, link worker")
        }
    }

    @Test("Migration 290: the two old values that mean a national code are rewritten; old broad groups stay readable",
          arguments: TestBackend.available.filter { $0 != .memory })
    func ethnicMigration(backend: TestBackend) async throws {
        let store: SQLStore
        switch backend {
        case .postgres:
            store = try await SQLStore.postgres(url: TestBackend.postgresURL!, schema: TestBackend.newPostgresSchema())
        default:
            store = try await SQLStore.sqlite(path: temporarySQLitePath("lw-ethnic"))
        }
        OpenedStores.current?.add(store)
        try await store.migrate()
        let s = try await TestScheme.make(store: store)
        var ids: [ReferralID] = [], people: [PersonID] = []
        for name in ["Ann", "Bea", "Cat"] {
            let id = try await s.engagedReferral(TestScheme.submission(givenName: name, nhsNumber: nil))
            ids.append(id)
            people.append(try #require(try await store.loadCase(id)?.person.id))
        }
        // As a Linkwell before 290 left them, then the migration run again.
        let stored = people
        try await store.execute { db in
            for (person, old) in zip(stored, ["prefer_not_to_say", "not_stated", "white"]) {
                try await db.raw("UPDATE people SET ethnicity = \(bind: old) WHERE id = \(bind: person.rawValue)").run()
            }
            try await db.raw("DELETE FROM schema_migrations WHERE version = 290").run()
        }
        try await store.migrate()
        var read: [EthnicCategory] = []
        for id in ids { read.append(try #require(try await store.loadCase(id)?.person.ethnicity)) }
        #expect(read == [.notStated, .notKnown, .legacyWhite])
        let raw = try await store.execute { db in
            try await db.raw("SELECT ethnicity FROM people ORDER BY ethnicity").all().map { try $0.decode(column: "ethnicity", as: String.self) }
        }
        #expect(raw.sorted() == ["99", "Z", "white"].sorted())
        let dataset = try await s.outcomes.minimumDataset(recipient: "icb", nil)
        #expect(dataset.rows.filter { $0.item == "ethnic_category" }.map { [$0.system, $0.code] }.sorted { $0[1] < $1[1] }
                == [[Self.ethnicSystem, "99"], [Self.ethnicSystem, "Z"], ["urn:linkwell:codesystem:ethnic_group", "white"]])
    }

    @Test("linkwell export minimum-dataset --format fhir writes the rows as a collection Bundle (SQLite file)")
    func minimumDatasetFHIRCommand() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mds-fhir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("linkwell.sqlite").path, output = dir.appendingPathComponent("mds.json").path
        let store = try await StoreFactory.open(database)
        try await store.migrate()
        let s = try await TestScheme.make(store: store)
        var first = TestScheme.submission()
        first.person?.ethnicity = "N"
        let id = try await s.engagedReferral(first)
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "falls"), s.request(s.linkWorker))
        var noEvaluation = TestScheme.submission(givenName: "Nell", nhsNumber: nil)
        noEvaluation.consent?.purposes = ["share_with_providers"]
        _ = try await s.engagedReferral(noEvaluation)
        let expected = try await s.outcomes.minimumDataset(recipient: "icb", nil)
        try await store.shutdown()

        var command = try #require(try LinkwellCommand.parseAsRoot(["export", "minimum-dataset", "--database", database, "--format", "fhir",
                                                                      "--output", output]) as? AsyncParsableCommand)
        try await command.run()
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        #expect(bundle["type"] as? String == "collection")
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let observations = resources.filter { $0["resourceType"] as? String == "Observation" }
        #expect(resources.filter { $0["resourceType"] as? String == "Patient" }.count == 1, "only the person whose consent covers evaluation")
        #expect(!expected.rows.isEmpty && observations.count == expected.rows.count)
        for (o, row) in zip(observations, expected.rows) {
            let coding = ((o["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first ?? [:]
            #expect([coding["system"] as? String, coding["code"] as? String, o["effectiveDateTime"] as? String] == [row.system, row.code, row.month])
        }
        #expect(expected.rows.contains { $0.system == Self.ethnicSystem && $0.code == "N" })
        #expect(throws: (any Error).self) {
            try LinkwellCommand.parseAsRoot(["export", "minimum-dataset", "--database", database, "--format", "fhir", "--aggregate"])
        }
    }
}
