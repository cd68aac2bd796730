import Foundation

/// Code lists as data (`CodeListKind`): stored mappings of Linkwell's local values to SNOMED CT.
///
/// Every implementation must guarantee that `saveCodedConcepts` is atomic: all are stored, or none.
public protocol CodeListStore: Sendable {
    /// The stored mappings of one list (values never mapped have none), by key.
    func codedConcepts(_ list: CodeListKind) async throws -> [CodedConcept]
    /// Stores each concept as its value's mapping, replacing any earlier one, in one transaction.
    func saveCodedConcepts(_ concepts: [CodedConcept]) async throws
}

/// Reads, edits and imports the code lists. Anyone signed in may read them (they are reference data,
/// nothing personal); only administrators change them.
public struct CodeListService: Sendable {
    public typealias Storage = CodeListStore
    private let store: any Storage

    public init(store: any Storage) { self.store = store }

    /// Every value of the list, in Linkwell's order, with its mapping or its local code.
    public func list(_ list: CodeListKind) async throws -> [CodedConcept] {
        let stored = Dictionary(try await store.codedConcepts(list).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        return list.localValues.map { stored[$0.key] ?? .local(list, key: $0.key, display: $0.display) }
    }

    private func requireAdmin(_ request: ServiceRequest?) throws {
        if let request, request.principal.role != .admin { throw LinkwellError.forbidden("Only administrators change code lists.") }
    }

    /// Maps one value (or puts it back to its local code).
    public func save(_ input: ConceptInput, in list: CodeListKind, _ request: ServiceRequest?) async throws -> CodedConcept {
        try requireAdmin(request)
        let concept = try input.validated(list)
        try await store.saveCodedConcepts([concept])
        return concept
    }

    /// Imports mappings from CSV with a header naming `key`, `system`, `code`, `display`, `source`. All or
    /// nothing: any bad row is a 422 naming it (`rows[line].field`) and nothing is stored.
    public func importCSV(_ text: String, into list: CodeListKind, _ request: ServiceRequest?) async throws -> [CodedConcept] {
        try requireAdmin(request)
        let table: [(line: Int, fields: [String])]
        do { table = try CSV.table(text, source: "file") } catch {
            throw LinkwellError.invalid([FieldError("csv", .csvNotReadable, ["line": String(error.line), "column": String(error.column), "detail": error.message])])
        }
        guard let header = table.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }), header.contains("key") else {
            throw LinkwellError.invalid([FieldError("csv", .codeListColumns)])
        }
        func at(_ row: [String], _ name: String) -> String? { header.firstIndex(of: name).flatMap { $0 < row.count ? row[$0] : nil } }
        var concepts: [CodedConcept] = [], errors: [FieldError] = [], seen = Set<String>()
        for row in table.dropFirst() {
            let input = ConceptInput(key: at(row.fields, "key"), system: at(row.fields, "system"), code: at(row.fields, "code"),
                                     display: at(row.fields, "display"), source: at(row.fields, "source"))
            let concept: CodedConcept
            do { concept = try input.validated(list, prefix: "rows[\(row.line)].") } catch {
                if case .invalid(let found) = error { errors += found }
                continue
            }
            if !seen.insert(concept.key).inserted { errors.append(FieldError("rows[\(row.line)].key", .codeListKeyTwice, ["key": concept.key])) }
            else { concepts.append(concept) }
        }
        if !errors.isEmpty { throw LinkwellError.invalid(errors) }
        try await store.saveCodedConcepts(concepts)
        return concepts
    }

    /// Resolves coded values given as `system|code` to Linkwell's local values; other values pass
    /// through unchanged. An unknown code is a 422 naming `field[index]`.
    public func resolve(_ values: [String], in list: CodeListKind, field: String) async throws -> [String] {
        guard values.contains(where: { $0.contains("|") }) else { return values }
        let concepts = try await self.list(list)
        var v = Validator()
        let resolved = values.enumerated().map { index, raw -> String in
            guard let bar = raw.firstIndex(of: "|") else { return raw }
            let system = raw[..<bar].trimmingCharacters(in: .whitespaces), code = raw[raw.index(after: bar)...].trimmingCharacters(in: .whitespaces)
            if let found = concepts.first(where: { $0.system == system && $0.code == code }) { return found.key }
            v.add("\(field)[\(index)]", .codeUnknown, ["code": code, "system": system, "list": list.label.lowercased()])
            return raw
        }
        try v.check()
        return resolved
    }
}
