import Foundation
import Hummingbird
import LinkwellCore

/// The administrator's complaints log and staff training and DBS records, in the browser and the JSON
/// API with the same rules (`StaffRecordsService`).
struct StaffRecordsController: Sendable {
    let records: StaffRecordsService
    let casework: CaseworkService
    let renderer: PageRenderer

    struct CloseInput: Codable, Sendable { var outcome: String?; var closedOn: String? }

    struct ComplaintsPage: Sendable {
        struct Row: Sendable { var id, received, about, outcome, closed: String; var open: Bool }
        var rows: [Row]
        var isEmpty: Bool
        var today: String
        /// Which complaints are shown (`status`: all, open or closed) and the list's pages.
        var statuses: [Choice] = []
        var links: PageLinks?
    }

    struct StaffChecksPage: Sendable {
        struct Row: Sendable { var person, kind, title, completed, expires, warning: String; var flagged: Bool }
        var rows: [Row]
        var isEmpty: Bool
        var staff: [Choice]
        var kinds: [Choice]
        var today: String
        /// Which records are shown (`expiry`: all, expired or expiring) and the list's pages.
        var expiries: [Choice] = []
        var links: PageLinks?
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/complaints") { request, context in try await complaintsPage(request, context) }
        router.post("/admin/complaints") { request, context -> Response in
            try await form(request, context, page: complaintsPage) { f, r in
                _ = try await records.logComplaint(ComplaintInput(receivedOn: f["receivedOn"], about: f["about"], outcome: f["outcome"],
                                                                  closedOn: f["closedOn"]), r)
                return "/admin/complaints"
            }
        }
        router.post("/admin/complaints/:id/close") { request, context -> Response in
            let id = try context.parameters.require("id")
            return try await form(request, context, page: complaintsPage) { f, r in
                // Each open complaint's form names its fields after it, so errors sit beside the right one.
                _ = try await records.closeComplaint(id, outcome: f["outcome-\(id)"], closedOn: f["closedOn-\(id)"], r)
                return "/admin/complaints"
            } rename: { "\($0)-\(id)" }
        }
        router.get("/admin/staff-checks") { request, context in try await staffPage(request, context) }
        router.post("/admin/staff-checks") { request, context -> Response in
            try await form(request, context, page: staffPage) { f, r in
                _ = try await records.recordStaffCheck(StaffCheckInput(userId: f["userId"], kind: f["kind"], title: f["title"],
                                                                       completedOn: f["completedOn"], expiresOn: f["expiresOn"]), r)
                return "/admin/staff-checks"
            }
        }

        let api = router.group("api/v1")
        api.get("complaints") { request, context in
            let p = try context.require(.admin)
            return pagedJSON(try await records.complaints(keyset: try request.pageRequest(), .init(p, route: request.routeDescription)), request: request)
        }
        api.post("complaints") { request, context in
            let p = try context.require(.admin)
            return json(try await records.logComplaint(try await request.json(ComplaintInput.self), .init(p, route: request.routeDescription)),
                        status: .created)
        }
        api.post("complaints/:id/close") { request, context in
            let p = try context.require(.admin)
            let input = try await request.json(CloseInput.self)
            return json(try await records.closeComplaint(try context.parameters.require("id"), outcome: input.outcome, closedOn: input.closedOn,
                                                         .init(p, route: request.routeDescription)))
        }
        api.get("staff-checks") { request, context in
            let p = try context.require(.admin)
            return pagedJSON(try await records.staffChecks(keyset: try request.pageRequest(), .init(p, route: request.routeDescription)), request: request)
        }
        api.post("staff-checks") { request, context in
            let p = try context.require(.admin)
            return json(try await records.recordStaffCheck(try await request.json(StaffCheckInput.self), .init(p, route: request.routeDescription)),
                        status: .created)
        }
    }

