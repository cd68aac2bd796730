import Foundation
import LinkwellCore

/// An insight table's words in a catalogue's language: its title, dimension and columns (`insight.table.<name>.*`),
/// each row's label from its key (code labels, months, deciles, stages…; the data's own names — practices, providers,
/// services, categories, age bands — as they are) and each row's note. Core words the same tables in English for
/// the API and the CSV downloads.
struct InsightTableWords: Sendable {
    var title, dimension: String
    var columns: [String]
    var rows: [String]
    var notes: [String?]
}

extension Catalogue {
    /// The columns each table has, by key (`insight.table.<name>.column.<key>`), in the order of Core's columns.
    static let insightColumns: [String: [String]] = [
        "destinations_category": ["referralsOut"], "destinations_provider": ["referralsOut"],
        "attendance": ["attended", "didNotAttend"], "declined_capacity": ["noCapacity", "waitingList"],
        "unmet_need": ["referrals", "noServiceNearby", "locationUnknown", "turnedAway", "gaps"],
        "service_feedback": ["good", "mixed", "poor"],
    ]

    func insightTable(_ table: PublishedTable, control: DisclosureControl) -> InsightTableWords {
        let name = table.name
        let values = table.parameters
        let title = optional("insight.table.\(name).title") != nil ? text("insight.table.\(name).title", values) : table.title
        let dimension = optional("insight.table.\(name).dimension") != nil ? text("insight.table.\(name).dimension") : table.dimension
        let columnKeys = Self.insightColumns[name] ?? ["referrals"]
        let columns = table.columns.indices.map { i in
            i < columnKeys.count ? text("insight.column.\(columnKeys[i])", values) : table.columns[i]
        }
        let referred = table.rows.first?.values.first ?? nil
        let notes: [String?] = table.rows.map { row in
            switch name {
            case "funnel": control.percentage(row.values.first ?? nil, of: referred).map { text("insight.note.ofReferrals", ["percent": String($0)]) }
            case "attendance":
                row.values.count == 2 && row.values[0] != nil && row.values[1] != nil
                    ? control.percentage(row.values[1], of: row.values[0]! + row.values[1]!).map { text("insight.note.dnaRate", ["percent": String($0)]) }
                    : nil
            default: row.note
            }
        }
        return InsightTableWords(title: title, dimension: dimension, columns: columns, rows: table.rows.map { insightRow($0, of: name) }, notes: notes)
    }

    /// One row's label, from its key.
    func insightRow(_ row: PublishedTable.Row, of table: String) -> String {
        let key = row.key
        func code(_ group: String) -> String { optional("code.\(group).\(key)") ?? row.label }
        switch table {
        case "source": return code("sourceType")
        case "need": return code("need")
        case "sex": return code("sex")
        case "ethnicity": return optional("ethnicity.\(key)") ?? row.label
        case "practice": return key.isEmpty ? text("insight.row.selfReferralOrUnknown") : row.label
        case "pathway": return key.isEmpty ? text("insight.row.noPathway") : row.label
        case "month":
            guard let month = InsightMonth(key) else { return row.label }
            return text("insight.row.month", ["month": text("date.monthLong.\(month.month)"), "year": String(month.year)])
        case "funnel": return optional("insight.stage.\(key)") ?? row.label
        case "dropout":
            let parts = key.split(separator: "@").map(String.init)
            guard parts.count == 2, let status = ReferralStatus(rawValue: parts[0]), optional("insight.stage.\(parts[1])") != nil else { return row.label }
            return text("insight.row.endedAfter", ["status": label(status), "stage": text("insight.stage.\(parts[1])").lowercased()])
        case "deprivation":
            switch key {
            case "1": return text("insight.row.decileMost", ["decile": key])
            case "10": return text("insight.row.decileLeast", ["decile": key])
            case "unknown": return text("insight.row.decileUnknown")
            default: return Int(key) == nil ? row.label : text("insight.row.decile", ["decile": key])
            }
        case "satisfaction":
            if key.isEmpty { return text("insight.row.notGiven") }
            guard optional("insight.satisfaction.\(key)") != nil else { return row.label }
            return text("insight.row.satisfaction", ["score": key, "label": text("insight.satisfaction.\(key)")])
        case "unmet_need":
            let need = code("need")
            guard let waiting = row.detail["waitingServices"], waiting > 0 else { return need }
            var nearby = waiting == 1 ? text("insight.row.oneServiceWaiting") : text("insight.row.servicesWaiting", ["count": String(waiting)])
            if let weeks = row.detail["longestWaitWeeks"] {
                nearby = text(weeks == 1 ? "insight.row.waitingUpToOneWeek" : "insight.row.waitingUpToWeeks", ["services": nearby, "weeks": String(weeks)])
            }
            return text("insight.row.needWithWaiting", ["need": need, "waiting": nearby])
        default: return row.label
        }
    }

