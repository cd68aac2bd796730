import Foundation
import LinkwellCore

/// The reference implementation of the storage protocols: everything in one actor, every write
/// applied whole or not at all. Used by tests and by `serve --database memory`.
public actor MemoryStore: LinkwellStore {
    var cases: [ReferralID: Case] = [:]
    private var mergedPeople: Set<PersonID> = []
    private var anonymisedPeople: Set<PersonID> = []
    var users: [UserID: User] = [:]
    var organisationsByID: [OrganisationID: Organisation] = [:]
    /// Code-list mappings by "list|key" (see MemoryStore+CodeLists.swift).
    var codeLists: [String: CodedConcept] = [:]
    var sessions: [String: LoginSession] = [:]
    var tokens: [String: APIToken] = [:]
    /// Two-factor steps, recovery codes and sign-in failures (see MemoryStore+Accounts.swift).
    var accountExtras = MemoryAccountExtras()
    var servicesByID: [ServiceID: Service] = [:]
    var audit: [AuditEvent] = []
    var outcomes: [Administration] = []
    private var setups: [String: InstrumentSetup] = [:]
    private var invitations: [String: MeasureInvitation] = [:]
    private var supervision: [SupervisionNote] = []
    private var settings = SchemeSettings()
    /// The community directory (see MemoryStore+Directory.swift).
    var directory = MemoryDirectory()
    var emails: [MessageID: OutboxEmail] = [:]
    var referralFacts: [ReferralID: ReferralFact] = [:]
    var onwardFacts: [ReferralID: [OnwardFact]] = [:]
    var deprivation: [String: Int] = [:]
    var fundersByID: [FunderID: Funder] = [:]
    var contractsByID: [ContractID: Contract] = [:]
    var grantsByID: [GrantID: GrantApplication] = [:]
    var ledgerEntries: [LedgerEntry] = []
    /// Rate-limit attempts by key (see MemoryStore+RateLimits.swift).
    var rateLimitHits: [String: [(id: String, at: Date)]] = [:]
    var rateLimitSequence = 0
    /// The person's requests from their own record (see MemoryStore+PersonVoice.swift).
    var personRequestRows: [PersonRequest] = []
    private var secrets: [String: [UInt8]] = [:]
    /// Teams, routing and case meetings (see MemoryStore+Teams.swift).
    var teamData = MemoryTeams()
    /// Threads of referrals out (see MemoryStore+GroupVoice.swift).
    var threadMessages: [OnwardMessage] = []
    /// The complaints log and staff records (see MemoryStore+GroupVoice.swift).
    var complaintsByID: [String: Complaint] = [:]
    var staffCheckList: [StaffCheck] = []
    /// When each user read each message back (see MemoryStore+ReferrerHome.swift).
    var messageReads: [UserID: [MessageID: Date]] = [:]

    public init() {}

    public func migrate() async throws {}
    public func shutdown() async throws {}

    // MARK: CaseStore

    public func createReferral(person: Person, referral: Referral, event: ReferralEvent, team: TeamID?) async throws {
        guard cases[referral.id] == nil else { throw StorageError.duplicate("referral \(referral.id)") }
        cases[referral.id] = Case(person: person, referral: referral, events: [event])
        if let team { teamData.placements[referral.id] = team }
        record(InsightFacts(cases[referral.id]!))
    }

    public func loadCase(_ id: ReferralID) async throws -> Case? {
        guard var c = cases[id] else { return nil }
        c.team = caseTeam(id)
        return c
    }

    /// The team a referral is placed on, with its members (`Case.team`).
    func caseTeam(_ id: ReferralID) -> CaseTeam? {
        teamData.placements[id].map { team in
            CaseTeam(teamID: team, linkWorkerIDs: teamData.memberships.filter { $0.teamID == team }.map(\.linkWorkerID).sorted())
        }
    }

    public func apply(_ change: CaseChange) async throws {
        guard let current = cases[change.referral.id], current.referral.version == change.expectedVersion else {
            throw StorageError.versionConflict
        }
        cases[change.referral.id] = change.applied(to: current)
        audit += change.audit
        for message in change.messages { emails[message.id] = OutboxEmail(message: message) }
        if let facts = change.facts { record(facts) }
    }

    public func referrals(_ query: ReferralQuery) async throws -> [ReferralSummary] {
        cases.values
            .filter { query.matches($0.referral, person: $0.person, team: caseTeam($0.referral.id)) }
            .sorted { query.oldestFirst ? ($0.referral.receivedAt, $0.referral.id) < ($1.referral.receivedAt, $1.referral.id)
                                        : ($0.referral.receivedAt, $0.referral.id) > ($1.referral.receivedAt, $1.referral.id) }
            .dropFirst(query.offset)
            .prefix(query.limit)
            .map { c in
                ReferralSummary(id: c.referral.id, personName: c.person.fullName, status: c.referral.status,
                                needs: c.referral.needs, urgency: c.referral.urgency, receivedAt: c.referral.receivedAt,
                                updatedAt: c.referral.updatedAt, referrerID: c.referral.referrerID,
                                linkWorkerID: c.referral.linkWorkerID,
                                didNotAttendCount: c.attendance.filter { !$0.attended }.count,
                                hasRisk: !c.referral.riskInformation.isEmpty, pathway: c.referral.pathway,
                                referrerOrganisationID: c.referral.referrerOrganisationID, consentPurposes: c.referral.consent.purposes,
                                linkWorkerName: c.referral.linkWorkerID.flatMap { users[$0]?.displayName })
            }
    }

    public func referralID(forOnward id: OnwardReferralID) async throws -> ReferralID? {
        cases.values.first { $0.onward(id) != nil }?.referral.id
    }

    public func onwardReferrals(organisationID: OrganisationID) async throws -> [OnwardSummary] {
        cases.values.flatMap { c in
            c.onwardReferrals.compactMap { o -> OnwardSummary? in
                guard let service = servicesByID[o.serviceID], service.organisationID == organisationID else { return nil }
                return OnwardSummary(id: o.id, referralID: c.referral.id, serviceID: service.id, serviceName: service.name,
                                     personName: c.person.fullName, status: o.status, createdAt: o.createdAt)
            }
        }
        .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    public func messages(recipientID: UserID) async throws -> [MessageBack] {
        cases.values.flatMap(\.messages).filter { $0.recipientID == recipientID }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    public func safeguardingConcerns(openOnly: Bool, recipientID: UserID?) async throws -> [SafeguardingConcern] {
        cases.values.flatMap(\.concerns)
            .filter { (!openOnly || $0.isOpen) && (recipientID == nil || $0.recipientID == recipientID) }
            .sorted { ($0.raisedAt, $0.id) < ($1.raisedAt, $1.id) }
    }

    public func possibleDuplicates(of person: Person) async throws -> [ReferralID] {
        cases.values.filter { c in
            let other = c.person
            guard other.id != person.id, !mergedPeople.contains(other.id) else { return false }
            if let nhs = person.nhsNumber, other.nhsNumber == nhs { return true }
            return other.givenName.lowercased() == person.givenName.lowercased() && other.familyName.lowercased() == person.familyName.lowercased()
                && other.dateOfBirth == person.dateOfBirth && other.postcode == person.postcode
        }
        .sorted { ($0.referral.receivedAt, $0.referral.id) > ($1.referral.receivedAt, $1.referral.id) }
        .map(\.referral.id)
    }

    public func mergePeople(keep: PersonID, duplicate: PersonID) async throws {
        guard let kept = cases.values.first(where: { $0.person.id == keep })?.person else { throw StorageError.versionConflict }
        for (id, c) in cases where c.person.id == duplicate {
            var moved = c
            moved.person = kept
            moved.referral.personID = keep
            moved.referral.version += 1
            cases[id] = moved
        }
        mergedPeople.insert(duplicate)
    }

    public func openVisits() async throws -> [LoneWorkingVisit] {
        cases.values.flatMap(\.visits).filter { $0.checkedOutAt == nil }.sorted { ($0.checkedInAt, $0.id) < ($1.checkedInAt, $1.id) }
    }

    // MARK: AccountStore

    public func createUser(_ user: User) async throws {
        guard !users.values.contains(where: { $0.email == user.email.lowercased() }) else {
            throw StorageError.duplicate("email")
        }
        users[user.id] = user
    }
    public func user(id: UserID) async throws -> User? { users[id] }
    public func user(email: String) async throws -> User? { users.values.first { $0.email == email.lowercased() } }
    public func users() async throws -> [User] { users.values.sorted { ($0.displayName, $0.id) < ($1.displayName, $1.id) } }
    public func createOrganisation(_ organisation: Organisation) async throws { organisationsByID[organisation.id] = organisation }
    public func organisation(id: OrganisationID) async throws -> Organisation? { organisationsByID[id] }
    public func organisations() async throws -> [Organisation] { organisationsByID.values.sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) } }
    public func organisations(page: PageRequest) async throws -> [Organisation] {
        Self.byName(try await organisations(), page, \.name, \.id.rawValue)
    }

    /// A page of rows already in name-then-id order, after a name cursor.
    static func byName<T>(_ rows: [T], _ page: PageRequest, _ name: KeyPath<T, String>, _ id: KeyPath<T, String>) -> [T] {
        let rest = page.after.map { c in rows.filter { ($0[keyPath: name], $0[keyPath: id]) > (c.name ?? "", c.id) } } ?? rows
        return Array(rest.prefix(page.limit + 1))
    }

    public func createSession(_ session: LoginSession) async throws { sessions[session.tokenHash] = session }
    public func session(tokenHash: String) async throws -> LoginSession? { sessions[tokenHash] }
    public func touchSession(tokenHash: String, at: Date) async throws { sessions[tokenHash]?.lastSeenAt = at }
    public func deleteSession(tokenHash: String) async throws { sessions[tokenHash] = nil }
    public func createToken(_ token: APIToken) async throws { tokens[token.tokenHash] = token }
    public func token(hash: String) async throws -> APIToken? { tokens[hash] }

    // MARK: DirectoryStore

    public func createService(_ service: Service) async throws { servicesByID[service.id] = service }
    public func service(id: ServiceID) async throws -> Service? { servicesByID[id] }
    public func services() async throws -> [Service] { servicesByID.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) } }
    public func services(page: PageRequest) async throws -> [Service] { Self.byName(try await services(), page, \.name, \.id.rawValue) }

    // MARK: AuditStore

    public func append(_ event: AuditEvent) async throws { audit.append(event) }
    public func auditEvents(subjectID: ReferralID, limit: Int) async throws -> [AuditEvent] {
        Array(audit.reversed().filter { $0.subjectID == subjectID || $0.recordID == subjectID.rawValue }.prefix(limit))
    }
    public func auditEvents(recordID: String?, limit: Int) async throws -> [AuditEvent] {
        Array(audit.reversed().filter { recordID == nil || $0.recordID == recordID }.prefix(limit))
    }

    // MARK: OutcomeStore

    public func saveAdministration(_ administration: Administration) async throws {
        if administration.timepoint == .baseline, outcomes.contains(where: {
            $0.referralID == administration.referralID && $0.instrumentID == administration.instrumentID && $0.timepoint == .baseline
        }) { throw StorageError.duplicate("baseline") }
        outcomes.append(administration)
    }
    public func administrations(referralID: ReferralID) async throws -> [Administration] {
        outcomes.filter { $0.referralID == referralID }.sorted { $0.administeredAt < $1.administeredAt }
    }
    public func administrations(instrumentID: String) async throws -> [Administration] {
        outcomes.filter { $0.instrumentID == instrumentID }.sorted { $0.administeredAt < $1.administeredAt }
    }
    public func saveInstrumentSetup(_ setup: InstrumentSetup) async throws { setups[setup.instrumentID] = setup }
    public func instrumentSetups() async throws -> [InstrumentSetup] { setups.values.sorted { $0.instrumentID < $1.instrumentID } }

    public func createInvitation(_ invitation: MeasureInvitation) async throws { invitations[invitation.tokenHash] = invitation }
    public func invitation(tokenHash: String) async throws -> MeasureInvitation? { invitations[tokenHash] }
    public func saveSelfCompleted(_ administration: Administration, invitationTokenHash: String, at: Date) async throws {
        guard invitations[invitationTokenHash]?.usedAt == nil else { throw StorageError.duplicate("invitation") }
        try await saveAdministration(administration)
        invitations[invitationTokenHash]?.usedAt = at
    }

    // MARK: SupervisionStore

    public func addSupervisionNote(_ note: SupervisionNote) async throws { supervision.append(note) }
    public func supervisionNotes(linkWorkerID: UserID) async throws -> [SupervisionNote] {
        supervision.filter { $0.linkWorkerID == linkWorkerID }.reversed()
    }

    // MARK: SettingsStore

    public func schemeSettings() async throws -> SchemeSettings { settings }

    // MARK: SecretStore

    public func secret(named name: String) async throws -> [UInt8] {
        if let known = secrets[name] { return known }
        let fresh = Self.freshSecret()
        secrets[name] = fresh
        return fresh
    }
    public func rotateSecret(named name: String) async throws { secrets[name] = Self.freshSecret() }
    public func saveSchemeSettings(_ settings: SchemeSettings) async throws { self.settings = settings }

    // MARK: OutboxStore

    public func queueReminders(_ emails: [OutboxEmail]) async throws -> Int {
        var added = 0
        for email in emails where self.emails[email.id] == nil {
            self.emails[email.id] = email
            added += 1
        }
        return added
    }

    public func claimEmails(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxEmail] {
        let due = emails.values
            .filter { $0.state == .queued && $0.notBefore <= now && ($0.claimedUntil.map { $0 < now } ?? true) }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            .prefix(limit)
        return due.map { email in
            var claimed = email
            claimed.claimedUntil = leaseUntil
            claimed.attempts += 1
            emails[email.id] = claimed
            return claimed
        }
    }

    public func markEmailSent(_ id: MessageID, at: Date) async throws {
        emails[id]?.state = .sent
        emails[id]?.sentAt = at
        emails[id]?.claimedUntil = nil
        emails[id]?.lastError = nil
    }

    public func markEmailFailed(_ id: MessageID, error: String, retryAt: Date?) async throws {
        guard var email = emails[id], email.state == .queued else { return }
        email.claimedUntil = nil
        email.lastError = error
        if let retryAt { email.notBefore = retryAt } else { email.state = .failed }
        emails[id] = email
    }

    public func outbox(limit: Int) async throws -> [OutboxEmail] {
        Array(emails.values.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(limit))
    }

    // MARK: RetentionStore

    public func retentionCandidates(cutoff: Date) async throws -> [RetentionCandidate] {
        Dictionary(grouping: cases.values, by: \.person.id).compactMap { person, cases -> RetentionCandidate? in
            guard !anonymisedPeople.contains(person),
                  cases.allSatisfy({ $0.referral.status.isFinal && $0.referral.updatedAt < cutoff }) else { return nil }
            return RetentionCandidate(personID: person, referralIDs: cases.map(\.referral.id).sorted { $0.rawValue < $1.rawValue },
                                      lastChangedAt: cases.map(\.referral.updatedAt).max()!)
        }.sorted { $0.personID.rawValue < $1.personID.rawValue }
    }

    public func anonymise(personID: PersonID, at: Date) async throws {
        guard !anonymisedPeople.contains(personID) else { return }
        for (id, c) in cases where c.person.id == personID { cases[id] = c.anonymised() }
        let referralIDs = Set(cases.values.filter { $0.person.id == personID }.map(\.referral.id))
        blankThreads(referralIDs: referralIDs)
        // As in SQL: the free text of every case meeting that discussed one of their cases.
        for i in teamData.meetings.indices where !referralIDs.isDisjoint(with: teamData.meetings[i].referralIDs) {
            teamData.meetings[i].note = ""
            teamData.meetings[i].attendees = ""
        }
        for i in personRequestRows.indices where cases[personRequestRows[i].referralID]?.person.id == personID {
            personRequestRows[i].message = ""
            personRequestRows[i].answer = ""
        }
        for (id, user) in users where user.personID == personID {
            users[id]?.active = false
            users[id]?.displayName = Anonymised.name
        }
        anonymisedPeople.insert(personID)
    }

    public func health() async throws -> StoreHealth {
        StoreHealth(pendingMigrations: [], outboxQueued: emails.values.filter { $0.state == .queued }.count,
                    outboxFailed: emails.values.filter { $0.state == .failed }.count)
    }
}
