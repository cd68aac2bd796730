import Foundation
import LinkwellCore
import SQLKit

/// `CaseSummaryStore.loadCases`: many whole cases in one query per table per slice of referrals, each child row
/// carrying its referral's id (`case_rid`) to be grouped by, instead of `loadCase`'s ~20 queries for each case.
extension SQLStore {
    /// Referrals per slice: well under either database's limit on bound values.
    static let caseSlice = 500

    public func loadCases(_ ids: [ReferralID]) async throws -> [Case] {
        var byID: [ReferralID: Case] = [:]
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: Self.caseSlice) {
            let slice = Array(unique[start..<min(unique.count, start + Self.caseSlice)])
            for c in try await connections.snapshot({ db in try await Self.loadCases(slice, db) }) { byID[c.referral.id] = c }
        }
        return ids.compactMap { byID[$0] }
    }

    /// Each row's model, grouped by the referral named in its `case_rid` column, in the order the query returns.
    private static func grouped<T: Decodable & Sendable>(_ sql: SQLQueryString, _ type: T.Type, _ db: any SQLDatabase) async throws -> [ReferralID: [T]] {
        var result: [ReferralID: [T]] = [:]
        for row in try await db.raw(sql).all() {
            result[ReferralID(try row.decode(column: "case_rid", as: String.self)), default: []]
                .append(try row.decode(model: T.self, keyDecodingStrategy: fromColumns))
        }
        return result
    }

    private static func loadCases(_ ids: [ReferralID], _ db: any SQLDatabase) async throws -> [Case] {
        guard !ids.isEmpty else { return [] }
        let keys = ids.map(\.rawValue)
        let needs = try await Self.needs(for: ids, db)
        let referrals = try await db.raw("SELECT * FROM referrals WHERE id IN (\(binds: keys))").all().map { row in
            try row.decode(model: ReferralRow.self).referral(needs: [])
        }
        let personIDs = Array(Set(referrals.map(\.personID.rawValue)))
        let people = Dictionary(try await db.raw("SELECT * FROM people WHERE id IN (\(binds: personIDs))")
            .all(decoding: Person.self, keyDecodingStrategy: fromColumns).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func children<T: Decodable & Sendable>(_ table: String, _ type: T.Type) async throws -> [ReferralID: [T]] {
            try await grouped("SELECT *, referral_id AS case_rid FROM \(ident: table) WHERE referral_id IN (\(binds: keys)) ORDER BY seq", T.self, db)
        }
        let events = try await children("referral_events", ReferralEvent.self)
        let contacts = try await children("contacts", Contact.self)
        let plans = try await grouped("SELECT *, referral_id AS case_rid FROM plans WHERE referral_id IN (\(binds: keys))", Plan.self, db)
        let goals = try await children("goals", Goal.self)
        let ratings = try await grouped("""
            SELECT r.*, g.referral_id AS case_rid FROM goal_ratings r JOIN goals g ON g.id = r.goal_id
            WHERE g.referral_id IN (\(binds: keys)) ORDER BY r.seq
            """, GoalRating.self, db)
        let onward = try await children("onward_referrals", OnwardReferral.self)
        let onwardEvents = try await grouped("""
            SELECT e.*, o.referral_id AS case_rid FROM onward_events e JOIN onward_referrals o ON o.id = e.onward_referral_id
            WHERE o.referral_id IN (\(binds: keys)) ORDER BY e.seq
            """, OnwardEvent.self, db)
        let attendance = try await grouped("""
            SELECT a.*, o.referral_id AS case_rid FROM attendance_reports a JOIN onward_referrals o ON o.id = a.onward_referral_id
            WHERE o.referral_id IN (\(binds: keys)) ORDER BY a.seq
            """, AttendanceReport.self, db)
        let messages = try await children("messages_back", MessageBack.self)
        let concerns = try await children("safeguarding_concerns", SafeguardingConcern.self)
        let signposts = try await children("signposts", Signpost.self)
        let visits = try await children("lone_working_visits", LoneWorkingVisit.self)
        let actions = try await children("plan_actions", PlanAction.self)
        let profile = try await children("case_profile_items", ProfileItem.self)
        let gaps = try await children("case_gaps", GapRecord.self)
        let risks = try await children("case_risks", RiskEntry.self)
        let requested = try await children("case_requested_actions", RequestedAction.self)
        let details = try await grouped("SELECT *, referral_id AS case_rid FROM case_record_details WHERE referral_id IN (\(binds: keys))",
                                        RecordDetails.self, db)
        var placements: [ReferralID: TeamID] = [:]
        for row in try await db.raw("SELECT referral_id, team_id FROM team_placements WHERE referral_id IN (\(binds: keys))").all() {
            placements[ReferralID(try row.decode(column: "referral_id", as: String.self))] = TeamID(try row.decode(column: "team_id", as: String.self))
        }
        var members: [TeamID: [UserID]] = [:]
        let teamIDs = Array(Set(placements.values.map(\.rawValue)))
        if !teamIDs.isEmpty {
            for row in try await db.raw("SELECT team_id, link_worker_id FROM team_members WHERE team_id IN (\(binds: teamIDs)) ORDER BY link_worker_id").all() {
                members[TeamID(try row.decode(column: "team_id", as: String.self)), default: []]
                    .append(UserID(try row.decode(column: "link_worker_id", as: String.self)))
            }
        }
        return referrals.compactMap { stored in
            var referral = stored
            referral.needs = needs[referral.id] ?? []
            let id = referral.id
            guard let person = people[referral.personID] else { return nil }
            var found = Case(
                person: person, referral: referral, events: events[id] ?? [], contacts: contacts[id] ?? [], plan: plans[id]?.first,
                goals: goals[id] ?? [], goalRatings: ratings[id] ?? [], onwardReferrals: onward[id] ?? [], onwardEvents: onwardEvents[id] ?? [],
                attendance: attendance[id] ?? [], messages: messages[id] ?? [], concerns: concerns[id] ?? [], signposts: signposts[id] ?? [],
                visits: visits[id] ?? [], actions: actions[id] ?? [], profile: profile[id] ?? [], gaps: gaps[id] ?? [])
            found.risks = risks[id] ?? []
            found.requestedActions = requested[id] ?? []
            found.details = details[id]?.first
            if let team = placements[id] { found.team = CaseTeam(teamID: team, linkWorkerIDs: members[team] ?? []) }
            return found
        }
    }
}
