import Foundation

/// Builds one `CaseChange`, enforcing the lifecycle as it goes.
struct CaseUpdate {
    let current: Case
    let actor: Principal
    let env: CoreEnvironment
    let now: Date
    var change: CaseChange

    init(_ current: Case, by actor: Principal, env: CoreEnvironment) {
        self.current = current
        self.actor = actor
        self.env = env
        self.now = env.now()
        var referral = current.referral
        referral.version += 1
        referral.updatedAt = now
        change = CaseChange(expectedVersion: current.referral.version, referral: referral)
    }

    var status: ReferralStatus { change.referral.status }

    mutating func move(to next: ReferralStatus, note: String = "") throws(LinkwellError) {
        guard status.canMove(to: next) else {
            throw .conflict(.illegalTransition, ["status": status.rawValue, "next": next.rawValue])
        }
        change.events.append(ReferralEvent(id: env.id(), referralID: change.referral.id, from: status, to: next,
                                           actorID: actor.userID, at: now, note: note))
        change.referral.status = next
    }

    /// Queues a message back about this step, as the referrer asked for it (every key event, or the
    /// closing only). The referrer always hears the decision on the referral (accepted or declined), and
    /// news of the person's progress only while the person's consent to updates for the referrer and GP
    /// stands. The person's registered GP practice, when it is not the referrer's own organisation, gets
    /// the same messages under that consent only, naming the person so the practice can file it.
    mutating func messageBack(_ kind: MessageKind, _ body: String) {
        let referral = change.referral
        // Redirection is a decision on the referral too: the referrer always hears where it went.
        let wanted = referral.feedbackPreference == .keyEvents || kind == .closed || kind == .declined || kind == .redirected
        guard wanted else { return }
        let decision = kind == .accepted || kind == .declined || kind == .redirected
        let consented = referral.consent.covers(.shareWithReferrer)
        // The national codes go on the first message of their kind only: 871731000000106 marks the first
        // contact of an episode, never ongoing activity (docs/snomed-codes.md).
        let coded = kind.snomedCode.map { code in !(current.messages + change.messages).contains { $0.snomedCode == code } } ?? false
        let before = change.messages.count
        defer { if !coded { for i in change.messages.indices.dropFirst(before) { change.messages[i].snomedCode = nil } } }
        if let referrer = referral.referrerID, decision || consented {
            change.messages.append(MessageBack(id: env.id(), referralID: referral.id, recipientID: referrer,
                                               kind: kind, body: body, createdAt: now))
        }
        let person = current.person
        if consented, let practice = person.gpPracticeID, practice != referral.referrerOrganisationID {
            let nhs = person.nhsNumber.map { ", NHS number \($0.formatted)" } ?? ""
            change.messages.append(MessageBack(id: env.id(), referralID: referral.id, recipientID: nil, recipientOrganisationID: practice,
                                               kind: kind, body: "About \(person.fullName), born \(person.dateOfBirth)\(nhs). \(body)", createdAt: now))
        }
    }

    mutating func moveOnward(_ onward: inout OnwardReferral, to next: OnwardStatus, note: String = "") throws(LinkwellError) {
        guard onward.status.canMove(to: next) else {
            throw .conflict(.illegalOnwardTransition, ["onwardStatus": onward.status.rawValue, "onwardNext": next.rawValue])
        }
        change.onwardEvents.append(OnwardEvent(id: env.newID(), onwardReferralID: onward.id, from: onward.status,
                                               to: next, actorID: actor.userID, at: now, note: note))
        onward.status = next
        onward.updatedAt = now
    }

    /// Refuses with `refusal` (naming the status) unless the person is being supported or about to be.
    mutating func requireInSupport(_ refusal: ConflictCode) throws(LinkwellError) {
        guard status.isInSupport || status == .accepted || status == .contactAttempted else {
            throw .conflict(refusal, ["status": status.rawValue])
        }
    }
}

