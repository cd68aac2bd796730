import Foundation

extension FHIRTerms {
    /// The minimum dataset's pseudonym of a person for one recipient (never an NHS number).
    public static let minimumDatasetPseudonym = "urn:linkwell:identifier:minimum_dataset_pseudonym"
    /// The minimum dataset's four groups and its item names (Linkwell's local codes: the standard names the
    /// groups but gives them no code).
    public static let minimumDatasetGroups = "urn:linkwell:codesystem:minimum_dataset_groups"
    public static let minimumDatasetItems = "urn:linkwell:codesystem:minimum_dataset_items"
}

extension MinimumDataset.Group {
    public var label: String {
        switch self {
        case .demographics: "Demographics"
        case .needsAndConcerns: "Needs and concerns"
        case .supportOffered: "Support offered"
        case .outcomes: "Outcomes"
        }
    }
}

extension FHIRMapping {
    /// The per-person minimum dataset as a FHIR R4 `Bundle` of type `collection`: the same rows as the CSV
    /// (`MinimumDataset.csv`), so the same people (those whose consent covers evaluation) and codes. For each
    /// person, a `Patient` that carries only the pseudonym (no name, NHS number, birth date or address), then one
    /// `Observation` per row: `category` the group and the item (local codes), `code` the row's coded item
    /// (system, code, display as in the CSV), `valueString` the row's value when it has one, `effectiveDateTime`
    /// the month (a partial R4 dateTime, `YYYY-MM`). Entries are identified by `urn:uuid:` full URLs that are
    /// unique within the Bundle; the resources are not readable on the server.
    public static func minimumDatasetBundle(_ dataset: MinimumDataset, recipient: String, now: Date) -> JSONValue {
        var entries: [JSONValue] = []
        var people: [String: Int] = [:]
        var order: [String] = []
        for row in dataset.rows where people[row.pseudonym] == nil {
            people[row.pseudonym] = people.count + 1
            order.append(row.pseudonym)
        }
        func uuid(_ person: Int, _ row: Int) -> String {
            func hex(_ n: Int, _ width: Int) -> String {
                let digits = String(n, radix: 16)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return "urn:uuid:\(hex(person, 8))-0000-4000-8000-\(hex(row, 12))"
        }
        var rowsOf: [String: [MinimumDataset.Row]] = [:]
        for row in dataset.rows { rowsOf[row.pseudonym, default: []].append(row) }
        // The people first, then one Observation per row in the CSV's order.
        for pseudonym in order {
            let n = people[pseudonym]!
            // The NHS Data Dictionary ethnic category also in UK Core's Patient extension (not 99 "Not known", nor a
            // legacy broad group, which has no national code).
            let ethnic = (rowsOf[pseudonym] ?? []).first { $0.system == EthnicCategory.system && $0.code != EthnicCategory.notKnown.rawValue }
            entries.append(["fullUrl": .string(uuid(n, 0)), "resource": finish([
                "resourceType": "Patient",
                "id": .string(resourceID(pseudonym)),
                "extension": ethnic.map { [["url": .string(EthnicCategory.extensionURL),
                                            "valueCodeableConcept": ["coding": [FHIRJSON.coding($0.system, $0.code, $0.display)]]]] } ?? .null,
                "identifier": [["system": .string(FHIRTerms.minimumDatasetPseudonym), "value": .string(pseudonym)]],
            ])])
        }
        var counter: [String: Int] = [:]
        for row in dataset.rows {
            let n = people[row.pseudonym]!
            let i = (counter[row.pseudonym] ?? 0) + 1
            counter[row.pseudonym] = i
            entries.append(["fullUrl": .string(uuid(n, i)), "resource": finish([
                "resourceType": "Observation",
                "id": .string(resourceID("\(row.pseudonym)-\(i)")),
                "status": "final",
                "category": [FHIRJSON.concept(FHIRTerms.minimumDatasetGroups, row.group.rawValue, row.group.label),
                             FHIRJSON.concept(FHIRTerms.minimumDatasetItems, row.item)],
                "code": FHIRJSON.concept(row.system, row.code, row.display),
                "subject": ["reference": .string(uuid(n, 0))],
                "effectiveDateTime": .string(row.month),
                "valueString": .string(row.value),
            ])])
        }
        return finish([
            "resourceType": "Bundle",
            "identifier": ["system": "urn:linkwell:identifier:minimum_dataset", "value": .string("\(recipient) \(FHIRJSON.instant(now).string ?? "")")],
            "type": "collection",
            "timestamp": FHIRJSON.instant(now),
            "entry": .array(entries),
        ])
    }

    /// A FHIR id (`[A-Za-z0-9\-\.]{1,64}`) from a pseudonym.
    static func resourceID(_ text: String) -> String {
        String(text.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }.prefix(64))
    }
}
