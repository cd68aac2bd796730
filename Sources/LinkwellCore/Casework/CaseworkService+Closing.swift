import Foundation

extension CaseworkService {
    /// What closing the case now would leave unfinished, in words for the link worker: referrals out still
    /// waiting on the provider (requested or accepted), and outcome measures with a baseline but no
    /// closing score.
    public func looseEnds(of c: Case) async throws -> [String] {
        var ends: [String] = []
        for onward in c.onwardReferrals where onward.status.isAwaitingProvider {
            let name = try await store.service(id: onward.serviceID)?.name ?? "a service"
            ends.append("the referral out to \(name) is still \(onward.status.label.lowercased())")
        }
        let measures = Dictionary(grouping: try await store.administrations(referralIDs: [c.referral.id]), by: \.instrumentID)
        for (instrument, given) in measures.sorted(by: { $0.key < $1.key })
        where given.contains(where: { $0.timepoint == .baseline }) && !given.contains(where: { $0.timepoint == .closing }) {
            ends.append("\(instrument.uppercased()) has a baseline but no closing measure")
        }
        return ends
    }

    /// Closes the case (web and API alike), asking for confirmation when it would leave loose ends.
    public func close(_ id: ReferralID, reason: String?, note: String?, feedback: ClosingFeedbackInput, confirmed: Bool,
                      _ r: Request) async throws -> Case {
        try await act(on: id, r) { [env] c in
            let ends = try await looseEnds(of: c)
            return try c.close(reason: reason, note: note, feedback: feedback, looseEnds: ends, confirmed: confirmed, by: r.principal, env: env)
        }
    }
}
