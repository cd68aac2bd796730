import Foundation

/// Where a community organisation's governance checks stand on a day: what a link worker sees in search
/// results and at referral out, and what decides whether a referral out needs a supervisor's override.
///
/// The rule: a safeguarding policy and public liability insurance must both be recorded, and no recorded
/// check (those two, and DBS checks where the group visits homes) may be past its expiry date. A check
/// recorded without an expiry date counts as current, and is shown as having none.
public struct GovernanceStanding: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case current
        /// Current, but a check expires within the reminder window.
        case expiringSoon = "expiring_soon"
        case expired
        /// Checked, but without a safeguarding policy or insurance.
        case incomplete
        /// No governance check recorded.
        case unchecked
    }
    public var state: State
    /// What is missing, expired or expiring, in Core's English ("insurance expired on 2026-01-31"): the API's and
    /// the case history's words.
    public var problems: [String]
    /// The same as codes and dates, for a page to word in its reader's language (not part of the JSON).
    public var findings: [GovernanceFinding] = []

    enum CodingKeys: String, CodingKey { case state, problems }

    /// Referrals out may be made without a supervisor's override.
    public var allowsReferral: Bool { state == .current || state == .expiringSoon }

    /// One line for a search result or the referral-out form.
    public var summary: String {
        switch state {
        case .current: "Governance checks current"
        case .expiringSoon: "Governance checks current; " + problems.joined(separator: "; ")
        case .expired: "Governance checks expired: " + problems.joined(separator: "; ")
        case .incomplete: "Governance checks incomplete: " + problems.joined(separator: "; ")
        case .unchecked: "No governance checks recorded"
        }
    }

    public init(state: State, problems: [String]) {
        self.state = state
        self.problems = problems
    }

    /// A standing with its `findings`, and their English as its `problems`.
    public init(state: State, findings: [GovernanceFinding]) {
        self.state = state
        self.findings = findings
        self.problems = findings.map(\.english)
    }

    /// The standing of `check` on `today`; checks expiring on or before `remindFrom` are "expiring soon".
    public static func of(_ check: GovernanceCheck?, today: CalendarDate, remindFrom: CalendarDate) -> GovernanceStanding {
        guard let check else { return GovernanceStanding(state: .unchecked, problems: []) }
        var missing: [GovernanceFinding] = []
        if !check.safeguardingPolicy { missing.append(GovernanceFinding(check: .safeguardingPolicy, kind: .missing)) }
        if !check.insurance { missing.append(GovernanceFinding(check: .insurance, kind: .missing)) }
        if !missing.isEmpty { return GovernanceStanding(state: .incomplete, findings: missing) }
        var expired: [GovernanceFinding] = [], expiring: [GovernanceFinding] = []
        for c in check.expiringCheckKinds where c.held {
            guard let expires = c.expires else { continue }
            if expires < today { expired.append(GovernanceFinding(check: c.kind, kind: .expired, date: expires)) }
            else if expires <= remindFrom { expiring.append(GovernanceFinding(check: c.kind, kind: .expiring, date: expires)) }
        }
        if !expired.isEmpty { return GovernanceStanding(state: .expired, findings: expired) }
        if !expiring.isEmpty { return GovernanceStanding(state: .expiringSoon, findings: expiring) }
        return GovernanceStanding(state: .current, problems: [])
    }

    /// The standing of each organisation's checks, read from the directory in one read.
    public static func load(_ organisationIDs: Set<String>, from store: any CommunityDirectoryStore, now: Date,
                            reminderDays: Int = GovernanceRules.reminderDays) async throws -> [String: GovernanceStanding] {
        let today = CalendarDate(now)
        let horizon = CalendarDate(now.addingTimeInterval(TimeInterval(reminderDays) * 86_400))
        let checks = Dictionary(try await store.governance(organizationIDs: organisationIDs.sorted()).map { ($0.organizationID, $0) },
                                uniquingKeysWith: { a, _ in a })
        return Dictionary(uniqueKeysWithValues: organisationIDs.map { ($0, of(checks[$0], today: today, remindFrom: horizon)) })
    }
}

/// The scheme's governance rules.
public enum GovernanceRules {
    /// Days before a check expires that the admins are reminded, and that search results warn.
    public static let reminderDays = 30
}

/// One thing wrong, or about to be, with an organisation's governance checks: which check, what, and when.
public struct GovernanceFinding: Sendable, Equatable {
    /// The checks that are required or expire (their codes are the `GovernanceCheck` fields' names).
    public enum Check: String, Sendable, CaseIterable, Codable {
        case safeguardingPolicy, insurance, dbs
        /// Core's English name ("safeguarding policy").
        public var name: String {
            switch self {
            case .safeguardingPolicy: "safeguarding policy"
            case .insurance: "insurance"
            case .dbs: "DBS checks"
            }
        }
    }
    public enum Kind: String, Sendable, CaseIterable { case missing, expired, expiring }
    public var check: Check
    public var kind: Kind
    /// The expiry date (expired or expiring), none when missing.
    public var date: CalendarDate?
    public init(check: Check, kind: Kind, date: CalendarDate? = nil) { (self.check, self.kind, self.date) = (check, kind, date) }

    /// Core's English ("no insurance", "insurance expired on 2026-01-31").
    public var english: String {
        switch kind {
        case .missing: "no \(check.name)"
        case .expired: "\(check.name) expired on \(date.map { "\($0)" } ?? "")"
        case .expiring: "\(check.name) expires on \(date.map { "\($0)" } ?? "")"
        }
    }
}

