import Foundation

// The "message back to GP and referrer" of the PRSB Social Prescribing Information Standard v1.1, as a
// value: what the letter, the structured JSON (`GET /api/v1/referrals/{id}/message-back`) and the FHIR
// Composition are all made from. The standard's order: plan and requested actions first (or an explicit
// "no actions requested"), then the summary of the journey — needs, support taken up and not taken up,
// outcome scores before and after, risks and safeguarding — addressed to the referrer and the registered
// GP practice. Mandatory content missing is a 422 naming the field; optional content that is empty is
// left out of the outputs (nil, or an empty list the encoders skip).

/// A coded value: a system, a code and its display (a local, unmapped code when nothing is mapped).
public struct CodedValue: Codable, Sendable, Equatable {
    public var system: String
    public var code: String
    public var display: String
    /// False for Linkwell's own local codes (`urn:linkwell:codesystem:…`).
    public var mapped: Bool

    public init(system: String, code: String, display: String, mapped: Bool) {
        (self.system, self.code, self.display, self.mapped) = (system, code, display, mapped)
    }

    public init(_ concept: CodedConcept) {
        self.init(system: concept.system, code: concept.code, display: concept.display, mapped: concept.mapped)
    }

    /// A SNOMED CT concept.
    public static func snomed(_ code: String, _ display: String) -> CodedValue {
        CodedValue(system: CodeSystem.snomed, code: code, display: display, mapped: true)
    }
}

/// The message back document. Its public shape is stable: the FHIR Composition is built from it.
public struct MessageBackDocument: Codable, Sendable, Equatable {
    /// A party the document is from or to.
    public struct Party: Codable, Sendable, Equatable {
        /// Why they are a party: `referrer`, `gp_practice` or `author`.
        public var role: String
        /// A person's name (the referrer, the link worker); nil for an organisation itself.
        public var name: String?
        /// Their job role (e.g. "GP", "Social prescribing link worker").
        public var jobRole: String?
        public var organisationName: String?
        /// The organisation's ODS code.
        public var odsCode: String?
        public var email: String?
        public var phone: String?
        /// A referrer's grade, team and specialty (the standard's referrer details), when given.
        public var grade: String? = nil
        public var team: String? = nil
        public var specialty: String? = nil

        public init(role: String, name: String? = nil, jobRole: String? = nil, organisationName: String? = nil,
                    odsCode: String? = nil, email: String? = nil, phone: String? = nil) {
            (self.role, self.name, self.jobRole, self.organisationName) = (role, name.nonEmpty, jobRole.nonEmpty, organisationName.nonEmpty)
            (self.odsCode, self.email, self.phone) = (odsCode.nonEmpty, email.nonEmpty, phone.nonEmpty)
        }
    }

    /// Who the document is about (the minimum needed to file it in the GP record).
    public struct Subject: Codable, Sendable, Equatable {
        public var personID: PersonID
        public var givenName: String
        public var familyName: String
        public var dateOfBirth: CalendarDate
        /// Ten digits, when known.
        public var nhsNumber: String?
        /// The registered GP practice (standard section 2, mandatory: its ODS code).
        public var gpPractice: Party
    }

    /// One requested or agreed action.
    public struct Action: Codable, Sendable, Equatable {
        public var description: String
        public var agreedWithPerson: Bool
        public var recordedAt: Date
    }

    /// The standard's "plan and requested actions": first in the document.
    public struct PlanAndRequestedActions: Codable, Sendable, Equatable {
        public var forProfessionals: [Action]
        public var forPersonOrCarer: [Action]
        /// True when nothing is asked of anyone: the document says so outright.
        public var noActionsRequested: Bool
        /// The sentence to print: "No actions requested." when there are none.
        public var statement: String?
    }

    /// One piece of support: a referral out, a signposting or an agreed plan action.
    public struct Support: Codable, Sendable, Equatable {
        /// `referral_out`, `signpost` or `plan_action`.
        public var kind: String
        public var description: String
        /// The service and its organisation, for referrals out and signposting to a listed service.
        public var serviceName: String?
        public var organisationName: String?
        /// Its status in words (a referral out's closed-loop status, "done", …).
        public var status: String?
        /// Why it was not taken up, when it was not.
        public var reason: String?
        public var date: Date
    }