    /// A form post: on success back to the page; on a refusal the page again with the errors, nothing stored.
    private func form(_ request: Request, _ context: AppRequestContext,
                      page: (Request, AppRequestContext, [FieldError], HTTPResponse.Status) async throws -> Response,
                      _ body: (FormData, ServiceRequest) async throws -> String,
                      rename: (String) -> String = { $0 }) async throws -> Response {
        let p = try context.require(.admin)
        let f = try await request.verifiedForm(context)
        do {
            return .redirect(to: try await body(f, .init(p, route: request.routeDescription)), type: .normal)
        } catch LinkwellError.invalid(let fields) {
            return try await page(request, context, fields.map { $0.at(rename($0.field)) }, .unprocessableContent)
        } catch LinkwellError.conflict(let why) {
            return try await page(request, context, [FieldError.conflict("action", why)], .conflict)
        }
    }

    func complaintsPage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [],
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.admin)
        let shownStatus = request.query("status") ?? ""
        guard ["", "open", "closed"].contains(shownStatus) else { throw LinkwellError.invalid([FieldError("status", .complaintStatusUnknown)]) }
        let shown = try await records.complaints(open: shownStatus.isEmpty ? nil : shownStatus == "open", page: try request.pageNumber(),
                                                 .init(p, route: request.routeDescription))
        let list = shown.rows
        var page = ComplaintsPage(rows: list.map {
            ComplaintsPage.Row(id: $0.id, received: context.messages.date($0.receivedOn), about: $0.about, outcome: $0.outcome,
                               closed: $0.closedOn.map { context.messages.date($0) } ?? context.messages.text("adminComplaints.stillOpen"), open: $0.isOpen)
        }, isEmpty: list.isEmpty, today: "\(CalendarDate(records.env.now()))")
        page.statuses = ["", "open", "closed"].map { Choice($0, context.messages.text("adminComplaints.status.\($0.isEmpty ? "all" : $0)"), selected: shownStatus == $0) }
        page.links = PageLinks(shown, list: "complaints", request: request, context.messages)
        return try HTML(renderer.render(.adminComplaints, View(title: context.messages.text("titles.complaints"), context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }

    func staffPage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.admin)
        let expiryText = request.query("expiry") ?? ""
        guard expiryText.isEmpty || StaffCheckFilter.Expiry(rawValue: expiryText) != nil else {
            throw LinkwellError.invalid([FieldError("expiry", .expiryFilterUnknown)])
        }
        let shown = try await records.staffChecks(matching: records.staffCheckFilter(StaffCheckFilter.Expiry(rawValue: expiryText)),
                                                  page: try request.pageNumber(), .init(p, route: request.routeDescription))
        let list = shown.rows
        let names = try await casework.staffNames(namedIn: list)
        let now = records.env.now()
        let today = CalendarDate(now), soon = CalendarDate(now.addingTimeInterval(TimeInterval(GovernanceRules.reminderDays) * 86_400))
        let users = try await records.staffUsers(.init(p, route: request.routeDescription))
        var page = StaffChecksPage(rows: list.map {
            let warning = $0.expiry(on: today, soon: soon)
            let t = context.messages
            let shownWarning = $0.expiresOn.map { $0 < today ? t.text("adminStaffChecks.expired") : $0 <= soon
                ? t.text("adminStaffChecks.expiresSoon", ["days": String(GovernanceRules.reminderDays)]) : "" } ?? ""
            return StaffChecksPage.Row(person: names[$0.userID], kind: t.label($0.kind), title: $0.title, completed: t.date($0.completedOn),
                                       expires: $0.expiresOn.map { t.date($0) } ?? "—", warning: warning.isEmpty ? "" : shownWarning, flagged: !warning.isEmpty)
        }, isEmpty: list.isEmpty, staff: users.map {
            Choice($0.id.rawValue, context.messages.text("adminStaffChecks.person", ["name": $0.displayName, "role": context.messages.label($0.role)]))
        }, kinds: StaffCheckKind.allCases.map { Choice($0.rawValue, context.messages.label($0)) }, today: "\(today)")
        page.expiries = ["", "expired", "expiring"].map {
            Choice($0, context.messages.text("adminStaffChecks.expiry.\($0.isEmpty ? "all" : $0)", ["days": String(GovernanceRules.reminderDays)]), selected: expiryText == $0)
        }
        page.links = PageLinks(shown, list: "records", request: request, context.messages)
        return try HTML(renderer.render(.adminStaffChecks, View(title: context.messages.text("titles.staffTrainingAndDbs"), context: context, page: page, errors: errors)),
                        status: status).response(from: request, context: context)
    }
}
