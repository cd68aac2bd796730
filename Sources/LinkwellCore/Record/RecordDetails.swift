import Foundation

// The standard's sections that are one form each rather than a list: more of the person demographics
// (gender, pronouns, carer status), "About me", individual requirements and reasonable adjustments, and
// the person-reported presenting issues. One row per referral, replaced whole; empty items are optional
// and left out of outputs.

/// Gender as the person describes it (standard: person demographics → gender, "must have").
public enum Gender: String, Codable, CaseIterable, Sendable {
    case woman, man
    case nonBinary = "non_binary"
    case other
    case preferNotToSay = "prefer_not_to_say"
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .woman: "Woman"
        case .man: "Man"
        case .nonBinary: "Non-binary"
        case .other: "In another way"
        case .preferNotToSay: "Prefers not to say"
        case .notStated: "Not stated"
        }
    }
}

/// Whether the person looks after someone (standard: carer status, SNOMED CT 224484003 |Carer|).
public enum CarerStatus: String, Codable, CaseIterable, Sendable {
    case carer
    case notCarer = "not_carer"
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .carer: "Is a carer"
        case .notCarer: "Is not a carer"
        case .notStated: "Not stated"
        }
    }

    /// SNOMED CT 224484003 |Carer (person)|, as the standard's carer status item names it (docs/snomed-codes.md).
    public static let snomedCarer = "224484003"
}

/// The standard's record sections kept as one form per referral.
public struct RecordDetails: Codable, Sendable, Equatable {
    public var referralID: ReferralID
    public var gender: Gender
    /// Optional; only shown when given (standard guidance on pronouns).
    public var pronouns: String
    public var carerStatus: CarerStatus
    // About me (PRSB About Me items, the person's words).
    public var whatMattersToMe: String
    public var peopleImportantToMe: String
    public var howToCommunicateWithMe: String
    public var pleaseDoAndDont: String
    public var alsoWorthKnowing: String
    // Individual requirements.
    /// Reasonable adjustments the person needs (Equality Act 2010; flag 1108111000000107 in the standard).
    public var reasonableAdjustments: String
    public var otherRequirements: String
    /// Presenting complaints or issues as the person reports them (the coded ones are the needs).
    public var personReportedIssues: String
    /// The person's title (person name → title in the standard: Mrs, Mr, Mx, Dr…), free text; nil when not given.
    public var title: String? = nil
    /// Religion or belief, in the person's words: a **local**, uncoded value. The standard codes religion in SNOMED CT
    /// (UK Core's Extension-UKCore-ReligiousAffiliation binds refset 999000531000000100), whose members are not
    /// available to us, so none is sent as a code. Nil when not given.
    public var religion: String? = nil
    public var updatedBy: UserID
    public var updatedAt: Date

    public static func empty(_ referralID: ReferralID, by: UserID, at: Date) -> RecordDetails {
        RecordDetails(referralID: referralID, gender: .notStated, pronouns: "", carerStatus: .notStated, whatMattersToMe: "",
                      peopleImportantToMe: "", howToCommunicateWithMe: "", pleaseDoAndDont: "", alsoWorthKnowing: "",
                      reasonableAdjustments: "", otherRequirements: "", personReportedIssues: "", updatedBy: by, updatedAt: at)
    }
}

/// The record details as entered: every field optional (nil keeps the current value).
public struct RecordDetailsInput: Codable, Sendable {
    public var gender: String?
    public var pronouns: String?
    public var carerStatus: String?
    public var whatMattersToMe: String?
    public var peopleImportantToMe: String?
    public var howToCommunicateWithMe: String?
    public var pleaseDoAndDont: String?
    public var alsoWorthKnowing: String?
    public var reasonableAdjustments: String?
    public var otherRequirements: String?
    public var personReportedIssues: String?
    /// Free text, at most 40 and 200 characters; empty clears.
    public var title: String?
    public var religion: String?
    public init(gender: String? = nil, pronouns: String? = nil, carerStatus: String? = nil, whatMattersToMe: String? = nil,
                peopleImportantToMe: String? = nil, howToCommunicateWithMe: String? = nil, pleaseDoAndDont: String? = nil,
                alsoWorthKnowing: String? = nil, reasonableAdjustments: String? = nil, otherRequirements: String? = nil,
                personReportedIssues: String? = nil, title: String? = nil, religion: String? = nil) {
        (self.title, self.religion) = (title, religion)
        (self.gender, self.pronouns, self.carerStatus, self.whatMattersToMe) = (gender, pronouns, carerStatus, whatMattersToMe)
        (self.peopleImportantToMe, self.howToCommunicateWithMe, self.pleaseDoAndDont) = (peopleImportantToMe, howToCommunicateWithMe, pleaseDoAndDont)
        (self.alsoWorthKnowing, self.reasonableAdjustments, self.otherRequirements) = (alsoWorthKnowing, reasonableAdjustments, otherRequirements)
        self.personReportedIssues = personReportedIssues
    }
}

extension Case {
    /// Updates the record details: each given field replaces the current one; nothing is stored on a refusal.
    public func updateRecordDetails(_ input: RecordDetailsInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor updates the record.") }
        var v = Validator()
        let now = env.now()
        var d = details ?? .empty(referral.id, by: actor.userID, at: now)
        if input.gender != nil, let g = v.choice(input.gender, "gender", label: .gender, as: Gender.self) { d.gender = g }
        if input.carerStatus != nil, let c = v.choice(input.carerStatus, "carerStatus", label: .carerStatus, as: CarerStatus.self) { d.carerStatus = c }
        func text(_ value: String?, _ field: String, _ label: FieldLabel, _ max: Int, _ keyPath: WritableKeyPath<RecordDetails, String>) {
            guard let value else { return }
            d[keyPath: keyPath] = v.optional(value, field, label: label, max: max)
        }
        text(input.pronouns, "pronouns", .pronouns, 50, \.pronouns)
        text(input.whatMattersToMe, "whatMattersToMe", .whatIsMostImportantToMe, 2000, \.whatMattersToMe)
        text(input.peopleImportantToMe, "peopleImportantToMe", .peopleWhoAreImportantToMe, 2000, \.peopleImportantToMe)
        text(input.howToCommunicateWithMe, "howToCommunicateWithMe", .howToCommunicateWithMe, 2000, \.howToCommunicateWithMe)
        text(input.pleaseDoAndDont, "pleaseDoAndDont", .pleaseDoAndPleaseDont, 2000, \.pleaseDoAndDont)
        text(input.alsoWorthKnowing, "alsoWorthKnowing", .alsoWorthKnowingAboutMe, 2000, \.alsoWorthKnowing)
        text(input.reasonableAdjustments, "reasonableAdjustments", .reasonableAdjustments, 2000, \.reasonableAdjustments)
        text(input.otherRequirements, "otherRequirements", .otherRequirements, 2000, \.otherRequirements)
        text(input.personReportedIssues, "personReportedIssues", .issuesInThePersonsWords, 2000, \.personReportedIssues)
        if input.title != nil { d.title = v.optional(input.title, "title", label: .title, max: 40).nonEmpty }
        if input.religion != nil { d.religion = v.optional(input.religion, "religion", label: .religionOrBelief, max: 200).nonEmpty }
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        d.updatedBy = actor.userID
        d.updatedAt = update.now
        update.change.details = d
        return update.change
    }
}
