import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    public func saveOrganisation(_ organisation: Organisation) async throws {
        try await saveOrganisations([organisation])
    }

    public func saveOrganisations(_ organisations: [Organisation]) async throws {
        guard !organisations.isEmpty else { return }
        try await connections.transaction { db in
            // Codes move between organisations within one import (a practice re-coded): clear each changed
            // organisation's code first, so that the unique index only sees the final state.
            for o in organisations {
                try await db.raw("UPDATE organisations SET ods_code = NULL WHERE id = \(bind: o.id)").run()
            }
            for o in organisations {
                if let code = o.odsCode {
                    let holder = try await db.raw("SELECT id FROM organisations WHERE ods_code = \(bind: code) AND id <> \(bind: o.id)").first()
                    if holder != nil { throw StorageError.duplicate("odsCode") }
                }
                try await Self.upsert([o], into: "organisations", db)
            }
        }
    }

    public func organisation(odsCode: String) async throws -> Organisation? {
        try await connections.read { db in
            try await db.raw("SELECT * FROM organisations WHERE ods_code = \(bind: odsCode)").first(decoding: Organisation.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func messages(organisationID: OrganisationID) async throws -> [MessageBack] {
        try await connections.read { db in
            try await db.raw("""
                SELECT * FROM messages_back WHERE recipient_organisation_id = \(bind: organisationID) ORDER BY created_at DESC, id DESC
                """).all(decoding: MessageBack.self, keyDecodingStrategy: fromColumns)
        }
    }
}
