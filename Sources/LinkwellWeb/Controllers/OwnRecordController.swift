import Foundation
import Hummingbird
import LinkwellCore

/// The person's own view: their referrals, plan and referrals out, and who has looked at their record.
struct OwnRecordController: Sendable {
    let casework: CaseworkService
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        router.get("/me") { request, context in
            let p = try context.require(.person)
            let record = try await casework.ownRecord(.init(p, route: request.routeDescription))
            let names = record.names
            let page = Page(
                referrals: record.cases.map { c in
                    let worker = CasePage(c, names: names, services: [], organisations: [])
                    return Page.Referral(status: c.referral.status.label, receivedAt: Format.date(c.referral.receivedAt),
                                         linkWorker: c.referral.linkWorkerID.map { names[$0] } ?? "Not allocated yet",
                                         whatMatters: worker.whatMatters, hasPlan: worker.hasPlan, goals: worker.goals, actions: worker.actions,
                                         onward: c.onwardReferrals.filter { $0.status != .enteredInError }.map {
                                             ReferrerCasePage.Onward(service: record.serviceNames[$0.serviceID] ?? "A community service",
                                                                     statusLabel: $0.status.label, status: $0.status.rawValue)
                                         })
                },
                accesses: record.accesses.map {
                    Page.Access(at: Format.dateTime($0.at), who: $0.who, role: $0.role, organisation: $0.organisation,
                                what: $0.what, denied: !$0.allowed)
                })
            return HTML(renderer.render(.me, View(title: "My record", context: context, page: page)))
        }
    }
}
