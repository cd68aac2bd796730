import Foundation

/// One person on a referrer's home page: each person once, with the referrals this referrer made for them.
public struct ReferredPerson: Sendable, Equatable {
    /// One of the person's referrals, as the referrer may see it in a list.
    public struct Referral: Sendable, Equatable {
        public var id: ReferralID
        public var status: ReferralStatus
        public var receivedAt: Date
        /// What the person has agreed to now (which decides how much of the status the referrer sees).
        public var consentPurposes: [ConsentPurpose]
        public init(id: ReferralID, status: ReferralStatus, receivedAt: Date, consentPurposes: [ConsentPurpose]) {
            self.id = id
            self.status = status
            self.receivedAt = receivedAt
            self.consentPurposes = consentPurposes
        }
    }
    /// Who the patient is: `nhs:` and their NHS number when they have one (so that two records of one patient,
    /// not yet merged, are still one patient here), otherwise their person id (`key(_:)`).
    public var key: String
    /// The name on their newest referral.
    public var name: String
    /// When the newest of these referrals was received: the list's order.
    public var latestReferralAt: Date
    /// Newest first (received, then id, both descending).
    public var referrals: [Referral]
    public init(key: String, name: String, latestReferralAt: Date, referrals: [Referral]) {
        self.key = key
        self.name = name
        self.latestReferralAt = latestReferralAt
        self.referrals = referrals
    }

    /// The key of this person's record.
    public static func key(_ person: Person) -> String { person.nhsNumber.map { "nhs:" + $0.digits } ?? person.id.rawValue }

}

/// A message back with whether the reader has read it.
public struct ReadableMessage: Sendable, Equatable {
    public var message: MessageBack
    public var read: Bool
    public init(message: MessageBack, read: Bool) {
        self.message = message
        self.read = read
    }
}

/// A numbered page of the referrer's home: people, each with the messages back about them, the number of people in
/// all, and the reader's unread count.
public struct ReferrerHome: Sendable {
    public struct Row: Sendable {
        public var person: ReferredPerson
        /// Newest first.
        public var messages: [ReadableMessage]
    }
    public var people: CountedPage<Row>
    /// Messages back to the reader (and their practice) not yet read, in all.
    public var unread: Int
}

/// The referrer's home page and which messages back each user has read.
///
/// Every implementation must guarantee:
/// - `referredPeople` lists each person once (by `ReferredPerson.key`), whichever of their referrals match, in the
///   order of their newest matching referral (received time, then key, both descending); it counts the people (not
///   their referrals) in the store, clamps the page to the count (a page past the end is the last page) and reads only
///   that page (`LIMIT`/`OFFSET` on the grouped list), in a fixed number of set-based queries whatever the page holds.
/// - `messagesBack(recipientID:organisationID:page:)` counts and cuts in the store, in the order of `CaseworkService.messages`
///   (creation, then id, both descending), each message once even when addressed to both the user and the practice.
/// - Read state is per user: one user reading a message changes nothing for anyone else; marking a message
///   read twice keeps the first time and is not an error.
public protocol ReferrerHomeStore: Sendable {
    /// A numbered page of the people with referrals matching `query` (its filters; its `limit`, `after` and order are
    /// ignored), each with their matching referrals, and how many people match in all.
    func referredPeople(_ query: ReferralQuery, page: PageNumber) async throws -> CountedPage<ReferredPerson>
    /// A numbered page of the messages back addressed to `recipientID`, or to `organisationID` when given, newest first
    /// (creation, then id, both descending), and how many there are in all.
    func messagesBack(recipientID: UserID, organisationID: OrganisationID?, page: PageNumber) async throws -> CountedPage<MessageBack>
    /// The messages back on these referrals addressed to `recipientID`, newest first (creation, then id), each
    /// with whether `recipientID` has read it.
    func messagesBack(referralIDs: [ReferralID], to recipientID: UserID) async throws -> [ReadableMessage]
    /// Records that `userID` read these messages at `at`; unknown ids are ignored.
    func markMessagesRead(_ ids: [MessageID], by userID: UserID, at: Date) async throws
    /// Which of these messages `userID` has read.
    func readMessages(_ ids: [MessageID], by userID: UserID) async throws -> Set<MessageID>
    /// How many messages back addressed to `userID`, or to `organisationID` when given, `userID` has not read.
    func unreadMessageCount(userID: UserID, organisationID: OrganisationID?) async throws -> Int
}

extension CaseworkService {
    /// The referrer's home: a page of the people they have referred (each once, the most recently referred
    /// first), each with their referrals and the messages back about them with what the caller has not read
    /// marked. Searched like the caseload (`CaseSearch`). Audited as a list. Numbered and counted in the store
    /// (a page past the end is the last page). Set-based: a page costs a few queries however many people it holds.
    public func referrerHome(_ request: Request, page: PageNumber, search: String? = nil) async throws -> ReferrerHome {
        let p = request.principal
        guard p.role == .referrer else { throw LinkwellError.forbidden("Only referrers have a list of the people they referred.") }
        let query = try caseloadQuery(p, .all, search: search)
        let people = try await store.referredPeople(query, page: page)
        let messages = Dictionary(grouping: try await store.messagesBack(referralIDs: people.rows.flatMap { $0.referrals.map(\.id) }, to: p.userID),
                                  by: \.message.referralID)
        let rows = await people.map { found in
            var person = found
            // The rule of `ReferrerCaseView.row`: without consent to share progress, the status stops at the decision.
            for i in person.referrals.indices where !person.referrals[i].consentPurposes.contains(.shareWithReferrer)
                && !ReferrerCaseView.decisionStatuses.contains(person.referrals[i].status) {
                person.referrals[i].status = .accepted
            }
            return ReferrerHome.Row(person: person, messages: person.referrals.flatMap { messages[$0.id] ?? [] }
                .sorted { ($0.message.createdAt, $0.message.id.rawValue) > ($1.message.createdAt, $1.message.id.rawValue) })
        }
        try await auditOwnList(request, "caseload")
        return ReferrerHome(people: rows, unread: try await unreadMessageCount(request))
    }

    /// A numbered page of the messages back to the caller, newest first, with their practice's (working at a GP practice)
    /// in the same order, each once: counted and cut in the store, a page past the end the last page.
    public func messages(_ request: Request, page: PageNumber) async throws -> CountedPage<MessageBack> {
        try await store.messagesBack(recipientID: request.principal.userID, organisationID: try await practiceID(request.principal), page: page)
    }

    /// How many messages back to the caller (and, working at a GP practice, to their practice) they have not read.
    public func unreadMessageCount(_ request: Request) async throws -> Int {
        try await store.unreadMessageCount(userID: request.principal.userID, organisationID: try await practiceID(request.principal))
    }

    /// Which of these messages the caller has read.
    public func readMessages(_ messages: [MessageBack], _ request: Request) async throws -> Set<MessageID> {
        try await store.readMessages(messages.map(\.id), by: request.principal.userID)
    }

    /// Marks these messages read by the caller (they have been shown them).
    public func markRead(_ messages: [MessageBack], _ request: Request) async throws {
        guard !messages.isEmpty else { return }
        try await store.markMessagesRead(messages.map(\.id), by: request.principal.userID, at: env.now())
    }

    /// The caller's GP practice, when they are a referrer working at one (its messages back are theirs to read).
    func practiceID(_ p: Principal) async throws -> OrganisationID? {
        guard p.role == .referrer, let id = p.organisationID, try await store.organisation(id: id)?.kind == .gpPractice else { return nil }
        return id
    }
}
