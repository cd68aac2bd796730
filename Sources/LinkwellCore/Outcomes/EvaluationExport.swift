import Foundation

/// Person-level outcome data for external evaluators: pseudonymised, limited to people whose consent
/// covers evaluation, and never carrying names, NHS numbers, contact details, postcodes or exact dates.
public struct EvaluationExport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        /// Stable within one export only: a new export draws new pseudonyms.
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

    public static let columns: [Column] = [
        .init(name: "pseudonym", description: "A random identifier for the person, stable within this export only."),
        .init(name: "ageBand", description: "Age at referral in bands: under 25, 25-44, 45-64, 65-74, 75+."),
        .init(name: "sourceType", description: "Who referred the person (gp, practice_nurse, social_worker, self, …)."),
        .init(name: "pathway", description: "The scheme's pathway or cohort for the referral (may be empty)."),
        .init(name: "needs", description: "Reasons for referral, separated by '|'."),
        .init(name: "instrument", description: "The outcome instrument's id (ons4, swemwbs, wemwbs, or a scheme's own)."),
        .init(name: "timepoint", description: "baseline, follow_up or closing."),
        .init(name: "daysSinceReferral", description: "Whole days from the referral being received to the measure."),
        .init(name: "complete", description: "Whether every item of the instrument was answered."),
        .init(name: "score", description: "The score's id within the instrument (e.g. life_satisfaction, metric, total)."),
        .init(name: "value", description: "The score, computed by the instrument's published scoring rule."),
    ]

    /// Builds the export from cases and their administrations; people without evaluation consent are left out.
    public static func build(cases: [Case], administrations: [Administration], now: Date,
                             random: inout some RandomNumberGenerator) -> EvaluationExport {
        let consenting = cases.filter { $0.referral.consent.covers(.evaluation) }
        let byReferral = Dictionary(grouping: administrations, by: \.referralID)
        // Pseudonyms: a random order of the people in this export, numbered.
        let people = Array(Set(consenting.map(\.person.id))).sorted().shuffled(using: &random)
        let pseudonyms = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($1, String(format: "P%05d", $0 + 1)) })
        var rows: [Row] = []
        for c in consenting.sorted(by: { pseudonyms[$0.person.id]! < pseudonyms[$1.person.id]! }) {
            let age = c.person.dateOfBirth.years(until: CalendarDate(c.referral.receivedAt))
            let band = age < 25 ? "under 25" : age < 45 ? "25-44" : age < 65 ? "45-64" : age < 75 ? "65-74" : "75+"
            for a in byReferral[c.referral.id] ?? [] {
                for (score, value) in a.scores.sorted(by: { $0.key < $1.key }) {
                    rows.append(Row(pseudonym: pseudonyms[c.person.id]!, ageBand: band, sourceType: c.referral.sourceType.rawValue,
                                    pathway: c.referral.pathway, needs: c.referral.needs.map(\.rawValue).joined(separator: "|"),
                                    instrument: a.instrumentID, timepoint: a.timepoint.rawValue,
                                    daysSinceReferral: Int(a.administeredAt.timeIntervalSince(c.referral.receivedAt) / 86_400),
                                    complete: a.complete, score: score, value: value))
                }
            }
        }
        return EvaluationExport(rows: rows, dictionary: columns)
    }

    /// RFC 4180 CSV with a header row.
    public var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let header = Self.columns.map(\.name).joined(separator: ",")
        let lines = rows.map { r in
            [r.pseudonym, r.ageBand, r.sourceType, r.pathway, r.needs, r.instrument, r.timepoint, String(r.daysSinceReferral),
             String(r.complete), r.score, String(r.value)].map(field).joined(separator: ",")
        }
        return ([header] + lines).joined(separator: "\r\n") + "\r\n"
    }

    public var dictionaryCSV: String {
        "column,description\r\n" + dictionary.map { "\($0.name),\"\($0.description.replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(separator: "\r\n") + "\r\n"
    }
}

extension OutcomeService {
    /// The evaluation export (supervisors only); audited as one event.
    public func evaluationExport(_ request: CaseworkService.Request) async throws -> EvaluationExport {
        guard request.principal.role == .supervisor else { throw LinkwellError.forbidden("Only a supervisor can export data for evaluation.") }
        var administrations: [Administration] = []
        for available in try await instruments() {
            administrations += try await self.administrations(of: available.instrument)
        }
        var cases: [Case] = []
        for id in Set(administrations.map(\.referralID)).sorted() {
            if let c = try await store.loadCase(id) { cases.append(c) }
        }
        var random = SystemRandomNumberGenerator()
        let export = EvaluationExport.build(cases: cases, administrations: administrations, now: env.now(), random: &random)
        try await casework.audit(request, action: "export", type: "evaluation", id: "outcomes", allowed: true)
        // Each person included is told, in their own access log, that an export carried their (pseudonymised) data.
        for c in cases where c.referral.consent.covers(.evaluation) {
            try await casework.audit(request, action: "export", type: "evaluation_export", id: "outcomes", subject: c.referral.id, allowed: true)
        }
        return export
    }
}
