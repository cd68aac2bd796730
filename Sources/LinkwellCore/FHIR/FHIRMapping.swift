import Foundation

/// The identifiers, code systems and profiles Linkwell's FHIR R4 interface uses. Each is cited in
/// `docs/fhir.md`; local code systems (`urn:linkwell:codesystem:…`) stand wherever no national code is cited.
public enum FHIRTerms {
    public static let nhsNumber = "https://fhir.nhs.uk/Id/nhs-number"
    public static let odsCode = "https://fhir.nhs.uk/Id/ods-organization-code"
    public static let snomed = "http://snomed.info/sct"
    /// Linkwell's own lifecycle statuses (Task.businessStatus).
    public static let referralStatus = "urn:linkwell:codesystem:referral_status"
    public static let rejectionReasons = "urn:linkwell:codesystem:rejection_reasons"
    public static let documentTypes = "urn:linkwell:codesystem:document_types"
    public static let compositionSections = "urn:linkwell:codesystem:message_back_sections"
    public static let instrumentScores = "urn:linkwell:codesystem:instrument_scores"
    public static let taskCodes = "http://hl7.org/fhir/CodeSystem/task-code"
    /// The message back's identifier system (a Bundle document must carry one).
    public static let documentIdentifier = "urn:linkwell:identifier:message_back"

    /// UK Core profiles (HL7 UK, UK Core R4) for the resources that have one.
    public static func ukCore(_ resource: String) -> String { "https://fhir.hl7.org.uk/StructureDefinition/UKCore-\(resource)" }

    /// SNOMED CT 871731000000106 "Referral to social prescribing service" (cited in `docs/snomed-codes.md`).
    public static let referralToSocialPrescribing = "871731000000106"
    public static let referralToSocialPrescribingDisplay = "Referral to social prescribing service"
}

/// Pure mappings between Linkwell's domain and FHIR R4 JSON. No I/O: the web edge reads through the
/// services and hands the results here.
public enum FHIRMapping {
    // MARK: Patient

    /// The person, minimum necessary: identifier (NHS number), name, birth date, postcode and the registered GP
    /// practice. Contact details only for `full` (scheme staff), never for a referrer.
    public static func patient(_ c: Case, practice: Organisation?, full: Bool) -> JSONValue {
        let p = c.person
        var telecom: [JSONValue] = []
        if full {
            if !p.phone.isEmpty { telecom.append(["system": "phone", "value": .string(p.phone)]) }
            if !p.email.isEmpty { telecom.append(["system": "email", "value": .string(p.email)]) }
        }
        // No sex (Patient.gender) and no ethnic category: both are equality monitoring questions, whose answers the
        // person is promised are counted only in protected totals, so they leave Linkwell only in the pseudonymised
        // minimum dataset. (A GP system that sends a gender keeps it in its own record, and PDS holds it.)
        return finish([
            "resourceType": "Patient",
            "id": .string(c.referral.id.rawValue),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Patient")),
            "identifier": p.nhsNumber.map { [["system": .string(FHIRTerms.nhsNumber), "value": .string($0.digits)]] } ?? .null,
            "name": [["use": "official", "family": .string(p.familyName), "given": [.string(p.givenName)],
                      "prefix": c.details?.title.map { [.string($0)] } ?? .null]],
            "birthDate": .string(p.dateOfBirth.description),
            "telecom": .array(telecom),
            "address": [["postalCode": .string(p.postcode)]],
            "generalPractitioner": practice.map { [organisationReference($0)] } ?? .null,
        ])
    }

    /// A reference to an organisation of the register by its ODS code (what a GP system knows it by).
    static func organisationReference(_ o: Organisation) -> JSONValue {
        var ref: [String: JSONValue] = ["reference": .string("Organization/\(o.id.rawValue)"), "display": .string(o.name)]
        if let ods = o.odsCode { ref["identifier"] = ["system": .string(FHIRTerms.odsCode), "value": .string(ods)] }
        return .object(ref)
    }

    // MARK: Organization

    public static func organization(_ o: Organisation) -> JSONValue {
        let lines = o.address.split(separator: "\n").map { JSONValue.string(String($0).trimmingCharacters(in: .whitespaces)) }
        var telecom: [JSONValue] = []
        if !o.phone.isEmpty { telecom.append(["system": "phone", "value": .string(o.phone)]) }
        if !o.email.isEmpty { telecom.append(["system": "email", "value": .string(o.email)]) }
        return finish([
            "resourceType": "Organization",
            "id": .string(o.id.rawValue),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Organization")),
            "identifier": o.odsCode.map { [["system": .string(FHIRTerms.odsCode), "value": .string($0)]] } ?? .null,
            "active": true,
            "type": [FHIRJSON.concept("urn:linkwell:codesystem:organisation_kinds", o.kind.rawValue, o.kind.label)],
            "name": .string(o.name),
            "telecom": .array(telecom),
            "address": [["line": .array(lines), "postalCode": .string(o.postcode)]],
        ])
    }

