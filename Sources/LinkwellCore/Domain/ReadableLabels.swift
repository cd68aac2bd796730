import Foundation

// What staff pages show for codes that are stored and sent as short identifiers (`share_with_providers`,
// `routine`): a code never reaches a page as it is stored.

extension Urgency {
    /// How urgent, in the words of the referral form.
    public var label: String {
        switch self {
        case .routine: "Not urgent"
        case .soon: "Soon (within a week)"
        }
    }
}

extension ConsentMethod {
    /// How consent was given, as staff say it.
    public var label: String {
        switch self {
        case .verbal: "Spoken"
        case .written: "In writing"
        case .electronic: "Online"
        }
    }
}

extension ConsentPurpose {
    /// What the consent covers, as staff say it (the person's own wording is `personLabel`).
    public var label: String {
        switch self {
        case .socialPrescribing: "Social prescribing"
        case .shareWithProviders: "Sharing with community services referred to"
        case .shareWithReferrer: "Updates to the referrer and GP"
        case .evaluation: "Evaluation, without their name"
        }
    }
}

extension CalendarDate {
    /// "27 March 1956 (age 70)": a date of birth with the age on `today`, so no one has to work it out.
    public func withAge(on today: CalendarDate) -> String {
        "\(longFormat) (age \(years(until: today)))"
    }

    /// "27 March 1956", the GOV.UK and NHS style for dates.
    public var longFormat: String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        return "\(day) \(months[month - 1]) \(year)"
    }
}
