import Foundation

/// The HSDS tabular package (one CSV per table, as in the standard's datapackage: `services.csv`,
/// `organizations.csv`, `locations.csv`, `service_at_locations.csv`, `phones.csv`, `schedules.csv`,
/// `funding.csv`, `programs.csv`, `organization_identifiers.csv`, …). Each child row is nested into
/// every record its foreign keys name (a phone with both `service_id` and `location_id` appears on
/// both, as in the standard's JSON examples), and the records are then read exactly as JSON is, so
/// the same checks and messages apply. A child row that belongs to nothing in the package is rejected
/// by name.
public enum DirectoryTabular {
    typealias Row = [String: JSONValue]
    struct Located { var line: Int; var row: Row }

    /// The tables a file may hold, by normalised file name.
    static let tableNames: [String: String] = {
        var names: [String: String] = [:]
        for table in HSDSSchema.tables.keys {
            names[table] = table
            names[table + "s"] = table
        }
        names["taxonomies"] = "taxonomy"
        names["addresses"] = "address"
        names["funding"] = "funding"
        names["accessibility_for_disabilities"] = "accessibility"
        names["metadata"] = "metadata"
        return names
    }()

    /// Child tables nested into parents, in an order where each child is complete before it is
    /// copied: (child table, foreign key, parent table, key in the parent).
    static let nestings: [(String, String, String, String)] = [
        ("language", "phone_id", "phone", "languages"),
        ("phone", "contact_id", "contact", "phones"),
        ("phone", "location_id", "location", "phones"), ("contact", "location_id", "location", "contacts"),
        ("language", "location_id", "location", "languages"), ("schedule", "location_id", "location", "schedules"),
        ("address", "location_id", "location", "addresses"), ("accessibility", "location_id", "location", "accessibility"),
        ("phone", "service_at_location_id", "service_at_location", "phones"),
        ("contact", "service_at_location_id", "service_at_location", "contacts"),
        ("schedule", "service_at_location_id", "service_at_location", "schedules"),
        ("location", "id", "service_at_location", "location"),
        ("phone", "service_id", "service", "phones"), ("contact", "service_id", "service", "contacts"),
        ("language", "service_id", "service", "languages"), ("schedule", "service_id", "service", "schedules"),
        ("service_area", "service_id", "service", "service_areas"), ("cost_option", "service_id", "service", "cost_options"),
        ("required_document", "service_id", "service", "required_documents"), ("funding", "service_id", "service", "funding"),
        ("service_at_location", "service_id", "service", "service_at_locations"),
        ("phone", "organization_id", "organization", "phones"), ("contact", "organization_id", "organization", "contacts"),
        ("funding", "organization_id", "organization", "funding"), ("program", "organization_id", "organization", "programs"),
        ("organization_identifier", "organization_id", "organization", "organization_identifiers"),
    ]

