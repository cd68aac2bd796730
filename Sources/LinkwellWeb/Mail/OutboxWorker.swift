import Foundation
import LinkwellCore
import Logging
import ServiceLifecycle

/// How the server sends e-mail notifications of messages back. Off by default: e-mails then stay queued
/// (and visible to the admin) until a transport is configured.
public enum MailSetting: Sendable, Equatable {
    case off
    /// A Maildir that a local mail system picks up.
    case maildir(String)
    /// An SMTP relay, `smtp://host:port`.
    case smtp(String)

    var label: String {
        switch self {
        case .off: "off"
        case .maildir: "Maildir"
        case .smtp: "SMTP relay"
        }
    }

    func transport() throws -> (any MailTransport)? {
        switch self {
        case .off: nil
        case .maildir(let path): try MaildirTransport(directory: path)
        case .smtp(let url): try SMTPTransport(url: url)
        }
    }
}

/// Sends every due e-mail, pass after pass until nothing is left to do now (for `linkwell outbox send`).
public func sendOutbox(store: any LinkwellStore, mail: MailSetting, policy: OutboxPolicy,
                       env: CoreEnvironment = .live) async throws -> (sent: Int, retrying: Int, failed: Int) {
    guard let transport = try mail.transport() else { return (0, 0, 0) }
    // A scheduler running this instead of a server still gets the governance reminders due now.
    try await GovernanceReminders(store: store, env: env).queue()
    let sender = OutboxSender(store: store, transport: transport, policy: policy, env: env)
    var total = OutboxRun()
    while true {
        let run = try await sender.sendDue()
        if run == OutboxRun() { break }
        total.sent += run.sent
        total.retrying += run.retrying
        total.failed += run.failed
    }
    return (total.sent, total.retrying, total.failed)
}
