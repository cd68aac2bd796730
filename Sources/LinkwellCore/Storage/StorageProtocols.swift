import Foundation

/// What a caseload list shows about one referral (no sensitive detail).
public struct ReferralSummary: Encodable, Sendable, Equatable {
    public var id: ReferralID
    public var personName: String
    public var status: ReferralStatus
    public var needs: [Need]
    public var urgency: Urgency
    public var receivedAt: Date
    public var updatedAt: Date
    public var referrerID: UserID?
    public var linkWorkerID: UserID?
    /// Did-not-attend reports from providers: an alert on the link worker's caseload.
    public var didNotAttendCount: Int
    public var hasRisk: Bool
    public var pathway: String
    public var referrerOrganisationID: OrganisationID?
    /// What the person has consented to now; a referrer's list is shaped by it (`ReferrerCaseView.row`).
    /// Not part of the JSON. Empty (nothing shared) unless a store fills it in.
    public var consentPurposes: [ConsentPurpose]
    /// The link worker's name as it stands, read with the row, so that a work list names its link workers without a
    /// lookup of its own. Not part of the JSON (the API names people by id). Nil when unallocated, or in a list made
    /// elsewhere than the store's referral lists (the possible duplicates of a case).
    public var linkWorkerName: String?
    enum CodingKeys: String, CodingKey {
        case id, personName, status, needs, urgency, receivedAt, updatedAt, referrerID, linkWorkerID, didNotAttendCount, hasRisk,
             pathway, referrerOrganisationID
    }
    public init(id: ReferralID, personName: String, status: ReferralStatus, needs: [Need], urgency: Urgency,
                receivedAt: Date, updatedAt: Date, referrerID: UserID?, linkWorkerID: UserID?, didNotAttendCount: Int,
                hasRisk: Bool, pathway: String, referrerOrganisationID: OrganisationID?, consentPurposes: [ConsentPurpose] = [],
                linkWorkerName: String? = nil) {
        self.consentPurposes = consentPurposes
        self.linkWorkerName = linkWorkerName
        self.pathway = pathway
        self.referrerOrganisationID = referrerOrganisationID
        self.id = id
        self.personName = personName
        self.status = status
        self.needs = needs
        self.urgency = urgency
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.referrerID = referrerID
        self.linkWorkerID = linkWorkerID
        self.didNotAttendCount = didNotAttendCount
        self.hasRisk = hasRisk
    }
}

/// Filters for `CaseStore.referrals(_:)`; all given filters must match.
public struct ReferralQuery: Sendable, Equatable {
    public var referrerID: UserID?
    public var linkWorkerID: UserID?
    public var personID: PersonID?
    /// Only referrals no link worker has picked up yet.
    public var unallocatedOnly: Bool
    public var statuses: [ReferralStatus]?
    public var limit: Int
    /// Only referrals after this one in the newest-first order (keyset paging).
    public var after: PageCursor?
    /// Only people found by this name search (`NameSearch`: every word of it begins a word of their name).
    public var search: String?
    /// With `linkWorkerID`: also the waiting list (unallocated referrals received or triaged).
    public var includeWaiting: Bool
    /// Only referrals of this urgency.
    public var urgency: Urgency? = nil
    /// Longest-waiting first (received earliest first), and `after` pages forward in that order; otherwise newest first.
    public var oldestFirst = false
    /// Only the person with this NHS number (10 digits, no spaces); in place of `search` when a search is one.
    public var nhsNumber: String? = nil
    /// Only people born on this day; in place of `search` when a search is a date.
    public var dateOfBirth: CalendarDate? = nil
    /// Leaves out unallocated referrals placed on a team this link worker is not a member of
    /// (`AccessPolicy.mayPickUp`); referrals on no team, and allocated ones, are unaffected.
    public var waitingFor: UserID? = nil
    /// Only referrals placed on this team, or allocated to one of `teamMembers` (the team's link workers, as the
    /// caller read them): a team's caseload.
    public var teamID: TeamID? = nil
    public var teamMembers: [UserID] = []
    /// Only referrals last changed at or after this time.
    public var updatedSince: Date? = nil
    /// Rows skipped before `limit` (a numbered web page: `LIMIT`/`OFFSET` in the order above); 0 with `after`.
    public var offset = 0
    public init(referrerID: UserID? = nil, linkWorkerID: UserID? = nil, personID: PersonID? = nil, unallocatedOnly: Bool = false,
                statuses: [ReferralStatus]? = nil, limit: Int = 1000, after: PageCursor? = nil, search: String? = nil,
                includeWaiting: Bool = false) {
        self.after = after
        self.search = search
        self.includeWaiting = includeWaiting
        self.personID = personID
        self.referrerID = referrerID
        self.linkWorkerID = linkWorkerID
        self.unallocatedOnly = unallocatedOnly
        self.statuses = statuses
        self.limit = limit
    }
}