    /// The English of the insight tables' words Core also has (stages, satisfaction), made from Core's labels.
    static func insightLabels() -> [String: String] {
        var labels: [String: String] = [:]
        for stage in InsightStage.allCases { labels["insight.stage.\(stage.rawValue)"] = stage.label }
        for (i, label) in ClosingFeedback.satisfactionLabels.enumerated() { labels["insight.satisfaction.\(i + 1)"] = label }
        return labels
    }

    /// The English titles, dimensions, columns, rows and notes of the insight tables (Core's own words for the API and CSV).
    static let englishInsightWords: [String: String] = [
        "insight.table.source.title": "Referrals by source", "insight.table.source.dimension": "Source",
        "insight.table.practice.title": "Referrals by practice", "insight.table.practice.dimension": "Practice",
        "insight.table.month.title": "Referrals by month received", "insight.table.month.dimension": "Month",
        "insight.table.need.title": "Referrals by need (a referral may have several)", "insight.table.need.dimension": "Need",
        "insight.table.pathway.title": "Referrals by pathway", "insight.table.pathway.dimension": "Pathway",
        "insight.table.funnel.title": "Conversion: referrals reaching each stage", "insight.table.funnel.dimension": "Stage",
        "insight.table.dropout.title": "Drop-out: how referrals ended early, by the furthest stage reached", "insight.table.dropout.dimension": "Ending",
        "insight.table.destinations_category.title": "Referrals out by category of service", "insight.table.destinations_category.dimension": "Category",
        "insight.table.destinations_provider.title": "Referrals out by provider", "insight.table.destinations_provider.dimension": "Provider",
        "insight.table.attendance.title": "Sessions attended and missed (did not attend), by provider", "insight.table.attendance.dimension": "Provider",
        "insight.table.declined_capacity.title": "Referrals out declined for capacity (no capacity or waiting list), by provider",
        "insight.table.declined_capacity.dimension": "Provider",
        "insight.table.age_band.title": "Referrals by age band", "insight.table.age_band.dimension": "Age band",
        "insight.table.sex.title": "Referrals by sex", "insight.table.sex.dimension": "Sex",
        "insight.table.ethnicity.title": "Referrals by ethnic group", "insight.table.ethnicity.dimension": "Ethnic group",
        "insight.table.deprivation.title": "Referrals by deprivation decile (IMD)", "insight.table.deprivation.dimension": "Decile",
        "insight.table.satisfaction.title": "Satisfaction given at closing", "insight.table.satisfaction.dimension": "Satisfaction",
        "insight.table.unmet_need.title": "Unmet demand by need: referrals with no active service within {distance} km of home, referrals out turned away for capacity, and nearby services with waiting lists",
        "insight.table.unmet_need.dimension": "Need",
        "insight.table.service_feedback.title": "Link workers' feedback on services: ratings given in the period",
        "insight.table.service_feedback.dimension": "Service",
        "insight.column.referrals": "Referrals", "insight.column.referralsOut": "Referrals out",
        "insight.column.attended": "Attended", "insight.column.didNotAttend": "Did not attend",
        "insight.column.noCapacity": "No capacity", "insight.column.waitingList": "Waiting list",
        "insight.column.noServiceNearby": "No active service within {distance} km",
        "insight.column.locationUnknown": "Location unknown (postcode not in lookup)",
        "insight.column.turnedAway": "Turned away for capacity", "insight.column.gaps": "Gaps recorded by link workers",
        "insight.column.good": "Good (4–5)", "insight.column.mixed": "Mixed (3)", "insight.column.poor": "Poor (1–2)",
        "insight.row.selfReferralOrUnknown": "Self-referral or unknown",
        "insight.row.noPathway": "No pathway",
        "insight.row.month": "{month} {year}",
        "insight.row.endedAfter": "{status} after: {stage}",
        "insight.row.decile": "Decile {decile}",
        "insight.row.decileMost": "Decile {decile} (most deprived)",
        "insight.row.decileLeast": "Decile {decile} (least deprived)",
        "insight.row.decileUnknown": "Postcode not in the deprivation lookup",
        "insight.row.satisfaction": "{score} — {label}",
        "insight.row.notGiven": "Not given",
        "insight.row.oneServiceWaiting": "1 nearby service with a waiting list",
        "insight.row.servicesWaiting": "{count} nearby services with a waiting list",
        "insight.row.waitingUpToOneWeek": "{services} (up to 1 week)",
        "insight.row.waitingUpToWeeks": "{services} (up to {weeks} weeks)",
        "insight.row.needWithWaiting": "{need} — {waiting}",
        "insight.note.ofReferrals": "{percent}% of referrals (from the published figures)",
        "insight.note.dnaRate": "DNA rate {percent}% (from the published figures)",
    ]
}
