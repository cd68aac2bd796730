import Foundation

/// Teams: supervisors and administrators set them up (members, routing rules); a team's members and
/// supervisors see its waiting list and record its case meetings. New referrals are placed on a team by
/// `CaseworkService.submitReferral` through `RoutingRule.route`.
public struct TeamService: Sendable {
    public typealias Storage = TeamStore & AccountStore & CaseStore & AuditStore & OrganisationStore & AdminListStore & KeysetListStore & CaseSummaryStore & BoundedListStore
    let store: any Storage
    public let env: CoreEnvironment
    let trail: AuditTrail

    public init(store: any Storage, env: CoreEnvironment) {
        self.store = store
        self.env = env
        self.trail = AuditTrail(store: store, env: env)
    }

    public typealias Request = ServiceRequest

    /// A team as its pages and the API show it.
    public struct TeamView: Codable, Sendable, Equatable {
        public var team: Team
        public var members: [UserID]
        public var memberNames: [String]
        public var rules: [RoutingRule]
    }

    /// One routing rule as typed: `field` is a `RoutingField`, `value` what it must equal.
    public struct RuleInput: Codable, Sendable {
        public var field: String?
        public var value: String?
        public init(field: String?, value: String?) {
            self.field = field
            self.value = value
        }
    }

    private func requireManager(_ r: Request) throws {
        guard r.principal.role == .supervisor || r.principal.role == .admin else {
            throw LinkwellError.forbidden("Only supervisors and administrators set up teams.")
        }
    }

    /// Every team with its members and rules: for staff who work cases or run the scheme.
    public func teams(_ r: Request) async throws -> [TeamView] {
        try requireStaff(r)
        return try await views(try await store.teams().sorted { $0.name < $1.name })
    }

    /// One numbered page of the teams, by name, with their members and rules.
    public func teams(page: PageNumber, _ r: Request) async throws -> CountedPage<TeamView> {
        try requireStaff(r)
        let shown = try await CountedPage.load(page, count: { try await store.countTeams() }, rows: { try await store.teams(page: $0) })
        return CountedPage(rows: try await views(shown.rows), total: shown.total, page: shown.page)
    }

    private func requireStaff(_ r: Request) throws {
        guard [.linkWorker, .supervisor, .admin].contains(r.principal.role) else { throw LinkwellError.forbidden("Teams are for the scheme's staff.") }
    }

    private func views(_ teams: [Team]) async throws -> [TeamView] {
        let users = Dictionary(try await store.users().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let memberships = try await store.memberships()
        let rules = try await store.routingRules()
        return teams.map { team in
            let members = memberships.filter { $0.teamID == team.id }.map(\.linkWorkerID).sorted()
            return TeamView(team: team, members: members, memberNames: members.map { users[$0]?.displayName ?? $0.rawValue },
                            rules: rules.filter { $0.teamID == team.id }.sorted { $0.position < $1.position })
        }
    }

    public func team(_ id: String, _ r: Request) async throws -> TeamView {
        guard let found = try await teams(r).first(where: { $0.team.id.rawValue == id }) else { throw LinkwellError.notFound("team") }
        return found
    }

    public func createTeam(name: String?, kind: String?, _ r: Request) async throws -> Team {
        try requireManager(r)
        var v = Validator()
        let name = v.required(name, "name", label: .teamName, max: 100)
        let kind = v.choice(kind, "kind", label: .whatTheTeamCovers, as: TeamKind.self)
        if !name.isEmpty, try await store.teams().contains(where: { $0.name.lowercased() == name.lowercased() }) {
            v.add("name", .teamExists, ["name": name])
        }
        try v.check()
        let team = Team(id: TeamID(env.newID()), name: name, kind: kind!, createdAt: env.now())
        try await store.saveTeam(team)
        try await trail.record(r, action: "team-created", type: "team", id: team.id.rawValue, allowed: true)
        return team
    }

    /// Replaces the team's link workers (active link workers only).
    public func setMembers(_ teamID: String, linkWorkerIDs: [String], _ r: Request) async throws -> TeamView {
        try requireManager(r)
        let team = try await team(teamID, r).team
        guard linkWorkerIDs.count <= 500 else { throw LinkwellError.invalid([FieldError("linkWorkerIds", .teamTooManyMembers, ["max": "500"])]) }
        var ids: [UserID] = []
        for raw in Set(linkWorkerIDs.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }).sorted() {
            guard let user = try await store.user(id: UserID(raw)), user.role == .linkWorker, user.active else {
                throw LinkwellError.invalid([FieldError("linkWorkerIds", .notActiveLinkWorker, ["id": raw])])
            }
            ids.append(user.id)
        }
        try await store.setMembers(teamID: team.id, linkWorkerIDs: ids)
        try await trail.record(r, action: "team-members-set", type: "team", id: team.id.rawValue, allowed: true)
        return try await self.team(teamID, r)
    }

