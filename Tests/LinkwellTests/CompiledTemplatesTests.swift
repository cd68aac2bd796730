import Foundation
import Mustache
import Testing
@testable import LinkwellWeb

/// `CompiledTemplates` renders swift-mustache's parsed templates by swift-mustache's rules. Each rule is checked here
/// against swift-mustache itself, on the same values; in debug builds every page the other suites render is compared
/// the same way (`PageRenderer.render`).
@Suite("Compiled templates render as swift-mustache does")
struct CompiledTemplatesTests {
    struct Row { var name: String; var count: Int; var flag: Bool; var note: String?; var tags: [String] }
    struct Page { var title: String; var rows: [Row]; var empty: [Row]; var none: Row?; var one: Row?; var zero: Int; var blank: String
                  var yes: Bool; var no: Bool; var labels: [String: String]; var id: Identifier; var day: Date; var t: Messages }
    struct Identifier: CustomStringConvertible { var raw: String; var description: String { "id-\(raw)" } }

    static let templates: [String: String] = [
        "vars": "{{title}} {{{title}}} {{&title}} {{zero}} {{blank}}|{{yes}} {{no}} {{missing}}|{{id}} {{id.raw}} {{day}}|{{labels.greeting}}|{{t.layout.brand}}",
        "sections": """
            {{#rows}}[{{name}} {{count}}{{#flag}} F{{/flag}}{{^flag}} f{{/flag}}{{#note}} ({{.}}){{/note}}{{^note}} -{{/note}}{{#tags}}<{{.}}>{{/tags}} {{title}} {{.name}}]{{/rows}}
            {{^empty}}no rows{{/empty}}{{#empty}}never{{/empty}}{{#none}}never{{/none}}{{^none}}none{{/none}}{{#one}}{{name}}{{/one}}
            {{#zero}}zero is {{.}}{{/zero}}{{^zero}}never{{/zero}}{{#blank}}blank [{{.}}]{{/blank}}{{#yes}}yes {{title}}{{/yes}}{{#no}}never{{/no}}{{^no}}not no{{/no}}
            {{#labels}}{{greeting}}{{/labels}}{{#id}}{{raw}}{{/id}}{{#t}}{{layout.brand}}{{/t}}{{#missing}}never{{/missing}}{{^missing}}missing{{/missing}}
            {{#rows}}{{#tags}}{{name}}:{{.}} {{/tags}}{{/rows}}
            """,
        "standalone": """
            <ul>
              {{#rows}}
              <li>{{name}}</li>
              {{/rows}}
              {{! a comment }}
            </ul>
              {{>item}}
            <p>
              {{>item}}
            </p>
            """,
        "item": "<b>{{title}}</b>\n<i>{{#rows}}{{name}}\n{{/rows}}</i>\n",
        "child": "{{<parent}}{{$content}}Content of {{title}}\n  {{>item}}{{/content}}{{/parent}}",
        "parent": "<main>\n  {{$content}}default{{/content}}\n  {{$other}}other default{{/other}}\n</main>\n",
        "escapes": "{{title}}|{{{title}}}|<a title=\"{{title}}\">",
    ]

    static func renderers() throws -> (MustacheLibrary, CompiledTemplates) {
        let library = MustacheLibrary(templates: try templates.mapValues { try MustacheTemplate(string: $0) })
        return (library, try #require(CompiledTemplates(library, names: Array(templates.keys))))
    }

    static func page(title: String = "Tea & <cake> \"quoted\" it's") -> Page {
        Page(title: title,
             rows: [Row(name: "Ann", count: 0, flag: true, note: nil, tags: ["a", "b"]), Row(name: "Bo", count: 2, flag: false, note: "", tags: []),
                    Row(name: "Cy", count: 3, flag: false, note: "late", tags: ["c"])],
             empty: [], none: nil, one: Row(name: "One", count: 1, flag: true, note: nil, tags: []), zero: 0, blank: "", yes: true, no: false,
             labels: ["greeting": "hello <you>"], id: Identifier(raw: "42"), day: Date(timeIntervalSince1970: 0), t: Messages(.english))
    }

    @Test("Every rule, on every template, with every kind of value: the same text as swift-mustache")
    func sameAsMustache() throws {
        let (library, compiled) = try Self.renderers()
        for page in [Self.page(), Self.page(title: "")] {
            let tree = RenderTree.value(of: page)
            for name in Self.templates.keys.sorted() {
                let expected = try #require(library.render(tree.mustache, withTemplate: name))
                let got = try #require(compiled.render(tree, withTemplate: name))
                #expect(got == expected, "\(name): \(PageRenderer.firstDifference(got, expected))")
                #expect(!got.isEmpty)
            }
        }
        // What each rule gives, spelled out (so that both agreeing on something wrong would still fail here).
        let tree = RenderTree.value(of: Self.page())
        #expect(compiled.render(tree, withTemplate: "escapes") == "Tea &amp; &lt;cake&gt; &quot;quoted&quot; it&#39;s|Tea & <cake> \"quoted\" it's|<a title=\"Tea &amp; &lt;cake&gt; &quot;quoted&quot; it&#39;s\">")
        let sections = try #require(compiled.render(tree, withTemplate: "sections"))
        #expect(sections.hasPrefix("[Ann 0 F -<a><b> Tea"))
        #expect(sections.contains("no rowsnoneOne") && sections.contains("zero is 0blank []yes Tea") && sections.contains("not no"))
        #expect(sections.contains("hello &lt;you&gt;42Linkwellmissing") && sections.hasSuffix("Ann:a Ann:b Cy:c "))
        #expect(compiled.render(tree, withTemplate: "child")?.contains("<main>\n  Content of Tea") == true)
        #expect(compiled.render(tree, withTemplate: "nothing") == nil)
    }

    @Test("A quote joined to a combining mark is still escaped (swift-mustache compares whole characters and leaves it)")
    func escapesByByte() {
        var out = ""
        CompiledTemplates.escape("a\"\u{301} onmouseover='x' <b>&", into: &out)
        #expect(out == "a&quot;\u{301} onmouseover=&#39;x&#39; &lt;b&gt;&amp;")
        #expect(!out.utf8.contains(0x22) && !out.utf8.contains(0x27) && !out.utf8.contains(0x3C))
    }

    @Test("Every template Linkwell ships is rendered by the compiled renderer, none left to swift-mustache")
    func shippedTemplatesCompile() async throws {
        let renderer = try await PageRenderer()
        #expect(renderer.compiled != nil)
        for template in Template.allCases {
            #expect(renderer.compiled?.render(.object([:]), withTemplate: template.rawValue) != nil, "\(template.rawValue)")
        }
    }
}
