import Foundation

extension OutcomeService {
    /// The minimum dataset of every referral whose person consented to evaluation (pseudonymised for
    /// `recipient`). Per-person rows go to supervisors (and to the operator's `linkwell export`, with no
    /// request); commissioners and the steering group (ICB and PCN reporting) get only the aggregate,
    /// through the disclosure control. Audited as one export, and in each included person's access log.
    public func minimumDataset(recipient: String? = nil, _ request: CaseworkService.Request?) async throws -> MinimumDataset {
        if let request, request.principal.role != .supervisor {
            throw LinkwellError.forbidden("Only a supervisor exports the minimum dataset per person; commissioners get the aggregate.")
        }
        return try await buildMinimumDataset(recipient: recipient, request)
    }

    /// People per coded item of the minimum dataset, small numbers suppressed (`DisclosureControl`).
    public func minimumDatasetCounts(_ request: CaseworkService.Request?) async throws -> [MinimumDataset.Count] {
        if let request, ![.supervisor, .commissioner, .steeringGroup].contains(request.principal.role) {
            throw LinkwellError.forbidden("Your role cannot see minimum dataset reports.")
        }
        let dataset = try await buildMinimumDataset(recipient: "aggregate", request, auditPeople: false)
        return dataset.aggregate(try await DisclosureControl.load(store))
    }

    private func buildMinimumDataset(recipient: String?, _ request: CaseworkService.Request?, auditPeople: Bool = true) async throws -> MinimumDataset {
        var v = Validator()
        let recipient = v.required(recipient ?? "icb", "recipient", label: .recipient, max: 200).lowercased()
        try v.check()
        let caseStore = casework.store
        // Whole cases in one query per table per slice (`loadCases`), their measures in one query per slice: no
        // per-case reads however many referrals the scheme holds.
        let cases = try await caseStore.loadCases(try await caseStore.referrals(ReferralQuery(limit: 1_000_000)).map(\.id))
        let consenting = cases.filter { $0.referral.consent.covers(.evaluation) }
        let trajectories = try await self.trajectories(ofAuditedReads: consenting)
        let codes = CodeListService(store: caseStore)
        var lists: [CodeListKind: [CodedConcept]] = [:]
        for list in CodeListKind.allCases { lists[list] = try await codes.list(list) }
        let practices = Dictionary(try await caseStore.organisations().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let services = Dictionary(try await caseStore.services().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        if let request {
            try await casework.audit(request, action: "export", type: "minimum_dataset", id: "minimum dataset for \(recipient)", allowed: true)
            if auditPeople {
                for c in consenting {
                    try await casework.audit(request, action: "export", type: "minimum_dataset_export", id: "minimum dataset", subject: c.referral.id, allowed: true)
                }
            }
        }
        let key = DisclosureControl(minimumGroupSize: 10, secret: try await store.secret(named: Self.pseudonymSecret))
        return MinimumDataset.build(cases: cases, trajectories: trajectories, codeLists: lists, practices: practices, services: services) { person in
            "P" + String(key.keyed("mds|\(recipient)|\(person.rawValue)"), radix: 16).uppercased()
        }
    }
}
