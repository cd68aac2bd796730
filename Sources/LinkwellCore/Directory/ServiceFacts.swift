import Foundation

/// A time in the week: ISO weekday (1 = Monday … 7 = Sunday) and minutes after midnight.
public struct WeeklyTime: Sendable, Equatable {
    public var weekday: Int
    public var minute: Int
    public init(weekday: Int, minute: Int) { (self.weekday, self.minute) = (weekday, minute) }

    public static let dayCodes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    public static let dayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    public var label: String { "\(Self.dayNames[weekday - 1]) \(String(format: "%02d:%02d", minute / 60, minute % 60))" }

    /// Parses `HH:MM` or `HH:MM:SS` (as in HSDS `opens_at`) into minutes after midnight.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard (2...3).contains(parts.count), let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m),
              h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }
}

/// One weekly opening: on `weekday`, from `opens` to `closes` (minutes after midnight).
public struct WeeklyOpening: Sendable, Equatable, Hashable {
    public var weekday: Int
    public var opens: Int
    public var closes: Int
    public init(weekday: Int, opens: Int, closes: Int) { (self.weekday, self.opens, self.closes) = (weekday, opens, closes) }
    public func contains(_ time: WeeklyTime) -> Bool { time.weekday == weekday && opens <= time.minute && time.minute < closes }
}

/// What search needs to know about a service, derived once from its HSDS record. Every storage
/// backend indexes exactly these facts, so they filter the same way everywhere.
public struct ServiceFacts: Sendable, Equatable {
    /// The words a text search looks in: name, alternate name and description.
    public var searchText: String
    public var name: String
    public var free: Bool
    public var minimumAge: Double?
    public var maximumAge: Double?
    /// Lower-cased ISO 639 codes (and names when no code is given).
    public var languages: [String]
    /// At least one location describes its accessibility.
    public var accessible: Bool
    public var points: [GeoPoint]
    public var openings: [WeeklyOpening]
    public var termIDs: [String]

    public init(_ s: HSDSService) {
        name = s.name
        searchText = [s.name, s.alternateName ?? "", s.description ?? ""].joined(separator: " ")
        let amounts = (s.costOptions ?? []).map { $0.amount ?? 0 }
        free = amounts.allSatisfy { $0 == 0 }
        minimumAge = s.minimumAge
        maximumAge = s.maximumAge
        let langs = (s.languages ?? []) + s.locations.flatMap { $0.languages ?? [] }
        var seen = Set<String>()
        languages = langs.compactMap { ($0.code ?? $0.name)?.lowercased().trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
        accessible = s.locations.contains { !($0.accessibility ?? []).isEmpty }
        points = s.locations.compactMap { l in
            guard let la = l.latitude, let lo = l.longitude else { return nil }
            return try? GeoPoint(latitude: la, longitude: lo)
        }
        var openingSet: [WeeklyOpening] = []
        for schedule in s.allSchedules where (schedule.freq ?? "WEEKLY").uppercased() == "WEEKLY" {
            guard let opens = schedule.opensAt.flatMap(WeeklyTime.minutes), let closes = schedule.closesAt.flatMap(WeeklyTime.minutes),
                  opens < closes else { continue }
            for day in (schedule.byday ?? "").uppercased().split(separator: ",") {
                // "MO" or "1MO" (the nth weekday of a month is still that weekday)
                let code = String(day.trimmingCharacters(in: .whitespaces).suffix(2))
                if let index = WeeklyTime.dayCodes.firstIndex(of: code) {
                    let opening = WeeklyOpening(weekday: index + 1, opens: opens, closes: closes)
                    if !openingSet.contains(opening) { openingSet.append(opening) }
                }
            }
        }
        openings = openingSet
        termIDs = s.taxonomyTermIDs
    }

    /// The words of a search (see `tokens`; at most eight, without repeats), so they are safe to hand
    /// to any index.
    public static func words(_ text: String) -> [String] {
        var seen = Set<String>()
        return tokens(text).filter { seen.insert($0).inserted }.prefix(8).map { $0 }
    }

    /// Text as index words: letters and digits only, lower-cased and without accents ("Café" is
    /// "cafe"), each 2 to 40 characters.
    public static func tokens(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            .split { !($0.isLetter || $0.isNumber) }
            .filter { (2...40).contains($0.count) }
            .map(String.init)
    }

    /// Every index word of these texts: what a search word must be one of to match them.
    public static func wordSet(_ texts: [String?]) -> Set<String> { Set(texts.compactMap { $0 }.flatMap(tokens)) }

    /// The search text's own words, for matching in memory the way the SQL index does.
    public var wordSet: Set<String> { Self.wordSet([searchText]) }
}
