import Foundation
import LinkwellCore

extension MemoryStore {
    /// A numbered page of rows already filtered and in order: counted, clamped, then cut.
    static func countedPage<T: Sendable>(_ rows: [T], _ page: PageNumber) -> CountedPage<T> {
        let shown = page.clamped(total: rows.count)
        return CountedPage(rows: window(rows, shown), total: rows.count, page: shown)
    }

    public func organisations(matching filter: OrganisationFilter, page: PageNumber) async throws -> CountedPage<Organisation> {
        Self.countedPage(try await organisations().filter(filter.matches), page)
    }

    public func onwardInbox(organisationID: OrganisationID, matching filter: InboxFilter, page: PageNumber) async throws -> CountedPage<OnwardInboxRow> {
        let rows = cases.values.flatMap { c in
            c.onwardReferrals.compactMap { o -> OnwardInboxRow? in
                guard let service = servicesByID[o.serviceID], service.organisationID == organisationID,
                      filter.status == nil || o.status == filter.status else { return nil }
                return OnwardInboxRow(summary: OnwardSummary(id: o.id, referralID: c.referral.id, serviceID: service.id, serviceName: service.name,
                                                             personName: c.person.fullName, status: o.status, createdAt: o.createdAt),
                                      consentPurposes: c.referral.consent.purposes)
            }
        }
        .sorted { ($0.summary.createdAt, $0.summary.id.rawValue) > ($1.summary.createdAt, $1.summary.id.rawValue) }
        return Self.countedPage(rows, page)
    }

    public func reviewQueue(staleBefore: Date, page: PageNumber) async throws -> CountedPage<ReviewItem> {
        Self.countedPage(try await reviewQueue(staleBefore: staleBefore), page)
    }

    public func registeredFeeds(search: String?, page: PageNumber) async throws -> CountedPage<RegisteredFeed> {
        let text = search?.trimmingCharacters(in: .whitespaces) ?? ""
        return Self.countedPage(try await registeredFeeds().filter { $0.url.containsFoldingASCII(text) }, page)
    }
}
