import Foundation

// Two sections of the PRSB Social Prescribing Information Standard v1.1 that the message back is built
// from: "Risks" (mandatory: at least one entry, and "no known risks" is a valid one) and "Plan and
// requested actions" (shown first in any communication to the referrer or GP; "no actions requested"
// said outright when there are none). See docs/nhs-record.md.

/// One entry of the risks section: a coded risk (from `CodeListKind.risks`) with its detail and dates.
/// Entries are ended, never deleted, so the record keeps what was known when.
public struct RiskEntry: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    /// The value from the risks code list (`no_known_risks` records that there are none).
    public var risk: String
    /// The risk in the link worker's words (required for `other`).
    public var detail: String
    public var startDate: CalendarDate?
    public var endDate: CalendarDate?
    public var recordedBy: UserID
    public var recordedAt: Date
    /// When the entry stopped holding (a risk that passed, or "no known risks" once a risk is known).
    public var endedAt: Date?

    public init(id: String, referralID: ReferralID, risk: String, detail: String, startDate: CalendarDate?, endDate: CalendarDate?,
                recordedBy: UserID, recordedAt: Date, endedAt: Date? = nil) {
        (self.id, self.referralID, self.risk, self.detail, self.startDate, self.endDate) = (id, referralID, risk, detail, startDate, endDate)
        (self.recordedBy, self.recordedAt, self.endedAt) = (recordedBy, recordedAt, endedAt)
    }

    /// The code list value that records that there are no known risks.
    public static let noKnownRisks = "no_known_risks"
    public var isCurrent: Bool { endedAt == nil }
    public var isNoKnownRisks: Bool { risk == Self.noKnownRisks }
}

/// Who a requested action is for (the standard's "actions for professionals" and "actions for the
/// person or carer").
public enum ActionAudience: String, Codable, CaseIterable, Sendable {
    case professional
    case personOrCarer = "person_or_carer"

    public var label: String {
        switch self {
        case .professional: "For the referrer or GP"
        case .personOrCarer: "For the person or their carer"
        }
    }
}

/// An action the link worker asks of the referrer or GP, or agreed for the person or their carer: what
/// the message back puts first.
public struct RequestedAction: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var referralID: ReferralID
    public var audience: ActionAudience
    public var description: String
    /// Whether the person (or their representative) agreed it.
    public var agreedWithPerson: Bool
    public var recordedBy: UserID
    public var recordedAt: Date
    /// Withdrawn actions stay on the record but leave the message back.
    public var withdrawnAt: Date?

    public init(id: String, referralID: ReferralID, audience: ActionAudience, description: String, agreedWithPerson: Bool,
                recordedBy: UserID, recordedAt: Date, withdrawnAt: Date? = nil) {
        (self.id, self.referralID, self.audience, self.description) = (id, referralID, audience, description)
        (self.agreedWithPerson, self.recordedBy, self.recordedAt, self.withdrawnAt) = (agreedWithPerson, recordedBy, recordedAt, withdrawnAt)
    }

    public var isCurrent: Bool { withdrawnAt == nil }
}

/// A risk as entered: raw values, checked by `Case.recordRisk`.
public struct RiskInput: Codable, Sendable {
    /// A value of the risks code list, or `system|code` (resolved by `CaseworkService.recordRisk`).
    public var risk: String?
    public var detail: String?
    public var start: String?
    public var end: String?
    public init(risk: String?, detail: String? = nil, start: String? = nil, end: String? = nil) {
        (self.risk, self.detail, self.start, self.end) = (risk, detail, start, end)
    }
}

/// A requested action as entered.
public struct RequestedActionInput: Codable, Sendable {
    public var audience: String?
    public var description: String?
    public var agreedWithPerson: Bool?
    public init(audience: String?, description: String?, agreedWithPerson: Bool? = nil) {
        (self.audience, self.description, self.agreedWithPerson) = (audience, description, agreedWithPerson)
    }
}

extension Case {
    /// The risk entries that hold now.
    public var currentRisks: [RiskEntry] { risks.filter(\.isCurrent) }

