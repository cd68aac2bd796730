import Foundation
import Hummingbird
import LinkwellCore

/// Teams: `/teams` (every team; supervisors and administrators add teams), `/teams/:id` (members and
/// routing rules for supervisors and administrators; the waiting list and case meetings for the team's
/// link workers and supervisors), and the same under `/api/v1/teams`.
struct TeamsController: Sendable {
    let teams: TeamService
    let casework: CaseworkService
    let renderer: PageRenderer

    struct TeamInput: Codable, Sendable { var name: String?; var kind: String? }
    struct MembersInput: Codable, Sendable { var linkWorkerIds: [String]? }
    struct RulesInput: Codable, Sendable { var rules: [TeamService.RuleInput]? }
    struct MeetingInput: Codable, Sendable { var heldOn: String?; var attendees: String?; var note: String?; var referralIds: [String]? }

    func register(on router: Router<AppRequestContext>) {
        router.get("/teams") { request, context in try await listPage(request, context) }
        router.post("/teams") { request, context -> Response in
            let p = try context.require(.supervisor, .admin)
            let form = try await request.verifiedForm(context)
            do {
                let team = try await teams.createTeam(name: form["name"], kind: form["kind"], r(p, request))
                return .redirect(to: "/teams/\(team.id)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await listPage(request, context, form: form, errors: errors, status: .unprocessableContent)
            }
        }
        router.get("/teams/:id") { request, context in try await teamPage(request, context) }
        router.post("/teams/:id/members") { request, context -> Response in
            try await submit(request, context) { form, p, id in _ = try await teams.setMembers(id, linkWorkerIDs: form.all("linkWorkerIds"), r(p, request)) }
        }
        router.post("/teams/:id/rules") { request, context -> Response in
            try await submit(request, context) { form, p, id in
                _ = try await teams.setRoutingRules(id, rules: TeamService.parseRules(form["rules"] ?? ""), r(p, request))
            }
        }
        router.post("/teams/:id/meetings") { request, context -> Response in
            try await submit(request, context) { form, p, id in
                _ = try await teams.recordMeeting(id, heldOn: form["heldOn"], attendees: form["attendees"], note: form["note"],
                                                  referralIDs: form.all("referralIds"), r(p, request))
            }
        }

        let api = router.group("api/v1")
        api.get("teams") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .admin)
            // Bounded: a scheme's teams are a handful (localities, partners).
            return try pagedList(try await teams.teams(r(p, request)), request: request) { $0.team.id.rawValue }
        }
        api.post("teams") { request, context in
            let p = try context.require(.supervisor, .admin)
            let input = try await request.json(TeamInput.self)
            return json(try await teams.createTeam(name: input.name, kind: input.kind, r(p, request)), status: .created)
        }
        api.get("teams/:id") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .admin)
            return json(try await teams.team(try context.parameters.require("id"), r(p, request)))
        }
        api.post("teams/:id/members") { request, context in
            let p = try context.require(.supervisor, .admin)
            let input = try await request.json(MembersInput.self)
            return json(try await teams.setMembers(try context.parameters.require("id"), linkWorkerIDs: input.linkWorkerIds ?? [], r(p, request)))
        }
        api.post("teams/:id/rules") { request, context in
            let p = try context.require(.supervisor, .admin)
            let input = try await request.json(RulesInput.self)
            return json(try await teams.setRoutingRules(try context.parameters.require("id"), rules: input.rules ?? [], r(p, request)))
        }
        api.get("teams/:id/waiting-list") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return pagedJSON(try await teams.waitingList(try context.parameters.require("id"), page: try request.pageRequest(), r(p, request)), request: request)
        }
        api.get("teams/:id/meetings") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return pagedJSON(try await teams.meetings(try context.parameters.require("id"), page: try request.pageRequest(), r(p, request)), request: request)
        }
        api.post("teams/:id/meetings") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(MeetingInput.self)
            return json(try await teams.recordMeeting(try context.parameters.require("id"), heldOn: input.heldOn, attendees: input.attendees,
                                                      note: input.note, referralIDs: input.referralIds ?? [], r(p, request)), status: .created)
        }
        api.get("referrals/:id/meetings") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let rq = r(p, request)
            let found = try await casework.readCase(ReferralID(try context.parameters.require("id")), rq)
            // Bounded: the meetings that discussed one case.
            return try pagedList(try await teams.caseTeamwork(of: found, rq).meetings, request: request) { $0.id }
        }
    }

    private func r(_ p: Principal, _ request: Request) -> ServiceRequest { .init(p, route: request.routeDescription) }

    /// A team form: on success back to the team page; a refusal shows the page again with the reason.
    private func submit(_ request: Request, _ context: AppRequestContext,
                        _ body: (FormData, Principal, String) async throws -> Void) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor, .admin)
        let form = try await request.verifiedForm(context)
        let id = try context.parameters.require("id")
        do {
            try await body(form, p, id)
            return .redirect(to: "/teams/\(id)", type: .normal)
        } catch LinkwellError.invalid(let errors) {
            return try await teamPage(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
    }

    func listPage(_ request: Request, _ context: AppRequestContext, form: FormData? = nil, errors: [FieldError] = [],
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor, .admin)
        let shown = try await teams.teams(page: try request.pageNumber(), r(p, request))
        var page = TeamsPage(shown.rows, canManage: p.role != .linkWorker, form: form, context.messages)
        page.links = PageLinks(shown, list: "teams", request: request, context.messages)
        return try HTML(renderer.render(.teams, View(title: context.messages.text("titles.teams"), context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }

    func teamPage(_ request: Request, _ context: AppRequestContext, form: FormData? = nil, errors: [FieldError] = [],
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor, .admin)
        let rq = r(p, request)
        let view = try await teams.team(try context.parameters.require("id"), rq)
        let onTeam = p.role == .supervisor || view.members.contains(p.userID)
        let id = view.team.id.rawValue
        let waiting = onTeam ? try await teams.waitingList(id, page: try request.pageNumber(), rq) : CountedPage(rows: [], total: 0, page: PageNumber())
        // The meetings are numbered pages of their own (`meetingsPage`), beside the waiting list's (`page`).
        let meetingsPage = onTeam ? try await teams.meetings(id, page: try request.pageNumber("meetingsPage"), rq) : CountedPage(rows: [], total: 0, page: PageNumber())
        let meetings = meetingsPage.rows
        let openCases = onTeam ? try await teams.openCases(id, rq) : []
        var page = TeamPage(view, allLinkWorkers: try await casework.linkWorkers(), canManage: p.role != .linkWorker, onTeam: onTeam,
                            waiting: waiting, meetings: meetings, openCases: openCases,
                            names: try await casework.staffNames(namedIn: view.members, waiting.rows, meetings, openCases), today: CalendarDate(casework.env.now()), rulesText: form?["rules"],
                            context.messages)
        page.waitingLinks = PageLinks(page.waitingPage, list: "waiting", request: request, context.messages)
        page.meetingLinks = PageLinks(meetingsPage, list: "meetings", request: request, context.messages, parameter: "meetingsPage")
        return try HTML(renderer.render(.team, View(title: view.team.name, context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }
}
