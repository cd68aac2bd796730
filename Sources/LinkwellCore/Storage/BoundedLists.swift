import Foundation

/// More lists that grow with a scheme's age, read a page at a time by keyset in the store (issue #19), never built
/// whole and cut in memory: a contract's ledger, the micro-grants, the organisations behind the referrable services
/// (the governance list), and what read a person's record (their access log).
///
/// As `KeysetListStore`: every implementation orders the rows as documented, ties broken by id, and returns only
/// rows strictly after `page.after` in that order, at most `page.limit`; the cursor names the last row's own sort
/// values, so rows added between two reads never repeat or hide another row.
public protocol BoundedListStore: Sendable {
    /// A contract's ledger, oldest first by (at, id) — a statement read from its start, as the CSV export is.
    func ledger(contractID: ContractID, keyset page: PageRequest) async throws -> [LedgerEntry]
    /// Micro-grant applications, newest first by (applied at, id), only those of `organisationID` when given.
    func grants(organisationID: OrganisationID?, keyset page: PageRequest) async throws -> [GrantApplication]
    /// The distinct organisations that run a referrable service, by id (ascending). The cursor is a name cursor
    /// whose name and id are both the last organisation's id.
    func serviceOrganisationIDs(keyset page: PageRequest) async throws -> [OrganisationID]
    /// Audit events about any of `referralIDs` (their subject, or the record itself), newest first by (at, id).
    func auditEvents(aboutReferrals referralIDs: [ReferralID], keyset page: PageRequest) async throws -> [AuditEvent]

    /// A link worker's supervision notes as a numbered web page (as `StaffListStore`: counted, clamped, one page
    /// read), newest first by (at, id) — the order of the API's keyset list.
    func supervisionNotes(linkWorkerID: UserID, page: PageNumber) async throws -> CountedPage<SupervisionNote>
    /// A team's case meetings as a numbered web page, newest held first, then id descending (the API's order),
    /// each with the cases it discussed.
    func caseMeetings(teamID: TeamID, page: PageNumber) async throws -> CountedPage<CaseMeeting>
}

extension LedgerEntry {
    /// The cursor that continues the ledger after this entry.
    public var cursor: PageCursor { PageCursor(at: at, id: id) }
}

extension GrantApplication {
    /// The cursor that continues the grants list after this application.
    public var cursor: PageCursor { PageCursor(at: appliedAt, id: id.rawValue) }
}

extension AuditEvent {
    /// The cursor that continues a newest-first audit list after this event.
    public var cursor: PageCursor { PageCursor(at: at, id: id) }
}
