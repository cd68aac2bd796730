import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

/// Read models built in a few set-based queries give what the case-by-case reads gave (issue #19).
@Suite("Read models without per-row case loads", .closesStores)
struct ReadModelParityTests {
    @Test("The person-requests work list: the same rows as loading each case, for a supervisor and a link worker",
          arguments: TestBackend.available)
    func personRequests(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let (id, onward, person, _) = try await PersonVoiceTests.setUp(s, api)
            try await api.call(.post, "/api/v1/me/referrals/\(id)/worries", as: person,
                               json: "{\"onwardReferralId\":\"\(onward)\",\"message\":\"Worried\"}", expect: .created)
            // (Inside: `withRouter` shuts the store down when it ends.)
            let voice = PersonVoiceService(store: s.store, casework: s.casework)
            for user in [s.supervisor, s.linkWorker, s.otherLinkWorker] {
                let new = try await voice.workList(s.request(user))
                // The old way: each case loaded in full.
                var old: [[String?]] = []
                let names = UserNames(try await s.store.users())
                for r in try await s.store.openPersonRequests(limit: PersonVoiceService.workListLimit) {
                    guard let c = try await s.store.loadCase(r.referralID) else { continue }
                    let p = Principal(user)
                    guard p.role == .supervisor || (p.role == .linkWorker && r.kind == .comeBack && c.referral.linkWorkerID == p.userID) else { continue }
                    var serviceName: String?
                    if let serviceID = r.onwardReferralID.flatMap({ c.onward($0)?.serviceID }) { serviceName = try await s.store.service(id: serviceID)?.name }
                    old.append([r.id, c.person.fullName, serviceName, names.name(c.referral.linkWorkerID)])
                }
                #expect(new.map { [$0.request.id, $0.personName, $0.serviceName, $0.linkWorkerName] } == old, "\(user.displayName)")
                if user.id == s.supervisor.id { #expect(new.count == 1 && new.first?.serviceName == "Health walks" && new.first?.linkWorkerName == s.linkWorker.displayName) }
            }
        }
    }
}
