import Foundation
import Hummingbird
import LinkwellCore

/// A value and its label, for selects, radios and checkboxes.
public struct Choice: Sendable, Equatable {
    public var value: String
    public var label: String
    public var selected: Bool
    public init(_ value: String, _ label: String, selected: Bool = false) {
        self.value = value
        self.label = label
        self.selected = selected
    }
}

/// The case as a link worker or supervisor sees it.
public struct CasePage: Sendable {
    public struct Event: Sendable { public var at, label, actor, note: String }
    /// The contracts that fund this referral (attribution for commissioners).
    public var fundedBy = ""
    public struct ContactRow: Sendable { public var at, mode, minutes, outcome, notes: String }
    public struct GoalRow: Sendable {
        public var id, description, latest, history: String
        /// The care and support plan's items: "Need: … · Importance 8/10 · Achieved · Outcome: …" (empty when none).
        public var planSummary = ""
        public var needChoices: [Choice] = []
        public var statusChoices: [Choice] = []
        public var importance = ""
        public var outcome = ""
    }
    public struct Attendance: Sendable { public var date: String; public var attended: Bool }
    public struct Onward: Sendable {
        public var id, service, organisation, status, statusLabel, reason, note, createdAt: String
        public var attendance: [Attendance]
        public var didNotAttend: Int
        /// "Did not attend (2)".
        public var didNotAttendLabel = ""
        public var hasDidNotAttend: Bool
        public var nextStatuses: [Choice]
        /// The handover agreement in a sentence.
        public var handover: String
        /// The link worker can still cancel it or mark it entered in error.
        public var canChange: Bool
    }
    public struct SignpostRow: Sendable { public var at, description, by: String }
    public var signposts: [SignpostRow]
    /// The thread with the community group of each referral out (`setThreads`).
    public var threads: [GroupThread] = []
    public var hasThreads = false
    /// A supervisor may refer to a group whose governance checks are missing or expired, with a reason.
    public var canOverrideGovernance = false
    public var firstContacts = FirstContact.allCases.map { Choice($0.rawValue, $0.label) }
    public var followUpOwners = FollowUpOwner.allCases.map { Choice($0.rawValue, $0.label) }
    public struct Message: Sendable {
        public var at, label, body, code: String
        public var hasCode: Bool
        init(_ m: MessageBack, _ t: Catalogue = .english) {
            at = t.dateTime(m.createdAt)
            label = t.label(m.kind)
            body = m.body
            code = m.snomedCode ?? ""
            hasCode = m.snomedCode != nil
        }
    }

    public var id, personName, nhsNumber, dateOfBirth, postcode, phone, email, language, communicationNeeds: String
    /// The registered GP practice with its ODS code, or "Not known".
    public var gpPractice: String
    public var interpreterNeeded: Bool
    public var status, statusLabel, source, personView, urgency, pathway, risk: String
    /// The standard's referral method and "return response to" (nil when not recorded).
    public var referralMethod: String?
    public var returnResponseTo: String?
    /// The referrer's grade, team and specialty, joined (nil when none was given).
    public var referrerDetails: String?
    public var hasRisk: Bool
    public var needs: [String]
    public var consentGivenBy, consentMethod, consentAt: String
    public var consentPurposes: [String]
    /// Purposes that can still be withdrawn.
    public var heldPurposes: [Choice]
    public var referredBy, receivedAt, linkWorker: String
    public var canAccept, canContact, canPlan, canReferOut, canClose, isFinal: Bool
    /// Lifecycle steps around the main path: triage (received only), redirect, review, reopen (closed).
    public var canTriage, canRedirect, canReview, canReopen: Bool
    /// What closing now would leave unfinished; closing then needs a confirmation.
    public var looseEnds: [String] = [] { didSet { hasLooseEnds = !looseEnds.isEmpty } }
    public var hasLooseEnds = false
    public var events: [Event]
    public var contacts: [ContactRow]
    public var whatMatters: String
    public var hasPlan: Bool
    public var reviewDate: String?
    public struct ActionRow: Sendable {
        public var id, description, owner, done: String; public var due: String?; public var isDone: Bool
        /// The care and support plan's items: "For: goal · In progress · Confidence 6/10 · Review 2027-04-15" (empty when none).
        public var planSummary = ""
        public var goalChoices: [Choice] = []
        public var supportChoices: [Choice] = []
        public var statusChoices: [Choice] = []
        public var confidence = ""
        public var reviewDate = ""
    }
    /// The person's strengths (the care and support plan's first item).
    public var strengths = ""
    /// Who agreed the plan (name, role) and who is responsible for its review.
    public var agreedWithName = ""
    public var agreedWithRole = ""
    public var reviewResponsibility = ""
    public var agreedWith: String? = nil
    public var actions: [ActionRow]
    public var goals: [GoalRow]
    public var onward: [Onward]
    public var messages: [Message]
    public var services: [Choice]
    public var contactModes: [Choice]
    public var contactOutcomes: [Choice]
    public var closingReasons: [Choice]
    public var closingReason: String
    /// What was learned in support, and the gaps recorded (`LearnedPages.swift`).
    public var learned: LearnedPanel?
    /// The standard's risks, requested actions and record details (`RecordPages.swift`).
    public var record: RecordPanel?
    /// Outcome measures: set by the controller, which loads them separately.
    public var outcomes: CaseOutcomesPanel?
    /// "The service contacts the person; the link worker follows up; may come back within 90 days; …"
    static func handover(_ o: OnwardReferral, _ t: Catalogue = .english) -> String {
        [t.label(o.firstContact), t.text("casePage.handoverFollowsUp", ["who": t.label(o.followUpOwner)]),
         o.returnWindowDays > 0 ? t.text("casePage.handoverReturnWithin", ["days": String(o.returnWindowDays)]) : t.text("casePage.handoverNoReturn"),
         t.text(o.reportsNonAttendance ? "casePage.handoverReportsNonAttendance" : "casePage.handoverNoNonAttendance"),
         t.text("casePage.handoverSharedBack", ["what": o.outcomeSharing])].joined(separator: "; ")
    }

