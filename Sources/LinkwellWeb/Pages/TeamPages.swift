import Foundation
import LinkwellCore

/// Every team, and (supervisors, administrators) the form to add one.
public struct TeamsPage: Sendable {
    public struct Row: Sendable { public var id, name, kind, members, rules: String }
    public var rows: [Row]
    public var isEmpty: Bool
    public var canManage: Bool
    public var kinds: [Choice]
    public var name: String
    /// The count and the page links.
    var links: PageLinks?

    init(_ teams: [TeamService.TeamView], canManage: Bool, form: FormData? = nil, _ t: Catalogue = .english) {
        rows = teams.map {
            Row(id: $0.team.id.rawValue, name: $0.team.name, kind: t.label($0.team.kind),
                members: $0.memberNames.isEmpty ? t.text("teamPage.noMembersYet") : $0.memberNames.joined(separator: ", "),
                rules: $0.rules.isEmpty ? t.text("teamPage.noRules")
                    : $0.rules.map { t.text("teamPage.rule", ["field": t.label($0.field), "value": $0.value]) }.joined(separator: "; "))
        }
        isEmpty = teams.isEmpty
        self.canManage = canManage
        kinds = TeamKind.allCases.map { Choice($0.rawValue, t.label($0), selected: form?["kind"] == $0.rawValue) }
        name = form?["name"] ?? ""
    }
}

/// One team: members, routing rules, its waiting list and its case meetings.
public struct TeamPage: Sendable {
    public struct Waiting: Sendable { public var id, personName, status, receivedAt, needs: String }
    public struct Meeting: Sendable { public var heldOn, attendees, note, recordedBy: String; public var cases: [CaseLink] }
    public struct CaseLink: Sendable { public var id, personName: String }

    public var id, name, kind, memberNames: String
    public var canManage, onTeam: Bool
    public var linkWorkers: [Choice]
    public var rules: String
    public var fields: String
    public var waiting: [Waiting]
    public var hasWaiting: Bool
    /// The waiting list's page (oldest first, 50 at a time) and its count and numbered links.
    var waitingPage: CountedPage<ReferralSummary>
    var waitingLinks: PageLinks?
    public var meetings: [Meeting]
    public var hasMeetings: Bool
    /// The meetings' numbered pages (newest held first, 50 at a time), their own `meetingsPage` parameter.
    var meetingLinks: PageLinks?
    public var openCases: [Choice]
    public var today: String

    init(_ view: TeamService.TeamView, allLinkWorkers: [User], canManage: Bool, onTeam: Bool, waiting waitingPage: CountedPage<ReferralSummary>,
         meetings: [CaseMeeting], openCases: [ReferralSummary], names: UserNames, today: CalendarDate, rulesText: String? = nil,
         _ t: Catalogue = .english) {
        id = view.team.id.rawValue
        name = view.team.name
        kind = t.label(view.team.kind)
        memberNames = view.memberNames.isEmpty ? t.text("teamPage.noMembersYet") : view.memberNames.joined(separator: ", ")
        self.canManage = canManage
        self.onTeam = onTeam
        linkWorkers = allLinkWorkers.map { Choice($0.id.rawValue, $0.displayName, selected: view.members.contains($0.id)) }
        rules = rulesText ?? view.rules.map { "\($0.field.rawValue) \($0.value)" }.joined(separator: "\n")
        fields = RoutingField.allCases.map { t.text("teamPage.ruleField", ["code": $0.rawValue, "label": t.label($0).lowercased()]) }.joined(separator: ", ")
        self.waitingPage = waitingPage
        let waiting = waitingPage.rows
        self.waiting = waiting.map {
            Waiting(id: $0.id.rawValue, personName: $0.personName, status: t.label($0.status), receivedAt: t.date($0.receivedAt),
                    needs: $0.needs.map { t.label($0) }.joined(separator: ", "))
        }
        hasWaiting = !waiting.isEmpty
        let personNames = Dictionary(openCases.map { ($0.id, $0.personName) }, uniquingKeysWith: { a, _ in a })
        self.meetings = meetings.map { m in
            Meeting(heldOn: "\(m.heldOn)", attendees: m.attendees, note: m.note, recordedBy: names[m.recordedBy],
                    cases: m.referralIDs.map { CaseLink(id: $0.rawValue, personName: personNames[$0] ?? t.text("teamPage.aClosedCase")) })
        }
        hasMeetings = !meetings.isEmpty
        self.openCases = openCases.map { Choice($0.id.rawValue, t.text("teamPage.openCase", ["name": $0.personName, "status": t.label($0.status)])) }
        self.today = "\(today)"
    }
}
