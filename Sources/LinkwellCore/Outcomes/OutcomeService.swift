import Foundation

/// The outcome use cases: which instruments a scheme may use, recording them, a person's change over
/// time, cohort reports and the evaluation export. Reads of a person's outcomes go through
/// `CaseworkService.readCase`, so they are access-checked and audited like every other read.
public struct OutcomeService: Sendable {
    /// The storage roles outcome measures need: administrations and instruments, the cases they belong to,
    /// and the names and contracts that cohort reports group by.
    public typealias Storage = OutcomeStore & CaseStore & CaseSummaryStore & AccountStore & CommissioningStore & SettingsStore & SecretStore
        & InsightStore
    let store: any Storage
    let casework: CaseworkService
    public var env: CoreEnvironment { casework.env }

    /// Scheduled follow-up after the baseline (`MeasureDue`).
    public static let followUpAfter = MeasureDue.followUpAfter
    /// A due measure is overdue this long after it fell due (`MeasureDue`).
    public static let overdueAfter = MeasureDue.overdueAfter

    public init(store: any Storage, casework: CaseworkService) {
        self.store = store
        self.casework = casework
    }

    // MARK: Instruments

    /// Every instrument the scheme knows: built-ins and its custom ones, with wording applied and availability.
    public func instruments() async throws -> [AvailableInstrument] {
        let setups = Dictionary(try await store.instrumentSetups().map { ($0.instrumentID, $0) }, uniquingKeysWith: { a, _ in a })
        let builtIn = InstrumentRegistry.builtIn.map { AvailableInstrument($0, setup: setups[$0.id]) }
        let custom = setups.values.compactMap { s in s.definition.map { AvailableInstrument($0, setup: s) } }.sorted { $0.instrument.id < $1.instrument.id }
        return builtIn + custom
    }

    public func instrument(_ id: String) async throws -> AvailableInstrument {
        guard let found = try await instruments().first(where: { $0.instrument.id == id }) else {
            throw LinkwellError.invalid([FieldError("instrumentId", .instrumentUnknown, ["id": id])])
        }
        return found
    }

    /// An administrator imports a scheme's own instrument, defined as JSON and checked before it is stored.
    public func importCustom(_ definition: Instrument, by principal: Principal) async throws -> AvailableInstrument {
        guard principal.role == .admin else { throw LinkwellError.forbidden("Only an administrator can add instruments.") }
        var definition = definition
        definition.builtIn = false
        definition.derivedFrom = nil
        try definition.validateDefinition()
        let taken = try await store.instrumentSetups().contains { $0.instrumentID == definition.id }
        if InstrumentRegistry.builtIn(definition.id) != nil || taken {
            throw LinkwellError.invalid([FieldError("id", .instrumentExists, ["id": definition.id])])
        }
        let setup = InstrumentSetup(instrumentID: definition.id, definition: definition,
                                    licenceAcknowledgedBy: definition.licence.wordingRequiresLicence ? nil : principal.userID,
                                    licenceAcknowledgedAt: definition.licence.wordingRequiresLicence ? nil : env.now(), enabled: true)
        try await store.saveInstrumentSetup(setup)
        return AvailableInstrument(definition, setup: setup)
    }

