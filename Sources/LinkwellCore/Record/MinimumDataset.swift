import Foundation

/// The social prescribing minimum dataset (PRSB Social Prescribing Information Standard v1.1, digest B3),
/// per person, in its four groups — demographics; needs and concerns; support offered (including
/// referred-to activities); outcomes — each item with its code. For ICB and PCN reporting: people are
/// pseudonymised (no name, NHS number, contact details, postcode or exact dates) and only people whose
/// consent covers evaluation (pseudonymised secondary use) are included. Where counts are published
/// (`aggregate`), the scheme's disclosure control suppresses and rounds them.
public struct MinimumDataset: Codable, Sendable, Equatable {
    /// The four groups, in the standard's order.
    public enum Group: String, Codable, CaseIterable, Sendable {
        case demographics
        case needsAndConcerns = "needs_and_concerns"
        case supportOffered = "support_offered"
        case outcomes
    }

    /// One coded item of one person's record.
    public struct Row: Codable, Sendable, Equatable {
        public var pseudonym: String
        public var group: Group
        /// What the item is: `age_band`, `gp_practice`, `need`, `referral_out`, `score_before`…
        public var item: String
        public var system: String
        public var code: String
        public var display: String
        /// A value where the item has one (a score, an age band's text); empty otherwise.
        public var value: String
        /// The month it refers to (YYYY-MM): exact dates are not exported.
        public var month: String
    }

    /// One published count: people with the coded item.
    public struct Count: Codable, Sendable, Equatable {
        public var group: Group
        public var item: String
        public var system: String
        public var code: String
        public var display: String
        /// nil when suppressed (small numbers).
        public var people: Int?
    }

    public var rows: [Row]
    /// Referrals left out because the person's consent does not cover evaluation.
    public var withoutConsent: Int

    public static let header = ["pseudonym", "group", "item", "system", "code", "display", "value", "month"]
    /// The system of ODS organisation codes (NHS England FHIR identifier system).
    public static let odsSystem = "https://fhir.nhs.uk/Id/ods-organization-code"
    public static let localSystem = "urn:linkwell:codesystem:"

