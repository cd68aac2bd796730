import Foundation

extension CaseworkService {
    /// Reopens a closed case within the scheme's reopening window (`SchemeSettings.reopenWindowDays`).
    /// Besides the step on the case's history, the reopening is written to the audit trail, because it
    /// brings an ended record back into use.
    public func reopen(_ id: ReferralID, reason: String?, _ r: Request) async throws -> Case {
        let window = try await store.schemeSettings().reopenWindowDays
        let updated = try await act(on: id, r) { [env] in try $0.reopen(reason: reason, windowDays: window, by: r.principal, env: env) }
        try await audit(r, action: "reopen", type: "referral", id: id.rawValue, subject: id, allowed: true)
        return updated
    }
}
