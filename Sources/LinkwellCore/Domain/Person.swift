import Foundation

/// The person referred for social prescribing.
public struct Person: Codable, Sendable, Identifiable, Equatable {
    public var id: PersonID
    public var nhsNumber: NHSNumber?
    public var givenName: String
    public var familyName: String
    public var dateOfBirth: CalendarDate
    public var postcode: String
    public var phone: String
    public var email: String
    /// The person's GP practice, when known.
    public var gpPracticeID: OrganisationID?
    public var preferredLanguage: String
    public var interpreterNeeded: Bool
    /// Communication and accessibility needs, in the referrer's words (e.g. "deaf, uses BSL").
    public var communicationNeeds: String
    /// Recorded for equity reporting only; "not stated" unless the person chose to say.
    public var sex: Sex
    /// The NHS Data Dictionary ethnic category (England); see `EthnicCategory`.
    public var ethnicity: EthnicCategory
    public var createdAt: Date

    public init(id: PersonID, nhsNumber: NHSNumber?, givenName: String, familyName: String, dateOfBirth: CalendarDate,
                postcode: String, phone: String, email: String, gpPracticeID: OrganisationID?, preferredLanguage: String,
                interpreterNeeded: Bool, communicationNeeds: String, sex: Sex = .notStated, ethnicity: EthnicCategory = .notKnown,
                createdAt: Date) {
        self.sex = sex
        self.ethnicity = ethnicity
        self.id = id
        self.nhsNumber = nhsNumber
        self.givenName = givenName
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
        self.postcode = postcode
        self.phone = phone
        self.email = email
        self.gpPracticeID = gpPracticeID
        self.preferredLanguage = preferredLanguage
        self.interpreterNeeded = interpreterNeeded
        self.communicationNeeds = communicationNeeds
        self.createdAt = createdAt
    }

    public var fullName: String { "\(givenName) \(familyName)" }
}

/// UK postcode format check (shape only; whether it exists needs a postcode lookup).
public enum Postcode {
    /// Upper-cases and normalises spacing: "ls1  4ap" → "LS1 4AP"; nil when the shape is wrong.
    public static func normalised(_ text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard (5...7).contains(compact.count), compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        let outward = compact.dropLast(3), inward = compact.suffix(3)
        let inwardOK = inward.first!.isNumber && inward.dropFirst().allSatisfy(\.isLetter)
        let outwardOK = outward.first!.isLetter && outward.contains(where: \.isNumber) && (2...4).contains(outward.count)
        guard inwardOK, outwardOK else { return nil }
        return "\(outward) \(inward)"
    }
}

/// Sex as the person states it (equity monitoring).
public enum Sex: String, Codable, CaseIterable, Sendable {
    case female, male, other
    /// Asked, and the person chose not to answer (unlike `notStated`: not asked or left blank).
    case preferNotToSay = "prefer_not_to_say"
    case notStated = "not_stated"
    public var label: String {
        switch self {
        case .female: "Female"
        case .male: "Male"
        case .other: "Other"
        case .preferNotToSay: "Prefers not to say"
        case .notStated: "Not stated"
        }
    }
}

/// The broad groups of the NHS ethnic category (Data Dictionary, 2001 census classification): what equity
/// reporting counts by (`EthnicCategory.broadGroup`), and what Linkwell recorded before the national categories.
public enum EthnicGroup: String, Codable, CaseIterable, Sendable {
    case white, mixed, asian, black, other
    /// Asked, and the person chose not to answer (unlike `notStated`: not asked or left blank).
    case preferNotToSay = "prefer_not_to_say"
    case notStated = "not_stated"
    public var label: String {
        switch self {
        case .white: "White"
        case .mixed: "Mixed or multiple ethnic groups"
        case .asian: "Asian or Asian British"
        case .black: "Black, Black British, Caribbean or African"
        case .other: "Other ethnic group"
        case .preferNotToSay: "Prefers not to say"
        case .notStated: "Not stated"
        }
    }
}
