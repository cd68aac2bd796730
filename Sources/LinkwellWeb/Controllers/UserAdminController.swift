import Foundation
import Hummingbird
import LinkwellCore

/// The administrator's user and token management, as pages and as `/api/v1` routes: deactivate (with
/// the caseload handed over), reactivate, change role, unlock, reset two-factor sign-in, list and revoke
/// tokens. Every change is audited by `Accounts`.
struct UserAdminController: Sendable {
    let accounts: Accounts
    let renderer: PageRenderer

    /// A user as the API shows them (never the password hash or two-factor secret).
    struct UserJSON: Codable, Sendable {
        var id: UserID
        var email: String
        var displayName: String
        var role: Role
        var organisationId: OrganisationID?
        var active: Bool
        var locked: Bool
        var twoFactor: Bool
        var openReferrals: Int
        init(_ row: Accounts.UserRow) {
            let u = row.user
            (id, email, displayName, role, organisationId, active) = (u.id, u.email, u.displayName, u.role, u.organisationID, u.active)
            (locked, twoFactor, openReferrals) = (row.locked, row.twoFactor, row.openReferrals)
        }
    }

    /// A token as lists show it (never the token itself).
    struct TokenJSON: Codable, Sendable {
        var id: String
        var ownerId: UserID
        var purpose: String
        var createdAt: Date
        var expiresAt: Date
        var lastUsedAt: Date?
        var revoked: Bool
        var revokedAt: Date?
        init(_ t: APIToken) {
            (id, ownerId, purpose, createdAt, expiresAt) = (t.id, t.userID, t.name, t.createdAt, t.expiresAt)
            (lastUsedAt, revoked, revokedAt) = (t.lastUsedAt, t.revoked, t.revokedAt)
        }
    }

    struct DeactivateInput: Codable, Sendable { var handover: String? }
    struct RoleInput: Codable, Sendable { var role: String?; var organisationId: String?; var handover: String? }

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/users/:id") { request, context -> Response in try await userPage(request, context) }
        action(router, "deactivate") { id, form, r in _ = try await accounts.deactivate(id, handover: .init(form["handover"]), r) }
        action(router, "reactivate") { id, _, r in _ = try await accounts.reactivate(id, r) }
        action(router, "role") { id, form, r in
            _ = try await accounts.changeRole(id, to: form["role"], organisationID: form["organisationId"], handover: .init(form["handover"]), r)
        }
        action(router, "unlock") { id, _, r in try await accounts.unlock(id, r) }
        action(router, "reset-two-factor") { id, _, r in try await accounts.resetTwoFactor(id, r) }
        router.get("/admin/tokens") { request, context -> Response in
            let p = try context.require(.admin)
            let now = accounts.env.now()
            let shown = try await accounts.tokens(page: try request.pageNumber(), .init(p, route: request.routeDescription))
            let rows = shown.rows.map {
                TokensPage.Row(token: TokensView.row($0.0, now: now, context.messages), owner: $0.1.map { "\($0.displayName) (\($0.email))" } ?? "")
            }
            let page = TokensPage(rows: rows, links: PageLinks(shown, list: "tokens", request: request, context.messages))
            return try HTML(renderer.render(.adminTokens, View(title: context.messages.text("titles.apiTokens"), context: context, page: page)))
                .response(from: request, context: context)
        }
        router.post("/admin/tokens/:id/revoke") { request, context -> Response in
            let p = try context.require(.admin)
            _ = try await request.verifiedForm(context)
            try await accounts.revokeToken(id: try context.parameters.require("id"), .init(p, route: request.routeDescription))
            return Response.redirect(to: "/admin/tokens", type: .normal)
        }

