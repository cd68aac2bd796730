import Foundation
import LinkwellCore

/// `/admin/code-lists`: one code list's values with their codes, a form to map a value (citing the
/// code's source) and a CSV import.
public struct CodeListsPage: Sendable {
    public struct Row: Sendable { public var key, display, system, code, source: String; public var mapped: Bool }
    public var lists: [Choice]
    public var list: String
    public var label: String
    public var rows: [Row]
    public var keys: [Choice]
    public var systems: [Choice]
    public var code: String
    public var display: String
    public var source: String
    public var imported: Int?

    /// `t` words the lists' names and the code systems (`codeLists.*`); each value's display and code are the list's own,
    /// shown as recorded.
    public init(_ list: CodeListKind, concepts: [CodedConcept], form: FormData? = nil, imported: Int? = nil, _ t: Catalogue = .english) {
        lists = CodeListKind.allCases.map { Choice($0.rawValue, t.text("codeLists.list.\($0.rawValue)"), selected: $0 == list) }
        self.list = list.rawValue
        label = t.text("codeLists.list.\(list.rawValue)")
        rows = concepts.map { Row(key: $0.key, display: $0.display, system: t.text($0.mapped ? "codeLists.snomed" : "codeLists.localUnmapped"), code: $0.code,
                                  source: $0.source, mapped: $0.mapped) }
        keys = list.localValues.map { Choice($0.key, $0.display, selected: form?["key"] == $0.key) }
        systems = [Choice("", t.text("codeLists.localCodeUnmapped"), selected: form?["system"] != CodeSystem.snomed),
                   Choice(CodeSystem.snomed, t.text("codeLists.snomed"), selected: form?["system"] == CodeSystem.snomed)]
        code = form?["code"] ?? ""
        display = form?["display"] ?? ""
        source = form?["source"] ?? ""
        self.imported = imported
    }
}
