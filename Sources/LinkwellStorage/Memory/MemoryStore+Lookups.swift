import Foundation
import LinkwellCore

extension MemoryStore {
    public func services(ids: [ServiceID]) async throws -> [Service] {
        Set(ids).compactMap { servicesByID[$0] }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public func activeServices(matching text: String, limit: Int) async throws -> [Service] {
        Array(try await services().filter { $0.active && ($0.name.containsFoldingASCII(text) || $0.category.containsFoldingASCII(text)) }.prefix(limit))
    }

    public func organisations(ids: [OrganisationID]) async throws -> [Organisation] {
        Set(ids).compactMap { organisationsByID[$0] }.sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) }
    }

    public func practices(matching text: String, limit: Int) async throws -> [Organisation] {
        let code = text.uppercased()
        return Array(try await organisations().filter { o in
            guard o.kind == .gpPractice, let ods = o.odsCode else { return false }
            return ods == code || o.name.containsFoldingASCII(text)
        }.prefix(limit))
    }

    public func linkWorkers(referralIDs: [ReferralID]) async throws -> [ReferralID: UserID] {
        var result: [ReferralID: UserID] = [:]
        for id in referralIDs { if let worker = cases[id]?.referral.linkWorkerID { result[id] = worker } }
        return result
    }

    public func serviceIDs(onwardReferralIDs: [OnwardReferralID]) async throws -> [OnwardReferralID: ServiceID] {
        let wanted = Set(onwardReferralIDs)
        var result: [OnwardReferralID: ServiceID] = [:]
        for c in cases.values { for o in c.onwardReferrals where wanted.contains(o.id) { result[o.id] = o.serviceID } }
        return result
    }

    public func users(ids: [UserID]) async throws -> [User] {
        Set(ids).compactMap { users[$0] }.sorted { ($0.displayName, $0.id) < ($1.displayName, $1.id) }
    }
}
