import Foundation

/// A team whose caseload a list is narrowed to: referrals placed on it, or allocated to one of its link workers.
public struct CaseloadTeam: Sendable, Equatable {
    public var id: TeamID
    public var members: [UserID]
}

extension CaseworkService {
    /// The teams a caseload can be narrowed to, by name (supervisors and link workers).
    public func caseloadTeams(_ request: Request) async throws -> [Team] {
        guard [.supervisor, .linkWorker].contains(request.principal.role) else { return [] }
        return try await store.teams().sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) }
    }

    /// The team named by a `team` parameter, with its members as they stand; none for an empty one. A team that
    /// does not exist is refused naming the field; only supervisors and link workers narrow by team.
    func caseloadTeam(_ text: String?, _ p: Principal) async throws -> CaseloadTeam? {
        let text = text?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !text.isEmpty else { return nil }
        guard [.supervisor, .linkWorker].contains(p.role) else { throw LinkwellError.invalid("team", "Your list cannot be narrowed by team.") }
        guard text.count <= 200, let team = try await store.teams().first(where: { $0.id.rawValue == text }) else {
            throw LinkwellError.invalid("team", "Choose one of the teams.")
        }
        let members = try await store.memberships().filter { $0.teamID == team.id }.map(\.linkWorkerID).sorted()
        return CaseloadTeam(id: team.id, members: members)
    }
}
