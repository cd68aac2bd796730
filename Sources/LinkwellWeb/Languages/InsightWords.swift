import Foundation
import LinkwellCore

/// An insight table's words in a catalogue's language: its title, dimension and columns (`insight.table.<name>.*`),
/// each row's label from its key (code labels, months, deciles, stages…; the data's own names — practices, providers,
/// services, categories, age bands — as they are) and each row's note. The English titles, dimensions and columns
/// are Core's (`InsightTableEnglish`, which also words the API and the CSV downloads).
struct InsightTableWords: Sendable {
    var title, dimension: String
    var columns: [String]
    var rows: [String]
    var notes: [String?]
}

extension Catalogue {
    func insightTable(_ table: PublishedTable, control: DisclosureControl) -> InsightTableWords {
        let name = table.name
        let values = table.parameters
        let title = optional("insight.table.\(name).title") != nil ? text("insight.table.\(name).title", values) : table.title
        let dimension = optional("insight.table.\(name).dimension") != nil ? text("insight.table.\(name).dimension") : table.dimension
        let columnKeys = InsightTableEnglish.columns(of: name)
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

    /// What a dashboard's scope counts, in this language, from its parts ("Referrals funded by Leeds ICB, from April 2026,
    /// to June 2026"; "All referrals"): each part a message, the names as they are.
    func insightScope(_ scope: InsightService.Scope) -> String {
        guard !scope.parts.isEmpty else { return text("insight.scope.all") }
        func month(_ m: InsightMonth) -> String { text("insight.row.month", ["month": text("date.monthLong.\(m.month)"), "year": String(m.year)]) }
        let parts = scope.parts.map { part -> String in
            switch part {
            case let .fundedBy(name): text("insight.scope.fundedBy", ["name": name])
            case let .from(m): text("insight.scope.from", ["month": month(m)])
            case let .to(m): text("insight.scope.to", ["month": month(m)])
            }
        }
        return text("insight.scope.some", ["parts": parts.joined(separator: text("insight.scope.separator"))])
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

    /// The English of the insight tables' words Core also has (titles, dimensions, columns, stages, satisfaction),
    /// made from Core's.
    static func insightLabels() -> [String: String] {
        var labels: [String: String] = [:]
        for (name, title) in InsightTableEnglish.titles { labels["insight.table.\(name).title"] = title }
        for (name, dimension) in InsightTableEnglish.dimensions { labels["insight.table.\(name).dimension"] = dimension }
        for (key, column) in InsightTableEnglish.columnWords { labels["insight.column.\(key)"] = column }
        for stage in InsightStage.allCases { labels["insight.stage.\(stage.rawValue)"] = stage.label }
        for (i, label) in ClosingFeedback.satisfactionLabels.enumerated() { labels["insight.satisfaction.\(i + 1)"] = label }
        return labels
    }

    /// The English rows and notes of the insight tables.
    static let englishInsightWords: [String: String] = [
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
