import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LinkwellWeb
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
        #expect(partials == ["layout", "insight_table", "organisation_fields"])
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

