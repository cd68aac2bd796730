import Foundation

/// A team whose caseload a list is narrowed to: referrals placed on it, or allocated to one of its link workers.
public struct CaseloadTeam: Sendable, Equatable {
    public var id: TeamID
    public var members: [UserID]
    public init(id: TeamID, members: [UserID]) {
        self.id = id
        self.members = members
    }
}

extension CaseworkService {
    /// The teams a caseload can be narrowed to, by name (supervisors and link workers).
    public func caseloadTeams(_ request: Request) async throws -> [Team] {
        guard [.supervisor, .linkWorker].contains(request.principal.role) else { return [] }
        return Self.byName(try await store.teams())
    }

    /// Teams as the caseload offers them, by name.
    static func byName(_ teams: [Team]) -> [Team] { teams.sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) } }

    /// The team named by a `team` parameter, with its members as they stand; none for an empty one. A team that
    /// does not exist is refused naming the field; only supervisors and link workers narrow by team.
    public func caseloadTeam(_ text: String?, _ p: Principal) async throws -> CaseloadTeam? {
        let text = text?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !text.isEmpty else { return nil }
        guard [.supervisor, .linkWorker].contains(p.role) else { throw LinkwellError.invalid([FieldError("team", .teamFilterNotAllowed)]) }
        guard text.count <= 200, let team = try await store.teams().first(where: { $0.id.rawValue == text }) else {
            throw LinkwellError.invalid([FieldError("team", .chooseTeam)])
        }
        let members = try await store.memberships().filter { $0.teamID == team.id }.map(\.linkWorkerID).sorted()
        return CaseloadTeam(id: team.id, members: members)
    }
}

extension CaseworkService {
    /// A panel of the caseload page (measures due, reviews due, overdue requests, concerns, visits) narrowed to the
    /// team a `team` parameter names, as the page's lists are: rows whose referral is placed on the team or allocated
    /// to one of its link workers. No team: the rows as they are. Only for panels read whole (open concerns, overdue
    /// requests out, overdue visits: open work items, not history), so narrowing after the read misses no row; a panel
    /// cut to a limit (measures due, reviews due) is narrowed in the store before its limit instead. The allocations
    /// are read for these rows only, in one query.
    public func narrow<Row>(_ rows: [Row], toTeam text: String?, referralID: (Row) -> ReferralID, _ request: Request) async throws -> [Row] {
        guard let team = try await caseloadTeam(text, request.principal), !rows.isEmpty else { return rows }
        let placed = Set(try await store.placements(teamID: team.id))
        let members = Set(team.members)
        let allocated = try await store.linkWorkers(referralIDs: Array(Set(rows.map(referralID))))
        return rows.filter { row in
            let id = referralID(row)
            return placed.contains(id) || allocated[id].map(members.contains) == true
        }
    }

    /// The link workers' caseload counts narrowed to the team's members (all of them without a team).
    public func narrow(_ caseloads: [Caseload], toTeam text: String?, _ request: Request) async throws -> [Caseload] {
        guard let team = try await caseloadTeam(text, request.principal) else { return caseloads }
        let members = Set(team.members)
        return caseloads.filter { members.contains($0.linkWorkerID) }
    }
}
