import Foundation
import LinkwellCore
import SQLKit

/// `CommissioningStore` on SQL. Contracts and grants are stored as JSON documents beside the columns
/// that queries and guards need (status, awarded and spent pence); the ledger is plain rows.
extension SQLStore {
    public func createFunder(_ funder: Funder) async throws {
        try await connections.transaction { db in try await Self.insert([funder], into: "funders", db) }
    }

    public func funders() async throws -> [Funder] { try await all("SELECT * FROM funders ORDER BY name, id") }

    public func createContract(_ contract: Contract) async throws {
        let body = try jsonText(contract)
        try await connections.transaction { db in
            try await db.raw("INSERT INTO contracts (id, name, created_at, body) VALUES (\(bind: contract.id), \(bind: contract.name), \(bind: contract.createdAt), \(bind: body))").run()
        }
    }

    public func contracts() async throws -> [Contract] {
        try await connections.read { db in
            try await db.raw("SELECT body FROM contracts ORDER BY name, id").all().map { try fromJSON(try $0.decode(column: "body", as: String.self), as: Contract.self) }
        }
    }

    public func contract(id: ContractID) async throws -> Contract? {
        try await connections.read { db in
            try await db.raw("SELECT body FROM contracts WHERE id = \(bind: id)").first().map { try fromJSON(try $0.decode(column: "body", as: String.self), as: Contract.self) }
        }
    }

    static func writeGrant(_ grant: GrantApplication, _ db: any SQLDatabase, insert: Bool) async throws {
        let body = try jsonText(grant)
        if insert {
            try await db.raw("""
                INSERT INTO grants (id, contract_id, organisation_id, status, awarded_pence, spent_pence, applied_at, body)
                VALUES (\(bind: grant.id), \(bind: grant.contractID), \(bind: grant.organisationID), \(bind: grant.status.rawValue),
                        \(bind: grant.awarded.value), \(bind: grant.spent.value), \(bind: grant.appliedAt), \(bind: body))
                """).run()
        } else {
            try await db.raw("""
                UPDATE grants SET status = \(bind: grant.status.rawValue), awarded_pence = \(bind: grant.awarded.value),
                spent_pence = \(bind: grant.spent.value), body = \(bind: body) WHERE id = \(bind: grant.id)
                """).run()
        }
    }

    static func readGrant(_ id: GrantID, _ db: any SQLDatabase, lock: String = "") async throws -> GrantApplication? {
        try await db.raw("SELECT body FROM grants WHERE id = \(bind: id)\(unsafeRaw: lock)").first()
            .map { try fromJSON(try $0.decode(column: "body", as: String.self), as: GrantApplication.self) }
    }

    public func createGrant(_ grant: GrantApplication) async throws {
        try await connections.transaction { db in try await Self.writeGrant(grant, db, insert: true) }
    }

    public func grant(id: GrantID) async throws -> GrantApplication? {
        try await connections.read { db in try await Self.readGrant(id, db) }
    }

    public func grants(contractID: ContractID?, organisationID: OrganisationID?) async throws -> [GrantApplication] {
        try await connections.read { db in
            try await db.raw("""
                SELECT body FROM grants WHERE (\(bind: contractID?.rawValue ?? "") = '' OR contract_id = \(bind: contractID?.rawValue ?? ""))
                AND (\(bind: organisationID?.rawValue ?? "") = '' OR organisation_id = \(bind: organisationID?.rawValue ?? ""))
                ORDER BY applied_at DESC, id DESC
                """).all().map { try fromJSON(try $0.decode(column: "body", as: String.self), as: GrantApplication.self) }
        }
    }

    public func decideGrant(_ id: GrantID, decision: GrantDecision, limit: Pence) async throws {
        let lock = flavor == .postgres ? " FOR UPDATE" : ""
        try await connections.transaction { db in
            guard var grant = try await Self.readGrant(id, db, lock: lock), grant.status == .applied else { throw StorageError.versionConflict }
            if let awarded = decision.awarded {
                // Lock the contract's row so that two awards from one budget are checked one after the other.
                _ = try await db.raw("SELECT id FROM contracts WHERE id = \(bind: grant.contractID)\(unsafeRaw: lock)").first()
                let row = try await db.raw("SELECT CAST(COALESCE(SUM(awarded_pence), 0) AS BIGINT) AS total FROM grants WHERE contract_id = \(bind: grant.contractID)").first()
                let already = try row?.decode(column: "total", as: Int.self) ?? 0
                guard already + awarded.value <= limit.value else { throw StorageError.overBudget }
            }
            grant.decision = decision
            grant.status = decision.awarded == nil ? .declined : .awarded
            try await Self.writeGrant(grant, db, insert: false)
        }
    }

