import Foundation

/// The lists of coded concepts Linkwell records: what each local value (a need, a contact method…) means
/// in a code system. Lists are data: an administrator maps a local value to a SNOMED CT concept, citing
/// the public source of the code, or imports such mappings. A value nobody has mapped keeps its local code
/// and is marked unmapped, so that no code is ever invented.
public enum CodeListKind: String, Codable, CaseIterable, Sendable {
    /// Needs and concerns (reasons for referral). Standard: presenting complaints or issues.
    case needs
    /// Support offered: the categories of services people are referred or signposted to.
    case supportOffered = "support_offered"
    /// How a contact with the person was made.
    case contactMethods = "contact_methods"
    /// The outcome of a contact attempt.
    case contactOutcomes = "contact_outcomes"
    /// Why a case closed.
    case closingReasons = "closing_reasons"
    /// Risks (standard: risks, coded from < 281694009 |Finding of at risk| when mapped), including "no known risks".
    case risks
    /// Assessment scales: the instruments outcomes are measured with (standard: assessments).
    case assessments

    public var label: String {
        switch self {
        case .needs: "Needs and concerns"
        case .supportOffered: "Support offered"
        case .contactMethods: "Contact methods"
        case .contactOutcomes: "Outcomes of contact"
        case .closingReasons: "Closing reasons"
        case .risks: "Risks"
        case .assessments: "Assessment scales"
        }
    }

    /// Linkwell's local values of the list, with their labels: what the rest of Linkwell records.
    public var localValues: [(key: String, display: String)] {
        switch self {
        case .needs: Need.allCases.map { ($0.rawValue, $0.label) }
        // Its own list (`SupportOffered.swift`), keyed as the directory's service categories, plus activities.
        case .supportOffered: SupportOffered.allCases.map { ($0.rawValue, $0.label) }
        case .contactMethods: ContactMode.allCases.map { ($0.rawValue, $0.label) }
        case .contactOutcomes: [("successful", "Contact made"), ("unsuccessful", "Contact attempted, not made")]
            + ContactOutcome.allCases.map { ($0.rawValue, $0.label) }
        case .closingReasons: ClosingReason.allCases.map { ($0.rawValue, $0.label) }
        case .risks: RiskCodes.localValues
        case .assessments: [("ons4", "ONS4 personal wellbeing"), ("swemwbs", "SWEMWBS (Short Warwick-Edinburgh Mental Wellbeing Scale)"),
                            ("wemwbs", "WEMWBS (Warwick-Edinburgh Mental Wellbeing Scale)"), ("goal_attainment", "Goal attainment (plan goals rated 1–10)")]
        }
    }

    /// The code system of Linkwell's own, unmapped codes for this list.
    public var localSystem: String { "urn:linkwell:codesystem:\(rawValue)" }
}

/// The code systems Linkwell knows.
public enum CodeSystem {
    /// SNOMED CT (the FHIR system URI).
    public static let snomed = "http://snomed.info/sct"

    /// Whether `code` is a well-formed SNOMED CT identifier: 6 to 18 digits, no leading zero, a valid
    /// partition and a valid Verhoeff check digit (SNOMED CT Technical Implementation Guide, "SCTID").
    /// A well-formed identifier may still not exist; the source cited with it says that it does.
    public static func isSNOMEDIdentifier(_ code: String) -> Bool {
        let digits = code.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == code.count, (6...18).contains(digits.count), digits.first != 0 else { return false }
        // Concepts, descriptions and relationships, short (0x) or extension (1x) form.
        let partition = digits[digits.count - 3] * 10 + digits[digits.count - 2]
        guard [0, 1, 2, 10, 11, 12].contains(partition) else { return false }
        return verhoeff(digits)
    }

    private static let d: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
    private static let p: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]
    private static func verhoeff(_ digits: [Int]) -> Bool {
        var c = 0
        for (i, digit) in digits.reversed().enumerated() { c = d[c][p[i % 8][digit]] }
        return c == 0
    }
}

/// One concept of a code list: Linkwell's local value and what it is coded as.
public struct CodedConcept: Codable, Sendable, Equatable {
    public var list: CodeListKind
    /// Linkwell's own value (e.g. `loneliness`): what the rest of Linkwell records.
    public var key: String
    public var system: String
    public var code: String
    public var display: String
    /// Where the code comes from (a URL or document), required for a SNOMED CT code; empty for a local code.
    public var source: String

    public init(list: CodeListKind, key: String, system: String, code: String, display: String, source: String) {
        (self.list, self.key, self.system, self.code, self.display, self.source) = (list, key, system, code, display, source)
    }

    /// The local, unmapped concept of a value.
    public static func local(_ list: CodeListKind, key: String, display: String) -> CodedConcept {
        CodedConcept(list: list, key: key, system: list.localSystem, code: key, display: display, source: "")
    }

