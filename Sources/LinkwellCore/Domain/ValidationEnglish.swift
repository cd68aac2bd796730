import Foundation

/// Core's English for every validation problem and every field label a problem names: the one English source of
/// `FieldError.message` (which the API's problem details carry) and of the web's English catalogue entries
/// (`fieldError.<code>`, `fieldLabel.<label>`), which a translation overrides one by one. A message's `{name}` placeholders are
/// filled from the problem's values; `{label}` is the field's label, itself a code (`FieldLabel`), and
/// `{labelLowercased}` the same with its first letter lower case ("Enter date of birth.").
public enum ValidationEnglish {
    /// `code`'s English with `values` filled in (`label` worded from its `FieldLabel` code).
    public static func message(_ code: ValidationCode, _ values: [String: String]) -> String {
        var values = values
        if let label = values["label"] {
            values["label"] = FieldLabel(rawValue: label)?.english ?? label
            values["labelLowercased"] = values["label"]?.lowercasedFirst
        }
        return Placeholders.fill(code.english, values)
    }
}

/// What is wrong with one field, as a stable code (API clients and the message catalogues key on it).
public enum ValidationCode: String, CaseIterable, Codable, Sendable {
    // Any field (`Validator.required`, `.optional`, `.choice`, `.atMost`)
    case required, tooLong, notOneOf, tooMany
    // Dates (`DateInputError`)
    case dateMissing, dateMissingParts, datePartNotANumber, datePartsNotNumbers, dateYearNotFourDigits
    case dateMonthOutOfRange, dateNotReal
    // People and referrals in (`ReferralSubmission`)
    case nhsNumberInvalid, dateOfBirthInFuture, dateOfBirthTooLongAgo, postcodeNotValid, emailNotValid
    case phoneOrEmailRequired, gpPracticeUnknown, gpPracticeRequired, needUnknown, needsRequired, consentRequired
    case consentPurposeUnknown, ethnicCategoryUnknown, postcodeNotUK, controlCharacter, pathwayUnknown
    case chosenServiceUnknown, chosenServiceClosed, practiceNoMatch, practiceSeveralMatches, practiceManyMatches
    case odsCodeGPPracticeShape, odsCodePCNShape, odsCodeShape, odsCodeGPPracticeRequired
    // Casework (`CaseActions`, `CaseworkService`)
    case searchTooLong, serviceUnknown, chooseOtherReferral, chooseLinkWorker, chooseActiveLinkWorker
    case chooseDifferentLinkWorker, durationRequired, durationOutOfRange, contactOutcomeUnknown, contactInFuture
    case dateTimeNotValid, goalTooLong, reviewDateInPast, actionTooLong, goalRatingOutOfRange, chooseService
    case serviceNotActive, serviceGovernanceIncomplete, governanceOverrideSupervisorOnly, returnWindowOutOfRange
    case signpostingDescriptionRequired, sessionDateInFuture, sessionDateBeforeSent, closeLeavesLooseEnds
    case satisfactionOutOfRange, useStepAction, teamFilterNotAllowed, chooseTeam, visitMinutesOutOfRange
    case noReferrerToEscalateTo, contactMadeButMarkedUnsuccessful, contactNotMadeButMarkedSuccessful
    case attendanceCaseClosed, attendanceCaseEnded, onwardStatusForService, confirmOnwardStatus
    // The person's record (`MessageBackDocument`, risks, the care and support plan)
    case messageBackGivenNameRequired, messageBackFamilyNameRequired, messageBackPracticeRequired
    case messageBackPracticeNoODSCode, messageBackReferrerRequired, messageBackReferrerOrganisationRequired
    case messageBackReferrerContactRequired, messageBackRisksRequired, riskUnknown, endBeforeStart, riskStillCurrent
    case dateNotISO, planNeedUnknown, goalNotInPlan, wholeNumberOutOfRange
    // The person's own requests (`PersonVoice`)
    case chooseWorryGroup, chooseAgreement, confirmStopSupport
    // Accounts and signing in (`Accounts`, `PasswordPolicy`)
    case passwordTooShort, passwordTooLong, passwordCommon, passwordPattern, passwordTooCloseToName
    case accountLockedAMinute, accountLocked, signInsWaitASecond, signInsWaitSeconds, signInsWaitMinutes
    case signInRefused, secondFactorCodeRefused, enrolmentCodeRefused, organisationUnknown, providerNeedsOrganisation
    case emailInUse, personAccountNeedsPerson, tokenDaysOutOfRange, userUnknown, userDeactivated
    case personAccountRoleFixed, chooseHandoverLinkWorker
    // Outcomes (`Instrument`, `OutcomeService`)
    case instrumentHasNoItem, answerOutOfRange, answerRequired, instrumentIDShape, instrumentNameRequired
    case instrumentItemsRequired, instrumentItemIDsUnique, instrumentItemRange, instrumentScoresRequired
    case instrumentScoreIDsUnique, instrumentScoreNoItems, instrumentScoreUnknownItem, instrumentItemScoreOneItem
    case instrumentMeaningfulChangePositive, instrumentConversionGap, instrumentUnknown, instrumentExists
    case confirmLicence, wordingMissing, instrumentFromGoalRatings, minimumGroupSizeOutOfRange, instrumentHasNoScore
    case chooseAnswer, minimumGroupSizeNotNumber, instrumentNeedsLicence, instrumentItemsUnworded, instrumentSwitchedOff
    // Commissioning (`CommissioningService`)
    case moneyNegative, moneyNotAmount, funderExists, startDateNotISO, endDateNotISO, contractEndsBeforeStart
    case funderUnknown, contributionsRequired, complementaryOneFunder, contractPathwayUnknown, organisationNotFound
    case targetUnknown, targetOutOfRange, reportingDateNotISO, grantBudgetOverBudget, amountZero, contractUnknown
    case contractNoGrantBudget, chooseFund, awardOverRequest, awardZero, declineReasonRequired, awardOverGrantBudget
    case spendZero, spendOverAward, contractNoPayments
    // Administration (users, organisations, code lists, teams, complaints and staff checks, settings)
    case dateNotRealISO, teamExists, teamTooManyMembers, notActiveLinkWorker, ruleNotPostcodeDistrict, ruleNotNeed
    case meetingDateRequired, dateNotRealOrISO, expiryDateNotReal, meetingInFuture, meetingTooManyCases
    case caseNotVisible, toBeforeFrom, recordIDTooLong, auditActionTooLong, userIDUnknown, userEmailUnknown
    case receivedInFuture, closedInFuture, complaintClosedBeforeReceived, complaintOutcomeRequired, completedInFuture
    case expiryNotAfterCompleted, chooseStaffMember, contactEmailNotValid, odsCodeInUse, tooManyOrganisations
    case fileEmpty, csvNotReadable, codeListColumns, codeListKeyTwice, codeUnknown, codeListValueUnknown, onlySNOMED
    case notSNOMEDIdentifier, codeSourceRequired, pathwayNameTooLong, minimumAgeOutOfRange, maximumAgeOutOfRange
    case retentionOutOfRange, reopenWindowOutOfRange, maximumBelowMinimumAge, notPostcodeDistrict
    // Directory searches, listings and feeds (`DirectoryQuery`, `DirectoryService`, `PublicDirectory`)
    case notANumber, ageParameterOutOfRange, timeParameterNotTime, modifiedAfterNotDateTime, latAndLongTogether
    case distanceOutOfRange, distanceNeedsPlace, openDayUnknown, openTimeNotTime, dayUnknown, latitudeOutOfRange
    case longitudeOutOfRange, postcodeNotInLookup, placesOutOfRange, waitingListOutOfRange, ratingOutOfRange
    case postcodeUnknownToUs, noMoreResults, feedURLRequired, feedIntervalOutOfRange, feedRegistered
    case pastTheEndOneResult, pastTheEnd
    // Web forms and lists (`LinkwellWeb`)
    case pageNumberOutOfRange, pageSizeOutOfRange, caseListUnknown, chooseStatus, extractRequired
    case chooseOrganisationKind, ageNotWholeNumber, daysNotWholeNumber, retentionNotWholeNumber, outboxStateUnknown
    case chooseRole, roleUnknown, userSearchTooLong, wholeNumberOrEmpty, minutesNotWholeNumber, targetsNotWholeNumbers
    case complaintStatusUnknown, expiryFilterUnknown, instrumentDefinitionNotJSON, formNotUTF8, fieldNameNotUTF8
    case notUTF8, partProblem
    // Insight (`InsightService`, the dashboards and reports)
    case monthNotValid, periodBackwards, periodNotAllowed, periodHalfGiven, distanceBandUnknown, formatUnknown, quarterNotValid

