import Foundation
import LinkwellCore

// Page pieces for the community group's voice on referrals out (issue #16): threads, notices and
// requests waiting past the handover agreement's window.

/// One message of a thread, as a page shows it.
public struct ThreadLine: Sendable {
    public var author, side, at, body: String
    init(_ e: CaseworkService.ThreadEntry, _ t: Catalogue = .english) {
        author = e.authorName
        side = t.label(e.side)
        at = t.dateTime(e.at)
        body = e.body
    }
}

/// The thread of one referral out on the case page.
public struct GroupThread: Sendable {
    public var id, service, status, statusLabel, sentAt: String
    public var overdue, isEmpty: Bool
    public var messages: [ThreadLine]
}

/// A request past its answer date, on the caseload or the group's referrals page.
public struct OverdueRequestRow: Sendable {
    public var onwardID, referralID, personName, service, sentAt, overdue: String
    /// "Health walks, sent 27 Nov 2026".
    public var serviceSent: String
    init(_ r: CaseworkService.OverdueRequest, _ t: Catalogue = .english) {
        onwardID = r.onwardReferralID.rawValue
        referralID = r.referralID.rawValue
        personName = r.personName
        service = r.serviceName
        sentAt = t.date(r.sentAt)
        serviceSent = t.text("caseload.serviceSent", ["service": service, "date": sentAt])
        overdue = r.daysOverdue < 1 ? t.text("caseload.answerDue", ["date": t.date(r.answerDue)])
            : r.daysOverdue == 1 ? t.text("caseload.oneDayOverdue") : t.text("caseload.daysOverdue", ["days": String(r.daysOverdue)])
    }
}

/// A notice to a community group (a new referral, a case closed).
public struct GroupNotice: Sendable {
    public var label, body, at: String
}

extension CasePage {
    /// The thread of each referral out, with those still waiting past their answer date flagged.
    mutating func setThreads(_ entries: [CaseworkService.ThreadEntry], of c: Case, services: [Service], now: Date) {
        let names = Dictionary(services.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        threads = c.onwardReferrals.filter { $0.status != .enteredInError }.map { o in
            let t = catalogue
            let lines = entries.filter { $0.onwardReferralID == o.id }.map { ThreadLine($0, t) }
            return GroupThread(id: o.id.rawValue, service: names[o.serviceID] ?? t.text("casePage.unknownService"), status: o.status.rawValue,
                               statusLabel: t.label(o.status), sentAt: t.date(o.createdAt), overdue: o.isOverdue(at: now),
                               isEmpty: lines.isEmpty, messages: lines)
        }
        hasThreads = !threads.isEmpty
    }
}

extension CaseloadPage {
    mutating func setOverdueRequests(_ rows: [CaseworkService.OverdueRequest]) {
        overdueRequests = rows.map { OverdueRequestRow($0, catalogue) }
        hasOverdueRequests = !overdueRequests.isEmpty
    }
}

extension ProviderPagesController.InboxPage {
    mutating func setGroupVoice(notices list: [MessageBack], overdue rows: [CaseworkService.OverdueRequest], _ t: Catalogue = .english) {
        notices = list.prefix(5).map { GroupNotice(label: t.label($0.kind), body: $0.body, at: t.dateTime($0.createdAt)) }
        hasNotices = !notices.isEmpty
        overdue = rows.map { OverdueRequestRow($0, t) }
        hasOverdue = !overdue.isEmpty
    }
}

extension ProviderPagesController.ReferralPage {
    mutating func setThread(_ entries: [CaseworkService.ThreadEntry], view: ProviderView, now: Date, _ t: Catalogue = .english) {
        thread = entries.map { ThreadLine($0, t) }
        threadEmpty = thread.isEmpty
        overdue = view.onward.isOverdue(at: now)
    }
}

extension CasePage {
    /// Each service offered at referral out says where its organisation's governance checks stand, so that
    /// the link worker sees it before choosing.
    mutating func setGovernance(_ standings: [OrganisationID: GovernanceStanding], services: [Service], viewer: Principal, _ t: Catalogue = .english) {
        let organisation = Dictionary(services.map { ($0.id.rawValue, $0.organisationID) }, uniquingKeysWith: { a, _ in a })
        self.services = self.services.map { choice in
            guard let org = organisation[choice.value], let standing = standings[org], standing.state != .current else { return choice }
            var marked = choice
            let summary = t.governanceSummary(standing)
            marked.label = t.text("governance.serviceChoice", ["service": choice.label,
                                                               "summary": standing.allowsReferral ? summary : t.text("governance.needsOverride", ["summary": summary])])
            return marked
        }
        canOverrideGovernance = viewer.role == .supervisor
    }
}