    /// An administrator records the scheme's licence for a licensed instrument and imports its wording,
    /// which must cover every item and is stored exactly as given.
    public func license(_ instrumentID: String, wording: [String: String], acknowledged: Bool,
                        by principal: Principal) async throws -> AvailableInstrument {
        guard principal.role == .admin else { throw LinkwellError.forbidden("Only an administrator can record a licence.") }
        var v = Validator()
        guard v.atMost(wording.count, Limits.wordingEntries, "wording", .wordingEntries) else { throw LinkwellError.invalid(v.errors) }
        let current = try await instrument(instrumentID).instrument
        if !acknowledged { v.add("acknowledged", .confirmLicence, ["instrument": current.name]) }
        for item in current.items where (wording[item.id] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            v.add("wording.\(item.id)", .wordingMissing, ["item": item.id])
        }
        for key in wording.keys.sorted() where !current.items.contains(where: { $0.id == key }) {
            v.add("wording.\(key)", .instrumentHasNoItem, ["instrument": current.name, "item": key])
        }
        try v.check()
        let existing = try await store.instrumentSetups().first { $0.instrumentID == instrumentID }
        let setup = InstrumentSetup(instrumentID: instrumentID, definition: existing?.definition, wording: wording,
                                    licenceAcknowledgedBy: principal.userID, licenceAcknowledgedAt: env.now(), enabled: true)
        try await store.saveInstrumentSetup(setup)
        let base = InstrumentRegistry.builtIn(instrumentID) ?? existing?.definition ?? current
        return AvailableInstrument(base, setup: setup)
    }

    // MARK: Recording

    /// Input for one administration.
    public struct Submission: Codable, Sendable {
        public var instrumentId: String?
        public var timepoint: String?
        public var answers: [String: Int]?
        public var selfCompleted: Bool?
        public init(instrumentId: String?, timepoint: String?, answers: [String: Int]?, selfCompleted: Bool? = nil) {
            self.instrumentId = instrumentId
            self.timepoint = timepoint
            self.answers = answers
            self.selfCompleted = selfCompleted
        }
    }

    /// Records an administration for a person on the caller's caseload. Incomplete forms are stored;
    /// only the scores the instrument's rules allow are computed.
    public func record(_ referralID: ReferralID, _ submission: Submission, _ request: CaseworkService.Request) async throws -> Administration {
        let found = try await casework.readCase(referralID, request)
        guard AccessPolicy.canWork(found, request.principal) else {
            throw LinkwellError.forbidden("Only the case's link worker or a supervisor can record outcome measures.")
        }
        var v = Validator()
        let timepoint = v.choice(submission.timepoint, "timepoint", label: .timepoint, as: Timepoint.self)
        try v.check()
        let administration = try await prepare(found, instrumentID: submission.instrumentId ?? "", timepoint: timepoint!,
                                               answers: submission.answers ?? [:], by: request.principal.userID, selfCompleted: false)
        do {
            try await store.saveAdministration(administration)
        } catch StorageError.duplicate {
            throw LinkwellError.conflict(.baselineExists)
        }
        return administration
    }

    /// Applies every rule for a new administration and scores it (nothing is stored here).
    func prepare(_ found: Case, instrumentID: String, timepoint: Timepoint, answers: [String: Int], by: UserID,
                 selfCompleted: Bool) async throws -> Administration {
        let available = try await administrable(instrumentID)
        try available.instrument.validate(answers: answers)
        try await checkTimepoint(found, available.instrument, timepoint)
        return Administration(
            id: env.newID(), referralID: found.referral.id, instrumentID: available.instrument.id, timepoint: timepoint,
            answers: answers, scores: available.instrument.score(answers), complete: available.instrument.isComplete(answers),
            administeredAt: env.now(), recordedBy: by, selfCompleted: selfCompleted)
    }

    /// An instrument that may be filled in now, or the reason it may not.
    func administrable(_ instrumentID: String) async throws -> AvailableInstrument {
        let available = try await instrument(instrumentID)
        if available.instrument.derivedFrom != nil {
            throw LinkwellError.invalid([FieldError("instrumentId", .instrumentFromGoalRatings, ["instrument": available.instrument.name])])
        }
        if let problem = available.unavailableProblem { throw LinkwellError.invalid([problem]) }
        return available
    }