    public func addSpend(_ id: GrantID, _ report: SpendReport) async throws {
        let lock = flavor == .postgres ? " FOR UPDATE" : ""
        try await connections.transaction { db in
            guard var grant = try await Self.readGrant(id, db, lock: lock), grant.status == .awarded else { throw StorageError.versionConflict }
            guard grant.spent + report.amount <= grant.awarded else { throw StorageError.overBudget }
            grant.spend.append(report)
            try await Self.writeGrant(grant, db, insert: false)
        }
    }

    public func payables(from start: Date, to end: Date) async throws -> [Payable] {
        try await connections.read { db in
            let rows = try await db.raw("""
                SELECT o.id AS onward_id, o.status AS onward_status, o.attended AS attended, o.organisation_id AS organisation_id, f.*
                FROM onward_facts o JOIN referral_facts f ON f.referral_id = o.referral_id
                WHERE f.received_at >= \(bind: start) AND f.received_at < \(bind: end)
                ORDER BY o.id
                """).all()
            var result: [Payable] = []
            for row in rows {
                let fact = try row.decode(model: ReferralFact.self, keyDecodingStrategy: fromColumns)
                let onward = try row.decode(column: "onward_id", as: String.self)
                let organisation = OrganisationID(try row.decode(column: "organisation_id", as: String.self))
                guard !organisation.rawValue.isEmpty else { continue }
                let status = try row.decode(column: "onward_status", as: String.self)
                if Payable.accepted.contains(status) {
                    result.append(Payable(key: "referral:\(onward)", kind: .perReferral, referral: fact, organisationID: organisation, count: 1))
                }
                let attended = try row.decode(column: "attended", as: Int.self)
                for session in 0..<attended {
                    result.append(Payable(key: "attendance:\(onward):\(session + 1)", kind: .perAttendance, referral: fact, organisationID: organisation, count: 1))
                }
            }
            return result.sorted { $0.key < $1.key }
        }
    }

    public func addLedgerEntries(_ entries: [LedgerEntry]) async throws -> Int {
        try await connections.transaction { db in
            var added = 0
            for e in entries {
                let inserted = try await db.raw("""
                    INSERT INTO ledger_entries (id, entry_key, contract_id, organisation_id, kind, amount_pence, referral_id, grant_id, at)
                    VALUES (\(bind: e.id), \(bind: e.key), \(bind: e.contractID), \(bind: e.organisationID), \(bind: e.kind.rawValue),
                            \(bind: e.amount.value), \(bind: e.referralID?.rawValue), \(bind: e.grantID?.rawValue), \(bind: e.at))
                    ON CONFLICT (entry_key) DO NOTHING RETURNING id
                    """).all()
                added += inserted.count
            }
            return added
        }
    }

    public func ledger(contractID: ContractID?, organisationID: OrganisationID?) async throws -> [LedgerEntry] {
        try await connections.read { db in
            try await db.raw("""
                SELECT * FROM ledger_entries WHERE (\(bind: contractID?.rawValue ?? "") = '' OR contract_id = \(bind: contractID?.rawValue ?? ""))
                AND (\(bind: organisationID?.rawValue ?? "") = '' OR organisation_id = \(bind: organisationID?.rawValue ?? ""))
                ORDER BY at, id
                """).all().map(Self.ledgerEntry)
        }
    }

    static func ledgerEntry(_ row: any SQLRow) throws -> LedgerEntry {
        let referral: String? = try row.decode(column: "referral_id", as: String?.self)
        let grant: String? = try row.decode(column: "grant_id", as: String?.self)
        let kind = LedgerKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .perReferral
        return LedgerEntry(id: try row.decode(column: "id", as: String.self), key: try row.decode(column: "entry_key", as: String.self),
                           contractID: ContractID(try row.decode(column: "contract_id", as: String.self)),
                           organisationID: OrganisationID(try row.decode(column: "organisation_id", as: String.self)),
                           kind: kind, amount: Pence(try row.decode(column: "amount_pence", as: Int.self)),
                           referralID: referral.map { ReferralID($0) }, grantID: grant.map { GrantID($0) },
                           at: try row.decode(column: "at", as: Date.self))
    }
}
