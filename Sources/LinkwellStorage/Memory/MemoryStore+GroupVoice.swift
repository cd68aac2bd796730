import Foundation
import LinkwellCore

/// `OnwardThreadStore` (part of `LinkwellStore`).
extension MemoryStore {
    public func addOnwardMessage(_ message: OnwardMessage) async throws {
        guard !threadMessages.contains(where: { $0.id == message.id }) else { throw StorageError.duplicate("onward message \(message.id)") }
        threadMessages.append(message)
    }

    public func onwardMessages(referralID: ReferralID) async throws -> [OnwardMessage] {
        threadMessages.filter { $0.referralID == referralID }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
    }

    public func openOnwardRequests(linkWorkerID: UserID?, organisationID: OrganisationID?, overdueAt now: Date) async throws -> [OpenOnwardRequest] {
        cases.values.flatMap { c in
            c.onwardReferrals.compactMap { o -> OpenOnwardRequest? in
                guard o.isOverdue(at: now), let service = servicesByID[o.serviceID],
                      linkWorkerID == nil || c.referral.linkWorkerID == linkWorkerID,
                      organisationID == nil || service.organisationID == organisationID else { return nil }
                return OpenOnwardRequest(onwardReferralID: o.id, referralID: c.referral.id, serviceID: service.id, serviceName: service.name,
                                         organisationID: service.organisationID, linkWorkerID: c.referral.linkWorkerID,
                                         personName: c.person.fullName, consentPurposes: c.referral.consent.purposes,
                                         createdAt: o.createdAt, returnWindowDays: o.returnWindowDays)
            }
        }.sorted { ($0.createdAt, $0.onwardReferralID.rawValue) < ($1.createdAt, $1.onwardReferralID.rawValue) }
    }

    /// Anonymising a person empties the text of their threads (the messages themselves stay, as dates and authors).
    func blankThreads(referralIDs: Set<ReferralID>) {
        for i in threadMessages.indices where referralIDs.contains(threadMessages[i].referralID) { threadMessages[i].body = "" }
    }
}

/// `StaffRecordStore` (part of `LinkwellStore`).
extension MemoryStore {
    public func saveComplaint(_ complaint: Complaint) async throws { complaintsByID[complaint.id] = complaint }
    public func complaints() async throws -> [Complaint] {
        complaintsByID.values.sorted { ($0.receivedOn, $0.id) > ($1.receivedOn, $1.id) }
    }
    public func addStaffCheck(_ check: StaffCheck) async throws {
        guard !staffCheckList.contains(where: { $0.id == check.id }) else { throw StorageError.duplicate("staff check \(check.id)") }
        staffCheckList.append(check)
    }
    public func staffChecks() async throws -> [StaffCheck] {
        staffCheckList.sorted { ($0.completedOn, $0.id) > ($1.completedOn, $1.id) }
    }
}