extension ReferralQuery {
    /// Whether the waiting list can add anything: `includeWaiting`, and the statuses asked for include a waiting one.
    /// A link worker's "in support" or "closed" group cannot hold an unallocated waiting referral, so a store leaves
    /// that side of the OR (and the `waitingFor` team check, which only unallocated referrals need) out of its query:
    /// on PostgreSQL the OR turned a read of the link worker's index into a bitmap scan of every matching row's page.
    public var waitingListReachable: Bool {
        includeWaiting && statuses.map { $0.contains(where: \.isWaiting) } != false
    }

    /// Whether a referral (with its person's full name) matches every filter but `limit`: the rule each
    /// store applies, written once for the in-memory store and the tests.
    public func matches(_ r: Referral, person: Person, team: CaseTeam? = nil) -> Bool {
        if let nhsNumber, person.nhsNumber?.digits != nhsNumber { return false }
        if let dateOfBirth, person.dateOfBirth != dateOfBirth { return false }
        return matches(r, personName: person.fullName, team: team)
    }

    /// The rule of `matches(_:person:team:)` for the filters that need only the person's name.
    public func matches(_ r: Referral, personName: String, team: CaseTeam? = nil) -> Bool {
        if let urgency, r.urgency != urgency { return false }
        if let teamID, team?.teamID != teamID, !(r.linkWorkerID.map(teamMembers.contains) ?? false) { return false }
        if let id = waitingFor, r.linkWorkerID == nil, !AccessPolicy.mayPickUp(team, id) { return false }
        if let id = referrerID, r.referrerID != id { return false }
        if let id = linkWorkerID, r.linkWorkerID != id {
            guard includeWaiting, r.linkWorkerID == nil, r.status.isWaiting else { return false }
        }
        if let id = personID, r.personID != id { return false }
        if unallocatedOnly && r.linkWorkerID != nil { return false }
        if let statuses, !statuses.contains(r.status) { return false }
        if let updatedSince, r.updatedAt < updatedSince { return false }
        if let after, oldestFirst ? !((r.receivedAt, r.id.rawValue) > (after.at, after.id)) : !((r.receivedAt, r.id.rawValue) < (after.at, after.id)) { return false }
        if let search, !search.isEmpty, !NameSearch.matches(name: personName, search: search) { return false }
        return true
    }
}

/// A provider's inbox row: the minimum a community service needs.
public struct OnwardSummary: Codable, Sendable, Equatable {
    public var id: OnwardReferralID
    public var referralID: ReferralID
    public var serviceID: ServiceID
    public var serviceName: String
    public var personName: String
    public var status: OnwardStatus
    public var createdAt: Date
    public init(id: OnwardReferralID, referralID: ReferralID, serviceID: ServiceID, serviceName: String,
                personName: String, status: OnwardStatus, createdAt: Date) {
        self.id = id
        self.referralID = referralID
        self.serviceID = serviceID
        self.serviceName = serviceName
        self.personName = personName
        self.status = status
        self.createdAt = createdAt
    }
}