    public struct Duplicate: Sendable {
        public var id, status, receivedAt: String; public var canMerge: Bool
        /// "a referral received 27 Nov 2026 (Received)".
        public var label = ""
    }
    /// "· Referred by Dr Gee (GP) on 27 Nov 2026, 09:05 · Link worker: Lee Worker", and the consent in a sentence.
    public var referredLine = "", consentLine = ""
    /// Other referrals that may be for the same person (same NHS number, or name, date of birth and postcode).
    public var duplicates: [Duplicate] = [] { didSet { hasDuplicates = !duplicates.isEmpty } }
    public var hasDuplicates = false

    /// The scheme's eligibility verdict, shown at triage.
    public var eligibility: String?
    public var eligible = true

    /// Lone working: the viewer's open visit to this person, if any.
    public var checkedIn = false
    public var checkedInUntil = ""
    public var visitOverdue = false

    public mutating func setVisits(_ visits: [LoneWorkingVisit], viewer: Principal, now: Date) {
        let open = visits.last { $0.checkedOutAt == nil && $0.linkWorkerID == viewer.userID }
        checkedIn = open != nil
        checkedInUntil = open.map { catalogue.dateTime($0.expectedBackBy) } ?? ""
        visitOverdue = open?.isOverdue(at: now) ?? false
    }

    public struct Concern: Sendable {
        public var id, description, raisedBy, raisedAt, escalatedTo, acknowledgement, review: String
        public var resolution: String?
        public var open, canAcknowledgeOutside, canReview, canResolve: Bool
        /// A concern escalated to the supervisors (a community group's), acknowledged by a supervisor here.
        public var canAcknowledgeAsSupervisor = false
    }
    public var concerns: [Concern] = []
    public var hasOpenConcerns = false
    public var escalationTargets = EscalationTarget.allCases.map { Choice($0.rawValue, $0.label) }

    public mutating func setConcerns(_ list: [SafeguardingConcern], names: UserNames, viewer: Principal) {
        let t = catalogue
        concerns = list.map { c in
            Concern(id: c.id, description: c.description, raisedBy: names[c.raisedBy], raisedAt: t.dateTime(c.raisedAt),
                    escalatedTo: t.label(c.escalatedTo),
                    acknowledgement: c.acknowledgedAt.map {
                        t.text("casePage.acknowledgedBy", ["name": c.acknowledgedByName.isEmpty ? names[c.acknowledgedBy] : c.acknowledgedByName, "date": t.dateTime($0)])
                    } ?? t.text("casePage.notYetAcknowledged"),
                    review: c.reviewedAt.map { t.text("casePage.reviewedBy", ["name": names[c.reviewedBy], "date": t.dateTime($0)]) }
                        ?? t.text("casePage.notYetReviewed"),
                    resolution: c.resolvedAt.map { t.text("casePage.resolvedBy", ["name": names[c.resolvedBy], "date": t.dateTime($0), "resolution": c.resolution]) },
                    open: c.isOpen, canAcknowledgeOutside: !c.isAcknowledged && c.recipientID == nil && c.escalatedTo != .supervisor,
                    canReview: viewer.role == .supervisor && c.reviewedAt == nil, canResolve: c.isOpen && c.isAcknowledged,
                    canAcknowledgeAsSupervisor: !c.isAcknowledged && c.escalatedTo == .supervisor && viewer.role == .supervisor)
        }
        hasOpenConcerns = list.contains { $0.isOpen }
    }

    /// For a supervisor allocating a waiting referral: the link workers with their current load.
    public var linkWorkers: [Choice] = [] { didSet { hasLinkWorkers = !linkWorkers.isEmpty } }
    public var hasLinkWorkers = false
    /// The team whose waiting list the referral was placed on, and the case meetings that discussed it.
    public var team = ""
    public var teamID = ""
    public struct MeetingRow: Sendable { public var heldOn, attendees, note, recordedBy: String }
    public var meetings: [MeetingRow] = []
    public var hasMeetings = false
    public var hasTeam = false

    public mutating func setTeamwork(_ work: (team: Team?, meetings: [CaseMeeting]), names: UserNames) {
        team = work.team?.name ?? ""
        teamID = work.team?.id.rawValue ?? ""
        hasTeam = work.team != nil
        meetings = work.meetings.map { MeetingRow(heldOn: "\($0.heldOn)", attendees: $0.attendees, note: $0.note, recordedBy: names[$0.recordedBy]) }
        hasMeetings = !meetings.isEmpty
    }

    /// For a supervisor: the link workers this case could move to.
    public var reassignTo: [Choice] = [] { didSet { canReassign = !reassignTo.isEmpty } }
    public var canReassign = false
    /// A referral in support whose link worker left: a supervisor allocates it again.
    public var needsLinkWorker = false

    /// The messages the page's words come from (the request's, `context.messages`).
    var catalogue: Catalogue = .english
    /// The confirmation after an action, keyed by the section it belongs to (`referrals_out` for
    /// `referrals-out`), shown at the top of that section (`CaseConfirmation`).
    var banner: [String: String] = [:]
    /// The plan's review date and its action's due date (NHS date inputs).
    var reviewDateField = DateField(name: "reviewDate", legend: "", hint: "", input: DateInput(text: ""), submitted: false)
    var actionDueField = DateField(name: "actions.due", legend: "By when (optional)", hint: "For example, 15 4 2027",
                                   input: DateInput(text: ""), submitted: false)
    /// The service chosen in the directory ("Refer" on a result or service page), preselected in the referral-out form.
    var chosenService: String?
    /// The referral-out picker's search (by name or category), and whether more services match than are offered.
    public var findService = ""
    public var moreServices = false
    public var servicesShown = CaseworkService.servicePickerSize
    /// A search found nothing to offer.
    public var noServicesFound = false

