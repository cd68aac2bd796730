import Foundation

/// Why a request conflicts with the record's current state (an illegal transition, a lost race), as a stable code
/// with named values (issue #17): pages word it through their message catalogue (`conflict.<code>`), and `message` is
/// Core's English for it (`ConflictCode.english`), which the API's problem details and the commands read. It is thrown
/// as `LinkwellError.conflict`, which the web edge maps to a 409.
public struct Conflict: Equatable, Codable, Sendable {
    /// What the conflict is, stable for API clients and catalogues.
    public let code: ConflictCode
    /// The values the message names, by placeholder. A value that is itself a code (a referral's status, a timepoint,
    /// …: `ConflictValue`) holds the code, worded by whoever shows the message; other values are data (a name, a count).
    public let values: [String: String]

    /// The conflict `code`, naming `values`.
    public init(_ code: ConflictCode, _ values: [String: String] = [:]) {
        self.code = code
        self.values = values
    }

    /// Core's English for the conflict, its values filled in.
    public var message: String { ConflictEnglish.message(code, values) }

    /// The values with each coded one worded by `word` (the other values as they are).
    public func wordedValues(_ word: (ConflictValue) -> String) -> [String: String] {
        var worded = values
        for (name, raw) in values {
            if let value = ConflictValue(placeholder: name, raw: raw) { worded[name] = word(value) }
        }
        return worded
    }
}

/// A value a conflict names that is itself a code, by its placeholder: `{status}` and `{next}` a referral's status,
/// `{onwardStatus}` and `{onwardNext}` a referral out's, `{timepoint}` a measure's timepoint, `{grantStatus}` a grant
/// application's, `{kind}` what was learned in support, `{purpose}` a consent purpose.
public enum ConflictValue: Equatable, Sendable {
    case referralStatus(ReferralStatus), onwardStatus(OnwardStatus), timepoint(Timepoint), grantStatus(GrantStatus)
    case profileKind(ProfileKind), consentPurpose(ConsentPurpose)

    /// The coded value `raw` held by placeholder `name`, or nil when the placeholder holds data (or the code is unknown).
    public init?(placeholder name: String, raw: String) {
        switch name {
        case "status", "next": guard let v = ReferralStatus(rawValue: raw) else { return nil }; self = .referralStatus(v)
        case "onwardStatus", "onwardNext": guard let v = OnwardStatus(rawValue: raw) else { return nil }; self = .onwardStatus(v)
        case "timepoint": guard let v = Timepoint(rawValue: raw) else { return nil }; self = .timepoint(v)
        case "grantStatus": guard let v = GrantStatus(rawValue: raw) else { return nil }; self = .grantStatus(v)
        case "kind": guard let v = ProfileKind(rawValue: raw) else { return nil }; self = .profileKind(v)
        case "purpose": guard let v = ConsentPurpose(rawValue: raw) else { return nil }; self = .consentPurpose(v)
        default: return nil
        }
    }

    /// The words as they run on inside a sentence, from a label in any language: lower case ("this referral was
    /// closed"), except a grant's status and a consent purpose, which stand in brackets or quotes as they are
    /// ("(Awarded)", "'Updates to the referrer and GP'").
    public func inSentence(_ label: String) -> String {
        switch self {
        case .grantStatus, .consentPurpose: label
        default: label.lowercased()
        }
    }

    /// Core's English for the value inside a sentence, from its label.
    public var english: String {
        switch self {
        case .referralStatus(let v): inSentence(v.label)
        case .onwardStatus(let v): inSentence(v.label)
        case .timepoint(let v): inSentence(v.label)
        case .grantStatus(let v): inSentence(v.label)
        case .profileKind(let v): inSentence(v.label)
        case .consentPurpose(let v): inSentence(v.label)
        }
    }
}

/// Core's English for every conflict: the one English source of `Conflict.message` and of the web's English catalogue
/// entries (`conflict.<code>`), which a translation overrides one by one.
public enum ConflictEnglish {
    /// `code`'s English with `values` filled in (coded values worded by their English labels).
    public static func message(_ code: ConflictCode, _ values: [String: String]) -> String {
        Placeholders.fill(code.english, Conflict(code, values).wordedValues(\.english))
    }
}

