import Foundation

/// Whether an administrator has reviewed a listing since it was created or changed.
public enum ReviewState: String, Codable, Sendable, CaseIterable {
    case approved
    case pendingNew = "pending_new"
    case pendingChange = "pending_change"

    public var label: String {
        switch self {
        case .approved: "Approved"
        case .pendingNew: "New, awaiting review"
        case .pendingChange: "Changed, awaiting review"
        }
    }
}

/// Capacity and waiting list (HSDS 3.1 `service_capacity`, kept as Linkwell's own data here).
public struct ServiceCapacity: Codable, Sendable, Equatable {
    /// Places free now; nil when the service does not say.
    public var availablePlaces: Int?
    /// How long the waiting list is, in weeks; nil when there is none.
    public var waitingListWeeks: Int?
    public var updatedAt: Date
    public init(availablePlaces: Int?, waitingListWeeks: Int?, updatedAt: Date) {
        (self.availablePlaces, self.waitingListWeeks, self.updatedAt) = (availablePlaces, waitingListWeeks, updatedAt)
    }
    public var hasCapacityNow: Bool { (availablePlaces ?? 0) > 0 }
}

/// One change of a service's status ("what has closed", with dates).
public struct ServiceStatusChange: Codable, Sendable, Equatable {
    public var serviceID: String
    public var status: HSDSServiceStatus
    public var at: Date
    /// Why, when Linkwell knows (e.g. "withdrawn by its source").
    public var note: String?
    public init(serviceID: String, status: HSDSServiceStatus, at: Date, note: String? = nil) {
        (self.serviceID, self.status, self.at, self.note) = (serviceID, status, at, note)
    }
}

/// A listing as Linkwell keeps it: the public HSDS service plus the scheme's private facts about it.
public struct DirectoryListing: Sendable, Equatable {
    public var service: HSDSService
    /// When someone last confirmed the listing is right; drives the freshness rule.
    public var lastVerifiedAt: Date?
    public var reviewState: ReviewState
    public var capacity: ServiceCapacity?
    /// Fields where the source and a local decision disagree, awaiting the admin.
    public var conflicts: [String]
    public init(service: HSDSService, lastVerifiedAt: Date?, reviewState: ReviewState, capacity: ServiceCapacity?, conflicts: [String] = []) {
        (self.service, self.lastVerifiedAt, self.reviewState, self.capacity, self.conflicts) = (service, lastVerifiedAt, reviewState, capacity, conflicts)
    }

    /// Not verified within `months` months of `now` (never verified counts as stale).
    public func isStale(now: Date, months: Int) -> Bool {
        guard let verified = lastVerifiedAt else { return true }
        return verified < FreshnessRule(months: months).cutoff(now: now)
    }
}

/// "Flag listings not verified for this many months."
public struct FreshnessRule: Sendable, Equatable {
    public var months: Int
    public init(months: Int) { self.months = months }
    /// Listings verified before this instant are stale.
    public func cutoff(now: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: -months, to: now) ?? now
    }
}

/// A row of the admin review queue.
public struct ReviewItem: Sendable, Equatable {
    public var serviceID: String
    public var name: String
    public var organizationID: String?
    public var reviewState: ReviewState
    public var lastVerifiedAt: Date?
    public var stale: Bool
    /// Fields where the source and a local decision disagree.
    public var conflicts: [String]
    public init(serviceID: String, name: String, organizationID: String?, reviewState: ReviewState, lastVerifiedAt: Date?, stale: Bool,
                conflicts: [String] = []) {
        (self.serviceID, self.name, self.organizationID, self.reviewState, self.lastVerifiedAt, self.stale, self.conflicts) =
            (serviceID, name, organizationID, reviewState, lastVerifiedAt, stale, conflicts)
    }
}

/// A link worker's private note on how a service worked for the people they sent. Never published.
public struct ServiceFeedback: Codable, Sendable, Equatable {
    public var id: String
    public var serviceID: String
    public var authorID: UserID
    public var at: Date
    /// 1 (poor) to 5 (excellent).
    public var rating: Int
    public var text: String
    public init(id: String, serviceID: String, authorID: UserID, at: Date, rating: Int, text: String) {
        (self.id, self.serviceID, self.authorID, self.at, self.rating, self.text) = (id, serviceID, authorID, at, rating, text)
    }
}

/// The scheme's governance checks on a community organisation before link workers refer to it.
public struct GovernanceCheck: Codable, Sendable, Equatable {
    public var organizationID: String
    public var constituted: Bool
    public var safeguardingPolicy: Bool
    public var insurance: Bool
    /// DBS checks for staff or volunteers who visit people at home.
    public var dbsForHomeVisits: Bool
    public var checkedBy: UserID
    public var checkedAt: Date
    /// When each check runs out (the policy's review date, the insurance's renewal, the DBS renewal); nil
    /// when none was recorded. Past it, the check no longer counts (`GovernanceStanding`).
    public var safeguardingPolicyExpires: CalendarDate?
    public var insuranceExpires: CalendarDate?
    public var dbsExpires: CalendarDate?
    public init(organizationID: String, constituted: Bool, safeguardingPolicy: Bool, insurance: Bool, dbsForHomeVisits: Bool,
                checkedBy: UserID, checkedAt: Date, safeguardingPolicyExpires: CalendarDate? = nil, insuranceExpires: CalendarDate? = nil,
                dbsExpires: CalendarDate? = nil) {
        (self.organizationID, self.constituted, self.safeguardingPolicy, self.insurance, self.dbsForHomeVisits, self.checkedBy, self.checkedAt) =
            (organizationID, constituted, safeguardingPolicy, insurance, dbsForHomeVisits, checkedBy, checkedAt)
        (self.safeguardingPolicyExpires, self.insuranceExpires, self.dbsExpires) = (safeguardingPolicyExpires, insuranceExpires, dbsExpires)
    }
}

/// What saving a version of a service does to its review state, the same on every backend.
public struct DirectoryChange: Sendable {
    /// The HSDS content differs from the stored version (or there was none); `last_modified` aside.
    public var changed: Bool

    public init(previous: HSDSService?, next: HSDSService) {
        var a = previous, b = next
        a?.lastModified = nil
        b.lastModified = nil
        changed = previous == nil || a != b
    }

    /// A service with conflicts awaits review whatever else; a verified save approves it; otherwise
    /// new services are `pendingNew`, changed ones `pendingChange`, and unchanged ones keep their state.
    public func reviewState(previous: ReviewState?, verified: Bool, conflicts: [String]) -> ReviewState {
        if !conflicts.isEmpty { return .pendingChange }
        if verified { return .approved }
        guard let previous else { return .pendingNew }
        return changed ? .pendingChange : previous
    }
}
