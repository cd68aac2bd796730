import Foundation

// The care and support plan of the PRSB Social Prescribing Information Standard v1.1 (section 19, which
// mirrors the PRSB Personalised Care and Support Plan): strengths → needs → goals and hopes (with their
// importance, 1–10) → actions and activities (what, who, when, status, confidence 1–10, review date) →
// outcomes (the goal's outcome and status). Every item is optional in the standard ("R"); Linkwell keeps
// them on the plan (`Plan.strengths`), its goals (`Goal`) and its agreed actions (`PlanAction`), and
// carries them into the record page, the API, the message back and its FHIR Composition.
//
// The standard codes action status from the "Care planning action context values" refset
// (999000081000000105) and goal status from the "Care planning goal context values" refset
// (999000091000000107). Their members are not available to us, so the statuses below are Linkwell's own
// local values (system `urn:linkwell:codesystem:plan_action_status` / `…:goal_status`), not SNOMED CT codes.

/// Where an agreed action stands (local values; the standard's refset 999000081000000105 is not cited member by member).
public enum PlanActionStatus: String, Codable, CaseIterable, Sendable {
    case notStarted = "not_started"
    case inProgress = "in_progress"
    case done
    /// The person chose not to do it (the standard's "refused").
    case declined
    case noLongerNeeded = "no_longer_needed"

    public var label: String {
        switch self {
        case .notStarted: "Not started"
        case .inProgress: "In progress"
        case .done: "Done"
        case .declined: "Declined by the person"
        case .noLongerNeeded: "No longer needed"
        }
    }

    public static let system = "urn:linkwell:codesystem:plan_action_status"
}

/// Where a goal stands: its outcome (local values; the standard's refset 999000091000000107 is not cited member by member).
public enum GoalStatus: String, Codable, CaseIterable, Sendable {
    case inProgress = "in_progress"
    case achieved
    case partlyAchieved = "partly_achieved"
    case notAchieved = "not_achieved"
    case noLongerRelevant = "no_longer_relevant"

    public var label: String {
        switch self {
        case .inProgress: "In progress"
        case .achieved: "Achieved"
        case .partlyAchieved: "Partly achieved"
        case .notAchieved: "Not achieved"
        case .noLongerRelevant: "No longer relevant"
        }
    }

    public static let system = "urn:linkwell:codesystem:goal_status"
}

extension PlanAction {
    /// The action's status: as recorded, else done or not started from when it was marked done.
    public var effectiveStatus: PlanActionStatus { status ?? (doneAt == nil ? .notStarted : .done) }
}

/// A whole number given as a JSON number or as text (a form's field): `raw` keeps what was typed so that
/// "high" is refused by name rather than read as "not given".
public struct NumberInput: Codable, Sendable, Equatable {
    public var raw: String
    public init(_ raw: String) { self.raw = raw }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let number = try? c.decode(Int.self) { raw = String(number) }
        else if let number = try? c.decode(Double.self) { raw = String(number) }
        else { raw = try c.decode(String.self) }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let number = Int(raw) { try c.encode(number) } else { try c.encode(raw) }
    }

    /// nil when empty; records an error naming `field` unless it is a whole number in `range`.
    static func value(_ input: NumberInput?, _ field: String, label: FieldLabel, in range: ClosedRange<Int>, _ v: inout Validator) -> Int? {
        let text = (input?.raw ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        guard let number = Int(text), range.contains(number) else {
            v.add(field, .wholeNumberOutOfRange, ["min": String(range.lowerBound), "max": String(range.upperBound)], label: label)
            return nil
        }
        return number
    }
}

/// The care and support plan details of one goal (`PUT /api/v1/referrals/{id}/goals/{goal}`): each item
/// optional; an item left out is cleared.
public struct GoalPlanInput: Codable, Sendable {
    /// The need or concern the goal answers: a needs code list value (or `system|code`, resolved by the service).
    public var need: String?
    /// How much the goal matters to the person, 1–10.
    public var importance: NumberInput?
    /// A `GoalStatus` value.
    public var status: String?
    /// The outcome in words.
    public var outcome: String?
    public init(need: String? = nil, importance: NumberInput? = nil, status: String? = nil, outcome: String? = nil) {
        (self.need, self.importance, self.status, self.outcome) = (need, importance, status, outcome)
    }
}

