import Foundation

/// An outcome measure, held as data: its items, response scale, scoring rules, bands,
/// meaningful-change thresholds and licence terms. Built-in and custom instruments are the same type.
public struct Instrument: Codable, Sendable, Equatable, Identifiable {
    public struct Item: Codable, Sendable, Equatable {
        public var id: String
        /// The wording. Nil for licensed instruments until the scheme imports its licensed wording.
        public var text: String?
        public var min: Int
        public var max: Int
        public init(id: String, text: String?, min: Int, max: Int) {
            self.id = id
            self.text = text
            self.min = min
            self.max = max
        }
    }

    public struct Band: Codable, Sendable, Equatable {
        public var label: String
        public var min: Double
        public var max: Double
        public init(_ label: String, _ min: Double, _ max: Double) {
            self.label = label
            self.min = min
            self.max = max
        }
    }

    /// How one reported score is made from the answers.
    public struct Score: Codable, Sendable, Equatable {
        public enum Method: String, Codable, Sendable, CaseIterable {
            /// One item's answer, reported on its own (ONS4).
            case item
            /// The sum of the items, optionally converted through `conversion` (SWEMWBS metric).
            case sum
            /// The mean of the items.
            case mean
        }
        public var id: String
        public var label: String
        public var method: Method
        public var items: [String]
        /// Score only forms with every item answered (SWEMWBS and WEMWBS rules).
        public var requireComplete: Bool
        /// Raw total → reported score (keys are raw totals).
        public var conversion: [String: Double]?
        public var higherIsBetter: Bool
        /// The smallest change that counts as meaningful for one person.
        public var meaningfulChange: Double?
        public var bands: [Band]
        /// A published population average to compare cohorts with, and where it comes from.
        public var populationMean: Double?
        public var populationSource: String?

        public init(id: String, label: String, method: Method, items: [String], requireComplete: Bool,
                    conversion: [String: Double]? = nil, higherIsBetter: Bool = true, meaningfulChange: Double?,
                    bands: [Band] = [], populationMean: Double? = nil, populationSource: String? = nil) {
            self.populationMean = populationMean
            self.populationSource = populationSource
            self.id = id
            self.label = label
            self.method = method
            self.items = items
            self.requireComplete = requireComplete
            self.conversion = conversion
            self.higherIsBetter = higherIsBetter
            self.meaningfulChange = meaningfulChange
            self.bands = bands
        }

        public func band(for value: Double) -> String? {
            bands.first { value >= $0.min && value <= $0.max }?.label
        }
    }

    public struct Licence: Codable, Sendable, Equatable {
        /// What the licence allows, in a sentence.
        public var terms: String
        public var copyright: String
        /// True when the item wording may not ship with Linkwell and must be imported by a licence holder.
        public var wordingRequiresLicence: Bool
        public init(terms: String, copyright: String, wordingRequiresLicence: Bool) {
            self.terms = terms
            self.copyright = copyright
            self.wordingRequiresLicence = wordingRequiresLicence
        }
    }

    public var id: String
    public var name: String
    /// The question stem shown before the items, when there is one.
    public var instructions: String
    public var items: [Item]
    /// Labels for response values, e.g. "1": "None of the time".
    public var responseLabels: [String: String]
    public var scores: [Score]
    public var licence: Licence
    public var builtIn: Bool
    /// Set for measures that are not questionnaires but come from other records: "plan_goals".
    public var derivedFrom: String?

    public init(id: String, name: String, instructions: String, items: [Item], responseLabels: [String: String] = [:],
                scores: [Score], licence: Licence, builtIn: Bool = false, derivedFrom: String? = nil) {
        self.derivedFrom = derivedFrom
        self.id = id
        self.name = name
        self.instructions = instructions
        self.items = items
        self.responseLabels = responseLabels
        self.scores = scores
        self.licence = licence
        self.builtIn = builtIn
    }

    // MARK: Scoring

    /// Checks answers against the items; every problem is named by item.
    public func validate(answers: [String: Int]) throws(LinkwellError) {
        var v = Validator()
        guard v.atMost(answers.count, min(items.count, Limits.answersPerAdministration), "answers", .answers) else { throw .invalid(v.errors) }
        for (itemID, value) in answers.sorted(by: { $0.key < $1.key }) {
            guard let item = items.first(where: { $0.id == itemID }) else {
                v.add("answers.\(itemID)", .instrumentHasNoItem, ["instrument": name, "item": itemID]); continue
            }
            if !(item.min...item.max).contains(value) {
                v.add("answers.\(itemID)", .answerOutOfRange, ["item": itemID, "min": String(item.min), "max": String(item.max), "value": String(value)])
            }
        }
        if answers.isEmpty { v.add("answers", .answerRequired) }
        try v.check()
    }

    /// True when every item has an answer.
    public func isComplete(_ answers: [String: Int]) -> Bool { items.allSatisfy { answers[$0.id] != nil } }