    /// One baseline per instrument, and follow-ups only after it, while the person is being supported.
    func checkTimepoint(_ found: Case, _ instrument: Instrument, _ timepoint: Timepoint) async throws {
        guard found.referral.status.isInSupport || (found.referral.status == .closed && timepoint == .closing) else {
            throw LinkwellError.conflict(.measuresNotInSupport, ["status": found.referral.status.rawValue])
        }
        let history = try await store.administrations(referralID: found.referral.id).filter { $0.instrumentID == instrument.id }
        let hasBaseline = history.contains { $0.timepoint == .baseline }
        if timepoint == .baseline && hasBaseline {
            throw LinkwellError.conflict(.instrumentBaselineExists, ["instrument": instrument.name])
        }
        if timepoint != .baseline && !hasBaseline {
            throw LinkwellError.conflict(.measureNeedsBaseline, ["timepoint": timepoint.rawValue])
        }
    }

    // MARK: Self-completion links

    /// How long a link for the person stays valid.
    public static let invitationLifetime: TimeInterval = 7 * 86_400

    /// The link worker creates a one-use link for the person to fill in a measure themself.
    /// `tokenHash` is the SHA-256 of the random token the web layer puts in the link.
    public func invite(_ referralID: ReferralID, instrumentID: String, timepoint: String?, tokenHash: String,
                       _ request: CaseworkService.Request) async throws -> MeasureInvitation {
        let found = try await casework.readCase(referralID, request)
        guard AccessPolicy.canWork(found, request.principal) else {
            throw LinkwellError.forbidden("Only the case's link worker or a supervisor can send measures.")
        }
        var v = Validator()
        let timepoint = v.choice(timepoint, "timepoint", label: .timepoint, as: Timepoint.self)
        try v.check()
        let available = try await administrable(instrumentID)
        try await checkTimepoint(found, available.instrument, timepoint!)
        let invitation = MeasureInvitation(tokenHash: tokenHash, referralID: referralID, instrumentID: available.instrument.id,
                                           timepoint: timepoint!, createdBy: request.principal.userID, createdAt: env.now(),
                                           expiresAt: env.now().addingTimeInterval(Self.invitationLifetime))
        try await store.createInvitation(invitation)
        return invitation
    }

    /// The questionnaire behind a link, if the link is still good. Shows nothing about the person.
    public func openInvitation(tokenHash: String) async throws -> (MeasureInvitation, Instrument) {
        guard let invitation = try await store.invitation(tokenHash: tokenHash), invitation.usedAt == nil,
              invitation.expiresAt > env.now() else {
            throw LinkwellError.notFound("questionnaire (the link has expired or has already been used)")
        }
        return (invitation, try await administrable(invitation.instrumentID).instrument)
    }

    /// The person submits their answers through the link; the link then stops working.
    public func completeInvitation(tokenHash: String, answers: [String: Int]) async throws -> Administration {
        let (invitation, _) = try await openInvitation(tokenHash: tokenHash)
        guard let found = try await store.loadCase(invitation.referralID) else { throw LinkwellError.notFound("questionnaire") }
        let administration = try await prepare(found, instrumentID: invitation.instrumentID, timepoint: invitation.timepoint,
                                               answers: answers, by: invitation.createdBy, selfCompleted: true)
        do {
            try await store.saveSelfCompleted(administration, invitationTokenHash: tokenHash, at: env.now())
        } catch StorageError.duplicate {
            throw LinkwellError.conflict(.answersAlreadySent)
        }
        return administration
    }

    /// A person's scores over time with change from baseline, for every instrument they have answered.
    public func trajectories(_ referralID: ReferralID, _ request: CaseworkService.Request) async throws -> [ScoreTrajectory] {
        try await trajectories(of: try await casework.readCase(referralID, request), request)
    }

    /// Trajectories for a case the caller has already read through `CaseworkService.readCase`; the read of
    /// the measures is audited as such, so it shows in the person's access log.
    public func trajectories(of readCase: Case, _ request: CaseworkService.Request) async throws -> [ScoreTrajectory] {
        try await casework.audit(request, action: "read", type: "outcome_measures", id: readCase.referral.id.rawValue,
                                 subject: readCase.referral.id, allowed: true)
        return try await trajectories(ofAuditedRead: readCase)
    }

    /// The trajectories of a case whose read the caller has audited (the message back written at closing).
    /// Referrals whose whole cases a cohort or export reads at once (`CaseSummaryStore.loadCases`).
    static let caseSlice = 500

