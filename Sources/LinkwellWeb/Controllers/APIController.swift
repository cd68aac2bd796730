import Foundation
import Hummingbird
import LinkwellCore

/// The JSON API under `/api/v1`, described by `/openapi.json`. Bearer tokens only.
struct APIController: Sendable {
    let casework: CaseworkService
    let administration: AdministrationService

    struct ProviderReferral: Codable, Sendable {
        var id: OnwardReferralID
        var serviceID: ServiceID
        var serviceName: String
        var status: OnwardStatus
        var rejectionReason: RejectionReason?
        var note: String
        var personName: String
        var phone: String
        var email: String
        var preferredLanguage: String
        var interpreterNeeded: Bool
        var communicationNeeds: String
        var linkWorkerName: String
        var attendance: [AttendanceReport]
        var consentWithdrawn: Bool
        var firstContact: FirstContact
        var followUpOwner: FollowUpOwner
        var returnWindowDays: Int
        var reportsNonAttendance: Bool
        var outcomeSharing: String

        init(_ v: ProviderView) {
            firstContact = v.onward.firstContact
            followUpOwner = v.onward.followUpOwner
            returnWindowDays = v.onward.returnWindowDays
            reportsNonAttendance = v.onward.reportsNonAttendance
            outcomeSharing = v.onward.outcomeSharing
            consentWithdrawn = v.consentWithdrawn
            id = v.onward.id
            serviceID = v.service.id
            serviceName = v.service.name
            status = v.onward.status
            rejectionReason = v.onward.rejectionReason
            note = v.onward.note
            personName = v.personName
            phone = v.phone
            email = v.email
            preferredLanguage = v.preferredLanguage
            interpreterNeeded = v.interpreterNeeded
            communicationNeeds = v.communicationNeeds
            linkWorkerName = v.linkWorkerName
            attendance = v.attendance
        }
    }

    struct ReasonInput: Codable, Sendable { var reason: String?; var note: String? }
    struct RedirectInput: Codable, Sendable { var destination: String?; var reason: String?; var message: String? }
    struct CloseInput: Codable, Sendable { var reason: String?; var note: String?; var feedback: ClosingFeedbackInput?; var confirm: Bool? }
    struct RatingInput: Codable, Sendable { var rating: Int? }
    struct AllocationInput: Codable, Sendable { var linkWorkerId: String? }
    struct ConcernInput: Codable, Sendable { var description: String?; var escalateTo: String? }
    struct ConcernStepInput: Codable, Sendable { var acknowledgedByName: String?; var resolution: String? }
    struct OnwardInput: Codable, Sendable { var serviceId: String?; var note: String?; var handover: HandoverInput?; var governanceOverride: String? }
    struct SignpostInput: Codable, Sendable { var serviceId: String?; var description: String? }
    struct CheckInInput: Codable, Sendable { var expectedMinutes: Int? }
    struct NoteInput: Codable, Sendable { var linkWorkerId: String?; var text: String? }
    struct ActionDoneInput: Codable, Sendable { var actionId: String? }
    struct MergeInput: Codable, Sendable { var otherReferralId: String? }
    struct StatusInput: Codable, Sendable { var status: String?; var note: String?; var confirm: Bool? }
    struct AttendanceInput: Codable, Sendable { var sessionDate: String?; var attended: Bool? }
    struct Me: Codable, Sendable { var id: UserID; var displayName: String; var role: Role; var organisationID: OrganisationID? }

