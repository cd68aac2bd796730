import Foundation

/// A referral in sent as a FHIR R4 `ServiceRequest` (what a GP system posts to `/fhir/ServiceRequest`),
/// read into the same `ReferralSubmission` that `POST /api/v1/referrals` takes, so it goes through the same
/// validation and casework path. Every refusal names the FHIR element (a FHIRPath `expression`), and the
/// domain's own field errors are renamed to the element they came from. The shape is in `docs/fhir.md`.
public struct FHIRReferralInput: Sendable {
    /// The submission, ready for `CaseworkService.submitReferral`.
    public var submission: ReferralSubmission
    /// Where each of the submission's fields came from in the resource.
    let paths: [String: String]

    /// The elements of an R4 ServiceRequest (https://hl7.org/fhir/R4/servicerequest.html); any other is not R4.
    static let serviceRequestElements: Set<String> = [
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
        "identifier", "instantiatesCanonical", "instantiatesUri", "basedOn", "replaces", "requisition", "status", "intent",
        "category", "priority", "doNotPerform", "code", "orderDetail", "quantityQuantity", "quantityRatio", "quantityRange",
        "subject", "encounter", "occurrenceDateTime", "occurrencePeriod", "occurrenceTiming", "asNeededBoolean",
        "asNeededCodeableConcept", "authoredOn", "requester", "performerType", "performer", "locationCode", "locationReference",
        "reasonCode", "reasonReference", "insurance", "supportingInfo", "specimen", "bodySite", "note", "patientInstruction",
        "relevantHistory",
    ]
    /// The elements of an R4 Patient (https://hl7.org/fhir/R4/patient.html).
    static let patientElements: Set<String> = [
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
        "identifier", "active", "name", "telecom", "gender", "birthDate", "deceasedBoolean", "deceasedDateTime", "address",
        "maritalStatus", "multipleBirthBoolean", "multipleBirthInteger", "photo", "contact", "communication",
        "generalPractitioner", "managingOrganization", "link",
    ]
    /// The elements of an R4 Consent (https://hl7.org/fhir/R4/consent.html).
    static let consentElements: Set<String> = [
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
        "identifier", "status", "scope", "category", "patient", "dateTime", "performer", "organization", "sourceAttachment",
        "sourceReference", "policy", "policyRule", "verification", "provision",
    ]
    /// R4 value sets: request-status, request-intent, request-priority, consent-state-codes, administrative-gender.
    static let requestStatus: Set<String> = ["draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"]
    static let requestIntent: Set<String> = ["proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
                                             "instance-order", "option"]
    static let requestPriority: Set<String> = ["routine", "urgent", "asap", "stat"]
    static let consentState: Set<String> = ["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"]
    static let gender: Set<String> = ["male", "female", "other", "unknown"]

    public static let sourceTypes = "urn:linkwell:codesystem:source_types"
    public static let consentMethods = "urn:linkwell:codesystem:consent_methods"
    public static let consentPurposes = "urn:linkwell:codesystem:consent_purposes"

