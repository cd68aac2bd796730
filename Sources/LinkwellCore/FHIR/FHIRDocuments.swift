import Foundation

extension FHIRMapping {
    // MARK: Directory (from the HSDS 3.0 records the ORUK feed publishes)

    /// A directory service (an HSDS service record) as a HealthcareService; its locations are
    /// `Location/{service_at_location id}`.
    public static func healthcareService(_ hsds: JSONValue) -> JSONValue {
        let sals = hsds["service_at_locations"]?.array ?? []
        var telecom: [JSONValue] = []
        for phone in hsds["phones"]?.array ?? [] { if let n = phone["number"]?.string { telecom.append(["system": "phone", "value": .string(n)]) } }
        if let email = hsds["email"]?.string { telecom.append(["system": "email", "value": .string(email)]) }
        if let url = hsds["url"]?.string { telecom.append(["system": "url", "value": .string(url)]) }
        return finish([
            "resourceType": "HealthcareService",
            "id": .string(hsds["id"]?.string ?? ""),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("HealthcareService")),
            "active": .bool((hsds["status"]?.string ?? "active") == "active"),
            "providedBy": hsds["organization"]?["name"]?.string.map { ["display": .string($0)] } ?? .null,
            "name": hsds["name"]?.string.map { JSONValue.string($0) } ?? .null,
            "comment": hsds["description"]?.string.map { JSONValue.string(String($0.prefix(500))) } ?? .null,
            "location": .array(sals.compactMap { sal in
                sal["id"]?.string.map { id in ["reference": .string("Location/\(id)"), "display": sal["location"]?["name"] ?? .null] }
            }),
            "telecom": .array(telecom),
        ])
    }

    /// Where a service is delivered (an HSDS service_at_location with its location) as a Location.
    public static func location(_ sal: JSONValue) -> JSONValue {
        let place = sal["location"] ?? [:]
        let address = place["addresses"]?.array?.first
        var position: JSONValue = .null
        if let lat = place["latitude"]?.number, let lon = place["longitude"]?.number {
            position = ["latitude": .number(lat), "longitude": .number(lon)]
        }
        return finish([
            "resourceType": "Location",
            "id": .string(sal["id"]?.string ?? ""),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Location")),
            "status": "active",
            "name": place["name"]?.string.map { JSONValue.string($0) } ?? sal["service"]?["name"] ?? .null,
            "description": place["description"]?.string.map { JSONValue.string($0) } ?? .null,
            "mode": "instance",
            "address": address.map { a in
                ["line": .array([a["address_1"], a["address_2"]].compactMap { $0?.string }.map { JSONValue.string($0) }),
                 "city": a["city"]?.string.map { JSONValue.string($0) } ?? .null,
                 "postalCode": a["postal_code"]?.string.map { JSONValue.string($0) } ?? .null,
                 "country": a["country"]?.string.map { JSONValue.string($0) } ?? .null]
            } ?? .null,
            "position": position,
        ])
    }

    // MARK: OperationOutcome

    /// An OperationOutcome with one issue per problem; `expression` names the element when known.
    public static func operationOutcome(_ issues: [(code: String, diagnostics: String, expression: String?)]) -> JSONValue {
        finish([
            "resourceType": "OperationOutcome",
            "issue": .array(issues.map { issue in
                ["severity": "error", "code": .string(issue.code), "diagnostics": .string(issue.diagnostics),
                 "expression": issue.expression.map { [.string($0)] } ?? .null]
            }),
        ])
    }

    // MARK: The message back as a document

    /// One section of the message back: its local code, title and lines (and the resources it cites).
    public struct MessageBackSection: Sendable, Equatable {
        public var code: String
        public var title: String
        public var lines: [String]
        public var entries: [String]
        public init(code: String, title: String, lines: [String], entries: [String] = []) {
            (self.code, self.title, self.lines, self.entries) = (code, title, lines, entries)
        }
    }

    /// The message back's sections, from the standard's structured message back (`MessageBackDocument`, the same
    /// content as the API's JSON and the printed letter): plan and requested actions first (or the explicit
    /// "No actions requested."), then needs, support offered, outcomes, and risks and safeguarding.
    public static func messageBackSections(_ d: MessageBackDocument, observations: [JSONValue]) -> [MessageBackSection] {
        let plan = d.planAndRequestedActions
        let actions = plan.noActionsRequested ? [plan.statement ?? MessageBackDocument.noActionsStatement]
            : plan.forProfessionals.map { "For the GP or referrer: \($0.description)\($0.agreedWithPerson ? " (agreed with the person)" : "")" }
              + plan.forPersonOrCarer.map { "For the person or carer: \($0.description)\($0.agreedWithPerson ? " (agreed with the person)" : "")" }
        let summary = d.summary
        let needs = summary.needs.map(\.display) + (summary.personView.map { ["In their words: \($0)"] } ?? [])
        func line(_ prefix: String, _ s: MessageBackDocument.Support) -> String {
            var text = "\(prefix): \(s.serviceName ?? s.description)"
            if let status = s.status { text += " (\(status))" }
            if let reason = s.reason { text += ": \(reason)" }
            return text
        }
        let support = summary.supportTakenUp.map { line("Taken up", $0) } + summary.supportNotTakenUp.map { line("Not taken up", $0) }
            + summary.signposting.map { line("Signposted", $0) }
        var outcome = ["Status: \(summary.status).", "Contacts made: \(summary.contactsMade)."]
        if let reason = summary.closingReason { outcome.append("Closing reason: \(reason.display).") }
        if let seen = summary.firstSeenAt { outcome.append("First seen: \(CalendarDate(seen)).") }
        func number(_ v: Double) -> String { v.rounded() == v ? String(Int(v)) : String(format: "%.1f", v) }
        let scores = summary.outcomeScores.map { o in
            "\(o.scale.display), \(o.scoreLabel): \(o.before.map(number) ?? "not measured") before, \(o.after.map(number) ?? "not measured") after"
        }
        let risks = summary.risks.map { r in r.detail.map { "\(r.risk.display): \($0)" } ?? r.risk.display }
            + summary.safeguarding.map { "Safeguarding concern (\($0.status)): \($0.description)" }
        return [
            MessageBackSection(code: "plan-and-requested-actions", title: "Plan and requested actions", lines: actions),
            MessageBackSection(code: "needs-and-concerns", title: "Needs and concerns", lines: needs.isEmpty ? ["None recorded."] : needs),
            MessageBackSection(code: "support-offered", title: "Support offered", lines: support.isEmpty ? ["None yet."] : support),
            MessageBackSection(code: "outcomes", title: "Outcomes", lines: outcome + (scores.isEmpty ? ["No outcome measures recorded."] : scores),
                               entries: observations.compactMap { o in o["id"]?.string.map { "Observation/\($0)" } }),
            MessageBackSection(code: "risks-and-safeguarding", title: "Risks and safeguarding", lines: risks),
        ] + (d.carePlan.map { [MessageBackSection(code: "care-and-support-plan", title: "Care and support plan", lines: $0.lines)] } ?? [])
    }

    /// The message back as a FHIR `document` Bundle: a Composition first, then the Patient and the outcome
    /// Observations it cites. `base` is the server's FHIR base URL (for each entry's fullUrl).
    public static func messageBackDocument(_ c: Case, sections: [MessageBackSection], patient: JSONValue, observations: [JSONValue],
                                           base: String, now: Date) -> JSONValue {
        let r = c.referral
        let composition = finish([
            "resourceType": "Composition",
            "id": .string("message-back-\(r.id.rawValue)"),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Composition")),
            "status": r.status.isFinal ? "final" : "preliminary",
            "type": FHIRJSON.concept(FHIRTerms.documentTypes, "message-back", "Social prescribing message back to GP and referrer"),
            "subject": ["reference": .string("Patient/\(r.id.rawValue)")],
            "date": FHIRJSON.instant(now),
            "author": [["display": "Social prescribing service"]],
            "title": "Social prescribing: message back to GP and referrer",
            "section": .array(sections.map { s in
                ["title": .string(s.title),
                 "code": FHIRJSON.concept(FHIRTerms.compositionSections, s.code, s.title),
                 "text": ["status": "generated", "div": .string(xhtml(s.lines))],
                 "entry": .array(s.entries.map { ["reference": .string($0)] })]
            }),
        ])
        let resources = [composition, patient] + observations
        return finish([
            "resourceType": "Bundle",
            "id": .string("message-back-\(r.id.rawValue)"),
            "identifier": ["system": .string(FHIRTerms.documentIdentifier), "value": .string("\(r.id.rawValue)-\(Int(now.timeIntervalSince1970))")],
            "type": "document",
            "timestamp": FHIRJSON.instant(now),
            "entry": .array(resources.map { ["fullUrl": .string(fullURL($0, base: base)), "resource": $0] }),
        ])
    }

    /// A FHIR narrative `div` listing the lines (text escaped).
    static func xhtml(_ lines: [String]) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        return "<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>" + lines.map { "<li>\(escape($0))</li>" }.joined() + "</ul></div>"
    }

    // MARK: CapabilityStatement

    /// What `/fhir` supports, exactly: the resources, interactions and search parameters the routes serve.
    public static func capabilityStatement(base: String, date: Date) -> JSONValue {
        func resource(_ type: String, _ interactions: [String], search: [(String, String)] = [], profile: Bool = true, operations: [(String, String)] = []) -> JSONValue {
            finish([
                "type": .string(type),
                "profile": profile ? .string(FHIRTerms.ukCore(type)) : .null,
                "interaction": .array(interactions.map { ["code": .string($0)] }),
                "searchParam": .array(search.map { ["name": .string($0.0), "type": .string($0.1)] }),
                "operation": .array(operations.map { ["name": .string($0.0), "definition": .string($0.1)] }),
            ])
        }
        return finish([
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": FHIRJSON.instant(date),
            "publisher": "Linkwell",
            "kind": "instance",
            "software": ["name": "Linkwell"],
            "implementation": ["description": "Linkwell social prescribing: FHIR R4 interface", "url": .string(base)],
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "rest": [[
                "mode": "server",
                "security": ["description": "Bearer tokens (Authorization: Bearer …), the same as /api/v1; each role sees what it may in the JSON API."],
                "resource": [
                    resource("Patient", ["read"]),
                    resource("ServiceRequest", ["read", "search-type", "create"], search: [("status", "token")]),
                    resource("Task", ["read", "search-type", "update"], search: [("focus", "reference")]),
                    resource("Organization", ["read", "search-type"], search: [("identifier", "token")]),
                    resource("HealthcareService", ["read"]),
                    resource("Location", ["read"]),
                    resource("Observation", ["search-type"], search: [("subject", "reference")]),
                    resource("Composition", [], operations: [("document", "http://hl7.org/fhir/OperationDefinition/Composition-document")]),
                ],
            ]],
        ])
    }
}