/// People's referrals and the casework on them.
///
/// Every implementation must guarantee:
/// - `createReferral` and `apply` are atomic: all of it is stored, or none of it.
/// - `apply` stores the change only if the referral's stored version equals `change.expectedVersion`,
///   and otherwise throws `StorageError.versionConflict` and stores nothing. Of two concurrent changes
///   made from the same version exactly one succeeds.
/// - Lists come back newest first (by `receivedAt`, then id).
public protocol CaseStore: Sendable {
    /// Stores a new person, their referral and the referral's first lifecycle event, and places it on
    /// `team`'s waiting list (when given) in the same transaction, so a new referral is never seen
    /// without its team.
    func createReferral(person: Person, referral: Referral, event: ReferralEvent, team: TeamID?) async throws
    /// The whole case, or nil when there is no such referral. Read from one consistent state: a
    /// concurrent `apply` is seen whole or not at all.
    func loadCase(_ id: ReferralID) async throws -> Case?
    /// Applies one casework change atomically under the version guard.
    func apply(_ change: CaseChange) async throws
    /// Summaries of the referrals matching the query.
    func referrals(_ query: ReferralQuery) async throws -> [ReferralSummary]
    /// Each query's referrals, in their order, read together (a caseload's groups: one statement on SQL instead of one
    /// a group). Each list is exactly what `referrals` gives for its query alone.
    func referrals(_ queries: [ReferralQuery]) async throws -> [[ReferralSummary]]
    /// Each query's count (as `countReferrals`, without its page) and its rows (as `referrals(_ queries:)`, with its
    /// page as given), read together: a caseload's first pages in one statement on SQL. `entry`, the access-log entry
    /// for reading them, is stored when the read succeeds, and only then (on PostgreSQL in the read's own statement).
    func countedReferrals(_ queries: [ReferralQuery], logging entry: AuditEvent?) async throws -> (totals: [Int], rows: [[ReferralSummary]])
    /// The referral a referral out belongs to.
    func referralID(forOnward id: OnwardReferralID) async throws -> ReferralID?
    /// Referrals out to any service of the organisation, newest first.
    func onwardReferrals(organisationID: OrganisationID) async throws -> [OnwardSummary]
    /// Messages back addressed to a referrer, newest first.
    func messages(recipientID: UserID) async throws -> [MessageBack]
    /// Safeguarding concerns, oldest first: open ones only, and/or those escalated to one user.
    func safeguardingConcerns(openOnly: Bool, recipientID: UserID?) async throws -> [SafeguardingConcern]
    /// Home visits not yet checked out, oldest first.
    func openVisits() async throws -> [LoneWorkingVisit]
    /// Referrals of other people who may be this person: the same NHS number, or the same name
    /// (ignoring case), date of birth and postcode. Newest first.
    func possibleDuplicates(of person: Person) async throws -> [ReferralID]
    /// Moves every referral of `duplicate` to `keep`, atomically, bumping each moved referral's version
    /// (so a concurrent change made from the old state is refused). The duplicate's record is kept,
    /// marked as merged, and no longer offered as a duplicate.
    func mergePeople(keep: PersonID, duplicate: PersonID) async throws
}

extension CaseStore {
    /// A new referral on no team.
    public func createReferral(person: Person, referral: Referral, event: ReferralEvent) async throws {
        try await createReferral(person: person, referral: referral, event: event, team: nil)
    }
}

/// Users, organisations, sessions and API tokens.
///
/// E-mail addresses are unique (case-insensitively): `createUser` throws `StorageError.duplicate` for a second one.
public protocol AccountStore: Sendable {
    func createUser(_ user: User) async throws
    func user(id: UserID) async throws -> User?
    func user(email: String) async throws -> User?
    func users() async throws -> [User]
    func createOrganisation(_ organisation: Organisation) async throws
    func organisation(id: OrganisationID) async throws -> Organisation?
    func organisations() async throws -> [Organisation]
    /// At most `page.limit + 1` organisations in name-then-id order after `page.after` (a name cursor).
    func organisations(page: PageRequest) async throws -> [Organisation]