    /// Whether the message is read beside the field's name (it says what is wrong, not where: "Is not valid UTF-8 text."),
    /// so a page that shows it away from its field must name the field too. Every other message names what it is about.
    public var isReadBesideItsField: Bool { self == .controlCharacter || self == .notUTF8 }

    /// Core's English for the code, with `{name}` placeholders (`{label}` a `FieldLabel`).
    public var english: String {
        switch self {
        case .required: "{label} is required."
        case .tooLong: "{label} must be at most {max} characters."
        case .notOneOf: "{label} must be one of: {allowed}."
        case .tooMany: "At most {max} {label} are allowed; got {count}."
        case .dateMissing: "Enter {labelLowercased}."
        case .dateMissingParts: "{label} must include a {parts}."
        case .datePartNotANumber: "The {parts} of {labelLowercased} must be a number."
        case .datePartsNotNumbers: "The {parts} of {labelLowercased} must be numbers."
        case .dateYearNotFourDigits: "The year of {labelLowercased} must have 4 numbers, for example 1984."
        case .dateMonthOutOfRange: "The month of {labelLowercased} must be a number from 1 to 12."
        case .dateNotReal: "{label} must be a real date."
        case .nhsNumberInvalid: "NHS number must be 10 digits with a valid check digit."
        case .dateOfBirthInFuture: "Date of birth must be today or in the past."
        case .dateOfBirthTooLongAgo: "Date of birth is more than 120 years ago."
        case .postcodeNotValid: "Postcode is not a valid UK postcode."
        case .emailNotValid: "Email address is not valid."
        case .phoneOrEmailRequired: "Give a phone number or an email address so the link worker can make contact."
        case .gpPracticeUnknown: "No GP practice with ODS code {code} is known to the scheme. Ask its administrator to add it."
        case .gpPracticeRequired: "The person's registered GP practice is required (its ODS code, e.g. B86012)."
        case .needUnknown: "Unknown need '{value}'. Use: {allowed}."
        case .needsRequired: "Choose at least one reason for referral."
        case .consentRequired: "The person's consent to this referral must be recorded before it can be made."
        case .consentPurposeUnknown: "Unknown consent purpose '{value}'."
        case .ethnicCategoryUnknown: "Ethnic category must be an NHS Data Dictionary ethnic category code: {allowed}."
        case .postcodeNotUK: "\"{value}\" is not a UK postcode (for example LS1 4AP)."
        case .controlCharacter: "Contains a control character (U+{character}); only ordinary text, line breaks and tabs are accepted."
        case .pathwayUnknown: "Choose one of the scheme's pathways: {allowed}."
        case .chosenServiceUnknown: "There is no service {id} in the directory."
        case .chosenServiceClosed: "{service} is no longer running, so it cannot be asked for."
        case .practiceNoMatch: "No GP practice matches “{name}”. Enter the practice's name, or its ODS code (one letter and five digits, e.g. B86012)."
        case .practiceSeveralMatches: "More than one GP practice matches “{name}”: choose one of {practices}."
        case .practiceManyMatches: "More than one GP practice matches “{name}”: choose one of {practices}; or type more of the name, as more practices match."
        case .odsCodeGPPracticeShape: "A GP practice's ODS code is one letter and five digits, e.g. B86012."
        case .odsCodePCNShape: "A primary care network's ODS code is U and five digits, e.g. U12345."
        case .odsCodeShape: "An ODS code is 3 to 10 letters and digits."
        case .odsCodeGPPracticeRequired: "A GP practice needs its ODS code (one letter and five digits, e.g. B86012)."
        case .searchTooLong: "Search for at most {max} characters of a name."
        case .serviceUnknown: "There is no service {id}."
        case .chooseOtherReferral: "Choose the other referral whose person is the same."
        case .chooseLinkWorker: "Choose a link worker."
        case .chooseActiveLinkWorker: "Choose an active link worker."
        case .chooseDifferentLinkWorker: "Choose a different link worker to take the caseload."
        case .durationRequired: "Duration in minutes is required."
        case .durationOutOfRange: "Duration must be between {min} and {max} minutes."
        case .contactOutcomeUnknown: "Unknown outcome '{value}'. Use: {allowed}."
        case .contactInFuture: "A contact cannot be in the future."
        case .dateTimeNotValid: "Date and time must look like 2026-03-01T14:30."
        case .goalTooLong: "Each goal must be at most {max} characters."
        case .reviewDateInPast: "Review date must be today or in the future."
        case .actionTooLong: "Each action must be at most {max} characters."
        case .goalRatingOutOfRange: "A goal rating must be a whole number from 1 to 10."
        case .chooseService: "Choose a service to refer to."
        case .serviceNotActive: "That service is not taking referrals (it is not active)."
        case .serviceGovernanceIncomplete: "{service} cannot take referrals yet: {governance}. A supervisor can refer with an override and a reason."
        case .governanceOverrideSupervisorOnly: "Only a supervisor can override missing or expired governance checks."
        case .returnWindowOutOfRange: "The return window must be from 0 to 365 days."
        case .signpostingDescriptionRequired: "Say what information was given, or choose a service."
        case .sessionDateInFuture: "Session date cannot be in the future."
        case .sessionDateBeforeSent: "Session date cannot be before the referral was sent ({sent})."
        case .closeLeavesLooseEnds: "Closing now leaves loose ends: {looseEnds}. Confirm to close anyway."
        case .satisfactionOutOfRange: "Satisfaction is a whole number from 1 (very dissatisfied) to 5 (very satisfied)."
        case .useStepAction: "Use accept, decline or close for that step."
        case .teamFilterNotAllowed: "Your list cannot be narrowed by team."
        case .chooseTeam: "Choose one of the teams."
        case .visitMinutesOutOfRange: "Say how long the visit should take: 15 to 480 minutes."
        case .noReferrerToEscalateTo: "This was a self-referral, so there is no referrer to escalate to."
        case .contactMadeButMarkedUnsuccessful: "The outcome says the contact was made, but it is marked unsuccessful."
        case .contactNotMadeButMarkedSuccessful: "The outcome says the contact was not made, but it is marked successful."
        case .attendanceCaseClosed: "The case has closed; attendance can no longer be recorded on it."
        case .attendanceCaseEnded: "The case has ended; attendance can no longer be recorded on it."
        case .onwardStatusForService: "{status} is for the service to set; as the link worker you can cancel the referral out or mark it entered in error."
        case .confirmOnwardStatus: "Confirm that the referral out should be {statusLowercased}: this cannot be undone."
        case .messageBackGivenNameRequired: "The person's first name is required in a message back."
        case .messageBackFamilyNameRequired: "The person's family name is required in a message back."
        case .messageBackPracticeRequired: "The person's registered GP practice is required in a message back (the standard's GP practice section is mandatory)."
        case .messageBackPracticeNoODSCode: "The registered GP practice has no ODS code: an administrator must record it before a message back can be sent."
        case .messageBackReferrerRequired: "The referrer is required in a message back."
        case .messageBackReferrerOrganisationRequired: "The referrer's organisation is required in a message back."
        case .messageBackReferrerContactRequired: "The referrer's contact details are required in a message back."
        case .messageBackRisksRequired: "Record the person's risks, or that there are no known risks, before a message back can be made (the standard's risks section is mandatory)."
        case .riskUnknown: "Unknown risk '{value}'. Use: {allowed}."
        case .endBeforeStart: "The end date must not be before the start date."
        case .riskStillCurrent: "A risk is recorded as current: end it before recording that there are no known risks."
        case .dateNotISO: "Give the date as YYYY-MM-DD."
        case .planNeedUnknown: "Unknown need '{value}'. Use a value of the needs and concerns code list: {allowed}."
        case .goalNotInPlan: "That goal is not one of this plan's goals."
        case .wholeNumberOutOfRange: "{label} must be a whole number from {min} to {max}."
        case .chooseWorryGroup: "Choose the group your worry is about."
        case .chooseAgreement: "Choose what you agree to."
        case .confirmStopSupport: "Tick the box to confirm that you want to stop your support."
        case .passwordTooShort: "Password must be at least {min} characters."
        case .passwordTooLong: "Password must be at most {max} bytes (72 letters, fewer with accented letters or emoji): longer passwords cannot be checked in full."
        case .passwordCommon: "This password is on a list of common and breached passwords. Choose another; three random words work well."
        case .passwordPattern: "This password is a repeated or sequential pattern. Choose another; three random words work well."
        case .passwordTooCloseToName: "This password is too close to your name or e-mail address."
        case .accountLockedAMinute: "This account is locked for 1 minute after repeated failed sign-ins. Try again later, or ask an administrator to unlock it."
        case .accountLocked: "This account is locked for {minutes} minutes after repeated failed sign-ins. Try again later, or ask an administrator to unlock it."
        case .signInsWaitASecond: "Too many failed sign-ins. Wait a second before trying again."
        case .signInsWaitSeconds: "Too many failed sign-ins. Wait {seconds} seconds before trying again."
        case .signInsWaitMinutes: "Too many failed sign-ins. Wait {minutes} minutes before trying again."
        case .signInRefused: "The email or password is not right."
        case .secondFactorCodeRefused: "That code is not right, or has been used already. Enter the current code from your authenticator app, or a recovery code."
        case .enrolmentCodeRefused: "That code is not right. Check the time on your phone, and enter the six digits the app shows now."
        case .organisationUnknown: "No organisation has id {id}."
        case .providerNeedsOrganisation: "A provider user must belong to the organisation that runs their services."
        case .emailInUse: "A user with this email already exists."
        case .personAccountNeedsPerson: "A person's account must name a person who has a referral."
        case .tokenDaysOutOfRange: "A token lasts from 1 to 366 days."
        case .userUnknown: "No user has this email."
        case .userDeactivated: "This user is deactivated."
        case .personAccountRoleFixed: "A person's own account cannot become a staff account, or the other way round."
        case .chooseHandoverLinkWorker: "Choose an active link worker to take over the open referrals."
        case .instrumentHasNoItem: "{instrument} has no item '{item}'."
        case .answerOutOfRange: "Answers to '{item}' must be from {min} to {max}; got {value}."
        case .answerRequired: "Answer at least one question."
        case .instrumentIDShape: "An instrument id uses lower-case letters, digits and underscores."
        case .instrumentNameRequired: "The instrument needs a name."
        case .instrumentItemsRequired: "The instrument needs at least one item."
        case .instrumentItemIDsUnique: "Item ids must be present and unique."
        case .instrumentItemRange: "Item '{item}' needs min below max."
        case .instrumentScoresRequired: "The instrument needs at least one scoring rule."
        case .instrumentScoreIDsUnique: "Score ids must be present and unique."
        case .instrumentScoreNoItems: "Score '{score}' uses no items."
        case .instrumentScoreUnknownItem: "Score '{score}' refers to item '{item}', which the instrument does not have."
        case .instrumentItemScoreOneItem: "An item score uses exactly one item."
        case .instrumentMeaningfulChangePositive: "A meaningful change must be positive."
        case .instrumentConversionGap: "The conversion table has no entry for a raw total of {total}."
        case .instrumentUnknown: "There is no instrument '{id}'."
        case .instrumentExists: "An instrument with id '{id}' already exists."
        case .confirmLicence: "Confirm that the scheme holds a licence for {instrument}."
        case .wordingMissing: "Wording for item '{item}' is missing."
        case .instrumentFromGoalRatings: "{instrument} comes from the plan's goal ratings; rate the goals instead."
        case .minimumGroupSizeOutOfRange: "The minimum group size must be from {min} to {max}."
        case .instrumentHasNoScore: "{instrument} has no score '{score}'; use one of: {allowed}."
        case .chooseAnswer: "Choose one of the answers."
        case .minimumGroupSizeNotNumber: "The minimum group size must be a whole number."
        case .instrumentNeedsLicence:
            "{instrument} is licensed by its authors: an administrator must import the licensed item wording and record the scheme's licence before it can be used."
        case .instrumentItemsUnworded: "Some items of {instrument} have no wording yet."
        case .instrumentSwitchedOff: "{instrument} has been switched off by the scheme."
        case .moneyNegative: "{label} cannot be negative."
        case .moneyNotAmount: "{label} must be an amount in pounds, e.g. 1250 or 1,250.50 (at most two decimal places)."
        case .funderExists: "There is already a funder called '{name}'."
        case .startDateNotISO: "Give the start date as YYYY-MM-DD."
        case .endDateNotISO: "Give the end date as YYYY-MM-DD."
        case .contractEndsBeforeStart: "The contract ends ({end}) before it starts ({start})."
        case .funderUnknown: "There is no funder '{id}'."
        case .contributionsRequired: "A contract needs at least one funder's contribution."
        case .complementaryOneFunder: "A complementary contract has one funder; use a pooled budget for several."
        case .contractPathwayUnknown: "'{value}' is not one of the scheme's pathways ({allowed})."
        case .organisationNotFound: "There is no organisation '{id}'."
        case .targetUnknown: "Unknown target '{value}'. Use: {allowed}."
        case .targetOutOfRange: "A target is a whole number from 1."
        case .reportingDateNotISO: "'{value}' is not a date (YYYY-MM-DD)."
        case .grantBudgetOverBudget: "The micro-grant budget ({grantBudget}) is more than the contract's budget ({budget})."
        case .amountZero: "Amount must be more than £0."
        case .contractUnknown: "There is no contract '{id}'."
        case .contractNoGrantBudget: "{contract} has no micro-grant budget."
        case .chooseFund: "Choose the fund to apply to."
        case .awardOverRequest: "The award ({awarded}) is more than the {requested} applied for."
        case .awardZero: "An award must be more than £0; decline the application instead."
        case .declineReasonRequired: "Say why the panel declined, so that the group can learn from it."
        case .awardOverGrantBudget: "An award of {awarded} is more than the {remaining} left in {contract}'s micro-grant budget."
        case .spendZero: "Amount spent must be more than £0."
        case .spendOverAward: "That brings spend above the {awarded} awarded ({spent} reported so far)."
        case .contractNoPayments: "{contract} pays no per-referral or per-attendance amounts."
        case .dateNotRealISO: "{label} must be a real date, YYYY-MM-DD."
        case .teamExists: "A team called {name} already exists."
        case .teamTooManyMembers: "At most {max} members."
        case .notActiveLinkWorker: "{id} is not an active link worker."
        case .ruleNotPostcodeDistrict: "'{value}' is not a postcode district (like LS6)."
        case .ruleNotNeed: "'{value}' is not a need code ({allowed})."
        case .meetingDateRequired: "The date of the meeting is required."
        case .dateNotRealOrISO: "The date must be a real date, YYYY-MM-DD."
        case .expiryDateNotReal: "The expiry date must be a real date, YYYY-MM-DD."
        case .meetingInFuture: "A meeting cannot be in the future."
        case .meetingTooManyCases: "At most {max} cases per meeting."
        case .caseNotVisible: "There is no case {id} you can see."
        case .toBeforeFrom: "To must be the same as or after from."
        case .recordIDTooLong: "A record identifier has at most {max} characters."
        case .auditActionTooLong: "An action has at most {max} characters."
        case .userIDUnknown: "No user has this id."
        case .userEmailUnknown: "No user has this e-mail address."
        case .receivedInFuture: "The date it was received cannot be in the future."
        case .closedInFuture: "The date it was closed cannot be in the future."
        case .complaintClosedBeforeReceived: "A complaint cannot close before it was received ({received})."
        case .complaintOutcomeRequired: "Say what the outcome was when closing a complaint."
        case .completedInFuture: "The date it was completed cannot be in the future."
        case .expiryNotAfterCompleted: "The expiry date must be after the date it was completed."
        case .chooseStaffMember: "Choose a member of staff."
        case .contactEmailNotValid: "Contact e-mail is not a valid address."
        case .odsCodeInUse: "ODS code {code} is already used by {organisation}."
        case .tooManyOrganisations: "At most {max} organisations can be imported at once."
        case .fileEmpty: "The file is empty."
        case .csvNotReadable: "The file is not readable CSV: line {line}, column {column}: {detail}"
        case .codeListColumns: "The first row must name the columns: key, system, code, display, source."
        case .codeListKeyTwice: "'{key}' appears twice."
        case .codeUnknown: "Unknown code '{code}' in {system} for {list}."
        case .codeListValueUnknown: "Unknown value '{value}' for {list}. Use: {allowed}."
        case .onlySNOMED: "Only SNOMED CT ({system}) codes can be mapped."
        case .notSNOMEDIdentifier: "'{code}' is not a SNOMED CT identifier (6 to 18 digits with a valid check digit)."
        case .codeSourceRequired: "Cite the public source of the code (a URL or document): codes are never invented."
        case .pathwayNameTooLong: "Each pathway name must be at most {max} characters."
        case .minimumAgeOutOfRange: "The minimum age must be from 0 to 120."
        case .maximumAgeOutOfRange: "The maximum age must be from 0 to 120."
        case .retentionOutOfRange: "The retention period must be from 1 to 1200 months."
        case .reopenWindowOutOfRange: "The reopening window must be from 0 to 3650 days."
        case .maximumBelowMinimumAge: "The maximum age must not be below the minimum age."
        case .notPostcodeDistrict: "'{value}' is not a postcode district (like LS1 or SW1A)."
        case .notANumber: "{label} must be a number."
        case .ageParameterOutOfRange: "{label} must be from 0 to 130."
        case .timeParameterNotTime: "{label} must be a time HH:MM, e.g. 09:30."
        case .modifiedAfterNotDateTime: "modified_after must be an ISO 8601 date-time, e.g. 2025-01-31T00:00:00Z."
        case .latAndLongTogether: "Give both lat and long, or neither."
        case .distanceOutOfRange: "The distance must be more than 0 and at most 1000 km."
        case .distanceNeedsPlace: "A distance needs a postcode or lat and long to measure from."
        case .openDayUnknown: "The day must be one of MO, TU, WE, TH, FR, SA, SU."
        case .openTimeNotTime: "The time must be HH:MM, e.g. 10:30."
        case .dayUnknown: "The day must be one of MO, TU, WE, TH, FR, SA, SU (or a day's name)."
        case .latitudeOutOfRange: "Latitude must be between -90 and 90."
        case .longitudeOutOfRange: "Longitude must be between -180 and 180."
        case .postcodeNotInLookup: "{postcode} is not in the postcode lookup."
        case .placesOutOfRange: "Places must be from 0 to 10000."
        case .waitingListOutOfRange: "The waiting list must be from 0 to 520 weeks."
        case .ratingOutOfRange: "The rating must be from 1 to 5."
        case .postcodeUnknownToUs: "We do not know where {postcode} is. Check it, or search without it."
        case .noMoreResults: "There are no more results."
        case .feedURLRequired: "Give the feed's http(s) URL, e.g. https://example.org/oruk."
        case .feedIntervalOutOfRange: "Sync from every 15 minutes to once a week (10080 minutes)."
        case .feedRegistered: "That feed is registered already."
        case .pastTheEndOneResult: "Page {page} is past the end: there is 1 result in {pages} page(s)."
        case .pastTheEnd: "Page {page} is past the end: there are {count} results in {pages} page(s)."
        case .pageNumberOutOfRange: "The page must be a whole number from 1 to {max}."
        case .pageSizeOutOfRange: "The page size must be a whole number from 1 to {max}."
        case .caseListUnknown: "Choose urgent, waiting, active, closed, measures, reviews or messages."
        case .chooseStatus: "Choose a status from the list."
        case .extractRequired: "The extract's CSV text is required."
        case .chooseOrganisationKind: "Choose a kind of organisation from the list."
        case .ageNotWholeNumber: "Ages are whole numbers of years."
        case .daysNotWholeNumber: "Enter a whole number of days."
        case .retentionNotWholeNumber: "The retention period is a whole number of months."
        case .outboxStateUnknown: "Choose queued, sent or failed."
        case .chooseRole: "Choose a role from the list."
        case .roleUnknown: "Choose one of the roles: {allowed}."
        case .userSearchTooLong: "Search for at most {max} characters."
        case .wholeNumberOrEmpty: "Give a whole number of 0 or more, or leave it empty."
        case .minutesNotWholeNumber: "Give a whole number of minutes."
        case .targetsNotWholeNumbers: "Targets are whole numbers."
        case .complaintStatusUnknown: "Choose open or closed complaints, or all."
        case .expiryFilterUnknown: "Choose expired or expiring records, or all."
        case .instrumentDefinitionNotJSON: "The definition is not valid instrument JSON (see the API documentation for its shape)."
        case .formNotUTF8: "The form was not sent as UTF-8 text."
        case .fieldNameNotUTF8: "A field name is not valid UTF-8 text."
        case .notUTF8: "Is not valid UTF-8 text."
        case .partProblem: "{part}: {problem}"
        case .monthNotValid: "Give a month as YYYY-MM, e.g. 2026-04."
        case .periodBackwards: "The date range ends ({to}) before it starts ({from})."
        case .periodNotAllowed: "Choose a whole month (from and to the same month), a quarter (e.g. 2026-04 to 2026-06), a calendar year (January to December) or a financial year (April to March); other ranges could be subtracted from each other to reveal a few people."
        case .periodHalfGiven: "Give both the first and the last month of the period, or neither for all time."
        case .distanceBandUnknown: "Choose a distance band in km: {allowed}."
        case .formatUnknown: "Format must be {allowed}."
        case .quarterNotValid: "Give the quarter as YYYY-Qn, e.g. 2026-Q2."
        }
    }
}

