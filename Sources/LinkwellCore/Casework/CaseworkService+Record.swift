import Foundation

// The standard's record sections kept by casework (risks, plan and requested actions) and the message
// back document built from the case (`MessageBackDocument`).
extension CaseworkService {
    /// Records a risk or "no known risks". The risk may be a local value or `system|code` from the risks
    /// code list; an unknown code is a 422 naming `risk`.
    public func recordRisk(_ id: ReferralID, _ input: RiskInput, _ request: Request) async throws -> Case {
        var input = input
        if let raw = input.risk, raw.contains("|") {
            do { input.risk = try await CodeListService(store: store).resolve([raw], in: .risks, field: "risk").first } catch LinkwellError.invalid(let errors) {
                throw LinkwellError.invalid(errors.map { $0.at("risk") })
            }
        }
        return try await act(on: id, request) { [env, input] in try $0.recordRisk(input, by: request.principal, env: env) }
    }

    /// Ends a risk entry that no longer holds.
    public func endRisk(_ id: ReferralID, risk: String, _ request: Request) async throws -> Case {
        try await act(on: id, request) { [env] in try $0.endRisk(risk, by: request.principal, env: env) }
    }

    /// Records an action requested of the referrer or GP, or agreed for the person or carer.
    public func requestAction(_ id: ReferralID, _ input: RequestedActionInput, _ request: Request) async throws -> Case {
        try await act(on: id, request) { [env] in try $0.requestAction(input, by: request.principal, env: env) }
    }

    /// Updates the record details (demographics, about me, individual requirements, issues in the person's words).
    public func updateRecordDetails(_ id: ReferralID, _ input: RecordDetailsInput, _ request: Request) async throws -> Case {
        try await act(on: id, request) { [env] in try $0.updateRecordDetails(input, by: request.principal, env: env) }
    }

    /// Withdraws a requested action.
    public func withdrawRequestedAction(_ id: ReferralID, action: String, _ request: Request) async throws -> Case {
        try await act(on: id, request) { [env] in try $0.withdrawRequestedAction(action, by: request.principal, env: env) }
    }

    /// Who may read a case's message back: its link worker and supervisors, and the referrer while the
    /// person's consent to updates for the referrer and GP stands. The person reads their own record
    /// elsewhere (safeguarding may need filtering from them, as the standard says).
    func mayReadMessageBack(_ c: Case, _ p: Principal) -> Bool {
        switch p.role {
        case .linkWorker, .supervisor: true
        case .referrer: c.referral.consent.covers(.shareWithReferrer)
        default: false
        }
    }

    /// The message back document of a case, read (and audited) as the caller may; 422 naming the field
    /// when the record lacks content the standard marks mandatory.
    public func messageBack(_ id: ReferralID, _ request: Request, outcomes: OutcomeService) async throws -> MessageBackDocument {
        let found = try await readCase(id, request)
        guard mayReadMessageBack(found, request.principal) else {
            throw LinkwellError.forbidden(request.principal.role == .referrer
                ? "The person has not consented to updates for the referrer and GP, so the message back is not shared."
                : "Your role cannot read messages back.")
        }
        let trajectories = try await outcomes.trajectories(of: found, request)
        return try await messageBack(for: found, trajectories: trajectories)
    }

    /// Builds the document for a case already read; used by the outbox's closing message too.
    func messageBack(for c: Case, trajectories: [ScoreTrajectory]) async throws -> MessageBackDocument {
        try MessageBackDocument.build(from: c, try await messageBackContext(for: c, trajectories: trajectories))
    }

