import Foundation
import Hummingbird
import LinkwellCore

/// Browser pages for referrers, link workers and supervisors: making referrals and working cases.
struct CasePagesController: Sendable {
    let casework: CaseworkService
    let outcomes: OutcomeService
    let teams: TeamService
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        router.get("/referrals/new") { _, context in
            let principal = try context.require(.referrer, .linkWorker, .supervisor)
            var form = ReferralForm(nil, context.messages)
            form.offer(try await casework.schemeSettings())
            form.offer(ownPractice: try await casework.ownPractice(principal.organisationID))
            return HTML(renderer.render(.referralNew, View(title: context.messages.text("titles.makeAReferral"), context: context, page: form)))
        }
        router.post("/referrals") { request, context -> Response in
            let principal = try context.require(.referrer, .linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            do {
                let created = try await casework.submitReferral(ReferralSubmission(form: form), by: principal)
                return .redirect(to: "/referrals/\(created.referral.id)?made=1", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                var page = ReferralForm(form, context.messages)
                page.offer(try await casework.schemeSettings())
                page.offer(ownPractice: nil, matches: try await casework.practiceMatches(for: form, errors: errors))
                let view = View(title: context.messages.text("titles.makeAReferral"), context: context, page: page, errors: errors)
                return try HTML(renderer.render(.referralNew, view), status: .unprocessableContent).response(from: request, context: context)
            }
        }
        router.get("/referrals") { request, context in
            let principal = try context.require(.referrer, .linkWorker, .supervisor)
            let r = CaseworkService.Request(principal, route: request.routeDescription)
            // Each group is paged on its own: `list` shows one group, or one of the lists beside them, alone.
            let sideLists: Set<String> = ["messages", "measures", "reviews"]
            let only = try request.query("list").map { text in
                guard sideLists.contains(text) || CaseworkService.CaseList(rawValue: text).map({ $0 != .all }) == true else {
                    throw LinkwellError.invalid([FieldError("list", .caseListUnknown)])
                }
                return text
            }
            let search = request.query("q")
            // The day's work first: urgent referrals waiting, then the waiting list longest-waiting first (a
            // referrer's list has no urgent group: they are not working the queue).
            let parts: [CaseworkService.CaseList] = principal.role == .referrer ? [.waiting, .active, .closed] : [.urgent, .waiting, .active, .closed]
            // A referrer's home is their patients, each once (`ReferrerHomePage`); the groups stay a link away.
            let referrerHome = principal.role == .referrer && only == nil
            // Numbered pages counted and cut in SQL: the whole caseload shows each group's first page, a group alone
            // (`?list=closed&page=3`) any of its pages.
            let lists: [(CaseworkService.CaseList, PageNumber)] = only.map(sideLists.contains) == true || referrerHome ? [] : try parts
                .filter { only == nil || $0.rawValue == only }
                .map { ($0, only == nil ? PageNumber(1, size: CaseloadPage.homeGroupSize) : try request.pageNumber(size: CaseloadPage.groupSize)) }
            let team = request.query("team")
            // Beside the whole caseload, its own access-log entry covers the panels that list the caller's work.
            let besideCaseload = !lists.isEmpty
            // The panels beside the lists are read at once, beside the lists, so that a supervisor's page waits for its
            // slowest read, not for the sum of them. Beside the whole caseload, a link worker's and a supervisor's teams,
            // measures due, plan reviews and overdue requests out are one read (`caseloadPanels`: one statement where they
            // were four); a list alone reads only its own.
            let role = principal.role
            let panelled = only == nil && role != .referrer
            // Every page number is read first: a bad one is refused (422) before anything is read.
            let duePage = only == "measures" ? try request.pageNumber(size: PageNumber.webSize) : nil
            let reviewsPage = only == "reviews" ? try request.pageNumber(size: PageNumber.webSize) : nil
            let messagesPage = role == .referrer && only == "messages" ? try request.pageNumber(size: CaseloadPage.messagesSize) : nil
            let peoplePage = referrerHome ? try request.pageNumber(size: CaseloadPage.peopleSize) : nil
            async let panelsRead = panelled ? try await casework.caseloadPanels(r, team: team, reviewsShown: CaseloadPage.reviewsShown) : nil
            async let teamsRead = panelled ? [] : try await casework.caseloadTeams(r)
            async let concernsRead: [CaseworkService.ConcernItem]? = only == nil && (role == .referrer || role == .supervisor)
                ? try await casework.narrow(try await casework.concernQueue(r), toTeam: team, referralID: \.concern.referralID, r) : nil
            // Narrowed to the team in the store, before counting and paging: the table alone (`?list=measures`) is a
            // numbered page of them, `?list=reviews` a numbered page of the reviews.
            async let dueRead: OutcomeService.DueList? = only == "measures" && role != .referrer
                ? try await outcomes.dueList(r, page: duePage, team: try await casework.caseloadTeam(team, principal), besideCaseload: besideCaseload) : nil
            async let reviewsRead: CaseworkService.DueReviews? = only == "reviews" && role != .referrer
                ? try await casework.dueReviews(r, page: reviewsPage ?? PageNumber(1, size: CaseloadPage.reviewsShown), team: team,
                                                besideCaseload: besideCaseload) : nil
            async let caseloadsRead: [CaseworkService.Caseload]? = only == nil && role == .supervisor
                ? try await casework.narrow(try await casework.caseloads(r), toTeam: team, r) : nil
            async let visitsRead: [CaseworkService.OverdueVisit]? = only == nil && role == .supervisor
                ? try await casework.narrow(try await casework.overdueVisits(r), toTeam: team, referralID: \.visit.referralID, r) : nil
            let groups = lists.isEmpty ? [] : try await casework.caseloadPages(r, lists: lists, search: search, team: team)
            // The referrer's messages and people are numbered pages counted in the store, like every other list.
            var messages = CountedPage<MessageBack>(rows: [], total: 0, page: PageNumber(1))
            if let messagesPage { messages = try await casework.messages(r, page: messagesPage) }
            var page = CaseloadPage(role: principal.role, groups: groups, messages: messages.rows,
                                    now: casework.env.now(), context.messages, request: request, link: { request.link($0) })
            if principal.role == .referrer && only == "messages" {
                page.name(messages: try await casework.messageSubjects(r, of: messages.rows))
                // Marked as they were before this visit; seeing them here reads them.
                page.markUnread(try await casework.readMessages(messages.rows, r))
                page.showMessages = true
                page.messageLinks = PageLinks(messages, list: "messagesBack", request: request, context.messages)
                try await casework.markRead(messages.rows, r)
            }
            if let peoplePage {
                page.setReferrerHome(try await casework.referrerHome(r, page: peoplePage, search: search), now: casework.env.now(),
                                     links: { PageLinks($0, list: "people", request: request, context.messages) })
            }
            page.search = search ?? ""
            let panels = try await panelsRead, teams = try await teamsRead
            page.setTeams(panels?.teams ?? teams, chosen: team)
            page.single = only != nil
            // `team` narrows every panel as it narrows the lists.
            if let concerns = try await concernsRead { page.setConcerns(concerns) }
            if let due = try await dueRead ?? panels?.due {
                page.setDue(due, links: duePage != nil ? PageLinks(due.page, list: "dueMeasures", request: request, context.messages) : nil)
                page.showDueTable = duePage != nil
            }
            if let reviews = try await reviewsRead ?? panels?.reviews {
                page.setReviews(reviews, links: reviewsPage != nil ? PageLinks(reviews.page, list: "planReviews", request: request, context.messages) : nil,
                                allHref: request.link(["list": "reviews", "page": nil, "q": nil]))
            }
            if let requests = panels?.requests {
                page.setOverdueRequests(try await casework.narrow(requests, toTeam: team, referralID: \.referralID, r))
            }
            if let caseloads = try await caseloadsRead { page.setCaseloads(caseloads) }
            if let visits = try await visitsRead { page.setOverdueVisits(visits) }
            return HTML(renderer.render(.caseload, View(title: page.heading, context: context, page: page)))
        }
        router.get("/referrals/:id") { request, context in
            let done = request.uri.queryParameters["done"].flatMap { CaseConfirmation.all[String($0)] }
            return try await casePage(request, context, notice: request.uri.queryParameters["made"] != nil ? context.messages.text("notice.referralMade") : nil,
                                      done: done)
        }

        // Casework actions: each reads a CSRF-checked form, acts, and returns to the case page.
        action(router, "accept") { c, _, p, env in try c.accept(by: p, env: env) }
        action(router, "decline") { c, f, p, env in try c.decline(reason: f["reason"], by: p, env: env) }
        action(router, "contacts") { [rules = casework.rules] c, f, p, env in
            try c.recordContact(ContactInput(at: f["at"], mode: f["mode"], durationMinutes: f.int("durationMinutes"),
                                             successful: (f["outcome"] ?? "").isEmpty ? f["successful"] != "no" : nil, notes: f["notes"], location: f["location"],
                                             outcome: f["outcome"]), by: p, env: env, rules: rules)
        }
        action(router, "plan") { c, f, p, env in
            // The page's one action row has a three-field due date; scripts may post `actions.due` as YYYY-MM-DD.
            let dues = f.all("actions.due").isEmpty ? [f.date("actions.due")] : f.all("actions.due")
            let actions = zip(zip(f.all("actions.description"), f.all("actions.owner")), dues).map {
                PlanInput.ActionInput(description: $0.0, owner: $0.1, due: $1)
            }
            return try c.agreePlan(PlanInput(whatMatters: f["whatMatters"], goals: f.all("goals"), actions: actions,
                                             reviewDate: f.date("reviewDate"), strengths: f["strengths"], agreedWithName: f["agreedWithName"],
                                             agreedWithRole: f["agreedWithRole"], reviewResponsibility: f["reviewResponsibility"]), by: p, env: env)
        }
        action(router, "action-done") { c, f, p, env in try c.completeAction(f["actionId"] ?? "", by: p, env: env) }
        action(router, "goal-rating") { c, f, p, env in try c.rateGoal(GoalID(f["goalId"] ?? ""), rating: f.int("rating"), by: p, env: env) }
        action(router, "onward-status") { c, f, p, env in
            try c.updateOnward(OnwardReferralID(f["onwardId"] ?? ""), to: f["status"], note: f["note"], confirmed: f.flag("confirm") == true, by: p, env: env)
        }
        router.post("/referrals/:id/close") { request, context in
            try await perform(request, context, done: "close") { f, r in
                try await casework.close(ReferralID(try context.parameters.require("id")), reason: f["reason"], note: f["note"],
                                         feedback: .init(satisfaction: f["satisfaction"], wouldChange: f["wouldChange"]),
                                         confirmed: f.flag("confirm") == true, r)
            }
        }
        action(router, "triage") { c, f, p, env in try c.triage(note: f["note"], by: p, env: env) }
        action(router, "redirect") { c, f, p, env in
            try c.redirect(destination: f["destination"], reason: f["reason"], message: f["message"], by: p, env: env)
        }
        action(router, "review") { c, f, p, env in try c.startReview(note: f["note"], by: p, env: env) }
        router.post("/referrals/:id/reopen") { request, context in
            try await perform(request, context, done: "reopen") { form, r in
                try await casework.reopen(ReferralID(try context.parameters.require("id")), reason: form["reason"], r)
            }
        }
        action(router, "visit-check-in") { c, f, p, env in try c.checkIn(expectedMinutes: f.int("expectedMinutes"), by: p, env: env) }
        action(router, "visit-check-out") { c, _, p, env in try c.checkOut(by: p, env: env) }
        action(router, "consent-withdraw") { c, f, p, env in try c.withdrawConsent(f["purpose"], note: f["note"], by: p, env: env) }
        action(router, "concern") { c, f, p, env in try c.raiseConcern(f["description"], escalateTo: f["escalateTo"], by: p, env: env) }
        action(router, "concern-review") { c, f, p, env in try c.reviewConcern(f["concernId"] ?? "", by: p, env: env) }
        action(router, "concern-resolve") { c, f, p, env in try c.resolveConcern(f["concernId"] ?? "", resolution: f["resolution"], by: p, env: env) }
        // The referrer acknowledges an escalation to them; a link worker records an outside acknowledgement.
        action(router, "concern-acknowledge", roles: [.referrer, .linkWorker, .supervisor]) { c, f, p, env in
            try c.acknowledgeConcern(f["concernId"] ?? "", externalName: f["acknowledgedByName"], by: p, env: env)
        }
        router.get("/safeguarding") { request, context in
            let principal = try context.require(.supervisor)
            let items = try await casework.concernQueue(.init(principal, route: request.routeDescription))
            let page = SafeguardingQueuePage(items, names: try await casework.staffNames(namedIn: items), hours: casework.rules.acknowledgementHours, context.messages)
            return HTML(renderer.render(.safeguarding, View(title: context.messages.text("titles.safeguarding"), context: context, page: page)))
        }
        router.post("/referrals/:id/merge") { request, context in
            try await perform(request, context, roles: [.supervisor], done: "merge") { form, r in
                try await casework.mergeDuplicate(into: ReferralID(try context.parameters.require("id")), otherReferralID: form["otherReferralId"], r)
            }
        }
        router.post("/referrals/:id/allocate") { request, context in
            try await perform(request, context, done: "allocate") { form, r in
                try await casework.allocate(ReferralID(try context.parameters.require("id")), linkWorkerID: form["linkWorkerId"], r)
            }
        }
        router.post("/referrals/:id/reassign") { request, context in
            try await perform(request, context, roles: [.supervisor], done: "reassign") { form, r in
                try await casework.reassign(ReferralID(try context.parameters.require("id")), toLinkWorkerID: form["toLinkWorkerId"],
                                            reason: form["reason"], r)
            }
        }
        router.post("/referrals/:id/onward") { request, context in
            try await perform(request, context, done: "onward") { form, r in
                try await casework.referOut(ReferralID(try context.parameters.require("id")), serviceID: form["serviceId"], note: form["note"],
                                            handover: HandoverInput(firstContact: form["firstContact"], followUpOwner: form["followUpOwner"],
                                                                    returnWindowDays: form.int("returnWindowDays"),
                                                                    reportsNonAttendance: form.flag("reportsNonAttendance"),
                                                                    outcomeSharing: form["outcomeSharing"]),
                                            governanceOverride: form["governanceOverride"], r)
            }
        }
        router.post("/referrals/:id/signpost") { request, context in
            try await perform(request, context, done: "signpost") { form, r in
                try await casework.signpost(ReferralID(try context.parameters.require("id")), serviceID: form["signpostServiceId"],
                                            description: form["description"], r)
            }
        }
    }

    /// Registers `POST /referrals/:id/<name>` for a pure casework action. Link workers and supervisors
    /// only, unless other `roles` are given (the action itself then decides who may do it).
    private func action(_ router: Router<AppRequestContext>, _ name: String, roles: [Role] = [.linkWorker, .supervisor],
                        _ body: @escaping @Sendable (Case, FormData, Principal, CoreEnvironment) throws -> CaseChange) {
        let casework = roles == [.linkWorker, .supervisor]
        router.post("/referrals/:id/\(name)") { request, context in
            try await perform(request, context, roles: roles, done: name) { form, r in
                try await self.casework.act(on: ReferralID(try context.parameters.require("id")), r, casework: casework) { [env = self.casework.env] c in
                    try body(c, form, r.principal, env)
                }
            }
        }
    }

    /// Runs an action from a form; on a refusal, shows the case again with the reason, having changed nothing.
    /// `done` names the action, so the case page comes back at the action's own section with a confirmation
    /// (`CaseConfirmation`).
    private func perform(_ request: Request, _ context: AppRequestContext, roles: [Role] = [.linkWorker, .supervisor], done: String,
                         _ body: (FormData, CaseworkService.Request) async throws -> Case) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard roles.contains(principal.role) else { throw LinkwellError.forbidden("This page is not available to your role.") }
        let form = try await request.verifiedForm(context)
        let r = CaseworkService.Request(principal, route: request.routeDescription)
        do {
            let updated = try await body(form, r)
            // A link worker who declines or redirects a waiting referral no longer sees it: back to the caseload.
            guard AccessPolicy.canRead(updated, principal) else { return .redirect(to: "/referrals", type: .normal) }
            let section = CaseConfirmation.all[done]?.section ?? "overview"
            return .redirect(to: "/referrals/\(updated.referral.id)?done=\(done)#s-\(section)", type: .normal)
        } catch let error as LinkwellError {
            let (errors, status): ([FieldError], HTTPResponse.Status) = switch error {
            case .invalid(let fields): (fields, .unprocessableContent)
            case .conflict(let why): ([FieldError.conflict("action", why)], .conflict)
            default: throw error
            }
            return try await casePage(request, context, errors: errors, status: status)
        }
    }