    /// `trajectories(ofAuditedRead:)` of many cases at once: their measures in one query per slice, the instruments once.
    func trajectories(ofAuditedReads cases: [Case]) async throws -> [ReferralID: [ScoreTrajectory]] {
        let measured = Dictionary(grouping: try await store.administrations(referralIDs: cases.map(\.referral.id)), by: \.referralID)
        let available = try await instruments()
        var result: [ReferralID: [ScoreTrajectory]] = [:]
        for c in cases {
            let administrations = (measured[c.referral.id] ?? []) + GoalAttainment.administrations(of: c)
            let used = Set(administrations.map(\.instrumentID))
            result[c.referral.id] = available.filter { used.contains($0.instrument.id) }
                .flatMap { ScoreTrajectory.trajectories($0.instrument, administrations) }
        }
        return result
    }

    func trajectories(ofAuditedRead readCase: Case) async throws -> [ScoreTrajectory] {
        let administrations = try await store.administrations(referralID: readCase.referral.id) + GoalAttainment.administrations(of: readCase)
        let used = Set(administrations.map(\.instrumentID))
        return try await instruments().filter { used.contains($0.instrument.id) }
            .flatMap { ScoreTrajectory.trajectories($0.instrument, administrations) }
    }

    // MARK: Due lists

    public struct DueMeasure: Codable, Sendable, Equatable {
        public var referralID: ReferralID
        public var personName: String
        public var instrumentID: String
        public var timepoint: Timepoint
        public var dueAt: Date
        public var overdue: Bool
    }

    /// The measures due on a caseload: how many in all and how many overdue (counted over every one, never a
    /// shown page), and one numbered page of them, soonest first.
    public struct DueList: Sendable {
        /// Empty when only the counts were asked for.
        public var page: CountedPage<DueMeasure>
        public var overdue: Int
        public var total: Int { page.total }
    }

    /// At most `limit` of the measures due (`dueList`), soonest first.
    public func dueMeasures(_ request: CaseworkService.Request, limit: Int = PageRequest.maximumLimit,
                            team: CaseloadTeam? = nil) async throws -> [DueMeasure] {
        try await dueList(request, page: PageNumber(1, size: limit), team: team).page.rows
    }

    /// The outcome measures due on the caller's caseload (a supervisor's: the scheme's, or `team`'s), by the rule of
    /// `MeasureDue`: counted in full, and `page` of them soonest first, named (no rows when `page` is nil: the counts
    /// alone). The store keeps each case's window with the case, so this reads the windows open now, never the
    /// rule over every open case and its measures. A page's names are audited as a list, unless `besideCaseload`:
    /// the caseload page's own entry covers the measures beside it.
    public func dueList(_ request: CaseworkService.Request, page: PageNumber?, team: CaseloadTeam? = nil,
                        besideCaseload: Bool = false) async throws -> DueList {
        let p = request.principal
        guard p.role == .linkWorker || p.role == .supervisor else { throw LinkwellError.forbidden("Only link workers have due lists.") }
        var query = ReferralQuery(linkWorkerID: p.role == .linkWorker ? p.userID : nil)
        // One team's caseload (`CaseworkService.caseloadTeam`), filtered in the store.
        query.teamID = team?.id
        query.teamMembers = team?.members ?? []
        let now = env.now()
        let found = try await store.measuresDue(query, at: now, page: page)
        let chosen = (page ?? PageNumber(1)).clamped(total: found.total)
        // Names only for the rows returned (a supervisor's scheme has thousands of open cases, and shows a page).
        let names = try await store.personNames(referralIDs: Array(Set(found.rows.map(\.referralID))))
        let shown = found.rows.map {
            DueMeasure(referralID: $0.referralID, personName: names[$0.referralID] ?? "", instrumentID: MeasureDue.instrumentID,
                       timepoint: $0.due.timepoint, dueAt: $0.due.dueAt, overdue: $0.due.isOverdue(at: now))
        }
        if page != nil && !besideCaseload {
            try await casework.auditOwnList(request, "measures_due")
        }
        return DueList(page: CountedPage(rows: shown, total: found.total, page: chosen), overdue: found.overdue)
    }

