import Foundation

/// What a scheme configures about who it serves: its referral pathways and eligibility criteria.
public struct SchemeSettings: Codable, Sendable, Equatable {
    /// The pathways (cohorts) referrals can be made under; empty means free text.
    public var pathways: [String]
    public var minimumAge: Int?
    public var maximumAge: Int?
    /// Postcode districts the scheme covers (e.g. "LS1", "LS6"); empty means anywhere.
    public var catchmentAreas: [String]
    /// Months a record is kept after its last referral ended; then the retention job anonymises it.
    /// Nil keeps records indefinitely.
    public var retentionMonths: Int?

    /// The fewest people any published aggregate may describe (`DisclosureControl`); never below
    /// `DisclosureControl.minimumGroupSizeFloor`, and only an administrator can change it.
    public var minimumGroupSize: Int

    /// Roles that must use two-factor sign-in (anyone may choose to).
    public var twoFactorRoles: [Role]

    /// Days after closing within which a closed case may be reopened (0: never). Past it, the person
    /// is referred again as a new referral.
    public var reopenWindowDays: Int
    public static let defaultReopenWindowDays = 90

    /// Administrators and supervisors see and change the most, so they need two-factor sign-in unless
    /// the scheme decides otherwise.
    public static let defaultTwoFactorRoles: [Role] = [.admin, .supervisor]

    public init(pathways: [String] = [], minimumAge: Int? = nil, maximumAge: Int? = nil, catchmentAreas: [String] = [],
                twoFactorRoles: [Role] = SchemeSettings.defaultTwoFactorRoles, retentionMonths: Int? = nil,
                minimumGroupSize: Int = DisclosureControl.minimumGroupSizeFloor,
                reopenWindowDays: Int = SchemeSettings.defaultReopenWindowDays) {
        self.reopenWindowDays = reopenWindowDays
        self.retentionMonths = retentionMonths
        self.minimumGroupSize = minimumGroupSize
        self.pathways = pathways
        self.minimumAge = minimumAge
        self.maximumAge = maximumAge
        self.catchmentAreas = catchmentAreas
        self.twoFactorRoles = twoFactorRoles
    }

    enum CodingKeys: String, CodingKey { case pathways, minimumAge, maximumAge, catchmentAreas, twoFactorRoles, retentionMonths, minimumGroupSize, reopenWindowDays }