    func casePage(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [],
                  status: HTTPResponse.Status = .ok, notice: String? = nil, done: CaseConfirmation? = nil) async throws -> Response {
        let principal = try context.require(.referrer, .linkWorker, .supervisor)
        let id = ReferralID(try context.parameters.require("id"))
        let r = CaseworkService.Request(principal, route: "GET /referrals/\(id)")
        let html: String
        if principal.role == .referrer {
            let page = ReferrerCasePage(try await casework.referrerView(id, r), context.messages)
            html = renderer.render(.referralReferrer, View(title: context.messages.text("titles.referralFor", ["name": page.personName]), context: context, page: page, errors: errors,
                                                           notice: notice ?? done?.message(context.messages)))
        } else {
            let found = try await casework.readCase(id, r)
            let teamwork = try await teams.caseTeamwork(of: found, r)
            let query = request.uri.queryParameters
            let findService = request.query("findService") ?? ""
            let space = try await casework.workspace(for: found, r, findService: findService,
                                                     chosenService: query["service"].map { ServiceID(String($0)) }, naming: [teamwork.meetings])
            var page = CasePage(found, names: space.names, services: space.services, organisations: space.organisations,
                                offered: space.offered, now: casework.env.now(), context.messages)
            let t = context.messages
            page.findService = findService
            page.moreServices = space.moreServices
            page.noServicesFound = space.offered.isEmpty && !findService.isEmpty
            page.setConcerns(found.concerns, names: space.names, viewer: principal)
            page.setVisits(found.visits, viewer: principal, now: casework.env.now())
            page.setThreads(try await casework.threads(of: found, r), of: found, services: space.services, now: casework.env.now())
            page.setGovernance(try await casework.governanceStandings(of: space.offered, r), services: space.offered, viewer: principal, t)
            page.eligible = space.ineligibility.isEmpty
            page.fundedBy = space.fundedBy.isEmpty ? t.text("casePage.noContract") : space.fundedBy.joined(separator: "; ")
            page.eligibility = space.ineligibility.isEmpty ? t.text("casePage.meetsCriteria")
                : t.text("casePage.doesNotMeetCriteria", ["reasons": space.ineligibility.map(t.ineligibility).joined(separator: "; ")])
            page.duplicates = space.duplicates.map {
                CasePage.Duplicate(id: $0.id.rawValue, status: t.label($0.status), receivedAt: t.date($0.receivedAt),
                                   canMerge: principal.role == .supervisor,
                                   label: t.text("casePage.duplicateReceived", ["date": t.date($0.receivedAt), "status": t.label($0.status)]))
            }
            // A referral handed back when its link worker left keeps its stage and waits for a supervisor to allocate it.
            page.needsLinkWorker = principal.role == .supervisor && !page.canAccept && found.referral.linkWorkerID == nil && !found.referral.status.isFinal
            if principal.role == .supervisor && (page.canAccept || page.needsLinkWorker) {
                page.linkWorkers = space.caseloads.map {
                    Choice($0.linkWorkerID.rawValue, t.text($0.overLimit ? "casePage.allocateToOverLimit" : "casePage.allocateTo", [
                        "name": $0.name, "open": String($0.open), "taken": String($0.takenOnInLastYear), "limit": String($0.yearlyLimit)]))
                }
            }
            if page.canClose { page.looseEnds = try await casework.looseEndItems(of: found).map { t.looseEnd($0) } }
            let status = found.referral.status
            if principal.role == .supervisor && !status.isFinal && !status.isWaiting {
                page.reassignTo = space.caseloads.filter { $0.linkWorkerID != found.referral.linkWorkerID }.map {
                    Choice($0.linkWorkerID.rawValue, t.text("casePage.reassignTo", ["name": $0.name, "open": String($0.open)]))
                }
            }
            page.setTeamwork(teamwork, names: space.names)
            if let done { page.banner[done.section.replacingOccurrences(of: "-", with: "_")] = done.message(context.messages) }
            page.choose(service: request.uri.queryParameters["service"].map(String.init))
            page.outcomes = CaseOutcomesPanel(instruments: try await outcomes.instruments(), trajectories: try await outcomes.trajectories(of: found, r), t)
            html = renderer.render(.referral, View(title: page.personName, context: context, page: page, errors: errors, notice: notice))
        }
        return try HTML(html, status: status).response(from: request, context: context)
    }
}

