import Foundation

/// A referral in as submitted by a form or the API: raw values, validated by `validated(...)`.
public struct ReferralSubmission: Codable, Sendable {
    public struct PersonInput: Codable, Sendable {
        public var nhsNumber: String?
        public var givenName: String?
        public var familyName: String?
        public var dateOfBirth: String?
        public var postcode: String?
        public var phone: String?
        public var email: String?
        public var preferredLanguage: String?
        public var interpreterNeeded: Bool?
        public var communicationNeeds: String?
        /// Optional equity monitoring: `female`, `male`, `other`, `not_stated`.
        public var sex: String?
        /// Optional equity monitoring: `white`, `mixed`, `asian`, `black`, `other`, `not_stated`.
        public var ethnicity: String?
        /// The ODS code of the GP practice the person is registered with (e.g. `B86012`). Required in a
        /// professional's referral, unless the referrer works at a GP practice (then theirs is assumed);
        /// optional in a self-referral.
        public var gpPracticeCode: String?
        public init(nhsNumber: String? = nil, givenName: String? = nil, familyName: String? = nil, dateOfBirth: String? = nil,
                    postcode: String? = nil, phone: String? = nil, email: String? = nil, preferredLanguage: String? = nil,
                    interpreterNeeded: Bool? = nil, communicationNeeds: String? = nil, sex: String? = nil, ethnicity: String? = nil,
                    gpPracticeCode: String? = nil) {
            self.gpPracticeCode = gpPracticeCode
            self.sex = sex
            self.ethnicity = ethnicity
            self.nhsNumber = nhsNumber
            self.givenName = givenName
            self.familyName = familyName
            self.dateOfBirth = dateOfBirth
            self.postcode = postcode
            self.phone = phone
            self.email = email
            self.preferredLanguage = preferredLanguage
            self.interpreterNeeded = interpreterNeeded
            self.communicationNeeds = communicationNeeds
        }
    }

    public struct ConsentInput: Codable, Sendable {
        /// Must be true: the person agreed to the referral.
        public var given: Bool?
        public var givenBy: String?
        public var method: String?
        public var purposes: [String]?
        public init(given: Bool?, givenBy: String?, method: String?, purposes: [String]?) {
            self.given = given
            self.givenBy = givenBy
            self.method = method
            self.purposes = purposes
        }
    }

    public var person: PersonInput?
    public var sourceType: String?
    public var needs: [String]?
    public var personView: String?
    public var consent: ConsentInput?
    public var riskInformation: String?
    public var feedbackPreference: String?
    public var urgency: String?
    public var pathway: String?
    /// The standard's referral method (optional): a `ReferralMethod` value.
    public var referralMethod: String? = nil
    /// The standard's "return response to" (optional): who gets the outcome if not the referrer, in words.
    public var returnResponseTo: String? = nil
    /// The referrer's grade, team and specialty (optional, free text, at most 200 characters each; ignored for a
    /// self-referral).
    public var referrerGrade: String? = nil
    public var referrerTeam: String? = nil
    public var referrerSpecialty: String? = nil
    /// A service the person chose in the public directory and asked to be referred to ("ask to be
    /// referred"); checked against the directory and written on the referral's first step, so the link
    /// worker sees it on the case's history.
    public var chosenServiceId: String? = nil

    public init(person: PersonInput?, sourceType: String?, needs: [String]?, personView: String?, consent: ConsentInput?,
                riskInformation: String?, feedbackPreference: String?, urgency: String?, pathway: String?) {
        self.person = person
        self.sourceType = sourceType
        self.needs = needs
        self.personView = personView
        self.consent = consent
        self.riskInformation = riskInformation
        self.feedbackPreference = feedbackPreference
        self.urgency = urgency
        self.pathway = pathway
    }

    /// The GP practices the submission may name, looked up by the service before validating: the
    /// practice its `person.gpPracticeCode` names (if one has it) and the referrer's own organisation.
    public struct PracticeLookup: Sendable {
        public var named: Organisation?
        public var referrersOrganisation: Organisation?
        /// When `person.gpPracticeCode` was not an ODS code but a name that did not pick out one practice: the
        /// practices it matched (at most `PracticeLookup.listed + 1`, to tell that there are more).
        public var nameMatches: [Organisation]?
        public init(named: Organisation? = nil, referrersOrganisation: Organisation? = nil, nameMatches: [Organisation]? = nil) {
            self.named = named
            self.referrersOrganisation = referrersOrganisation
            self.nameMatches = nameMatches
        }

