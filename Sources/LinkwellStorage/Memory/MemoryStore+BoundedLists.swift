import Foundation
import LinkwellCore

/// `BoundedListStore` in memory: the whole list in its order, then the rows after the cursor (the reference).
extension MemoryStore {
    public func ledger(contractID: ContractID, keyset page: PageRequest) async throws -> [LedgerEntry] {
        Self.keyset(try await ledger(contractID: contractID, organisationID: nil), page) { ($0.at, $0.id) > ($1.at, $1.id) }
    }

    public func grants(organisationID: OrganisationID?, keyset page: PageRequest) async throws -> [GrantApplication] {
        Self.keyset(try await grants(contractID: nil, organisationID: organisationID), page) { ($0.appliedAt, $0.id.rawValue) < ($1.at, $1.id) }
    }

    public func serviceOrganisationIDs(keyset page: PageRequest) async throws -> [OrganisationID] {
        Self.keyset(Set(try await services().map(\.organisationID.rawValue)).sorted(), page) { $0 > $1.id }.map { OrganisationID($0) }
    }

    public func auditEvents(aboutReferrals referralIDs: [ReferralID], keyset page: PageRequest) async throws -> [AuditEvent] {
        let ids = Set(referralIDs.map(\.rawValue))
        let rows = audit.filter { ids.contains($0.recordID) || $0.subjectID.map { ids.contains($0.rawValue) } ?? false }
            .sorted { ($0.at, $0.id) > ($1.at, $1.id) }
        return Self.keyset(rows, page) { ($0.at, $0.id) < ($1.at, $1.id) }
    }

    public func supervisionNotes(linkWorkerID: UserID, page: PageNumber) async throws -> CountedPage<SupervisionNote> {
        Self.countedPage(try await supervisionNotes(linkWorkerID: linkWorkerID).sorted { ($0.at, $0.id) > ($1.at, $1.id) }, page)
    }

    public func caseMeetings(teamID: TeamID, page: PageNumber) async throws -> CountedPage<CaseMeeting> {
        Self.countedPage(try await caseMeetings(teamID: teamID).sorted { ($0.heldOn.description, $0.id) > ($1.heldOn.description, $1.id) }, page)
    }
}