    /// Settings saved before a setting existed read as its default (two-factor roles, the minimum group size's floor).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(pathways: try c.decodeIfPresent([String].self, forKey: .pathways) ?? [],
                  minimumAge: try c.decodeIfPresent(Int.self, forKey: .minimumAge),
                  maximumAge: try c.decodeIfPresent(Int.self, forKey: .maximumAge),
                  catchmentAreas: try c.decodeIfPresent([String].self, forKey: .catchmentAreas) ?? [],
                  twoFactorRoles: try c.decodeIfPresent([Role].self, forKey: .twoFactorRoles) ?? Self.defaultTwoFactorRoles,
                  retentionMonths: try c.decodeIfPresent(Int.self, forKey: .retentionMonths),
                  minimumGroupSize: try c.decodeIfPresent(Int.self, forKey: .minimumGroupSize) ?? DisclosureControl.minimumGroupSizeFloor,
                  reopenWindowDays: try c.decodeIfPresent(Int.self, forKey: .reopenWindowDays) ?? Self.defaultReopenWindowDays)
    }

    /// Checks and tidies settings submitted by an administrator.
    public func validated() throws(LinkwellError) -> SchemeSettings {
        var v = Validator()
        v.atMost(self.pathways.count, Limits.pathways, "pathways", .pathways)
        v.atMost(catchmentAreas.count, Limits.catchmentAreas, "catchmentAreas", .postcodeDistricts)
        guard v.errors.isEmpty else { throw .invalid(v.errors) }
        let pathways = pathways.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if pathways.contains(where: { $0.count > 100 }) { v.add("pathways", .pathwayNameTooLong, ["max": "100"]) }
        if let low = minimumAge, !(0...120).contains(low) { v.add("minimumAge", .minimumAgeOutOfRange) }
        if let high = maximumAge, !(0...120).contains(high) { v.add("maximumAge", .maximumAgeOutOfRange) }
        if let months = retentionMonths, !(1...1200).contains(months) { v.add("retentionMonths", .retentionOutOfRange) }
        if !(0...3650).contains(reopenWindowDays) { v.add("reopenWindowDays", .reopenWindowOutOfRange) }
        if let low = minimumAge, let high = maximumAge, low > high { v.add("maximumAge", .maximumBelowMinimumAge) }
        var areas: [String] = []
        for raw in catchmentAreas {
            let area = raw.uppercased().filter { !$0.isWhitespace }
            guard !area.isEmpty else { continue }
            if (2...4).contains(area.count), area.first!.isLetter, area.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                areas.append(area)
            } else {
                v.add("catchmentAreas", .notPostcodeDistrict, ["value": raw])
            }
        }
        if !(DisclosureControl.minimumGroupSizeFloor...1000).contains(minimumGroupSize) {
            v.add("minimumGroupSize", .minimumGroupSizeOutOfRange, ["min": String(DisclosureControl.minimumGroupSizeFloor), "max": "1000"])
        }
        try v.check()
        return SchemeSettings(pathways: pathways, minimumAge: minimumAge, maximumAge: maximumAge, catchmentAreas: areas,
                              twoFactorRoles: Role.allCases.filter { twoFactorRoles.contains($0) }, retentionMonths: retentionMonths,
                              minimumGroupSize: minimumGroupSize, reopenWindowDays: reopenWindowDays)
    }

    /// Why this person does not meet the scheme's criteria (empty when they do), in English.
    public func ineligibility(of person: Person, on date: CalendarDate) -> [String] {
        ineligibilityReasons(of: person, on: date).map(\.english)
    }

    /// Why this person does not meet the scheme's criteria, as codes with values (empty when they do).
    public func ineligibilityReasons(of person: Person, on date: CalendarDate) -> [IneligibilityReason] {
        var reasons: [IneligibilityReason] = []
        let age = person.dateOfBirth.years(until: date)
        if let low = minimumAge, age < low { reasons.append(IneligibilityReason(.underMinimumAge, ["age": String(age), "minimum": String(low)])) }
        if let high = maximumAge, age > high { reasons.append(IneligibilityReason(.overMaximumAge, ["age": String(age), "maximum": String(high)])) }
        let district = String(person.postcode.split(separator: " ").first ?? "")
        if !catchmentAreas.isEmpty && !catchmentAreas.contains(district) {
            reasons.append(IneligibilityReason(.outsideCatchment, ["postcode": person.postcode, "areas": catchmentAreas.joined(separator: ", ")]))
        }
        return reasons
    }
}

/// One way a person falls outside the scheme's criteria: a code with its values, for a page to word;
/// `english` is Core's words (the API's).
public struct IneligibilityReason: Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        /// `age`, `minimum`.
        case underMinimumAge = "under_minimum_age"
        /// `age`, `maximum`.
        case overMaximumAge = "over_maximum_age"
        /// `postcode`, `areas` (the catchment's postcode districts, listed).
        case outsideCatchment = "outside_catchment"

        /// The English, with `{value}` placeholders.
        public var english: String {
            switch self {
            case .underMinimumAge: "aged {age}, under the minimum of {minimum}"
            case .overMaximumAge: "aged {age}, over the maximum of {maximum}"
            case .outsideCatchment: "postcode {postcode} is outside the catchment ({areas})"
            }
        }
    }

    public var code: Code
    public var values: [String: String]

    public init(_ code: Code, _ values: [String: String]) {
        self.code = code
        self.values = values
    }

    public var english: String { values.reduce(code.english) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) } }
}
