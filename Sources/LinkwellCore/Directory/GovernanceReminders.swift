import Foundation

/// Governance reminders e-mailed to the scheme's administrators and supervisors: one when a group's check
/// (safeguarding policy, insurance, DBS) comes within `GovernanceRules.reminderDays` of its expiry date, and
/// one when it has expired — the same checks as the admin's list on `/directory/review`
/// (`DirectoryService.governanceDue`). Each reminder has a fixed id (stage, group, check, expiry date,
/// recipient), so queuing again — every hour, on every instance — adds nothing, and a renewed check (a new
/// expiry date) is reminded afresh. The e-mail names no group and no person: the reader signs in.
public struct GovernanceReminders: Sendable {
    public typealias Storage = CommunityDirectoryStore & AccountStore & OutboxStore
    let store: any Storage
    let env: CoreEnvironment

    public init(store: any Storage, env: CoreEnvironment) {
        self.store = store
        self.env = env
    }

    /// Queues the reminders now due that are not already in the outbox; returns how many were new.
    @discardableResult
    public func queue() async throws -> Int {
        let now = env.now()
        let today = CalendarDate(now)
        let horizon = CalendarDate(now.addingTimeInterval(TimeInterval(GovernanceRules.reminderDays) * 86_400))
        let recipients = try await store.users().filter { $0.active && ($0.role == .admin || $0.role == .supervisor) }
        guard !recipients.isEmpty else { return 0 }
        var emails: [OutboxEmail] = []
        for check in try await store.governanceChecks() {
            for c in check.expiringChecks where c.held {
                guard let expires = c.expires, expires <= horizon else { continue }
                let kind: MessageKind = expires < today ? .governanceExpired : .governanceDue
                for user in recipients {
                    let id = Self.reminderID(kind, organisationID: check.organizationID, check: c.name, expires: expires, recipient: user.id)
                    emails.append(OutboxEmail(reminder: id, to: user.id, kind: kind, at: now))
                }
            }
        }
        return try await store.queueReminders(emails)
    }

    /// "governance_due-<group>-safeguarding-policy-2026-12-31-<user>": letters, digits and dashes only, as the
    /// e-mail's `Message-ID` is made from it.
    static func reminderID(_ kind: MessageKind, organisationID: String, check: String, expires: CalendarDate, recipient: UserID) -> MessageID {
        let raw = [kind.rawValue, organisationID, check, "\(expires)", recipient.rawValue].joined(separator: "-").lowercased()
        return MessageID(String(raw.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "-" }))
    }
}
