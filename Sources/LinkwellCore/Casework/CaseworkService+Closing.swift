import Foundation

extension CaseworkService {
    /// One thing closing the case now would leave unfinished.
    public enum LooseEnd: Sendable, Equatable {
        /// A referral out still waiting on the provider (requested or accepted); `service` is nil when the service is gone.
        case onwardWaiting(service: String?, status: OnwardStatus)
        /// An outcome measure (by instrument id) with a baseline but no closing score.
        case measureWithoutClosing(instrumentID: String)

        /// In English words, as the API's conflict and Core's own messages give them.
        public var text: String {
            switch self {
            case let .onwardWaiting(service, status): "the referral out to \(service ?? "a service") is still \(status.label.lowercased())"
            case let .measureWithoutClosing(instrument): "\(instrument.uppercased()) has a baseline but no closing measure"
            }
        }
    }

    /// What closing the case now would leave unfinished, in words for the link worker: referrals out still
    /// waiting on the provider (requested or accepted), and outcome measures with a baseline but no
    /// closing score.
    public func looseEnds(of c: Case) async throws -> [String] { try await looseEndItems(of: c).map(\.text) }

    /// `looseEnds(of:)` as data, for pages that word them in their own language.
    public func looseEndItems(of c: Case) async throws -> [LooseEnd] {
        var ends: [LooseEnd] = []
        for onward in c.onwardReferrals where onward.status.isAwaitingProvider {
            ends.append(.onwardWaiting(service: try await store.service(id: onward.serviceID)?.name, status: onward.status))
        }
        let measures = Dictionary(grouping: try await store.administrations(referralIDs: [c.referral.id]), by: \.instrumentID)
        for (instrument, given) in measures.sorted(by: { $0.key < $1.key })
        where given.contains(where: { $0.timepoint == .baseline }) && !given.contains(where: { $0.timepoint == .closing }) {
            ends.append(.measureWithoutClosing(instrumentID: instrument))
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
