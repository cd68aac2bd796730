import Foundation

extension CaseworkService {
    /// The case behind a referral out, for someone who may read the case (its referrer, link worker or a
    /// supervisor): read and audited as `readCase`. Providers use `providerView` instead. An unknown id is "not found".
    public func onwardCase(_ id: OnwardReferralID, _ request: Request) async throws -> (Case, OnwardReferral) {
        guard let referralID = try await store.referralID(forOnward: id) else {
            try await audit(request, action: "read", type: "onward_referral", id: id.rawValue, allowed: false)
            throw LinkwellError.notFound("referral")
        }
        let found = try await readCase(referralID, request)
        guard let onward = found.onward(id) else { throw LinkwellError.notFound("referral") }
        return (found, onward)
    }

    /// The register's organisation with this id (reference data, no personal data).
    public func organisation(_ id: OrganisationID) async throws -> Organisation? { try await store.organisation(id: id) }

    /// The register's organisation with this ODS code.
    public func organisation(odsCode: String) async throws -> Organisation? { try await store.organisation(odsCode: ODSCode.normalised(odsCode)) }
}
