import Foundation
import Mustache
import Testing
@testable import LinkwellWeb

/// `RenderTree` reads a struct's stored properties where they lie, and falls back to `Mirror` where that would be
/// wrong. Each case is checked against literal values (so that both ways agreeing on something wrong would fail) and
/// against the `Mirror`-only reference that debug builds compare every page's values with.
@Suite("Render tree: a view's values read once")
struct RenderTreeTests {
    final class Holder: Sendable { let name = "held" }
    struct Inner { var label: String; var count: Int }
    struct Wrapped<T> { var value: T; var values: [T] }
    struct Mirrored: CustomReflectable {
        var hidden = "not shown"
        var customMirror: Mirror { Mirror(self, children: ["shown": "by its own mirror"], displayStyle: .struct) }
    }
    struct WithWeak { weak var holder: Holder?; var name: String }
    @propertyWrapper struct Trimmed { var wrappedValue: String }
    enum Stage: String { case open }
    struct Page {
        var title: String
        var flag: Bool
        var number: Int
        var share: Double
        var note: String?
        var none: String?
        var nested: String??
        var inner: Inner
        var rows: [Inner]
        var optionalRows: [Inner]?
        var generic: Wrapped<Inner>
        var mirrored: Mirrored
        var weak: WithWeak
        @Trimmed var wrapped: String
        var stage: Stage
        var holder: Holder
        var day: Date
        var set: Set<String>
        var tuple: (Int, String)
    }

    @Test("Structs, optionals, arrays, generics, property wrappers and leaves become what Mirror made of them")
    func sameAsMirror() throws {
        let holder = Holder()
        let weak = WithWeak(holder: holder, name: "w")
        let page = Page(title: "Caseload", flag: true, number: 3, share: 0.5, note: "a note", none: nil, nested: .some("twice"),
                        inner: Inner(label: "one", count: 1), rows: [Inner(label: "a", count: 1), Inner(label: "b", count: 2)],
                        optionalRows: [Inner(label: "c", count: 3)], generic: Wrapped(value: Inner(label: "g", count: 7), values: []),
                        mirrored: Mirrored(), weak: weak, wrapped: "kept", stage: .open, holder: holder, day: Date(timeIntervalSince1970: 0),
                        set: ["x"], tuple: (1, "t"))
        let tree = RenderTree.value(of: page)
        let reference = try #require(RenderTree.mirrored(page))
        #expect(tree.sameShape(as: reference))

        guard case .object(let fields) = tree else { Issue.record("a struct is an object: \(tree)"); return }
        func text(_ value: RenderValue?) -> String? { if case .text(let t) = value { t } else { nil } }
        #expect(text(fields["title"]) == "Caseload" && text(fields["number"]) == "3" && text(fields["share"]) == "0.5")
        #expect(text(fields["note"]) == "a note" && fields["none"] == nil && text(fields["nested"]) == "twice")
        if case .bool(true) = fields["flag"] {} else { Issue.record("flag: \(String(describing: fields["flag"]))") }
        guard case .object(let inner) = fields["inner"], case .list(let rows) = fields["rows"], case .list(let optionalRows) = fields["optionalRows"],
              case .object(let generic) = fields["generic"], case .object(let mirrored) = fields["mirrored"], case .object(let weakFields) = fields["weak"]
        else { Issue.record("nested values: \(fields)"); return }
        #expect(text(inner["label"]) == "one" && text(inner["count"]) == "1")
        #expect(rows.count == 2 && optionalRows.count == 1)
        if case .object(let second) = rows[1] { #expect(text(second["label"]) == "b") } else { Issue.record("row: \(rows[1])") }
        if case .object(let value) = generic["value"] { #expect(text(value["label"]) == "g") } else { Issue.record("generic: \(generic)") }
        #expect(text(mirrored["shown"]) == "by its own mirror" && mirrored["hidden"] == nil, "a struct's own mirror is used")
        #expect(text(weakFields["name"]) == "w", "a struct with a weak field is read by Mirror")
        if case .other(let held) = weakFields["holder"] { #expect((held as? Holder) === holder) } else { Issue.record("weak: \(weakFields)") }
        #expect(text(fields["_wrapped"]) == nil && fields["_wrapped"] != nil, "a property wrapper's storage, as Mirror names it")
        for kept in ["stage", "holder", "day", "set", "tuple"] {
            if case .other = fields[kept] {} else { Issue.record("\(kept) is kept as it is: \(String(describing: fields[kept]))") }
        }
    }

    @Test("The debug reference tells different values apart")
    func referenceDiffers() {
        #expect(!RenderValue.text("a").sameShape(as: .text("b")))
        #expect(!RenderValue.object(["a": .text("1")]).sameShape(as: .object(["a": .text("1"), "b": .text("2")])))
        #expect(!RenderValue.list([.bool(true)]).sameShape(as: .list([.bool(false)])))
        #expect(RenderValue.object(["a": .list([.text("x")])]).sameShape(as: .object(["a": .list([.text("x")])])))
    }
}

/// Values of types of the test's own, so that it decides the order in which `RenderTree` first sees each type.
private enum TreeKind: String { case walking, lunch }
private struct TreeRow { var name: String?; var count: Int; var tags: [String]; var kind: TreeKind; var when: Date?; var score: Double? }
private struct TreeView { var rows: [TreeRow]; var note: String?; var first: TreeRow?; var empty: [TreeRow] }

/// A view is turned into dictionaries and arrays once (`RenderTree`), each type's handling worked out the first time it
/// is seen; the page must read exactly as the view itself renders, whichever value of a type came first.
@Suite("Views render through their tree as they are")
struct RenderTreeAsValueTests {
    @Test("A view renders the same through its tree, an optional first seen absent or present")
    func treeRendersAsTheValue() throws {
        let template = try MustacheTemplate(string: """
            {{#rows}}[{{name}}|{{^name}}no name{{/name}}|{{count}}|{{#tags}}{{.}},{{/tags}}|{{kind}}|{{#when}}dated{{/when}}|{{score}}]{{/rows}}
            {{note}}{{^note}}no note{{/note}} {{#first}}{{name}} {{count}}{{/first}} {{^empty}}none{{/empty}}
            """)
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        let absent = TreeRow(name: nil, count: 0, tags: [], kind: .walking, when: nil, score: nil)
        let present = TreeRow(name: "Ann <b>", count: 3, tags: ["a", "b&c"], kind: .lunch, when: when, score: 2.5)
        // Absent first: each optional type is first seen empty. Then the same types present first, in a second view.
        let views = [TreeView(rows: [absent, present], note: nil, first: absent, empty: []),
                     TreeView(rows: [present, absent], note: "Call first", first: present, empty: [])]
        for view in views {
            let expected = template.render(view)
            #expect(expected.contains("Ann &lt;b&gt;") && expected.contains("no name"), "\(expected)")
            #expect(template.render(RenderTree.value(of: view).mustache) == expected)
        }
    }
}
