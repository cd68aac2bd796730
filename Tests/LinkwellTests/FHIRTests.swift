import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// The FHIR R4 interface: the pure mappings (Core), and the routes on every backend — a referral made
/// in FHIR is stored through the casework path, the closed-loop Tasks move by the casework rules, and
/// bad input is an OperationOutcome naming the element with nothing stored. (`Tests/fhir` validates
/// what the server emits with an independent R4 library.)
@Suite("FHIR R4 interface", .closesStores)
struct FHIRTests {
    /// A referral as a GP system sends it (the test scheme's practice, Y99001).
    static func referral(_ change: (inout [String: Any]) -> Void = { _ in }) -> String {
        var resource: [String: Any] = [
            "resourceType": "ServiceRequest", "status": "active", "intent": "order",
            "category": [["coding": [["system": "urn:linkwell:codesystem:source_types", "code": "gp"]]]],
            "code": ["coding": [["system": "http://snomed.info/sct", "code": "871731000000106"]]],
            "subject": ["reference": "#patient"],
            "reasonCode": [["coding": [["system": "urn:linkwell:codesystem:needs", "code": "loneliness"]]]],
            "note": [["text": "Wants company."]],
            "priority": "urgent",
            "supportingInfo": [["reference": "#consent"]],
            "contained": [
                ["resourceType": "Patient", "id": "patient", "identifier": [["system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"]],
                 "name": [["family": "Fhirson", "given": ["Ada", "May"]]], "birthDate": "1950-03-04", "gender": "female",
                 "telecom": [["system": "phone", "value": "0113 496 0000"]], "address": [["postalCode": "LS1 4AP"]],
                 "generalPractitioner": [["identifier": ["system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "Y99001"]]]],
                ["resourceType": "Consent", "id": "consent", "status": "active", "scope": ["text": "treatment"],
                 "category": [["coding": [["system": "urn:linkwell:codesystem:consent_methods", "code": "written"]]]],
                 "patient": ["reference": "#patient"], "performer": [["display": "Ada Fhirson"]],
                 "provision": ["purpose": [["system": "urn:linkwell:codesystem:consent_purposes", "code": "share_with_providers"],
                                           ["system": "urn:linkwell:codesystem:consent_purposes", "code": "share_with_referrer"]]]],
            ],
        ]
        change(&resource)
        return String(decoding: try! JSONSerialization.data(withJSONObject: resource), as: UTF8.self)
    }

    static func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    // MARK: Pure mapping

    @Test func serviceRequestIsReadIntoTheAPIsSubmission() throws {
        let input = try FHIRReferralInput.parse(try Self.json(Self.referral()))
        let s = input.submission
        #expect(s.person?.nhsNumber == "9434765919" && s.person?.givenName == "Ada May" && s.person?.familyName == "Fhirson")
        #expect(s.person?.dateOfBirth == "1950-03-04" && s.person?.sex == "female" && s.person?.phone == "0113 496 0000")
        #expect(s.person?.postcode == "LS1 4AP" && s.person?.gpPracticeCode == "Y99001")
        #expect(s.sourceType == "gp" && s.needs == ["loneliness"] && s.personView == "Wants company." && s.urgency == "soon")
        #expect(s.consent?.given == true && s.consent?.givenBy == "Ada Fhirson" && s.consent?.method == "written")
        #expect(s.consent?.purposes == ["share_with_providers", "share_with_referrer"])
        // The domain's own field names come back as the FHIR elements they were read from.
        let renamed = input.renamed(.invalid([FieldError("person.dateOfBirth", .dateNotReal, label: .dateOfBirth), FieldError("needs", .needsRequired),
                                              FieldError("consent.method", .required, label: .howConsentWasGiven)]))
        #expect(renamed == .invalid([FieldError("ServiceRequest.contained[0].birthDate", .dateNotReal, label: .dateOfBirth),
                                     FieldError("ServiceRequest.reasonCode", .needsRequired),
                                     FieldError("ServiceRequest.contained[1].category", .required, label: .howConsentWasGiven)]))
    }

    @Test func invalidResourcesNameTheElement() throws {
        func fields(_ change: @escaping (inout [String: Any]) -> Void) throws -> [String] {
            do { _ = try FHIRReferralInput.parse(try Self.json(Self.referral(change))); return [] } catch LinkwellError.invalid(let errors) {
                return errors.map(\.field)
            }
        }
        #expect(try fields { $0["status"] = "bogus" } == ["ServiceRequest.status"])
        #expect(try fields { $0["status"] = "draft" } == ["ServiceRequest.status"])
        #expect(try fields { $0.removeValue(forKey: "intent") } == ["ServiceRequest.intent"])
        #expect(try fields { $0["colour"] = "blue" } == ["ServiceRequest.colour"])
        #expect(try fields { $0["id"] = "x" } == ["ServiceRequest.id"])
        #expect(try fields { $0["subject"] = ["reference": "Patient/123"] } == ["ServiceRequest.subject"])
        #expect(try fields { $0.removeValue(forKey: "subject") } == ["ServiceRequest.subject"])
        #expect(try fields { $0.removeValue(forKey: "supportingInfo") } == ["ServiceRequest.supportingInfo"])
        #expect(try fields { $0["code"] = ["coding": [["system": "http://snomed.info/sct", "code": "12345"]]] } == ["ServiceRequest.code"])
        #expect(try fields { r in
            var contained = r["contained"] as! [[String: Any]]
            contained[0]["gender"] = "f"
            contained[1].removeValue(forKey: "scope")
            r["contained"] = contained
        } == ["ServiceRequest.contained[0].gender", "ServiceRequest.contained[1].scope"])
        #expect(throws: LinkwellError.invalid([.apiOnly("ServiceRequest.resourceType", "resourceType must be ServiceRequest.")])) {
            _ = try FHIRReferralInput.parse(["resourceType": "Patient"])
        }
    }

    @Test func everyLifecycleStatusHasAGravityTaskStatus() {
        let expected: [ReferralStatus: String] = [
            .received: "requested", .triaged: "requested", .accepted: "accepted", .contactAttempted: "accepted", .declined: "rejected",
            .redirected: "rejected", .engaged: "in-progress", .planAgreed: "in-progress", .active: "in-progress", .review: "in-progress",
            .closed: "completed", .unableToContact: "failed", .withdrawn: "cancelled",
        ]
        for status in ReferralStatus.allCases {
            #expect(FHIRMapping.taskStatus(status) == expected[status], "\(status)")
            #expect(FHIRTaskUpdate.taskStatus.contains(FHIRMapping.taskStatus(status)))
        }
        // A referral out's statuses are Gravity's own codes.
        for status in OnwardStatus.allCases { #expect(FHIRTaskUpdate.taskStatus.contains(status.rawValue), "\(status)") }
    }

    @Test func emptyElementsAreLeftOut() {
        let value: JSONValue = ["a": "", "b": [], "c": [:], "d": ["e": ""], "f": "x", "g": [["h": .null]], "i": 0]
        #expect(FHIRJSON.compact(value) == ["f": "x", "i": 0])
    }

    @Test func taskUpdatesAreCheckedAsR4() throws {
        let good: JSONValue = ["resourceType": "Task", "id": "in-1", "status": "rejected", "intent": "order",
                               "statusReason": ["coding": [["code": "no_capacity"]], "text": "Full"]]
        let update = try FHIRTaskUpdate.parse(good, id: "in-1")
        #expect(update.id == "in-1" && update.status == "rejected" && update.reasonCode == "no_capacity" && update.reasonText == "Full")
        for (body, field) in [(["resourceType": "Task", "id": "in-1", "status": "done", "intent": "order"], "Task.status"),
                              (["resourceType": "Task", "id": "in-1", "status": "accepted"], "Task.intent"),
                              (["resourceType": "Task", "id": "in-2", "status": "accepted", "intent": "order"], "Task.id"),
                              (["resourceType": "Task", "id": "in-1", "status": "accepted", "intent": "order", "wish": "x"], "Task.wish")] as [(JSONValue, String)] {
            var fields: [String] = []
            do { _ = try FHIRTaskUpdate.parse(body, id: "in-1") } catch { if case .invalid(let errors) = error { fields = errors.map(\.field) } }
            #expect(fields == [field])
        }
    }

    // MARK: Through the router, on every backend

    static func send(_ client: any TestClientProtocol, _ s: TestScheme, _ method: HTTPRequest.Method, _ uri: String, as user: User?,
                     body: String? = nil, contentType: String = "application/fhir+json") async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers: HTTPFields = [.contentType: contentType]
        if let user { headers[.authorization] = "Bearer \(try await s.token(for: user))" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        #expect(response.headers[.contentType] == "application/fhir+json; charset=utf-8", "\(method) \(uri)")
        return (response.status, APIClient.parse(String(buffer: response.body)))
    }

    static func expressions(_ outcome: [String: Any]) -> [String] {
        #expect(outcome["resourceType"] as? String == "OperationOutcome")
        return ((outcome["issue"] as? [[String: Any]]) ?? []).flatMap { ($0["expression"] as? [String]) ?? [] }
    }

    @Test("A referral made in FHIR is stored through casework; bad input stores nothing", arguments: TestBackend.available)
    func createReferral(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            for (body, expression) in [(Self.referral { $0["intent"] = nil }, "ServiceRequest.intent"),
                                       (Self.referral { $0["subject"] = ["reference": "Patient/nobody"] }, "ServiceRequest.subject"),
                                       (Self.referral { r in
                                           var c = r["contained"] as! [[String: Any]]
                                           c[0]["generalPractitioner"] = [["identifier": ["system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "Y12345"]]]
                                           r["contained"] = c
                                       }, "ServiceRequest.contained[0].generalPractitioner[0].identifier.value"),
                                       (Self.referral { r in
                                           var c = r["contained"] as! [[String: Any]]
                                           c[0]["birthDate"] = "2999-01-01"
                                           r["contained"] = c
                                       }, "ServiceRequest.contained[0].birthDate")] {
                let (status, outcome) = try await Self.send(client, s, .post, "/fhir/ServiceRequest", as: s.referrer, body: body)
                #expect(status == .unprocessableContent)
                #expect(Self.expressions(outcome).contains(expression), "\(outcome)")
            }
            let (wrongType, _) = try await Self.send(client, s, .post, "/fhir/ServiceRequest", as: s.referrer, body: Self.referral(), contentType: "text/plain")
            #expect(wrongType == .unsupportedMediaType)
            let (forbidden, _) = try await Self.send(client, s, .post, "/fhir/ServiceRequest", as: s.provider, body: Self.referral())
            #expect(forbidden == .forbidden)
            #expect(try await s.store.referrals(ReferralQuery()).isEmpty, "nothing stored")

            let (created, resource) = try await Self.send(client, s, .post, "/fhir/ServiceRequest", as: s.referrer, body: Self.referral())
            #expect(created == .created)
            let id = ReferralID(try #require(resource["id"] as? String))
            let stored = try #require(try await s.store.loadCase(id))
            #expect(stored.person.familyName == "Fhirson" && stored.person.nhsNumber?.digits == "9434765919")
            #expect(stored.person.gpPracticeID == TestScheme.practice.id && stored.referral.referrerID == s.referrer.id)
            #expect(stored.referral.needs == [.loneliness] && stored.referral.urgency == .soon && stored.referral.consent.method == .written)
            #expect(stored.referral.status == .received)

            // Reads are audited as reads of the referral, and someone else's is not found.
            let (read, patient) = try await Self.send(client, s, .get, "/fhir/Patient/\(id.rawValue)", as: s.referrer)
            #expect(read == .ok && patient["telecom"] == nil)
            #expect(patient["gender"] == nil, "the sex the GP system sent is an equality monitoring answer: counted, never shown back")
            #expect(try await s.store.auditEvents(subjectID: id, limit: 100).contains { $0.actorID == s.referrer.id && $0.action == "read" })
            let (other, _) = try await Self.send(client, s, .get, "/fhir/ServiceRequest/\(id.rawValue)", as: s.otherReferrer)
            #expect(other == .notFound)
        }
    }

    @Test("Tasks move by the casework rules: the link worker owns the referral in, the provider the referral out", arguments: TestBackend.available)
    func closedLoop(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let (_, resource) = try await Self.send(client, s, .post, "/fhir/ServiceRequest", as: s.referrer, body: Self.referral())
            let id = ReferralID(try #require(resource["id"] as? String))
            let put = { (user: User, task: String, status: String) async throws -> (HTTPResponse.Status, [String: Any]) in
                try await Self.send(client, s, .put, "/fhir/Task/\(task)", as: user,
                                    body: #"{"resourceType":"Task","id":"\#(task)","status":"\#(status)","intent":"order"}"#)
            }
            #expect(try await put(s.referrer, "in-\(id.rawValue)", "accepted").0 == .forbidden)
            #expect(try await put(s.linkWorker, "in-\(id.rawValue)", "in-progress").0 == .unprocessableContent)
            #expect(try await s.store.loadCase(id)?.referral.status == .received, "a refused update changes nothing")
            let (accepted, task) = try await put(s.linkWorker, "in-\(id.rawValue)", "accepted")
            #expect(accepted == .ok && task["status"] as? String == "accepted")
            #expect(try await s.store.loadCase(id)?.referral.status == .accepted)
            // Accepting twice is an illegal step.
            #expect(try await put(s.linkWorker, "in-\(id.rawValue)", "accepted").0 == .conflict)

            // Engage and refer out through casework, then the provider answers through FHIR.
            _ = try await s.casework.act(on: id, .init(Principal(s.linkWorker), route: "test")) { [env = s.env, lw = s.linkWorker] c in
                try c.recordContact(ContactInput(mode: "phone", durationMinutes: 20, successful: true, notes: ""), by: Principal(lw), env: env)
            }
            // The message back is the standard's, which needs a risks entry ("no known risks" is one): refused without it.
            let (refused, outcome) = try await Self.send(client, s, .get, "/fhir/Composition/message-back-\(id.rawValue)/$document", as: s.referrer)
            #expect(refused == .unprocessableContent && "\(outcome)".contains("risks"), "\(outcome)")
            _ = try await s.casework.act(on: id, .init(Principal(s.linkWorker), route: "test")) { [env = s.env, lw = s.linkWorker] c in
                try c.recordRisk(RiskInput(risk: RiskEntry.noKnownRisks), by: Principal(lw), env: env)
            }
            let referred = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: "", governanceOverride: "test",
                                                         .init(Principal(s.supervisor), route: "test"))
            let onward = try #require(referred.onwardReferrals.first).id
            let out = "out-\(onward.rawValue)"
            #expect(try await put(s.otherProvider, out, "accepted").0 == .notFound, "another group's provider cannot see it")
            #expect(try await put(s.linkWorker, out, "accepted").0 == .unprocessableContent, "accepting is the provider's")
            #expect(try await put(s.provider, out, "cancelled").0 == .forbidden, "cancelling is the link worker's")
            #expect(try await put(s.provider, out, "accepted").0 == .ok)
            #expect(try await put(s.provider, out, "in-progress").0 == .ok)
            #expect(try await s.store.loadCase(id)?.onward(onward)?.status == .inProgress)
            let (read, seen) = try await Self.send(client, s, .get, "/fhir/Task/\(out)", as: s.referrer)
            #expect(read == .ok && seen["status"] as? String == "in-progress")
            let (_, bundle) = try await Self.send(client, s, .get, "/fhir/Task?focus=ServiceRequest/\(id.rawValue)", as: s.linkWorker)
            #expect(((bundle["entry"] as? [[String: Any]]) ?? []).count == 2)

            // The message back as a document, its Composition first.
            let (ok, document) = try await Self.send(client, s, .get, "/fhir/Composition/message-back-\(id.rawValue)/$document", as: s.referrer)
            #expect(ok == .ok && document["type"] as? String == "document")
            let first = try #require((document["entry"] as? [[String: Any]])?.first?["resource"] as? [String: Any])
            #expect(first["resourceType"] as? String == "Composition")
            #expect(((first["section"] as? [[String: Any]])?.first?["title"] as? String) == "Plan and requested actions")
        }
    }
}