    // MARK: Cohorts

    /// Every administration of an instrument; for goal attainment, derived from every case's goal ratings.
    func administrations(of instrument: Instrument) async throws -> [Administration] {
        guard instrument.derivedFrom == "plan_goals" else { return try await store.administrations(instrumentID: instrument.id) }
        var result: [Administration] = []
        let ids = try await store.referrals(ReferralQuery(statuses: [.planAgreed, .active, .review, .closed], limit: Int.max / 2)).map(\.id)
        // A slice of whole cases at a time, each slice read in one query per table (`loadCases`), never case by case;
        // only the derived administrations are kept, so memory stays flat however many cases there are.
        for start in stride(from: 0, to: ids.count, by: Self.caseSlice) {
            for c in try await store.loadCases(Array(ids[start..<min(ids.count, start + Self.caseSlice)])) {
                result += GoalAttainment.administrations(of: c)
            }
        }
        return result
    }

    /// Which measure counts as "the follow-up" in a cohort report: named, so that a published figure says
    /// exactly what it compares.
    public enum FollowUpPoint: String, Codable, Sendable, CaseIterable {
        /// The scheduled follow-up (`Timepoint.followUp`, about 12 weeks after the baseline); the latest one if several.
        case twelveWeek = "12_week"
        /// The measure taken at closing.
        case closing
        /// The latest measure after the baseline, whichever timepoint.
        case latest

        public var label: String {
            switch self {
            case .twelveWeek: "the 12-week follow-up"
            case .closing: "the closing measure"
            case .latest: "the latest measure after baseline (12-week or closing)"
            }
        }

        func matches(_ timepoint: Timepoint) -> Bool {
            switch self {
            case .twelveWeek: timepoint == .followUp
            case .closing: timepoint == .closing
            case .latest: timepoint != .baseline
            }
        }
    }

    public struct CohortReport: Codable, Sendable, Equatable {
        public var instrumentID: String
        public var scoreID: String
        public var scoreLabel: String
        /// The instrument's name (as in `included`).
        public var instrumentName: String
        public var dimension: CohortDimension
        /// The follow-up compared with the baseline.
        public var followUp: FollowUpPoint
        public var followUpLabel: String
        /// Who is counted, in words (`CohortReport.includedEnglish`, filled in).
        public var included: String
        /// The minimum group size applied: the scheme's (never below 10), or the caller's if larger.
        public var minimumN: Int
        /// The rules every count passed.
        public var disclosure: DisclosureControl.Summary
        /// The change counted as meaningful for the improved / unchanged / worse shares, and where it comes from.
        public var meaningfulChange: Double?
        /// `meaningfulChangeSourceCode` in English, threshold filled in.
        public var meaningfulChangeSource: String
        /// Where the threshold comes from, as a code for a page to word (with `meaningfulChange` as `{threshold}`).
        public var meaningfulChangeSourceCode: MeaningfulChangeSource
        /// Baselines and follow-ups that were recorded but could not be scored (incomplete forms), counted apart
        /// and through disclosure control; those people are not among the paired.
        public var incompleteBaselines: Int?
        public var incompleteFollowUps: Int?
        /// What a reader must keep in mind (regression to the mean, no control group, multiplicity), in English:
        /// `caveatCodes` in words.
        public var caveats: [String]
        /// The caveats as codes, for a page to word (the multiplicity one with `groupsCompared`).
        public var caveatCodes: [CohortCaveat]
        /// How many groups' results are shown (not suppressed).
        public var groupsCompared: Int
        public var rows: [CohortRow]
        /// The population average to compare with, where a published one is known.
        public var populationMean: Double?
        public var populationSource: String?

