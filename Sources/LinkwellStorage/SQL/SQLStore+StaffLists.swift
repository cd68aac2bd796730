import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    /// One numbered page in one read: counts the rows of `from` (`FROM … WHERE …`), clamps the page to the count,
    /// then reads that page's rows in `order` (which must end with a unique column, so pages tile the list).
    func countedPage<T: Sendable>(_ page: PageNumber, select: SQLQueryString, from: SQLQueryString, order: SQLQueryString,
                                  row: @escaping @Sendable (any SQLRow) throws -> T) async throws -> CountedPage<T> {
        try await connections.read { db in
            let total = try await db.raw("SELECT COUNT(*) AS n " + from).first()?.decode(column: "n", as: Int.self) ?? 0
            let shown = page.clamped(total: total)
            guard total > 0 else { return CountedPage(rows: [], total: 0, page: shown) }
            let rows = try await db.raw(select + " " + from + " ORDER BY " + order + Self.window(shown)).all().map(row)
            return CountedPage(rows: rows, total: total, page: shown)
        }
    }

    static func conditions(_ filter: OrganisationFilter) -> [SQLQueryString] {
        var c: [SQLQueryString] = []
        if let kind = filter.kind { c.append("kind = \(bind: kind.rawValue)") }
        if let search = filter.search {
            let like = search.likeSubstringPattern
            c.append("(LOWER(name) LIKE \(bind: like) ESCAPE '!' OR LOWER(COALESCE(ods_code, '')) LIKE \(bind: like) ESCAPE '!')")
        }
        return c
    }

    public func organisations(matching filter: OrganisationFilter, page: PageNumber) async throws -> CountedPage<Organisation> {
        try await countedPage(page, select: "SELECT *", from: "FROM organisations" + Self.whereClause(Self.conditions(filter)), order: "name, id") {
            try $0.decode(model: Organisation.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func onwardInbox(organisationID: OrganisationID, matching filter: InboxFilter, page: PageNumber) async throws -> CountedPage<OnwardInboxRow> {
        let scope = Self.inboxScope(organisationID, status: filter.status)
        return try await connections.read { db in
            let total = try await db.raw("SELECT COUNT(*) AS n" + scope).first()?.decode(column: "n", as: Int.self) ?? 0
            let shown = page.clamped(total: total)
            guard total > 0 else { return CountedPage(rows: [], total: 0, page: shown) }
            let chosen = "SELECT o.id" + scope + " ORDER BY o.created_at DESC, o.id DESC" + Self.window(shown)
            return CountedPage(rows: try await db.raw(Self.inboxRows(chosen: chosen)).all().map(Self.inboxRow), total: total, page: shown)
        }
    }

    public func reviewQueue(staleBefore: Date, page: PageNumber) async throws -> CountedPage<ReviewItem> {
        try await countedPage(page, select: "SELECT id, name, organization_id, review_state, last_verified_at, conflicts",
                              from: Self.reviewQueueRows(staleBefore), order: "name, id") { try Self.reviewItem($0, staleBefore: staleBefore) }
    }

    public func registeredFeeds(search: String?, page: PageNumber) async throws -> CountedPage<RegisteredFeed> {
        let text = search?.trimmingCharacters(in: .whitespaces) ?? ""
        let conditions: [SQLQueryString] = text.isEmpty ? [] : ["LOWER(url) LIKE \(bind: text.likeSubstringPattern) ESCAPE '!'"]
        return try await countedPage(page, select: "SELECT doc", from: "FROM dir_feeds" + Self.whereClause(conditions), order: "created_at, id") { try Self.registeredFeed($0) }
    }
}
