import Foundation

/// One person's referral and everything that hangs off it: the aggregate that casework changes.
public struct Case: Codable, Sendable, Equatable {
    public var person: Person
    public var referral: Referral
    public var events: [ReferralEvent]
    public var contacts: [Contact]
    public var plan: Plan?
    public var goals: [Goal]
    public var goalRatings: [GoalRating]
    public var onwardReferrals: [OnwardReferral]
    public var onwardEvents: [OnwardEvent]
    public var attendance: [AttendanceReport]
    public var messages: [MessageBack]
    public var concerns: [SafeguardingConcern]
    public var signposts: [Signpost]
    public var visits: [LoneWorkingVisit]
    public var actions: [PlanAction]
    /// Needs, interests, strengths and barriers learned in support (`LearnedInSupport.swift`).
    public var profile: [ProfileItem]
    /// Needs nothing suitable could meet.
    public var gaps: [GapRecord]
    /// The standard's risks section (`RiskAndRequestedActions.swift`).
    public var risks: [RiskEntry] = []
    /// The standard's plan and requested actions.
    public var requestedActions: [RequestedAction] = []
    /// The standard's sections kept as one form: demographics, about me, individual requirements (`RecordDetails.swift`).
    public var details: RecordDetails?
    /// The team whose waiting list the referral was placed on, with its link workers (filled in by
    /// `CaseStore.loadCase`; nil when it is on no team). `AccessPolicy` uses it while the referral waits.
    public var team: CaseTeam? = nil

    public init(person: Person, referral: Referral, events: [ReferralEvent] = [], contacts: [Contact] = [],
                plan: Plan? = nil, goals: [Goal] = [], goalRatings: [GoalRating] = [],
                onwardReferrals: [OnwardReferral] = [], onwardEvents: [OnwardEvent] = [],
                attendance: [AttendanceReport] = [], messages: [MessageBack] = [], concerns: [SafeguardingConcern] = [],
                signposts: [Signpost] = [], visits: [LoneWorkingVisit] = [], actions: [PlanAction] = [],
                profile: [ProfileItem] = [], gaps: [GapRecord] = []) {
        self.profile = profile
        self.gaps = gaps
        self.actions = actions
        self.concerns = concerns
        self.signposts = signposts
        self.visits = visits
        self.person = person
        self.referral = referral
        self.events = events
        self.contacts = contacts
        self.plan = plan
        self.goals = goals
        self.goalRatings = goalRatings
        self.onwardReferrals = onwardReferrals
        self.onwardEvents = onwardEvents
        self.attendance = attendance
        self.messages = messages
    }

    /// When a link worker first reached the person.
    public var firstSeenAt: Date? { contacts.filter(\.successful).map(\.at).min() }

    public func onward(_ id: OnwardReferralID) -> OnwardReferral? { onwardReferrals.first { $0.id == id } }
    public func ratings(for goal: GoalID) -> [GoalRating] { goalRatings.filter { $0.goalID == goal } }
    public func attendance(for onward: OnwardReferralID) -> [AttendanceReport] {
        attendance.filter { $0.onwardReferralID == onward }
    }
}

/// The team a referral was routed to and that team's link workers, as loaded with the case.
public struct CaseTeam: Codable, Sendable, Equatable {
    public var teamID: TeamID
    public var linkWorkerIDs: [UserID]
    public init(teamID: TeamID, linkWorkerIDs: [UserID]) {
        self.teamID = teamID
        self.linkWorkerIDs = linkWorkerIDs
    }
}

/// Everything one casework action writes, applied by storage atomically and only if the referral's
/// version is still `expectedVersion` (so two people acting at once cannot both win).
public struct CaseChange: Sendable, Equatable {
    public var expectedVersion: Int
    /// The referral as it is after the change (its version is `expectedVersion + 1`).
    public var referral: Referral
    public var events: [ReferralEvent] = []
    public var contacts: [Contact] = []
    /// Inserted or replaced.
    public var plan: Plan?
    /// Inserted or replaced by id.
    public var goals: [Goal] = []
    public var goalRatings: [GoalRating] = []
    /// Inserted or replaced by id.
    public var onwardReferrals: [OnwardReferral] = []
    public var onwardEvents: [OnwardEvent] = []
    public var attendance: [AttendanceReport] = []
    public var messages: [MessageBack] = []
    /// Inserted or replaced by id (concerns are never deleted).
    public var concerns: [SafeguardingConcern] = []
    public var signposts: [Signpost] = []
    /// Inserted or replaced by id.
    public var visits: [LoneWorkingVisit] = []
    /// Inserted or replaced by id.
    public var actions: [PlanAction] = []
    /// Inserted or replaced by id.
    public var profile: [ProfileItem] = []
    public var gaps: [GapRecord] = []
    /// Inserted or replaced by id.
    public var risks: [RiskEntry] = []
    /// Inserted or replaced by id.
    public var requestedActions: [RequestedAction] = []
    /// Inserted or replaced.
    public var details: RecordDetails?
    /// The case's de-identified insight facts after the change, rewritten whole (set by `CaseworkService`).
    public var facts: InsightFacts?
    /// Access-log entries stored in the change's own transaction: the read of the case the change was made from, so
    /// that a write takes one turn at the database's writer, not two, and the change is never stored without its read.
    public var audit: [AuditEvent] = []

    public init(expectedVersion: Int, referral: Referral) {
        self.expectedVersion = expectedVersion
        self.referral = referral
    }

    /// The case as it will be once this change is applied (used by the in-memory store and by tests).
    public func applied(to current: Case) -> Case {
        var next = current
        next.referral = referral
        next.events += events
        next.contacts += contacts
        if let plan { next.plan = plan }
        next.goals.upsert(goals)
        next.goalRatings += goalRatings
        next.onwardReferrals.upsert(onwardReferrals)
        next.onwardEvents += onwardEvents
        next.attendance += attendance
        next.messages += messages
        next.signposts += signposts
        next.actions.upsert(actions)
        next.visits.upsert(visits)
        next.concerns.upsert(concerns)
        next.profile.upsert(profile)
        next.gaps += gaps
        next.risks.upsert(risks)
        next.requestedActions.upsert(requestedActions)
        if let details { next.details = details }
        return next
    }
}

/// Who is acting: the signed-in user as the domain needs to know them.
public struct Principal: Sendable, Equatable {
    public var userID: UserID
    public var role: Role
    public var organisationID: OrganisationID?
    public var displayName: String
    /// Set for a person signed in to see their own record.
    public var personID: PersonID?
    public init(userID: UserID, role: Role, organisationID: OrganisationID?, displayName: String, personID: PersonID? = nil) {
        self.personID = personID
        self.userID = userID
        self.role = role
        self.organisationID = organisationID
        self.displayName = displayName
    }
    public init(_ user: User) {
        self.init(userID: user.id, role: user.role, organisationID: user.organisationID, displayName: user.displayName, personID: user.personID)
    }
}

extension Array where Element: Identifiable {
    /// Replaces the elements with the same id, in place, and appends the new ones in order.
    mutating func upsert(_ elements: [Element]) {
        for element in elements {
            if let index = firstIndex(where: { $0.id == element.id }) { self[index] = element } else { append(element) }
        }
    }
}