extension CasePagesController {
    /// A form posted from a panel of the case page (`POST /referrals/{id}/{path}`): back to that panel
    /// (`#anchor`) when done; on a refusal, the case again with the reason beside the field (named as the page
    /// names it, through `fields`), having changed nothing. `body` gets the `:item` path parameter, if any.
    func casePanelForm(_ router: Router<AppRequestContext>, _ path: String, anchor: String, fields: [String: String] = [:],
                       _ body: @escaping @Sendable (ReferralID, FormData, CaseworkService.Request, String?) async throws -> Case) {
        router.post("/referrals/:id/\(path)") { request, context -> Response in
            let p = try context.require(.linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            let id = ReferralID(try context.parameters.require("id"))
            do {
                let updated = try await body(id, form, .init(p, route: request.routeDescription), context.parameters.get("item"))
                return .redirect(to: "/referrals/\(updated.referral.id)#\(anchor)", type: .normal)
            } catch let error as LinkwellError {
                let (errors, status): ([FieldError], HTTPResponse.Status) = switch error {
                case .invalid(let list): (list.map { $0.at(fields[$0.field] ?? $0.field) }, .unprocessableContent)
                case .conflict(let why): ([FieldError.conflict("action", why)], .conflict)
                default: throw error
                }
                return try await casePage(request, context, errors: errors, status: status)
            }
        }
    }
}
