import Foundation
import LinkwellCore

/// A referrer's home (issue #17): the people they referred, each once, with their referrals and the latest
/// news about them; messages back they have not read are marked, and counted.
public struct ReferrerHomeSection: Sendable {
    public struct Referral: Sendable {
        public var id, status, statusLabel, receivedAt: String
        /// "Referral received 27 Nov 2026".
        public var receivedLabel = ""
    }
    public struct Person: Sendable {
        public var name: String
        /// Stable id for the person's block (`person-<n>`), for its heading.
        public var key: String
        public var referrals: [Referral]
        /// The newest message back about them, if any.
        public var latest: CaseloadPage.Message?
        public var unread: Int
        public var hasUnread: Bool
        /// "1 unread message" / "3 unread messages".
        public var unreadLabel: String
    }
    /// Shown (only on a referrer's home).
    public var shown = false
    public var people: [Person] = []
    public var hasPeople = false
    /// The count of people and the numbered page links (the search kept in every link).
    var peopleLinks: PageLinks?
    public var unreadCount = 0
    public var hasUnread = false
    public var unreadLabel = ""
    public init() {}

    static func unread(_ n: Int, _ t: Catalogue = .english) -> String {
        n == 1 ? t.text("caseload.unreadOne") : t.text("caseload.unreadMany", ["count": String(n)])
    }
}

extension CaseloadPage {
    /// People shown at once on a referrer's home.
    public static let peopleSize = 25

    /// Fills the referrer's home from a numbered page of it; `links` makes the page links under it.
    mutating func setReferrerHome(_ home: ReferrerHome, now: Date, links: (CountedPage<ReferrerHome.Row>) -> PageLinks) {
        var section = ReferrerHomeSection()
        section.shown = true
        section.people = home.people.rows.enumerated().map { index, row in
            let unread = row.messages.filter { !$0.read }.count
            return ReferrerHomeSection.Person(
                name: row.person.name, key: "person-\(index + 1)",
                referrals: row.person.referrals.map {
                    ReferrerHomeSection.Referral(id: $0.id.rawValue, status: $0.status.rawValue, statusLabel: catalogue.label($0.status),
                                                 receivedAt: catalogue.date($0.receivedAt),
                                                 receivedLabel: catalogue.text("caseload.referralReceivedOn", ["date": catalogue.date($0.receivedAt)]))
                },
                latest: row.messages.first.map {
                    Message(at: catalogue.dateTime($0.message.createdAt), label: catalogue.label($0.message.kind), body: $0.message.body,
                            referralID: $0.message.referralID.rawValue, unread: !$0.read, id: $0.message.id.rawValue)
                },
                unread: unread, hasUnread: unread > 0, unreadLabel: ReferrerHomeSection.unread(unread, catalogue))
        }
        section.hasPeople = !section.people.isEmpty
        section.peopleLinks = links(home.people)
        section.unreadCount = home.unread
        section.hasUnread = home.unread > 0
        section.unreadLabel = ReferrerHomeSection.unread(home.unread, catalogue)
        referrerHome = section
    }

    /// Marks the messages the reader had not read before this page.
    mutating func markUnread(_ read: Set<MessageID>) {
        for i in messages.indices { messages[i].unread = !read.contains(MessageID(messages[i].id)) }
    }
}