/// A scheme's casework rules.
public struct CaseworkRules: Sendable, Equatable {
    /// Unsuccessful attempts in a row after which a case becomes "unable to contact".
    public var maxContactAttempts: Int
    /// People a link worker takes on in a year before the supervisor is warned (guidance: 200–250).
    public var yearlyCaseloadLimit: Int
    /// Hours after which an unacknowledged safeguarding escalation is highlighted to supervisors.
    public var acknowledgementHours: Int
    public init(maxContactAttempts: Int = 3, yearlyCaseloadLimit: Int = 250, acknowledgementHours: Int = 48) {
        self.maxContactAttempts = maxContactAttempts
        self.yearlyCaseloadLimit = yearlyCaseloadLimit
        self.acknowledgementHours = acknowledgementHours
    }
    public static let standard = CaseworkRules()
}

/// Input for recording a contact.
public struct ContactInput: Codable, Sendable {
    public var at: String?
    public var mode: String?
    public var durationMinutes: Int?
    public var successful: Bool?
    public var notes: String?
    /// Where it took place, in words (optional).
    public var location: String?
    /// A value of the contact outcomes code list (optional; decides `successful` when given).
    public var outcome: String?
    public init(at: String? = nil, mode: String?, durationMinutes: Int?, successful: Bool?, notes: String?,
                location: String? = nil, outcome: String? = nil) {
        self.location = location
        self.outcome = outcome
        self.at = at
        self.mode = mode
        self.durationMinutes = durationMinutes
        self.successful = successful
        self.notes = notes
    }
}

/// Input for agreeing the plan.
public struct PlanInput: Codable, Sendable {
    public struct ActionInput: Codable, Sendable {
        public var description: String?
        public var owner: String?
        public var due: String?
        public init(description: String?, owner: String?, due: String?) {
            self.description = description
            self.owner = owner
            self.due = due
        }
    }
    public var whatMatters: String?
    public var goals: [String]?
    public var actions: [ActionInput]?
    /// YYYY-MM-DD; the next review with the person.
    public var reviewDate: String?
    /// The person's strengths, in words (the care and support plan's first item); nil keeps what was recorded.
    public var strengths: String?
    /// Who agreed the plan (full name and role: the person or their legitimate representative) and who is
    /// responsible for reviewing it; nil keeps what was recorded, empty clears it.
    public var agreedWithName: String?
    public var agreedWithRole: String?
    public var reviewResponsibility: String?
    public init(whatMatters: String?, goals: [String]?, actions: [ActionInput]? = nil, reviewDate: String? = nil, strengths: String? = nil,
                agreedWithName: String? = nil, agreedWithRole: String? = nil, reviewResponsibility: String? = nil) {
        self.strengths = strengths
        (self.agreedWithName, self.agreedWithRole, self.reviewResponsibility) = (agreedWithName, agreedWithRole, reviewResponsibility)
        self.whatMatters = whatMatters
        self.goals = goals
        self.actions = actions
        self.reviewDate = reviewDate
    }
}

