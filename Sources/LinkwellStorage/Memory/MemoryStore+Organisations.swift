import Foundation
import LinkwellCore

extension MemoryStore {
    public func saveOrganisation(_ organisation: Organisation) async throws {
        try await saveOrganisations([organisation])
    }

    public func saveOrganisations(_ organisations: [Organisation]) async throws {
        // Checked whole first, so that a clash stores nothing.
        var byCode: [String: OrganisationID] = [:]
        for o in organisationsByID.values { if let code = o.odsCode { byCode[code] = o.id } }
        // As in SQL, the batch's own organisations give up their codes first (codes may move within a batch).
        let batch = Set(organisations.map(\.id))
        byCode = byCode.filter { !batch.contains($0.value) }
        for o in organisations {
            if let code = o.odsCode {
                if let holder = byCode[code], holder != o.id { throw StorageError.duplicate("odsCode") }
                byCode[code] = o.id
            }
        }
        for o in organisations { organisationsByID[o.id] = o }
    }

    public func organisation(odsCode: String) async throws -> Organisation? {
        organisationsByID.values.first { $0.odsCode == odsCode }
    }

    public func messages(organisationID: OrganisationID) async throws -> [MessageBack] {
        cases.values.flatMap(\.messages).filter { $0.recipientOrganisationID == organisationID }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }
}
