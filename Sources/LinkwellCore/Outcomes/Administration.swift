import Foundation

/// When in the person's journey a measure was taken.
public enum Timepoint: String, Codable, Sendable, CaseIterable {
    case baseline
    case followUp = "follow_up"
    case closing

    public var label: String {
        switch self {
        case .baseline: "Baseline"
        case .followUp: "Follow-up"
        case .closing: "At closing"
        }
    }
}

/// One completion (or partial completion) of an instrument by a person.
public struct Administration: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var instrumentID: String
    public var timepoint: Timepoint
    /// Item id → answer. Incomplete forms are kept; only their permitted scores are computed.
    public var answers: [String: Int]
    /// Score id → value, as the instrument's rules allow for these answers.
    public var scores: [String: Double]
    public var complete: Bool
    public var administeredAt: Date
    public var recordedBy: UserID
    /// True when the person filled it in themself through a link.
    public var selfCompleted: Bool

    public init(id: String, referralID: ReferralID, instrumentID: String, timepoint: Timepoint, answers: [String: Int],
                scores: [String: Double], complete: Bool, administeredAt: Date, recordedBy: UserID, selfCompleted: Bool) {
        self.id = id
        self.referralID = referralID
        self.instrumentID = instrumentID
        self.timepoint = timepoint
        self.answers = answers
        self.scores = scores
        self.complete = complete
        self.administeredAt = administeredAt
        self.recordedBy = recordedBy
        self.selfCompleted = selfCompleted
    }
}

/// A scheme's set-up of one instrument: a custom definition, licensed wording and the licence acknowledgement.
public struct InstrumentSetup: Codable, Sendable, Equatable {
    public var instrumentID: String
    /// The full definition, for custom instruments (built-ins come from `InstrumentRegistry`).
    public var definition: Instrument?
    /// Item id → licensed wording, for instruments whose wording may not ship.
    public var wording: [String: String]
    public var licenceAcknowledgedBy: UserID?
    public var licenceAcknowledgedAt: Date?
    public var enabled: Bool

    public init(instrumentID: String, definition: Instrument? = nil, wording: [String: String] = [:],
                licenceAcknowledgedBy: UserID? = nil, licenceAcknowledgedAt: Date? = nil, enabled: Bool) {
        self.instrumentID = instrumentID
        self.definition = definition
        self.wording = wording
        self.licenceAcknowledgedBy = licenceAcknowledgedBy
        self.licenceAcknowledgedAt = licenceAcknowledgedAt
        self.enabled = enabled
    }
}

/// An instrument as the scheme has it: wording applied, and whether it may be administered.
public struct AvailableInstrument: Codable, Sendable, Equatable {
    public var instrument: Instrument
    public var enabled: Bool
    /// Why it cannot be administered yet, when it cannot, in Core's English (`unavailable` worded).
    public var unavailableReason: String?
    /// Why it cannot be administered yet, as a code (`instrumentNeedsLicence`, `instrumentItemsUnworded`,
    /// `instrumentSwitchedOff`) naming `unavailableValues`: pages word it through their catalogue.
    public var unavailable: ValidationCode?
    /// The values the unavailable reason names (the instrument's name).
    public var unavailableValues: [String: String] { ["instrument": instrument.name] }

    /// Why it cannot be administered, as a problem with the instrument field.
    public var unavailableProblem: FieldError? { unavailable.map { FieldError("instrumentId", $0, unavailableValues) } }

    /// Why it cannot be administered, as a conflict (the same code and words).
    public var unavailableConflict: Conflict? {
        // The conflict codes carry the same names as the validation codes.
        unavailable.flatMap { ConflictCode(rawValue: $0.rawValue) }.map { Conflict($0, unavailableValues) }
    }

    /// Combines a definition with the scheme's set-up. Licensed instruments need wording for every item
    /// and an acknowledged licence before they can be used.
    public init(_ instrument: Instrument, setup: InstrumentSetup?) {
        var instrument = setup?.definition ?? instrument
        for index in instrument.items.indices {
            if let text = setup?.wording[instrument.items[index].id] { instrument.items[index].text = text }
        }
        self.instrument = instrument
        if instrument.licence.wordingRequiresLicence && setup?.licenceAcknowledgedAt == nil {
            unavailable = .instrumentNeedsLicence
        } else if instrument.items.contains(where: { $0.text == nil }) {
            unavailable = .instrumentItemsUnworded
        } else if setup?.enabled == false {
            unavailable = .instrumentSwitchedOff
        } else {
            unavailable = nil
        }
        enabled = unavailable == nil
        unavailableReason = unavailable.map { FieldError("instrumentId", $0, ["instrument": instrument.name]).message }
    }
}

/// One score followed over time for one person.
public struct ScoreTrajectory: Codable, Sendable, Equatable {
    public struct Point: Codable, Sendable, Equatable {
        public var at: Date
        public var timepoint: Timepoint
        public var value: Double
        public var band: String?
    }
    public var instrumentID: String
    public var scoreID: String
    public var label: String
    public var points: [Point]
    /// Latest value minus baseline, when both exist.
    public var change: Double?
    public var meaningfulChange: Double?
    public var verdict: Instrument.Change?

    /// Builds every score's trajectory from a person's administrations of one instrument.
    public static func trajectories(_ instrument: Instrument, _ administrations: [Administration]) -> [ScoreTrajectory] {
        let mine = administrations.filter { $0.instrumentID == instrument.id }.sorted { $0.administeredAt < $1.administeredAt }
        return instrument.scores.map { rule in
            let points = mine.compactMap { a in
                a.scores[rule.id].map { Point(at: a.administeredAt, timepoint: a.timepoint, value: $0, band: rule.band(for: $0)) }
            }
            let baseline = points.first { $0.timepoint == .baseline }
            let latest = points.last { point in point.timepoint != .baseline && baseline.map { point.at >= $0.at } == true }
            let change = baseline.flatMap { b in latest.map { $0.value - b.value } }
            let verdict = baseline.flatMap { b in latest.flatMap { instrument.verdict(score: rule.id, from: b.value, to: $0.value) } }
            return ScoreTrajectory(instrumentID: instrument.id, scoreID: rule.id, label: rule.label, points: points,
                                   change: change, meaningfulChange: rule.meaningfulChange, verdict: verdict)
        }
    }
}

/// A one-use link that lets the person fill in a measure themself, without an account.
/// Only the SHA-256 of the link's token is stored.
public struct MeasureInvitation: Codable, Sendable, Equatable {
    public var tokenHash: String
    public var referralID: ReferralID
    public var instrumentID: String
    public var timepoint: Timepoint
    public var createdBy: UserID
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(tokenHash: String, referralID: ReferralID, instrumentID: String, timepoint: Timepoint, createdBy: UserID,
                createdAt: Date, expiresAt: Date, usedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.referralID = referralID
        self.instrumentID = instrumentID
        self.timepoint = timepoint
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}