        /// Practices named in the form error when a name matches several.
        public static let listed = 10

        /// The form error for a practice name that matched none or several (`matches`), listing up to `listed`.
        public static func problem(_ field: String, name: String, matches: [Organisation]) -> FieldError {
            let typed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !matches.isEmpty else { return FieldError(field, .practiceNoMatch, ["name": typed]) }
            let listed = matches.prefix(Self.listed).map(\.nameWithCode).joined(separator: "; ")
            return FieldError(field, matches.count > Self.listed ? .practiceManyMatches : .practiceSeveralMatches, ["name": typed, "practices": listed])
        }
    }

    /// The practice code as given, normalised (empty when none was given).
    public var gpPracticeCode: String { ODSCode.normalised(person?.gpPracticeCode ?? "") }

    /// Checks every field and builds the person and the referral, or throws naming each bad field.
    public func validated(by referrer: Principal?, env: CoreEnvironment, practices: PracticeLookup = .init()) throws(LinkwellError) -> (Person, Referral) {
        var v = Validator()
        let now = env.now()
        let p = person ?? PersonInput()

        var nhs: NHSNumber?
        if let raw = p.nhsNumber?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            nhs = NHSNumber(raw)
            if nhs == nil { v.add("person.nhsNumber", .nhsNumberInvalid) }
        }
        let given = v.required(p.givenName, "person.givenName", label: .givenName, max: 100)
        let family = v.required(p.familyName, "person.familyName", label: .familyName, max: 100)
        var dob: CalendarDate?
        do throws(DateInputError) {
            // The form's Day, Month and Year come joined as `year-month-day`; the API's `YYYY-MM-DD` reads the same.
            let parsed = try DateInput(text: p.dateOfBirth ?? "").parsed()
            let today = CalendarDate(now)
            if parsed > today { v.add("person.dateOfBirth", .dateOfBirthInFuture) }
            else if parsed.years(until: today) > 120 { v.add("person.dateOfBirth", .dateOfBirthTooLongAgo) }
            else { dob = parsed }
        } catch { v.add(all: [error.fieldError("person.dateOfBirth", label: .dateOfBirth)]) }
        var postcode = ""
        let postcodeText = (p.postcode ?? "").trimmingCharacters(in: .whitespaces)
        if postcodeText.isEmpty { v.add("person.postcode", .required, label: .postcode) }
        else if let normal = Postcode.normalised(postcodeText) { postcode = normal }
        else { v.add("person.postcode", .postcodeNotValid) }
        let phone = v.optional(p.phone, "person.phone", label: .phone, max: 40)
        let email = v.optional(p.email, "person.email", label: .email, max: 200)
        if !email.isEmpty && !(email.contains("@") && email.contains(".")) { v.add("person.email", .emailNotValid) }
        if phone.isEmpty && email.isEmpty { v.add("person.phone", .phoneOrEmailRequired) }
        let language = v.optional(p.preferredLanguage, "person.preferredLanguage", label: .preferredLanguage, max: 60)
        let communication = v.optional(p.communicationNeeds, "person.communicationNeeds", label: .communicationNeeds, max: 2000)
        let sex = (p.sex ?? "").isEmpty ? .notStated : v.choice(p.sex, "person.sex", label: .sex, as: Sex.self)
        let ethnicity = EthnicCategory.parse(p.ethnicity, "person.ethnicity", &v)
        var practiceID: OrganisationID?
        let code = gpPracticeCode
        if !code.isEmpty {
            if let matches = practices.nameMatches { v.add(all: [PracticeLookup.problem("person.gpPracticeCode", name: p.gpPracticeCode ?? "", matches: matches)]) }
            else if let problem = ODSCode.problem(code, for: .gpPractice) { v.add("person.gpPracticeCode", problem) }
            else if let named = practices.named, named.kind == .gpPractice, named.odsCode == code { practiceID = named.id }
            else { v.add("person.gpPracticeCode", .gpPracticeUnknown, ["code": code]) }
        } else if referrer != nil {
            if let own = practices.referrersOrganisation, own.kind == .gpPractice, own.id == referrer?.organisationID { practiceID = own.id }
            else { v.add("person.gpPracticeCode", .gpPracticeRequired) }
        }