    /// One score before and after.
    public struct OutcomeScore: Codable, Sendable, Equatable {
        /// The assessment scale (from `CodeListKind.assessments`).
        public var scale: CodedValue
        public var scoreID: String
        public var scoreLabel: String
        public var before: Double?
        public var beforeAt: Date?
        public var after: Double?
        public var afterAt: Date?
        public var change: Double?
        /// "improved", "no meaningful change" or "worsened", where the scale defines meaningful change.
        public var verdict: String?
    }

    /// One risk entry (standard section 17).
    public struct Risk: Codable, Sendable, Equatable {
        public var risk: CodedValue
        public var detail: String?
        public var start: CalendarDate?
        public var end: CalendarDate?
    }

    /// One safeguarding concern, with where it stands.
    public struct Safeguarding: Codable, Sendable, Equatable {
        public var description: String
        public var raisedAt: Date
        public var escalatedTo: String
        /// `open`, `acknowledged` or `resolved`.
        public var status: String
        public var resolution: String?
    }

    /// The summary of the journey (the standard's clinical summary).
    public struct JourneySummary: Codable, Sendable, Equatable {
        public var referralReceivedAt: Date
        /// The referral's status in words.
        public var status: String
        public var firstSeenAt: Date?
        public var closedAt: Date?
        public var closingReason: CodedValue?
        /// Needs and concerns: from the referral and those that emerged in support (presenting issues).
        public var needs: [CodedValue]
        /// What the person said they want, in their words.
        public var personView: String?
        public var contactsMade: Int
        public var supportTakenUp: [Support]
        public var supportNotTakenUp: [Support]
        /// Signposting, kept apart from referral: information given so the person can make contact.
        public var signposting: [Support]
        public var outcomeScores: [OutcomeScore]
        /// Always at least one entry ("no known risks" is an entry).
        public var risks: [Risk]
        public var safeguarding: [Safeguarding]
        /// The link worker's own closing note, when there is one.
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case referralReceivedAt, status, firstSeenAt, closedAt, closingReason, needs, personView, contactsMade, supportTakenUp
            case supportNotTakenUp, signposting, outcomeScores, risks, safeguarding, note
        }