    /// Reads the resource, or throws `LinkwellError.invalid` naming every element that is not valid R4,
    /// is missing, or refers to something not in the resource.
    public static func parse(_ resource: JSONValue) throws(LinkwellError) -> FHIRReferralInput {
        var v = Validator()
        guard let sr = resource.object else { throw .invalid([.apiOnly("ServiceRequest", "The body must be a FHIR resource (a JSON object).")]) }
        guard sr["resourceType"]?.string == "ServiceRequest" else {
            throw .invalid([.apiOnly("ServiceRequest.resourceType", "resourceType must be ServiceRequest.")])
        }
        unknownElements(sr, allowed: serviceRequestElements, path: "ServiceRequest", &v)
        if sr["id"] != nil { v.addAPIOnly("ServiceRequest.id", "A resource to create must not carry an id; the server assigns it.") }

        let status = code(sr["status"], "ServiceRequest.status", in: requestStatus, required: true, &v)
        if let status, status != "active" { v.addAPIOnly("ServiceRequest.status", "A new referral must have status 'active'.") }
        let intent = code(sr["intent"], "ServiceRequest.intent", in: requestIntent, required: true, &v)
        if let intent, intent != "order" { v.addAPIOnly("ServiceRequest.intent", "A referral is an 'order'.") }
        let priority = code(sr["priority"], "ServiceRequest.priority", in: requestPriority, required: false, &v)

        // The referral is to social prescribing: SNOMED CT 871731000000106.
        let codings = codingsOf(sr["code"], "ServiceRequest.code", &v)
        if sr["code"] == nil { v.addAPIOnly("ServiceRequest.code", "code is required: SNOMED CT \(FHIRTerms.referralToSocialPrescribing) (\(FHIRTerms.referralToSocialPrescribingDisplay)).") }
        else if !codings.contains(where: { $0.system == FHIRTerms.snomed && $0.code == FHIRTerms.referralToSocialPrescribing }) {
            v.addAPIOnly("ServiceRequest.code", "code must include SNOMED CT \(FHIRTerms.referralToSocialPrescribing) (\(FHIRTerms.referralToSocialPrescribingDisplay)).")
        }

        // Contained resources: the Patient (required) and the Consent (required).
        var containedByID: [String: (Int, [String: JSONValue])] = [:]
        if let contained = sr["contained"] {
            if let list = contained.array {
                for (i, item) in list.enumerated() {
                    guard let o = item.object, let type = o["resourceType"]?.string else {
                        v.addAPIOnly("ServiceRequest.contained[\(i)]", "Each contained entry must be a resource with a resourceType."); continue
                    }
                    guard let id = o["id"]?.string, !id.isEmpty else {
                        v.addAPIOnly("ServiceRequest.contained[\(i)].id", "A contained resource needs an id to be referred to."); continue
                    }
                    containedByID[id] = (i, o)
                    if !["Patient", "Consent"].contains(type) {
                        v.addAPIOnly("ServiceRequest.contained[\(i)].resourceType", "Only a Patient and a Consent may be contained.")
                    }
                }
            } else { v.addAPIOnly("ServiceRequest.contained", "contained must be an array.") }
        }

        func resolve(_ ref: JSONValue?, _ path: String, type: String) -> (Int, [String: JSONValue])? {
            guard let ref else { return nil }
            guard let text = ref["reference"]?.string else { v.addAPIOnly("\(path).reference", "A reference is required."); return nil }
            guard text.hasPrefix("#"), let found = containedByID[String(text.dropFirst())], found.1["resourceType"]?.string == type else {
                v.addAPIOnly(path, "\(text) does not resolve: refer to a \(type) contained in this resource (e.g. #patient).")
                return nil
            }
            return found
        }

        var paths: [String: String] = [:]
        var person = ReferralSubmission.PersonInput()
        if sr["subject"] == nil { v.addAPIOnly("ServiceRequest.subject", "subject is required: a reference to the contained Patient.") }
        var subjectResolved = false
        if case let (index, patient)? = resolve(sr["subject"], "ServiceRequest.subject", type: "Patient") {
            subjectResolved = true
            let base = "ServiceRequest.contained[\(index)]"
            unknownElements(patient, allowed: patientElements, path: base, &v)
            paths["person.nhsNumber"] = "\(base).identifier"
            for (i, id) in (patient["identifier"]?.array ?? []).enumerated() where id["system"]?.string == FHIRTerms.nhsNumber {
                guard let value = id["value"]?.string else { v.addAPIOnly("\(base).identifier[\(i)].value", "The NHS number's value is required."); continue }
                person.nhsNumber = value
                paths["person.nhsNumber"] = "\(base).identifier[\(i)].value"
            }
            let name = patient["name"]?.array?.first
            person.familyName = name?["family"]?.string
            person.givenName = name?["given"]?.array?.compactMap(\.string).joined(separator: " ")
            paths["person.familyName"] = "\(base).name[0].family"
            paths["person.givenName"] = "\(base).name[0].given"
            person.dateOfBirth = patient["birthDate"]?.string
            paths["person.dateOfBirth"] = "\(base).birthDate"
            if let g = code(patient["gender"], "\(base).gender", in: gender, required: false, &v) {
                person.sex = ["female": "female", "male": "male", "other": "other"][g]
            }
            for t in patient["telecom"]?.array ?? [] {
                if t["system"]?.string == "phone", person.phone == nil { person.phone = t["value"]?.string }
                if t["system"]?.string == "email", person.email == nil { person.email = t["value"]?.string }
            }
            paths["person.phone"] = "\(base).telecom"
            paths["person.email"] = "\(base).telecom"
            person.postcode = patient["address"]?.array?.first?["postalCode"]?.string
            paths["person.postcode"] = "\(base).address[0].postalCode"
            person.preferredLanguage = patient["communication"]?.array?.first?["language"]?["text"]?.string
            paths["person.preferredLanguage"] = "\(base).communication[0].language"
            paths["person.gpPracticeCode"] = "\(base).generalPractitioner"
            if let gp = patient["generalPractitioner"]?.array?.first {
                if gp["identifier"]?["system"]?.string == FHIRTerms.odsCode, let ods = gp["identifier"]?["value"]?.string {
                    person.gpPracticeCode = ods
                    paths["person.gpPracticeCode"] = "\(base).generalPractitioner[0].identifier.value"
                } else {
                    v.addAPIOnly("\(base).generalPractitioner[0]", "Name the GP practice by its ODS code (identifier.system \(FHIRTerms.odsCode)).")
                }
            }
        }

        // The person's consent: a contained Consent named in supportingInfo.
        var consent = ReferralSubmission.ConsentInput(given: false, givenBy: nil, method: nil, purposes: nil)
        paths["consent.given"] = "ServiceRequest.supportingInfo"
        let consentRef = sr["supportingInfo"]?.array?.first { ($0["reference"]?.string ?? "").hasPrefix("#") &&
            containedByID[String(($0["reference"]?.string ?? "").dropFirst())]?.1["resourceType"]?.string == "Consent" }
        if let consentRef, case let (index, c)? = resolve(consentRef, "ServiceRequest.supportingInfo", type: "Consent") {
            let base = "ServiceRequest.contained[\(index)]"
            unknownElements(c, allowed: consentElements, path: base, &v)
            let state = code(c["status"], "\(base).status", in: consentState, required: true, &v)
            if c["scope"] == nil { v.addAPIOnly("\(base).scope", "scope is required (R4 Consent.scope 1..1).") }
            if (c["category"]?.array ?? []).isEmpty { v.addAPIOnly("\(base).category", "category is required (R4 Consent.category 1..*).") }
            if subjectResolved, let patientRef = c["patient"], patientRef["reference"]?.string != sr["subject"]?["reference"]?.string {
                v.addAPIOnly("\(base).patient", "The consent must be the referred person's (the same reference as subject).")
            }
            consent.given = state == "active"
            paths["consent.given"] = "\(base).status"
            consent.givenBy = c["performer"]?.array?.first?["display"]?.string
            paths["consent.givenBy"] = "\(base).performer[0].display"
            let categories = (c["category"]?.array ?? []).flatMap { $0["coding"]?.array ?? [] }
            consent.method = categories.first { $0["system"]?.string == consentMethods }?["code"]?.string
            paths["consent.method"] = "\(base).category"
            consent.purposes = (c["provision"]?["purpose"]?.array ?? []).filter { $0["system"]?.string == consentPurposes }.compactMap { $0["code"]?.string }
            paths["consent.purposes"] = "\(base).provision.purpose"
        } else if consentRef == nil {
            v.addAPIOnly("ServiceRequest.supportingInfo", "The person's consent is required: a contained Consent (status active) referenced from supportingInfo.")
        }

        // Who referred: the category's source type (GP, practice nurse, …).
        let sourceCodes = (sr["category"]?.array ?? []).flatMap { $0["coding"]?.array ?? [] }.filter { $0["system"]?.string == sourceTypes }
        paths["sourceType"] = "ServiceRequest.category"

        // Needs: the needs code list, local (`urn:linkwell:codesystem:needs`) or as mapped (`system|code`).
        var needs: [String] = []
        for (i, reason) in (sr["reasonCode"]?.array ?? []).enumerated() {
            guard let c = reason["coding"]?.array?.first, let system = c["system"]?.string, let code = c["code"]?.string else {
                v.addAPIOnly("ServiceRequest.reasonCode[\(i)]", "Each reason needs a coding with a system and a code."); continue
            }
            needs.append(system == CodeListKind.needs.localSystem ? code : "\(system)|\(code)")
        }
        paths["needs"] = "ServiceRequest.reasonCode"
        let view = (sr["note"]?.array ?? []).compactMap { $0["text"]?.string }.joined(separator: "\n")
        paths["personView"] = "ServiceRequest.note"
        paths["urgency"] = "ServiceRequest.priority"
        try v.check()

        let submission = ReferralSubmission(
            person: person, sourceType: sourceCodes.first?["code"]?.string, needs: needs, personView: view, consent: consent,
            riskInformation: nil, feedbackPreference: nil,
            urgency: priority.map { $0 == "routine" ? "routine" : "soon" }, pathway: nil)
        return FHIRReferralInput(submission: submission, paths: paths)
    }

