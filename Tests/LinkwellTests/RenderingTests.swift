import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
@testable import LinkwellWeb
import Mustache
import Testing

/// Templates are checked when the application starts, not when a page is first shown; responses that
/// cannot be encoded are 500 problems, never a success with a wrong body.
@Suite("Templates and response encoding")
struct RenderingTests {
    /// A copy of the shipped templates to break.
    static func templatesCopy() throws -> URL {
        let source = URL(fileURLWithPath: try #require(PageRenderer.bundledDirectory))
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: copy)
        return copy
    }

    @Test("The shipped templates load: every page's template exists, parses and finds its partials")
    func shippedTemplatesLoad() async throws {
        _ = try await PageRenderer()
        let folder = try #require(PageRenderer.bundledDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".mustache") }.map { String($0.dropLast(".mustache".count)) }
        let partials = Set(try names.flatMap { name in
            PageRenderer.partials(in: try String(contentsOfFile: "\(folder)/\(name).mustache", encoding: .utf8))
        })
        #expect(partials == ["layout", "insight_table", "organisation_fields", "case_learned", "case_record", "equality_monitoring", "date_input", "case_banner",
                             "me_link_worker_changes", "self_referral_chosen_service", "page_links"])
        #expect(Set(names) == Set(Template.allCases.map(\.rawValue)).union(partials), "every template file is a page or a partial")
    }

    @Test("A missing page template fails the start, naming it")
    func missingTemplate() async throws {
        let copy = try Self.templatesCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.removeItem(at: copy.appendingPathComponent("caseload.mustache"))
        let error = await #expect(throws: TemplateError.self) { try await PageRenderer(directory: copy.path) }
        #expect(error?.description.contains("caseload") == true, "\(String(describing: error))")
    }

    @Test("A mistyped partial fails the start, naming the template and the partial")
    func missingPartial() async throws {
        let copy = try Self.templatesCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("insight.mustache")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("{{>insight_table}}"))
        try text.replacingOccurrences(of: "{{>insight_table}}", with: "{{>insight_tabel}}").write(to: file, atomically: true, encoding: .utf8)
        let error = await #expect(throws: TemplateError.self) { try await PageRenderer(directory: copy.path) }
        #expect(error?.description.contains("insight.mustache") == true && error?.description.contains("insight_tabel") == true, "\(String(describing: error))")
    }

    @Test("A template that does not parse fails the start")
    func unparsable() async throws {
        let copy = try Self.templatesCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        try "{{#page}}never closed".write(to: copy.appendingPathComponent("me.mustache"), atomically: true, encoding: .utf8)
        let error = await #expect(throws: TemplateError.self) { try await PageRenderer(directory: copy.path) }
        #expect(error?.description.contains("me.mustache") == true, "\(String(describing: error))")
    }

    @Test("A value that cannot be encoded is a 500 problem, not 200 null")
    func encodingFailure() throws {
        for response in [json(["score": Double.nan]), hsds(["score": Double.infinity])] {
            #expect(response.status == .internalServerError)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
        #expect(json(["score": 1.5]).status == .ok)
    }
}


/// The error beside each field: the control is marked invalid and names a message placed before it.
@Suite("Inline errors")
struct InlineErrorsTests {
    @Test("Each field's control is marked and described; hints are kept; messages are escaped; other markup is untouched")
    func marksControls() {
        let html = """
            <label for="person.nhsNumber">NHS number</label><span id="nhs-hint" class="hint">10 digits</span>
            <input id="person.nhsNumber" name="person.nhsNumber" aria-describedby="nhs-hint" value="123">
            <label for="email">Email</label><input type="email" id="email" name="email">
            <fieldset id="source"><legend>Who</legend></fieldset>
            """
        let marked = InlineErrors.mark(html, [LinkwellCore.FieldError.page("person.nhsNumber", "Enter a valid <NHS> number"),
                                              LinkwellCore.FieldError.page("email", "Enter an email address"),
                                              LinkwellCore.FieldError.page("email", "A second message for the same field"),
                                              LinkwellCore.FieldError.page("source", "Choose who is referring")])
        #expect(marked.contains(#"<span class="error-message" id="person.nhsNumber-error"><span class="visually-hidden">Error:</span> Enter a valid &lt;NHS&gt; number</span><input aria-invalid="true" id="person.nhsNumber" name="person.nhsNumber" aria-describedby="nhs-hint person.nhsNumber-error" value="123">"#))
        #expect(marked.contains(#"<span class="error-message" id="email-error"><span class="visually-hidden">Error:</span> Enter an email address</span><input aria-invalid="true" aria-describedby="email-error" type="email" id="email" name="email">"#))
        #expect(!marked.contains("A second message"), "one message per field, the first")
        #expect(marked.contains(#"<fieldset id="source"><legend>Who</legend></fieldset>"#), "a group keeps the summary's message only")
        #expect(InlineErrors.mark(html, []) == html)
    }
}