        let source: SourceType? = referrer == nil ? .selfReferral
            : v.choice(sourceType, "sourceType", label: .source, as: SourceType.self)
        var needList: [Need] = []
        for raw in v.atMost(needs?.count ?? 0, Limits.needsPerReferral, "needs", .reasonsForReferral) ? needs ?? [] : [] {
            if let need = Need(rawValue: raw) { if !needList.contains(need) { needList.append(need) } }
            else { v.add("needs", .needUnknown, ["value": raw, "allowed": Need.allCases.map(\.rawValue).joined(separator: ", ")]) }
        }
        if needList.isEmpty && (needs ?? []).isEmpty { v.add("needs", .needsRequired) }
        let personView = v.optional(self.personView, "personView", label: .thePersonsOwnView, max: 5000)
        let risk = v.optional(riskInformation, "riskInformation", label: .riskInformation, max: 5000)
        let pathway = v.optional(self.pathway, "pathway", label: .pathway, max: 100)
        let feedback = (feedbackPreference ?? "").isEmpty ? .keyEvents
            : v.choice(feedbackPreference, "feedbackPreference", label: .feedbackPreference, as: FeedbackPreference.self)
        let urgency = (self.urgency ?? "").isEmpty ? .routine : v.choice(self.urgency, "urgency", label: .urgency, as: Urgency.self)
        // A self-referral is always recorded as one; a professional's method is optional.
        let method: ReferralMethod? = referrer == nil ? .selfReferral
            : (referralMethod ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil
            : v.choice(referralMethod, "referralMethod", label: .referralMethod, as: ReferralMethod.self)
        let returnTo = referrer == nil ? "" : v.optional(returnResponseTo, "returnResponseTo", label: .returnResponseTo, max: 500)
        let grade = referrer == nil ? "" : v.optional(referrerGrade, "referrerGrade", label: .theReferrersGrade, max: 200)
        let team = referrer == nil ? "" : v.optional(referrerTeam, "referrerTeam", label: .theReferrersTeam, max: 200)
        let specialty = referrer == nil ? "" : v.optional(referrerSpecialty, "referrerSpecialty", label: .theReferrersSpecialty, max: 200)

        var consentValue: Consent?
        let c = consent ?? ConsentInput(given: nil, givenBy: nil, method: nil, purposes: nil)
        if c.given != true {
            v.add("consent.given", .consentRequired)
        } else {
            let by = v.required(c.givenBy, "consent.givenBy", label: .whoGaveConsent, max: 200)
            let method = v.choice(c.method, "consent.method", label: .howConsentWasGiven, as: ConsentMethod.self)
            var purposes: [ConsentPurpose] = [.socialPrescribing]
            for raw in v.atMost(c.purposes?.count ?? 0, Limits.consentPurposes, "consent.purposes", .consentPurposes) ? c.purposes ?? [] : [] {
                guard let purpose = ConsentPurpose(rawValue: raw) else {
                    v.add("consent.purposes", .consentPurposeUnknown, ["value": raw]); continue
                }
                if !purposes.contains(purpose) { purposes.append(purpose) }
            }
            if let method { consentValue = Consent(givenBy: by, givenAt: now, method: method, purposes: purposes) }
        }
        try v.check()

        let personValue = Person(id: env.id(), nhsNumber: nhs, givenName: given, familyName: family, dateOfBirth: dob!,
                                 postcode: postcode, phone: phone, email: email, gpPracticeID: practiceID,
                                 preferredLanguage: language.isEmpty ? "English" : language,
                                 interpreterNeeded: p.interpreterNeeded ?? false, communicationNeeds: communication,
                                 sex: sex ?? .notStated, ethnicity: ethnicity ?? .notKnown, createdAt: now)
        let referral = Referral(id: env.id(), personID: personValue.id, referrerID: referrer?.userID,
                                referrerOrganisationID: referrer?.organisationID, sourceType: source!, needs: needList,
                                personView: personView, consent: consentValue!, riskInformation: risk,
                                feedbackPreference: feedback!, urgency: urgency!, pathway: pathway, status: .received,
                                linkWorkerID: nil, closingReason: nil, outcomeNote: "", receivedAt: now, updatedAt: now,
                                version: 1)
        var withDetails = referral
        withDetails.referralMethod = method
        withDetails.returnResponseTo = returnTo.isEmpty ? nil : returnTo
        (withDetails.referrerGrade, withDetails.referrerTeam, withDetails.referrerSpecialty) = (grade.nonEmpty, team.nonEmpty, specialty.nonEmpty)
        return (personValue, withDetails)
    }
}