        // Empty optional lists are left out of the JSON, as the standard asks of optional items; risks
        // (mandatory) are always there.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(referralReceivedAt, forKey: .referralReceivedAt)
            try c.encode(status, forKey: .status)
            try c.encodeIfPresent(firstSeenAt, forKey: .firstSeenAt)
            try c.encodeIfPresent(closedAt, forKey: .closedAt)
            try c.encodeIfPresent(closingReason, forKey: .closingReason)
            if !needs.isEmpty { try c.encode(needs, forKey: .needs) }
            try c.encodeIfPresent(personView, forKey: .personView)
            try c.encode(contactsMade, forKey: .contactsMade)
            if !supportTakenUp.isEmpty { try c.encode(supportTakenUp, forKey: .supportTakenUp) }
            if !supportNotTakenUp.isEmpty { try c.encode(supportNotTakenUp, forKey: .supportNotTakenUp) }
            if !signposting.isEmpty { try c.encode(signposting, forKey: .signposting) }
            if !outcomeScores.isEmpty { try c.encode(outcomeScores, forKey: .outcomeScores) }
            try c.encode(risks, forKey: .risks)
            if !safeguarding.isEmpty { try c.encode(safeguarding, forKey: .safeguarding) }
            try c.encodeIfPresent(note, forKey: .note)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            referralReceivedAt = try c.decode(Date.self, forKey: .referralReceivedAt)
            status = try c.decode(String.self, forKey: .status)
            firstSeenAt = try c.decodeIfPresent(Date.self, forKey: .firstSeenAt)
            closedAt = try c.decodeIfPresent(Date.self, forKey: .closedAt)
            closingReason = try c.decodeIfPresent(CodedValue.self, forKey: .closingReason)
            needs = try c.decodeIfPresent([CodedValue].self, forKey: .needs) ?? []
            personView = try c.decodeIfPresent(String.self, forKey: .personView)
            contactsMade = try c.decode(Int.self, forKey: .contactsMade)
            supportTakenUp = try c.decodeIfPresent([Support].self, forKey: .supportTakenUp) ?? []
            supportNotTakenUp = try c.decodeIfPresent([Support].self, forKey: .supportNotTakenUp) ?? []
            signposting = try c.decodeIfPresent([Support].self, forKey: .signposting) ?? []
            outcomeScores = try c.decodeIfPresent([OutcomeScore].self, forKey: .outcomeScores) ?? []
            risks = try c.decode([Risk].self, forKey: .risks)
            safeguarding = try c.decodeIfPresent([Safeguarding].self, forKey: .safeguarding) ?? []
            note = try c.decodeIfPresent(String.self, forKey: .note)
        }

        public init(referralReceivedAt: Date, status: String, firstSeenAt: Date?, closedAt: Date?, closingReason: CodedValue?,
                    needs: [CodedValue], personView: String?, contactsMade: Int, supportTakenUp: [Support], supportNotTakenUp: [Support],
                    signposting: [Support], outcomeScores: [OutcomeScore], risks: [Risk], safeguarding: [Safeguarding], note: String?) {
            (self.referralReceivedAt, self.status, self.firstSeenAt, self.closedAt, self.closingReason) = (referralReceivedAt, status, firstSeenAt, closedAt, closingReason)
            (self.needs, self.personView, self.contactsMade, self.supportTakenUp) = (needs, personView, contactsMade, supportTakenUp)
            (self.supportNotTakenUp, self.signposting, self.outcomeScores) = (supportNotTakenUp, signposting, outcomeScores)
            (self.risks, self.safeguarding, self.note) = (risks, safeguarding, note)
        }
    }

    public var referralID: ReferralID
    public var createdAt: Date
    /// A short title: "Social prescribing: message back".
    public var title: String
    public var author: Party
    /// The referrer and, when different, the registered GP practice; never empty.
    public var recipients: [Party]
    public var subject: Subject
    public var planAndRequestedActions: PlanAndRequestedActions
    public var summary: JourneySummary
    /// National SNOMED CT codes for the GP record: 871731000000106 once the referral was accepted,
    /// 871711000000103 when it was declined.
    public var nationalCodes: [CodedValue]
    /// The care and support plan (the standard's section 19): strengths, goals with the need each answers,
    /// their importance, status and outcome, and the actions towards them; nil when no plan was agreed.
    public var carePlan: CarePlan? = nil
    /// The referral's "return response to" (the standard's referral details): who else is to get the
    /// outcome, in the referrer's words; nil when not given. Linkwell does not send to it itself.
    public var returnResponseTo: String? = nil

    /// The care and support plan as the message back carries it; empty items are left out (nil).
    public struct CarePlan: Codable, Sendable, Equatable {
        public struct PlanAction: Codable, Sendable, Equatable {
            /// What will be done.
            public var what: String
            /// What kind of support it is (support offered code list, as mapped).
            public var support: CodedValue?
            /// Who will do it.
            public var who: String
            /// By when.
            public var when: CalendarDate?
            /// A local code (`PlanActionStatus`), unmapped.
            public var status: CodedValue
            /// The person's confidence of doing it, 1–10.
            public var confidence: Int?
            public var reviewDate: CalendarDate?
        }
        public struct Goal: Codable, Sendable, Equatable {
            public var description: String
            /// The need or concern it answers (needs code list, as mapped).
            public var need: CodedValue?
            /// How much it matters to the person, 1–10.
            public var importance: Int?
            /// The latest goal attainment rating, 1–10.
            public var latestRating: Int?
            /// A local code (`GoalStatus`), unmapped.
            public var status: CodedValue?
            public var outcome: String?
            public var actions: [PlanAction]?
        }
        public var whatMatters: String?
        public var strengths: String?
        public var reviewDate: CalendarDate?
        /// Who agreed the plan (full name and role) and who is responsible for its review; nil when not recorded.
        public var agreedWithName: String? = nil
        public var agreedWithRole: String? = nil
        public var reviewResponsibility: String? = nil
        public var goals: [Goal]?
        /// Actions not tied to a goal.
        public var otherActions: [PlanAction]?

        /// The plan as lines of text, in the standard's order (strengths → goals with their need and
        /// importance → actions → outcomes): for the printed letter and the FHIR section's narrative.
        public var lines: [String] {
            var lines: [String] = []
            if let whatMatters { lines.append("What matters to the person: \(whatMatters)") }
            if let strengths { lines.append("Strengths: \(strengths)") }
            func action(_ a: PlanAction, _ prefix: String) -> String {
                var text = "\(prefix)\(a.what)" + (a.support.map { " (\($0.display))" } ?? "") + " — \(a.who)"
                if let when = a.when { text += ", by \(when)" }
                text += "; \(a.status.display.lowercased())"
                if let c = a.confidence { text += "; confidence \(c)/10" }
                if let r = a.reviewDate { text += "; review \(r)" }
                return text
            }
            for goal in goals ?? [] {
                var text = "Goal: \(goal.description)"
                let facts = [goal.need.map { "need: \($0.display)" }, goal.importance.map { "importance \($0)/10" },
                             goal.latestRating.map { "latest rating \($0)/10" }].compactMap { $0 }
                if !facts.isEmpty { text += " (\(facts.joined(separator: "; ")))" }
                lines.append(text)
                for a in goal.actions ?? [] { lines.append(action(a, "Action towards it: ")) }
                if goal.status != nil || goal.outcome != nil {
                    lines.append("Outcome: " + [goal.status?.display, goal.outcome].compactMap { $0 }.joined(separator: " — "))
                }
            }
            for a in otherActions ?? [] { lines.append(action(a, "Action: ")) }
            if let agreed = [agreedWithName, agreedWithRole].compactMap({ $0 }).joined(separator: ", ").nonEmpty {
                lines.append("Agreed with: \(agreed)")
            }
            if let reviewDate { lines.append("Next review of the plan: \(reviewDate)") }
            if let reviewResponsibility { lines.append("Responsibility for review: \(reviewResponsibility)") }
            return lines
        }
    }

    public static let title = "Social prescribing: message back to the GP and referrer"
    public static let noActionsStatement = "No actions requested."
}