extension GovernanceCheck {
    /// The checks that expire: their name, whether held, and the expiry date recorded.
    public var expiringChecks: [(name: String, held: Bool, expires: CalendarDate?)] {
        expiringCheckKinds.map { ($0.kind.name, $0.held, $0.expires) }
    }

    /// The same by code.
    public var expiringCheckKinds: [(kind: GovernanceFinding.Check, held: Bool, expires: CalendarDate?)] {
        [(.safeguardingPolicy, safeguardingPolicy, safeguardingPolicyExpires), (.insurance, insurance, insuranceExpires),
         (.dbs, dbsForHomeVisits, dbsExpires)]
    }
}

/// The expiry dates of governance checks as typed on the form or sent to the API (YYYY-MM-DD, each optional).
public struct GovernanceExpiries: Codable, Sendable {
    public var safeguardingPolicyExpires: String?
    public var insuranceExpires: String?
    public var dbsExpires: String?
    public init(safeguardingPolicyExpires: String? = nil, insuranceExpires: String? = nil, dbsExpires: String? = nil) {
        (self.safeguardingPolicyExpires, self.insuranceExpires, self.dbsExpires) = (safeguardingPolicyExpires, insuranceExpires, dbsExpires)
    }

    /// The dates, each a real date; a date is kept only for a check that is held (an unheld check has no expiry).
    func validated(safeguardingPolicy: Bool, insurance: Bool, dbs: Bool) throws(LinkwellError) -> (CalendarDate?, CalendarDate?, CalendarDate?) {
        var v = Validator()
        func date(_ text: String?, _ field: String, _ held: Bool) -> CalendarDate? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let date = CalendarDate(text) else {
                v.add(field, .expiryDateNotReal)
                return nil
            }
            return held ? date : nil
        }
        let dates = (date(safeguardingPolicyExpires, "safeguardingPolicyExpires", safeguardingPolicy),
                     date(insuranceExpires, "insuranceExpires", insurance), date(dbsExpires, "dbsExpires", dbs))
        try v.check()
        return dates
    }
}

extension DirectoryService {
    /// Where each organisation's governance checks stand today (scheme staff only: governance is private).
    public func governanceStandings(_ organizationIDs: Set<String>, by p: Principal) async throws -> [String: GovernanceStanding] {
        guard DirectoryPolicy.canSeePrivateNotes(p) else { throw LinkwellError.forbidden("Governance checks are for scheme staff.") }
        return try await GovernanceStanding.load(organizationIDs, from: store, now: env.now())
    }

    /// A page of the organisations that run a referrable service, by id, each with where its checks stand today:
    /// what the referral-out form shows, read by keyset in the store (scheme staff only).
    public func governanceStandings(page: PageRequest, by p: Principal) async throws -> Page<OrganisationStanding> {
        guard DirectoryPolicy.canSeePrivateNotes(p) else { throw LinkwellError.forbidden("Governance checks are for scheme staff.") }
        let page = try page.requireNamed()
        let ids = Page(fetched: try await store.serviceOrganisationIDs(keyset: page.fetching), limit: page.limit) {
            PageCursor(name: $0.rawValue, id: $0.rawValue)
        }
        let standings = try await GovernanceStanding.load(Set(ids.rows.map(\.rawValue)), from: store, now: env.now())
        return ids.map { OrganisationStanding(organisationID: $0, standing: standings[$0.rawValue] ?? GovernanceStanding(state: .unchecked, problems: [])) }
    }

    /// Checks that have expired or expire within the reminder window, soonest first: the admin's reminders.
    public func governanceDue(by p: Principal) async throws -> [GovernanceDue] {
        guard DirectoryPolicy.canReview(p) else { throw LinkwellError.forbidden("Only the admin sees governance reminders.") }
        let now = env.now()
        let horizon = CalendarDate(now.addingTimeInterval(TimeInterval(GovernanceRules.reminderDays) * 86_400))
        let today = CalendarDate(now)
        var due: [GovernanceDue] = []
        for check in try await store.governanceChecks() {
            for c in check.expiringCheckKinds where c.held {
                guard let expires = c.expires, expires <= horizon else { continue }
                due.append(GovernanceDue(organizationID: check.organizationID, checkCode: c.kind, expires: expires, expired: expires < today))
            }
        }
        let names = try await organisationNames(Set(due.map(\.organizationID)))
        return due.map { var d = $0; d.organisationName = names[d.organizationID] ?? d.organizationID; return d }
            .sorted { ($0.expires, $0.organizationID, $0.check) < ($1.expires, $1.organizationID, $1.check) }
    }
}

/// One organisation and where its governance checks stand.
public struct OrganisationStanding: Sendable, Equatable {
    public var organisationID: OrganisationID
    public var standing: GovernanceStanding
    public init(organisationID: OrganisationID, standing: GovernanceStanding) {
        (self.organisationID, self.standing) = (organisationID, standing)
    }
}

/// A governance check that has expired or is about to.
public struct GovernanceDue: Codable, Sendable, Equatable {
    public var organizationID: String
    public var organisationName = ""
    /// The check's English name (`checkCode`'s `name`).
    public var check: String
    /// Which check, as a code (for a page to word).
    public var checkCode: GovernanceFinding.Check
    public var expires: CalendarDate
    public var expired: Bool
    public init(organizationID: String, checkCode: GovernanceFinding.Check, expires: CalendarDate, expired: Bool) {
        (self.organizationID, self.check, self.checkCode, self.expires, self.expired) = (organizationID, checkCode.name, checkCode, expires, expired)
    }
}
