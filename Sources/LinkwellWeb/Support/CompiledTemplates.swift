import Mustache

/// A value of a page as templates see it, typed once per render (`RenderTree`), so that rendering reads it without
/// asking the Swift runtime what it is.
enum RenderValue {
    /// Something that prints itself: a string, a number (`String(describing:)`).
    case text(String)
    case bool(Bool)
    case list([RenderValue])
    /// A struct's stored properties by name.
    case object([String: RenderValue])
    /// A value that answers names itself (the message catalogue, `t`).
    case parent(any MustacheParent)
    /// Anything else, kept as it is (identifiers, dates and enums that print themselves; other collections): looked
    /// into and printed as swift-mustache would.
    case other(Any)

    /// The value as swift-mustache takes it (the reference renderer in debug builds, and the rare `other` lookups).
    var mustache: Any {
        switch self {
        case .text(let text): text
        case .bool(let flag): flag
        case .list(let items): items.map(\.mustache)
        case .object(let fields): fields.mapValues(\.mustache)
        case .parent(let parent): parent
        case .other(let value): value
        }
    }
}

/// The templates as swift-mustache parses them, rendered over `RenderValue`s.
///
/// swift-mustache renders `Any`: every name looked up and every section asks the runtime, with dynamic casts, whether
/// the value is a sequence, a parent, a lambda, a custom representation or renderable, on each value of the context
/// stack it climbs. Under 8 clients that was a fifth of the machine's time on the link worker's caseload (2.9 ms of
/// casts and conformance lookups for a page of 100 rows, measured alone). Parsing stays swift-mustache's, so what
/// a template means (its text, standalone lines, partials, inheritance) is unchanged: each parsed template's tokens
/// are read once at start-up and rendered here by the same rules as `MustacheTemplate.render`. A template with
/// anything this does not render (transforms, lambdas, dynamic partials, content types) is left to swift-mustache.
/// In debug builds every page is also rendered by swift-mustache and must match it byte for byte (`PageRenderer`),
/// so the whole test suite checks the two agree; `CompiledTemplatesTests` checks each rule on its own.
struct CompiledTemplates: Sendable {
    private let templates: [String: Template]

    /// Every template of `library` named in `names`, or nil when any of them uses something not rendered here.
    init?(_ library: MustacheLibrary, names: [String]) {
        var templates: [String: Template] = [:]
        for name in names {
            guard let parsed = library.getTemplate(named: name), let template = Template(parsed) else { return nil }
            templates[name] = template
        }
        self.templates = templates
    }

    /// `value` rendered with the template `name`; nil when there is no such template.
    func render(_ value: RenderValue, withTemplate name: String) -> String? {
        guard let template = templates[name] else { return nil }
        var out = ""
        out.reserveCapacity(32_768)
        render(template, Context(stack: [value], indentation: nil, inherited: nil), into: &out)
        return out
    }

    // MARK: Templates

    /// A name as a template writes it: `.` (the current value), `a.b.c` (looked up from the innermost value out, then
    /// within), `.a.b` (within the current value only).
    struct Name: Sendable {
        let parts: [String]
        let current: Bool
        let innermostOnly: Bool

        init(_ text: String) {
            current = text == "."
            innermostOnly = !current && text.first == "."
            parts = current ? [] : text.split(separator: ".").map(String.init)
        }
    }

    indirect enum Piece: Sendable {
        case text(String)
        case variable(Name, escaped: Bool)
        case section(Name, Template, inverted: Bool)
        case partial(String, indentation: String?, inherits: [String: Template]?)
        case block(String, defaults: Template, indentation: String?)
    }

    struct Template: Sendable {
        let pieces: [Piece]

        /// The pieces of a parsed template, read from its tokens (swift-mustache keeps them to itself, so they are
        /// read by reflection, once, at start-up); nil for any token not rendered here.
        init?(_ parsed: MustacheTemplate) {
            guard let tokens = Mirror(reflecting: parsed).children.first(where: { $0.label == "tokens" })?.value as? [Any] else { return nil }
            var pieces: [Piece] = []
            for token in tokens {
                guard let piece = Self.piece(token) else { return nil }
                pieces.append(piece)
            }
            self.pieces = pieces
        }

