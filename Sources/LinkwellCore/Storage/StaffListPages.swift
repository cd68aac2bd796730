import Foundation

/// The administrator's search of the organisations register: part of the name or the ODS code, and the kind.
public struct OrganisationFilter: Sendable, Equatable {
    /// Part of the name or of the ODS code, ASCII letters in any case (as the SQL backends fold).
    public var search: String?
    public var kind: OrganisationKind?
    public init(search: String? = nil, kind: OrganisationKind? = nil) {
        let trimmed = search?.trimmingCharacters(in: .whitespaces)
        self.search = trimmed?.isEmpty == false ? trimmed : nil
        self.kind = kind
    }

    /// Whether `organisation` is in the filtered list (the in-memory store's reading; SQL says the same in `WHERE`).
    public func matches(_ organisation: Organisation) -> Bool {
        if let kind, organisation.kind != kind { return false }
        if let search {
            return organisation.name.containsFoldingASCII(search) || (organisation.odsCode ?? "").containsFoldingASCII(search)
        }
        return true
    }
}

/// A provider's filter of the referrals sent to their services: by where each one stands.
public struct InboxFilter: Sendable, Equatable {
    public var status: OnwardStatus?
    public init(status: OnwardStatus? = nil) { self.status = status }
}

/// The staff web lists that were read whole or by "More" links, as numbered pages (issue #17: "every list is
/// paged"): the store counts the filtered list, clamps the page to it (a page past the end is the last page) and
/// reads only that page's rows with `LIMIT`/`OFFSET`, in one read.
///
/// Every implementation must order the rows as documented (ties broken by id, so that pages neither repeat nor
/// skip a row), apply the filter before `LIMIT`/`OFFSET`, and count exactly the rows the filter keeps.
public protocol StaffListStore: Sendable {
    /// The organisations register in name-then-id order.
    func organisations(matching filter: OrganisationFilter, page: PageNumber) async throws -> CountedPage<Organisation>
    /// The referrals out sent to an organisation's services, newest first (then by id, descending), each with the
    /// person's consent purposes now.
    func onwardInbox(organisationID: OrganisationID, matching filter: InboxFilter, page: PageNumber) async throws -> CountedPage<OnwardInboxRow>
    /// The registered directory feeds in the order they were added (then by id); only those whose URL contains
    /// `search` (any case) when given.
    func registeredFeeds(search: String?, page: PageNumber) async throws -> CountedPage<RegisteredFeed>
    /// The directory's review queue (as `CommunityDirectoryStore.reviewQueue`: not approved, never verified or
    /// verified before `staleBefore`) in name-then-id order.
    func reviewQueue(staleBefore: Date, page: PageNumber) async throws -> CountedPage<ReviewItem>
}