    func register(on router: Router<AppRequestContext>) {
        let api = router.group("api/v1")
        api.get("me") { _, context in
            let p = try context.requirePrincipal()
            return json(Me(id: p.userID, displayName: p.displayName, role: p.role, organisationID: p.organisationID))
        }
        api.get("services") { request, context in
            _ = try context.requirePrincipal()
            return pagedJSON(try await casework.services(page: try request.pageRequest()), request: request)
        }
        api.get("referrals") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let list = try request.query("list").map { text in
                guard let list = CaseworkService.CaseList(rawValue: text) else {
                    throw LinkwellError.invalid([.apiOnly("list", "Choose one of: \(CaseworkService.CaseList.allCases.map(\.rawValue).joined(separator: ", ")).")])
                }
                return list
            } ?? .all
            let page = try await casework.caseload(.init(p, route: request.routeDescription), list: list, page: try request.pageRequest(),
                                                   search: request.query("q"))
            return pagedJSON(page, request: request)
        }
        api.post("referrals") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let created = try await casework.submitReferral(try await request.json(ReferralSubmission.self), by: p)
            return try await caseJSON(created, for: p, status: .created, location: "/api/v1/referrals/\(created.referral.id)")
        }
        api.get("referrals/:id") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let found = try await casework.readCase(ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription))
            return try await caseJSON(found, for: p)
        }
        api.post("referrals/:id/accept") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return try await caseJSON(try await casework.accept(ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription)), for: p)
        }
        work(api, "decline", ReasonInput.self) { c, input, p, env in try c.decline(reason: input.reason, by: p, env: env) }
        work(api, "contacts", ContactInput.self) { [rules = casework.rules] c, input, p, env in
            try c.recordContact(input, by: p, env: env, rules: rules)
        }
        api.post("referrals/:id/allocate") { request, context in
            let p = try context.require(.supervisor)
            let input = try await request.json(AllocationInput.self)
            return try await caseJSON(try await casework.allocate(ReferralID(try context.parameters.require("id")), linkWorkerID: input.linkWorkerId,
                                                                  .init(p, route: request.routeDescription)), for: p)
        }
        work(api, "actions/complete", ActionDoneInput.self) { c, input, p, env in try c.completeAction(input.actionId ?? "", by: p, env: env) }
        api.post("referrals/:id/merge-duplicate") { request, context in
            let p = try context.require(.supervisor)
            let input = try await request.json(MergeInput.self)
            return try await caseJSON(try await casework.mergeDuplicate(into: ReferralID(try context.parameters.require("id")),
                                                                        otherReferralID: input.otherReferralId, .init(p, route: request.routeDescription)), for: p)
        }
        api.get("settings") { _, context in
            _ = try context.requirePrincipal()
            return json(try await casework.schemeSettings())
        }
        api.post("settings") { request, context in
            let p = try context.require(.admin)
            return json(try await casework.saveSettings(try await request.json(SchemeSettings.self), .init(p, route: request.routeDescription)))
        }
        api.get("plan-reviews") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            // Bounded: at most `PageRequest.maximumLimit` reviews, soonest first (a work list, not a history).
            return try pagedList(try await casework.dueReviews(.init(p, route: request.routeDescription)), request: request) { $0.referralID.rawValue }
        }
        work(api, "visits/check-in", CheckInInput.self) { c, input, p, env in try c.checkIn(expectedMinutes: input.expectedMinutes, by: p, env: env) }
        work(api, "visits/check-out", CheckInInput.self) { c, _, p, env in try c.checkOut(by: p, env: env) }
        api.get("supervision-notes") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            return pagedJSON(try await casework.supervisionNotes(linkWorkerID: request.uri.queryParameters["linkWorkerId"].map(String.init),
                                                                 page: try request.pageRequest(), .init(p, route: request.routeDescription)), request: request)
        }
        api.post("supervision-notes") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(NoteInput.self)
            return json(try await casework.addSupervisionNote(linkWorkerID: input.linkWorkerId, text: input.text,
                                                              .init(p, route: request.routeDescription)), status: .created)
        }
        api.get("visits/overdue") { request, context in
            let p = try context.require(.supervisor)
            // Bounded: only visits still open and overdue (a link worker has one open visit at a time).
            return try pagedList(try await casework.overdueVisits(.init(p, route: request.routeDescription)), request: request) { $0.visit.id }
        }
        work(api, "consent/withdraw", ReasonInput.self) { c, input, p, env in
            try c.withdrawConsent(input.reason, note: input.note, by: p, env: env)
        }
        work(api, "concerns", ConcernInput.self) { c, input, p, env in
            try c.raiseConcern(input.description, escalateTo: input.escalateTo, by: p, env: env)
        }
        api.post("referrals/:id/concerns/:concern/:step") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let input = try await request.json(ConcernStepInput.self)
            let concern = try context.parameters.require("concern")
            let step = try context.parameters.require("step")
            guard ["acknowledge", "review", "resolve"].contains(step) else { throw LinkwellError.notFound("action") }
            // Acknowledging is for whoever the escalation went to; the other steps are casework.
            let updated = try await casework.act(on: ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription),
                                                 casework: step != "acknowledge") { [env = casework.env] c in
                switch step {
                case "acknowledge": try c.acknowledgeConcern(concern, externalName: input.acknowledgedByName, by: p, env: env)
                case "review": try c.reviewConcern(concern, by: p, env: env)
                default: try c.resolveConcern(concern, resolution: input.resolution, by: p, env: env)
                }
            }
            return try await caseJSON(updated, for: p)
        }
        api.get("safeguarding") { request, context in
            let p = try context.require(.referrer, .supervisor)
            // Bounded: only open concerns (a queue worked to empty; resolved ones leave it).
            return try pagedList(try await casework.concernQueue(.init(p, route: request.routeDescription)), request: request) { $0.concern.id }
        }
        api.post("referrals/:id/signposts") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(SignpostInput.self)
            return try await caseJSON(try await casework.signpost(ReferralID(try context.parameters.require("id")), serviceID: input.serviceId,
                                                                  description: input.description, .init(p, route: request.routeDescription)),
                                      for: p, status: .created)
        }
        api.get("caseloads") { request, context in
            let p = try context.require(.supervisor)
            // Bounded: one row per link worker.
            return try pagedList(try await casework.caseloads(.init(p, route: request.routeDescription)), request: request) { $0.linkWorkerID.rawValue }
        }
        work(api, "triage", ReasonInput.self) { c, input, p, env in try c.triage(note: input.note, by: p, env: env) }
        work(api, "redirect", RedirectInput.self) { c, input, p, env in
            try c.redirect(destination: input.destination, reason: input.reason, message: input.message, by: p, env: env)
        }
        work(api, "review", ReasonInput.self) { c, input, p, env in try c.startReview(note: input.note, by: p, env: env) }
        api.post("referrals/:id/reopen") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(ReasonInput.self)
            return try await caseJSON(try await casework.reopen(ReferralID(try context.parameters.require("id")), reason: input.reason,
                                                                .init(p, route: request.routeDescription)), for: p)
        }
        work(api, "plan", PlanInput.self) { c, input, p, env in try c.agreePlan(input, by: p, env: env) }
        api.post("referrals/:id/close") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(CloseInput.self)
            return try await caseJSON(try await casework.close(ReferralID(try context.parameters.require("id")), reason: input.reason, note: input.note,
                                                               feedback: input.feedback ?? .init(), confirmed: input.confirm ?? false,
                                                               .init(p, route: request.routeDescription)), for: p)
        }
        api.post("referrals/:id/goals/:goal/ratings") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(RatingInput.self)
            let goal = GoalID(try context.parameters.require("goal"))
            let updated = try await casework.act(on: ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription)) {
                [env = casework.env] c in try c.rateGoal(goal, rating: input.rating, by: p, env: env)
            }
            return try await caseJSON(updated, for: p)
        }
        api.post("referrals/:id/onward-referrals") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(OnwardInput.self)
            let updated = try await casework.referOut(ReferralID(try context.parameters.require("id")), serviceID: input.serviceId,
                                                      note: input.note, handover: input.handover ?? HandoverInput(),
                                                      governanceOverride: input.governanceOverride, .init(p, route: request.routeDescription))
            return try await caseJSON(updated, for: p, status: .created)
        }
        api.post("referrals/:id/onward-referrals/:onward/status") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(StatusInput.self)
            let onward = OnwardReferralID(try context.parameters.require("onward"))
            let updated = try await casework.act(on: ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription)) {
                [env = casework.env] c in try c.updateOnward(onward, to: input.status, note: input.note, confirmed: input.confirm ?? false, by: p, env: env)
            }
            return try await caseJSON(updated, for: p)
        }
        api.get("messages") { request, context in
            let p = try context.requirePrincipal()
            return pagedJSON(try await casework.messages(.init(p, route: request.routeDescription), page: try request.pageRequest()), request: request)
        }

        // Providers
        api.get("onward-referrals") { request, context in
            let p = try context.require(.provider)
            return pagedJSON(try await casework.providerInbox(.init(p, route: request.routeDescription), page: try request.pageRequest()), request: request)
        }
        api.get("onward-referrals/:id") { request, context in
            let p = try context.require(.provider)
            let view = try await casework.providerView(OnwardReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription))
            return json(ProviderReferral(view))
        }
        provide(api, "accept", ReasonInput.self) { c, id, _, p, env in try c.respondToOnward(id, accept: true, reason: nil, note: nil, by: p, env: env) }
        provide(api, "reject", ReasonInput.self) { c, id, input, p, env in
            try c.respondToOnward(id, accept: false, reason: input.reason, note: input.note, by: p, env: env)
        }
        provide(api, "status", StatusInput.self) { c, id, input, p, env in
            try c.updateOnward(id, to: input.status, note: input.note, by: p, env: env)
        }
        provide(api, "attendance", AttendanceInput.self) { c, id, input, p, env in
            guard let attended = input.attended else { throw LinkwellError.invalid([.apiOnly("attended", "Say whether the person attended (true or false).")]) }
            return try c.reportAttendance(id, sessionDate: input.sessionDate, attended: attended, by: p, env: env)
        }

        // Administration
        api.get("audit") { request, context in
            let p = try context.require(.admin)
            // A keyset cursor over the whole trail, filtered in the store (never the newest N cut in memory).
            let page = try await administration.auditEvents(recordID: request.query("recordId"), actorID: request.query("actorId"),
                                                            action: request.query("action"), from: request.query("from"), to: request.query("to"),
                                                            page: try request.pageRequest(), .init(p, route: request.routeDescription))
            return pagedJSON(page, request: request)
        }
    }

    /// `POST /referrals/:id/<name>` with a JSON body, for a link worker's casework action.
    private func work<Input: Decodable & Sendable>(_ api: RouterGroup<AppRequestContext>, _ name: String, _: Input.Type,
                                                   _ body: @escaping @Sendable (Case, Input, Principal, CoreEnvironment) throws -> CaseChange) {
        api.post("referrals/:id/\(name)") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(Input.self)
            let updated = try await casework.act(on: ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription)) {
                [env = casework.env] c in try body(c, input, p, env)
            }
            return try await caseJSON(updated, for: p)
        }
    }

    /// `POST /onward-referrals/:id/<name>` with a JSON body, for a provider's action.
    private func provide<Input: Decodable & Sendable>(_ api: RouterGroup<AppRequestContext>, _ name: String, _: Input.Type,
                                                      _ body: @escaping @Sendable (Case, OnwardReferralID, Input, Principal, CoreEnvironment) throws -> CaseChange) {
        api.post("onward-referrals/:id/\(name)") { request, context in
            let p = try context.require(.provider)
            let input = try await request.json(Input.self)
            let id = OnwardReferralID(try context.parameters.require("id"))
            let view = try await casework.providerAct(id, .init(p, route: request.routeDescription)) { [env = casework.env] c in
                try body(c, id, input, p, env)
            }
            return json(ProviderReferral(view))
        }
    }

    /// The case as this principal may see it.
    private func caseJSON(_ c: Case, for p: Principal, status: HTTPResponse.Status = .ok, location: String? = nil) async throws -> Response {
        var response: Response
        if p.role == .referrer {
            response = json(try await casework.referrerView(of: c, .init(p, route: "")), status: status)
        } else {
            response = json(c, status: status)
        }
        if let location { response.headers[.location] = location }
        return response
    }
}

/// A JSON response with ISO 8601 dates; a value that cannot be encoded (a programming error, e.g. a
/// NaN) answers a 500 problem rather than a success with a wrong body.
func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(value) else { return Problem.encodingFailed.response() }
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
