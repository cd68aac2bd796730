import Foundation
import Hummingbird
import LinkwellCore

/// Pages for a community service's staff: the referrals sent to their services, accept or decline,
/// and attendance.
struct ProviderPagesController: Sendable {
    let casework: CaseworkService
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        router.get("/provider") { request, context in
            let principal = try context.require(.provider)
            // Numbered pages, newest first, filtered by status in the store.
            let statusText = request.query("status") ?? ""
            guard statusText.isEmpty || OnwardStatus(rawValue: statusText) != nil else {
                throw LinkwellError.invalid([FieldError("status", .chooseStatus)])
            }
            let inbox = try await casework.providerInbox(.init(principal, route: request.routeDescription),
                                                         matching: InboxFilter(status: OnwardStatus(rawValue: statusText)), page: try request.pageNumber())
            var page = InboxPage(rows: inbox.rows.map {
                InboxPage.Row(id: $0.id.rawValue, personName: $0.personName, service: $0.serviceName, status: $0.status.rawValue,
                              statusLabel: context.messages.label($0.status), createdAt: context.messages.date($0.createdAt), isNew: $0.status == .requested)
            }, isEmpty: inbox.rows.isEmpty, links: PageLinks(inbox, list: "referrals", request: request, context.messages),
                                 statusFilter: [Choice("", context.messages.text("staffLists.anyStatus"), selected: statusText.isEmpty)]
                                    + OnwardStatus.allCases.map { Choice($0.rawValue, context.messages.label($0), selected: $0.rawValue == statusText) },
                                 isFiltered: !statusText.isEmpty)
            let r = CaseworkService.Request(principal, route: request.routeDescription)
            // The newest of the group's notices (read by keyset in the store; `GET /api/v1/group-notices` pages them all),
            // and the "link worker changed" messages sent to this member of staff.
            let changes = try await casework.messages(r).filter { $0.kind == .reassigned }
            let notices = Array((try await casework.groupNotices(r, page: PageRequest()).rows + changes)
                .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }.prefix(PageRequest.defaultLimit))
            page.setGroupVoice(notices: notices, overdue: try await casework.overdueRequests(r), context.messages)
            return HTML(renderer.render(.providerInbox, View(title: context.messages.text("titles.referralsToUs"), context: context, page: page)))
        }
        router.get("/provider/referrals/:id") { request, context in try await page(request, context) }
        action(router, "status") { c, id, f, p, env in try c.updateOnward(id, to: f["status"], note: f["note"], by: p, env: env) }
        action(router, "accept") { c, id, _, p, env in try c.respondToOnward(id, accept: true, reason: nil, note: nil, by: p, env: env) }
        action(router, "reject") { c, id, f, p, env in try c.respondToOnward(id, accept: false, reason: f["reason"], note: f["note"], by: p, env: env) }
        action(router, "attendance") { c, id, f, p, env in
            // The three-field date input (`sessionDate-day`, `-month`, `-year`); scripts may post `sessionDate` as YYYY-MM-DD.
            try c.reportAttendance(id, sessionDate: f.date("sessionDate"), attended: f["attended"] == "yes", by: p, env: env)
        }
    }

    private func action(_ router: Router<AppRequestContext>, _ name: String,
                        _ body: @escaping @Sendable (Case, OnwardReferralID, FormData, Principal, CoreEnvironment) throws -> CaseChange) {
        router.post("/provider/referrals/:id/\(name)") { request, context -> Response in
            let principal = try context.require(.provider)
            let form = try await request.verifiedForm(context)
            let id = OnwardReferralID(try context.parameters.require("id"))
            do {
                _ = try await casework.providerAct(id, .init(principal, route: request.routeDescription)) { [env = casework.env] c in
                    try body(c, id, form, principal, env)
                }
                return .redirect(to: "/provider/referrals/\(id)", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                return try await page(request, context, errors: fields, form: form, status: .unprocessableContent)
            } catch LinkwellError.conflict(let why) {
                return try await page(request, context, errors: [FieldError.conflict("action", why)], status: .conflict)
            }
        }
    }

    /// `form`: what was posted, when the page is shown again with its errors (the date typed stays).
    func page(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [], form: FormData? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let principal = try context.require(.provider)
        let id = OnwardReferralID(try context.parameters.require("id"))
        let view = try await casework.providerView(id, .init(principal, route: "GET /provider/referrals/\(id)"))
        var page = ReferralPage(view, today: CalendarDate(casework.env.now()), context.messages)
        if let form, errors.contains(where: { $0.field == "sessionDate" }) { page.setSessionDate(form.dateInput("sessionDate"), context.messages) }
        page.setThread(try await casework.providerThread(id, .init(principal, route: "GET /provider/referrals/\(id)/messages")), view: view,
                       now: casework.env.now(), context.messages)
        return try HTML(renderer.render(.providerReferral, View(title: page.personName, context: context, page: page, errors: errors,
                                                                   notice: errors.isEmpty && request.uri.queryParameters["concern"] != nil
                                                                       ? context.messages.text("notice.concernToSupervisors") : nil)), status: status)
            .response(from: request, context: context)
    }
}
