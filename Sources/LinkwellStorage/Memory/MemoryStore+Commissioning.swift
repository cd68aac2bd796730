import Foundation
import LinkwellCore

/// `InsightStore` and `CommissioningStore` in memory: the same answers as SQL, computed by scanning.
extension MemoryStore {
    public func deprivationDeciles(referralIDs: [ReferralID]) async throws -> [ReferralID: Int] {
        var result: [ReferralID: Int] = [:]
        for id in referralIDs {
            if let fact = referralFacts[id], let decile = deprivation[fact.postcode] { result[id] = decile }
        }
        return result
    }

    func record(_ facts: InsightFacts) {
        referralFacts[facts.referral.referralID] = facts.referral
        onwardFacts[facts.referral.referralID] = facts.onward
    }

    public func referralCounts(by dimensions: [InsightDimension], where filter: InsightFilter) async throws -> [InsightCount] {
        var counts: [[String]: CellCount] = [:]
        for fact in referralFacts.values where filter.matches(fact) {
            var keys: [[String]] = [[]]
            for d in dimensions {
                let values: [String] = switch d {
                case .need: Need.allCases.enumerated().filter { fact.needsMask & (1 << $0.offset) != 0 }.map(\.element.rawValue)
                case .deprivation: [deprivation[fact.postcode].map(String.init) ?? "unknown"]
                default: [d.value(of: fact)]
                }
                keys = keys.flatMap { prefix in values.map { prefix + [$0] } }
            }
            for key in keys { counts[key, default: .zero] = counts[key, default: .zero] + CellCount(count: 1, keySum: fact.recordKey) }
        }
        if dimensions.isEmpty && counts.isEmpty { return [InsightCount(keys: [], count: 0)] }
        return counts.map { InsightCount(keys: $0.key, count: $0.value.count, keySum: $0.value.keySum) }
    }

    public func contactedCell(where filter: InsightFilter) async throws -> CellCount {
        referralFacts.values.filter { filter.matches($0) && $0.waitDays != nil }.reduce(.zero) { $0 + CellCount(count: 1, keySum: $1.recordKey) }
    }

    public func waitDays(where filter: InsightFilter) async throws -> [Int: Int] {
        var histogram: [Int: Int] = [:]
        for fact in referralFacts.values where filter.matches(fact) { if let d = fact.waitDays { histogram[d, default: 0] += 1 } }
        return histogram
    }

    public func onwardCounts(by dimensions: [OnwardDimension], where filter: InsightFilter, rejectedOnly: Bool) async throws -> [InsightCount] {
        var groups: [[String]: InsightCount] = [:]
        for (referralID, onwards) in onwardFacts {
            guard let fact = referralFacts[referralID], filter.matches(fact) else { continue }
            for o in onwards where !rejectedOnly || o.status == OnwardStatus.rejected.rawValue {
                let keys = dimensions.map { d -> String in
                    switch d {
                    case .provider: o.organisationID
                    case .category: o.category
                    case .service: o.serviceID.rawValue
                    case .status: o.status
                    case .rejectionReason: o.rejectionReason
                    }
                }
                var group = groups[keys] ?? InsightCount(keys: keys, count: 0)
                group.count += 1
                group.attended += o.attended
                group.didNotAttend += o.didNotAttend
                group.keySum += o.recordKey
                group.attendedKeySum += o.attended * o.recordKey
                group.didNotAttendKeySum += o.didNotAttend * o.recordKey
                groups[keys] = group
            }
        }
        return Array(groups.values)
    }

    public func closingFeedback(where filter: InsightFilter, limit: Int) async throws -> [ClosingFeedback] {
        Array(referralFacts.values.filter { filter.matches($0) }
            .sorted { ($0.receivedAt, $0.referralID) > ($1.receivedAt, $1.referralID) }
            .compactMap { cases[$0.referralID]?.referral.closingFeedback }
            .prefix(limit))
    }

    public func loadDeprivation(_ rows: [(postcode: String, decile: Int)]) async throws {
        deprivation = Dictionary(rows.map { ($0.postcode, $0.decile) }, uniquingKeysWith: { _, b in b })
    }

    public func referralFacts(after: ReferralID?, limit: Int) async throws -> [ReferralFact] {
        Array(referralFacts.values.filter { after == nil || $0.referralID > after! }.sorted { $0.referralID < $1.referralID }.prefix(limit))
    }

