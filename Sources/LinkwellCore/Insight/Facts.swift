import Foundation

/// The de-identified projection of one referral that insight dashboards count. It holds no name, NHS
/// number, contact detail or free text; it is rewritten in the same transaction as every change to the
/// case (see `CaseChange.facts`), so dashboards never disagree with casework.
public struct ReferralFact: Codable, Sendable, Equatable {
    public var referralID: ReferralID
    public var receivedAt: Date
    /// Calendar month received, `YYYY-MM` (UTC).
    public var month: String
    public var sourceType: String
    /// The person's GP practice, else the referrer's organisation, else "".
    public var practiceID: String
    public var pathway: String
    public var ageBand: String
    public var sex: String
    public var ethnicity: String
    /// Normalised postcode, only to join a deprivation lookup; never released.
    public var postcode: String
    public var status: String
    /// How far along the journey the referral got (`InsightStage.rank`), whatever happened after.
    public var stageReached: Int
    /// Whole days from referral to the first contact (successful or not); nil before any contact.
    public var waitDays: Int?
    public var linkWorkerID: String
    /// Satisfaction 1–5 given at closing, if the person gave it.
    public var satisfaction: Int?
    /// The referral's needs as bits (bit i is `Need.allCases[i]`), so that needs are counted in one pass.
    public var needsMask: Int
    /// The needs link workers recorded a gap for (bits as `needsMask`).
    public var gapMask: Int = 0
    /// The referral's `RecordKey`, summed with counts to make cell keys.
    public var recordKey: Int

    public init(referralID: ReferralID, receivedAt: Date, month: String, sourceType: String, practiceID: String, pathway: String,
                ageBand: String, sex: String, ethnicity: String, postcode: String, status: String, stageReached: Int, waitDays: Int?,
                linkWorkerID: String, satisfaction: Int?, needsMask: Int, gapMask: Int = 0) {
        self.gapMask = gapMask
        self.referralID = referralID
        self.receivedAt = receivedAt
        self.month = month
        self.sourceType = sourceType
        self.practiceID = practiceID
        self.pathway = pathway
        self.ageBand = ageBand
        self.sex = sex
        self.ethnicity = ethnicity
        self.postcode = postcode
        self.status = status
        self.stageReached = stageReached
        self.waitDays = waitDays
        self.linkWorkerID = linkWorkerID
        self.satisfaction = satisfaction
        self.needsMask = needsMask
        self.recordKey = RecordKey.of(referralID.rawValue)
    }

    public init(_ c: Case) {
        let r = c.referral
        referralID = r.id
        receivedAt = r.receivedAt
        month = InsightMonth(r.receivedAt).text
        sourceType = r.sourceType.rawValue
        practiceID = (c.person.gpPracticeID ?? r.referrerOrganisationID)?.rawValue ?? ""
        pathway = r.pathway
        ageBand = AgeBand.of(c.person.dateOfBirth, at: r.receivedAt)
        sex = c.person.sex.rawValue
        ethnicity = c.person.ethnicity.broadGroup.rawValue
        postcode = c.person.postcode.uppercased().filter { !$0.isWhitespace }
        status = r.status.rawValue
        let reached = c.events.map { InsightStage.rank(of: $0.to) }.max() ?? 0
        stageReached = max(reached, InsightStage.rank(of: r.status))
        waitDays = c.contacts.map(\.at).min().map { max(0, Int($0.timeIntervalSince(r.receivedAt) / 86_400)) }
        linkWorkerID = r.linkWorkerID?.rawValue ?? ""
        satisfaction = r.closingFeedback?.satisfaction
        // Needs that emerged in support and still hold count like the needs at referral.
        needsMask = Self.mask(c.currentNeeds)
        gapMask = Self.mask(c.gaps.map(\.need))
        recordKey = RecordKey.of(r.id.rawValue)
    }

    public static func mask(_ needs: [Need]) -> Int {
        needs.reduce(0) { $0 | (1 << Need.allCases.firstIndex(of: $1)!) }
    }
}

/// One referral out, for destination, capacity and attendance dashboards.
public struct OnwardFact: Codable, Sendable, Equatable {
    public var id: OnwardReferralID
    public var referralID: ReferralID
    public var month: String
    /// The referral's filter columns, copied so that onward dashboards need no join.
    public var receivedAt: Date
    public var pathway: String
    public var practiceID: String
    public var serviceID: ServiceID
    /// The service's organisation and category when the referral out was made ("" if unknown).
    public var organisationID: String
    public var category: String
    public var status: String
    public var rejectionReason: String
    public var attended: Int
    public var didNotAttend: Int
    /// The referral out's `RecordKey`.
    public var recordKey: Int

