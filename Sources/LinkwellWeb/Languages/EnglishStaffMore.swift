import LinkwellCore

/// More English staff messages, kept apart from `EnglishStaff.swift` by subject: words built in Swift for the
/// directory's reasons and governance lines, the referral form's choices (plain text, shown escaped).
extension Catalogue {
    static let englishStaffMore: [String: String] = [
        // The referral form's choices built in Swift (`CasePagesController.ReferralForm`).
        "referralNew.dateOfBirth": "Date of birth",
        "referralNew.dateOfBirthHint": "For example, 27 3 1956",
        "referralNew.purpose.share_with_providers": "Share the minimum necessary with community services the link worker refers them to",
        "referralNew.purpose.share_with_referrer": "Send updates to the referrer and GP",
        "referralNew.purpose.evaluation": "Use their information, without their name, to evaluate the service",
        "referralNew.feedback.key_events": "At each key step (accepted, first seen, closed)",
        "referralNew.feedback.closing_only": "Only when the case closes",
        "referralNew.ethnicity.preferNotToSay": EthnicGroup.preferNotToSay.label,
        // Why a directory search result matched (`Catalogue.matchReasons`), each a part of one line joined by " · ".
        "directorySearch.reason.none": "In the directory",
        "directorySearch.reason.listSeparator": ", ",
        "directorySearch.reason.wordsInName": "“{words}” in the name",
        "directorySearch.reason.mentions": "mentions “{words}”",
        "directorySearch.reason.metresAway": "{metres} m away",
        "directorySearch.reason.kmAway": "{km} km away",
        "directorySearch.reason.openAt": "open {day} {opens}–{closes}",
        "directorySearch.reason.free": "free",
        "directorySearch.reason.language": "works in {language}",
        "directorySearch.reason.accessibility": "{description}",
        "directorySearch.reason.age": "open to age {age}",
        "directorySearch.reason.onePlaceFree": "1 place free now",
        "directorySearch.reason.placesFree": "{count} places free now",
        "directorySearch.reason.waitingListOneWeek": "waiting list about 1 week",
        "directorySearch.reason.waitingListWeeks": "waiting list about {weeks} weeks",
        "directorySearch.reason.temporarilyClosed": "temporarily closed",
        // Where an organisation's governance checks stand (`Catalogue.governanceSummary`); {problems} is the findings joined by "; ".
        "governance.summary.current": "Governance checks current",
        "governance.summary.expiring_soon": "Governance checks current; {problems}",
        "governance.summary.expired": "Governance checks expired: {problems}",
        "governance.summary.incomplete": "Governance checks incomplete: {problems}",
        "governance.summary.unchecked": "No governance checks recorded",
        "governance.finding.missing": "no {check}",
        "governance.finding.expired": "{check} expired on {date}",
        "governance.finding.expiring": "{check} expires on {date}",
        "governance.check.safeguardingPolicy": "safeguarding policy",
        "governance.check.insurance": "insurance",
        "governance.check.dbs": "DBS checks",
        "governance.needsOverride": "{summary} (a supervisor's override is needed)",
        "governance.serviceChoice": "{service} — {summary}",
        // The governance line of a service page: each check ticked or crossed, when checked, expiry dates, the standing.
        "directoryService.governanceHeld": "✓ {check}",
        "directoryService.governanceNotHeld": "✗ {check}",
        "directoryService.governanceCheck.constituted": "constituted",
        "directoryService.governanceCheck.safeguardingPolicy": "safeguarding policy",
        "directoryService.governanceCheck.insurance": "insurance",
        "directoryService.governanceCheck.dbsForHomeVisits": "DBS checks for home visits",
        "directoryService.governanceExpiry": "{check} expires {date}",
        "directoryService.governanceLine": "{checks} (checked {date}). {summary}.",
        "directoryService.governanceLineWithExpiries": "{checks} (checked {date}); {expiries}. {summary}.",
    ]
}