        private static func piece(_ token: Any) -> Piece? {
            guard let (kind, payload) = Mirror(reflecting: token).children.first.map({ ($0.label, $0.value) }), let kind else { return nil }
            let fields = Dictionary(Mirror(reflecting: payload).children.compactMap { child in child.label.map { ($0, child.value) } },
                                    uniquingKeysWith: { first, _ in first })
            func name(_ label: String = "name") -> String? { fields[label] as? String }
            /// Transforms (`{{lowercased(name)}}`) are swift-mustache's alone.
            var plain: Bool { (fields["transforms"] as? [String])?.isEmpty ?? false }
            func template(_ label: String) -> Template? { (fields[label] as? MustacheTemplate).flatMap(Template.init) }
            /// An optional payload; `.some(nil)` for one that is absent, nil for one of another type.
            func optional<T>(_ label: String, _ type: T.Type) -> T?? {
                guard let value = fields[label] else { return nil }
                let mirror = Mirror(reflecting: value)
                guard mirror.displayStyle == .optional else { return nil }
                guard let wrapped = mirror.children.first?.value else { return .some(nil) }
                return (wrapped as? T).map { .some($0) }
            }
            switch kind {
            case "text": return (payload as? String).map(Piece.text)
            case "variable", "unescapedVariable":
                guard let text = name(), plain else { return nil }
                return .variable(Name(text), escaped: kind == "variable")
            case "section", "invertedSection":
                guard let text = name(), plain, let body = template("template") else { return nil }
                return .section(Name(text), body, inverted: kind == "invertedSection")
            case "partial":
                guard let text = name(".0"), let indentation = optional("indentation", String.self),
                      let inherits = optional("inherits", [String: MustacheTemplate].self) else { return nil }
                var compiled: [String: Template]?
                if let inherits {
                    compiled = [:]
                    for (block, parsed) in inherits {
                        guard let template = Template(parsed) else { return nil }
                        compiled?[block] = template
                    }
                }
                return .partial(text, indentation: indentation, inherits: compiled)
            case "blockExpansion":
                guard let text = name(), let defaults = template("default"), let indentation = optional("indentation", String.self) else { return nil }
                return .block(text, defaults: defaults, indentation: indentation)
            default:
                return nil
            }
        }
    }

    // MARK: Rendering (the rules of swift-mustache's `MustacheTemplate.render(context:)`)

    struct Context {
        var stack: [RenderValue]
        var indentation: String?
        var inherited: [String: Template]?

        func pushing(_ value: RenderValue) -> Context {
            var next = self
            next.stack.append(value)
            return next
        }

        /// Into a partial or a block: indented further, and (a partial) inheriting its blocks, the outer ones first.
        func entering(indented: String?, inheriting: [String: Template]? = nil) -> Context {
            var next = self
            if let indented { next.indentation = (indentation ?? "") + indented }
            if let inheriting { next.inherited = inherited.map { $0.merging(inheriting) { outer, _ in outer } } ?? inheriting }
            return next
        }
    }

    private func render(_ template: Template, _ context: Context, into out: inout String) {
        guard let indentation = context.indentation, !indentation.isEmpty else {
            for piece in template.pieces { render(piece, context, into: &out) }
            return
        }
        // Indented (a standalone partial or block): each piece that starts a line of this template's text gets the indent.
        var text = ""
        for piece in template.pieces {
            var rendered = ""
            render(piece, context, into: &rendered)
            if !rendered.isEmpty, text.last == "\n" { text += indentation }
            text += rendered
        }
        out += text
    }

    private func render(_ piece: Piece, _ context: Context, into out: inout String) {
        switch piece {
        case .text(let text):
            out += text
        case .variable(let name, let escaped):
            guard let value = Self.lookup(name, context) else { return }
            let text = Self.printed(value)
            if escaped { Self.escape(text, into: &out) } else { out += text }
        case .section(let name, let body, let inverted):
            section(Self.lookup(name, context), body, inverted: inverted, context, into: &out)
        case .partial(let name, let indentation, let inherits):
            guard let template = templates[name] else { return }
            render(template, context.entering(indented: indentation, inheriting: inherits), into: &out)
        case .block(let name, let defaults, let indentation):
            render(context.inherited?[name] ?? defaults, context.entering(indented: indentation), into: &out)
        }
    }

