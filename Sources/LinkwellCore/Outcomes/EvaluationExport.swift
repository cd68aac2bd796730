import Foundation

/// Person-level outcome data for external evaluators: pseudonymised, limited to people whose consent
/// covers evaluation, and never carrying names, NHS numbers, contact details, postcodes or exact dates.
public struct EvaluationExport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        /// Stable for this scheme and this recipient (a keyed hash), until the key is rotated.
        public var pseudonym: String
        public var ageBand: String
        public var sourceType: String
        public var pathway: String
        public var needs: String
        public var instrument: String
        public var timepoint: String
        public var daysSinceReferral: Int
        public var complete: Bool
        public var score: String
        public var value: Double
    }

    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
    }

    public var rows: [Row]
    public var dictionary: [Column]
    /// Who the export is for: pseudonyms differ between recipients, so two recipients cannot join their copies.
    public var recipient: String
    /// Whether ages and needs were coarsened (`coarseAgeBand`, `needGroup`).
    public var coarsened: Bool
    public var kAnonymity: KAnonymity

    /// How identifiable people are on the columns an outsider might know (age band, source, pathway,
    /// needs): the size of the smallest group of people who share them all, and how many people are in
    /// groups smaller than 5 (1 = unique).
    public struct KAnonymity: Codable, Sendable, Equatable {
        public var quasiIdentifiers: [String]
        public var people: Int
        public var smallestGroup: Int
        public var unique: Int
        public var inGroupsSmallerThan5: Int
    }

    public static let columns: [Column] = [
        .init(name: "pseudonym", description: "An identifier for the person: the same in every export to the same recipient, different for other recipients (a keyed hash; the scheme can rotate the key)."),
        .init(name: "ageBand", description: "Age at referral in bands: under 25, 25-44, 45-64, 65-74, 75+ (coarsened: under 45, 45-64, 65+)."),
        .init(name: "sourceType", description: "Who referred the person (gp, practice_nurse, social_worker, self, …)."),
        .init(name: "pathway", description: "The scheme's pathway or cohort for the referral (may be empty)."),
        .init(name: "needs", description: "Reasons for referral, separated by '|' (coarsened: Linkwell's need groups — social connection, mental wellbeing, money and housing, physical health, other)."),
        .init(name: "instrument", description: "The outcome instrument's id (ons4, swemwbs, wemwbs, or a scheme's own)."),
        .init(name: "timepoint", description: "baseline, follow_up or closing."),
        .init(name: "daysSinceReferral", description: "Whole days from the referral being received to the measure."),
        .init(name: "complete", description: "Whether every item of the instrument was answered."),
        .init(name: "score", description: "The score's id within the instrument (e.g. life_satisfaction, metric, total)."),
        .init(name: "value", description: "The score, computed by the instrument's published scoring rule."),
    ]

    /// Linkwell's own coarse grouping of needs for exports (not a standard code set).
    public static func needGroup(_ need: Need) -> String {
        switch need {
        case .loneliness, .bereavement, .carerSupport: "social connection"
        case .lowMood, .anxiety: "mental wellbeing"
        case .debt, .benefits, .housing, .employment: "money and housing"
        case .physicalActivity, .longTermCondition: "physical health"
        case .other: "other"
        }
    }

    /// Builds the export from cases and their administrations; people without evaluation consent are left out.
    /// `pseudonym` maps a person to their pseudonym for this recipient (`OutcomeService.evaluationExport`).
    public static func build(cases: [Case], administrations: [Administration], recipient: String, coarsen: Bool,
                             pseudonym: (PersonID) -> String) -> EvaluationExport {
        let consenting = cases.filter { $0.referral.consent.covers(.evaluation) }
        let byReferral = Dictionary(grouping: administrations, by: \.referralID)
        let pseudonyms = Dictionary(consenting.map { ($0.person.id, pseudonym($0.person.id)) }, uniquingKeysWith: { a, _ in a })
        var rows: [Row] = []
        var identifying: [PersonID: String] = [:]
        for c in consenting.sorted(by: { (pseudonyms[$0.person.id]!, $0.referral.id) < (pseudonyms[$1.person.id]!, $1.referral.id) }) {
            let age = c.person.dateOfBirth.years(until: CalendarDate(c.referral.receivedAt))
            let band = coarsen ? (age < 45 ? "under 45" : age < 65 ? "45-64" : "65+")
                : (age < 25 ? "under 25" : age < 45 ? "25-44" : age < 65 ? "45-64" : age < 75 ? "65-74" : "75+")
            let needs = coarsen ? Array(Set(c.referral.needs.map(needGroup))).sorted().joined(separator: "|")
                : c.referral.needs.map(\.rawValue).joined(separator: "|")
            guard let mine = byReferral[c.referral.id], !mine.isEmpty else { continue }
            identifying[c.person.id] = [band, c.referral.sourceType.rawValue, c.referral.pathway, needs].joined(separator: "\u{1f}")
            for a in mine {
                for (score, value) in a.scores.sorted(by: { $0.key < $1.key }) {
                    rows.append(Row(pseudonym: pseudonyms[c.person.id]!, ageBand: band, sourceType: c.referral.sourceType.rawValue,
                                    pathway: c.referral.pathway, needs: needs,
                                    instrument: a.instrumentID, timepoint: a.timepoint.rawValue,
                                    daysSinceReferral: Int(a.administeredAt.timeIntervalSince(c.referral.receivedAt) / 86_400),
                                    complete: a.complete, score: score, value: value))
                }
            }
        }
        let groups = Dictionary(grouping: identifying.values, by: { $0 }).mapValues(\.count)
        let sizes = identifying.values.map { groups[$0]! }
        let k = KAnonymity(quasiIdentifiers: ["ageBand", "sourceType", "pathway", "needs"], people: identifying.count,
                           smallestGroup: sizes.min() ?? 0, unique: sizes.filter { $0 == 1 }.count,
                           inGroupsSmallerThan5: sizes.filter { $0 < 5 }.count)
        return EvaluationExport(rows: rows, dictionary: columns, recipient: recipient, coarsened: coarsen, kAnonymity: k)
    }

    /// The rows as CSV with a header row (`CSVWriter`: free text quoted and neutralised).
    public var csv: CSVDocument {
        CSVWriter.document(header: Self.columns.map(\.name), rows: rows.map { r in
            [.code(r.pseudonym), .code(r.ageBand), .code(r.sourceType), .text(r.pathway), .code(r.needs), .text(r.instrument),
             .code(r.timepoint), .number(r.daysSinceReferral), .code(String(r.complete)), .text(r.score), .number(r.value)]
        })
    }

    /// The data dictionary as CSV.
    public var dictionaryCSV: CSVDocument {
        CSVWriter.document(header: ["column", "description"], rows: dictionary.map { [.code($0.name), .text($0.description)] })
    }
}