    /// Replaces the team's routing rules. Their positions follow the other teams' rules, in the order given.
    public func setRoutingRules(_ teamID: String, rules input: [RuleInput], _ r: Request) async throws -> TeamView {
        try requireManager(r)
        let team = try await team(teamID, r).team
        var v = Validator()
        guard v.atMost(input.count, 200, "rules", .routingRules) else { throw LinkwellError.invalid(v.errors) }
        let others = try await store.routingRules().filter { $0.teamID != team.id }
        let start = (others.map(\.position).max() ?? 0) + 1
        var rules: [RoutingRule] = []
        for (index, rule) in input.enumerated() {
            let field = v.choice(rule.field, "rules[\(index)].field", label: .whatTheRuleLooksAt, as: RoutingField.self)
            var value = v.required(rule.value, "rules[\(index)].value", label: .whatItMustBe, max: 100)
            guard let field, !value.isEmpty else { continue }
            switch field {
            case .postcodeDistrict:
                value = value.uppercased().filter { !$0.isWhitespace }
                if !((2...4).contains(value.count) && value.first!.isLetter && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                    v.add("rules[\(index)].value", .ruleNotPostcodeDistrict, ["value": value])
                }
            case .referrerOrganisation:
                if try await store.organisation(id: OrganisationID(value)) == nil { v.add("rules[\(index)].value", .organisationUnknown, ["id": value]) }
            case .need:
                if Need(rawValue: value) == nil { v.add("rules[\(index)].value", .ruleNotNeed, ["value": value, "allowed": Need.allCases.map(\.rawValue).joined(separator: ", ")]) }
            }
            rules.append(RoutingRule(teamID: team.id, field: field, value: value, position: start + index))
        }
        try v.check()
        try await store.setRoutingRules(teamID: team.id, rules: rules)
        try await trail.record(r, action: "team-rules-set", type: "team", id: team.id.rawValue, allowed: true)
        return try await self.team(teamID, r)
    }