    /// Preselects `serviceID` in the referral-out form, when it is one of the services offered there.
    mutating func choose(service serviceID: String?) {
        guard let serviceID, let index = services.firstIndex(where: { $0.value == serviceID }) else { return }
        services[index].selected = true
        chosenService = services[index].label
    }

    /// `now` gives the age shown beside the date of birth.
    /// `services` name the case's own referrals out; `offered` (default: `services`) fill the pickers.
    public init(_ c: Case, names: UserNames, services: [Service], organisations: [Organisation], offered: [Service]? = nil, now: Date = Date(),
                _ t: Catalogue = .english) {
        catalogue = t
        learned = LearnedPanel(c, names: names, t)
        record = RecordPanel(c, names: names, t)
        let r = c.referral, p = c.person
        let serviceByID = Dictionary(services.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let orgName = Dictionary(organisations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        id = r.id.rawValue
        personName = p.fullName
        nhsNumber = p.nhsNumber?.formatted ?? t.text("casePage.notGiven")
        dateOfBirth = t.dateOfBirth(p.dateOfBirth, on: CalendarDate(now))
        postcode = p.postcode
        gpPractice = p.gpPracticeID.map { id in organisations.first { $0.id == id }?.nameWithCode ?? id.rawValue } ?? t.text("casePage.notKnown")
        phone = p.phone
        email = p.email
        language = p.preferredLanguage
        interpreterNeeded = p.interpreterNeeded
        communicationNeeds = p.communicationNeeds
        status = r.status.rawValue
        statusLabel = t.label(r.status)
        source = t.label(r.sourceType)
        personView = r.personView
        urgency = t.label(r.urgency)
        pathway = r.pathway
        referralMethod = r.referralMethod.map { t.label($0) }
        returnResponseTo = r.returnResponseTo
        let referrerParts = [r.referrerGrade, r.referrerTeam, r.referrerSpecialty].compactMap { $0 }
        referrerDetails = referrerParts.isEmpty ? nil : referrerParts.joined(separator: ", ")
        risk = r.riskInformation
        hasRisk = !r.riskInformation.isEmpty
        needs = r.needs.map { t.label($0) }
        consentGivenBy = r.consent.givenBy
        consentMethod = t.label(r.consent.method).lowercased()
        consentAt = t.dateTime(r.consent.givenAt)
        consentPurposes = r.consent.purposes.map { t.label($0) }
        heldPurposes = r.consent.purposes.map { Choice($0.rawValue, $0 == .socialPrescribing ? t.text("casePage.withdrawSocialPrescribing") : t.label($0)) }
        referredBy = r.referrerID.map { names[$0] } ?? t.text("casePage.selfReferral")
        receivedAt = t.dateTime(r.receivedAt)
        linkWorker = names[r.linkWorkerID]
        referredLine = t.text("casePage.referredByLine", ["name": referredBy, "source": source, "date": receivedAt, "linkWorker": linkWorker])
        consentLine = t.text("casePage.consentGivenBy", ["name": consentGivenBy, "method": consentMethod, "date": consentAt])
        canAccept = r.status.canMove(to: .accepted)
        canContact = r.status.isInSupport || r.status == .accepted || r.status == .contactAttempted
        canPlan = r.status.isInSupport
        canReferOut = r.status.isInSupport
        canClose = r.status.canMove(to: .closed)
        isFinal = r.status.isFinal
        canTriage = r.status.canMove(to: .triaged)
        canRedirect = r.status.canMove(to: .redirected)
        canReview = r.status.canMove(to: .review)
        canReopen = r.status.reopensTo != nil
        events = c.events.map { Event(at: t.dateTime($0.at), label: t.label($0.to), actor: names[$0.actorID], note: $0.note) }
        contacts = c.contacts.map {
            let outcome = $0.outcome.flatMap { ContactOutcome(rawValue: $0) }.map { t.label($0) }
                ?? t.text($0.successful ? "casePage.spokeWithThePerson" : "casePage.notReached")
            return ContactRow(at: t.dateTime($0.at), mode: t.label($0.mode), minutes: "\($0.durationMinutes)",
                              outcome: $0.location.isEmpty ? outcome : t.text("casePage.outcomeAt", ["outcome": outcome, "location": $0.location]),
                              notes: $0.notes)
        }
        whatMatters = c.plan?.whatMatters ?? ""
        hasPlan = c.plan != nil
        reviewDate = c.plan?.reviewDate.map { "\($0)" }
        reviewDateField = DateField(name: "reviewDate", legend: t.text("casePage.nextReview"), hint: t.text("casePage.forExampleFuture"),
                                    input: DateInput(text: reviewDate ?? ""), submitted: false, messages: t)
        actionDueField = DateField(name: "actions.due", legend: t.text("casePage.byWhenOptional"), hint: t.text("casePage.forExampleFuture"),
                                   input: DateInput(text: ""), submitted: false, messages: t)
        strengths = c.plan?.strengths ?? ""
        agreedWithName = c.plan?.agreedWithName ?? ""
        agreedWithRole = c.plan?.agreedWithRole ?? ""
        reviewResponsibility = c.plan?.reviewResponsibility ?? ""
        let agreed = [agreedWithName, agreedWithRole].filter { !$0.isEmpty }.joined(separator: ", ")
        agreedWith = agreed.isEmpty ? nil : agreed
        actions = c.actions.map { a in
            var row = ActionRow(id: a.id, description: a.description, owner: a.owner, done: a.doneAt.map { t.date($0) } ?? "",
                                due: a.due.map { "\($0)" }, isDone: a.doneAt != nil)
            let goal = a.goalID.flatMap { id in c.goals.first { $0.id == id } }
            var parts: [String?] = [goal.map { t.text("casePage.actionFor", ["goal": $0.description]) }]
            parts.append(a.support.map { code in SupportOffered(rawValue: code).map { t.label($0) } ?? code })
            parts.append(a.status.map { t.label($0) })
            parts.append(a.confidence.map { t.text("casePage.confidenceOutOf10", ["score": String($0)]) })
            parts.append(a.reviewDate.map { t.text("casePage.reviewOn", ["date": "\($0)"]) })
            row.planSummary = parts.compactMap { $0 }.joined(separator: " · ")
            row.goalChoices = c.goals.map { Choice($0.id.rawValue, $0.description, selected: $0.id == a.goalID) }
            row.statusChoices = PlanActionStatus.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == a.status) }
            row.supportChoices = SupportOffered.allCases.map { Choice($0.rawValue, t.label($0), selected: $0.rawValue == a.support) }
            row.confidence = a.confidence.map(String.init) ?? ""
            row.reviewDate = a.reviewDate.map { "\($0)" } ?? ""
            return row
        }
        goals = c.goals.map { goal in
            let ratings = c.ratings(for: goal.id)
            var row = GoalRow(id: goal.id.rawValue, description: goal.description,
                              latest: ratings.last.map { t.text("casePage.outOf10", ["score": String($0.rating)]) } ?? t.text("casePage.notRatedYet"),
                              history: ratings.map { "\($0.rating)" }.joined(separator: " → "))
            var parts: [String?] = [goal.need.map { code in t.text("casePage.goalNeed", ["need": Need(rawValue: code).map { t.label($0) } ?? code]) }]
            parts.append(goal.importance.map { t.text("casePage.importanceOutOf10", ["score": String($0)]) })
            parts.append(goal.status.map { t.label($0) })
            parts.append(goal.outcome.map { t.text("casePage.goalOutcome", ["outcome": $0]) })
            row.planSummary = parts.compactMap { $0 }.joined(separator: " · ")
            row.needChoices = Need.allCases.map { Choice($0.rawValue, t.label($0), selected: $0.rawValue == goal.need) }
            row.statusChoices = GoalStatus.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == goal.status) }
            row.importance = goal.importance.map(String.init) ?? ""
            row.outcome = goal.outcome ?? ""
            return row
        }
        onward = c.onwardReferrals.map { o in
            let service = serviceByID[o.serviceID]
            let attendance = c.attendance(for: o.id)
            // The link worker's own steps only; the service sets the rest from its side.
            let next = OnwardStatus.allCases.filter { o.status.canMove(to: $0) && !$0.setByProvider }
            return Onward(id: o.id.rawValue, service: service?.name ?? t.text("casePage.unknownService"),
                          organisation: service.flatMap { orgName[$0.organisationID] } ?? "",
                          status: o.status.rawValue, statusLabel: t.label(o.status),
                          reason: o.rejectionReason.map { t.label($0) } ?? "", note: o.note, createdAt: t.date(o.createdAt),
                          attendance: attendance.map { Attendance(date: t.date($0.sessionDate), attended: $0.attended) },
                          didNotAttend: attendance.filter { !$0.attended }.count,
                          didNotAttendLabel: t.text("caseload.didNotAttendCount", ["count": String(attendance.filter { !$0.attended }.count)]),
                          hasDidNotAttend: attendance.contains { !$0.attended },
                          nextStatuses: next.map { Choice($0.rawValue, t.label($0)) },
                          handover: Self.handover(o, t), canChange: !next.isEmpty)
        }
        messages = c.messages.filter { !$0.kind.isGroupNotice }.map { Message($0, t) }
        signposts = c.signposts.map { SignpostRow(at: t.dateTime($0.at), description: $0.description, by: names[$0.recordedBy]) }
        self.services = (offered ?? services).filter(\.active).map {
            Choice($0.id.rawValue, t.text("casePage.serviceChoice", ["service": $0.name, "organisation": orgName[$0.organisationID] ?? "", "category": $0.category]))
        }
        contactModes = ContactMode.allCases.map { Choice($0.rawValue, t.label($0)) }
        contactOutcomes = ContactOutcome.allCases.map { Choice($0.rawValue, t.label($0)) }
        closingReasons = ClosingReason.allCases.map { Choice($0.rawValue, t.label($0)) }
        closingReason = r.closingReason.map { t.label($0) } ?? ""
        firstContacts = FirstContact.allCases.map { Choice($0.rawValue, t.label($0)) }
        followUpOwners = FollowUpOwner.allCases.map { Choice($0.rawValue, t.label($0)) }
        escalationTargets = EscalationTarget.allCases.map { Choice($0.rawValue, t.label($0)) }
    }
}