    public init(id: OnwardReferralID, referral: ReferralFact, month: String, service: Service?, serviceID: ServiceID, status: String,
                rejectionReason: String, attended: Int, didNotAttend: Int) {
        self.id = id
        self.referralID = referral.referralID
        self.receivedAt = referral.receivedAt
        self.pathway = referral.pathway
        self.practiceID = referral.practiceID
        self.month = month
        self.serviceID = serviceID
        self.organisationID = service?.organisationID.rawValue ?? ""
        self.category = service?.category ?? ""
        self.status = status
        self.rejectionReason = rejectionReason
        self.attended = attended
        self.didNotAttend = didNotAttend
        self.recordKey = RecordKey.of(id.rawValue)
    }

    public init(_ o: OnwardReferral, in c: Case, referral: ReferralFact, service: Service?) {
        id = o.id
        referralID = c.referral.id
        receivedAt = referral.receivedAt
        pathway = referral.pathway
        practiceID = referral.practiceID
        organisationID = service?.organisationID.rawValue ?? ""
        category = service?.category ?? ""
        month = InsightMonth(o.createdAt).text
        serviceID = o.serviceID
        status = o.status.rawValue
        rejectionReason = o.rejectionReason?.rawValue ?? ""
        let reports = c.attendance.filter { $0.onwardReferralID == o.id }
        attended = reports.filter(\.attended).count
        didNotAttend = reports.count - attended
        recordKey = RecordKey.of(o.id.rawValue)
    }
}

/// The facts of one case, rewritten whole with each change.
public struct InsightFacts: Sendable, Equatable {
    public var referral: ReferralFact
    public var onward: [OnwardFact]
    /// `services` holds at least the services of the case's referrals out.
    public init(_ c: Case, services: [ServiceID: Service] = [:]) {
        let fact = ReferralFact(c)
        referral = fact
        onward = c.onwardReferrals.map { OnwardFact($0, in: c, referral: fact, service: services[$0.serviceID]) }
    }

    public init(referral: ReferralFact, onward: [OnwardFact]) {
        self.referral = referral
        self.onward = onward
    }
}

/// A calendar month in UTC, `YYYY-MM`.
public struct InsightMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int, month: Int
    public init(_ date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        year = parts.year!
        month = parts.month!
    }
    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
              (1900...2200).contains(y), (1...12).contains(m) else { return nil }
        year = y
        month = m
    }
    public var text: String { "\(year.zeroPadded(4))-\(month.zeroPadded(2))" }
    public var description: String { text }
    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month) < (b.year, b.month) }
    public var next: InsightMonth { month == 12 ? InsightMonth(year: year + 1, month: 1) : InsightMonth(year: year, month: month + 1) }
    /// The first instant of the month (UTC).
    public var start: Date { CalendarDate(year: year, month: month, day: 1)!.startOfDay }
}

/// The stages of the journey in order, for conversion and drop-out.
public enum InsightStage: Int, CaseIterable, Sendable {
    case referred = 1, accepted, contacted, engaged, planAgreed, active, closed

    public static func rank(of status: ReferralStatus) -> Int {
        switch status {
        case .received, .triaged, .declined, .redirected: 1
        case .accepted: 2
        case .contactAttempted, .unableToContact: 3
        case .engaged: 4
        case .planAgreed: 5
        case .active, .review: 6
        case .closed: 7
        case .withdrawn: 0
        }
    }

    public var label: String {
        switch self {
        case .referred: "Referred"
        case .accepted: "Accepted"
        case .contacted: "Contact made or attempted"
        case .engaged: "Engaged"
        case .planAgreed: "Plan agreed"
        case .active: "Active support"
        case .closed: "Closed after support"
        }
    }
}

/// Age bands used in equity reporting (as in NHS Digital's social prescribing returns).
public enum AgeBand {
    public static let all = ["0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"]

    public static func of(_ birth: CalendarDate, at date: Date) -> String {
        switch birth.years(until: CalendarDate(date)) {
        case ..<18: return "0-17"
        case 18...24: return "18-24"
        case 25...34: return "25-34"
        case 35...44: return "35-44"
        case 45...54: return "45-54"
        case 55...64: return "55-64"
        case 65...74: return "65-74"
        case 75...84: return "75-84"
        default: return "85+"
        }
    }
}
