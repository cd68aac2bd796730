import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCommands
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The parts of the standard's record that were built without tests of their own: the contact's location
/// and outcome (migrations 240/241), `PUT /record-details`, the printable letter's 422, and the
/// `linkwell export minimum-dataset` command's CSV compared field by field with what was recorded.
@Suite("NHS record: contacts, record details, the letter's 422 and the minimum dataset command", .closesStores)
struct StandardRecordGapsTests {
    @Test("A contact's location and outcome through the API: stored field by field; the outcome decides whether contact was made; bad outcomes are 422",
          arguments: TestBackend.available)
    func contactLocationAndOutcome(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let path = "/api/v1/referrals/\(id)/contacts"
            let before = try #require(try await s.store.loadCase(id)).contacts
            for (body, field) in [(#"{"mode":"phone","durationMinutes":10,"outcome":"vanished"}"#, "outcome"),
                                  (#"{"mode":"phone","durationMinutes":10,"outcome":"seen","successful":false}"#, "outcome"),
                                  ("{\"mode\":\"phone\",\"durationMinutes\":10,\"location\":\"\(String(repeating: "x", count: 201))\"}", "location")] {
                let problem = try await api.call(.post, path, as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }.contains(field) == true, "\(body.prefix(80)): \(problem)")
            }
            #expect(try await s.store.loadCase(id)?.contacts == before, "bad input changes nothing")
            try await api.call(.post, path, as: s.linkWorker,
                               json: #"{"mode":"community_venue","durationMinutes":40,"location":"Leeds Central Library","outcome":"seen","notes":"Coffee"}"#, expect: .ok)
            try await api.call(.post, path, as: s.linkWorker, json: #"{"mode":"phone","durationMinutes":2,"outcome":"no_answer"}"#, expect: .ok)
            let stored = try #require(try await s.store.loadCase(id)).contacts
            #expect(stored.count == before.count + 2)
            let seen = try #require(stored.first { $0.location == "Leeds Central Library" })
            #expect(seen.outcome == "seen" && seen.successful && seen.mode == .communityVenue && seen.durationMinutes == 40
                    && seen.notes == "Coffee" && seen.recordedBy == s.linkWorker.id)
            let missed = try #require(stored.first { $0.outcome == "no_answer" })
            #expect(!missed.successful && missed.location == "" && missed.durationMinutes == 2)
            try await api.call(.post, path, as: s.referrer, json: #"{"mode":"phone","durationMinutes":2,"outcome":"seen"}"#, expect: .forbidden)
        }
    }

    @Test("PUT record-details: a round trip field by field; bad values are 422 naming the field; roles are checked", arguments: TestBackend.available)
    func recordDetailsAPI(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let path = "/api/v1/referrals/\(id)/record-details"
            for (body, field) in [(#"{"gender":"dragon"}"#, "gender"), (#"{"carerStatus":"sometimes"}"#, "carerStatus"),
                                  ("{\"pronouns\":\"\(String(repeating: "x", count: 101))\"}", "pronouns")] {
                let problem = try await api.call(.put, path, as: s.linkWorker, json: body, expect: .unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == [field], "\(body.prefix(60)): \(problem)")
            }
            #expect(try await s.store.loadCase(id)?.details == nil, "bad input stores nothing")
            for user in [s.referrer, s.provider, s.commissioner, s.admin] {
                try await api.call(.put, path, as: user, json: #"{"pronouns":"they/them"}"#, expect: .forbidden)
            }
            try await api.call(.put, path, as: s.otherLinkWorker, json: #"{"pronouns":"they/them"}"#, expect: .notFound)
            let body = #"""
                {"gender":"non_binary","pronouns":"they/them","carerStatus":"carer","whatMattersToMe":"My allotment",
                 "peopleImportantToMe":"My sister Ann","howToCommunicateWithMe":"Text first","pleaseDoAndDont":"Do be on time",
                 "alsoWorthKnowing":"Works nights","reasonableAdjustments":"Step-free access","otherRequirements":"Quiet room",
                 "personReportedIssues":"I feel stuck at home"}
                """#
            let answer = try await api.call(.put, path, as: s.linkWorker, json: body, expect: .ok)
            let details = try #require(answer["details"] as? [String: Any])
            #expect(details["pronouns"] as? String == "they/them" && details["gender"] as? String == "non_binary")
            let d = try #require(try await s.store.loadCase(id)?.details)
            #expect(d.gender == .nonBinary && d.pronouns == "they/them" && d.carerStatus == .carer && d.whatMattersToMe == "My allotment")
            #expect(d.peopleImportantToMe == "My sister Ann" && d.howToCommunicateWithMe == "Text first" && d.pleaseDoAndDont == "Do be on time")
            #expect(d.alsoWorthKnowing == "Works nights" && d.reasonableAdjustments == "Step-free access" && d.otherRequirements == "Quiet room")
            #expect(d.personReportedIssues == "I feel stuck at home" && d.updatedBy == s.linkWorker.id)
            // A field left out keeps its value.
            try await api.call(.put, path, as: s.supervisor, json: #"{"pronouns":"she/they"}"#, expect: .ok)
            let kept = try #require(try await s.store.loadCase(id)?.details)
            #expect(kept.pronouns == "she/they" && kept.whatMattersToMe == "My allotment" && kept.gender == .nonBinary)
        }
    }

    @Test("The printable letter is a 422 that names what the record lacks, and a letter once it is there", arguments: TestBackend.available)
    func letter422(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var noRisk = TestScheme.submission(givenName: "Rhoda")
        noRisk.riskInformation = ""
        let id = try await s.engagedReferral(noRisk)
        try await withRouter(s) { client in
            let lw = WebPagesTests.Browser(client)
            _ = try await lw.signIn(s.linkWorker.email)
            let (refused, html) = try await lw.go(.get, "/referrals/\(id)/message-back")
            #expect(refused.status == .unprocessableContent && html.contains("id=\"message-back-missing\""))
            #expect(html.contains("or that there are no known risks, before a message back can be made"))
            #expect(!html.contains("id=\"letter-about\""), "no half-made letter")
            _ = try await s.casework.recordRisk(id, RiskInput(risk: "no_known_risks"), s.request(s.linkWorker))
            let (ok, letter) = try await lw.go(.get, "/referrals/\(id)/message-back")
            #expect(ok.status == .ok && letter.contains("id=\"letter-about\"") && letter.contains("Rhoda Hughes") && letter.contains("No known risks"))
            let provider = WebPagesTests.Browser(client)
            _ = try await provider.signIn(s.provider.email)
            let (forbidden, _) = try await provider.go(.get, "/referrals/\(id)/message-back")
            #expect(forbidden.status == .forbidden)
        }
    }

    /// RFC 4180 with CRLF line ends, as `CSVWriter` writes it.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { cell.append("\""); chars.removeFirst() } else { quoted = false } } else { cell.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(cell); cell = "" }
            else if c == "\r\n" || c == "\n" { row.append(cell); rows.append(row); row = []; cell = "" }
            else { cell.append(c) }
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }

    @Test("linkwell export minimum-dataset writes what was recorded, field by field (SQLite file)")
    func minimumDatasetCommand() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = dir.appendingPathComponent("linkwell.sqlite").path, output = dir.appendingPathComponent("mds.csv").path
        let store = try await StoreFactory.open(database)
        try await store.migrate()
        let s = try await TestScheme.make(store: store)
        let lw = s.request(s.linkWorker)
        // One person whose consent covers evaluation, with record details, a risk, a goal outcome and a closing;
        // one whose consent does not (left out).
        let id = try await s.engagedReferral()
        _ = try await s.casework.updateRecordDetails(id, RecordDetailsInput(gender: "woman", carerStatus: "carer"), lw)
        _ = try await s.casework.recordRisk(id, RiskInput(risk: "falls", detail: "Two falls"), lw)
        let planned = try await s.casework.act(on: id, lw) { [env = s.casework.env] in
            try $0.agreePlan(PlanInput(whatMatters: "Walking", goals: ["Walk weekly"], actions: [.init(description: "Health walk", owner: "", due: nil)]),
                             by: lw.principal, env: env)
        }
        _ = try await s.casework.updateActionPlan(id, action: planned.actions[0].id, PlanActionPlanInput(status: "done", support: "physical_activity"), lw)
        _ = try await s.casework.updateGoalPlan(id, goal: planned.goals[0].id, GoalPlanInput(status: "achieved"), lw)
        _ = try await s.casework.close(id, reason: "goals_met", note: "", feedback: .init(), confirmed: true, lw)
        var noEvaluation = TestScheme.submission(givenName: "Nell")
        noEvaluation.consent?.purposes = ["share_with_providers"]
        _ = try await s.engagedReferral(noEvaluation)
        let expected = try await s.outcomes.minimumDataset(recipient: "icb", nil)
        try await store.shutdown()

        let parsed = try LinkwellCommand.parseAsRoot(["export", "minimum-dataset", "--database", database, "--recipient", "icb", "--output", output])
        var command = try #require(parsed as? AsyncParsableCommand)
        try await command.run()
        let rows = Self.parseCSV(try String(contentsOfFile: output, encoding: .utf8))
        #expect(rows.first == MinimumDataset.header)
        let body = Array(rows.dropFirst())
        #expect(body.count == expected.rows.count && !body.isEmpty)
        for (line, row) in zip(body, expected.rows) {
            #expect(line == [row.pseudonym, row.group.rawValue, row.item, row.system, row.code, row.display, row.value, row.month])
        }
        // And against what was recorded, not only against the service's own answer.
        #expect(Set(body.map { $0[0] }).count == 1, "only the person whose consent covers evaluation")
        func codes(_ item: String) -> [String] { body.filter { $0[2] == item }.map { $0[4] } }
        #expect(codes("gp_practice") == ["Y99001"] && codes("carer_status") == ["224484003"] && codes("gender") == ["woman"])
        #expect(codes("need") == ["loneliness", "low_mood"] && codes("risk").contains("falls"))
        #expect(codes("referral_to_social_prescribing") == [NationalCodes.referralToSocialPrescribing])
        #expect(codes("closing_reason") == ["goals_met"] && codes("goal_status") == ["achieved"])
        #expect(body.filter { $0[2] == "plan_action" }.map { [$0[1], $0[3], $0[4], $0[5], $0[6]] }
                == [["support_offered", "urn:linkwell:codesystem:support_offered", "physical_activity", "Physical activity", "done"]])
        #expect(body.allSatisfy { $0[7].count == 7 && $0[7].dropFirst(4).first == "-" }, "months only, never dates")
        #expect(!body.joined().joined().contains("Margaret") && !body.joined().joined().contains("9434765919"), "no names or NHS numbers")
    }
}