    /// Reads "postcode_district LS6" lines (a field, then the value) from the web form.
    public static func parseRules(_ text: String) -> [RuleInput] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
            guard let field = parts.first else { return nil }
            return RuleInput(field: field.trimmingCharacters(in: CharacterSet(charactersIn: ":")), value: parts.count > 1 ? parts[1] : "")
        }
    }

    private func requireOnTeam(_ team: Team, _ r: Request) async throws {
        if r.principal.role == .supervisor { return }
        guard r.principal.role == .linkWorker,
              try await store.memberships().contains(TeamMembership(teamID: team.id, linkWorkerID: r.principal.userID)) else {
            throw LinkwellError.forbidden("Only the team's link workers and supervisors see its waiting list and meetings.")
        }
    }

    /// The store's query for a team's waiting list: unallocated referrals received or triaged, placed on the team
    /// (filtered in SQL, before any limit), longest-waiting first.
    private func waitingQuery(_ team: Team) -> ReferralQuery {
        var query = ReferralQuery(unallocatedOnly: true, statuses: [.received, .triaged])
        query.teamID = team.id  // no members: only referrals placed on the team (allocated ones are excluded above)
        query.oldestFirst = true
        return query
    }

    /// The team's waiting list: referrals placed on it that no link worker has taken yet, oldest first.
    /// Reading it is audited like any caseload list.
    public func waitingList(_ teamID: String, _ r: Request) async throws -> [ReferralSummary] {
        try await readWaitingList(teamID, r) { query in
            var query = query
            query.limit = Int.max / 2
            return try await store.referrals(query)
        }
    }

    /// One page of the team's waiting list (oldest first), read by keyset in the store: the cursor names the last
    /// referral shown (its received time and id), so referrals arriving or being taken meanwhile shift no page.
    public func waitingList(_ teamID: String, page: PageRequest, _ r: Request) async throws -> Page<ReferralSummary> {
        try await readWaitingList(teamID, r) { query in
            var query = query
            query.after = try page.requireTimed().after
            query.limit = page.limit + 1
            return Page(fetched: try await store.referrals(query), limit: page.limit, cursor: \.cursor)
        }
    }

    /// A numbered page of the team's waiting list, oldest first (then by id): counted, and read with `LIMIT`/`OFFSET`,
    /// in the store.
    public func waitingList(_ teamID: String, page: PageNumber, _ r: Request) async throws -> CountedPage<ReferralSummary> {
        try await readWaitingList(teamID, r) { query in
            try await CountedPage.load(page, count: { try await store.countReferrals(query) }) { window in
                var q = query
                q.offset = window.offset
                q.limit = window.size
                return try await store.referrals(q)
            }
        }
    }

    /// Every reading of the waiting list: only by the team's own staff, from the team's query, and audited.
    private func readWaitingList<T>(_ teamID: String, _ r: Request, _ read: (ReferralQuery) async throws -> T) async throws -> T {
        let team = try await team(teamID, r).team
        try await requireOnTeam(team, r)
        let rows = try await read(waitingQuery(team))
        try await trail.record(r, action: "list", type: "team_waiting_list", id: team.id.rawValue, allowed: true)
        return rows
    }

    /// The team's open cases the caller may see (the waiting list, and the caller's own caseload or, for a
    /// supervisor, every member's), to choose the cases a meeting discussed from.
    public func openCases(_ teamID: String, _ r: Request) async throws -> [ReferralSummary] {
        let view = try await team(teamID, r)
        try await requireOnTeam(view.team, r)
        var cases = try await waitingList(view.team.id.rawValue, r)
        // A link worker sees only their own caseload besides the waiting list; a supervisor every member's.
        for member in view.members where r.principal.role == .supervisor || member == r.principal.userID {
            cases += try await store.referrals(ReferralQuery(linkWorkerID: member, limit: Int.max / 2)).filter { !$0.status.isFinal }
        }
        return cases.sorted { ($0.personName, $0.id) < ($1.personName, $1.id) }
    }

    public func recordMeeting(_ teamID: String, heldOn: String?, attendees: String?, note: String?, referralIDs: [String],
                              _ r: Request) async throws -> CaseMeeting {
        let team = try await team(teamID, r).team
        try await requireOnTeam(team, r)
        var v = Validator()
        let date = CalendarDate(heldOn ?? "")
        if (heldOn ?? "").isEmpty { v.add("heldOn", .meetingDateRequired) }
        else if date == nil { v.add("heldOn", .dateNotRealOrISO) }
        else if date! > CalendarDate(env.now()) { v.add("heldOn", .meetingInFuture) }
        let who = v.required(attendees, "attendees", label: .whoAttended, max: 1000)
        let text = v.required(note, "note", label: .theMeetingNote, max: 10_000)
        let ids = Array(Set(referralIDs.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
        if ids.count > 100 { v.add("referralIds", .meetingTooManyCases, ["max": "100"]) }
        try v.check()
        // Only cases the recorder may see: anything else reads as not found, and is audited as refused.
        for id in ids {
            let found = try await store.loadCase(ReferralID(id))
            let allowed = found.map { AccessPolicy.canRead($0, r.principal) } ?? false
            if !allowed {
                try await trail.record(r, action: "case-meeting", type: "referral", id: id, allowed: false)
                throw LinkwellError.invalid([FieldError("referralIds", .caseNotVisible, ["id": "\(id)"])])
            }
        }
        let meeting = CaseMeeting(id: env.newID(), teamID: team.id, heldOn: date!, attendees: who, note: text,
                                  referralIDs: ids.map { ReferralID($0) }, recordedBy: r.principal.userID, recordedAt: env.now())
        try await store.addCaseMeeting(meeting)
        for id in meeting.referralIDs {
            try await trail.record(r, action: "case-meeting", type: "referral", id: id.rawValue, subject: id, allowed: true)
        }
        return meeting
    }

    /// A numbered page of the team's case meetings (the team page), newest held first, counted and read in the store.
    public func meetings(_ teamID: String, page: PageNumber, _ r: Request) async throws -> CountedPage<CaseMeeting> {
        let team = try await team(teamID, r).team
        try await requireOnTeam(team, r)
        return try await store.caseMeetings(teamID: team.id, page: page)
    }

    /// A page of the team's case meetings, newest held first, read by keyset in the store.
    public func meetings(_ teamID: String, page: PageRequest, _ r: Request) async throws -> Page<CaseMeeting> {
        let team = try await team(teamID, r).team
        try await requireOnTeam(team, r)
        let page = try page.requireDated()
        return Page(fetched: try await store.caseMeetings(teamID: team.id, keyset: page.fetching), limit: page.limit) {
            PageCursor(name: $0.heldOn.description, id: $0.id)
        }
    }

    /// The meetings that discussed a case, and the team it is placed on, for the case page; the caller
    /// has already read the case through `CaseworkService` (checked and audited).
    public func caseTeamwork(of c: Case, _ r: Request) async throws -> (team: Team?, meetings: [CaseMeeting]) {
        guard AccessPolicy.canWork(c, r.principal) else { return (nil, []) }
        let teamID = try await store.team(of: c.referral.id)
        let team = try await store.teams().first { $0.id == teamID }
        return (team, try await store.caseMeetings(referralID: c.referral.id))
    }
}
