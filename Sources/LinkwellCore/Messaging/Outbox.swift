import Foundation

/// Where an e-mail notification of a message back stands.
public enum OutboxState: String, Codable, Sendable, CaseIterable {
    /// Waiting to be sent (or to be retried).
    case queued
    case sent
    /// Given up after `OutboxPolicy.maxAttempts`; shown to the admin.
    case failed
}

/// The e-mail notification of one message back. It is written in the same transaction as the message
/// itself, so a message back can never exist without its e-mail being queued.
///
/// The outbox also carries reminders to the scheme's staff that are about no referral (governance checks
/// due or expired, `GovernanceReminders`). It was made for messages back only: every e-mail named a
/// referral and its message. Rather than a second outbox with its own worker, retries and admin page, the
/// outbox was changed as little as possible (migration 250): `referralID` may be nil, and the id of such
/// an e-mail names the reminder instead of a message back. Sending, retries and leases are unchanged.
public struct OutboxEmail: Codable, Sendable, Equatable, Identifiable {
    /// The message back's id (one e-mail per message), or the reminder's: the stable `Message-ID` of the e-mail.
    public var id: MessageID
    /// The referral the message back is about; nil for a reminder about no referral.
    public var referralID: ReferralID?
    /// The user it is for, or nil when it is for an organisation (`recipientOrganisationID`).
    public var recipientID: UserID?
    /// The organisation it is for (a registered GP practice): sent to its contact e-mail.
    public var recipientOrganisationID: OrganisationID?
    public var kind: MessageKind
    public var state: OutboxState
    public var attempts: Int
    /// Not to be tried before this instant (retry back-off).
    public var notBefore: Date
    /// A worker that claimed the e-mail holds it until this instant; after it, the e-mail can be claimed
    /// again (the worker is presumed to have crashed).
    public var claimedUntil: Date?
    public var sentAt: Date?
    public var lastError: String?
    public var createdAt: Date

    public init(message: MessageBack) {
        id = message.id
        referralID = message.referralID
        recipientID = message.recipientID
        recipientOrganisationID = message.recipientOrganisationID
        kind = message.kind
        state = .queued
        attempts = 0
        notBefore = message.createdAt
        claimedUntil = nil
        sentAt = nil
        lastError = nil
        createdAt = message.createdAt
    }

    /// A reminder to a member of staff about no referral (`kind.isGovernanceReminder`), queued now.
    public init(reminder id: MessageID, to recipientID: UserID, kind: MessageKind, at now: Date) {
        self.id = id
        referralID = nil
        self.recipientID = recipientID
        recipientOrganisationID = nil
        self.kind = kind
        state = .queued
        attempts = 0
        notBefore = now
        claimedUntil = nil
        sentAt = nil
        lastError = nil
        createdAt = now
    }
}

/// One e-mail ready for a transport.
public struct EmailMessage: Sendable, Equatable {
    /// Stable across retries, so a receiving system can recognise a repeat.
    public var messageID: String
    public var from: String
    public var to: String
    public var subject: String
    public var body: String

