import Foundation

/// A search of the directory. Every filter given must match; results are ranked by text relevance
/// (when there are words), then distance (when there is a point), then name.
public struct DirectoryQuery: Sendable, Equatable {
    /// Whole words (see `ServiceFacts.words`); every word must appear.
    public var words: [String] = []
    /// Any of these terms.
    public var taxonomyTermIDs: [String] = []
    /// More groups of terms, each of which must match (any term within a group): e.g. ORUK's
    /// `taxonomy_id`, as the terms of that taxonomy. An empty group matches nothing.
    public var termGroups: [[String]] = []
    /// ORUK `minimum_age`: services whose minimum age is at least this.
    public var minimumAge: Double?
    /// ORUK `maximum_age`: services whose maximum age is at most this.
    public var maximumAge: Double?
    /// ORUK `day`, `start_time`, `end_time`: some weekly opening on that day, opening at or after
    /// the start and closing at or before the end.
    public var schedule: ScheduleFilter?
    public var organizationID: String?
    public var modifiedAfter: Date?
    public var near: GeoPoint?
    /// Only with `near`; kilometres.
    public var radiusKm: Double?
    public var openAt: WeeklyTime?
    public var freeOnly = false
    /// Lower-cased language code or name.
    public var language: String?
    public var accessibleOnly = false
    public var age: Int?
    public var capacityNow = false
    /// The statuses to include; nil means every status.
    public var statuses: [HSDSServiceStatus]?
    /// 1-based.
    public var page = 1
    public var perPage = 20

    public init() {}

    public var offset: Int { (page - 1) * perPage }

    public static let maxPerPage = 100
}

/// ORUK's schedule filter: every part given must hold for one weekly opening.
public struct ScheduleFilter: Sendable, Equatable {
    /// ISO weekday, 1 = Monday.
    public var weekday: Int?
    /// Minutes after midnight: opens at or after.
    public var startMinute: Int?
    /// Minutes after midnight: closes at or before.
    public var endMinute: Int?
    public init(weekday: Int? = nil, startMinute: Int? = nil, endMinute: Int? = nil) { (self.weekday, self.startMinute, self.endMinute) = (weekday, startMinute, endMinute) }
    public func matches(_ o: WeeklyOpening) -> Bool {
        (weekday.map { $0 == o.weekday } ?? true) && (startMinute.map { o.opens >= $0 } ?? true) && (endMinute.map { o.closes <= $0 } ?? true)
    }
}

/// One service found, with how far it is from the search point.
public struct DirectoryHit: Sendable, Equatable {
    public var listing: DirectoryListing
    public var distanceKm: Double?
    public init(listing: DirectoryListing, distanceKm: Double?) { (self.listing, self.distanceKm) = (listing, distanceKm) }
}

/// A page of results and the total across all pages.
public struct DirectoryResults: Sendable, Equatable {
    public var hits: [DirectoryHit]
    public var total: Int
    public init(hits: [DirectoryHit], total: Int) { (self.hits, self.total) = (hits, total) }
}

/// A page of results as HSDS documents (what the public feed publishes) and the total across all pages.
public struct DirectoryDocumentResults: Sendable, Equatable {
    /// Each service's whole HSDS document (typed fields with the extras put back), in search order.
    public var documents: [JSONValue]
    public var total: Int
    public init(documents: [JSONValue], total: Int) { (self.documents, self.total) = (documents, total) }
}

/// One service-at-location found: its id and its service.
public struct ServiceAtLocationHit: Sendable, Equatable {
    public var id: String
    public var hit: DirectoryHit
    public init(id: String, hit: DirectoryHit) { (self.id, self.hit) = (id, hit) }
}

/// A page of service-at-locations and the total across all pages.
public struct ServiceAtLocationResults: Sendable, Equatable {
    public var hits: [ServiceAtLocationHit]
    public var total: Int
    public init(hits: [ServiceAtLocationHit], total: Int) { (self.hits, self.total) = (hits, total) }
}

/// The HSDS paging object.
public struct HSDSPage: Codable, Sendable, Equatable {
    public var totalItems: Int
    public var totalPages: Int
    public var pageNumber: Int
    public var size: Int
    public var firstPage: Bool
    public var lastPage: Bool
    public var empty: Bool
    enum CodingKeys: String, CodingKey {
        case totalItems = "total_items", totalPages = "total_pages", pageNumber = "page_number", size
        case firstPage = "first_page", lastPage = "last_page", empty
    }
    public init(total: Int, page: Int, perPage: Int, size: Int) {
        totalItems = total
        totalPages = max(1, (total + perPage - 1) / perPage)
        pageNumber = page
        self.size = size
        firstPage = page == 1
        lastPage = page >= totalPages
        empty = total == 0
    }
}

/// Raw search parameters as they arrive (ORUK query string or the link worker's form).
public struct DirectorySearchInput: Sendable, Equatable {
    public var search: String?
    public var page: String?
    public var perPage: String?
    public var taxonomyTermID: String?
    public var organizationID: String?
    public var modifiedAfter: String?
    public var postcode: String?
    public var latitude: String?
    public var longitude: String?
    /// Kilometres; ORUK's `proximity` is metres, converted by the caller.
    public var radiusKm: String?
    public var openDay: String?
    public var openTime: String?
    public var free: Bool = false
    public var language: String?
    public var accessible: Bool = false
    public var age: String?
    /// ORUK `minimum_age` and `maximum_age` (numbers).
    public var minimumAge: String?
    public var maximumAge: String?
    /// ORUK `day` (MO … SU), `start_time` and `end_time` (HH:MM).
    public var day: String?
    public var startTime: String?
    public var endTime: String?
    public var capacityNow: Bool = false
    public var includeClosed: Bool = false
    public init() {}

