import Foundation
import Hummingbird
import LinkwellCore
import Mustache

/// A language the public pages can be shown in. Staff pages are English.
public enum Language: String, CaseIterable, Sendable {
    case english = "en"
    case welsh = "cy"
    /// Test only: the English catalogue laid out right to left, so that the layout can be proved to work
    /// for right-to-left languages without shipping a translation nobody has checked. Offered only when
    /// the server is started with `--test-right-to-left`.
    case testRightToLeft = "en-x-rtl"

    /// The BCP 47 tag for `<html lang>` (English is written for UK readers).
    public var tag: String {
        switch self {
        case .english: "en-GB"
        case .welsh: "cy"
        case .testRightToLeft: "en-x-rtl"
        }
    }

    /// `ltr` or `rtl`, for `<html dir>`.
    public var direction: String { self == .testRightToLeft ? "rtl" : "ltr" }

    /// The language's name in itself, for the language links.
    public var endonym: String {
        switch self {
        case .english: "English"
        case .welsh: "Cymraeg"
        case .testRightToLeft: "Right to left (test)"
        }
    }

    /// The messages in this language.
    public var catalogue: Catalogue {
        switch self {
        case .english: .english
        case .welsh: .welsh
        case .testRightToLeft: .testRightToLeft
        }
    }

    /// The first of `offered` that the `Accept-Language` header asks for, by quality (`cy-GB` matches `cy`).
    /// The test right-to-left language is never chosen this way.
    static func preferred(_ header: String?, offered: [Language]) -> Language? {
        guard let header else { return nil }
        let ranked = header.split(separator: ",").enumerated().compactMap { index, part -> (String, Double, Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag.lowercased(), q, index)
        }.filter { $0.1 > 0 }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }
        for (tag, _, _) in ranked {
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            if let match = offered.first(where: { $0 != .testRightToLeft && $0.rawValue == primary }) { return match }
        }
        return nil
    }
}

/// Keyed messages in one language. Keys are dotted (`selfReferral.heading`); a message may hold named
/// placeholders (`{date}`) that `text(_:_:)` fills. Every language has exactly the English keys, with the same
/// placeholders (`Catalogue.problems()`, checked at start-up and by the tests). These are the public pages'
/// messages, plain text escaped when shown (`{{t.key}}`). The staff pages' words are the English staff messages
/// (`Languages/EnglishStaff.swift`), HTML fragments shown as written (`{{{t.key}}}`), which every language falls
/// back to: staff pages are English until a scheme translates them. No page template holds words of its own
/// (`MessageCatalogueTests`).
public struct Catalogue: Sendable {
    public let language: Language
    let messages: [String: String]

    /// A catalogue of `messages` in `language` (the shipped ones are `english`, `welsh`, `testRightToLeft`).
    public init(language: Language, messages: [String: String]) {
        self.language = language
        self.messages = messages
    }