extension OutcomeService {
    /// The secret's name behind evaluation pseudonyms (`SecretStore`).
    public static let pseudonymSecret = "evaluation-pseudonyms"

    /// The evaluation export for one recipient (supervisors only); audited as one event. Pseudonyms are a
    /// keyed hash of the scheme's pseudonym key, the recipient and the person, so they are stable across
    /// exports to that recipient and differ between recipients. `coarsen` widens age bands and groups needs.
    public func evaluationExport(recipient: String? = nil, coarsen: Bool = false, _ request: CaseworkService.Request) async throws -> EvaluationExport {
        guard request.principal.role == .supervisor else { throw LinkwellError.forbidden("Only a supervisor can export data for evaluation.") }
        var v = Validator()
        let recipient = v.required(recipient ?? "evaluator", "recipient", label: .recipient, max: 200).lowercased()
        try v.check()
        var administrations: [Administration] = []
        for available in try await instruments() {
            administrations += try await self.administrations(of: available.instrument)
        }
        // In one query per table per slice of cases (`loadCases`), not one case at a time.
        let cases = try await store.loadCases(Set(administrations.map(\.referralID)).sorted())
        try await casework.audit(request, action: "export", type: "evaluation", id: "outcomes for \(recipient)", allowed: true)
        // Each person included is told, in their own access log, that an export carried their (pseudonymised) data.
        for c in cases where c.referral.consent.covers(.evaluation) {
            try await casework.audit(request, action: "export", type: "evaluation_export", id: "outcomes", subject: c.referral.id, allowed: true)
        }
        let key = DisclosureControl(minimumGroupSize: 10, secret: try await store.secret(named: Self.pseudonymSecret))
        return EvaluationExport.build(cases: cases, administrations: administrations, recipient: recipient, coarsen: coarsen) { person in
            "P" + String(key.keyed("\(recipient)|\(person.rawValue)"), radix: 16).uppercased()
        }
    }

    /// Replaces the pseudonym key (administrators): every later export uses new pseudonyms for everyone.
    public func rotatePseudonymKey(_ request: CaseworkService.Request) async throws {
        guard request.principal.role == .admin else { throw LinkwellError.forbidden("Only an administrator can rotate the pseudonym key.") }
        try await store.rotateSecret(named: Self.pseudonymSecret)
        try await casework.audit(request, action: "rotate", type: "evaluation_pseudonym_key", id: "scheme", allowed: true)
    }
}