/// The case as the referrer sees it: progress and messages back, no notes.
public struct ReferrerCasePage: Sendable {
    public struct Onward: Sendable { public var service, statusLabel, status: String }
    public var id, personName, statusLabel, status, receivedAt, firstSeen, linkWorker, outcome: String
    public var hasFirstSeen: Bool
    public var hasOutcome: Bool
    public var messages: [CasePage.Message]
    public var onward: [Onward]
    public var events: [CasePage.Event]

    /// `acknowledgedLine`: "You acknowledged this on 27 Nov 2026, 09:05." (empty until acknowledged).
    public struct Escalation: Sendable { public var id, description, raisedAt, acknowledgedAt: String; public var acknowledged: Bool; public var acknowledgedLine = "" }
    /// Safeguarding escalations to this referrer.
    public var escalations: [Escalation]
    public var hasEscalations: Bool

    /// False when the person has not agreed to share progress with the referrer.
    public var progressShared: Bool

    public init(_ v: ReferrerCaseView, _ t: Catalogue = .english) {
        escalations = v.escalations.map {
            Escalation(id: $0.id, description: $0.description, raisedAt: t.dateTime($0.raisedAt),
                       acknowledgedAt: $0.acknowledgedAt.map { t.dateTime($0) } ?? "", acknowledged: $0.isAcknowledged,
                       acknowledgedLine: $0.acknowledgedAt.map { t.text("referralReferrer.youAcknowledgedOn", ["date": t.dateTime($0)]) } ?? "")
        }
        hasEscalations = !escalations.isEmpty
        progressShared = v.progressShared
        id = v.id.rawValue
        personName = v.personName
        status = v.status.rawValue
        statusLabel = t.label(v.status)
        receivedAt = t.dateTime(v.receivedAt)
        let notShared = t.text("referralReferrer.notSharedWithYou")
        firstSeen = v.progressShared ? v.firstSeenAt.map { t.dateTime($0) } ?? t.text("referralReferrer.notYetSeen") : notShared
        hasFirstSeen = v.firstSeenAt != nil
        linkWorker = v.progressShared ? v.linkWorkerName ?? t.text("referralReferrer.notYetAllocated") : notShared
        switch (v.closingReason.map { t.label($0) }, v.outcomeNote) {
        case let (reason?, note?): outcome = t.text("referralReferrer.outcomeWithNote", ["reason": reason, "note": note])
        case let (reason?, nil): outcome = reason
        case let (nil, note?): outcome = note
        case (nil, nil): outcome = ""
        }
        hasOutcome = !outcome.isEmpty
        messages = v.messages.map { CasePage.Message($0, t) }
        onward = v.onwardReferrals.map { Onward(service: $0.serviceName, statusLabel: t.label($0.status), status: $0.status.rawValue) }
        events = v.events.map { CasePage.Event(at: t.dateTime($0.at), label: t.label($0.to), actor: v.staff[$0.actorID], note: "") }
    }
}

