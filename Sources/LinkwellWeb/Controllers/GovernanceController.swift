import Foundation
import Hummingbird
import LinkwellCore

/// Governance checks through the JSON API, with the same rules as the directory pages (`DirectoryService`).
struct GovernanceController: Sendable {
    let directory: DirectoryService
    let casework: CaseworkService

    struct GovernanceInput: Codable, Sendable {
        var constituted: Bool?
        var safeguardingPolicy: Bool?
        var insurance: Bool?
        var dbsForHomeVisits: Bool?
        var safeguardingPolicyExpires: String?
        var insuranceExpires: String?
        var dbsExpires: String?
    }

    /// An organisation's check with where it stands today.
    struct Recorded: Codable, Sendable { var check: GovernanceCheck; var standing: GovernanceStanding }
    struct Standing: Codable, Sendable { var organizationID: String; var state: GovernanceStanding.State; var problems: [String]; var summary: String }

    func register(on router: Router<AppRequestContext>) {
        let api = router.group("api/v1")
        api.post("directory/organizations/:id/governance") { request, context in
            let p = try context.require(.admin)
            let input = try await request.json(GovernanceInput.self)
            let id = try context.parameters.require("id")
            let check = try await directory.recordGovernance(
                organizationID: id, constituted: input.constituted ?? false, safeguardingPolicy: input.safeguardingPolicy ?? false,
                insurance: input.insurance ?? false, dbsForHomeVisits: input.dbsForHomeVisits ?? false,
                expiries: GovernanceExpiries(safeguardingPolicyExpires: input.safeguardingPolicyExpires, insuranceExpires: input.insuranceExpires,
                                             dbsExpires: input.dbsExpires), by: p)
            let standing = try await directory.governanceStandings([id], by: p)[id] ?? GovernanceStanding(state: .unchecked, problems: [])
            return json(Recorded(check: check, standing: standing))
        }
        // Where every referrable service's organisation stands: what the referral-out form shows.
        api.get("directory/governance") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .admin)
            // Paged by keyset in the store (by organisation id): a page reads only its own organisations' checks.
            return pagedJSON(try await directory.governanceStandings(page: try request.pageRequest(), by: p).map {
                Standing(organizationID: $0.organisationID.rawValue, state: $0.standing.state, problems: $0.standing.problems, summary: $0.standing.summary)
            }, request: request)
        }
        api.get("directory/governance/due") { request, context in
            let p = try context.require(.admin)
            return try pagedList(try await directory.governanceDue(by: p), request: request) { "\($0.organizationID)|\($0.check)" }
        }
    }
}
