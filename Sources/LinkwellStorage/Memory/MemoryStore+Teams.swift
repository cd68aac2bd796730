import Foundation
import LinkwellCore

/// Teams in memory (the reference for `TeamStore`).
struct MemoryTeams {
    var teams: [TeamID: Team] = [:]
    var memberships: Set<TeamMembership> = []
    var rules: [RoutingRule] = []
    var placements: [ReferralID: TeamID] = [:]
    var meetings: [CaseMeeting] = []
}

extension MemoryStore {
    public func saveTeam(_ team: Team) async throws { teamData.teams[team.id] = team }
    public func teams() async throws -> [Team] { teamData.teams.values.sorted { $0.id < $1.id } }
    public func setMembers(teamID: TeamID, linkWorkerIDs: [UserID]) async throws {
        teamData.memberships = teamData.memberships.filter { $0.teamID != teamID }
            .union(linkWorkerIDs.map { TeamMembership(teamID: teamID, linkWorkerID: $0) })
    }
    public func memberships() async throws -> [TeamMembership] {
        teamData.memberships.sorted { ($0.teamID, $0.linkWorkerID) < ($1.teamID, $1.linkWorkerID) }
    }
    public func setRoutingRules(teamID: TeamID, rules: [RoutingRule]) async throws {
        teamData.rules = teamData.rules.filter { $0.teamID != teamID } + rules
    }
    public func routingRules() async throws -> [RoutingRule] { teamData.rules.sorted { ($0.position, $0.teamID) < ($1.position, $1.teamID) } }
    public func placeReferral(_ referralID: ReferralID, on teamID: TeamID) async throws { teamData.placements[referralID] = teamID }
    public func team(of referralID: ReferralID) async throws -> TeamID? { teamData.placements[referralID] }
    public func placements(teamID: TeamID) async throws -> [ReferralID] { teamData.placements.filter { $0.value == teamID }.map(\.key) }
    public func addCaseMeeting(_ meeting: CaseMeeting) async throws {
        var stored = meeting
        stored.referralIDs.sort()
        teamData.meetings.append(stored)
    }
    public func caseMeetings(teamID: TeamID) async throws -> [CaseMeeting] { Self.newestFirst(teamData.meetings.filter { $0.teamID == teamID }) }
    public func caseMeetings(referralID: ReferralID) async throws -> [CaseMeeting] {
        Self.newestFirst(teamData.meetings.filter { $0.referralIDs.contains(referralID) })
    }
    static func newestFirst(_ meetings: [CaseMeeting]) -> [CaseMeeting] {
        meetings.enumerated().sorted { ($0.element.heldOn, $0.element.recordedAt, $0.offset) > ($1.element.heldOn, $1.element.recordedAt, $1.offset) }.map(\.element)
    }
}
