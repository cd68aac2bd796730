import Foundation
import LinkwellCore

/// The page models of `OwnRecordController`: the person's own record, in plain words, with what they can
/// do from it (ask to come back, raise a worry about a group, give or withdraw consent).
extension OwnRecordController {
    struct Page: Sendable {
        struct Onward: Sendable { var id, service, statusLabel, status: String }
        struct Consent: Sendable {
            var purpose, label: String
            var given: Bool
            /// Withdrawing this stops support altogether, so it must be confirmed.
            var stopsSupport: Bool
            /// The person can give it from here (support itself is asked for again by coming back).
            var canGive: Bool
        }
        struct Request: Sendable { var kind, raisedAt, message, service, answer, answeredAt: String; var answered: Bool }
        struct Referral: Sendable {
            var id, status, heading, linkWorker, whatMatters: String
            var hasPlan: Bool
            var goals: [CasePage.GoalRow]
            var actions: [CasePage.ActionRow]
            var onward: [Onward]
            var hasOnward: Bool
            var consents: [Consent]
            /// Support has ended, so the person may ask to come back.
            var ended: Bool
            var requests: [Request]
            var hasRequests: Bool
            /// "Link worker changed" messages sent to the person about this referral, newest first.
            var linkWorkerChanges: [LinkWorkerChange] = []
            var hasLinkWorkerChanges = false
        }
        struct LinkWorkerChange: Sendable { var at, body: String }
        struct Access: Sendable { var at, who, role, organisation, what: String; var denied: Bool }
        var referrals: [Referral]
        var accesses: [Access]
        /// The link to the next, older entries of the access log (nil on its last page).
        var accessOlder: String?
        /// This page of the log is not its newest: offer the way back to the start.
        var accessNewest = false
        /// Either link is shown (the template sees stored values only).
        var accessPaged = false
    }

    /// `viewer` is the person's account: only the messages sent to it are shown.
    static func page(_ own: PersonVoiceService.OwnPage, viewer: UserID, _ messages: Catalogue = .english) -> Page {
        let record = own.record
        let names = record.names
        return Page(
            referrals: record.cases.map { c in
                let worker = CasePage(c, names: names, services: [], organisations: [])
                let onward = c.onwardReferrals.filter { $0.status != .enteredInError }.map {
                    Page.Onward(id: $0.id.rawValue, service: record.serviceNames[$0.serviceID] ?? messages.text("me.aGroup"),
                                statusLabel: messages.text("onward.\($0.status.rawValue)"), status: $0.status.rawValue)
                }
                let requests = own.requests.filter { $0.referralID == c.referral.id }.map { r in
                    Page.Request(kind: messages.text("request.\(r.kind.rawValue)"), raisedAt: messages.dateTime(r.raisedAt), message: r.message,
                                 service: r.onwardReferralID.flatMap { id in onward.first { $0.id == id.rawValue }?.service } ?? "",
                                 answer: r.answer, answeredAt: r.answeredAt.map(messages.dateTime) ?? "", answered: !r.isOpen)
                }
                let changes = c.messages.filter { $0.kind == .reassigned && $0.recipientID == viewer }
                    .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }
                    .map { Page.LinkWorkerChange(at: messages.dateTime($0.createdAt), body: $0.body) }
                var referral = Page.Referral(
                    id: c.referral.id.rawValue, status: messages.text("status.\(c.referral.status.rawValue)"),
                    heading: messages.text("me.received", ["date": messages.date(c.referral.receivedAt)]),
                    linkWorker: c.referral.linkWorkerID.map { names[$0] } ?? messages.text("me.notAllocated"),
                    whatMatters: worker.whatMatters, hasPlan: worker.hasPlan, goals: worker.goals, actions: worker.actions,
                    onward: onward, hasOnward: !onward.isEmpty,
                    consents: ConsentPurpose.allCases.map { purpose in
                        Page.Consent(purpose: purpose.rawValue, label: messages.text("purpose.\(purpose.rawValue)"), given: c.referral.consent.covers(purpose),
                                     stopsSupport: purpose == .socialPrescribing && !c.referral.status.isFinal,
                                     canGive: purpose != .socialPrescribing)
                    },
                    ended: c.referral.status.isFinal, requests: requests, hasRequests: !requests.isEmpty)
                referral.linkWorkerChanges = changes
                referral.hasLinkWorkerChanges = !changes.isEmpty
                return referral
            },
            accesses: record.accesses.map {
                Page.Access(at: messages.dateTime($0.at), who: $0.who, role: $0.role, organisation: $0.organisation,
                            what: $0.what, denied: !$0.allowed)
            })
    }
}

/// The page model of `PersonRequestsController`: the open requests a link worker or supervisor answers.
extension PersonRequestsController {
    struct Page: Sendable {
        struct Item: Sendable { var id, kind, personName, referralID, raisedAt, message, service, linkWorker: String; var isWorry: Bool }
        var items: [Item]
        var isEmpty: Bool
        var isSupervisor: Bool
    }

    static func page(_ items: [PersonVoiceService.WorkItem], supervisor: Bool) -> Page {
        Page(items: items.map { i in
            Page.Item(id: i.request.id, kind: i.request.kind.label, personName: i.personName, referralID: i.request.referralID.rawValue,
                      raisedAt: Format.dateTime(i.request.raisedAt), message: i.request.message.isEmpty ? "(no message)" : i.request.message,
                      service: i.serviceName ?? "", linkWorker: i.linkWorkerName ?? "Not allocated", isWorry: i.request.kind == .worry)
        }, isEmpty: items.isEmpty, isSupervisor: supervisor)
    }
}