    public func referralFactLines(after: ReferralID?, limit: Int) async throws -> (text: String, rows: Int, last: ReferralID?) {
        let page = try await referralFacts(after: after, limit: limit)
        return (page.map(FactsExport.line).joined(), page.count, page.last?.referralID)
    }

    public func referralFactPageEnd(after: ReferralID?, limit: Int) async throws -> ReferralID? {
        let page = try await referralFacts(after: after, limit: limit)
        return page.count == limit ? page.last?.referralID : nil
    }

    public func referralFactLines(after: ReferralID?, through: ReferralID?) async throws -> (text: String, rows: Int) {
        let page = try await referralFacts(after: after, limit: .max).filter { through == nil || $0.referralID <= through! }
        return (page.map(FactsExport.line).joined(), page.count)
    }

    public func referralsWithoutFacts(limit: Int) async throws -> [ReferralID] {
        Array(cases.keys.filter { referralFacts[$0] == nil }.sorted().prefix(limit))
    }

    public func saveFacts(_ facts: InsightFacts) async throws { record(facts) }

    // MARK: CommissioningStore

    public func createFunder(_ funder: Funder) async throws { fundersByID[funder.id] = funder }
    public func funders() async throws -> [Funder] { fundersByID.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) } }
    public func createContract(_ contract: Contract) async throws { contractsByID[contract.id] = contract }
    public func contracts() async throws -> [Contract] { contractsByID.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) } }
    public func contract(id: ContractID) async throws -> Contract? { contractsByID[id] }
    public func createGrant(_ grant: GrantApplication) async throws { grantsByID[grant.id] = grant }
    public func grant(id: GrantID) async throws -> GrantApplication? { grantsByID[id] }

    public func grants(contractID: ContractID?, organisationID: OrganisationID?) async throws -> [GrantApplication] {
        grantsByID.values
            .filter { (contractID == nil || $0.contractID == contractID) && (organisationID == nil || $0.organisationID == organisationID) }
            .sorted { ($0.appliedAt, $0.id) > ($1.appliedAt, $1.id) }
    }

    public func decideGrant(_ id: GrantID, decision: GrantDecision, limit: Pence) async throws {
        guard var grant = grantsByID[id], grant.status == .applied else { throw StorageError.versionConflict }
        if let awarded = decision.awarded {
            let already = grantsByID.values.filter { $0.contractID == grant.contractID }.map(\.awarded).sum()
            guard already + awarded <= limit else { throw StorageError.overBudget }
        }
        grant.decision = decision
        grant.status = decision.awarded == nil ? .declined : .awarded
        grantsByID[id] = grant
    }

    public func addSpend(_ id: GrantID, _ report: SpendReport) async throws {
        guard var grant = grantsByID[id], grant.status == .awarded else { throw StorageError.versionConflict }
        guard grant.spent + report.amount <= grant.awarded else { throw StorageError.overBudget }
        grant.spend.append(report)
        grantsByID[id] = grant
    }

    public func payables(from start: Date, to end: Date) async throws -> [Payable] {
        var result: [Payable] = []
        for (referralID, onwards) in onwardFacts {
            guard let fact = referralFacts[referralID], fact.receivedAt >= start, fact.receivedAt < end else { continue }
            for o in onwards where !o.organisationID.isEmpty {
                let organisation = OrganisationID(o.organisationID)
                if Payable.accepted.contains(o.status) {
                    result.append(Payable(key: "referral:\(o.id)", kind: .perReferral, referral: fact, organisationID: organisation, count: 1))
                }
                for session in 0..<o.attended {
                    result.append(Payable(key: "attendance:\(o.id):\(session + 1)", kind: .perAttendance, referral: fact,
                                          organisationID: organisation, count: 1))
                }
            }
        }
        return result.sorted { $0.key < $1.key }
    }

    public func addLedgerEntries(_ entries: [LedgerEntry]) async throws -> Int {
        var keys = Set(ledgerEntries.map(\.key))
        var added = 0
        for entry in entries where !keys.contains(entry.key) {
            ledgerEntries.append(entry)
            keys.insert(entry.key)
            added += 1
        }
        return added
    }

    public func ledger(contractID: ContractID?, organisationID: OrganisationID?) async throws -> [LedgerEntry] {
        ledgerEntries.filter { (contractID == nil || $0.contractID == contractID) && (organisationID == nil || $0.organisationID == organisationID) }
            .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
    }
}