    func messageBackContext(for c: Case, trajectories: [ScoreTrajectory]) async throws -> MessageBackContext {
        let referrer = try await c.referral.referrerID.asyncMap { try await store.user(id: $0) } ?? nil
        let referrerOrganisation = try await c.referral.referrerOrganisationID.asyncMap { try await store.organisation(id: $0) } ?? nil
        let practice = try await c.person.gpPracticeID.asyncMap { try await store.organisation(id: $0) } ?? nil
        let worker = try await c.referral.linkWorkerID.asyncMap { try await store.user(id: $0) } ?? nil
        var schemeName: String?
        if let own = worker?.organisationID { schemeName = try await store.organisation(id: own)?.name }
        if schemeName == nil { schemeName = try await store.organisations().first { $0.kind == .scheme }?.name }
        var services: [ServiceID: (service: String, organisation: String)] = [:]
        for serviceID in Set(c.onwardReferrals.map(\.serviceID) + c.signposts.compactMap(\.serviceID)) {
            guard let service = try await store.service(id: serviceID) else { continue }
            let organisation = try await store.organisation(id: service.organisationID)?.name ?? ""
            services[serviceID] = (service.name, organisation)
        }
        let codes = CodeListService(store: store)
        var lists: [CodeListKind: [CodedConcept]] = [:]
        for list in [CodeListKind.needs, .closingReasons, .risks, .assessments] { lists[list] = try await codes.list(list) }
        return MessageBackContext(schemeName: schemeName ?? "Social prescribing service", authorName: worker?.displayName,
                                  referrer: referrer, referrerOrganisation: referrerOrganisation, gpPractice: practice,
                                  services: services, trajectories: trajectories, codeLists: lists, now: env.now())
    }

    /// The closing message back to the referrer and the registered practice carries the standard's
    /// message back as a letter (`MessageBackDocument.letterText`). When the record lacks mandatory
    /// content, the message says what is missing instead of pretending to be complete.
    func withMessageBackLetters(_ messages: [MessageBack], after c: Case) async throws -> [MessageBack] {
        guard messages.contains(where: { $0.kind == .closed }) else { return messages }
        var trajectories: [ScoreTrajectory] = []
        if let outcomeStore = store as? any OutcomeService.Storage {
            trajectories = try await OutcomeService(store: outcomeStore, casework: self).trajectories(ofAuditedRead: c)
        }
        let letter: String
        do { letter = try await messageBack(for: c, trajectories: trajectories).letterText } catch LinkwellError.invalid(let missing) {
            letter = "The full message back could not be written, because the record lacks what the standard requires: "
                + missing.map(\.message).joined(separator: " ")
        }
        return messages.map { message in
            guard message.kind == .closed else { return message }
            var message = message
            message.body += "\n\n" + letter
            return message
        }
    }
}

// The care and support plan (`CareAndSupportPlan.swift`).
extension CaseworkService {
    /// Records a goal's need, importance, status and outcome. A need given as `system|code` is resolved
    /// through the needs code list (an unknown code is a 422 naming `need`).
    public func updateGoalPlan(_ id: ReferralID, goal: GoalID, _ input: GoalPlanInput, _ request: Request) async throws -> Case {
        var input = input
        input.need = try await resolvedCode(input.need, in: .needs, field: "need")
        return try await act(on: id, request) { [env, input] in try $0.updateGoalPlan(goal, input, by: request.principal, env: env) }
    }

    /// Records an agreed action's goal, status, confidence and review date.
    public func updateActionPlan(_ id: ReferralID, action: String, _ input: PlanActionPlanInput, _ request: Request) async throws -> Case {
        var input = input
        input.support = try await resolvedCode(input.support, in: .supportOffered, field: "support")
        return try await act(on: id, request) { [env, input] in try $0.updateActionPlan(action, input, by: request.principal, env: env) }
    }

    /// A value given as `system|code` resolved through the code list `kind` (an unknown code is a 422 naming
    /// `field`); any other value is returned as given, for the domain to check.
    private func resolvedCode(_ raw: String?, in kind: CodeListKind, field: String) async throws -> String? {
        guard let raw, raw.contains("|") else { return raw }
        do { return try await CodeListService(store: store).resolve([raw], in: kind, field: field).first } catch LinkwellError.invalid(let errors) {
            throw LinkwellError.invalid(errors.map { $0.at(field) })
        }
    }
}