    public init(messageID: String, from: String, to: String, subject: String, body: String) {
        self.messageID = messageID
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// What a transport says after trying to deliver one e-mail.
public enum DeliveryResult: Sendable, Equatable {
    case delivered
    /// The transport already has this e-mail (a retry after a crash): nothing sent again.
    case alreadyDelivered
}

/// Hands e-mails to the outside world (a pickup directory, an SMTP relay). Implementations live at the
/// edge; this protocol keeps the domain free of I/O.
public protocol MailTransport: Sendable {
    func deliver(_ email: EmailMessage) async throws -> DeliveryResult
}

/// Retry and lease rules of the outbox.
public struct OutboxPolicy: Sendable {
    public var maxAttempts: Int
    /// How long a claimed e-mail is reserved for the worker that claimed it.
    public var lease: TimeInterval
    public var batchSize: Int
    public var from: String
    /// The address of Linkwell that e-mails link to (no personal data goes in an e-mail; the reader signs in).
    public var publicURL: String

    public init(maxAttempts: Int = 8, lease: TimeInterval = 120, batchSize: Int = 50,
                from: String = "linkwell@localhost", publicURL: String = "http://127.0.0.1:8080") {
        self.maxAttempts = maxAttempts
        self.lease = lease
        self.batchSize = batchSize
        self.from = from
        self.publicURL = publicURL
    }

    /// Exponential back-off: 1, 2, 4 … minutes, at most an hour.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        min(3600, 60 * pow(2, Double(max(0, attempt - 1))))
    }

    /// The e-mail for a queued notification. It names neither the person nor anything clinical: it tells
    /// the referrer there is a message and where to read it after signing in.
    public func compose(_ email: OutboxEmail, to address: String) -> EmailMessage {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        // A practice did not make the referral: it reads the message in its practice inbox.
        let (about, link) = email.kind.isGovernanceReminder
            // The administrator reviews them on the directory review page; a supervisor sees each group's
            // standing in directory search. Neither page names a person.
            ? ("a community group's governance checks (safeguarding policy, insurance or DBS); administrators see them under "
               + "Directory review, supervisors beside each service in directory search", "\(base)/")
            : email.kind == .reassigned
            // Sent to the person and to providers, who read it where they sign in, not on the referral's page.
            ? ("a change of link worker", "\(base)/")
            : email.kind.isGroupNotice
            // A community group reads its notices on its own referrals page.
            ? ("a referral to your community service", "\(base)/provider")
            : email.recipientOrganisationID == nil
            ? ("a social prescribing referral you made", "\(base)/referrals/\(email.referralID?.rawValue ?? "")")
            : ("a patient registered with your practice who was referred for social prescribing", "\(base)/referrals")
        let body = """
            You have a new message in Linkwell about \(about): \(email.kind.label.lowercased()).

            Sign in to read it:
            \(link)

            This e-mail contains no personal details. Please do not reply to it.
            """
        return EmailMessage(messageID: "<\(email.id)@linkwell>", from: from, to: address,
                            subject: "Linkwell: \(email.kind.label)", body: body)
    }
}

/// A summary of one pass of the outbox.
public struct OutboxRun: Sendable, Equatable {
    public var sent = 0
    public var retrying = 0
    public var failed = 0
    public init() {}
}

/// Sends queued e-mails through a transport. Each e-mail is claimed under a lease before it is handed
/// to the transport and marked sent after, so that:
/// - none is lost: a crash anywhere leaves the e-mail queued (its lease runs out and it is claimed again);
/// - none is sent twice by Linkwell: two workers never hold the same e-mail, and a retry after a crash
///   carries the same `Message-ID`, which the pickup-directory transport recognises (`alreadyDelivered`).
///   An SMTP relay that accepted the e-mail just before a crash receives it again with the same `Message-ID`.
public struct OutboxSender: Sendable {
    let store: any OutboxStore & AccountStore
    let transport: any MailTransport
    let policy: OutboxPolicy
    let env: CoreEnvironment

    public init(store: any OutboxStore & AccountStore, transport: any MailTransport, policy: OutboxPolicy, env: CoreEnvironment) {
        self.store = store
        self.transport = transport
        self.policy = policy
        self.env = env
    }

    /// Claims and sends one batch of due e-mails.
    @discardableResult
    public func sendDue() async throws -> OutboxRun {
        let now = env.now()
        let claimed = try await store.claimEmails(now: now, leaseUntil: now.addingTimeInterval(policy.lease), limit: policy.batchSize)
        var run = OutboxRun()
        for email in claimed {
            try Task.checkCancellation()
            do {
                guard let address = try await address(of: email) else {
                    let why = email.recipientID == nil ? "The organisation has no contact e-mail." : "The recipient has no active account."
                    try await store.markEmailFailed(email.id, error: why, retryAt: nil)
                    run.failed += 1
                    continue
                }
                _ = try await transport.deliver(policy.compose(email, to: address))
                try await store.markEmailSent(email.id, at: env.now())
                run.sent += 1
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let attempts = email.attempts
                let retryAt = attempts >= policy.maxAttempts ? nil : env.now().addingTimeInterval(policy.retryDelay(afterAttempt: attempts))
                try await store.markEmailFailed(email.id, error: String(describing: error).prefix(300).description, retryAt: retryAt)
                if retryAt == nil { run.failed += 1 } else { run.retrying += 1 }
            }
        }
        return run
    }

    /// The user's e-mail (an active user), or the organisation's contact e-mail; nil when there is none.
    private func address(of email: OutboxEmail) async throws -> String? {
        if let id = email.recipientID {
            guard let user = try await store.user(id: id), user.active else { return nil }
            return user.email
        }
        guard let id = email.recipientOrganisationID, let organisation = try await store.organisation(id: id),
              !organisation.email.isEmpty else { return nil }
        return organisation.email
    }
}