/// A caseload or "my referrals" list, split into the groups a link worker works from.
public struct CaseloadPage: Sendable {
    public struct Row: Sendable {
        public var id, personName, status, statusLabel, needs, receivedAt, linkWorker: String
        /// "Waiting 12 days", for referrals no one has picked up yet.
        public var waiting: String?
        public var didNotAttend: Int
        /// "Did not attend (2)".
        public var didNotAttendLabel = ""
        public var hasDidNotAttend: Bool
        public var hasRisk: Bool
        public var urgent: Bool
    }
    public struct Group: Sendable {
        public var title: String
        /// The group's heading id suffix (`group-Waiting`), stable for tests and links.
        public var key = ""
        public var rows: [Row]
        public var isEmpty: Bool
        /// How many there are in all (a page shows at most `groupSize`).
        public var count: Int
        /// The group's second page (the group alone), when the whole caseload shows only its first.
        public var more: String?
        /// This group alone, from the start.
        public var link: String
        /// The words of the link to `more`.
        public var moreLabel = ""
        /// The group alone: its numbered page links (`list` and the search kept in every link).
        var links: PageLinks? = nil
    }
    /// `toPractice`: addressed to the reader's GP practice about a registered patient, whose case they cannot open.
    public struct Message: Sendable {
        public var at, label, body, referralID: String; public var toPractice = false
        /// Who the message is about, when the reader made the referral.
        public var personName: String? = nil
        /// Not read by the reader before this page.
        public var unread = false
        public var id = ""
    }

    /// Names the person each message is about, where the reader may see it.
    mutating func name(messages names: [ReferralID: String]) {
        for i in messages.indices { messages[i].personName = names[ReferralID(messages[i].referralID)] }
    }
    /// Rows of a group shown at a time on its own (`?list=waiting`).
    public static let groupSize = 50
    /// Rows of each group on the whole caseload, the day's work first: the rest are a link to the group alone.
    public static let homeGroupSize = 10
    /// Messages back shown at once.
    public static let messagesSize = 20
    public var heading: String
    public var groups: [Group]
    public var messages: [Message]
    public var hasMessages: Bool
    /// The count of messages back and their numbered page links (a referrer's `list=messages`).
    var messageLinks: PageLinks?
    public var isReferrer: Bool
    /// The name searched for, if any.
    public var search = ""
    /// One group (or the messages) alone, paged.
    public var single = false
    /// A referrer's home: their patients, each once (see ReferrerHomePage.swift).
    public var referrerHome = ReferrerHomeSection()
    /// The messages back list is shown (a referrer's `list=messages`).
    public var showMessages = false
    /// The teams the lists can be narrowed to (see CaseloadTeams.swift).
    public var teams: [Choice] = []
    public var hasTeams = false
    /// The team the lists are narrowed to, if any.
    public var teamName: String?
    public struct Due: Sendable { public var referralID, personName, instrument, timepoint, dueAt: String; public var overdue: Bool }
    /// Outcome measures due on the caseload (link workers and supervisors).
    public var due: [Due] = []
    public var hasDue = false
    /// How many measures are due and how many of those overdue: the home page shows the count and a link
    /// (`?list=measures`) rather than the whole table.
    public var dueCount = 0, overdueCount = 0
    /// The due table's numbered pages (the table alone, `?list=measures`).
    var dueLinks: PageLinks? = nil
    public var hasOverdueDue = false
    /// The table of measures due is shown (`?list=measures`), not just the count.
    public var showDueTable = false
    /// "3 due, 1 overdue."
    public var dueSummary = ""
    /// The messages the page's words come from (the request's, `context.messages`).
    var catalogue: Catalogue = .english

