import LinkwellCore

/// A code Core words in English (`label`), shown on staff pages through the catalogue as `code.<group>.<raw value>`
/// (`code.urgency.soon`). Core's label stays the one English source — exports, letters, the API and CSVs use it
/// directly — and the English staff messages are made from it when the catalogue is built, so a code added to
/// Core has its English message at once, and a translation of the staff pages must give each code its own words.
protocol StaffCode: RawRepresentable<String>, CaseIterable {
    /// The group in `code.<group>.<raw value>`.
    static var messageGroup: String { get }
    /// Core's English label.
    var label: String { get }
}

extension ReferralStatus: StaffCode { static var messageGroup: String { "status" } }
extension Need: StaffCode { static var messageGroup: String { "need" } }
extension Urgency: StaffCode { static var messageGroup: String { "urgency" } }
extension OnwardStatus: StaffCode { static var messageGroup: String { "onward" } }
extension MessageKind: StaffCode { static var messageGroup: String { "messageKind" } }
extension ConsentMethod: StaffCode { static var messageGroup: String { "consentMethod" } }
extension ConsentPurpose: StaffCode { static var messageGroup: String { "purpose" } }
extension ContactMode: StaffCode { static var messageGroup: String { "contactMode" } }
extension ContactOutcome: StaffCode { static var messageGroup: String { "contactOutcome" } }
extension ClosingReason: StaffCode { static var messageGroup: String { "closingReason" } }
extension Timepoint: StaffCode { static var messageGroup: String { "timepoint" } }
extension EscalationTarget: StaffCode { static var messageGroup: String { "escalation" } }
extension TeamKind: StaffCode { static var messageGroup: String { "teamKind" } }
extension Role: StaffCode { static var messageGroup: String { "role" } }
extension RoutingField: StaffCode { static var messageGroup: String { "routingField" } }
extension SourceType: StaffCode { static var messageGroup: String { "sourceType" } }
extension ReferralMethod: StaffCode { static var messageGroup: String { "referralMethod" } }
extension Sex: StaffCode { static var messageGroup: String { "sex" } }
extension Gender: StaffCode { static var messageGroup: String { "gender" } }
extension CarerStatus: StaffCode { static var messageGroup: String { "carerStatus" } }
extension GoalStatus: StaffCode { static var messageGroup: String { "goalStatus" } }
extension PlanActionStatus: StaffCode { static var messageGroup: String { "planActionStatus" } }
extension EthnicCategory: StaffCode { static var messageGroup: String { "ethnicCategory" } }
extension SupportOffered: StaffCode { static var messageGroup: String { "supportOffered" } }
extension RejectionReason: StaffCode { static var messageGroup: String { "rejectionReason" } }
extension FirstContact: StaffCode { static var messageGroup: String { "firstContact" } }
extension FollowUpOwner: StaffCode { static var messageGroup: String { "followUpOwner" } }
extension ActionAudience: StaffCode { static var messageGroup: String { "actionAudience" } }
extension ProfileKind: StaffCode { static var messageGroup: String { "profileKind" } }
extension GapReason: StaffCode { static var messageGroup: String { "gapReason" } }
extension ThreadSide: StaffCode { static var messageGroup: String { "threadSide" } }
extension HSDSServiceStatus: StaffCode { static var messageGroup: String { "serviceStatus" } }
extension ReviewState: StaffCode { static var messageGroup: String { "reviewState" } }
extension FunderKind: StaffCode { static var messageGroup: String { "funderKind" } }
extension ContractArrangement: StaffCode { static var messageGroup: String { "arrangement" } }
extension GrantStatus: StaffCode { static var messageGroup: String { "grantStatus" } }
extension LedgerKind: StaffCode { static var messageGroup: String { "ledgerKind" } }
extension ContractTarget.Measure: StaffCode { static var messageGroup: String { "targetMeasure" } }
extension CohortDimension: StaffCode { static var messageGroup: String { "cohortDimension" } }
extension OutcomeService.FollowUpPoint: StaffCode { static var messageGroup: String { "followUpPoint" } }
extension OrganisationKind: StaffCode { static var messageGroup: String { "organisationKind" } }
extension StaffCheckKind: StaffCode { static var messageGroup: String { "staffCheckKind" } }

extension Catalogue {
    /// Every code shown on staff pages (add a type here when a staff page shows its label).
    static let staffCodes: [any StaffCode.Type] = [
        ReferralStatus.self, Need.self, Urgency.self, OnwardStatus.self, MessageKind.self, ConsentMethod.self, ConsentPurpose.self,
        ContactMode.self, ContactOutcome.self, ClosingReason.self, Timepoint.self, EscalationTarget.self, TeamKind.self, Role.self,
        RoutingField.self, SourceType.self, ReferralMethod.self, Sex.self, Gender.self, CarerStatus.self, GoalStatus.self,
        PlanActionStatus.self, EthnicCategory.self, SupportOffered.self, RejectionReason.self, FirstContact.self, FollowUpOwner.self,
        ActionAudience.self, ProfileKind.self, GapReason.self, ThreadSide.self, HSDSServiceStatus.self, ReviewState.self,
        FunderKind.self, ContractArrangement.self, GrantStatus.self, LedgerKind.self, ContractTarget.Measure.self,
        CohortDimension.self, OutcomeService.FollowUpPoint.self, OrganisationKind.self, StaffCheckKind.self,
    ]

    /// The English staff messages of the codes, made from Core's labels: `code.<group>.<raw value>` → label.
    static func staffCodeLabels() -> [String: String] {
        var labels: [String: String] = [:]
        func add<C: StaffCode>(_ type: C.Type) {
            for code in C.allCases { labels["code.\(C.messageGroup).\(code.rawValue)"] = code.label }
        }
        for type in staffCodes { add(type) }
        // The risks list is a code list (local values with Core's display), keyed the same way.
        for risk in RiskCodes.localValues { labels["code.risk.\(risk.key)"] = risk.display }
        return labels
    }

    /// The words for `code` on a staff page, in this catalogue's language.
    func label<C: StaffCode>(_ code: C) -> String { text("code.\(C.messageGroup).\(code.rawValue)") }

    /// The words for a risk from the risks list (its key when the list has no such value).
    func risk(_ key: String) -> String { optional("code.risk.\(key)") ?? key }

    /// A calendar date with its month named in full, in this language ("27 March 1956": the NHS style for dates of birth).
    func longDate(_ date: CalendarDate) -> String { "\(date.day) \(text("date.monthLong.\(date.month)")) \(date.year)" }

    /// A date of birth with the age on `today`: "27 March 1956 (age 70)".
    func dateOfBirth(_ date: CalendarDate, on today: CalendarDate) -> String {
        text("date.withAge", ["date": longDate(date), "age": String(date.years(until: today))])
    }
}