/// What the builder needs beyond the case: names and organisations resolved by the service, scores,
/// and the code lists as the scheme has mapped them.
public struct MessageBackContext: Sendable {
    public var schemeName: String
    /// The link worker (or whoever writes the document).
    public var authorName: String?
    /// The referring user and their organisation; nil for a self-referral.
    public var referrer: User?
    public var referrerOrganisation: Organisation?
    /// The person's registered GP practice.
    public var gpPractice: Organisation?
    /// Service id → (service name, organisation name), for referrals out and signposting.
    public var services: [ServiceID: (service: String, organisation: String)]
    public var trajectories: [ScoreTrajectory]
    /// Every code list, as `CodeListService.list` returns it.
    public var codeLists: [CodeListKind: [CodedConcept]]
    public var now: Date

    public init(schemeName: String, authorName: String?, referrer: User?, referrerOrganisation: Organisation?,
                gpPractice: Organisation?, services: [ServiceID: (service: String, organisation: String)] = [:],
                trajectories: [ScoreTrajectory] = [], codeLists: [CodeListKind: [CodedConcept]] = [:], now: Date) {
        (self.schemeName, self.authorName, self.referrer, self.referrerOrganisation) = (schemeName, authorName, referrer, referrerOrganisation)
        (self.gpPractice, self.services, self.trajectories, self.codeLists, self.now) = (gpPractice, services, trajectories, codeLists, now)
    }

    /// The coded value of a local value: its mapping when the list has one, else its local code.
    public func coded(_ list: CodeListKind, _ key: String) -> CodedValue {
        if let concept = codeLists[list]?.first(where: { $0.key == key }) { return CodedValue(concept) }
        let display = list.localValues.first { $0.key == key }?.display ?? key
        return CodedValue(.local(list, key: key, display: display))
    }
}

