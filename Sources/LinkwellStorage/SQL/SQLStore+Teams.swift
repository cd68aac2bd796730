import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    public func saveTeam(_ team: Team) async throws {
        try await connections.transaction { db in
            let exists = try await db.raw("SELECT id FROM teams WHERE id = \(bind: team.id)").first() != nil
            if exists {
                try await db.raw("UPDATE teams SET name = \(bind: team.name), kind = \(bind: team.kind.rawValue) WHERE id = \(bind: team.id)").run()
            } else {
                try await db.raw("""
                    INSERT INTO teams (id, name, kind, created_at)
                    VALUES (\(bind: team.id), \(bind: team.name), \(bind: team.kind.rawValue), \(bind: team.createdAt))
                    """).run()
            }
        }
    }

    public func teams() async throws -> [Team] { try await teams(Self.everyTeam) }

    /// Every team, by id.
    static let everyTeam: SQLQueryString = "SELECT id, name, kind, created_at FROM teams ORDER BY id"

    /// The teams a query selects (`id, name, kind, created_at`).
    func teams(_ query: SQLQueryString) async throws -> [Team] {
        try await connections.read { db in try await db.raw(query).all().map(Self.team) }
    }

    /// A team from a row of `id, name, kind, created_at`.
    static func team(_ row: any SQLRow) throws -> Team {
        Team(id: TeamID(try row.decode(column: "id", as: String.self)), name: try row.decode(column: "name", as: String.self),
             kind: TeamKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .locality,
             createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    public func setMembers(teamID: TeamID, linkWorkerIDs: [UserID]) async throws {
        try await connections.transaction { db in
            try await db.raw("DELETE FROM team_members WHERE team_id = \(bind: teamID)").run()
            for id in linkWorkerIDs {
                try await db.raw("INSERT INTO team_members (team_id, link_worker_id) VALUES (\(bind: teamID), \(bind: id))").run()
            }
        }
    }

    public func memberships() async throws -> [TeamMembership] {
        try await connections.read { db in
            try await db.raw("SELECT team_id, link_worker_id FROM team_members ORDER BY team_id, link_worker_id").all().map { row in
                TeamMembership(teamID: TeamID(try row.decode(column: "team_id", as: String.self)),
                               linkWorkerID: UserID(try row.decode(column: "link_worker_id", as: String.self)))
            }
        }
    }

    public func setRoutingRules(teamID: TeamID, rules: [RoutingRule]) async throws {
        try await connections.transaction { db in
            try await db.raw("DELETE FROM team_routing_rules WHERE team_id = \(bind: teamID)").run()
            for rule in rules {
                try await db.raw("""
                    INSERT INTO team_routing_rules (team_id, field, value, position)
                    VALUES (\(bind: teamID), \(bind: rule.field.rawValue), \(bind: rule.value), \(bind: rule.position))
                    """).run()
            }
        }
    }

    public func routingRules() async throws -> [RoutingRule] {
        try await connections.read { db in
            try await db.raw("SELECT team_id, field, value, position FROM team_routing_rules ORDER BY position, team_id, seq").all().compactMap { row in
                guard let field = RoutingField(rawValue: try row.decode(column: "field", as: String.self)) else { return nil }
                return RoutingRule(teamID: TeamID(try row.decode(column: "team_id", as: String.self)), field: field,
                                   value: try row.decode(column: "value", as: String.self), position: try row.decode(column: "position", as: Int.self))
            }
        }
    }

    public func placeReferral(_ referralID: ReferralID, on teamID: TeamID) async throws {
        try await connections.transaction { db in
            try await db.raw("DELETE FROM team_placements WHERE referral_id = \(bind: referralID)").run()
            try await db.raw("INSERT INTO team_placements (referral_id, team_id) VALUES (\(bind: referralID), \(bind: teamID))").run()
        }
    }

    public func team(of referralID: ReferralID) async throws -> TeamID? {
        try await connections.read(.lookup) { db in
            try await db.raw("SELECT team_id FROM team_placements WHERE referral_id = \(bind: referralID)").first()
                .map { TeamID(try $0.decode(column: "team_id", as: String.self)) }
        }
    }

    public func placements(teamID: TeamID) async throws -> [ReferralID] {
        try await connections.read { db in
            try await db.raw("SELECT referral_id FROM team_placements WHERE team_id = \(bind: teamID)").all()
                .map { ReferralID(try $0.decode(column: "referral_id", as: String.self)) }
        }
    }

    public func addCaseMeeting(_ meeting: CaseMeeting) async throws {
        try await connections.transaction { db in
            try await db.raw("""
                INSERT INTO case_meetings (id, team_id, held_on, attendees, note, recorded_by, recorded_at)
                VALUES (\(bind: meeting.id), \(bind: meeting.teamID), \(bind: "\(meeting.heldOn)"), \(bind: meeting.attendees),
                        \(bind: meeting.note), \(bind: meeting.recordedBy), \(bind: meeting.recordedAt))
                """).run()
            for id in meeting.referralIDs {
                try await db.raw("INSERT INTO case_meeting_referrals (meeting_id, referral_id) VALUES (\(bind: meeting.id), \(bind: id))").run()
            }
        }
    }

    public func caseMeetings(teamID: TeamID) async throws -> [CaseMeeting] {
        try await meetings(where: "m.team_id = \(bind: teamID)")
    }

    public func caseMeetings(referralID: ReferralID) async throws -> [CaseMeeting] {
        try await meetings(where: "m.id IN (SELECT meeting_id FROM case_meeting_referrals WHERE referral_id = \(bind: referralID))")
    }

    /// Meetings matching the condition, newest first, each with the cases it discussed.
    private func meetings(where condition: SQLQueryString) async throws -> [CaseMeeting] {
        try await connections.read { db in
            let rows = try await db.raw("""
                SELECT m.id, m.team_id, m.held_on, m.attendees, m.note, m.recorded_by, m.recorded_at FROM case_meetings m
                WHERE \(condition) ORDER BY m.held_on DESC, m.recorded_at DESC, m.seq DESC
                """).all()
            var meetings: [CaseMeeting] = []
            for row in rows {
                let id = try row.decode(column: "id", as: String.self)
                let cases = try await db.raw("SELECT referral_id FROM case_meeting_referrals WHERE meeting_id = \(bind: id) ORDER BY referral_id").all()
                    .map { ReferralID(try $0.decode(column: "referral_id", as: String.self)) }
                guard let heldOn = CalendarDate(try row.decode(column: "held_on", as: String.self)) else { continue }
                meetings.append(CaseMeeting(id: id, teamID: TeamID(try row.decode(column: "team_id", as: String.self)), heldOn: heldOn,
                                            attendees: try row.decode(column: "attendees", as: String.self),
                                            note: try row.decode(column: "note", as: String.self), referralIDs: cases,
                                            recordedBy: UserID(try row.decode(column: "recorded_by", as: String.self)),
                                            recordedAt: try row.decode(column: "recorded_at", as: Date.self)))
            }
            return meetings
        }
    }
}
