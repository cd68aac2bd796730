import Foundation
import LinkwellCore

/// `KeysetListStore` in memory: the whole list in its order, then the rows after the cursor (the reference).
extension MemoryStore {
    /// The first `page.limit` rows of `rows` (already in the list's order) that come after the cursor.
    static func keyset<T>(_ rows: [T], _ page: PageRequest, after: (T, PageCursor) -> Bool) -> [T] {
        Array((page.after.map { cursor in rows.filter { after($0, cursor) } } ?? rows).prefix(page.limit))
    }

    public func users(matching filter: UserFilter, keyset page: PageRequest) async throws -> [User] {
        let rows = try await users().filter(filter.matches).sorted { ($0.displayName, $0.id.rawValue) < ($1.displayName, $1.id.rawValue) }
        return Self.keyset(rows, page) { ($0.displayName, $0.id.rawValue) > ($1.name ?? "", $1.id) }
    }

    public func tokens(keyset page: PageRequest) async throws -> [APIToken] {
        Self.keyset(try await tokens(userID: nil), page) { $0.createdAt < $1.at || ($0.createdAt == $1.at && $0.id > $1.id) }
    }

    public func complaints(keyset page: PageRequest) async throws -> [Complaint] {
        Self.keyset(try await complaints(), page) { ($0.receivedOn.description, $0.id) < ($1.name ?? "", $1.id) }
    }

    public func staffChecks(keyset page: PageRequest) async throws -> [StaffCheck] {
        Self.keyset(try await staffChecks(), page) { ($0.completedOn.description, $0.id) < ($1.name ?? "", $1.id) }
    }

    public func supervisionNotes(linkWorkerID: UserID, keyset page: PageRequest) async throws -> [SupervisionNote] {
        let rows = try await supervisionNotes(linkWorkerID: linkWorkerID).sorted { ($0.at, $0.id) > ($1.at, $1.id) }
        return Self.keyset(rows, page) { ($0.at, $0.id) < ($1.at, $1.id) }
    }

    public func caseMeetings(teamID: TeamID, keyset page: PageRequest) async throws -> [CaseMeeting] {
        let rows = try await caseMeetings(teamID: teamID).sorted { ($0.heldOn.description, $0.id) > ($1.heldOn.description, $1.id) }
        return Self.keyset(rows, page) { ($0.heldOn.description, $0.id) < ($1.name ?? "", $1.id) }
    }

    public func messages(organisationID: OrganisationID, kinds: [MessageKind]?, keyset page: PageRequest) async throws -> [MessageBack] {
        let rows = try await messages(organisationID: organisationID).filter { kinds?.contains($0.kind) ?? true }
        return Self.keyset(rows, page) { ($0.createdAt, $0.id.rawValue) < ($1.at, $1.id) }
    }
}