extension MessageBackDocument {
    /// Builds the document from a case. Throws a 422 naming the first-class field when content the
    /// standard marks mandatory is missing: the person's name, the registered GP practice and its ODS
    /// code (`person.gpPracticeCode`), a professional referrer's name, organisation and contact
    /// (`referrer.*`), and at least one risk entry (`risks`).
    public static func build(from c: Case, _ context: MessageBackContext) throws(LinkwellError) -> MessageBackDocument {
        var v = Validator()
        let person = c.person, referral = c.referral
        if person.givenName.trimmed.isEmpty { v.add("person.givenName", .messageBackGivenNameRequired) }
        if person.familyName.trimmed.isEmpty { v.add("person.familyName", .messageBackFamilyNameRequired) }
        let practice = context.gpPractice
        if practice == nil {
            v.add("person.gpPracticeCode", .messageBackPracticeRequired)
        } else if practice?.odsCode.nonEmpty == nil {
            v.add("person.gpPracticeCode", .messageBackPracticeNoODSCode)
        }
        if referral.sourceType != .selfReferral || referral.referrerID != nil {
            if context.referrer == nil { v.add("referrer.name", .messageBackReferrerRequired) }
            if context.referrerOrganisation == nil { v.add("referrer.organisation", .messageBackReferrerOrganisationRequired) }
            let contact = context.referrer?.email.nonEmpty ?? context.referrerOrganisation?.email.nonEmpty ?? context.referrerOrganisation?.phone.nonEmpty
            if context.referrer != nil && contact == nil { v.add("referrer.contact", .messageBackReferrerContactRequired) }
        }
        let risks = riskEntries(c, context)
        if risks.isEmpty {
            v.add("risks", .messageBackRisksRequired)
        }
        try v.check()

        let gp = Party(role: "gp_practice", organisationName: practice!.name, odsCode: practice!.odsCode,
                       email: practice!.email, phone: practice!.phone)
        var recipients: [Party] = []
        if let referrer = context.referrer {
            let organisation = context.referrerOrganisation
            recipients.append(Party(role: "referrer", name: referrer.displayName, jobRole: referral.sourceType.label,
                                    organisationName: organisation?.name, odsCode: organisation?.odsCode,
                                    email: referrer.email, phone: organisation?.phone))
            (recipients[0].grade, recipients[0].team, recipients[0].specialty)
                = (referral.referrerGrade.nonEmpty, referral.referrerTeam.nonEmpty, referral.referrerSpecialty.nonEmpty)
        }
        if practice!.id != referral.referrerOrganisationID || recipients.isEmpty { recipients.append(gp) }

        let requested = c.requestedActions.filter(\.isCurrent).sorted { $0.recordedAt < $1.recordedAt }
        func actions(_ audience: ActionAudience) -> [Action] {
            requested.filter { $0.audience == audience }.map { Action(description: $0.description, agreedWithPerson: $0.agreedWithPerson, recordedAt: $0.recordedAt) }
        }
        let plan = PlanAndRequestedActions(forProfessionals: actions(.professional), forPersonOrCarer: actions(.personOrCarer),
                                           noActionsRequested: requested.isEmpty, statement: requested.isEmpty ? noActionsStatement : nil)

        var needKeys = referral.needs.map(\.rawValue)
        for item in c.profile where item.kind == .need && item.isCurrent {
            if let need = item.need?.rawValue, !needKeys.contains(need) { needKeys.append(need) }
        }

        var takenUp: [Support] = [], notTakenUp: [Support] = []
        for onward in c.onwardReferrals.sorted(by: { $0.createdAt < $1.createdAt }) where onward.status != .enteredInError {
            let names = context.services[onward.serviceID]
            var item = Support(kind: "referral_out", description: names?.service ?? "A community service", serviceName: names?.service,
                               organisationName: names?.organisation, status: onward.status.label, reason: nil, date: onward.createdAt)
            switch onward.status {
            case .rejected, .cancelled, .failed:
                item.reason = onward.rejectionReason?.label ?? lastNote(c, onward.id)
                notTakenUp.append(item)
            case .requested:
                item.reason = c.referral.status.isFinal ? "Never taken up by the service" : "Waiting for the service"
                notTakenUp.append(item)
            default: takenUp.append(item)
            }
        }
        for action in c.actions.sorted(by: { $0.createdAt < $1.createdAt }) {
            let status = action.effectiveStatus
            let item = Support(kind: "plan_action", description: action.description, serviceName: nil, organisationName: nil,
                               status: action.status == nil ? (action.doneAt == nil ? "Not done" : "Done") : status.label,
                               reason: nil, date: action.createdAt)
            if action.doneAt != nil { takenUp.append(item) }
            else if c.referral.status.isFinal || status == .declined || status == .noLongerNeeded { notTakenUp.append(item) }
        }
        let signposting = c.signposts.sorted { $0.at < $1.at }.map { signpost in
            let names = signpost.serviceID.flatMap { context.services[$0] }
            return Support(kind: "signpost", description: signpost.description, serviceName: names?.service,
                           organisationName: names?.organisation, status: nil, reason: nil, date: signpost.at)
        }

        let scores = context.trajectories.filter { !$0.points.isEmpty }.map { t -> OutcomeScore in
            let before = t.points.first { $0.timepoint == .baseline }
            let after = t.points.last { point in point.timepoint != .baseline && before.map { point.at >= $0.at } ?? true }
            return OutcomeScore(scale: context.coded(.assessments, t.instrumentID), scoreID: t.scoreID, scoreLabel: t.label,
                                before: before?.value, beforeAt: before?.at, after: after?.value, afterAt: after?.at,
                                change: t.change, verdict: t.verdict.map(verdictText))
        }

        let safeguarding = c.concerns.sorted { $0.raisedAt < $1.raisedAt }.map { concern in
            Safeguarding(description: concern.description, raisedAt: concern.raisedAt, escalatedTo: concern.escalatedTo.label,
                         status: concern.resolvedAt != nil ? "resolved" : concern.isAcknowledged ? "acknowledged" : "open",
                         resolution: concern.resolution.nonEmpty)
        }

        let closedAt = c.events.last { $0.to.isFinal }?.at
        let summary = JourneySummary(
            referralReceivedAt: referral.receivedAt, status: referral.status.label, firstSeenAt: c.firstSeenAt, closedAt: closedAt,
            closingReason: referral.closingReason.map { context.coded(.closingReasons, $0.rawValue) },
            needs: needKeys.map { context.coded(.needs, $0) }, personView: referral.personView.nonEmpty,
            contactsMade: c.contacts.filter(\.successful).count, supportTakenUp: takenUp, supportNotTakenUp: notTakenUp,
            signposting: signposting, outcomeScores: scores, risks: risks, safeguarding: safeguarding,
            note: referral.status.isFinal ? referral.outcomeNote.nonEmpty : nil)

        var national: [CodedValue] = []
        if c.events.contains(where: { $0.to == .accepted }) {
            national.append(.snomed(NationalCodes.referralToSocialPrescribing, NationalCodes.referralToSocialPrescribingDisplay))
        }
        if referral.status == .declined {
            national.append(.snomed(NationalCodes.socialPrescribingDeclined, NationalCodes.socialPrescribingDeclinedDisplay))
        }

        var document = MessageBackDocument(
            referralID: referral.id, createdAt: context.now, title: title,
            author: Party(role: "author", name: context.authorName, jobRole: "Social prescribing link worker", organisationName: context.schemeName),
            recipients: recipients,
            subject: Subject(personID: person.id, givenName: person.givenName, familyName: person.familyName, dateOfBirth: person.dateOfBirth,
                             nhsNumber: person.nhsNumber?.digits, gpPractice: gp),
            planAndRequestedActions: plan, summary: summary, nationalCodes: national)
        document.carePlan = carePlan(c, context)
        document.returnResponseTo = referral.returnResponseTo.nonEmpty
        return document
    }