    /// Records a risk, or that there are no known risks. Recording a real risk ends a current "no known
    /// risks" entry (the two cannot both hold); "no known risks" is refused while a risk is current.
    public func recordRisk(_ input: RiskInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let key = v.required(input.risk, "risk", label: .theRisk, max: 100)
        if !key.isEmpty && RiskCodes.display(key) == nil {
            v.add("risk", .riskUnknown, ["value": key, "allowed": RiskCodes.localValues.map(\.key).joined(separator: ", ")])
        }
        let detail = key == "other" ? v.required(input.detail, "detail", label: .aDescriptionOfTheRisk, max: 2000)
                                    : v.optional(input.detail, "detail", label: .aDescriptionOfTheRisk, max: 2000)
        let start = Self.date(input.start, "start", &v), end = Self.date(input.end, "end", &v)
        if let start, let end, end < start { v.add("end", .endBeforeStart) }
        try v.check()
        guard referral.status != .declined && referral.status != .redirected else {
            throw .conflict(.risksNotTakenOn, ["status": referral.status.rawValue])
        }
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor records risks.") }
        var update = CaseUpdate(self, by: actor, env: env)
        if key == RiskEntry.noKnownRisks {
            if currentRisks.contains(where: { !$0.isNoKnownRisks }) {
                throw .invalid([FieldError("risk", .riskStillCurrent)])
            }
            if currentRisks.contains(where: \.isNoKnownRisks) { throw .conflict(.noKnownRisksRecorded) }
        } else {
            for var none in currentRisks where none.isNoKnownRisks {
                none.endedAt = update.now
                update.change.risks.append(none)
            }
        }
        update.change.risks.append(RiskEntry(id: env.newID(), referralID: referral.id, risk: key, detail: detail, startDate: start, endDate: end,
                                             recordedBy: actor.userID, recordedAt: update.now))
        return update.change
    }

    /// Ends a risk entry that no longer holds. It stays on the record.
    public func endRisk(_ id: String, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var entry = risks.first(where: { $0.id == id }) else { throw .notFound("risk") }
        guard entry.isCurrent else { throw .conflict(.riskEntryEnded) }
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor records risks.") }
        var update = CaseUpdate(self, by: actor, env: env)
        entry.endedAt = update.now
        update.change.risks.append(entry)
        return update.change
    }

    /// Records an action requested of the referrer or GP, or agreed for the person or carer.
    public func requestAction(_ input: RequestedActionInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        var v = Validator()
        let audience = v.choice(input.audience, "audience", label: .whoTheActionIsFor, as: ActionAudience.self)
        let text = v.required(input.description, "description", label: .theAction, max: 2000)
        try v.check()
        guard referral.status != .declined && referral.status != .redirected else {
            throw .conflict(.actionsNotTakenOn, ["status": referral.status.rawValue])
        }
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor records requested actions.") }
        var update = CaseUpdate(self, by: actor, env: env)
        update.change.requestedActions.append(RequestedAction(id: env.newID(), referralID: referral.id, audience: audience!, description: text,
                                                              agreedWithPerson: input.agreedWithPerson ?? false, recordedBy: actor.userID,
                                                              recordedAt: update.now))
        return update.change
    }

    /// Withdraws a requested action: it stays on the record and leaves the message back.
    public func withdrawRequestedAction(_ id: String, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var action = requestedActions.first(where: { $0.id == id }) else { throw .notFound("requested action") }
        guard action.isCurrent else { throw .conflict(.actionWithdrawn) }
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor changes requested actions.") }
        var update = CaseUpdate(self, by: actor, env: env)
        action.withdrawnAt = update.now
        update.change.requestedActions.append(action)
        return update.change
    }

    static func date(_ raw: String?, _ field: String, _ v: inout Validator) -> CalendarDate? {
        let text = (raw ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        guard let date = CalendarDate(text) else { v.add(field, .dateNotISO); return nil }
        return date
    }
}