    /// Builds the dataset. `trajectories` are each referral's scores; `codeLists` every list as mapped;
    /// `pseudonym` maps a person to their pseudonym for this recipient.
    public static func build(cases: [Case], trajectories: [ReferralID: [ScoreTrajectory]], codeLists: [CodeListKind: [CodedConcept]],
                             practices: [OrganisationID: Organisation], services: [ServiceID: Service],
                             pseudonym: (PersonID) -> String) -> MinimumDataset {
        let context = MessageBackContext(schemeName: "", authorName: nil, referrer: nil, referrerOrganisation: nil, gpPractice: nil,
                                         codeLists: codeLists, now: Date(timeIntervalSince1970: 0))
        let consenting = cases.filter { $0.referral.consent.covers(.evaluation) }
        var rows: [Row] = []
        for c in consenting.sorted(by: { ($0.referral.receivedAt, $0.referral.id) < ($1.referral.receivedAt, $1.referral.id) }) {
            let who = pseudonym(c.person.id), received = month(c.referral.receivedAt)
            func add(_ group: Group, _ item: String, _ coded: CodedValue, value: String = "", at: String? = nil) {
                rows.append(Row(pseudonym: who, group: group, item: item, system: coded.system, code: coded.code, display: coded.display,
                                value: value, month: at ?? received))
            }
            func local(_ list: String, _ code: String, _ display: String) -> CodedValue {
                CodedValue(system: localSystem + list, code: code, display: display, mapped: false)
            }
            // 1 Demographics.
            let age = c.person.dateOfBirth.years(until: CalendarDate(c.referral.receivedAt))
            let band = ageBand(age)
            add(.demographics, "age_band", local("age_band", band, band), value: band)
            // Sex as NHS Data Dictionary PERSON STATED GENDER CODE where exact; ethnic category as NHS Data
            // Dictionary ETHNIC CATEGORY (England) — local codes only where no national code means the same.
            add(.demographics, "sex", c.person.sex.coded)
            add(.demographics, "ethnic_category", c.person.ethnicity.coded)
            if let d = c.details {
                if d.gender != .notStated { add(.demographics, "gender", local("gender", d.gender.rawValue, d.gender.label)) }
                switch d.carerStatus {
                case .carer: add(.demographics, "carer_status", .snomed(CarerStatus.snomedCarer, "Carer"))
                case .notCarer: add(.demographics, "carer_status", local("carer_status", d.carerStatus.rawValue, d.carerStatus.label))
                case .notStated: break
                }
            }
            if let id = c.person.gpPracticeID, let practice = practices[id], let ods = practice.odsCode {
                add(.demographics, "gp_practice", CodedValue(system: odsSystem, code: ods, display: practice.name, mapped: true))
            }
            add(.demographics, "referral_source", local("referral_source", c.referral.sourceType.rawValue, c.referral.sourceType.label))
            // 2 Needs and concerns: at referral and those that emerged in support.
            for need in c.currentNeeds { add(.needsAndConcerns, "need", context.coded(.needs, need.rawValue)) }
            for risk in c.currentRisks { add(.needsAndConcerns, "risk", context.coded(.risks, risk.risk), at: month(risk.recordedAt)) }
            // 3 Support offered: referrals out (by the service's category), signposting kept apart, and the
            // national code for the referral into social prescribing.
            if let accepted = c.events.first(where: { $0.to == .accepted }) {
                add(.supportOffered, "referral_to_social_prescribing",
                    .snomed(NationalCodes.referralToSocialPrescribing, NationalCodes.referralToSocialPrescribingDisplay), at: month(accepted.at))
            }
            if c.referral.status == .declined {
                add(.supportOffered, "social_prescribing_declined",
                    .snomed(NationalCodes.socialPrescribingDeclined, NationalCodes.socialPrescribingDeclinedDisplay), at: month(c.referral.updatedAt))
            }
            for onward in c.onwardReferrals where onward.status != .enteredInError {
                let category = services[onward.serviceID]?.category ?? Need.other.rawValue
                add(.supportOffered, "referral_out", context.coded(.supportOffered, category), value: onward.status.rawValue, at: month(onward.createdAt))
            }
            for signpost in c.signposts {
                let category = signpost.serviceID.flatMap { services[$0]?.category } ?? Need.other.rawValue
                add(.supportOffered, "signpost", context.coded(.supportOffered, category), at: month(signpost.at))
            }
            // Plan actions coded by the kind of support (the care and support plan's "what"), with their status.
            for action in c.actions.sorted(by: { $0.createdAt < $1.createdAt }) {
                if let support = action.support {
                    add(.supportOffered, "plan_action", context.coded(.supportOffered, support), value: action.effectiveStatus.rawValue,
                        at: month(action.createdAt))
                }
            }
            // 4 Outcomes: each score before and after, and how the case closed.
            for t in trajectories[c.referral.id] ?? [] {
                let scale = context.coded(.assessments, t.instrumentID)
                let item = CodedValue(system: scale.system, code: scale.code + "#" + t.scoreID, display: "\(scale.display): \(t.label)", mapped: scale.mapped)
                if let before = t.points.first(where: { $0.timepoint == .baseline }) {
                    add(.outcomes, "score_before", item, value: number(before.value), at: month(before.at))
                    if let after = t.points.last(where: { $0.timepoint != .baseline && $0.at >= before.at }) {
                        add(.outcomes, "score_after", item, value: number(after.value), at: month(after.at))
                    }
                }
            }
            // Goal outcomes from the care and support plan (Linkwell's local goal statuses, unmapped).
            for goal in c.goals.sorted(by: { $0.createdAt < $1.createdAt }) {
                if let status = goal.status {
                    add(.outcomes, "goal_status", CodedValue(system: GoalStatus.system, code: status.rawValue, display: status.label, mapped: false),
                        at: month(goal.updatedAt ?? goal.createdAt))
                }
            }
            if let reason = c.referral.closingReason {
                add(.outcomes, "closing_reason", context.coded(.closingReasons, reason.rawValue), at: month(c.referral.updatedAt))
            }
        }
        return MinimumDataset(rows: rows, withoutConsent: cases.count - consenting.count)
    }

    /// The rows as CSV with a header (RFC 4180 quoting).
    public var csv: CSVDocument {
        CSVWriter.document(header: Self.header, rows: rows.map {
            [.code($0.pseudonym), .code($0.group.rawValue), .code($0.item), .code($0.system), .code($0.code), .text($0.display),
             .text($0.value), .code($0.month)]
        })
    }

    /// People per coded item, through the scheme's disclosure control: small counts suppressed, others rounded.
    public func aggregate(_ control: DisclosureControl) -> [Count] {
        struct Key: Hashable { var group: Group; var item, system, code, display: String }
        var people: [Key: Set<String>] = [:]
        for row in rows {
            people[Key(group: row.group, item: row.item, system: row.system, code: row.code, display: row.display), default: []].insert(row.pseudonym)
        }
        let order = Dictionary(uniqueKeysWithValues: Group.allCases.enumerated().map { ($1, $0) })
        return people.sorted { (order[$0.key.group]!, $0.key.item, $0.key.code) < (order[$1.key.group]!, $1.key.item, $1.key.code) }.map { key, who in
            Count(group: key.group, item: key.item, system: key.system, code: key.code, display: key.display,
                  people: control.publish(CellCount.records(who.sorted())))
        }
    }

    /// Counts as CSV; suppressed counts are written as `suppressed`.
    public static func csv(_ counts: [Count]) -> CSVDocument {
        CSVWriter.document(header: ["group", "item", "system", "code", "display", "people"], rows: counts.map {
            [.code($0.group.rawValue), .code($0.item), .code($0.system), .code($0.code), .text($0.display),
             $0.people.map { .number($0) } ?? .code("suppressed")]
        })
    }

    static func ageBand(_ age: Int) -> String {
        switch age {
        case ..<25: "under 25"
        case 25..<45: "25-44"
        case 45..<65: "45-64"
        case 65..<75: "65-74"
        default: "75+"
        }
    }

    static func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let c = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", c.year!, c.month!)
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%g", x) }
}
