import Foundation
import LinkwellCore

/// `PersonRequestStore` in memory: the actor makes each check-and-write atomic.
extension MemoryStore {
    public func addPersonRequest(_ request: PersonRequest) async throws {
        guard !personRequestRows.contains(where: { $0.id == request.id || ($0.openKey != nil && $0.openKey == request.openKey) }) else {
            throw StorageError.duplicate("person request \(request.id)")
        }
        personRequestRows.append(request)
    }

    public func personRequest(id: String) async throws -> PersonRequest? {
        personRequestRows.first { $0.id == id }
    }

    public func personRequests(referralIDs: [ReferralID]) async throws -> [PersonRequest] {
        let wanted = Set(referralIDs)
        return personRequestRows.filter { wanted.contains($0.referralID) }.sorted { ($0.raisedAt, $0.id) < ($1.raisedAt, $1.id) }
    }

    public func openPersonRequests(limit: Int) async throws -> [PersonRequest] {
        Array(personRequestRows.filter(\.isOpen).sorted { ($0.raisedAt, $0.id) < ($1.raisedAt, $1.id) }.prefix(limit))
    }

    public func answerPersonRequest(id: String, by: UserID, at: Date, answer: String) async throws -> Bool {
        guard let index = personRequestRows.firstIndex(where: { $0.id == id }), personRequestRows[index].isOpen else { return false }
        personRequestRows[index].answeredBy = by
        personRequestRows[index].answeredAt = at
        personRequestRows[index].answer = answer
        return true
    }
}
