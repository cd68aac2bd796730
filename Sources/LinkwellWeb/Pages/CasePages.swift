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
        init(_ m: MessageBack) {
            at = Format.dateTime(m.createdAt)
            label = m.kind.label
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
    static func handover(_ o: OnwardReferral) -> String {
        [o.firstContact.label, "\(o.followUpOwner.label) follows up",
         o.returnWindowDays > 0 ? "may come back to the link worker within \(o.returnWindowDays) days" : "no return to the link worker",
         o.reportsNonAttendance ? "the service reports non-attendance" : "the service does not report non-attendance",
         "shared back: \(o.outcomeSharing)"].joined(separator: "; ")
    }

    public struct Duplicate: Sendable { public var id, status, receivedAt: String; public var canMerge: Bool }
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
        checkedInUntil = open.map { Format.dateTime($0.expectedBackBy) } ?? ""
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
        concerns = list.map { c in
            Concern(id: c.id, description: c.description, raisedBy: names[c.raisedBy], raisedAt: Format.dateTime(c.raisedAt),
                    escalatedTo: c.escalatedTo.label,
                    acknowledgement: c.acknowledgedAt.map { "Acknowledged by \(c.acknowledgedByName.isEmpty ? names[c.acknowledgedBy] : c.acknowledgedByName) on \(Format.dateTime($0))" } ?? "Not yet acknowledged",
                    review: c.reviewedAt.map { "Reviewed by \(names[c.reviewedBy]) on \(Format.dateTime($0))" } ?? "Not yet reviewed by a supervisor",
                    resolution: c.resolvedAt.map { "Resolved by \(names[c.resolvedBy]) on \(Format.dateTime($0)): \(c.resolution)" },
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
    public init(_ c: Case, names: UserNames, services: [Service], organisations: [Organisation], offered: [Service]? = nil, now: Date = Date()) {
        learned = LearnedPanel(c, names: names)
        record = RecordPanel(c, names: names)
        let r = c.referral, p = c.person
        let serviceByID = Dictionary(services.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let orgName = Dictionary(organisations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        id = r.id.rawValue
        personName = p.fullName
        nhsNumber = p.nhsNumber?.formatted ?? "Not given"
        dateOfBirth = p.dateOfBirth.withAge(on: CalendarDate(now))
        postcode = p.postcode
        gpPractice = p.gpPracticeID.map { id in organisations.first { $0.id == id }?.nameWithCode ?? id.rawValue } ?? "Not known"
        phone = p.phone
        email = p.email
        language = p.preferredLanguage
        interpreterNeeded = p.interpreterNeeded
        communicationNeeds = p.communicationNeeds
        status = r.status.rawValue
        statusLabel = r.status.label
        source = r.sourceType.label
        personView = r.personView
        urgency = r.urgency.label
        pathway = r.pathway
        referralMethod = r.referralMethod?.label
        returnResponseTo = r.returnResponseTo
        let referrerParts = [r.referrerGrade, r.referrerTeam, r.referrerSpecialty].compactMap { $0 }
        referrerDetails = referrerParts.isEmpty ? nil : referrerParts.joined(separator: ", ")
        risk = r.riskInformation
        hasRisk = !r.riskInformation.isEmpty
        needs = r.needs.map(\.label)
        consentGivenBy = r.consent.givenBy
        consentMethod = r.consent.method.label.lowercased()
        consentAt = Format.dateTime(r.consent.givenAt)
        consentPurposes = r.consent.purposes.map(\.label)
        heldPurposes = r.consent.purposes.map { Choice($0.rawValue, $0 == .socialPrescribing ? "Social prescribing itself (withdraws the referral)" : $0.label) }
        referredBy = r.referrerID.map { names[$0] } ?? "Self-referral"
        receivedAt = Format.dateTime(r.receivedAt)
        linkWorker = names[r.linkWorkerID]
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
        events = c.events.map { Event(at: Format.dateTime($0.at), label: $0.to.label, actor: names[$0.actorID], note: $0.note) }
        contacts = c.contacts.map {
            ContactRow(at: Format.dateTime($0.at), mode: $0.mode.label, minutes: "\($0.durationMinutes)",
                       outcome: ($0.outcome.flatMap { ContactOutcome(rawValue: $0)?.label } ?? ($0.successful ? "Spoke with the person" : "No answer / not reached"))
                           + ($0.location.isEmpty ? "" : " — \($0.location)"), notes: $0.notes)
        }
        whatMatters = c.plan?.whatMatters ?? ""
        hasPlan = c.plan != nil
        reviewDate = c.plan?.reviewDate.map { "\($0)" }
        reviewDateField = DateField(name: "reviewDate", legend: "Next review with the person", hint: "For example, 15 4 2027",
                                    input: DateInput(text: reviewDate ?? ""), submitted: false)
        strengths = c.plan?.strengths ?? ""
        agreedWithName = c.plan?.agreedWithName ?? ""
        agreedWithRole = c.plan?.agreedWithRole ?? ""
        reviewResponsibility = c.plan?.reviewResponsibility ?? ""
        let agreed = [agreedWithName, agreedWithRole].filter { !$0.isEmpty }.joined(separator: ", ")
        agreedWith = agreed.isEmpty ? nil : agreed
        actions = c.actions.map { a in
            var row = ActionRow(id: a.id, description: a.description, owner: a.owner, done: a.doneAt.map(Format.date) ?? "",
                                due: a.due.map { "\($0)" }, isDone: a.doneAt != nil)
            let goal = a.goalID.flatMap { id in c.goals.first { $0.id == id } }
            var parts: [String?] = [goal.map { "For: \($0.description)" }]
            parts.append(a.support.map { SupportOffered(rawValue: $0)?.label ?? $0 })
            parts.append(a.status?.label)
            parts.append(a.confidence.map { "Confidence \($0)/10" })
            parts.append(a.reviewDate.map { "Review \($0)" })
            row.planSummary = parts.compactMap { $0 }.joined(separator: " · ")
            row.goalChoices = c.goals.map { Choice($0.id.rawValue, $0.description, selected: $0.id == a.goalID) }
            row.statusChoices = PlanActionStatus.allCases.map { Choice($0.rawValue, $0.label, selected: $0 == a.status) }
            row.supportChoices = SupportOffered.allCases.map { Choice($0.rawValue, $0.label, selected: $0.rawValue == a.support) }
            row.confidence = a.confidence.map(String.init) ?? ""
            row.reviewDate = a.reviewDate.map { "\($0)" } ?? ""
            return row
        }
        goals = c.goals.map { goal in
            let ratings = c.ratings(for: goal.id)
            var row = GoalRow(id: goal.id.rawValue, description: goal.description,
                              latest: ratings.last.map { "\($0.rating)/10" } ?? "Not rated yet",
                              history: ratings.map { "\($0.rating)" }.joined(separator: " → "))
            var parts: [String?] = [goal.need.map { "Need: \(Need(rawValue: $0)?.label ?? $0)" }]
            parts.append(goal.importance.map { "Importance \($0)/10" })
            parts.append(goal.status?.label)
            parts.append(goal.outcome.map { "Outcome: \($0)" })
            row.planSummary = parts.compactMap { $0 }.joined(separator: " · ")
            row.needChoices = Need.allCases.map { Choice($0.rawValue, $0.label, selected: $0.rawValue == goal.need) }
            row.statusChoices = GoalStatus.allCases.map { Choice($0.rawValue, $0.label, selected: $0 == goal.status) }
            row.importance = goal.importance.map(String.init) ?? ""
            row.outcome = goal.outcome ?? ""
            return row
        }
        onward = c.onwardReferrals.map { o in
            let service = serviceByID[o.serviceID]
            let attendance = c.attendance(for: o.id)
            // The link worker's own steps only; the service sets the rest from its side.
            let next = OnwardStatus.allCases.filter { o.status.canMove(to: $0) && !$0.setByProvider }
            return Onward(id: o.id.rawValue, service: service?.name ?? "Unknown service",
                          organisation: service.flatMap { orgName[$0.organisationID] } ?? "",
                          status: o.status.rawValue, statusLabel: o.status.label,
                          reason: o.rejectionReason?.label ?? "", note: o.note, createdAt: Format.date(o.createdAt),
                          attendance: attendance.map { Attendance(date: "\($0.sessionDate)", attended: $0.attended) },
                          didNotAttend: attendance.filter { !$0.attended }.count,
                          hasDidNotAttend: attendance.contains { !$0.attended },
                          nextStatuses: next.map { Choice($0.rawValue, $0.label) },
                          handover: Self.handover(o), canChange: !next.isEmpty)
        }
        messages = c.messages.filter { !$0.kind.isGroupNotice }.map(Message.init)
        signposts = c.signposts.map { SignpostRow(at: Format.dateTime($0.at), description: $0.description, by: names[$0.recordedBy]) }
        self.services = (offered ?? services).filter(\.active).map { Choice($0.id.rawValue, "\($0.name) — \(orgName[$0.organisationID] ?? "") (\($0.category))") }
        contactModes = ContactMode.allCases.map { Choice($0.rawValue, $0.label) }
        contactOutcomes = ContactOutcome.allCases.map { Choice($0.rawValue, $0.label) }
        closingReasons = ClosingReason.allCases.map { Choice($0.rawValue, $0.label) }
        closingReason = r.closingReason?.label ?? ""
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

    public struct Escalation: Sendable { public var id, description, raisedAt, acknowledgedAt: String; public var acknowledged: Bool }
    /// Safeguarding escalations to this referrer.
    public var escalations: [Escalation]
    public var hasEscalations: Bool

    /// False when the person has not agreed to share progress with the referrer.
    public var progressShared: Bool

    public init(_ v: ReferrerCaseView) {
        escalations = v.escalations.map {
            Escalation(id: $0.id, description: $0.description, raisedAt: Format.dateTime($0.raisedAt),
                       acknowledgedAt: $0.acknowledgedAt.map(Format.dateTime) ?? "", acknowledged: $0.isAcknowledged)
        }
        hasEscalations = !escalations.isEmpty
        progressShared = v.progressShared
        id = v.id.rawValue
        personName = v.personName
        status = v.status.rawValue
        statusLabel = v.status.label
        receivedAt = Format.dateTime(v.receivedAt)
        firstSeen = v.progressShared ? v.firstSeenAt.map(Format.dateTime) ?? "Not yet" : "Not shared with you"
        hasFirstSeen = v.firstSeenAt != nil
        linkWorker = v.progressShared ? v.linkWorkerName ?? "Not yet allocated" : "Not shared with you"
        outcome = [v.closingReason?.label, v.outcomeNote].compactMap { $0 }.joined(separator: ": ")
        hasOutcome = !outcome.isEmpty
        messages = v.messages.map(CasePage.Message.init)
        onward = v.onwardReferrals.map { Onward(service: $0.serviceName, statusLabel: $0.status.label, status: $0.status.rawValue) }
        events = v.events.map { CasePage.Event(at: Format.dateTime($0.at), label: $0.to.label, actor: v.staff[$0.actorID], note: "") }
    }
}

/// A caseload or "my referrals" list, split into the groups a link worker works from.
public struct CaseloadPage: Sendable {
    public struct Row: Sendable {
        public var id, personName, status, statusLabel, needs, receivedAt, linkWorker: String
        /// "Waiting 12 days", for referrals no one has picked up yet.
        public var waiting: String?
        public var didNotAttend: Int
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
    /// Rows shown of each group; the rest are a "more" link away.
    public static let groupSize = 50
    /// Messages back shown at once.
    public static let messagesSize = 20
    public var heading: String
    public var groups: [Group]
    public var messages: [Message]
    public var hasMessages: Bool
    /// Older messages, when there are more.
    public var moreMessages: String?
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
    public var hasOverdueDue = false
    /// The table of measures due is shown (`?list=measures`), not just the count.
    public var showDueTable = false

    public struct PendingConcern: Sendable { public var referralID, personName, raisedAt, escalatedTo: String; public var overdue, acknowledged: Bool }
    /// Referrers: escalations waiting for their acknowledgement. Supervisors: every open concern.
    public var concerns: [PendingConcern] = []
    public var hasConcerns = false
    /// Referrals out waiting for the group's answer past the handover agreement's window (`setOverdueRequests`).
    public var overdueRequests: [OverdueRequestRow] = []
    public var hasOverdueRequests = false

    static func waiting(since: Date, now: Date) -> String {
        let days = Int(now.timeIntervalSince(since) / 86_400)
        return days < 1 ? "Waiting less than a day" : days == 1 ? "Waiting 1 day" : "Waiting \(days) days"
    }

    public mutating func setConcerns(_ items: [CaseworkService.ConcernItem]) {
        concerns = items.map {
            PendingConcern(referralID: $0.concern.referralID.rawValue, personName: $0.personName, raisedAt: Format.dateTime($0.concern.raisedAt),
                           escalatedTo: $0.concern.escalatedTo.label, overdue: $0.overdue, acknowledged: $0.concern.isAcknowledged)
        }
        hasConcerns = !concerns.isEmpty
    }

    public struct Review: Sendable { public var referralID, personName, date: String; public var overdue: Bool }
    /// Plan reviews due within a week, or overdue.
    public var reviews: [Review] = []
    public var hasReviews = false

    public mutating func setReviews(_ due: [CaseworkService.DueReview]) {
        reviews = due.map { Review(referralID: $0.referralID.rawValue, personName: $0.personName, date: "\($0.reviewDate)", overdue: $0.overdue) }
        hasReviews = !reviews.isEmpty
    }

    public struct Visit: Sendable { public var referralID, personName, linkWorker, expectedBack: String }
    /// Supervisors: home visits not checked out in time.
    public var overdueVisits: [Visit] = []
    public var hasOverdueVisits = false

    public mutating func setOverdueVisits(_ visits: [CaseworkService.OverdueVisit]) {
        overdueVisits = visits.map {
            Visit(referralID: $0.visit.referralID.rawValue, personName: $0.personName, linkWorker: $0.linkWorkerName,
                  expectedBack: Format.dateTime($0.visit.expectedBackBy))
        }
        hasOverdueVisits = !overdueVisits.isEmpty
    }

    public struct Load: Sendable { public var name, open, taken: String; public var overLimit: Bool }
    /// The team's caseloads (supervisors).
    public var caseloads: [Load] = []
    public var hasCaseloads = false

    public mutating func setCaseloads(_ loads: [CaseworkService.Caseload]) {
        caseloads = loads.map { Load(name: $0.name, open: String($0.open), taken: "\($0.takenOnInLastYear) of \($0.yearlyLimit)", overLimit: $0.overLimit) }
        hasCaseloads = !caseloads.isEmpty
    }

    public mutating func setDue(_ measures: [OutcomeService.DueMeasure]) {
        due = measures.map {
            Due(referralID: $0.referralID.rawValue, personName: $0.personName, instrument: $0.instrumentID.uppercased(),
                timepoint: $0.timepoint.label, dueAt: Format.date($0.dueAt), overdue: $0.overdue)
        }
        hasDue = !due.isEmpty
        dueCount = due.count
        overdueCount = due.filter(\.overdue).count
        hasOverdueDue = overdueCount > 0
    }

    /// The page from the groups of the caseload (each a numbered page with its total) and a page of messages;
    /// `link` makes a link to this page with some parameters changed.
    init(role: Role, groups lists: [(list: CaseworkService.CaseList, page: CountedPage<ReferralSummary>)], messages: Page<MessageBack>,
         names: UserNames, now: Date = Date(), request: Request, link: ([String: String?]) -> String) {
        self.init(role: role, rows: [], messages: messages.rows, names: names, now: now)
        let titles: [CaseworkService.CaseList: String] = [.urgent: "Urgent: waiting, to contact soon", .waiting: "Waiting, longest first",
                                                          .active: "Active", .closed: "Closed"]
        groups = lists.map { part in
            let rows = part.page.rows.map { Self.row($0, names: names, now: now) }
            // The whole caseload shows each group's first page and links to its second; a group alone is numbered.
            let alone = lists.count == 1 && request.query("list") != nil
            return Group(title: titles[part.list] ?? "", key: part.list.rawValue.capitalized, rows: rows, isEmpty: rows.isEmpty, count: part.page.total,
                         more: !alone && part.page.pageCount > 1 ? link(["list": part.list.rawValue, "cursor": nil, "page": "2"]) : nil,
                         link: link(["list": part.list.rawValue, "cursor": nil, "page": nil]),
                         links: alone ? PageLinks(part.page, noun: "referrals", one: "referral", request: request) : nil)
        }
        moreMessages = messages.next.map { link(["list": "messages", "cursor": $0.token]) }
    }

    static func row(_ s: ReferralSummary, names: UserNames, now: Date) -> Row {
        Row(id: s.id.rawValue, personName: s.personName, status: s.status.rawValue, statusLabel: s.status.label,
            needs: s.needs.map(\.label).joined(separator: ", "), receivedAt: Format.date(s.receivedAt),
            linkWorker: names[s.linkWorkerID], waiting: s.status.isWaiting ? Self.waiting(since: s.receivedAt, now: now) : nil,
            didNotAttend: s.didNotAttendCount, hasDidNotAttend: s.didNotAttendCount > 0, hasRisk: s.hasRisk, urgent: s.urgency == .soon)
    }

    public init(role: Role, rows: [ReferralSummary], messages: [MessageBack], names: UserNames, now: Date = Date()) {
        func row(_ s: ReferralSummary) -> Row { Self.row(s, names: names, now: now) }
        var seen = Set<ReferralID>()
        let unique = rows.filter { seen.insert($0.id).inserted }
        func group(_ title: String, _ filter: (ReferralSummary) -> Bool) -> Group {
            let selected = unique.filter(filter).map(row)
            return Group(title: title, key: title, rows: selected, isEmpty: selected.isEmpty, count: selected.count, more: nil, link: "/referrals")
        }
        isReferrer = role == .referrer
        heading = role == .referrer ? "My referrals" : role == .supervisor ? "Team caseload" : "My caseload"
        groups = [
            group("Waiting", { $0.status.isWaiting }),
            group("Active", { !$0.status.isWaiting && !$0.status.isFinal }),
            group("Closed", { $0.status.isFinal }),
        ]
        self.messages = messages.map { Message(at: Format.dateTime($0.createdAt), label: $0.kind.label, body: $0.body, referralID: $0.referralID.rawValue,
                                                      toPractice: $0.recipientID == nil, id: $0.id.rawValue) }
        hasMessages = !messages.isEmpty
    }
}

/// The supervisors' safeguarding queue: every open concern, overdue escalations first.
public struct SafeguardingQueuePage: Sendable {
    public struct Row: Sendable {
        public var referralID, personName, description, raisedBy, raisedAt, escalatedTo, status: String
        public var overdue, reviewed: Bool
    }
    public var rows: [Row]
    public var isEmpty: Bool
    public var hours: Int

    public init(_ items: [CaseworkService.ConcernItem], names: UserNames, hours: Int) {
        rows = items.map {
            let c = $0.concern
            return Row(referralID: c.referralID.rawValue, personName: $0.personName, description: c.description, raisedBy: names[c.raisedBy],
                       raisedAt: Format.dateTime(c.raisedAt), escalatedTo: c.escalatedTo.label,
                       status: c.isAcknowledged ? "Acknowledged" : "Waiting for acknowledgement", overdue: $0.overdue, reviewed: c.reviewedAt != nil)
        }
        isEmpty = rows.isEmpty
        self.hours = hours
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
        init(_ form: FormData?) {
            let f = form ?? FormData("")
            values = Values(nhsNumber: f["person.nhsNumber"] ?? "", givenName: f["person.givenName"] ?? "",
                            familyName: f["person.familyName"] ?? "", dateOfBirth: f["person.dateOfBirth"] ?? "",
                            postcode: f["person.postcode"] ?? "", phone: f["person.phone"] ?? "", email: f["person.email"] ?? "",
                            preferredLanguage: f["person.preferredLanguage"] ?? "",
                            communicationNeeds: f["person.communicationNeeds"] ?? "", personView: f["personView"] ?? "",
                            riskInformation: f["riskInformation"] ?? "", pathway: f["pathway"] ?? "",
                            consentGivenBy: f["consent.givenBy"] ?? "")
            dateOfBirthField = DateField(name: "person.dateOfBirth", legend: "Date of birth", hint: "For example, 27 3 1956",
                                         input: f.dateInput("person.dateOfBirth"), submitted: form != nil)
            gpPracticeCode = form == nil ? "" : (f["gpPracticeChoice"].flatMap { $0.isEmpty ? nil : $0 } ?? f["person.gpPracticeCode"] ?? "")
            let chosenNeeds = Set(f.all("needs")), purposes = Set(f.all("consent.purposes"))
            sourceTypes = SourceType.allCases.filter { $0 != .selfReferral }.map { Choice($0.rawValue, $0.label, selected: f["sourceType"] == $0.rawValue) }
            needs = Need.allCases.map { Choice($0.rawValue, $0.label, selected: chosenNeeds.contains($0.rawValue)) }
            consentMethods = ConsentMethod.allCases.map { Choice($0.rawValue, $0.label, selected: f["consent.method"] == $0.rawValue) }
            let purposeLabels: [ConsentPurpose: String] = [
                .shareWithProviders: "Share the minimum necessary with community services the link worker refers them to",
                .shareWithReferrer: "Send updates to the referrer and GP",
                .evaluation: "Use their information, without their name, to evaluate the service",
            ]
            consentPurposes = ConsentPurpose.allCases.filter { $0 != .socialPrescribing }.map {
                Choice($0.rawValue, purposeLabels[$0] ?? $0.rawValue, selected: purposes.contains($0.rawValue))
            }
            feedback = [Choice("key_events", "At each key step (accepted, first seen, closed)", selected: f["feedbackPreference"] != "closing_only"),
                        Choice("closing_only", "Only when the case closes", selected: f["feedbackPreference"] == "closing_only")]
            urgencies = Urgency.allCases.map { Choice($0.rawValue, $0.label, selected: (f["urgency"] ?? "routine") == $0.rawValue) }
            referralMethods = ReferralMethod.allCases.filter { $0 != .selfReferral }.map { Choice($0.rawValue, $0.label, selected: f["referralMethod"] == $0.rawValue) }
            returnResponseTo = f["returnResponseTo"] ?? ""
            (referrerGrade, referrerTeam, referrerSpecialty) = (f["referrerGrade"] ?? "", f["referrerTeam"] ?? "", f["referrerSpecialty"] ?? "")
            consentGiven = f.flag("consent.given")
            interpreterNeeded = f.flag("person.interpreterNeeded")
            sexes = Sex.allCases.filter { $0 != .notStated }.map { Choice($0.rawValue, $0.label, selected: f["person.sex"] == $0.rawValue) }
            // The NHS Data Dictionary ethnic categories; Z ("Not stated": asked, chose not to say) is offered as that.
            ethnicGroups = EthnicCategory.national.filter { $0 != .notKnown }.map {
                Choice($0.rawValue, $0 == .notStated ? EthnicGroup.preferNotToSay.label : $0.label, selected: f["person.ethnicity"] == $0.rawValue)
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
    }
}