    /// The scores these answers allow: a score is left out when its rule needs answers that are missing.
    public func score(_ answers: [String: Int]) -> [String: Double] {
        var result: [String: Double] = [:]
        for rule in scores {
            let values = rule.items.compactMap { answers[$0] }
            guard !values.isEmpty else { continue }
            if rule.requireComplete && values.count < rule.items.count { continue }
            switch rule.method {
            case .item:
                result[rule.id] = Double(values[0])
            case .mean:
                result[rule.id] = Double(values.reduce(0, +)) / Double(values.count)
            case .sum:
                guard values.count == rule.items.count else { continue }
                let raw = values.reduce(0, +)
                if let conversion = rule.conversion {
                    guard let converted = conversion[String(raw)] else { continue }
                    result[rule.id] = converted
                } else {
                    result[rule.id] = Double(raw)
                }
            }
        }
        return result
    }

    /// Checks a definition (used when a scheme imports a custom instrument).
    public func validateDefinition() throws(LinkwellError) {
        var v = Validator()
        if id.isEmpty || !id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
            v.add("id", .instrumentIDShape)
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { v.add("name", .instrumentNameRequired) }
        if items.isEmpty { v.add("items", .instrumentItemsRequired) }
        guard v.atMost(items.count, Limits.itemsPerInstrument, "items", .items) else { throw .invalid(v.errors) }
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            if item.id.isEmpty || !seen.insert(item.id).inserted { v.add("items[\(index)].id", .instrumentItemIDsUnique) }
            if item.min >= item.max { v.add("items[\(index)]", .instrumentItemRange, ["item": item.id]) }
        }
        if scores.isEmpty { v.add("scores", .instrumentScoresRequired) }
        var scoreIDs = Set<String>()
        for (index, rule) in scores.enumerated() {
            if rule.id.isEmpty || !scoreIDs.insert(rule.id).inserted { v.add("scores[\(index)].id", .instrumentScoreIDsUnique) }
            if rule.items.isEmpty { v.add("scores[\(index)].items", .instrumentScoreNoItems, ["score": rule.id]) }
            for itemID in rule.items where !seen.contains(itemID) {
                v.add("scores[\(index)].items", .instrumentScoreUnknownItem, ["score": rule.id, "item": itemID])
            }
            if rule.method == .item && rule.items.count != 1 { v.add("scores[\(index)].items", .instrumentItemScoreOneItem) }
            if let change = rule.meaningfulChange, change <= 0 { v.add("scores[\(index)].meaningfulChange", .instrumentMeaningfulChangePositive) }
            if let conversion = rule.conversion, rule.method == .sum {
                let used = rule.items.compactMap { id in items.first { $0.id == id } }
                let low = used.map(\.min).reduce(0, +), high = used.map(\.max).reduce(0, +)
                if let missing = (low...high).first(where: { conversion[String($0)] == nil }) {
                    v.add("scores[\(index)].conversion", .instrumentConversionGap, ["total": "\(missing)"])
                }
            }
        }
        try v.check()
    }

    /// The lowest and highest value a score can take (goal ratings: 1–10), for outcome statistics' adjustments.
    public func range(of scoreID: String) -> ClosedRange<Double>? {
        guard let rule = scores.first(where: { $0.id == scoreID }) else { return nil }
        if derivedFrom == "plan_goals" { return 1...10 }
        let used = rule.items.compactMap { id in items.first { $0.id == id } }
        guard !used.isEmpty else { return nil }
        switch rule.method {
        case .item: return Double(used[0].min)...Double(used[0].max)
        case .mean: return Double(used.map(\.min).min()!)...Double(used.map(\.max).max()!)
        case .sum:
            let low = used.map(\.min).reduce(0, +), high = used.map(\.max).reduce(0, +)
            if let conversion = rule.conversion {
                let values = (low...high).compactMap { conversion[String($0)] }
                guard let lo = values.min(), let hi = values.max() else { return nil }
                return lo...hi
            }
            return Double(low)...Double(high)
        }
    }

    /// A stored administration's value of a score; scores added to an instrument after the form was recorded
    /// (such as the SWEMWBS raw total) are worked out from its answers.
    public func value(of scoreID: String, in administration: Administration) -> Double? {
        administration.scores[scoreID] ?? (administration.answers.isEmpty ? nil : score(administration.answers)[scoreID])
    }

    /// The direction-aware verdict on one person's change in one score.
    public enum Change: String, Codable, Sendable {
        case improved
        case noMeaningfulChange = "no_meaningful_change"
        case worsened
    }

    public func verdict(score id: String, from baseline: Double, to followUp: Double) -> Change? {
        guard let rule = scores.first(where: { $0.id == id }), let threshold = rule.meaningfulChange else { return nil }
        let gain = (followUp - baseline) * (rule.higherIsBetter ? 1 : -1)
        if gain >= threshold { return .improved }
        if gain <= -threshold { return .worsened }
        return .noMeaningfulChange
    }
}
