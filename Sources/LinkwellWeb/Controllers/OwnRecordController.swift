import Foundation
import Hummingbird
import LinkwellCore

/// The person's own view: their referrals, plan and referrals out, and who has looked at their record.
struct OwnRecordController: Sendable {
    let casework: CaseworkService
    let renderer: PageRenderer

    struct Page: Sendable {
        struct Referral: Sendable {
            var status, receivedAt, linkWorker, whatMatters: String
            var hasPlan: Bool
            var goals: [CasePage.GoalRow]
            var actions: [CasePage.ActionRow]
            var onward: [ReferrerCasePage.Onward]
        }
        struct Access: Sendable { var at, who, role, action: String; var denied: Bool }
        var referrals: [Referral]
        var accesses: [Access]
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/me") { request, context in
            let p = try context.require(.person)
            let (cases, accesses) = try await casework.ownRecord(.init(p, route: request.routeDescription))
            let names = UserNames(try await casework.store.users())
            let services = try await casework.store.services()
            let page = Page(
                referrals: cases.map { c in
                    let worker = CasePage(c, names: names, services: services, organisations: [])
                    return Page.Referral(status: c.referral.status.label, receivedAt: Format.date(c.referral.receivedAt),
                                         linkWorker: c.referral.linkWorkerID.map { names[$0] } ?? "Not allocated yet",
                                         whatMatters: worker.whatMatters, hasPlan: worker.hasPlan, goals: worker.goals, actions: worker.actions,
                                         onward: ReferrerCasePage(c, names: names, services: services, viewer: p.userID).onward)
                },
                accesses: accesses.map {
                    Page.Access(at: Format.dateTime($0.at), who: $0.who, role: $0.role,
                                action: $0.action == "read" ? "Looked at your record" : $0.action, denied: !$0.allowed)
                })
            return HTML(renderer.render(.me, View(title: "My record", context: context, page: page)))
        }
    }
}