    /// The care and support plan from the case's plan, goals and actions; nil without an agreed plan.
    static func carePlan(_ c: Case, _ context: MessageBackContext) -> CarePlan? {
        guard let plan = c.plan else { return nil }
        func item(_ a: LinkwellCore.PlanAction) -> CarePlan.PlanAction {
            let status = a.effectiveStatus
            return CarePlan.PlanAction(what: a.description, support: a.support.map { context.coded(.supportOffered, $0) }, who: a.owner, when: a.due,
                                       status: CodedValue(system: PlanActionStatus.system, code: status.rawValue, display: status.label, mapped: false),
                                       confidence: a.confidence, reviewDate: a.reviewDate)
        }
        let actions = c.actions.sorted { $0.createdAt < $1.createdAt }
        let goals = c.goals.sorted { $0.createdAt < $1.createdAt }.map { g -> CarePlan.Goal in
            let own = actions.filter { $0.goalID == g.id }.map(item)
            return CarePlan.Goal(description: g.description, need: g.need.map { context.coded(.needs, $0) }, importance: g.importance,
                                 latestRating: c.ratings(for: g.id).last?.rating,
                                 status: g.status.map { CodedValue(system: GoalStatus.system, code: $0.rawValue, display: $0.label, mapped: false) },
                                 outcome: g.outcome.nonEmpty, actions: own.isEmpty ? nil : own)
        }
        let goalIDs = Set(c.goals.map(\.id))
        let other = actions.filter { a in a.goalID.map { !goalIDs.contains($0) } ?? true }.map(item)
        return CarePlan(whatMatters: plan.whatMatters.nonEmpty, strengths: plan.strengths.nonEmpty, reviewDate: plan.reviewDate,
                        agreedWithName: plan.agreedWithName.nonEmpty, agreedWithRole: plan.agreedWithRole.nonEmpty,
                        reviewResponsibility: plan.reviewResponsibility.nonEmpty, goals: goals.isEmpty ? nil : goals,
                        otherActions: other.isEmpty ? nil : other)
    }