/// The name of a field as a problem's message says it ("Given name is required."): a code, so that a catalogue
/// words it too (`field.<code>`).
public enum FieldLabel: String, CaseIterable, Codable, Sendable {
    case aContribution, actionsInAPlan, address, aDescription, aDescriptionOfTheConcern, aDescriptionOfTheRisk, age
    case alsoWorthKnowingAboutMe, amount, amountAwarded, amountSpent, anActionsDueDate, answers, aReasonForDeclining
    case aReasonForRedirecting, aReasonForReopening, aReasonForTheReassignment, arrangement, aTriageNote, carerStatus
    case closingNote, closingReason, code, codeSystem, communicationNeeds, consentPurpose, consentPurposes
    case contactEMail, contactMode, contractName, dateOfBirth, directoryRecordsInOneImportRequest, display, email
    case endTimeParameter, familyName, feedbackPreference, followUp, from, funderName, fundersContributions, gender
    case givenName, goalsInAPlan, grouping, howConsentWasGiven, howTheConcernWasResolved, howToCommunicateWithMe
    case instrument, issuesInThePersonsWords, items, key, kindOfFunder, kindOfOrganisation, latParameter, location
    case longParameter, maximumAgeParameter, messageToTheReferrer, microGrantBudget, minimumAgeParameter, name, note
    case notes, noteToTheProvider, otherRequirements, outcomeInformationShared, outcomeOfContact, pageParameter
    case panelNote, pathway, pathways, paymentPerAttendance, paymentPerReferral, peopleWhoAreImportantToMe
    case perPageParameter, phone, pleaseDoAndPleaseDont, postcode, postcodeDistricts, practices, preferredLanguage
    case pronouns, proximityParameter, purpose, reason, reasonableAdjustments, reasonsForReferral, recipient
    case referralMethod, religionOrBelief, reportingDates, responsibilityForReview, returnResponseTo, reviewDate
    case riskInformation, role, routingRules, sessionDate, sex, source, startTimeParameter, status, targets, teamName
    case theAction, theActionsReviewDate, theActionsStatus, theCourseOrCertificate, theDateItWasClosed
    case theDateItWasCompleted, theDateItWasReceived, theDescription, theExpiryDate, theFeedback, theFeedURL
    case theGoalsImportance, theGoalsOutcome, theGoalsStatus, theInterest, theirRole, theKindOfRecord
    case theKindOfSupport, theLinkWorkerTakingOver, theLinkWorkerWhoseCaseloadMoves, theMeetingNote, theMessage
    case theName, theNeed, theNeedNothingFitted, theNote, theOutcome, thePersonsConfidence, thePersonsOwnView
    case thePersonsStrengths, theReasonForTheOverride, theReferrersGrade, theReferrersSpecialty, theReferrersTeam
    case theRisk, theStatus, timepoint, title, to, urgency, whatIsMostImportantToMe, whatItMustBe, whatItWasSpentOn
    case whatMattersToThePerson, whatTheComplaintIsAbout, whatTheGrantIsFor, whatTheRuleLooksAt, whatTheTeamCovers
    case whatWasGiven, whatWasMissing, whatWouldYouChange, whatYouAgreeTo, whatYouLearned, whatYouWouldLikeHelpWith
    case whereTheReferralIsRedirectedTo, whoAcknowledgedIt, whoAgreedThePlan, whoAttended, whoGaveConsent
    case whoMakesFirstContact, whoOwnsFollowUp, whoTheActionIsFor, whoToEscalateTo, whyNothingFitted, wordingEntries
    case yourAnswerToThePerson, yourWorry