/// Why a request conflicts with the record's current state, as a stable code (API clients and the catalogues key on it).
public enum ConflictCode: String, CaseIterable, Codable, Sendable {
    // Steps of a referral and a referral out (`CaseUpdate`, `CaseActions`, `LifecycleActions`, `Reassignment`)
    case illegalTransition, illegalOnwardTransition, contactNotInSupport, visitNotInSupport, learnedNotInSupport
    case gapNotInSupport, homeVisitNeedsCheckIn, planNeedsEngaged, actionDone, actionsClosed, goalsClosed, onwardNotInSupport
    case noConsentToShare, onwardAlreadyOpen, consentNotHeld, signpostingNotInSupport, attendanceNeedsAccepted
    case reassignNotOnCaseload, caseAlreadyHeld, caseAlreadyWaiting, reopenNotClosed, reopenWindowPassed, reopenNotOffered
    // Lost races and merging (`CaseworkService`, storage)
    case changedByManyAtOnce, acceptedBySomeoneElse, acceptedByAnotherLinkWorker, changedMeanwhile, duplicate, overBudget
    case samePerson, peopleDoNotMatch
    // The person's record (risks, requested actions, the plan, what was learned, safeguarding, lone working)
    case risksNotTakenOn, noKnownRisksRecorded, riskEntryEnded, actionsNotTakenOn, actionWithdrawn, planClosed
    case profileItemRecorded, needRecordedAtReferral, alreadyEnded, concernsNotTakenOn, escalationAcknowledged
    case concernReviewed, concernResolved, escalationNotAcknowledged, alreadyCheckedIn, notCheckedIn
    // Groups' threads (`GroupVoice`)
    case threadClosedEnteredInError, onwardEnteredInError
    // The person's own requests and consent (`PersonVoice`, `PersonVoiceService`)
    case stillSupported, requestAlreadyAnswered, alreadyAskedToComeBack, worryAlreadyRaised, startSupportByComingBack
    case consentAlreadyGiven
    // Outcomes (`OutcomeService`)
    case baselineExists, measuresNotInSupport, instrumentBaselineExists, measureNeedsBaseline, answersAlreadySent
    case instrumentNeedsLicence, instrumentItemsUnworded, instrumentSwitchedOff
    // Accounts (`Accounts`)
    case noSignInWaiting, restartTwoFactorSetup, setUpTwoFactorFirst, cannotDeactivateSelf, cannotChangeOwnRole
    case openReferralToHandOver, openReferralsToHandOver
    // Commissioning and administration
    case grantDecided, grantAlreadyDecided, spendNeedsAward, complaintClosed