    // MARK: ServiceRequest (the referral in)

    /// The referral in as a ServiceRequest: coded as SNOMED CT 871731000000106, its needs as the scheme's
    /// needs code list (local codes), the person as `Patient/{referral id}`.
    public static func serviceRequest(_ c: Case, referrerName: String?, codeList: [CodedConcept] = []) -> JSONValue {
        let r = c.referral
        let status: String = switch r.status {
        case .closed: "completed"
        case .declined, .redirected, .withdrawn, .unableToContact: "revoked"
        default: "active"
        }
        let reasons: [JSONValue] = r.needs.map { need in
            let mapped = codeList.first { $0.list == .needs && $0.key == need.rawValue }
            var codings: [JSONValue] = [FHIRJSON.coding(CodeListKind.needs.localSystem, need.rawValue, need.label)]
            if let mapped, mapped.mapped { codings.append(FHIRJSON.coding(mapped.system, mapped.code, mapped.display)) }
            return ["coding": .array(codings), "text": .string(need.label)]
        }
        let notes = [r.personView.isEmpty ? nil : r.personView, r.referralMethod.map { "Referral method: \($0.label)" },
                     r.returnResponseTo.map { "Return response to: \($0)" }, r.referrerGrade.map { "Referrer's grade: \($0)" },
                     r.referrerTeam.map { "Referrer's team: \($0)" }, r.referrerSpecialty.map { "Referrer's specialty: \($0)" }].compactMap { $0 }
        return finish([
            "resourceType": "ServiceRequest",
            "id": .string(r.id.rawValue),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("ServiceRequest"), lastUpdated: r.updatedAt),
            "status": .string(status),
            "intent": "order",
            "category": [FHIRJSON.concept("urn:linkwell:codesystem:source_types", r.sourceType.rawValue, r.sourceType.label)],
            "priority": r.urgency == .soon ? "urgent" : "routine",
            "code": FHIRJSON.concept(FHIRTerms.snomed, FHIRTerms.referralToSocialPrescribing, FHIRTerms.referralToSocialPrescribingDisplay),
            "subject": ["reference": .string("Patient/\(r.id.rawValue)")],
            "authoredOn": FHIRJSON.instant(r.receivedAt),
            "requester": referrerName.map { ["display": .string($0)] } ?? .null,
            "reasonCode": .array(reasons),
            // The person's view, and the standard's referral method and "return response to", which have no
            // element of their own in R4 ServiceRequest: as annotations, left out when empty.
            "note": notes.isEmpty ? .null : .array(notes.map { ["text": .string($0)] }),
        ])
    }

    // MARK: Task (Gravity closed loop)

    /// The Gravity Task status of the referral in, from Linkwell's lifecycle (docs/fhir.md, "Task statuses").
    public static func taskStatus(_ status: ReferralStatus) -> String {
        switch status {
        case .received, .triaged: "requested"
        case .accepted, .contactAttempted: "accepted"
        case .declined, .redirected: "rejected"
        case .engaged, .planAgreed, .active, .review: "in-progress"
        case .closed: "completed"
        case .unableToContact: "failed"
        case .withdrawn: "cancelled"
        }
    }

    /// The Task id of the referral in (`in-…`) and of a referral out (`out-…`).
    public static func inTaskID(_ id: ReferralID) -> String { "in-\(id.rawValue)" }
    public static func outTaskID(_ id: OnwardReferralID) -> String { "out-\(id.rawValue)" }

    /// The Task for the referral in: owned by the social prescribing service, requested by the referrer.
    /// `status` is what this viewer may know (a referrer without consent to share progress learns the decision only).
    public static func referralTask(_ c: Case, status: ReferralStatus, reason: String?, referrerName: String?) -> JSONValue {
        let r = c.referral
        return finish([
            "resourceType": "Task",
            "id": .string(inTaskID(r.id)),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Task"), lastUpdated: r.updatedAt),
            "basedOn": [["reference": .string("ServiceRequest/\(r.id.rawValue)")]],
            "status": .string(taskStatus(status)),
            "statusReason": reason.map { ["text": .string($0)] } ?? .null,
            "businessStatus": FHIRJSON.concept(FHIRTerms.referralStatus, status.rawValue, status.label),
            "intent": "order",
            "code": FHIRJSON.concept(FHIRTerms.taskCodes, "fulfill", "Fulfill the focal request"),
            "focus": ["reference": .string("ServiceRequest/\(r.id.rawValue)")],
            "for": ["reference": .string("Patient/\(r.id.rawValue)")],
            "authoredOn": FHIRJSON.instant(r.receivedAt),
            "lastModified": FHIRJSON.instant(r.updatedAt),
            "requester": referrerName.map { ["display": .string($0)] } ?? .null,
            "owner": ["display": "Social prescribing service (link worker)"],
        ])
    }

    /// The Task for one referral out: owned by the provider's service, requested by the link worker.
    public static func onwardTask(_ onward: OnwardReferral, referralID: ReferralID, serviceName: String, patient: Bool) -> JSONValue {
        var reason: JSONValue = .null
        if let why = onward.rejectionReason {
            reason = FHIRJSON.concept(FHIRTerms.rejectionReasons, why.rawValue, why.label)
        }
        return finish([
            "resourceType": "Task",
            "id": .string(outTaskID(onward.id)),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Task"), lastUpdated: onward.updatedAt),
            "basedOn": [["reference": .string("ServiceRequest/\(referralID.rawValue)")]],
            "partOf": [["reference": .string("Task/\(inTaskID(referralID))")]],
            "status": .string(onward.status.rawValue),
            "statusReason": reason,
            "businessStatus": ["text": .string(onward.status.label)],
            "intent": "order",
            "code": FHIRJSON.concept(FHIRTerms.taskCodes, "fulfill", "Fulfill the focal request"),
            "focus": ["reference": .string("ServiceRequest/\(referralID.rawValue)")],
            "for": patient ? ["reference": .string("Patient/\(referralID.rawValue)")] : .null,
            "authoredOn": FHIRJSON.instant(onward.createdAt),
            "lastModified": FHIRJSON.instant(onward.updatedAt),
            "requester": ["display": "Social prescribing service (link worker)"],
            "owner": ["reference": .string("HealthcareService/\(onward.serviceID.rawValue)"), "display": .string(serviceName)],
            "note": onward.note.isEmpty ? .null : [["text": .string(onward.note)]],
        ])
    }

    // MARK: Observation (outcome scores)

    /// One outcome score at one time, as an Observation about the person.
    public static func observation(_ t: ScoreTrajectory, _ point: ScoreTrajectory.Point, index: Int, referralID: ReferralID) -> JSONValue {
        finish([
            "resourceType": "Observation",
            "id": .string("\(referralID.rawValue)-\(t.instrumentID)-\(t.scoreID)-\(index)".filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }.prefix(64).description),
            "meta": FHIRJSON.meta(FHIRTerms.ukCore("Observation")),
            "status": "final",
            "category": [FHIRJSON.concept("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")],
            "code": FHIRJSON.concept(FHIRTerms.instrumentScores, "\(t.instrumentID).\(t.scoreID)", t.label),
            "subject": ["reference": .string("Patient/\(referralID.rawValue)")],
            "effectiveDateTime": FHIRJSON.instant(point.at),
            "valueQuantity": ["value": .number(point.value)],
            "interpretation": point.band.map { [["text": .string($0)]] } ?? .null,
            "note": [["text": .string("Timepoint: \(point.timepoint.rawValue)")]],
        ])
    }

    /// Every score of every trajectory as Observations.
    public static func observations(_ trajectories: [ScoreTrajectory], referralID: ReferralID) -> [JSONValue] {
        trajectories.flatMap { t in t.points.enumerated().map { observation(t, $0.element, index: $0.offset, referralID: referralID) } }
    }

    // MARK: Bundles

    /// A `searchset` Bundle of the resources found, each with its full URL under `base` (e.g. `https://host/fhir`).
    /// With `links` (relation, URL: `self`, `next`) the Bundle is one page of a search, and `total` is the
    /// number of matches when known (nil leaves it out); without, it holds every match.
    public static func searchset(_ resources: [JSONValue], base: String, links: [(String, String)] = [], total: Int? = nil) -> JSONValue {
        finish([
            "resourceType": "Bundle",
            "type": "searchset",
            "total": links.isEmpty ? JSONValue.number(Double(resources.count)) : total.map { JSONValue.number(Double($0)) } ?? JSONValue.null,
            "link": .array(links.map { ["relation": .string($0.0), "url": .string($0.1)] }),
            "entry": .array(resources.map { ["fullUrl": .string(fullURL($0, base: base)), "resource": $0, "search": ["mode": "match"]] }),
        ])
    }

    static func fullURL(_ resource: JSONValue, base: String) -> String {
        "\(base)/\(resource["resourceType"]?.string ?? "")/\(resource["id"]?.string ?? "")"
    }

    /// Drops empty elements (FHIR allows none).
    static func finish(_ value: JSONValue) -> JSONValue { FHIRJSON.compact(value) ?? [:] }
}