    /// The label in Core's English, as a sentence starts with it.
    public var english: String {
        switch self {
        case .aContribution: "A contribution"
        case .actionsInAPlan: "actions in a plan"
        case .address: "Address"
        case .aDescription: "A description"
        case .aDescriptionOfTheConcern: "A description of the concern"
        case .aDescriptionOfTheRisk: "A description of the risk"
        case .age: "Age"
        case .alsoWorthKnowingAboutMe: "Also worth knowing about me"
        case .amount: "Amount"
        case .amountAwarded: "Amount awarded"
        case .amountSpent: "Amount spent"
        case .anActionsDueDate: "An action's due date"
        case .answers: "answers"
        case .aReasonForDeclining: "A reason for declining"
        case .aReasonForRedirecting: "A reason for redirecting"
        case .aReasonForReopening: "A reason for reopening"
        case .aReasonForTheReassignment: "A reason for the reassignment"
        case .arrangement: "Arrangement"
        case .aTriageNote: "A triage note"
        case .carerStatus: "Carer status"
        case .closingNote: "Closing note"
        case .closingReason: "Closing reason"
        case .code: "Code"
        case .codeSystem: "Code system"
        case .communicationNeeds: "Communication needs"
        case .consentPurpose: "Consent purpose"
        case .consentPurposes: "consent purposes"
        case .contactEMail: "Contact e-mail"
        case .contactMode: "Contact mode"
        case .contractName: "Contract name"
        case .dateOfBirth: "Date of birth"
        case .directoryRecordsInOneImportRequest: "directory records in one import request (use the import job API or `linkwell directory import` for more)"
        case .display: "Display"
        case .email: "Email"
        case .endTimeParameter: "end_time"
        case .familyName: "Family name"
        case .feedbackPreference: "Feedback preference"
        case .followUp: "Follow-up"
        case .from: "From"
        case .funderName: "Funder name"
        case .fundersContributions: "funders' contributions"
        case .gender: "Gender"
        case .givenName: "Given name"
        case .goalsInAPlan: "goals in a plan"
        case .grouping: "Grouping"
        case .howConsentWasGiven: "How consent was given"
        case .howTheConcernWasResolved: "How the concern was resolved"
        case .howToCommunicateWithMe: "How to communicate with me"
        case .instrument: "Instrument"
        case .issuesInThePersonsWords: "Issues in the person's words"
        case .items: "items"
        case .key: "Key"
        case .kindOfFunder: "Kind of funder"
        case .kindOfOrganisation: "Kind of organisation"
        case .latParameter: "lat"
        case .location: "Location"
        case .longParameter: "long"
        case .maximumAgeParameter: "maximum_age"
        case .messageToTheReferrer: "Message to the referrer"
        case .microGrantBudget: "Micro-grant budget"
        case .minimumAgeParameter: "minimum_age"
        case .name: "Name"
        case .note: "Note"
        case .notes: "Notes"
        case .noteToTheProvider: "Note to the provider"
        case .otherRequirements: "Other requirements"
        case .outcomeInformationShared: "Outcome information shared"
        case .outcomeOfContact: "Outcome of contact"
        case .pageParameter: "page"
        case .panelNote: "Panel note"
        case .pathway: "Pathway"
        case .pathways: "pathways"
        case .paymentPerAttendance: "Payment per attendance"
        case .paymentPerReferral: "Payment per referral"
        case .peopleWhoAreImportantToMe: "People who are important to me"
        case .perPageParameter: "per_page"
        case .phone: "Phone"
        case .pleaseDoAndPleaseDont: "Please do and please don't"
        case .postcode: "Postcode"
        case .postcodeDistricts: "postcode districts"
        case .practices: "practices"
        case .preferredLanguage: "Preferred language"
        case .pronouns: "Pronouns"
        case .proximityParameter: "proximity"
        case .purpose: "Purpose"
        case .reason: "Reason"
        case .reasonableAdjustments: "Reasonable adjustments"
        case .reasonsForReferral: "reasons for referral"
        case .recipient: "Recipient"
        case .referralMethod: "Referral method"
        case .religionOrBelief: "Religion or belief"
        case .reportingDates: "reporting dates"
        case .responsibilityForReview: "Responsibility for review"
        case .returnResponseTo: "Return response to"
        case .reviewDate: "Review date"
        case .riskInformation: "Risk information"
        case .role: "Role"
        case .routingRules: "routing rules"
        case .sessionDate: "Session date"
        case .sex: "Sex"
        case .source: "Source"
        case .startTimeParameter: "start_time"
        case .status: "Status"
        case .targets: "targets"
        case .teamName: "Team name"
        case .theAction: "The action"
        case .theActionsReviewDate: "The action's review date"
        case .theActionsStatus: "The action's status"
        case .theCourseOrCertificate: "The course or certificate"
        case .theDateItWasClosed: "The date it was closed"
        case .theDateItWasCompleted: "The date it was completed"
        case .theDateItWasReceived: "The date it was received"
        case .theDescription: "The description"
        case .theExpiryDate: "The expiry date"
        case .theFeedback: "The feedback"
        case .theFeedURL: "The feed URL"
        case .theGoalsImportance: "The goal's importance"
        case .theGoalsOutcome: "The goal's outcome"
        case .theGoalsStatus: "The goal's status"
        case .theInterest: "The interest"
        case .theirRole: "Their role"
        case .theKindOfRecord: "The kind of record"
        case .theKindOfSupport: "The kind of support"
        case .theLinkWorkerTakingOver: "The link worker taking over"
        case .theLinkWorkerWhoseCaseloadMoves: "The link worker whose caseload moves"
        case .theMeetingNote: "The meeting note"
        case .theMessage: "The message"
        case .theName: "The name"
        case .theNeed: "The need"
        case .theNeedNothingFitted: "The need nothing fitted"
        case .theNote: "The note"
        case .theOutcome: "The outcome"
        case .thePersonsConfidence: "The person's confidence"
        case .thePersonsOwnView: "The person's own view"
        case .thePersonsStrengths: "The person's strengths"
        case .theReasonForTheOverride: "The reason for the override"
        case .theReferrersGrade: "The referrer's grade"
        case .theReferrersSpecialty: "The referrer's specialty"
        case .theReferrersTeam: "The referrer's team"
        case .theRisk: "The risk"
        case .theStatus: "The status"
        case .timepoint: "Timepoint"
        case .title: "Title"
        case .to: "To"
        case .urgency: "Urgency"
        case .whatIsMostImportantToMe: "What is most important to me"
        case .whatItMustBe: "What it must be"
        case .whatItWasSpentOn: "What it was spent on"
        case .whatMattersToThePerson: "What matters to the person"
        case .whatTheComplaintIsAbout: "What the complaint is about"
        case .whatTheGrantIsFor: "What the grant is for"
        case .whatTheRuleLooksAt: "What the rule looks at"
        case .whatTheTeamCovers: "What the team covers"
        case .whatWasGiven: "What was given"
        case .whatWasMissing: "What was missing"
        case .whatWouldYouChange: "What would you change"
        case .whatYouAgreeTo: "What you agree to"
        case .whatYouLearned: "What you learned"
        case .whatYouWouldLikeHelpWith: "What you would like help with"
        case .whereTheReferralIsRedirectedTo: "Where the referral is redirected to"
        case .whoAcknowledgedIt: "Who acknowledged it"
        case .whoAgreedThePlan: "Who agreed the plan"
        case .whoAttended: "Who attended"
        case .whoGaveConsent: "Who gave consent"
        case .whoMakesFirstContact: "Who makes first contact"
        case .whoOwnsFollowUp: "Who owns follow-up"
        case .whoTheActionIsFor: "Who the action is for"
        case .whoToEscalateTo: "Who to escalate to"
        case .whyNothingFitted: "Why nothing fitted"
        case .wordingEntries: "wording entries"
        case .yourAnswerToThePerson: "Your answer to the person"
        case .yourWorry: "Your worry"
        }
    }
}