/// The care and support plan details of one agreed action (`PUT /api/v1/referrals/{id}/plan-actions/{action}`):
/// each item optional; an item left out is cleared (a status left out keeps the action done or not as it was).
public struct PlanActionPlanInput: Codable, Sendable {
    /// The goal it works towards (one of the case's goals).
    public var goalId: String?
    /// What kind of support it is: a support offered code list value (`SupportOffered`).
    public var support: String?
    /// A `PlanActionStatus` value.
    public var status: String?
    /// How confident the person is of doing it, 1–10.
    public var confidence: NumberInput?
    /// YYYY-MM-DD.
    public var reviewDate: String?
    public init(goalId: String? = nil, status: String? = nil, confidence: NumberInput? = nil, reviewDate: String? = nil, support: String? = nil) {
        (self.goalId, self.status, self.confidence, self.reviewDate, self.support) = (goalId, status, confidence, reviewDate, support)
    }
}

extension Case {
    /// Records a goal's place in the care and support plan: the need it answers, its importance, status and outcome.
    public func updateGoalPlan(_ goalID: GoalID, _ input: GoalPlanInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var goal = goals.first(where: { $0.id == goalID }) else { throw .notFound("goal") }
        var v = Validator()
        let need = (input.need ?? "").trimmingCharacters(in: .whitespaces)
        if !need.isEmpty && Need(rawValue: need) == nil {
            v.add("need", .planNeedUnknown, ["value": need, "allowed": Need.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        let importance = NumberInput.value(input.importance, "importance", label: .theGoalsImportance, in: 1...10, &v)
        let statusText = (input.status ?? "").trimmingCharacters(in: .whitespaces)
        let status = statusText.isEmpty ? nil : v.choice(statusText, "status", label: .theGoalsStatus, as: GoalStatus.self)
        let outcome = v.optional(input.outcome, "outcome", label: .theGoalsOutcome, max: 2000)
        try v.check()
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor changes the plan.") }
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else { throw .conflict(.planClosed, ["status": update.status.rawValue]) }
        goal.need = need.isEmpty ? nil : need
        goal.importance = importance
        goal.status = status
        goal.outcome = outcome.isEmpty ? nil : outcome
        goal.updatedAt = update.now
        update.change.goals.append(goal)
        return update.change
    }

    /// Records an agreed action's place in the care and support plan: its goal, status, confidence and review date.
    public func updateActionPlan(_ id: String, _ input: PlanActionPlanInput, by actor: Principal, env: CoreEnvironment) throws(LinkwellError) -> CaseChange {
        guard var action = actions.first(where: { $0.id == id }) else { throw .notFound("action") }
        var v = Validator()
        let goalText = (input.goalId ?? "").trimmingCharacters(in: .whitespaces)
        if !goalText.isEmpty && !goals.contains(where: { $0.id.rawValue == goalText }) {
            v.add("goalId", .goalNotInPlan)
        }
        let statusText = (input.status ?? "").trimmingCharacters(in: .whitespaces)
        let status = statusText.isEmpty ? nil : v.choice(statusText, "status", label: .theActionsStatus, as: PlanActionStatus.self)
        let supportText = (input.support ?? "").trimmingCharacters(in: .whitespaces)
        let support = supportText.isEmpty ? nil : v.choice(supportText, "support", label: .theKindOfSupport, as: SupportOffered.self)
        let confidence = NumberInput.value(input.confidence, "confidence", label: .thePersonsConfidence, in: 1...10, &v)
        var reviewDate: CalendarDate?
        if let text = input.reviewDate?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            do throws(DateInputError) { reviewDate = try DateInput(text: text).parsed() }
            catch { v.add(all: [error.fieldError("reviewDate", label: .theActionsReviewDate)]) }
        }
        try v.check()
        guard AccessPolicy.canWork(self, actor) else { throw .forbidden("Only the case's link worker or a supervisor changes the plan.") }
        var update = CaseUpdate(self, by: actor, env: env)
        guard update.status.isInSupport else { throw .conflict(.actionsClosed, ["status": update.status.rawValue]) }
        action.goalID = goalText.isEmpty ? nil : GoalID(goalText)
        action.support = support?.rawValue
        if let status {
            action.status = status
            if status == .done { action.doneAt = action.doneAt ?? update.now } else { action.doneAt = nil }
        }
        action.confidence = confidence
        action.reviewDate = reviewDate
        action.updatedAt = update.now
        update.change.actions.append(action)
        return update.change
    }
}