    /// The message for `key` with its placeholders filled from `values`. A key missing from the catalogue is
    /// a programming error caught by the tests; the key itself is shown rather than failing the page.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        guard let message = optional(key) else {
            assertionFailure("No message \(key) in the \(language.rawValue) catalogue")
            return key
        }
        // One pass, so a value holding braces (typed by someone) is never read as another placeholder.
        return Placeholders.fill(message, values)
    }

    /// The text is English (the English catalogue, or the test right-to-left one made from it), so Core's own
    /// English messages can be shown as they are.
    public var isEnglish: Bool { language == .english || language == .testRightToLeft }

    /// The message for `key`, or nil when there is none (for labels that only some values have).
    public func optional(_ key: String) -> String? { messages[key] ?? Self.englishStaffMessages[key] }

    /// Every key.
    public var keys: Set<String> { Set(messages.keys) }

    /// The placeholders a message uses: `{name}` → `name`.
    static func placeholders(_ message: String) -> Set<String> {
        var names: Set<String> = []
        var rest = message[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// A date as UK health services write it ("27 Nov 2026"), with the month named in this language.
    public func date(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.day, .month, .year], from: date)
        return self.date(day: parts.day ?? 1, month: parts.month ?? 1, year: parts.year ?? 0)
    }

    /// A calendar date written the same way ("27 Nov 2026").
    public func date(_ day: CalendarDate) -> String { date(day: day.day, month: day.month, year: day.year) }

    private func date(day: Int, month: Int, year: Int) -> String { "\(day) \(text("month.\(month)")) \(year)" }

    /// A date and time ("27 Nov 2026, 09:05", UK time), with the month named in this language.
    public func dateTime(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.hour, .minute], from: date)
        return "\(self.date(date)), \(String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0))"
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        return calendar
    }()

    /// What is wrong with the catalogues: a key English has and another language lacks (or the other way
    /// round), a message whose placeholders differ from the English one, or an empty message.
    public static func problems(_ catalogues: [Catalogue] = Language.allCases.map(\.catalogue)) -> [String] {
        var problems: [String] = []
        let english = Catalogue.english
        for other in catalogues where other.language != .english {
            let language = other.language
            for key in english.keys.subtracting(other.keys).sorted() { problems.append("\(language.rawValue) lacks \(key)") }
            for key in other.keys.subtracting(english.keys).sorted() { problems.append("\(language.rawValue) has \(key), which English lacks") }
            for key in english.keys.intersection(other.keys).sorted()
            where placeholders(english.messages[key]!) != placeholders(other.messages[key]!) {
                problems.append("\(language.rawValue) \(key) has placeholders \(placeholders(other.messages[key]!).sorted()), English \(placeholders(english.messages[key]!).sorted())")
            }
        }
        for key in english.keys.intersection(englishStaffMessages.keys).sorted() {
            problems.append("\(key) is both a public message and a staff message")
        }
        for (key, message) in englishStaffMessages where message.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append("staff message \(key) is empty")
        }
        for catalogue in catalogues {
            let language = catalogue.language
            for (key, message) in catalogue.messages where message.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append("\(language.rawValue) \(key) is empty")
            }
        }
        return problems
    }

    /// The message keys a template names as `{{t.key}}`.
    static func references(in template: String) -> [String] {
        template.split(separator: "{{", omittingEmptySubsequences: false).dropFirst().compactMap { tag -> String? in
            let name = tag.hasPrefix("{") ? tag.dropFirst() : tag[...]  // `{{{t.key}}}`: a staff message, unescaped
            guard name.hasPrefix("t."), let end = name.firstRange(of: "}}") else { return nil }
            return String(name[name.index(name.startIndex, offsetBy: 2)..<end.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
    }

    /// The catalogues made from the English one: the test right-to-left language has its text.
    static let testRightToLeft = Catalogue(language: .testRightToLeft, messages: english.messages)

    /// Labels that Core already words in English (needs, statuses, …), keyed by their codes, so that
    /// English is written once and every other language must translate each of them.
    static func englishLabels() -> [String: String] {
        var labels: [String: String] = [:]
        for need in Need.allCases { labels["need.\(need.rawValue)"] = need.label }
        for sex in Sex.allCases { labels["sex.\(sex.rawValue)"] = sex.label }
        for group in EthnicGroup.allCases { labels["ethnicity.\(group.rawValue)"] = group.label }
        for status in ReferralStatus.allCases { labels["status.\(status.rawValue)"] = status.personLabel }
        for status in OnwardStatus.allCases { labels["onward.\(status.rawValue)"] = status.personLabel }
        for purpose in ConsentPurpose.allCases { labels["purpose.\(purpose.rawValue)"] = purpose.personLabel }
        for kind in PersonRequestKind.allCases { labels["request.\(kind.rawValue)"] = kind.label }
        for timepoint in Timepoint.allCases { labels["timepoint.\(timepoint.rawValue)"] = timepoint.label }
        return labels
    }
}

/// The messages as templates see them: `{{t.selfReferral.heading}}`. Mustache splits the name at each dot,
/// so each step returns either the message or the messages under a longer prefix.
public struct Messages: MustacheParent, Sendable {
    let catalogue: Catalogue
    let prefix: String

    public init(_ catalogue: Catalogue, prefix: String = "") {
        self.catalogue = catalogue
        self.prefix = prefix
    }

    public func child(named name: String) -> Any? {
        let key = prefix + name
        if let message = catalogue.optional(key) { return message }
        return Messages(catalogue, prefix: key + ".")
    }
}

/// A link to show the page in another language.
public struct LanguageLink: Sendable {
    public var code, tag, name, href: String
}

/// Works out the language of the page: `?lang=` when given (and then remembered in a cookie for a year),
/// else the cookie, else the browser's `Accept-Language`, else English.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookie = "lw_lang"
    let offered: [Language]
    let secureCookies: Bool
    var staffMessages: Catalogue = .english

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let chosen = request.uri.queryParameters["lang"].flatMap { Language(rawValue: String($0)) }.flatMap { offered.contains($0) ? $0 : nil }
        let remembered = request.cookies[Self.cookie].flatMap { Language(rawValue: $0.value) }.flatMap { offered.contains($0) ? $0 : nil }
        context.language = chosen ?? remembered ?? Language.preferred(request.headers[.acceptLanguage], offered: offered) ?? .english
        context.languages = offered
        context.languageReturnPath = Self.returnPath(request)
        context.staffMessages = staffMessages
        var response = try await next(request, context)
        if let chosen {
            let secure = secureCookies || request.headers[.init("X-Forwarded-Proto")!] == "https"
            response.setCookie(Cookie(name: Self.cookie, value: chosen.rawValue, maxAge: 365 * 24 * 3600, path: "/", secure: secure,
                                      httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// Where a language link leads: this page again (its other query parameters kept) when it was fetched;
    /// after a form was posted, the page the form is on.
    static func returnPath(_ request: Request) -> String {
        let path = request.uri.path
        guard request.method == .get || request.method == .head else {
            return path.hasPrefix("/me/") ? "/me" : path
        }
        let kept = request.uri.queryParameters.filter { $0.key != "lang" }
            .map { "\(percentEncoded(String($0.key)))=\(percentEncoded(String($0.value)))" }
        return kept.isEmpty ? path : path + "?" + kept.joined(separator: "&")
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ""
    }
}

extension Catalogue {
    /// The words a template shows that do not come from a catalogue: text between tags, and the `title`,
    /// `aria-label`, `placeholder` and `alt` attributes, with Mustache tags, comments and the contents of
    /// `script`, `style`, `pre` and `textarea` left out. Empty for a template whose every word is a message.
    static func wordsOutsideCatalogue(in template: String) -> [String] {
        var found: [String] = []
        let letters = /[A-Za-z]/
        func note(_ text: some StringProtocol) {
            let words = String(text).replacing(/\{\{.*?\}\}/.dotMatchesNewlines(), with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
            if words.contains(letters) { found.append(words.replacing(/\s+/, with: " ")) }
        }
        var rest = template.replacing(/\{\{!.*?\}\}/.dotMatchesNewlines(), with: "")
            .replacing(/<!--.*?-->/.dotMatchesNewlines(), with: "")
            .replacing(/<(script|style|pre|textarea)\b[^>]*>.*?<\/\1>/.dotMatchesNewlines().ignoresCase(), with: "")[...]
        let attributes = /\b(?:title|aria-label|placeholder|alt)="([^"]*)"/
        // An HTML tag may hold Mustache tags (`<option{{#x}} selected{{/x}}>`), which never hold `<` or `>`.
        while let tag = rest.firstMatch(of: /<[A-Za-z\/!][^<>]*>/) {
            note(rest[..<tag.range.lowerBound])
            for attribute in tag.output.matches(of: attributes) { note(attribute.output.1) }
            rest = rest[tag.range.upperBound...]
        }
        note(rest)
        return found
    }
}
