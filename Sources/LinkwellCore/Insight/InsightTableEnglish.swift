import Foundation

/// The insight tables' titles, dimensions and columns in English, with `{name}` placeholders filled from the
/// table's `parameters` (`{distance}`): the one English source of Core's tables (the API and the CSV downloads)
/// and of the web's English messages (`insight.table.<name>.title`, `.dimension`, `insight.column.<key>`).
public enum InsightTableEnglish {
    public static let titles: [String: String] = [
        "source": "Referrals by source",
        "practice": "Referrals by practice",
        "month": "Referrals by month received",
        "need": "Referrals by need (a referral may have several)",
        "pathway": "Referrals by pathway",
        "funnel": "Conversion: referrals reaching each stage",
        "dropout": "Drop-out: how referrals ended early, by the furthest stage reached",
        "destinations_category": "Referrals out by category of service",
        "destinations_provider": "Referrals out by provider",
        "attendance": "Sessions attended and missed (did not attend), by provider",
        "declined_capacity": "Referrals out declined for capacity (no capacity or waiting list), by provider",
        "age_band": "Referrals by age band",
        "sex": "Referrals by sex",
        "ethnicity": "Referrals by ethnic group",
        "deprivation": "Referrals by deprivation decile (IMD)",
        "satisfaction": "Satisfaction given at closing",
        "unmet_need": "Unmet demand by need: referrals with no active service within {distance} km of home, referrals out turned away for capacity, and nearby services with waiting lists",
        "service_feedback": "Link workers' feedback on services: ratings given in the period",
    ]

    public static let dimensions: [String: String] = [
        "source": "Source", "practice": "Practice", "month": "Month", "need": "Need", "pathway": "Pathway", "funnel": "Stage",
        "dropout": "Ending", "destinations_category": "Category", "destinations_provider": "Provider", "attendance": "Provider",
        "declined_capacity": "Provider", "age_band": "Age band", "sex": "Sex", "ethnicity": "Ethnic group", "deprivation": "Decile",
        "satisfaction": "Satisfaction", "unmet_need": "Need", "service_feedback": "Service",
    ]

    /// Each column's English, by key.
    public static let columnWords: [String: String] = [
        "referrals": "Referrals", "referralsOut": "Referrals out",
        "attended": "Attended", "didNotAttend": "Did not attend",
        "noCapacity": "No capacity", "waitingList": "Waiting list",
        "noServiceNearby": "No active service within {distance} km",
        "locationUnknown": "Location unknown (postcode not in lookup)",
        "turnedAway": "Turned away for capacity", "gaps": "Gaps recorded by link workers",
        "good": "Good (4–5)", "mixed": "Mixed (3)", "poor": "Poor (1–2)",
    ]

    /// The columns of each table, by key, in order; a table not listed has one, `referrals`.
    public static let columnKeys: [String: [String]] = [
        "destinations_category": ["referralsOut"], "destinations_provider": ["referralsOut"],
        "attendance": ["attended", "didNotAttend"], "declined_capacity": ["noCapacity", "waitingList"],
        "unmet_need": ["referrals", "noServiceNearby", "locationUnknown", "turnedAway", "gaps"],
        "service_feedback": ["good", "mixed", "poor"],
    ]

    /// The column keys of table `name`.
    public static func columns(of name: String) -> [String] { columnKeys[name] ?? ["referrals"] }

    static func fill(_ template: String, _ values: [String: String]) -> String {
        values.reduce(template) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// Table `name`'s title, dimension and columns in English.
    static func words(_ name: String, _ values: [String: String] = [:]) -> (title: String, dimension: String, columns: [String]) {
        (fill(titles[name] ?? name, values), dimensions[name] ?? "", columns(of: name).map { fill(columnWords[$0] ?? $0, values) })
    }
}