        let api = router.group("api/v1")
        api.get("users") { request, context -> Response in
            let p = try context.require(.admin)
            // Filtered (`q`: part of a name or e-mail; `role`) and read a page at a time by keyset in the store.
            let roleText = request.query("role")?.trimmingCharacters(in: .whitespaces) ?? ""
            guard roleText.isEmpty || Role(rawValue: roleText) != nil else {
                throw LinkwellError.invalid([FieldError("role", .roleUnknown, ["allowed": Role.allCases.map(\.rawValue).joined(separator: ", ")])])
            }
            let search = request.query("q")
            if (search?.count ?? 0) > 100 { throw LinkwellError.invalid([FieldError("q", .userSearchTooLong, ["max": "100"])]) }
            let page = try await accounts.users(matching: UserFilter(search: search, role: Role(rawValue: roleText)), keyset: try request.pageRequest(),
                                                .init(p, route: request.routeDescription))
            return pagedJSON(page.map(UserJSON.init), request: request)
        }
        api.get("users/:id") { request, context -> Response in
            let p = try context.require(.admin)
            return json(UserJSON(try await accounts.user(try context.parameters.require("id"), .init(p, route: request.routeDescription))))
        }
        apiAction(api, "deactivate", DeactivateInput.self) { id, input, r in _ = try await accounts.deactivate(id, handover: .init(input.handover), r) }
        apiAction(api, "reactivate", DeactivateInput.self) { id, _, r in _ = try await accounts.reactivate(id, r) }
        apiAction(api, "role", RoleInput.self) { id, input, r in
            _ = try await accounts.changeRole(id, to: input.role, organisationID: input.organisationId, handover: .init(input.handover), r)
        }
        apiAction(api, "unlock", DeactivateInput.self) { id, _, r in try await accounts.unlock(id, r) }
        api.get("tokens") { request, context -> Response in
            let p = try context.requirePrincipal()
            let r = CaseworkService.Request(p, route: request.routeDescription)
            // Everyone's tokens (an administrator) grow with the scheme: a keyset page in the store. One's own tokens
            // are bounded by what one person makes, so they are read whole and paged here.
            if p.role == .admin { return pagedJSON(try await accounts.tokens(keyset: try request.pageRequest(), r).map(TokenJSON.init), request: request) }
            return try pagedList(try await accounts.ownTokens(r).map(TokenJSON.init), request: request) { $0.id }
        }
        api.delete("tokens/:id") { request, context -> Response in
            let p = try context.requirePrincipal()
            try await accounts.revokeToken(id: try context.parameters.require("id"), .init(p, route: request.routeDescription))
            return Response(status: .noContent)
        }
    }

    /// A form button on the user's page: runs the change, then shows the page again (with the error, if any).
    func action(_ router: Router<AppRequestContext>, _ name: String,
                _ body: @escaping @Sendable (String, FormData, CaseworkService.Request) async throws -> Void) {
        router.post("/admin/users/:id/\(name)") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            let id = try context.parameters.require("id")
            do {
                try await body(id, form, .init(p, route: request.routeDescription))
                return Response.redirect(to: "/admin/users/\(id)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await userPage(request, context, errors: errors, status: .unprocessableContent)
            } catch LinkwellError.conflict(let why) {
                return try await userPage(request, context, errors: [FieldError.conflict(name, why)], status: .conflict)
            }
        }
    }

    /// `POST /api/v1/users/{id}/{name}`: runs the change and answers with the user as they are now.
    func apiAction<Input: Decodable & Sendable>(_ api: RouterGroup<AppRequestContext>, _ name: String, _ type: Input.Type,
                                                 _ body: @escaping @Sendable (String, Input, CaseworkService.Request) async throws -> Void) {
        api.post("users/:id/\(name)") { request, context -> Response in
            let p = try context.require(.admin)
            let input = try await request.json(Input.self)
            let id = try context.parameters.require("id")
            let r = CaseworkService.Request(p, route: request.routeDescription)
            try await body(id, input, r)
            return json(UserJSON(try await accounts.user(id, r)))
        }
    }

    func userPage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.admin)
        let r = CaseworkService.Request(p, route: request.routeDescription)
        let row = try await accounts.user(try context.parameters.require("id"), r)
        let u = row.user
        let organisations = try await accounts.organisations()
        let linkWorkers = try await accounts.activeLinkWorkers(r).filter { $0.id != u.id }
        let page = UserPage(
            id: u.id.rawValue, name: u.displayName, email: u.email, role: context.messages.label(u.role),
            organisation: u.organisationID.flatMap { id in organisations.first { $0.id == id }?.name } ?? "",
            created: context.messages.date(u.createdAt), active: u.active, locked: row.locked, twoFactor: row.twoFactor,
            hasOrganisation: u.organisationID != nil,
            openReferrals: row.openReferrals, hasOpenReferrals: row.openReferrals > 0,
            roles: Role.allCases.filter { $0 != .person }.map { Choice($0.rawValue, context.messages.label($0), selected: $0 == u.role) },
            linkWorkers: linkWorkers.map { Choice($0.id.rawValue, $0.displayName) },
            isLinkWorker: u.role == .linkWorker)
        return try HTML(renderer.render(.adminUser, View(title: u.displayName, context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }
}
