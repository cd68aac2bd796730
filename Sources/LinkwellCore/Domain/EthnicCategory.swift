import Foundation

/// The person's ethnic category as the NHS Data Dictionary data element ETHNIC CATEGORY (England) codes it:
/// the 16+1 categories of the 2001 census, national code Z "Not stated" (the person was given the opportunity
/// to state it but chose not to) and default code 99 "Not known" (not asked, or left blank). Codes and displays
/// exactly as the UK Core code system `https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland`
/// (HL7 UK, NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN `codesystems/CodeSystem-UKCore-EthnicCategoryEngland.xml`,
/// version 1.1.1, copied from the NHS Data Dictionary) — cited in `docs/nhs-record.md`.
///
/// Before the national list, Linkwell recorded five broad groups. They cannot be mapped to one category each,
/// so records made then keep them (`legacy…`, read only, never offered or accepted again); "prefer not to say"
/// and "not stated" map exactly to Z and 99 (migration 290).
public enum EthnicCategory: String, CaseIterable, Sendable, Codable {
    case whiteBritish = "A", whiteIrish = "B", whiteOther = "C"
    case mixedWhiteBlackCaribbean = "D", mixedWhiteBlackAfrican = "E", mixedWhiteAsian = "F", mixedOther = "G"
    case asianIndian = "H", asianPakistani = "J", asianBangladeshi = "K", asianOther = "L"
    case blackCaribbean = "M", blackAfrican = "N", blackOther = "P"
    case chinese = "R", otherEthnicGroup = "S"
    case notStated = "Z"
    case notKnown = "99"
    // Broad groups recorded before the national list (read only).
    case legacyWhite = "white", legacyMixed = "mixed", legacyAsian = "asian", legacyBlack = "black", legacyOther = "other"

    /// The UK Core code system of the England categories.
    public static let system = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
    /// The UK Core extension that carries it on a Patient (`structuredefinitions/Extension-UKCore-EthnicCategory.xml`).
    public static let extensionURL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"

    /// The values that may be recorded: the national codes, in the Data Dictionary's order.
    public static var national: [EthnicCategory] { allCases.filter { !$0.isLegacy } }

    public var isLegacy: Bool { [.legacyWhite, .legacyMixed, .legacyAsian, .legacyBlack, .legacyOther].contains(self) }

    /// The display of the national code (exactly as published), or the broad group's label.
    public var label: String {
        switch self {
        case .whiteBritish: "White - British"
        case .whiteIrish: "White - Irish"
        case .whiteOther: "White - Any other White background"
        case .mixedWhiteBlackCaribbean: "Mixed - White and Black Caribbean"
        case .mixedWhiteBlackAfrican: "Mixed - White and Black African"
        case .mixedWhiteAsian: "Mixed - White and Asian"
        case .mixedOther: "Mixed - Any other mixed background"
        case .asianIndian: "Asian or Asian British - Indian"
        case .asianPakistani: "Asian or Asian British - Pakistani"
        case .asianBangladeshi: "Asian or Asian British - Bangladeshi"
        case .asianOther: "Asian or Asian British - Any other Asian background"
        case .blackCaribbean: "Black or Black British - Caribbean"
        case .blackAfrican: "Black or Black British - African"
        case .blackOther: "Black or Black British - Any other Black background"
        case .chinese: "Other Ethnic Groups - Chinese"
        case .otherEthnicGroup: "Other Ethnic Groups - Any other ethnic group"
        case .notStated: "Not stated"
        case .notKnown: "Not known"
        case .legacyWhite, .legacyMixed, .legacyAsian, .legacyBlack, .legacyOther: broadGroup.label + " (broad group, recorded before the NHS categories)"
        }
    }

    /// The broad group (equity reporting keeps its counts by these, so small numbers stay grouped). Exact: each
    /// national display begins with its group's name.
    public var broadGroup: EthnicGroup {
        switch self {
        case .whiteBritish, .whiteIrish, .whiteOther, .legacyWhite: .white
        case .mixedWhiteBlackCaribbean, .mixedWhiteBlackAfrican, .mixedWhiteAsian, .mixedOther, .legacyMixed: .mixed
        case .asianIndian, .asianPakistani, .asianBangladeshi, .asianOther, .legacyAsian: .asian
        case .blackCaribbean, .blackAfrican, .blackOther, .legacyBlack: .black
        case .chinese, .otherEthnicGroup, .legacyOther: .other
        case .notStated: .preferNotToSay
        case .notKnown: .notStated
        }
    }

    /// The coded value for outputs: the national code, or (a legacy broad group) Linkwell's local code.
    public var coded: CodedValue {
        isLegacy ? CodedValue(system: "urn:linkwell:codesystem:ethnic_group", code: rawValue, display: broadGroup.label, mapped: false)
                 : CodedValue(system: Self.system, code: rawValue, display: label, mapped: true)
    }

    /// Reads an answer (empty: 99 "Not known"); only the national codes are accepted, anything else is an
    /// error naming `field`.
    public static func parse(_ text: String?, _ field: String, _ v: inout Validator) -> EthnicCategory? {
        let code = (text ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty { return .notKnown }
        if let found = EthnicCategory(rawValue: code.uppercased()), !found.isLegacy { return found }
        v.add(field, .ethnicCategoryUnknown, ["allowed": national.map(\.rawValue).joined(separator: ", ")])
        return nil
    }

    /// Reads stored and backed-up values, including the two old values that map exactly.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "prefer_not_to_say": self = .notStated
        case "not_stated": self = .notKnown
        default:
            guard let value = EthnicCategory(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Unknown ethnic category \(text)"))
            }
            self = value
        }
    }
}

/// Sex as the person states it, coded as the NHS Data Dictionary's PERSON STATED GENDER CODE where the
/// meaning is the same: 1 Male, 2 Female, X "Not Known (not recorded)" (Linkwell's "not stated": not asked or
/// left blank). Linkwell's "other" and "prefers not to say" have no exact national code (9 is "Indeterminate
/// (unable to be classified as either male or female)", a different meaning), so they stay local.
/// Source: UK Core `codesystems/CodeSystem-NHSDataModelAndDictionary-PersonStatedGenderCode.xml` (HL7 UK,
/// version 2.0.0; status retired in UK Core since 2021-09-10, where Patient.gender uses FHIR administrative-gender).
extension Sex {
    public static let statedGenderSystem = "https://fhir.hl7.org.uk/CodeSystem/NHSDataModelAndDictionary-PersonStatedGenderCode"

    public var coded: CodedValue {
        switch self {
        case .male: CodedValue(system: Self.statedGenderSystem, code: "1", display: "Male", mapped: true)
        case .female: CodedValue(system: Self.statedGenderSystem, code: "2", display: "Female", mapped: true)
        case .notStated: CodedValue(system: Self.statedGenderSystem, code: "X", display: "Not Known (not recorded)", mapped: true)
        case .other, .preferNotToSay: CodedValue(system: "urn:linkwell:codesystem:sex", code: rawValue, display: label, mapped: false)
        }
    }
}
