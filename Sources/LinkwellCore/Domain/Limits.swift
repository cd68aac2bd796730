/// The largest collections Linkwell accepts in one input, whatever the route (form, API, import).
/// Each bound is well above what a real scheme needs and low enough that no single request can hold
/// the database for long (one plan with 10,000 goals once took 105 s to store and stalled everyone).
/// Anything bigger is refused with 422 naming the field; the README lists these ("Limits").
public enum Limits {
    /// Goals in one plan.
    public static let goalsPerPlan = 20
    /// Agreed actions in one plan.
    public static let actionsPerPlan = 50
    /// Reasons for referral (needs) on one referral: each need once.
    public static let needsPerReferral = Need.allCases.count
    /// Consent purposes on one referral: each purpose once.
    public static let consentPurposes = ConsentPurpose.allCases.count
    /// Answers in one questionnaire (no instrument has more items).
    public static let answersPerAdministration = 100
    /// Items in a scheme's own instrument.
    public static let itemsPerInstrument = 100
    /// Items' wording entries in one licence import.
    public static let wordingEntries = 100
    /// Referral pathways a scheme defines.
    public static let pathways = 50
    /// Postcode districts in a scheme's catchment.
    public static let catchmentAreas = 500
    /// Funders contributing to one contract.
    public static let contractContributions = 20
    /// Pathways in one contract's cohort.
    public static let contractPathways = 50
    /// GP practices in one contract's cohort.
    public static let contractPractices = 500
    /// Targets of one contract.
    public static let contractTargets = 20
    /// Reporting dates of one contract.
    public static let reportingDates = 120
    /// Directory records (organisations, services, locations, …) in one import through the API;
    /// bigger directories are imported with `linkwell directory import`, which has no such bound.
    public static let importRecordsPerRequest = 20_000
    /// Rows of one ODS extract import (the national practice extract has about 13,000).
    public static let organisationsPerImport = 50_000
}

extension Validator {
    /// Refuses a collection with more than `max` entries; returns whether it is within the bound, so
    /// that callers skip checking each entry of an oversized one (which could itself take long).
    @discardableResult
    public mutating func atMost(_ count: Int, _ max: Int, _ field: String, _ what: FieldLabel) -> Bool {
        guard count > max else { return true }
        add(field, .tooMany, ["max": String(max), "count": String(count)], label: what)
        return false
    }
}