    /// `files` maps a file name (e.g. `services.csv`) to its text. Throws `FeedUnreadable` (with
    /// line and column) when a file is not readable CSV.
    public static func parse(_ files: [String: String], into feed: inout ParsedFeed) throws(FeedUnreadable) {
        var tables: [String: [Located]] = [:]
        var fileOf: [String: String] = [:]
        for (file, text) in files.sorted(by: { $0.key < $1.key }) {
            let base = file.lowercased().replacingOccurrences(of: ".csv", with: "")
            guard let table = tableNames[base] else {
                feed.rejected.append(RejectedRecord(kind: "record", id: nil, name: nil, position: file,
                                                    problems: [FieldError.apiOnly("file", "\(file) is not an HSDS table, so nothing in it was read.")]))
                continue
            }
            if table == "meta_table_description" { continue }  // describes the package itself; not part of any record
            fileOf[table] = file
            let rows = try CSV.table(text, source: file)
            guard let header = rows.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else { continue }
            let fields = HSDSSchema.tables[table]?.fields ?? [:]
            for (line, cells) in rows.dropFirst() {
                if cells.count > header.count {
                    feed.rejected.append(RejectedRecord(kind: table, id: cells.first, name: nil, position: "\(file) line \(line)",
                                                        problems: [FieldError.apiOnly("row", "has \(cells.count) cells but the header has \(header.count).")]))
                    continue
                }
                var row: Row = [:]
                for (column, value) in zip(header, cells) where !value.isEmpty {
                    if fields[column]?.kind == .number, let n = Double(value.trimmingCharacters(in: .whitespaces)) { row[column] = .number(n) }
                    else { row[column] = .string(value) }
                }
                tables[table, default: []].append(Located(line: line, row: row))
            }
        }
        var attached = Set<String>()  // "table:index" of child rows nested somewhere
        func key(_ table: String, _ i: Int) -> String { "\(table):\(i)" }

        // Attributes and metadata name the record they describe by id, whatever its table.
        for (child, idKey) in [("attribute", "link_id"), ("metadata", "resource_id")] {
            for (i, c) in (tables[child] ?? []).enumerated() {
                guard let target = c.row[idKey]?.string else { continue }
                for (table, rows) in tables where table != child {
                    for (j, r) in rows.enumerated() where r.row["id"]?.string == target {
                        let listKey = child == "attribute" ? "attributes" : "metadata"
                        var list = tables[table]![j].row[listKey]?.array ?? []
                        list.append(.object(c.row))
                        tables[table]![j].row[listKey] = .array(list)
                        attached.insert(key(child, i))
                    }
                }
            }
        }
        for (child, fk, parent, listKey) in nestings {
            guard let children = tables[child], tables[parent] != nil else { continue }
            if fk == "id" {
                // A location is nested whole into each service-at-location that names it.
                let byID = Dictionary(children.enumerated().compactMap { i, c in c.row["id"]?.string.map { ($0, (i, c)) } }, uniquingKeysWith: { a, _ in a })
                for j in tables[parent]!.indices {
                    if let lid = tables[parent]![j].row["location_id"]?.string, let hit = byID[lid] {
                        tables[parent]![j].row[listKey] = .object(hit.1.row)
                        attached.insert(key(child, hit.0))
                    }
                }
                continue
            }
            var byParent: [String: [(Int, Row)]] = [:]
            for (i, c) in children.enumerated() { if let p = c.row[fk]?.string { byParent[p, default: []].append((i, c.row)) } }
            for j in tables[parent]!.indices {
                guard let id = tables[parent]![j].row["id"]?.string, let rows = byParent[id] else { continue }
                tables[parent]![j].row[listKey] = .array(rows.map { .object($0.1) })
                for (i, _) in rows { attached.insert(key(child, i)) }
            }
        }
        let records: Set<String> = ["taxonomy", "taxonomy_term", "organization", "location", "service"]
        for (table, rows) in tables {
            let file = fileOf[table] ?? table
            if records.contains(table) { continue }
            for (i, r) in rows.enumerated() where !attached.contains(key(table, i)) {
                // A service-at-location for a service outside the package joins that stored service.
                if table == "service_at_location", r.row["service_id"] != nil { continue }
                let fks = r.row.keys.filter { $0.hasSuffix("_id") && $0 != "id" }.sorted()
                feed.rejected.append(RejectedRecord(kind: table, id: r.row["id"]?.string, name: nil, position: "\(file) line \(r.line)",
                                                    problems: [FieldError.apiOnly(fks.first ?? "id", fks.isEmpty
                                                        ? "names no record to belong to."
                                                        : "belongs to nothing in the package: " + fks.map { "\($0) \(r.row[$0]!.excerpt)" }.joined(separator: ", ") + ".")]))
            }
        }
        for table in ["taxonomy", "taxonomy_term", "organization", "location", "service", "service_at_location"] {
            let file = fileOf[table] ?? table
            for (i, r) in (tables[table] ?? []).enumerated() {
                if table == "service_at_location" && attached.contains(key(table, i)) { continue }
                feed.add(HSDSKind(rawValue: table)!, .object(r.row), at: "\(file) line \(r.line)")
            }
        }
    }
}

extension CSV {
    /// Splits CSV text (RFC 4180) into rows with their line numbers, honouring quoted fields over
    /// several lines. An unclosed quote, or a quote in the middle of an unquoted field, makes the
    /// file unreadable: the error says where, rather than swallowing the rows after it.
    public static func table(_ text: String, source: String) throws(FeedUnreadable) -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1, column = 0
        var rowLine = 1
        var quoted = false, wasQuoted = false
        var quoteLine = 0, quoteColumn = 0
        var chars = Array(text.unicodeScalars)[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }
        func endRow() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty && !wasQuoted) { rows.append((rowLine, fields)) }
            fields = []; field = ""; wasQuoted = false
        }
        while let c = chars.popFirst() {
            column += 1
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); column += 1; field.unicodeScalars.append("\"") }
                    else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                    if c == "\n" { line += 1; column = 0 }
                }
                continue
            }
            switch c {
            case "\"":
                if !field.isEmpty || wasQuoted {
                    throw FeedUnreadable(source: source, line: line, column: column, message: "a quote inside an unquoted field (quote the whole field and double the quote: \"\")")
                }
                quoted = true; wasQuoted = true
                (quoteLine, quoteColumn) = (line, column)
            case ",":
                fields.append(field); field = ""; wasQuoted = false
            case "\r":
                if chars.first == "\n" { continue }
                endRow(); line += 1; column = 0; rowLine = line
            case "\n":
                endRow(); line += 1; column = 0; rowLine = line
            default:
                if wasQuoted && c != " " {
                    throw FeedUnreadable(source: source, line: line, column: column, message: "text after the closing quote of a field")
                }
                field.unicodeScalars.append(c)
            }
        }
        if quoted {
            throw FeedUnreadable(source: source, line: quoteLine, column: quoteColumn, message: "a quote opened here is never closed")
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRow() }
        return rows
    }
}