        /// Who a cohort report counts, in English, with placeholders: `{instrument}` (its name), `{followUp}` (the
        /// follow-up compared, `FollowUpPoint.label`) and `{percent}` (how far each answer is moved, as a share of the range).
        public static let includedEnglish = "People whose consent covers evaluation and who have a baseline {instrument} with this score; "
            + "change from baseline to {followUp}. The same people as the evaluation export; to protect each of them, the statistics are "
            + "worked out from answers each moved by a fixed secret amount (up to {percent}% of the score's range), so they agree with the "
            + "export's exact figures only to within that."
    }

    /// Aggregate before/after results for a score, split by a dimension, for people whose consent covers
    /// evaluation (the same people as the evaluation export, so an evaluator can reproduce every figure).
    /// Supervisors and commissioners only; every count passes `DisclosureControl`, with the scheme's minimum
    /// group size (a caller may ask for a larger one, never a smaller).
    public func cohort(instrumentID: String, scoreID: String?, by dimension: CohortDimension, minimumN: Int = 10,
                       followUp: FollowUpPoint = .latest, _ request: CaseworkService.Request) async throws -> CohortReport {
        guard [.supervisor, .commissioner, .steeringGroup].contains(request.principal.role) else {
            throw LinkwellError.forbidden("Cohort reports are for supervisors and commissioners.")
        }
        guard (1...1000).contains(minimumN) else { throw LinkwellError.invalid([FieldError("minimumN", .minimumGroupSizeOutOfRange, ["min": "1", "max": "1000"])]) }
        let instrument = try await instrument(instrumentID).instrument
        let rule = try scoreID.map { id in
            guard let rule = instrument.scores.first(where: { $0.id == id }) else {
                throw LinkwellError.invalid([FieldError("score", .instrumentHasNoScore, ["instrument": instrument.name, "score": id, "allowed": instrument.scores.map(\.id).joined(separator: ", ")])])
            }
            return rule
        } ?? instrument.scores[0]
        let base = try await DisclosureControl.load(store)
        let control = DisclosureControl(minimumGroupSize: max(minimumN, base.minimumGroupSize), secret: try await store.secret(named: DisclosureControl.secretName))
        let administrations = try await administrations(of: instrument)
        let summaries = Dictionary(try await store.referrals(ReferralQuery(limit: Int.max / 2)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let organisations = Dictionary(try await store.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let users = Dictionary(try await store.users().map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let contracts = try await store.contracts()
        let funders = Dictionary(try await store.funders().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var deciles: [ReferralID: Int] = [:]
        if dimension == .deprivationDecile {
            deciles = try await store.deprivationDeciles(referralIDs: Array(Set(administrations.map(\.referralID))).sorted())
        }
        var subjects: [CohortSubject] = []
        // The coded groups by their English names (the names group, and sort, the subjects), to give each row its code.
        var coded: [String: CohortGroup] = ["All": CohortGroup(.all)]
        func code(_ group: CohortGroup) -> String {
            coded[group.english] = group
            return group.english
        }
        var incompleteBaselines: [String] = [], incompleteFollowUps: [String] = []
        for (referralID, mine) in Dictionary(grouping: administrations, by: \.referralID) {
            // Only people whose consent covers evaluation now, as in the evaluation export.
            guard let summary = summaries[referralID], summary.consentPurposes.contains(.evaluation) else { continue }
            for a in mine where instrument.value(of: rule.id, in: a) == nil && (a.timepoint == .baseline || followUp.matches(a.timepoint)) {
                if a.timepoint == .baseline { incompleteBaselines.append(a.id) } else { incompleteFollowUps.append(a.id) }
            }
            guard let baseline = mine.first(where: { $0.timepoint == .baseline }), let before = instrument.value(of: rule.id, in: baseline) else { continue }
            let later = mine.filter { followUp.matches($0.timepoint) && $0.administeredAt >= baseline.administeredAt }
                .last { instrument.value(of: rule.id, in: $0) != nil }
            let after = later.flatMap { instrument.value(of: rule.id, in: $0) }
            let groups: [String] = switch dimension {
            case .all: []
            case .pathway: [summary.pathway.isEmpty ? code(CohortGroup(.noPathway)) : summary.pathway]
            case .practice: [summary.referrerOrganisationID.flatMap { organisations[$0] } ?? code(CohortGroup(.selfReferralOrUnknown))]
            case .need: summary.needs.map { code(CohortGroup(.need, ["need": $0.rawValue])) }
            case .linkWorker: [summary.linkWorkerID.flatMap { users[$0] } ?? code(CohortGroup(.unallocated))]
            case .period: [code(CohortAnalysis.quarterCode(baseline.administeredAt))]
            case .contract:
                contracts.filter { $0.covers(receivedAt: summary.receivedAt, pathway: summary.pathway, practiceID: summary.referrerOrganisationID?.rawValue ?? "") }
                    .map(\.name).nilIfEmpty ?? [code(CohortGroup(.noContract))]
            case .funder:
                Array(Set(contracts.filter { $0.covers(receivedAt: summary.receivedAt, pathway: summary.pathway, practiceID: summary.referrerOrganisationID?.rawValue ?? "") }
                    .flatMap { $0.contributions.map { funders[$0.funderID] ?? $0.funderID.rawValue } })).sorted().nilIfEmpty ?? [code(CohortGroup(.noFunder))]
            case .deprivationDecile: [code(CohortAnalysis.decileCode(deciles[referralID]))]
            case .baselineBand: [code(CohortAnalysis.baselineCode(before, rule: rule, range: instrument.range(of: rule.id)))]
            }
            let due = summary.status.isFinal || env.now() > baseline.administeredAt.addingTimeInterval(Self.followUpAfter + Self.overdueAfter)
            subjects.append(CohortSubject(referralID: referralID, groups: groups, baseline: before, followUp: after, followUpDue: due,
                                          baselineKey: baseline.id, followUpKey: later?.id))
        }
        try await casework.audit(request, action: "report", type: "cohort", id: "\(instrument.id)/\(rule.id)/\(dimension.rawValue)", allowed: true)
        let rows = CohortAnalysis.analyse(subjects, instrument: instrument, scoreID: rule.id, control: control).map { row in
            var row = row
            row.groupCode = coded[row.group]
            return row
        }
        var caveatCodes: [CohortCaveat] = [.regressionToTheMean, .noControlGroup]
        let shown = rows.filter { !$0.suppressed }.count
        if shown > 2 { caveatCodes.append(.multiplicity) }
        return CohortReport(instrumentID: instrument.id, scoreID: rule.id, scoreLabel: rule.label, instrumentName: instrument.name,
                            dimension: dimension, followUp: followUp, followUpLabel: followUp.label,
                            included: CohortGroup.fill(CohortReport.includedEnglish, [
                                "instrument": instrument.name, "followUp": followUp.label,
                                "percent": String(Int(DisclosureControl.answerAdjustmentShare * 100))]),
                            minimumN: control.minimumGroupSize, disclosure: control.summary,
                            meaningfulChange: rule.meaningfulChange, meaningfulChangeSource: Self.meaningfulChangeSource(instrument.id, rule),
                            meaningfulChangeSourceCode: MeaningfulChangeSource(instrument.id, rule),
                            incompleteBaselines: control.publish(.records(incompleteBaselines)),
                            incompleteFollowUps: control.publish(.records(incompleteFollowUps)),
                            caveats: caveatCodes.map { $0.english(groupsCompared: shown) }, caveatCodes: caveatCodes, groupsCompared: shown,
                            rows: rows,
                            populationMean: rule.populationMean, populationSource: rule.populationSource)
    }
}

extension OutcomeService {
    /// Where the meaningful-change threshold of a score comes from, in English, beside every share.
    public static func meaningfulChangeSource(_ instrumentID: String, _ rule: Instrument.Score) -> String {
        MeaningfulChangeSource(instrumentID, rule).english(threshold: rule.meaningfulChange)
    }
}

/// Where a score's meaningful-change threshold comes from (a cohort report says so beside every share): a code,
/// with `english` as Core's words (`{threshold}` the threshold in points) for the API and the catalogue's English.
public enum MeaningfulChangeSource: String, Codable, Sendable, CaseIterable {
    /// The score has no threshold, so no shares are given.
    case none
    /// ONS4: no validated threshold is published; Linkwell's default convention.
    case ons4Convention = "ons4_convention"
    /// SWEMWBS: Shah et al. (2018).
    case swemwbsShah2018 = "swemwbs_shah_2018"
    /// WEMWBS: Maheswaran et al. (2012).
    case wemwbsMaheswaran2012 = "wemwbs_maheswaran_2012"
    /// Goal ratings: no validated threshold exists; Linkwell's default convention.
    case goalConvention = "goal_convention"
    /// Set by the scheme in its own instrument definition.
    case scheme

    public init(_ instrumentID: String, _ rule: Instrument.Score) {
        guard rule.meaningfulChange != nil else { self = .none; return }
        self = switch instrumentID {
        case "ons4": .ons4Convention
        case "swemwbs": .swemwbsShah2018
        case "wemwbs": .wemwbsMaheswaran2012
        case "goal_attainment": .goalConvention
        default: .scheme
        }
    }

    /// The English, with a `{threshold}` placeholder.
    public var english: String {
        switch self {
        case .none: "This score has no meaningful-change threshold; no shares are given."
        case .ons4Convention: "No validated threshold is published for the ONS4 items; {threshold} points is Linkwell's default convention."
        case .swemwbsShah2018: "{threshold} metric points: the top of the 1–3 point range estimated for SWEMWBS by Shah et al. (2018)."
        case .wemwbsMaheswaran2012: "{threshold} points: the bottom of the 3–8 point range estimated for WEMWBS by Maheswaran et al. (2012)."
        case .goalConvention: "No validated threshold exists for goal ratings; {threshold} points on the 1–10 scale is Linkwell's default convention."
        case .scheme: "{threshold}: set by the scheme in its own instrument definition."
        }
    }

    /// The placeholders' values: the threshold as people write it ("2", "2.5").
    public static func values(threshold: Double?) -> [String: String] { ["threshold": threshold.map(SVGNumber.text) ?? ""] }

    public func english(threshold: Double?) -> String { CohortGroup.fill(english, Self.values(threshold: threshold)) }
}

/// Numbers as people write them ("2", "2.5").
enum SVGNumber {
    static func text(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%g", x) }
}

extension Array {
    /// nil for an empty array (for "or else" defaults).
    var nilIfEmpty: [Element]? { isEmpty ? nil : self }
}

// MARK: Read models for the outcome pages and API

extension OutcomeService {
    /// Everything recorded for a case and each score's change over time (the read is audited).
    public func caseOutcomes(_ referralID: ReferralID, _ request: CaseworkService.Request) async throws
        -> (administrations: [Administration], trajectories: [ScoreTrajectory]) {
        let found = try await casework.readCase(referralID, request)
        return (try await store.administrations(referralID: found.referral.id), try await trajectories(of: found, request))
    }

    /// What a questionnaire page needs: the case (read and audited), the instrument if the scheme may use it,
    /// and whether a baseline was already recorded.
    public func questionnaire(_ referralID: ReferralID, instrumentID: String, _ request: CaseworkService.Request) async throws
        -> (case: Case, instrument: AvailableInstrument, hasBaseline: Bool) {
        let found = try await casework.readCase(referralID, request)
        let available = try await instrument(instrumentID)
        if let conflict = available.unavailableConflict { throw LinkwellError.conflict(conflict) }
        let hasBaseline = try await store.administrations(referralID: found.referral.id)
            .contains { $0.instrumentID == instrumentID && $0.timepoint == .baseline }
        return (found, available, hasBaseline)
    }
}