    func createSession(_ session: LoginSession) async throws
    func session(tokenHash: String) async throws -> LoginSession?
    /// The session of a token hash with its user (nil when no such user), read together where the store can: every
    /// signed-in request reads both.
    func sessionAndUser(tokenHash: String) async throws -> (session: LoginSession, user: User?)?
    /// Records activity so that the idle timeout restarts.
    func touchSession(tokenHash: String, at: Date) async throws
    func deleteSession(tokenHash: String) async throws

    func createToken(_ token: APIToken) async throws
    func token(hash: String) async throws -> APIToken?

    /// Stores a user's name, role, organisation, active flag and two-factor secrets (not the e-mail or password).
    func updateUser(_ user: User) async throws
    /// A user's sessions, at any stage of sign-in, newest first.
    func sessions(userID: UserID) async throws -> [LoginSession]
    /// Deletes the user's session with this id; false when they have none with it.
    func deleteSession(id: String, userID: UserID) async throws -> Bool
    /// Deletes every session of the user (they are signed out everywhere at once).
    func deleteSessions(userID: UserID) async throws
    /// One user's tokens, or everyone's (nil), newest first.
    func tokens(userID: UserID?) async throws -> [APIToken]
    /// Records the token's last use.
    func touchToken(hash: String, at: Date) async throws
    /// Revokes the tokens with these ids (already revoked ones keep their first revocation time).
    func revokeTokens(ids: [String], at: Date) async throws
    /// Records that the two-factor code of this time step was used. Atomic; false when this step or a
    /// later one was used already, so that a code cannot be replayed.
    func claimTwoFactorStep(userID: UserID, step: Int64) async throws -> Bool
    /// Replaces the user's recovery codes (SHA-256 hashes).
    func replaceRecoveryCodes(userID: UserID, hashes: [String]) async throws
    /// Marks one unused recovery code with this hash used. Atomic; false when there is none, so that
    /// each code works once.
    func useRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool
    /// How many of the user's recovery codes are unused.
    func unusedRecoveryCodes(userID: UserID) async throws -> Int
}

/// The community services a link worker can refer to.
public protocol DirectoryStore: Sendable {
    func createService(_ service: Service) async throws
    func service(id: ServiceID) async throws -> Service?
    /// All services, sorted by name.
    func services() async throws -> [Service]
    /// At most `page.limit + 1` services in name-then-id order after `page.after` (a name cursor; the extra row
    /// only says that there is a next page).
    func services(page: PageRequest) async throws -> [Service]
}

/// The append-only audit trail. There is no way to change or delete an event.
public protocol AuditStore: Sendable {
    func append(_ event: AuditEvent) async throws
    /// The newest events first; optionally only those about one record.
    func auditEvents(recordID: String?, limit: Int) async throws -> [AuditEvent]
    /// Every event about one person's referral, newest first: those whose subject is the referral, and
    /// (for events written before subjects were recorded) those whose record is the referral itself.
    func auditEvents(subjectID: ReferralID, limit: Int) async throws -> [AuditEvent]
}

/// The scheme's own settings (pathways, eligibility).
public protocol SettingsStore: Sendable {
    /// The current settings; defaults when none were saved.
    func schemeSettings() async throws -> SchemeSettings
    func saveSchemeSettings(_ settings: SchemeSettings) async throws
}

/// Supervision notes, kept per link worker.
public protocol SupervisionStore: Sendable {
    func addSupervisionNote(_ note: SupervisionNote) async throws
    /// A link worker's notes, newest first.
    func supervisionNotes(linkWorkerID: UserID) async throws -> [SupervisionNote]
}