    /// Checks every parameter, naming each bad one. Postcodes are format-checked here; looking them
    /// up is the caller's job (it needs storage), so the point comes back separately.
    public func query(linkWorkerDefaults: Bool) throws(LinkwellError) -> (DirectoryQuery, postcode: String?) {
        var v = Validator()
        var q = DirectoryQuery()
        func int(_ text: String?, _ field: String, _ range: ClosedRange<Int>, _ label: FieldLabel) -> Int? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let n = Int(text), range.contains(n) else {
                v.add(field, .wholeNumberOutOfRange, ["min": String(range.lowerBound), "max": String(range.upperBound)], label: label); return nil
            }
            return n
        }
        func number(_ text: String?, _ field: String, _ label: FieldLabel) -> Double? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let n = Double(text), n.isFinite else { v.add(field, .notANumber, label: label); return nil }
            return n
        }
        q.words = ServiceFacts.words(search ?? "")
        q.page = int(page, "page", 1...1_000_000, .pageParameter) ?? 1
        // The ORUK guidance's default page is 50; link workers' pages show 20.
        q.perPage = int(perPage, "per_page", 1...DirectoryQuery.maxPerPage, .perPageParameter) ?? (linkWorkerDefaults ? 20 : 50)
        if let t = taxonomyTermID?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            q.taxonomyTermIDs = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let o = organizationID?.trimmingCharacters(in: .whitespaces), !o.isEmpty { q.organizationID = o }
        if let m = modifiedAfter?.trimmingCharacters(in: .whitespaces), !m.isEmpty {
            if let d = HSDSJSON.parseDate(m) { q.modifiedAfter = d } else { v.add("modified_after", .modifiedAfterNotDateTime) }
        }
        var postcodeOut: String?
        if let p = postcode, !p.trimmingCharacters(in: .whitespaces).isEmpty {
            do { postcodeOut = try Postcode.normalise(p) } catch { if case .invalid(let e) = error { v.add(all: e) } }
        }
        let la = number(latitude, "lat", .latParameter), lo = number(longitude, "long", .longParameter)
        if (la == nil) != (lo == nil) { v.add("lat", .latAndLongTogether) }
        if let la, let lo {
            do { q.near = try GeoPoint(latitude: la, longitude: lo, field: "point") }
            catch { if case .invalid(let e) = error { v.add(all: e) } }
        }
        if let r = number(radiusKm, "proximity", .proximityParameter) {
            if r <= 0 || r > 1000 { v.add("proximity", .distanceOutOfRange) } else { q.radiusKm = r }
        }
        if q.radiusKm != nil && q.near == nil && postcodeOut == nil { v.add("proximity", .distanceNeedsPlace) }
        let day = openDay?.trimmingCharacters(in: .whitespaces).uppercased() ?? ""
        let time = openTime?.trimmingCharacters(in: .whitespaces) ?? ""
        if !day.isEmpty || !time.isEmpty {
            let index = WeeklyTime.dayCodes.firstIndex(of: String(day.prefix(2))) ?? WeeklyTime.dayNames.map { $0.uppercased() }.firstIndex(of: day)
            if index == nil { v.add("open_day", .openDayUnknown) }
            let minute = time.isEmpty ? nil : WeeklyTime.minutes(time)
            if minute == nil { v.add("open_time", .openTimeNotTime) }
            if let index, let minute { q.openAt = WeeklyTime(weekday: index + 1, minute: minute) }
        }
        q.freeOnly = free
        if let l = language?.trimmingCharacters(in: .whitespaces).lowercased(), !l.isEmpty { q.language = l }
        q.accessibleOnly = accessible
        q.age = int(age, "age", 0...120, .age)
        for (text, field, label) in [(minimumAge, "minimum_age", FieldLabel.minimumAgeParameter), (maximumAge, "maximum_age", .maximumAgeParameter)] {
            guard let n = number(text, field, label) else { continue }
            if !(0...130).contains(n) { v.add(field, .ageParameterOutOfRange, label: label) }
            else if field == "minimum_age" { q.minimumAge = n } else { q.maximumAge = n }
        }
        var schedule = ScheduleFilter()
        if let d = self.day?.trimmingCharacters(in: .whitespaces).uppercased(), !d.isEmpty {
            if let i = WeeklyTime.dayCodes.firstIndex(of: d) ?? WeeklyTime.dayNames.map({ $0.uppercased() }).firstIndex(of: d) { schedule.weekday = i + 1 }
            else { v.add("day", .dayUnknown) }
        }
        for (text, field, label) in [(startTime, "start_time", FieldLabel.startTimeParameter), (endTime, "end_time", .endTimeParameter)] {
            guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { continue }
            guard let m = WeeklyTime.minutes(t) else { v.add(field, .timeParameterNotTime, label: label); continue }
            if field == "start_time" { schedule.startMinute = m } else { schedule.endMinute = m }
        }
        if schedule != ScheduleFilter() { q.schedule = schedule }
        q.capacityNow = capacityNow
        if linkWorkerDefaults && !includeClosed { q.statuses = [.active, .temporarilyClosed] }
        try v.check()
        return (q, postcodeOut)
    }
}