    public struct PendingConcern: Sendable {
        public var referralID, personName, raisedAt, escalatedTo: String; public var overdue, acknowledged: Bool
        /// "— raised 27 Nov 2026, 09:05, escalated to the supervisor".
        public var raised = ""
    }
    /// Referrers: escalations waiting for their acknowledgement. Supervisors: every open concern.
    public var concerns: [PendingConcern] = []
    public var hasConcerns = false
    /// Referrals out waiting for the group's answer past the handover agreement's window (`setOverdueRequests`).
    public var overdueRequests: [OverdueRequestRow] = []
    public var hasOverdueRequests = false

    static func waiting(since: Date, now: Date, _ t: Catalogue = .english) -> String {
        let days = Int(now.timeIntervalSince(since) / 86_400)
        return days < 1 ? t.text("caseload.waitingUnderADay") : days == 1 ? t.text("caseload.waitingOneDay")
            : t.text("caseload.waitingDays", ["days": String(days)])
    }

    public mutating func setConcerns(_ items: [CaseworkService.ConcernItem]) {
        let t = catalogue
        concerns = items.map {
            let raisedAt = t.dateTime($0.concern.raisedAt), escalatedTo = t.label($0.concern.escalatedTo)
            return PendingConcern(referralID: $0.concern.referralID.rawValue, personName: $0.personName, raisedAt: raisedAt,
                                  escalatedTo: escalatedTo, overdue: $0.overdue, acknowledged: $0.concern.isAcknowledged,
                                  raised: t.text("caseload.concernRaised", ["date": raisedAt, "to": escalatedTo]))
        }
        hasConcerns = !concerns.isEmpty
    }

    public struct Review: Sendable { public var referralID, personName, date: String; public var overdue: Bool }
    /// Plan reviews due within a week, or overdue.
    public var reviews: [Review] = []
    public var hasReviews = false
    /// e.g. "312 due, 280 overdue." (the whole list, counted in the store).
    public var reviewsSummary = ""
    /// The caseload shows the earliest `reviewsShown`; `?list=reviews` every one, a numbered page at a time.
    public static let reviewsShown = 10
    public var showAllReviews = false
    public var hasReviewRows = false
    /// Where the whole list is, when the caseload shows only the earliest.
    public var allReviewsHref: String?
    var reviewsLinks: PageLinks? = nil

    /// The plan reviews due: counted in full (a supervisor's scheme has thousands); `links` when this is the whole
    /// list's page, `allHref` where the whole list is when it is not.
    mutating func setReviews(_ due: CaseworkService.DueReviews, links: PageLinks?, allHref: String) {
        reviews = due.page.rows.map { Review(referralID: $0.referralID.rawValue, personName: $0.personName, date: "\($0.reviewDate)", overdue: $0.overdue) }
        // The list alone is shown even when empty ("No plan reviews due"); the caseload's panel only when some are due.
        hasReviews = due.total > 0 || links != nil
        hasReviewRows = !reviews.isEmpty
        reviewsLinks = links
        showAllReviews = links != nil
        allReviewsHref = links == nil && due.total > reviews.count ? allHref : nil
        reviewsSummary = links?.summary ?? Self.dueSummary(total: due.total, overdue: due.overdue, catalogue)
    }

    public struct Visit: Sendable { public var referralID, personName, linkWorker, expectedBack: String }
    /// Supervisors: home visits not checked out in time.
    public var overdueVisits: [Visit] = []
    public var hasOverdueVisits = false

    public mutating func setOverdueVisits(_ visits: [CaseworkService.OverdueVisit]) {
        overdueVisits = visits.map {
            Visit(referralID: $0.visit.referralID.rawValue, personName: $0.personName, linkWorker: $0.linkWorkerName,
                  expectedBack: catalogue.dateTime($0.visit.expectedBackBy))
        }
        hasOverdueVisits = !overdueVisits.isEmpty
    }

    public struct Load: Sendable { public var name, open, taken: String; public var overLimit: Bool }
    /// The team's caseloads (supervisors).
    public var caseloads: [Load] = []
    public var hasCaseloads = false

    public mutating func setCaseloads(_ loads: [CaseworkService.Caseload]) {
        let t = catalogue
        caseloads = loads.map {
            Load(name: $0.name, open: String($0.open),
                 taken: t.text("caseload.takenOfLimit", ["taken": String($0.takenOnInLastYear), "limit": String($0.yearlyLimit)]), overLimit: $0.overLimit)
        }
        hasCaseloads = !caseloads.isEmpty
    }

    /// "312 due, 280 overdue." or "312 due.": a due list's counts (measures or plan reviews).
    static func dueSummary(total: Int, overdue: Int, _ t: Catalogue) -> String {
        overdue > 0 ? t.text("caseload.dueAndOverdue", ["due": String(total), "overdue": String(overdue)])
            : t.text("caseload.dueCount", ["due": String(total)])
    }

    /// The measures due: counted in full (a supervisor's scheme has thousands); `list` shows this page of them.
    mutating func setDue(_ list: OutcomeService.DueList, links: PageLinks? = nil) {
        let t = catalogue
        due = list.page.rows.map {
            Due(referralID: $0.referralID.rawValue, personName: $0.personName, instrument: $0.instrumentID.uppercased(),
                timepoint: t.label($0.timepoint), dueAt: t.date($0.dueAt), overdue: $0.overdue)
        }
        dueLinks = links
        hasDue = list.total > 0
        dueCount = list.total
        overdueCount = list.overdue
        hasOverdueDue = overdueCount > 0
        dueSummary = Self.dueSummary(total: dueCount, overdue: overdueCount, t)
    }

