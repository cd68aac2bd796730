import Foundation
import LinkwellCore

/// `ReferrerHomeStore` (part of `LinkwellStore`).
extension MemoryStore {
    public func referredPeople(_ query: ReferralQuery, page: PageNumber) async throws -> CountedPage<ReferredPerson> {
        var query = query
        query.after = nil
        let matching = cases.values.filter { query.matches($0.referral, person: $0.person, team: caseTeam($0.referral.id)) }
        let people = Dictionary(grouping: matching, by: { ReferredPerson.key($0.person) }).map { key, found -> ReferredPerson in
            let newest = found.sorted { ($0.referral.receivedAt, $0.referral.id.rawValue) > ($1.referral.receivedAt, $1.referral.id.rawValue) }
            return ReferredPerson(key: key, name: newest[0].person.fullName, latestReferralAt: newest[0].referral.receivedAt,
                                        referrals: newest.map {
                                            ReferredPerson.Referral(id: $0.referral.id, status: $0.referral.status, receivedAt: $0.referral.receivedAt,
                                                                    consentPurposes: $0.referral.consent.purposes)
                                        })
        }
        .sorted { ($0.latestReferralAt, $0.key) > ($1.latestReferralAt, $1.key) }
        return Self.countedPage(people, page)
    }

    public func messagesBack(recipientID: UserID, organisationID: OrganisationID?, page: PageNumber) async throws -> CountedPage<MessageBack> {
        let messages = cases.values.flatMap(\.messages).filter {
            $0.recipientID == recipientID || (organisationID != nil && $0.recipientOrganisationID == organisationID)
        }
        return Self.countedPage(messages.sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }, page)
    }

    public func messagesBack(referralIDs: [ReferralID], to recipientID: UserID) async throws -> [ReadableMessage] {
        let read = messageReads[recipientID] ?? [:]
        return referralIDs.uniqued().flatMap { cases[$0]?.messages ?? [] }
            .filter { $0.recipientID == recipientID }
            .map { ReadableMessage(message: $0, read: read[$0.id] != nil) }
            .sorted { ($0.message.createdAt, $0.message.id.rawValue) > ($1.message.createdAt, $1.message.id.rawValue) }
    }

    public func markMessagesRead(_ ids: [MessageID], by userID: UserID, at: Date) async throws {
        let wanted = Set(ids)
        let existing = cases.values.flatMap(\.messages).map(\.id).filter { wanted.contains($0) }
        for id in existing where messageReads[userID]?[id] == nil { messageReads[userID, default: [:]][id] = at }
    }

    public func readMessages(_ ids: [MessageID], by userID: UserID) async throws -> Set<MessageID> {
        let read = messageReads[userID] ?? [:]
        return Set(ids.filter { read[$0] != nil })
    }

    public func unreadMessageCount(userID: UserID, organisationID: OrganisationID?) async throws -> Int {
        let read = messageReads[userID] ?? [:]
        return cases.values.flatMap(\.messages).filter { m in
            (m.recipientID == userID || (organisationID != nil && m.recipientOrganisationID == organisationID)) && read[m.id] == nil
        }.count
    }
}

private extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