/// The casework actions. Each is pure: it reads the case and returns the change to store, or throws.
extension Case {
    /// A link worker takes the referral onto their caseload.
    public func accept(by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .accepted)
        update.change.referral.linkWorkerID = actor.userID
        update.messageBack(.accepted, "The social prescribing service has accepted the referral. A link worker (\(actor.displayName)) will contact the person.")
        return update.change
    }

    /// A supervisor allocates a waiting referral to a link worker's caseload.
    public func allocate(to linkWorker: User?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard actor.role == .supervisor else { throw .forbidden("Only a supervisor allocates referrals.") }
        guard let linkWorker, linkWorker.role == .linkWorker, linkWorker.active else {
            throw .invalid([FieldError("linkWorkerId", .chooseActiveLinkWorker)])
        }
        if !referral.status.isWaiting && !referral.status.isFinal && referral.linkWorkerID == nil {
            // A referral handed back to the supervisors when its link worker left: it keeps its stage.
            return handOver(to: linkWorker, by: actor, env: env)
        }
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .accepted, note: "Allocated to \(linkWorker.displayName)")
        update.change.referral.linkWorkerID = linkWorker.id
        update.messageBack(.accepted, "The social prescribing service has accepted the referral. A link worker (\(linkWorker.displayName)) will contact the person.")
        return update.change
    }

    /// A leaving link worker's open referral goes to another link worker, or back to the supervisors to
    /// allocate (no link worker); the referral keeps its stage and the handover is on its history.
    func handOver(to successor: User?, reason: String = "", by actor: Principal, env: CoreEnvironment) -> CaseChange {
        var update = CaseUpdate(self, by: actor, env: env)
        let note = (successor.map { "Handed over to \($0.displayName)" } ?? "Returned to the supervisors to allocate")
            + (reason.isEmpty ? (successor == nil ? ": the link worker left" : "") : ": \(reason)")
        update.change.events.append(ReferralEvent(id: env.id(), referralID: referral.id, from: update.status, to: update.status,
                                                  actorID: actor.userID, at: update.now, note: note))
        update.change.referral.linkWorkerID = successor?.id
        return update.change
    }

    /// The referral is not suitable for social prescribing; the referrer is told why.
    public func decline(reason: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let why = v.required(reason, "reason", label: .aReasonForDeclining, max: 1000)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .declined, note: why)
        update.change.referral.outcomeNote = why
        update.messageBack(.declined, "The social prescribing service has declined the referral. Reason: \(why)")
        return update.change
    }

    /// Records a conversation or an attempt; the first successful one makes the person "engaged".
    public func recordContact(_ input: ContactInput, by actor: Principal, env: CoreEnvironment,
                              rules: CaseworkRules = .standard) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let mode = v.choice(input.mode, "mode", label: .contactMode, as: ContactMode.self)
        let minutes = input.durationMinutes ?? 0
        if input.durationMinutes == nil { v.add("durationMinutes", .durationRequired) }
        else if !(1...600).contains(minutes) { v.add("durationMinutes", .durationOutOfRange, ["min": "1", "max": "600"]) }
        let notes = v.optional(input.notes, "notes", label: .notes, max: 10_000)
        let location = v.optional(input.location, "location", label: .location, max: 200)
        let outcome = v.optional(input.outcome, "outcome", label: .outcomeOfContact, max: 100)
        if !outcome.isEmpty && ContactOutcome(rawValue: outcome) == nil {
            v.add("outcome", .contactOutcomeUnknown, ["value": outcome, "allowed": ContactOutcome.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        if let made = ContactOutcome(rawValue: outcome)?.contactMade, let said = input.successful, said != made {
            v.add("outcome", made ? .contactMadeButMarkedUnsuccessful : .contactNotMadeButMarkedSuccessful)
        }
        var when = env.now()
        if let text = input.at, !text.isEmpty {
            if let parsed = parseInstant(text) {
                if parsed > env.now().addingTimeInterval(300) { v.add("at", .contactInFuture) }
                when = parsed
            } else {
                v.add("at", .dateTimeNotValid)
            }
        }
        try v.check()
        // Home visits need the lone-working check-in and a safe check-out first.
        // (one completed check-in and check-out per home visit recorded).
        let completedVisits = visits.filter { $0.linkWorkerID == actor.userID && $0.checkedOutAt != nil }.count
        let homeVisits = contacts.filter { $0.recordedBy == actor.userID && $0.mode == .homeVisit }.count
        if mode == .homeVisit && completedVisits <= homeVisits {
            throw .conflict(.homeVisitNeedsCheckIn)
        }
        var update = CaseUpdate(self, by: actor, env: env)
        try update.requireInSupport(.contactNotInSupport)
        let successful = ContactOutcome(rawValue: outcome)?.contactMade ?? input.successful ?? true
        update.change.contacts.append(Contact(id: env.id(), referralID: referral.id, at: when, mode: mode!,
                                              durationMinutes: minutes, successful: successful, notes: notes,
                                              recordedBy: actor.userID, location: location, outcome: outcome.isEmpty ? nil : outcome))
        switch (update.status, successful) {
        case (.accepted, true), (.contactAttempted, true):
            try update.move(to: .engaged)
            update.messageBack(.firstSeen, "The person has been seen by their link worker.")
        case (.accepted, false), (.contactAttempted, false):
            try update.move(to: .contactAttempted)
            let attempts = (contacts + update.change.contacts).filter { !$0.successful }.count
            if attempts >= rules.maxContactAttempts {
                try update.move(to: .unableToContact, note: "\(attempts) unsuccessful attempts")
                update.messageBack(.closed, "The link worker was unable to contact the person after \(attempts) attempts, so the case has closed.")
            }
        default:
            break
        }
        return update.change
    }

    /// Records "what matters to me" and the first goals; moves an engaged case to "plan agreed".
    public func agreePlan(_ input: PlanInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let whatMatters = v.required(input.whatMatters, "whatMatters", label: .whatMattersToThePerson, max: 5000)
        let strengths = input.strengths.map { _ in v.optional(input.strengths, "strengths", label: .thePersonsStrengths, max: 5000) }
        let agreedWithName = input.agreedWithName.map { _ in v.optional(input.agreedWithName, "agreedWithName", label: .whoAgreedThePlan, max: 200) }
        let agreedWithRole = input.agreedWithRole.map { _ in v.optional(input.agreedWithRole, "agreedWithRole", label: .theirRole, max: 200) }
        let reviewResponsibility = input.reviewResponsibility.map { _ in
            v.optional(input.reviewResponsibility, "reviewResponsibility", label: .responsibilityForReview, max: 200)
        }
        let goalsFit = v.atMost(input.goals?.count ?? 0, Limits.goalsPerPlan, "goals", .goalsInAPlan)
        let actionsFit = v.atMost(input.actions?.count ?? 0, Limits.actionsPerPlan, "actions", .actionsInAPlan)
        guard goalsFit && actionsFit else { throw .invalid(v.errors) }
        let goals = (input.goals ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        if goals.contains(where: { $0.count > 500 }) { v.add("goals", .goalTooLong, ["max": "500"]) }
        let today = CalendarDate(env.now())
        var reviewDate: CalendarDate?
        if let text = input.reviewDate, !text.isEmpty {
            // The page's Day, Month and Year come joined as `year-month-day`; the API's `YYYY-MM-DD` reads the same.
            do throws(DateInputError) {
                reviewDate = try DateInput(text: text).parsed()
                if reviewDate! < today { v.add("reviewDate", .reviewDateInPast) }
            } catch { v.add(all: [error.fieldError("reviewDate", label: .reviewDate)]) }
        }
        var actions: [(String, String, CalendarDate?)] = []
        for (index, action) in (input.actions ?? []).enumerated() {
            let text = (action.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            if text.count > 500 { v.add("actions[\(index)].description", .actionTooLong, ["max": "500"]) }
            var due: CalendarDate?
            if let raw = action.due, !raw.isEmpty {
                do throws(DateInputError) { due = try DateInput(text: raw).parsed() }
                catch { v.add(all: [error.fieldError("actions[\(index)].due", label: .anActionsDueDate)]) }
            }
            let owner = (action.owner ?? "").trimmingCharacters(in: .whitespaces)
            actions.append((text, owner.isEmpty ? "The person" : String(owner.prefix(100)), due))
        }
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else {
            throw .conflict(.planNeedsEngaged, ["status": update.status.rawValue])
        }
        if update.status == .engaged { try update.move(to: .planAgreed) }
        update.change.plan = Plan(referralID: referral.id, whatMatters: whatMatters, agreedAt: update.now, agreedBy: actor.userID,
                                  reviewDate: reviewDate ?? plan?.reviewDate)
        update.change.plan?.strengths = strengths.map { $0.isEmpty ? nil : $0 } ?? plan?.strengths
        update.change.plan?.agreedWithName = agreedWithName.map { $0.isEmpty ? nil : $0 } ?? plan?.agreedWithName
        update.change.plan?.agreedWithRole = agreedWithRole.map { $0.isEmpty ? nil : $0 } ?? plan?.agreedWithRole
        update.change.plan?.reviewResponsibility = reviewResponsibility.map { $0.isEmpty ? nil : $0 } ?? plan?.reviewResponsibility
        update.change.goals = goals.map { Goal(id: env.id(), referralID: referral.id, description: $0, createdAt: update.now) }
        update.change.actions = actions.map {
            PlanAction(id: env.newID(), referralID: referral.id, description: $0.0, owner: $0.1, due: $0.2, doneAt: nil, createdAt: update.now)
        }
        return update.change
    }

    /// Marks an agreed action done.
    public func completeAction(_ id: String, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var action = actions.first(where: { $0.id == id }) else { throw .notFound("action") }
        guard action.doneAt == nil else { throw .conflict(.actionDone) }
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else { throw .conflict(.actionsClosed, ["status": update.status.rawValue]) }
        action.doneAt = update.now
        if action.status != nil { action.status = .done }
        update.change.actions.append(action)
        return update.change
    }

    /// Rates progress on a goal, 1–10.
    public func rateGoal(_ goalID: GoalID, rating: Int?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard goals.contains(where: { $0.id == goalID }) else { throw .notFound("goal") }
        guard let rating, (1...10).contains(rating) else { throw .invalid([FieldError("rating", .goalRatingOutOfRange)]) }
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else { throw .conflict(.goalsClosed, ["status": update.status.rawValue]) }
        update.change.goalRatings.append(GoalRating(goalID: goalID, rating: rating, at: update.now, ratedBy: actor.userID))
        return update.change
    }

    /// Refers the person out to a community service (the social prescription). With the `governance` of
    /// the service's organisation given, a group whose checks are missing or expired is refused unless a
    /// supervisor overrides it with a reason (recorded on the referral out's first event).
    public func referOut(to service: Service?, note: String?, handover: HandoverInput = HandoverInput(),
                         governance: GovernanceStanding? = nil, governanceOverride: String? = nil,
                         by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        if service == nil { v.add("serviceId", .chooseService) }
        else if service?.active == false { v.add("serviceId", .serviceNotActive) }
        let overrideReason = v.optional(governanceOverride, "governanceOverride", label: .theReasonForTheOverride, max: 1000)
        var overridden = ""
        if let service, let governance, !governance.allowsReferral {
            if overrideReason.isEmpty {
                v.add("serviceId", .serviceGovernanceIncomplete, ["service": service.name, "governance": governance.summary.lowercased()])
            } else if actor.role != .supervisor {
                v.add("governanceOverride", .governanceOverrideSupervisorOnly)
            } else {
                overridden = "Governance override by \(actor.displayName) (\(governance.summary)): \(overrideReason)"
            }
        }
        let note = v.optional(note, "note", label: .noteToTheProvider, max: 2000)
        let firstContact = (handover.firstContact ?? "").isEmpty ? .providerContactsPerson
            : v.choice(handover.firstContact, "firstContact", label: .whoMakesFirstContact, as: FirstContact.self)
        let owner = (handover.followUpOwner ?? "").isEmpty ? .linkWorker
            : v.choice(handover.followUpOwner, "followUpOwner", label: .whoOwnsFollowUp, as: FollowUpOwner.self)
        let window = handover.returnWindowDays ?? 90
        if !(0...365).contains(window) { v.add("returnWindowDays", .returnWindowOutOfRange) }
        let sharing = v.optional(handover.outcomeSharing, "outcomeSharing", label: .outcomeInformationShared, max: 500)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else {
            throw .conflict(.onwardNotInSupport, ["status": update.status.rawValue])
        }
        guard referral.consent.covers(.shareWithProviders) else {
            throw .conflict(.noConsentToShare)
        }
        if onwardReferrals.contains(where: { $0.serviceID == service!.id && [.requested, .accepted, .inProgress, .onHold].contains($0.status) }) {
            throw .conflict(.onwardAlreadyOpen)
        }
        let onward = OnwardReferral(id: env.id(), referralID: referral.id, serviceID: service!.id, status: .requested,
                                    rejectionReason: nil, note: note, createdBy: actor.userID,
                                    createdAt: update.now, updatedAt: update.now, firstContact: firstContact!, followUpOwner: owner!,
                                    returnWindowDays: window, reportsNonAttendance: handover.reportsNonAttendance ?? true,
                                    outcomeSharing: sharing.isEmpty ? "Attendance only" : sharing)
        update.change.onwardReferrals.append(onward)
        update.change.onwardEvents.append(OnwardEvent(id: env.newID(), onwardReferralID: onward.id, from: nil, to: .requested,
                                                      actorID: actor.userID, at: update.now, note: overridden))
        if update.status == .planAgreed { try update.move(to: .active) }
        return update.change
    }

    /// The person withdraws consent for one purpose. Withdrawing consent to social prescribing itself
    /// withdraws the referral. Nothing already recorded is deleted; further sharing stops.
    public func withdrawConsent(_ purpose: String?, note: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let purpose = v.choice(purpose, "purpose", label: .consentPurpose, as: ConsentPurpose.self)
        let text = v.optional(note, "note", label: .note, max: 1000)
        try v.check()
        guard referral.consent.covers(purpose!) else { throw .conflict(.consentNotHeld, ["purpose": purpose!.rawValue]) }
        var update = CaseUpdate(self, by: actor, env: env)
        let status = update.status
        update.change.referral.consent.purposes.removeAll { $0 == purpose || purpose == .socialPrescribing }
        update.change.events.append(ReferralEvent(id: env.id(), referralID: referral.id, from: status, to: status, actorID: actor.userID,
                                                  at: update.now, note: "Consent withdrawn: \(purpose!.rawValue)" + (text.isEmpty ? "" : " — \(text)")))
        if purpose == .socialPrescribing && !status.isFinal {
            try update.move(to: .withdrawn, note: "The person withdrew consent")
        }
        return update.change
    }

    /// Records signposting: information given so that the person can make contact themself.
    public func signpost(to service: Service?, description: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        var text = v.optional(description, "description", label: .whatWasGiven, max: 2000)
        if text.isEmpty, let service { text = "Information about \(service.name)" }
        if text.isEmpty { v.add("description", .signpostingDescriptionRequired) }
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else {
            throw .conflict(.signpostingNotInSupport, ["status": update.status.rawValue])
        }
        update.change.signposts.append(Signpost(id: env.newID(), referralID: referral.id, serviceID: service?.id, description: text,
                                                at: update.now, recordedBy: actor.userID))
        return update.change
    }

    /// The provider accepts or rejects a referral out.
    public func respondToOnward(_ id: OnwardReferralID, accept: Bool, reason: String?, note: String?,
                                by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var onward = onward(id) else { throw .notFound("referral out") }
        var update = CaseUpdate(self, by: actor, env: env)
        if accept {
            try update.moveOnward(&onward, to: .accepted)
        } else {
            var v = Validator()
            let why = v.choice(reason, "reason", label: .reason, as: RejectionReason.self)
            let text = v.optional(note, "note", label: .note, max: 1000)
            try v.check()
            try update.moveOnward(&onward, to: .rejected, note: text)
            onward.rejectionReason = why
        }
        update.change.onwardReferrals.append(onward)
        return update.change
    }

    /// The provider reports whether the person came to a session.
    public func reportAttendance(_ id: OnwardReferralID, sessionDate: String?, attended: Bool,
                                 by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var onward = onward(id) else { throw .notFound("referral out") }
        let today = CalendarDate(env.now())
        var date = today
        if let text = sessionDate, !text.isEmpty {
            // The page's Day, Month and Year come joined as `year-month-day`; the API's `YYYY-MM-DD` reads the same.
            let parsed: CalendarDate
            do throws(DateInputError) { parsed = try DateInput(text: text).parsed() } catch {
                throw .invalid([error.fieldError("sessionDate", label: .sessionDate)])
            }
            guard parsed <= today else { throw .invalid([FieldError("sessionDate", .sessionDateInFuture)]) }
            date = parsed
        }
        // A session before the referral was sent, or once the case has ended, cannot be this referral's.
        let sent = CalendarDate(onward.createdAt)
        guard date >= sent else {
            throw .invalid([FieldError("sessionDate", .sessionDateBeforeSent, ["sent": "\(sent)"])])
        }
        guard !GroupNotices.ended.contains(referral.status) else {
            throw .invalid([FieldError("sessionDate", referral.status == .closed ? .attendanceCaseClosed : .attendanceCaseEnded)])
        }
        guard onward.status.acceptsAttendance else {
            throw .conflict(.attendanceNeedsAccepted, ["onwardStatus": onward.status.rawValue])
        }
        var update = CaseUpdate(self, by: actor, env: env)
        if attended && onward.status == .accepted {
            try update.moveOnward(&onward, to: .inProgress, note: "first attended")
        }
        update.change.attendance.append(AttendanceReport(id: env.newID(), onwardReferralID: id, sessionDate: date,
                                                         attended: attended, reportedBy: actor.userID, reportedAt: update.now))
        update.change.onwardReferrals.append(onward)
        return update.change
    }

    /// Moves a referral out to another status. The provider sets its own statuses (on hold, completed,
    /// failed…; `OnwardStatus.setByProvider`); the link worker or supervisor only cancels it or marks it
    /// entered in error, and those need `confirmed`.
    public func updateOnward(_ id: OnwardReferralID, to status: String?, note: String?, confirmed: Bool = false,
                             by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var onward = onward(id) else { throw .notFound("referral out") }
        var v = Validator()
        let next = v.choice(status, "status", label: .status, as: OnwardStatus.self)
        let text = v.optional(note, "note", label: .note, max: 1000)
        try v.check()
        if actor.role == .provider {
            guard next!.setByProvider else { throw .forbidden("\(next!.label) is set by the link worker, not the service.") }
        } else {
            guard !next!.setByProvider else {
                throw .invalid([FieldError("status", .onwardStatusForService, ["status": next!.label])])
            }
            guard confirmed || !next!.isDestructive else {
                throw .invalid([FieldError("confirm", .confirmOnwardStatus, ["statusLowercased": next!.label.lowercased()])])
            }
        }
        var update = CaseUpdate(self, by: actor, env: env)
        try update.moveOnward(&onward, to: next!, note: text)
        update.change.onwardReferrals.append(onward)
        return update.change
    }

    /// Closes the case with a reason; the referrer hears the outcome. When closing would leave loose ends
    /// (`looseEnds`: referrals out still waiting on the provider, measures without their closing score),
    /// it needs `confirmed`.
    public func close(reason: String?, note: String?, feedback: ClosingFeedbackInput = .init(), looseEnds: [String] = [],
                      confirmed: Bool = false, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let why = v.choice(reason, "reason", label: .closingReason, as: ClosingReason.self)
        let text = v.optional(note, "note", label: .closingNote, max: 2000)
        var satisfaction: Int?
        if let raw = feedback.satisfaction?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let value = Int(raw), (1...5).contains(value) { satisfaction = value }
            else { v.add("feedback.satisfaction", .satisfactionOutOfRange) }
        }
        let wouldChange = v.optional(feedback.wouldChange, "feedback.wouldChange", label: .whatWouldYouChange, max: 2000)
        if !looseEnds.isEmpty && !confirmed && referral.status.canMove(to: .closed) {
            v.add("confirm", .closeLeavesLooseEnds, ["looseEnds": looseEnds.joined(separator: "; ")])
        }
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: .closed, note: text)
        update.change.referral.closingReason = why
        update.change.referral.outcomeNote = text
        if satisfaction != nil || !wouldChange.isEmpty {
            update.change.referral.closingFeedback = ClosingFeedback(satisfaction: satisfaction, wouldChange: wouldChange)
        }
        update.messageBack(.closed, "The case has closed. Outcome: \(why!.label)." + (text.isEmpty ? "" : " \(text)"))
        return update.change
    }

    /// Ends a case that never got going, or that the person left.
    public func end(as status: ReferralStatus, note: String?, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard [.unableToContact, .withdrawn, .redirected, .triaged, .review, .active].contains(status) else {
            throw .invalid([FieldError("status", .useStepAction)])
        }
        var v = Validator()
        let text = v.optional(note, "note", label: .note, max: 2000)
        try v.check()
        var update = CaseUpdate(self, by: actor, env: env)
        try update.move(to: status, note: text)
        if status.isFinal {
            update.change.referral.outcomeNote = text
            update.messageBack(.closed, "The case has ended: \(status.label.lowercased()).")
        }
        return update.change
    }
}

/// Parses "2026-03-01T14:30", "2026-03-01T14:30:00Z" or a full ISO 8601 instant (UTC when no zone is given).
public func parseInstant(_ text: String) -> Date? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let date = try? Date(trimmed, strategy: .iso8601) { return date }
    for suffix in [":00Z", "Z"] {
        if let date = try? Date(trimmed + suffix, strategy: .iso8601) { return date }
    }
    return nil
}

/// The person's feedback as typed on the closing form or sent to the API (both optional).
public struct ClosingFeedbackInput: Codable, Sendable {
    public var satisfaction: String?
    public var wouldChange: String?
    public init(satisfaction: String? = nil, wouldChange: String? = nil) {
        self.satisfaction = satisfaction
        self.wouldChange = wouldChange
    }
}