    /// Current risk entries, and the intake's risk information as a free-text entry (the standard allows
    /// a risk in free text) when the link worker has not recorded it as an entry.
    static func riskEntries(_ c: Case, _ context: MessageBackContext) -> [Risk] {
        var risks = c.risks.filter(\.isCurrent).sorted { $0.recordedAt < $1.recordedAt }.map {
            Risk(risk: context.coded(.risks, $0.risk), detail: $0.detail.nonEmpty, start: $0.startDate, end: $0.endDate)
        }
        if let intake = c.referral.riskInformation.nonEmpty, !c.risks.contains(where: { $0.detail == intake }) {
            risks.insert(Risk(risk: context.coded(.risks, "other"), detail: intake, start: nil, end: nil), at: 0)
        }
        return risks
    }

    private static func lastNote(_ c: Case, _ id: OnwardReferralID) -> String? {
        c.onwardEvents.last { $0.onwardReferralID == id }?.note.nonEmpty
    }

    private static func verdictText(_ change: Instrument.Change) -> String {
        switch change {
        case .improved: "improved"
        case .worsened: "worsened"
        default: "no meaningful change"
        }
    }
}

/// The national SNOMED CT codes of social prescribing in the GP record (sources in docs/snomed-codes.md).
public enum NationalCodes {
    /// Recorded on the first contact of an episode only: the acceptance of the referral.
    public static let referralToSocialPrescribing = "871731000000106"
    public static let referralToSocialPrescribingDisplay = "Referral to social prescribing service"
    public static let socialPrescribingDeclined = "871711000000103"
    public static let socialPrescribingDeclinedDisplay = "Social prescribing declined"
}

extension Optional where Wrapped == String {
    /// nil for nil, empty or blank text.
    var nonEmpty: String? { self.flatMap(\.nonEmpty) }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
    /// nil for empty or blank text, else the trimmed text.
    var nonEmpty: String? { trimmed.isEmpty ? nil : trimmed }
}

