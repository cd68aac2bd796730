import Foundation

/// API lists that grow with a scheme's age (staff, tokens, complaints, staff records, supervision notes, case
/// meetings, messages to an organisation), read a page at a time by keyset in the store (issue #19), never built
/// whole and cut in memory. Every implementation must order the rows as documented, ties broken by id, and
/// return only rows strictly after `page.after` in that order, at most `page.limit`: the cursor names the last
/// row's own sort values, so rows added or removed between two reads never repeat or hide another row.
///
/// Cursors: lists in a time order use `PageCursor(at:id:)`; lists in a text or day order use
/// `PageCursor(name:id:)` with the row's name, or its day as `YYYY-MM-DD` (which sorts as the days do).
public protocol KeysetListStore: Sendable {
    /// Users matching the filter by name, then id (ascending).
    func users(matching filter: UserFilter, keyset page: PageRequest) async throws -> [User]
    /// Everyone's API tokens, newest first, then by id ascending (as `tokens(userID:)`).
    func tokens(keyset page: PageRequest) async throws -> [APIToken]
    /// Complaints by the day received, newest first, then id descending.
    func complaints(keyset page: PageRequest) async throws -> [Complaint]
    /// Staff training and DBS records by the day completed, newest first, then id descending.
    func staffChecks(keyset page: PageRequest) async throws -> [StaffCheck]
    /// A link worker's supervision notes, newest first by (at, id).
    func supervisionNotes(linkWorkerID: UserID, keyset page: PageRequest) async throws -> [SupervisionNote]
    /// A team's case meetings by the day held, newest first, then id descending, each with the cases it discussed.
    func caseMeetings(teamID: TeamID, keyset page: PageRequest) async throws -> [CaseMeeting]
    /// Messages to an organisation (a GP practice, a community group), newest first by (created at, id); only
    /// those of `kinds` when given.
    func messages(organisationID: OrganisationID, kinds: [MessageKind]?, keyset page: PageRequest) async throws -> [MessageBack]
}

extension PageRequest {
    /// This request for a list in a time order: a name cursor (from another list) is refused naming `cursor`.
    public func requireTimed() throws(LinkwellError) -> PageRequest {
        if let after, after.name != nil { throw .invalid([.apiOnly("cursor", "This cursor belongs to another list; start again from the first page.")]) }
        return self
    }

    /// This request for a list in day order: the cursor must name a day (`YYYY-MM-DD`), else refused naming `cursor`.
    public func requireDated() throws(LinkwellError) -> PageRequest {
        if let after, !(after.name.flatMap { CalendarDate($0) }.map { $0.description == after.name } ?? false) {
            throw .invalid([.apiOnly("cursor", "This cursor belongs to another list; start again from the first page.")])
        }
        return self
    }

    /// `limit + 1` rows, so that `Page(fetched:limit:cursor:)` knows whether there is a next page.
    public var fetching: PageRequest { PageRequest(limit: limit + 1, after: after) }
}
