import Foundation

/// Records kept past the scheme's retention period are anonymised: everything that identifies the
/// person or says what they told the scheme is removed, while the shape of the case (dates,
/// statuses, who did what, scores) stays, so the de-identified insight facts and the audit trail
/// are unchanged. One definition, `Case.anonymised()`, says what is removed; every store must make
/// `loadCase` return exactly that after `anonymise`.
public enum Anonymised {
    /// What names and free text become.
    public static let name = "Removed"
}

extension Person {
    /// The person with what identifies them removed: name, NHS number, contact details and
    /// communication needs; the date of birth keeps only its year and the postcode its district
    /// (enough for the age-band and area equity reports, not enough to find anyone).
    public func anonymised() -> Person {
        var p = self
        p.nhsNumber = nil
        p.givenName = Anonymised.name
        p.familyName = Anonymised.name
        p.dateOfBirth = CalendarDate(year: dateOfBirth.year, month: 1, day: 1) ?? dateOfBirth
        p.postcode = String(postcode.split(separator: " ").first ?? "")
        p.phone = ""
        p.email = ""
        p.communicationNeeds = ""
        return p
    }
}

extension Case {
    /// The case with the person anonymised and every free-text field emptied.
    public func anonymised() -> Case {
        var c = self
        c.person = person.anonymised()
        c.referral.version += 1  // so that a change prepared from the old text is refused
        c.referral.personView = ""
        c.referral.riskInformation = ""
        c.referral.outcomeNote = ""
        c.referral.consent.givenBy = ""
        if c.referral.closingFeedback != nil { c.referral.closingFeedback!.wouldChange = "" }
        for i in c.events.indices { c.events[i].note = "" }
        for i in c.contacts.indices { c.contacts[i].notes = "" }
        c.plan?.whatMatters = ""
        c.plan?.strengths = nil
        c.plan?.agreedWithName = nil
        c.plan?.agreedWithRole = nil
        c.plan?.reviewResponsibility = nil
        c.referral.returnResponseTo = nil
        for i in c.goals.indices { c.goals[i].description = ""; c.goals[i].outcome = nil }
        for i in c.actions.indices { c.actions[i].description = "" }
        for i in c.onwardReferrals.indices { c.onwardReferrals[i].note = "" }
        for i in c.onwardEvents.indices { c.onwardEvents[i].note = "" }
        for i in c.messages.indices { c.messages[i].body = "" }
        for i in c.concerns.indices {
            c.concerns[i].description = ""
            c.concerns[i].resolution = ""
            c.concerns[i].acknowledgedByName = ""
        }
        for i in c.signposts.indices { c.signposts[i].description = "" }
        for i in c.profile.indices { c.profile[i].detail = "" }
        for i in c.risks.indices { c.risks[i].detail = "" }
        for i in c.requestedActions.indices { c.requestedActions[i].description = "" }
        if let d = c.details {
            c.details = .empty(d.referralID, by: d.updatedBy, at: d.updatedAt)
            c.details?.gender = d.gender
            c.details?.carerStatus = d.carerStatus
        }
        for i in c.gaps.indices { c.gaps[i].detail = "" }
        return c
    }
}

/// A person all of whose referrals ended before the retention cut-off.
public struct RetentionCandidate: Sendable, Equatable, Codable {
    public var personID: PersonID
    public var referralIDs: [ReferralID]
    /// When the most recent of their referrals last changed.
    public var lastChangedAt: Date

    public init(personID: PersonID, referralIDs: [ReferralID], lastChangedAt: Date) {
        self.personID = personID
        self.referralIDs = referralIDs
        self.lastChangedAt = lastChangedAt
    }
}

/// Storage for the retention job. Every implementation must guarantee:
/// - `retentionCandidates` lists each person not yet anonymised whose referrals are all ended
///   (declined, redirected, closed, unable to contact, withdrawn) and last changed before `cutoff`;
/// - `anonymise` applies `Case.anonymised()` to every referral of that person, ends their own
///   account (deactivated, name removed) and records them as anonymised — all in one transaction,
///   touching neither the audit trail nor the insight facts.
public protocol RetentionStore: Sendable {
    func retentionCandidates(cutoff: Date) async throws -> [RetentionCandidate]
    func anonymise(personID: PersonID, at: Date) async throws
}

/// The retention job: a dry-run report first, then anonymisation of what is past the period.
public struct RetentionService: Sendable {
    private let store: any RetentionStore & SettingsStore
    private let env: CoreEnvironment

    public init(store: any RetentionStore & SettingsStore, env: CoreEnvironment) {
        self.store = store
        self.env = env
    }

    /// What a run found (and, unless a dry run, anonymised).
    public struct Report: Sendable, Equatable, Codable {
        public var retentionMonths: Int?
        public var cutoff: Date?
        public var people: Int
        public var referrals: Int
        public var dryRun: Bool
    }

    /// The cut-off for the scheme's retention period: records that ended before it are due.
    public func cutoff() async throws -> (months: Int, date: Date)? {
        guard let months = try await store.schemeSettings().retentionMonths else { return nil }
        let date = Calendar(identifier: .gregorian).date(byAdding: .month, value: -months, to: env.now()) ?? env.now()
        return (months, date)
    }

    /// Finds what is past the period and, unless `dryRun`, anonymises it person by person (each in
    /// its own transaction, so an interrupted run leaves every person either done or untouched).
    public func run(dryRun: Bool) async throws -> Report {
        guard let period = try await cutoff() else {
            return Report(retentionMonths: nil, cutoff: nil, people: 0, referrals: 0, dryRun: dryRun)
        }
        let due = try await store.retentionCandidates(cutoff: period.date)
        if !dryRun {
            for candidate in due { try await store.anonymise(personID: candidate.personID, at: env.now()) }
        }
        return Report(retentionMonths: period.months, cutoff: period.date, people: due.count, referrals: due.map(\.referralIDs.count).reduce(0, +), dryRun: dryRun)
    }
}