extension MessageBackDocument {
    /// The document as plain text in the standard's order, for the message back in Linkwell and in mail.
    /// Dates are calendar dates in UK time; empty optional items are left out.
    public var letterText: String {
        var lines: [String] = [Self.title]
        lines.append("About: \(subject.givenName) \(subject.familyName), born \(subject.dateOfBirth)"
            + (subject.nhsNumber.map { ", NHS number \($0)" } ?? "")
            + ". Registered GP practice: \(subject.gpPractice.organisationName ?? "")" + (subject.gpPractice.odsCode.map { " (\($0))" } ?? "") + ".")
        lines.append("To: " + recipients.map { [$0.name, $0.organisationName].compactMap { $0 }.joined(separator: ", ") }.joined(separator: "; ") + ".")
        lines.append("From: " + [author.name, author.jobRole, author.organisationName].compactMap { $0 }.joined(separator: ", ") + ".")
        lines.append("")
        lines.append("Plan and requested actions")
        if let statement = planAndRequestedActions.statement { lines.append(statement) }
        for action in planAndRequestedActions.forProfessionals { lines.append("- For the referrer or GP: \(action.description)") }
        for action in planAndRequestedActions.forPersonOrCarer {
            lines.append("- For the person or their carer: \(action.description)" + (action.agreedWithPerson ? " (agreed with the person)" : ""))
        }
        lines.append("")
        lines.append("Summary of the journey")
        let s = summary
        lines.append("Referral received \(Self.day(s.referralReceivedAt)); now \(s.status.lowercased())"
            + (s.firstSeenAt.map { "; first seen \(Self.day($0))" } ?? "") + (s.closedAt.map { "; closed \(Self.day($0))" } ?? "")
            + (s.closingReason.map { " (\($0.display.lowercased()))" } ?? "") + ". Contacts with the person: \(s.contactsMade).")
        if !s.needs.isEmpty { lines.append("Needs and concerns: " + s.needs.map(\.display).joined(separator: "; ") + ".") }
        if let view = s.personView { lines.append("What the person wanted: \(view)") }
        func support(_ title: String, _ items: [Support]) {
            guard !items.isEmpty else { return }
            lines.append(title + ":")
            for item in items {
                let where_ = [item.serviceName == item.description ? nil : item.serviceName, item.organisationName].compactMap { $0 }.joined(separator: ", ")
                lines.append("- \(item.description)" + (where_.isEmpty ? "" : " (\(where_))") + (item.status.map { " — \($0.lowercased())" } ?? "")
                    + (item.reason.map { ": \($0)" } ?? ""))
            }
        }
        support("Support taken up", s.supportTakenUp)
        support("Support not taken up", s.supportNotTakenUp)
        support("Signposting (information given)", s.signposting)
        if !s.outcomeScores.isEmpty {
            lines.append("Outcome scores (before → after):")
            for score in s.outcomeScores {
                let before = score.before.map(Self.number) ?? "—", after = score.after.map(Self.number) ?? "—"
                lines.append("- \(score.scale.display), \(score.scoreLabel): \(before) → \(after)" + (score.verdict.map { " (\($0))" } ?? ""))
            }
        }
        lines.append("Risks:")
        for risk in s.risks { lines.append("- \(risk.risk.display)" + (risk.detail.map { ": \($0)" } ?? "")) }
        if !s.safeguarding.isEmpty {
            lines.append("Safeguarding:")
            for concern in s.safeguarding {
                lines.append("- \(concern.description) — raised \(Self.day(concern.raisedAt)), escalated to \(concern.escalatedTo.lowercased()), \(concern.status)"
                    + (concern.resolution.map { ": \($0)" } ?? ""))
            }
        }
        if let note = s.note { lines.append("Link worker's note: \(note)") }
        if !nationalCodes.isEmpty {
            lines.append("SNOMED CT: " + nationalCodes.map { "\($0.code) \($0.display)" }.joined(separator: "; ") + ".")
        }
        return lines.joined(separator: "\n")
    }

    /// A calendar date in UK time.
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!.description
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
}