    /// False while the value carries only Linkwell's local code.
    public var mapped: Bool { system != list.localSystem }

    enum CodingKeys: String, CodingKey { case list, key, system, code, display, source, mapped }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(list: try c.decode(CodeListKind.self, forKey: .list), key: try c.decode(String.self, forKey: .key),
                  system: try c.decode(String.self, forKey: .system), code: try c.decode(String.self, forKey: .code),
                  display: try c.decode(String.self, forKey: .display), source: try c.decodeIfPresent(String.self, forKey: .source) ?? "")
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(list, forKey: .list)
        try c.encode(key, forKey: .key)
        try c.encode(system, forKey: .system)
        try c.encode(code, forKey: .code)
        try c.encode(display, forKey: .display)
        try c.encode(source, forKey: .source)
        try c.encode(mapped, forKey: .mapped)
    }
}

/// A mapping as an administrator enters it: raw values, checked by `validated`.
public struct ConceptInput: Codable, Sendable {
    public var key: String?
    public var system: String?
    public var code: String?
    public var display: String?
    public var source: String?
    public init(key: String? = nil, system: String? = nil, code: String? = nil, display: String? = nil, source: String? = nil) {
        (self.key, self.system, self.code, self.display, self.source) = (key, system, code, display, source)
    }

    /// Checks the mapping, naming each bad field (prefixed with `prefix`). The key must be one of the list's
    /// values; a SNOMED CT code must be a well-formed identifier and cite its source; leaving the system
    /// empty (or giving the list's local system) puts the value back to its local, unmapped code.
    public func validated(_ list: CodeListKind, prefix: String = "") throws(LinkwellError) -> CodedConcept {
        var v = Validator()
        let key = v.required(self.key, prefix + "key", label: .key, max: 100)
        let local = list.localValues.first { $0.key == key }
        if !key.isEmpty && local == nil {
            v.add(prefix + "key", .codeListValueUnknown, ["value": key, "list": list.label.lowercased(), "allowed": list.localValues.map(\.key).joined(separator: ", ")])
        }
        let system = v.optional(self.system, prefix + "system", label: .codeSystem, max: 200)
        let code = v.optional(self.code, prefix + "code", label: .code, max: 100)
        let source = v.optional(self.source, prefix + "source", label: .source, max: 1000)
        var display = v.optional(self.display, prefix + "display", label: .display, max: 300)
        try v.check()
        if system.isEmpty || system == list.localSystem { return .local(list, key: key, display: local!.display) }
        if system != CodeSystem.snomed { v.add(prefix + "system", .onlySNOMED, ["system": CodeSystem.snomed]) }
        else if !CodeSystem.isSNOMEDIdentifier(code) { v.add(prefix + "code", .notSNOMEDIdentifier, ["code": code]) }
        if source.isEmpty { v.add(prefix + "source", .codeSourceRequired) }
        if display.isEmpty { display = local?.display ?? "" }
        try v.check()
        return CodedConcept(list: list, key: key, system: system, code: code, display: display, source: source)
    }
}

/// The local values of the risks list. None carries a SNOMED CT code by default: no public source for
/// codes under 281694009 |Finding of at risk| is cited in the repository (docs/snomed-codes.md).
public enum RiskCodes {
    public static let localValues: [(key: String, display: String)] = [
        (RiskEntry.noKnownRisks, "No known risks"),
        ("self_harm", "Risk of self-harm or suicide"),
        ("harm_to_others", "Risk of harm to others"),
        ("lone_working", "Risk to staff visiting alone"),
        ("self_neglect", "Risk of self-neglect"),
        ("abuse_or_exploitation", "Risk of abuse or exploitation"),
        ("falls", "Risk of falls"),
        ("other", "Other risk (described)"),
    ]
    public static func display(_ key: String) -> String? { localValues.first { $0.key == key }?.display }
}

/// The outcome of a contact, finer than made / not made (standard: contacts with professionals → outcome
/// of contact). Local values; none carries a national code by default.
public enum ContactOutcome: String, Codable, CaseIterable, Sendable {
    case seen
    case noAnswer = "no_answer"
    case messageLeft = "message_left"
    case didNotAttend = "did_not_attend"
    case cancelledByPerson = "cancelled_by_person"
    case rearranged

    public var label: String {
        switch self {
        case .seen: "Seen or spoken to"
        case .noAnswer: "No answer"
        case .messageLeft: "Message left"
        case .didNotAttend: "Did not attend"
        case .cancelledByPerson: "Cancelled by the person"
        case .rearranged: "Rearranged"
        }
    }

    /// Whether the person was reached.
    public var contactMade: Bool { self == .seen }
}