    private func section(_ value: RenderValue?, _ body: Template, inverted: Bool, _ context: Context, into out: inout String) {
        switch value {
        case .list(let items):
            if inverted {
                if items.isEmpty { render(body, context.pushing(.list(items)), into: &out) }
            } else {
                for item in items { render(body, context.pushing(item), into: &out) }
            }
        case .bool(let flag):
            if flag != inverted { render(body, context, into: &out) }
        case .other(let value):
            // As swift-mustache: a sequence is iterated, anything else pushed.
            if let sequence = value as? any MustacheSequence {
                let items = Self.items(of: sequence)
                if inverted {
                    if items.isEmpty { render(body, context.pushing(.other(value)), into: &out) }
                } else {
                    for item in items { render(body, context.pushing(RenderTree.value(of: item)), into: &out) }
                }
            } else if !inverted {
                render(body, context.pushing(.other(value)), into: &out)
            }
        case .some(let value):
            if !inverted { render(body, context.pushing(value), into: &out) }
        case .none:
            if inverted { render(body, context, into: &out) }
        }
    }

    private static func items(of sequence: some Sequence) -> [Any] { sequence.map { $0 as Any } }

    /// swift-mustache's `getChild(named:transforms:context:)` without transforms.
    private static func lookup(_ name: Name, _ context: Context) -> RenderValue? {
        guard let innermost = context.stack.last else { return nil }
        if name.current { return innermost }
        guard let first = name.parts.first else { return nil }
        if name.innermostOnly { return within(innermost, name.parts[...]) }
        for value in context.stack.reversed() {
            if let found = child(first, of: value) { return within(found, name.parts.dropFirst()) }
        }
        return nil
    }

    private static func within(_ value: RenderValue, _ parts: ArraySlice<String>) -> RenderValue? {
        var value = value
        for part in parts {
            guard let next = child(part, of: value) else { return nil }
            value = next
        }
        return value
    }

    private static func child(_ name: String, of value: RenderValue) -> RenderValue? {
        switch value {
        case .object(let fields): fields[name]
        case .parent(let parent): parent.child(named: name).map(RenderTree.value(of:))
        // Neither answers a name in swift-mustache (a string, a number, a flag or an array has no labelled children).
        case .text, .bool, .list: nil
        case .other(let value): otherChild(name, of: value)
        }
    }

    /// A name in a value kept as it is, as swift-mustache finds it: its custom representation's, a parent's child, or
    /// the stored property of that name.
    private static func otherChild(_ name: String, of value: Any) -> RenderValue? {
        let object: Any = (value as? MustacheCustomRepresentation)?.representation ?? value
        if let parent = object as? MustacheParent { return parent.child(named: name).map(RenderTree.value(of:)) }
        guard let child = Mirror(reflecting: object).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: child)
        guard mirror.displayStyle == .optional else { return RenderTree.value(of: child) }
        return mirror.children.first.map { RenderTree.value(of: $0.value) }
    }

    /// What a variable prints.
    private static func printed(_ value: RenderValue) -> String {
        switch value {
        case .text(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .other(let value) where value is MustacheCustomRenderable: (value as! MustacheCustomRenderable).renderText
        default: String(describing: value.mustache)
        }
    }

    /// HTML-escapes `text` onto `out`: `<`, `>`, `&`, `"` and `'`, as swift-mustache does, but by byte rather than by
    /// character, so that a quote followed by a combining mark (one `Character`, which swift-mustache compares whole and
    /// leaves alone) is escaped too.
    static func escape(_ text: String, into out: inout String) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else {
            out += text
            return
        }
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            let replacement: String? = switch utf8[index] {
            case 0x3C: "&lt;"
            case 0x3E: "&gt;"
            case 0x26: "&amp;"
            case 0x22: "&quot;"
            case 0x27: "&#39;"
            default: nil
            }
            if let replacement {
                out += Substring(utf8[start..<index])
                out += replacement
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        out += Substring(utf8[start..<utf8.endIndex])
    }
}
