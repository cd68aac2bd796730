import Foundation
import Hummingbird
import LinkwellCore

/// The administrator's pages: users and the audit trail. Administrators do not see people's records.
struct AdminPagesController: Sendable {
    let accounts: Accounts
    let administration: AdministrationService
    let casework: CaseworkService
    let renderer: PageRenderer
    let mail: MailSetting

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/users") { request, context in try await usersPage(request, context) }
        router.post("/admin/users") { request, context -> Response in
            _ = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            do {
                try await accounts.createUser(email: form["email"] ?? "", displayName: form["displayName"] ?? "",
                                              role: form["role"] ?? "", organisationID: form["organisationId"],
                                              password: form["password"] ?? "")
                return .redirect(to: "/admin/users", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                return try await usersPage(request, context, form: form, errors: fields)
            }
        }
        router.get("/admin/settings") { request, context in try await settingsPage(request, context) }
        router.post("/admin/settings") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            var errors: [FieldError] = []
            func age(_ name: String) -> Int? {
                guard let raw = form[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
                guard let value = Int(raw) else { errors.append(FieldError(name, .ageNotWholeNumber)); return nil }
                return value
            }
            func days(_ name: String) -> Int? {
                guard let raw = form[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
                guard let value = Int(raw) else { errors.append(FieldError(name, .daysNotWholeNumber)); return nil }
                return value
            }
            var retention: Int?
            if let raw = form["retentionMonths"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
                retention = Int(raw)
                if retention == nil { errors.append(FieldError("retentionMonths", .retentionNotWholeNumber)) }
            }
            let settings = SchemeSettings(
                pathways: (form["pathways"] ?? "").split(whereSeparator: \.isNewline).map(String.init),
                minimumAge: age("minimumAge"), maximumAge: age("maximumAge"),
                catchmentAreas: (form["catchmentAreas"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init),
                twoFactorRoles: Role.allCases.filter { form["twoFactor.\($0.rawValue)"] == "on" },
                retentionMonths: retention,
                minimumGroupSize: age("minimumGroupSize") ?? DisclosureControl.minimumGroupSizeFloor,
                reopenWindowDays: days("reopenWindowDays") ?? SchemeSettings.defaultReopenWindowDays)
            do {
                if !errors.isEmpty { throw LinkwellError.invalid(errors) }
                _ = try await casework.saveSettings(settings, .init(p, route: request.routeDescription))
                return .redirect(to: "/admin/settings", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                return try await settingsPage(request, context, form: form, errors: fields)
            }
        }
        router.get("/admin/outbox") { request, context in try await outboxPage(request, context) }
        router.get("/admin/audit") { request, context in try await auditPage(request, context) }
    }

    /// The outbox, newest first, a numbered page at a time, optionally only one state's e-mails.
    func outboxPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.require(.admin)
        let stateText = request.query("state") ?? ""
        guard stateText.isEmpty || OutboxState(rawValue: stateText) != nil else {
            throw LinkwellError.invalid([FieldError("state", .outboxStateUnknown)])
        }
        let (emails, names, counts) = try await administration.outbox(state: OutboxState(rawValue: stateText), page: try request.pageNumber(),
                                                                      .init(p, route: request.routeDescription))
        var page = OutboxPage(
            rows: emails.rows.map {
                OutboxPage.Row(created: context.messages.dateTime($0.createdAt), kind: context.messages.label($0.kind),
                               recipient: $0.recipientOrganisationID != nil ? context.messages.text("adminOutbox.registeredPractice") : names[$0.recipientID],
                               state: context.messages.text("adminOutbox.state.\($0.state.rawValue)"), attempts: "\($0.attempts)",
                               sent: $0.sentAt.map(context.messages.dateTime) ?? "",
                               error: $0.lastError ?? "", failed: $0.state == .failed)
            },
            transport: mail.label,
            off: mail == .off,
            queued: counts[.queued] ?? 0, sent: counts[.sent] ?? 0, failed: counts[.failed] ?? 0)
        page.states = [Choice("", context.messages.text("adminOutbox.allStates"), selected: stateText.isEmpty)]
            + OutboxState.allCases.map { Choice($0.rawValue, context.messages.text("adminOutbox.stateChoice.\($0.rawValue)"), selected: $0.rawValue == stateText) }
        page.links = PageLinks(emails, list: "emails", request: request, context.messages)
        return try HTML(renderer.render(.adminOutbox, View(title: context.messages.text("titles.eMailOutbox"), context: context, page: page))).response(from: request, context: context)
    }

    /// The audit trail, newest first, a numbered page at a time, filtered by record, user, action and dates:
    /// what an information governance lead needs to answer "who looked at this person's record?".
    func auditPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.require(.admin)
        let form = FormData(request.uri.query ?? "")
        let recordID = (form["record"] ?? "").trimmingCharacters(in: .whitespaces)
        let user = (form["user"] ?? "").trimmingCharacters(in: .whitespaces)
        let action = (form["action"] ?? "").trimmingCharacters(in: .whitespaces)
        let fromInput = form.dateInput("from"), toInput = form.dateInput("to")
        var errors: [FieldError] = []
        func day(_ input: DateInput, _ name: String, _ label: FieldLabel) -> CalendarDate? {
            if input.isEmpty { return nil }
            do throws(DateInputError) { return try input.parsed() } catch {
                errors.append(error.fieldError(name, label: label))
                return nil
            }
        }
        let from = day(fromInput, "from", .from), to = day(toInput, "to", .to)
        if let from, let to, to < from { errors.append(FieldError("to", .toBeforeFrom)) }
        var page = AuditPage(rows: [], recordID: recordID, user: user, action: action,
                             fromField: DateField(name: "from", legend: context.messages.text("adminAudit.from"), hint: context.messages.text("adminAudit.fromHint"),
                                                  input: fromInput, submitted: !fromInput.isEmpty, messages: context.messages),
                             toField: DateField(name: "to", legend: context.messages.text("adminAudit.to"), hint: context.messages.text("adminAudit.toHint"),
                                                input: toInput, submitted: !toInput.isEmpty, messages: context.messages))
        if errors.isEmpty {
            do {
                let filter = AuditFilter(action: action, recordID: recordID, from: from?.startOfDay,
                                         until: to.map { $0.startOfDay.addingTimeInterval(24 * 60 * 60) })
                let (events, names) = try await administration.auditEvents(matching: filter, actorEmail: user, page: try request.pageNumber(),
                                                                           .init(p, route: request.routeDescription))
                page.rows = events.rows.map { event in
                    AuditPage.Row(id: event.id, at: context.messages.dateTime(event.at), actor: names[event.actorID], action: event.action, recordType: event.recordType,
                                  recordID: event.recordID, route: event.route, outcome: event.outcome.rawValue, denied: event.outcome == .denied,
                                  subjectID: event.subjectID.map(\.rawValue).flatMap { $0 == event.recordID ? nil : $0 })
                }
                page.links = PageLinks(events, list: "events", request: request, context.messages)
            } catch LinkwellError.invalid(let fields) {
                errors = fields
            }
        }
        return try HTML(renderer.render(.adminAudit, View(title: context.messages.text("titles.auditTrail"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func settingsPage(_ request: Request, _ context: AppRequestContext, form: FormData? = nil, errors: [FieldError] = []) async throws -> Response {
        _ = try context.require(.admin)
        let current = try await casework.schemeSettings()
        let page = SettingsPage(pathways: form?["pathways"] ?? current.pathways.joined(separator: "\n"),
                                minimumAge: form?["minimumAge"] ?? current.minimumAge.map(String.init) ?? "",
                                maximumAge: form?["maximumAge"] ?? current.maximumAge.map(String.init) ?? "",
                                catchmentAreas: form?["catchmentAreas"] ?? current.catchmentAreas.joined(separator: " "),
                                retentionMonths: form?["retentionMonths"] ?? current.retentionMonths.map(String.init) ?? "",
                                minimumGroupSize: form?["minimumGroupSize"] ?? String(current.minimumGroupSize),
                                reopenWindowDays: form?["reopenWindowDays"] ?? String(current.reopenWindowDays),
                                floor: String(DisclosureControl.minimumGroupSizeFloor),
                                twoFactorRoles: Role.allCases.filter { $0 != .person }.map { role in
                                    Choice(role.rawValue, context.messages.label(role), selected: form.map { $0["twoFactor.\(role.rawValue)"] == "on" } ?? current.twoFactorRoles.contains(role))
                                })
        return try HTML(renderer.render(.adminSettings, View(title: context.messages.text("titles.schemeSettings"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    func usersPage(_ request: Request, _ context: AppRequestContext, form: FormData? = nil, errors: [FieldError] = []) async throws -> Response {
        let p = try context.require(.admin)
        let (_, organisations) = try await administration.accounts(.init(p, route: request.routeDescription))
        let orgName = Dictionary(organisations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let search = request.query("search") ?? ""
        let roleText = request.query("role") ?? ""
        guard roleText.isEmpty || Role(rawValue: roleText) != nil else { throw LinkwellError.invalid([FieldError("role", .chooseRole)]) }
        let shown = try await accounts.users(matching: UserFilter(search: search, role: Role(rawValue: roleText)), page: try request.pageNumber(),
                                             .init(p, route: request.routeDescription))
        let t = context.messages
        var page = UsersPage(
            rows: shown.rows.map {
                let u = $0.user
                let state = [t.text(u.active ? "adminUsers.stateActive" : "adminUsers.stateDeactivated"), $0.locked ? t.text("adminUsers.stateLocked") : nil,
                             $0.twoFactor ? t.text("adminUsers.stateTwoFactor") : nil]
                return UsersPage.Row(id: u.id.rawValue, name: u.displayName, email: u.email, role: t.label(u.role),
                                     organisation: u.organisationID.flatMap { orgName[$0] } ?? "", state: state.compactMap { $0 }.joined(separator: ", "))
            },
            roles: Role.allCases.map { Choice($0.rawValue, t.label($0), selected: form?["role"] == $0.rawValue) },
            organisations: organisations.map { Choice($0.id.rawValue, $0.name, selected: form?["organisationId"] == $0.id.rawValue) },
            email: form?["email"] ?? "", displayName: form?["displayName"] ?? "")
        page.search = search
        page.roleFilter = [Choice("", t.text("adminUsers.anyRole"), selected: roleText.isEmpty)]
            + Role.allCases.map { Choice($0.rawValue, t.label($0), selected: $0.rawValue == roleText) }
        page.links = PageLinks(shown, list: "users", request: request, context.messages)
        return try HTML(renderer.render(.adminUsers, View(title: context.messages.text("titles.users"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }
}