    /// The page from the groups of the caseload (each a numbered page with its total) and a page's messages;
    /// `link` makes a link to this page with some parameters changed. Each row names its link worker itself
    /// (`ReferralSummary.linkWorkerName`).
    public init(role: Role, groups lists: [(list: CaseworkService.CaseList, page: CountedPage<ReferralSummary>)], messages: [MessageBack],
                now: Date = Date(), _ t: Catalogue = .english, request: Request, link: ([String: String?]) -> String) {
        catalogue = t
        isReferrer = role == .referrer
        heading = t.text(role == .referrer ? "caseload.headingReferrer" : role == .supervisor ? "caseload.headingSupervisor" : "caseload.headingLinkWorker")
        self.messages = messages.map { Message(at: t.dateTime($0.createdAt), label: t.label($0.kind), body: $0.body, referralID: $0.referralID.rawValue,
                                                      toPractice: $0.recipientID == nil, id: $0.id.rawValue) }
        hasMessages = !messages.isEmpty
        let titles: [CaseworkService.CaseList: String] = [.urgent: t.text("caseload.groupUrgent"), .waiting: t.text("caseload.groupWaiting"),
                                                          .active: t.text("caseload.groupActive"), .closed: t.text("caseload.groupClosed")]
        groups = lists.map { part in
            let rows = part.page.rows.map { Self.row($0, now: now, t) }
            let title = titles[part.list] ?? ""
            // The whole caseload shows each group's first few and links to the group alone; a group alone is numbered.
            let alone = lists.count == 1 && request.query("list") != nil
            let whole = link(["list": part.list.rawValue, "cursor": nil, "page": nil])
            return Group(title: title, key: part.list.rawValue.capitalized, rows: rows, isEmpty: rows.isEmpty, count: part.page.total,
                         more: !alone && part.page.pageCount > 1 ? whole : nil,
                         link: whole, moreLabel: t.text("caseload.moreOf", ["group": title, "count": String(part.page.total)]),
                         links: alone ? PageLinks(part.page, list: "referrals", request: request, t) : nil)
        }
    }

    static func row(_ s: ReferralSummary, now: Date, _ t: Catalogue = .english) -> Row {
        Row(id: s.id.rawValue, personName: s.personName, status: s.status.rawValue, statusLabel: t.label(s.status),
            needs: s.needs.map { t.label($0) }.joined(separator: ", "), receivedAt: t.date(s.receivedAt),
            linkWorker: s.linkWorkerName ?? "—", waiting: s.status.isWaiting ? Self.waiting(since: s.receivedAt, now: now, t) : nil,
            didNotAttend: s.didNotAttendCount,
            didNotAttendLabel: s.didNotAttendCount > 0 ? t.text("caseload.didNotAttendCount", ["count": String(s.didNotAttendCount)]) : "",
            hasDidNotAttend: s.didNotAttendCount > 0, hasRisk: s.hasRisk, urgent: s.urgency == .soon)
    }
}

extension CaseloadPage.Row: RenderTreeRepresentable {
    /// The row as `RenderTree` reads a struct: each stored property by name, an absent optional left out, numbers as text.
    var renderValue: RenderValue {
        var fields: [String: RenderValue] = [
            "id": .text(id), "personName": .text(personName), "status": .text(status), "statusLabel": .text(statusLabel),
            "needs": .text(needs), "receivedAt": .text(receivedAt), "linkWorker": .text(linkWorker),
            "didNotAttend": .text(String(didNotAttend)), "didNotAttendLabel": .text(didNotAttendLabel),
            "hasDidNotAttend": .bool(hasDidNotAttend), "hasRisk": .bool(hasRisk), "urgent": .bool(urgent),
        ]
        if let waiting { fields["waiting"] = .text(waiting) }
        return .object(fields)
    }
}

/// The supervisors' safeguarding queue: every open concern, overdue escalations first.
public struct SafeguardingQueuePage: Sendable {
    public struct Row: Sendable {
        /// "27 Nov 2026, 09:05 by Sam Patel".
        public var referralID, personName, description, raised, escalatedTo, status: String
        public var overdue, reviewed: Bool
    }
    public var rows: [Row]
    public var isEmpty: Bool
    public var hours: Int
    /// "Every open concern. Escalations not acknowledged within 24 hours come first."
    public var intro: String

    public init(_ items: [CaseworkService.ConcernItem], names: UserNames, hours: Int, _ t: Catalogue = .english) {
        rows = items.map {
            let c = $0.concern
            return Row(referralID: c.referralID.rawValue, personName: $0.personName, description: c.description,
                       raised: t.text("safeguarding.raisedOnBy", ["date": t.dateTime(c.raisedAt), "name": names[c.raisedBy]]),
                       escalatedTo: t.label(c.escalatedTo),
                       status: t.text(c.isAcknowledged ? "safeguarding.acknowledged" : "safeguarding.waitingForAcknowledgement"),
                       overdue: $0.overdue, reviewed: c.reviewedAt != nil)
        }
        isEmpty = rows.isEmpty
        self.hours = hours
        intro = t.text("safeguarding.intro", ["hours": String(hours)])
    }
}

/// The page models of `CasePagesController`.
extension CasePagesController {
    struct ReferralForm: Sendable {
        /// What was typed, to show again when the form comes back with problems.
        struct Values: Sendable {
            var nhsNumber, givenName, familyName, dateOfBirth, postcode, phone, email, preferredLanguage,
                communicationNeeds, personView, riskInformation, pathway, consentGivenBy: String
        }
        var values: Values
        /// Day, Month and Year of the person's date of birth (the NHS date input).
        var dateOfBirthField: DateField
        var sourceTypes: [Choice]
        var needs: [Choice]
        var consentMethods: [Choice]
        var consentPurposes: [Choice]
        var feedback: [Choice]
        var urgencies: [Choice]
        var consentGiven: Bool
        var interpreterNeeded: Bool
        /// The scheme's pathways, when it has configured them (otherwise pathway is free text).
        var pathways: [Choice] = []
        var hasPathways = false
        /// Optional equality monitoring (blank is "not stated"; "prefers not to say" is an answer).
        var sexes: [Choice]
        var ethnicGroups: [Choice]
        /// The practices a name typed in the practice field matched, to choose from (by ODS code) when it matched several.
        var practiceMatches: [Choice] = []
        var hasPracticeMatches = false
        /// The practice as typed: a name or an ODS code (on a new form, the referrer's own practice).
        var gpPracticeCode: String
        /// The standard's referral method and "return response to" (both optional).
        var referralMethods: [Choice] = []
        var returnResponseTo = ""
        var referrerGrade = "", referrerTeam = "", referrerSpecialty = ""

