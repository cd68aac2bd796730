import Foundation

/// The HSDS tabular package (one CSV per table: `organizations.csv`, `services.csv`, `locations.csv`,
/// `service_at_locations.csv`, `schedules.csv`, `taxonomies.csv`, `taxonomy_terms.csv`, `attributes.csv`,
/// `phones.csv`, `languages.csv`, `cost_options.csv`, `addresses.csv`, `accessibility.csv`,
/// `service_areas.csv`, `contacts.csv`). Rows are joined into nested HSDS records and then read
/// exactly as JSON is, so the same rules and error messages apply.
public enum DirectoryTabular {
    typealias Row = [String: Any]

    /// `files` maps a file name (e.g. `services.csv`) to its text.
    public static func parse(_ files: [String: String], into feed: inout ParsedFeed) {
        func table(_ name: String) -> [(line: Int, row: Row)] {
            guard let text = files[name] ?? files[name.replacingOccurrences(of: "_", with: "")] else { return [] }
            let rows = CSV.rows(text)
            guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else { return [] }
            return rows.dropFirst().enumerated().map { (i, fields) in
                var row: Row = [:]
                for (column, value) in zip(header, fields) where !value.isEmpty { row[column] = typed(column, value) }
                return (i + 2, row)
            }
        }
        func by(_ rows: [(line: Int, row: Row)], _ key: String) -> [String: [Row]] {
            Dictionary(grouping: rows.map(\.row).filter { $0[key] is String }, by: { $0[key] as! String })
        }
        let taxonomies = table("taxonomies.csv") + table("taxonomy.csv")
        for t in taxonomies { DirectoryFeed.read(t.row, kind: .taxonomy, at: "taxonomies.csv line \(t.line)", into: &feed) }
        for t in table("taxonomy_terms.csv") + table("taxonomy_term.csv") {
            DirectoryFeed.read(t.row, kind: .taxonomyTerm, at: "taxonomy_terms.csv line \(t.line)", into: &feed)
        }
        let phones = table("phones.csv"), languages = table("languages.csv"), attributes = table("attributes.csv")
        let phonesByService = by(phones, "service_id"), phonesByOrg = by(phones, "organization_id")
        let languagesByService = by(languages, "service_id")
        let attributesByLink = by(attributes, "link_id")
        let schedules = table("schedules.csv")
        let schedulesByService = by(schedules, "service_id"), schedulesBySAL = by(schedules, "service_at_location_id")
        let schedulesByLocation = by(schedules, "location_id")
        let addresses = by(table("addresses.csv") + table("address.csv"), "location_id")
        let accessibility = by(table("accessibility.csv") + table("accessibility_for_disabilities.csv"), "location_id")
        var locations: [String: Row] = [:]
        for l in table("locations.csv") {
            guard let id = l.row["id"] as? String else { continue }
            var row = l.row
            row["addresses"] = addresses[id] ?? []
            row["accessibility"] = accessibility[id] ?? []
            row["schedules"] = (schedulesByLocation[id] ?? []).filter { $0["service_id"] == nil && $0["service_at_location_id"] == nil }
            if row["location_type"] == nil { row["location_type"] = "physical" }
            locations[id] = row
        }
        let sals = by(table("service_at_locations.csv") + table("service_at_location.csv"), "service_id")
        for o in table("organizations.csv") {
            var row = o.row
            if let id = row["id"] as? String { row["phones"] = (phonesByOrg[id] ?? []).filter { $0["service_id"] == nil } }
            DirectoryFeed.read(row, kind: .organization, at: "organizations.csv line \(o.line)", into: &feed)
        }
        let costs = by(table("cost_options.csv"), "service_id"), areas = by(table("service_areas.csv"), "service_id")
        let contacts = by(table("contacts.csv"), "service_id")
        for s in table("services.csv") {
            var row = s.row
            if let id = row["id"] as? String {
                row["phones"] = phonesByService[id] ?? []
                row["languages"] = languagesByService[id] ?? []
                row["schedules"] = (schedulesByService[id] ?? []).filter { $0["service_at_location_id"] == nil && $0["location_id"] == nil }
                row["cost_options"] = costs[id] ?? []
                row["service_areas"] = areas[id] ?? []
                row["contacts"] = contacts[id] ?? []
                row["attributes"] = (attributesByLink[id] ?? [])
                row["service_at_locations"] = (sals[id] ?? []).map { sal -> Row in
                    var sal = sal
                    if let lid = sal["location_id"] as? String, let location = locations[lid] { sal["location"] = location }
                    if let sid = sal["id"] as? String { sal["schedules"] = schedulesBySAL[sid] ?? [] }
                    return sal
                }
            }
            DirectoryFeed.read(row, kind: .service, at: "services.csv line \(s.line)", into: &feed)
        }
    }

    /// CSV cells are text; the HSDS numeric columns become numbers (a bad number stays text, so
    /// decoding names the field).
    static func typed(_ column: String, _ value: String) -> Any {
        let numeric: Set<String> = ["minimum_age", "maximum_age", "latitude", "longitude", "amount", "extension", "interval", "count", "timezone"]
        if numeric.contains(column), let n = Double(value) { return n }
        return value
    }
}
