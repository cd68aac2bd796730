import Foundation
import LinkwellCore

extension MemoryStore {
    public func codedConcepts(_ list: CodeListKind) async throws -> [CodedConcept] {
        codeLists.values.filter { $0.list == list }.sorted { $0.key < $1.key }
    }

    public func saveCodedConcepts(_ concepts: [CodedConcept]) async throws {
        for c in concepts { codeLists["\(c.list.rawValue)|\(c.key)"] = c }
    }
}