        /// A new form starts with the referrer's own practice; a form sent back offers the practices its name matched.
        mutating func offer(ownPractice: Organisation?, matches: [Organisation] = []) {
            if gpPracticeCode.isEmpty, let own = ownPractice { gpPracticeCode = own.nameWithCode }
            practiceMatches = matches.compactMap { p in p.odsCode.map { Choice($0, p.nameWithCode) } }
            hasPracticeMatches = !practiceMatches.isEmpty
        }

        mutating func offer(_ settings: SchemeSettings) {
            pathways = settings.pathways.map { Choice($0, $0, selected: $0 == values.pathway) }
            hasPathways = !pathways.isEmpty
        }

        /// The optional consent purposes start unticked on every form: consent is a clear affirmative act
        /// (UK GDPR Article 4(11); the ICO's guidance rules out pre-ticked boxes), so the referrer ticks what
        /// the person agreed to.
        /// `t` words the choices (staff code labels and `referralNew.*` messages; the public form relabels its own with `label(in:)`).
        init(_ form: FormData?, _ t: Catalogue = .english) {
            let f = form ?? FormData("")
            values = Values(nhsNumber: f["person.nhsNumber"] ?? "", givenName: f["person.givenName"] ?? "",
                            familyName: f["person.familyName"] ?? "", dateOfBirth: f["person.dateOfBirth"] ?? "",
                            postcode: f["person.postcode"] ?? "", phone: f["person.phone"] ?? "", email: f["person.email"] ?? "",
                            preferredLanguage: f["person.preferredLanguage"] ?? "",
                            communicationNeeds: f["person.communicationNeeds"] ?? "", personView: f["personView"] ?? "",
                            riskInformation: f["riskInformation"] ?? "", pathway: f["pathway"] ?? "",
                            consentGivenBy: f["consent.givenBy"] ?? "")
            dateOfBirthField = DateField(name: "person.dateOfBirth", legend: t.text("referralNew.dateOfBirth"), hint: t.text("referralNew.dateOfBirthHint"),
                                         input: f.dateInput("person.dateOfBirth"), submitted: form != nil, messages: t)
            gpPracticeCode = form == nil ? "" : (f["gpPracticeChoice"].flatMap { $0.isEmpty ? nil : $0 } ?? f["person.gpPracticeCode"] ?? "")
            let chosenNeeds = Set(f.all("needs")), purposes = Set(f.all("consent.purposes"))
            sourceTypes = SourceType.allCases.filter { $0 != .selfReferral }.map { Choice($0.rawValue, t.label($0), selected: f["sourceType"] == $0.rawValue) }
            needs = Need.allCases.map { Choice($0.rawValue, t.label($0), selected: chosenNeeds.contains($0.rawValue)) }
            consentMethods = ConsentMethod.allCases.map { Choice($0.rawValue, t.label($0), selected: f["consent.method"] == $0.rawValue) }
            consentPurposes = ConsentPurpose.allCases.filter { $0 != .socialPrescribing }.map {
                Choice($0.rawValue, t.text("referralNew.purpose.\($0.rawValue)"), selected: purposes.contains($0.rawValue))
            }
            let preference = FeedbackPreference(rawValue: f["feedbackPreference"] ?? "") ?? .keyEvents
            feedback = FeedbackPreference.allCases.map { Choice($0.rawValue, t.text("referralNew.feedback.\($0.rawValue)"), selected: $0 == preference) }
            urgencies = Urgency.allCases.map { Choice($0.rawValue, t.label($0), selected: (f["urgency"] ?? "routine") == $0.rawValue) }
            referralMethods = ReferralMethod.allCases.filter { $0 != .selfReferral }.map { Choice($0.rawValue, t.label($0), selected: f["referralMethod"] == $0.rawValue) }
            returnResponseTo = f["returnResponseTo"] ?? ""
            (referrerGrade, referrerTeam, referrerSpecialty) = (f["referrerGrade"] ?? "", f["referrerTeam"] ?? "", f["referrerSpecialty"] ?? "")
            consentGiven = f.flag("consent.given")
            interpreterNeeded = f.flag("person.interpreterNeeded")
            sexes = Sex.allCases.filter { $0 != .notStated }.map { Choice($0.rawValue, t.label($0), selected: f["person.sex"] == $0.rawValue) }
            // The NHS Data Dictionary ethnic categories; Z ("Not stated": asked, chose not to say) is offered as that.
            ethnicGroups = EthnicCategory.national.filter { $0 != .notKnown }.map {
                Choice($0.rawValue, $0 == .notStated ? t.text("referralNew.ethnicity.preferNotToSay") : t.label($0), selected: f["person.ethnicity"] == $0.rawValue)
            }
        }
    }
}

/// The page models of `SupervisionController`.
extension SupervisionController {
    struct Page: Sendable {
        struct Note: Sendable { var at, author, text: String }
        var linkWorkerID, linkWorkerName: String
        var linkWorkers: [Choice]
        var isSupervisor: Bool
        var notes: [Note]
        var isEmpty: Bool
        /// The numbered pages (50 notes at a time) and the first note's number in the reversed list.
        var links: PageLinks?
        var start = 0
    }
}