    /// The domain's field errors, renamed to the FHIR elements they came from.
    public func renamed(_ error: LinkwellError) -> LinkwellError {
        guard case .invalid(let fields) = error else { return error }
        return .invalid(fields.map { f in
            let base = f.field.split(separator: "[").first.map(String.init) ?? f.field
            return f.at(paths[f.field] ?? paths[base] ?? "ServiceRequest")
        })
    }

    // MARK: Small readers that record what is wrong

    static func unknownElements(_ o: [String: JSONValue], allowed: Set<String>, path: String, _ v: inout Validator) {
        for key in o.keys.sorted() {
            let name = key.hasPrefix("_") ? String(key.dropFirst()) : key
            if !allowed.contains(name) { v.addAPIOnly("\(path).\(key)", "\(key) is not an element of an R4 \(o["resourceType"]?.string ?? "resource").") }
        }
    }

    static func code(_ value: JSONValue?, _ path: String, in allowed: Set<String>, required: Bool, _ v: inout Validator) -> String? {
        guard let value else {
            if required { v.addAPIOnly(path, "\(path.split(separator: ".").last ?? "") is required (mandatory in R4).") }
            return nil
        }
        guard let text = value.string else { v.addAPIOnly(path, "Must be a code (a JSON string)."); return nil }
        guard allowed.contains(text) else {
            v.addAPIOnly(path, "'\(text)' is not in the R4 value set: \(allowed.sorted().joined(separator: ", ")).")
            return nil
        }
        return text
    }

    static func codingsOf(_ concept: JSONValue?, _ path: String, _ v: inout Validator) -> [(system: String, code: String)] {
        guard let concept else { return [] }
        guard let codings = concept["coding"]?.array else { v.addAPIOnly(path, "Must be a CodeableConcept with a coding array."); return [] }
        return codings.compactMap { c in c["system"]?.string.flatMap { s in c["code"]?.string.map { (s, $0) } } }
    }
}
