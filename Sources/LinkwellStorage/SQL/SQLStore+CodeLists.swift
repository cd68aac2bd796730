import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    public func codedConcepts(_ list: CodeListKind) async throws -> [CodedConcept] {
        try await connections.read { db in
            try await db.raw("""
                SELECT value_key, system, code, display, source FROM code_list_concepts WHERE list_name = \(bind: list.rawValue) ORDER BY value_key
                """).all().map { row in
                CodedConcept(list: list, key: try row.decode(column: "value_key", as: String.self), system: try row.decode(column: "system", as: String.self),
                             code: try row.decode(column: "code", as: String.self), display: try row.decode(column: "display", as: String.self),
                             source: try row.decode(column: "source", as: String.self))
            }
        }
    }

    public func saveCodedConcepts(_ concepts: [CodedConcept]) async throws {
        guard !concepts.isEmpty else { return }
        try await connections.transaction { db in
            for c in concepts {
                try await db.raw("DELETE FROM code_list_concepts WHERE list_name = \(bind: c.list.rawValue) AND value_key = \(bind: c.key)").run()
                try await db.raw("""
                    INSERT INTO code_list_concepts (list_name, value_key, system, code, display, source)
                    VALUES (\(bind: c.list.rawValue), \(bind: c.key), \(bind: c.system), \(bind: c.code), \(bind: c.display), \(bind: c.source))
                    """).run()
            }
        }
    }
}