    /// Core's English for the code, with `{name}` placeholders (`ConflictValue` names the coded ones).
    public var english: String {
        switch self {
        case .illegalTransition: "A referral that is {status} cannot become {next}."
        case .illegalOnwardTransition: "A referral out that is {onwardStatus} cannot become {onwardNext}."
        case .contactNotInSupport: "Cannot record a contact: the referral is {status}."
        case .visitNotInSupport: "Cannot start a home visit: the referral is {status}."
        case .learnedNotInSupport: "Cannot record what you learned: the referral is {status}."
        case .gapNotInSupport: "Cannot record a gap: the referral is {status}."
        case .homeVisitNeedsCheckIn:
            "A home visit needs a lone-working check-in before and a check-out after; check in and out, then record the contact."
        case .planNeedsEngaged: "A plan can be agreed only once the person is engaged; the referral is {status}."
        case .actionDone: "This action is already done."
        case .actionsClosed: "Actions cannot change on a case that is {status}."
        case .goalsClosed: "Goals cannot be rated on a case that is {status}."
        case .onwardNotInSupport: "A referral out can be made only while the person is being supported; the referral is {status}."
        case .noConsentToShare: "The person has not consented to their details being shared with community services."
        case .onwardAlreadyOpen: "The person already has an open referral to this service."
        // (Until issue #17 this named the purpose by its code, "Consent for share_with_providers …": its label now.)
        case .consentNotHeld: "Consent for '{purpose}' is not held, so it cannot be withdrawn."
        case .signpostingNotInSupport: "Signposting is recorded while the person is being supported; the referral is {status}."
        case .attendanceNeedsAccepted: "Attendance can be reported only on a referral the service has accepted; this one is {onwardStatus}."
        case .reassignNotOnCaseload: "Only a case on a link worker's caseload can be reassigned; this one is {status}."
        case .caseAlreadyHeld: "{name} already holds this case."
        case .caseAlreadyWaiting: "This case is already waiting for a supervisor to allocate it."
        case .reopenNotClosed: "Only a closed case can be reopened; this one is {status}."
        case .reopenWindowPassed: "This case closed more than {days} days ago, so it cannot be reopened; make a new referral instead."
        case .reopenNotOffered: "This scheme does not reopen closed cases; make a new referral instead."
        case .changedByManyAtOnce: "The referral is being changed by several people at once and your change could not be saved; try again."
        case .acceptedBySomeoneElse: "This referral was accepted by someone else ({name}) while you were working on it."
        case .acceptedByAnotherLinkWorker: "This referral was accepted by someone else (another link worker) while you were working on it."
        case .changedMeanwhile: "Someone else changed this record while you were working on it; reload it and try again."
        case .duplicate: "There is already a {what} like this."
        case .overBudget: "This would exceed the remaining budget."
        case .samePerson: "Both referrals are already for the same person."
        case .peopleDoNotMatch: "These people do not match on NHS number, or on name, date of birth and postcode, so they are not merged."
        case .risksNotTakenOn: "Risks are recorded on cases the service took on; this referral was {status}."
        case .noKnownRisksRecorded: "No known risks is recorded already."
        case .riskEntryEnded: "This risk entry has ended already."
        case .actionsNotTakenOn: "Actions are recorded on cases the service took on; this referral was {status}."
        case .actionWithdrawn: "This action has been withdrawn already."
        case .planClosed: "The plan cannot change on a case that is {status}."
        case .profileItemRecorded: "This {kind} is already recorded."
        case .needRecordedAtReferral: "This need was recorded at referral already."
        case .alreadyEnded: "This has already been ended."
        case .concernsNotTakenOn: "Concerns are raised on cases the service took on; this referral was {status}."
        case .escalationAcknowledged: "This escalation has already been acknowledged."
        case .concernReviewed: "This concern has already been reviewed."
        case .concernResolved: "This concern is already resolved."
        case .escalationNotAcknowledged: "An escalation must be acknowledged before the concern can be resolved."
        case .alreadyCheckedIn: "You are already checked in for a visit to this person; check out first."
        case .notCheckedIn: "You are not checked in for a visit to this person."
        case .threadClosedEnteredInError: "This referral out was entered in error, so its thread is closed."
        case .onwardEnteredInError: "This referral out was entered in error."
        case .stillSupported: "You are still being supported: talk to your link worker about anything you need."
        case .requestAlreadyAnswered: "This request has already been answered."
        case .alreadyAskedToComeBack: "You have already asked to come back; we will be in touch."
        case .worryAlreadyRaised: "You have already told us a worry about this group; a supervisor will be in touch."
        case .startSupportByComingBack: "To start support again, ask to come back."
        case .consentAlreadyGiven: "You have already agreed to this."
        case .baselineExists: "This instrument already has a baseline for this person."
        case .measuresNotInSupport: "Outcome measures are recorded while the person is being supported; the referral is {status}."
        case .instrumentBaselineExists: "{instrument} already has a baseline for this person; record a follow-up instead."
        case .measureNeedsBaseline: "A {timepoint} measure needs a baseline first."
        case .answersAlreadySent: "These answers have already been sent, or the measure was already recorded."
        // An instrument that may not be used yet: the same words as the validation problem (`InstrumentUnavailability`).
        case .instrumentNeedsLicence: ValidationCode.instrumentNeedsLicence.english
        case .instrumentItemsUnworded: ValidationCode.instrumentItemsUnworded.english
        case .instrumentSwitchedOff: ValidationCode.instrumentSwitchedOff.english
        case .noSignInWaiting: "There is no sign-in waiting for a code."
        case .restartTwoFactorSetup: "Start setting up two-factor sign-in again."
        case .setUpTwoFactorFirst: "Set up two-factor sign-in first."
        case .cannotDeactivateSelf: "You cannot deactivate your own account."
        case .cannotChangeOwnRole: "You cannot change your own role."
        case .openReferralToHandOver:
            "{name} has 1 open referral. Hand them over to another link worker, or back to the supervisors, first."
        case .openReferralsToHandOver:
            "{name} has {count} open referrals. Hand them over to another link worker, or back to the supervisors, first."
        case .grantDecided: "This application has already been decided ({grantStatus})."
        case .grantAlreadyDecided: "This application has already been decided."
        case .spendNeedsAward: "Spend can be reported only on an awarded grant."
        case .complaintClosed: "This complaint is already closed."
        }
    }
}