/// Everything Linkwell stores, as one handle chosen by the composition root.
/// The e-mail outbox of messages back. `CaseStore.apply` queues one `OutboxEmail` per message back in the
/// same transaction as the message.
///
/// Every implementation must guarantee that `claimEmails` is atomic: an e-mail is returned to at most one
/// caller until its lease ends, and each claim counts one attempt.
public protocol OutboxStore: Sendable {
    /// Leases up to `limit` queued e-mails that are due (`notBefore <= now`) and not leased by anyone else,
    /// oldest first, until `leaseUntil`; returns them with their attempt count already increased.
    func claimEmails(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxEmail]
    func markEmailSent(_ id: MessageID, at: Date) async throws
    /// Records a failed attempt: queued again from `retryAt`, or `failed` for good when `retryAt` is nil.
    func markEmailFailed(_ id: MessageID, error: String, retryAt: Date?) async throws
    /// The newest e-mails first, for the admin's outbox page.
    func outbox(limit: Int) async throws -> [OutboxEmail]
    /// Queues reminders about no referral (`OutboxEmail(reminder:to:kind:at:)`), skipping any whose id is
    /// already in the outbox (whatever its state), atomically; returns how many were new.
    func queueReminders(_ emails: [OutboxEmail]) async throws -> Int
}

public protocol LinkwellStore: CaseStore, CaseSummaryStore, AccountStore, OrganisationStore, CodeListStore, SignInThrottleStore, DirectoryStore, AuditStore, OutcomeStore, SupervisionStore, SettingsStore, OutboxStore,
                               InsightStore, CommissioningStore, CommunityDirectoryStore, ImportJobStore, RateLimitStore, HealthStore, RetentionStore, SecretStore,
                               TeamStore, OnwardThreadStore, StaffRecordStore, AdminListStore, StaffListStore,
                               PersonRequestStore, LearnedInsightStore, ReferrerHomeStore, ReferenceLookupStore, KeysetListStore,
                               BoundedListStore, CaseloadPanelStore {
    /// Brings the schema up to date (idempotent).
    func migrate() async throws
    /// Releases connections.
    func shutdown() async throws
}

/// Outcome measures: administrations of instruments, and each scheme's instrument set-up.
///
/// Every implementation must guarantee that a referral has at most one baseline per instrument:
/// a second one throws `StorageError.duplicate("baseline")` and stores nothing.
public protocol OutcomeStore: Sendable {
    func saveAdministration(_ administration: Administration) async throws
    /// A referral's administrations, oldest first.
    func administrations(referralID: ReferralID) async throws -> [Administration]
    /// Every administration of an instrument, oldest first (for cohort reports and exports).
    func administrations(instrumentID: String) async throws -> [Administration]
    /// Inserts or replaces the set-up of one instrument.
    func saveInstrumentSetup(_ setup: InstrumentSetup) async throws
    func instrumentSetups() async throws -> [InstrumentSetup]

    func createInvitation(_ invitation: MeasureInvitation) async throws
    func invitation(tokenHash: String) async throws -> MeasureInvitation?
    /// Marks the invitation used and stores the person's answers, atomically. A used invitation throws
    /// `StorageError.duplicate("invitation")` and stores nothing.
    func saveSelfCompleted(_ administration: Administration, invitationTokenHash: String, at: Date) async throws
}

extension AccountStore {
    /// The session, then its user.
    public func sessionAndUser(tokenHash: String) async throws -> (session: LoginSession, user: User?)? {
        guard let session = try await session(tokenHash: tokenHash) else { return nil }
        return (session, try await user(id: session.userID))
    }
}

extension CaseStore where Self: CaseSummaryStore & AuditStore {
    /// Counted, then read, then the entry stored.
    public func countedReferrals(_ queries: [ReferralQuery], logging entry: AuditEvent?) async throws -> (totals: [Int], rows: [[ReferralSummary]]) {
        let found = (try await countReferrals(queries), try await referrals(queries))
        if let entry { try await append(entry) }
        return found
    }
}

extension CaseStore {
    /// Each query read on its own.
    public func referrals(_ queries: [ReferralQuery]) async throws -> [[ReferralSummary]] {
        var lists: [[ReferralSummary]] = []
        for query in queries { lists.append(try await referrals(query)) }
        return lists
    }
}
