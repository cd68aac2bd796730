import LinkwellCore

/// English staff messages added in session 13, kept in their own file (merged into the staff catalogue in
/// `EnglishStaff.swift` like `englishStaffMore`): the referrer's numbered lists of people and messages back.
extension Catalogue {
    static let englishStaffPages13: [String: String] = [
        // The referrer's home: the people they referred, numbered pages (`PageLinks`, list "people").
        "pager.people.count": "{count} people",
        "pager.people.label": "Pages of people",
        "pager.people.none": "No people",
        "pager.people.next": "Next<span class=\"visually-hidden\"> page of people</span>",
        "pager.people.page": "<span class=\"visually-hidden\">Page </span>{number}<span class=\"visually-hidden\"> of people</span>",
        "pager.people.previous": "Previous<span class=\"visually-hidden\"> page of people</span>",
        "pager.people.one": "1 person",
        "pager.people.range": "People {first} to {last} of {total}",
        // The referrer's messages back (`?list=messages`), numbered pages (list "messagesBack").
        "pager.messagesBack.count": "{count} messages back",
        "pager.messagesBack.label": "Pages of messages back",
        "pager.messagesBack.none": "No messages back",
        "pager.messagesBack.next": "Next<span class=\"visually-hidden\"> page of messages back</span>",
        "pager.messagesBack.page": "<span class=\"visually-hidden\">Page </span>{number}<span class=\"visually-hidden\"> of messages back</span>",
        "pager.messagesBack.previous": "Previous<span class=\"visually-hidden\"> page of messages back</span>",
        "pager.messagesBack.one": "1 message back",
        "pager.messagesBack.range": "Messages back {first} to {last} of {total}",
        // The provider's attendance form: the session date's hint (three-field date input).
        "providerReferral.sessionDateHint": "For example, 27 3 2026",
        // The message back letter's own sentences around the document (`MessageBackLetterPage`): plain text, shown escaped.
        "messageBackPage.about": "{name}, born {born}.",
        "messageBackPage.aboutWithNhsNumber": "{name}, born {born}, NHS number {nhsNumber}.",
        "messageBackPage.practice": "Registered GP practice: {practice}.",
        "messageBackPage.practiceWithOds": "Registered GP practice: {practice} ({ods}).",
        "messageBackPage.referrer": "Referrer",
        "messageBackPage.registeredPractice": "Registered GP practice",
        "messageBackPage.ods": "ODS {code}",
        "messageBackPage.returnResponseTo": "Return response to",
        "messageBackPage.agreedWithPerson": "{action} (agreed with the person)",
        "messageBackPage.received": "Referral received {date}; now {status}.",
        "messageBackPage.firstSeen": "First seen {date}; {contacts} contacts with the person.",
        "messageBackPage.closed": "Closed {date}.",
        "messageBackPage.closedBecause": "Closed {date}: {reason}.",
        "messageBackPage.needCoded": "{need} (SNOMED CT {code})",
        "messageBackPage.raised": "Raised {date}, escalated to {to}, {status}",
        "messageBackPage.raisedResolved": "Raised {date}, escalated to {to}, {status}: {resolution}",
        // The code lists page: each list's name (`CodeListKind`) and the code systems.
        "codeLists.list.needs": "Needs and concerns",
        "codeLists.list.support_offered": "Support offered",
        "codeLists.list.contact_methods": "Contact methods",
        "codeLists.list.contact_outcomes": "Outcomes of contact",
        "codeLists.list.closing_reasons": "Closing reasons",
        "codeLists.list.risks": "Risks",
        "codeLists.list.assessments": "Assessment scales",
        "codeLists.snomed": "SNOMED CT",
        "codeLists.localUnmapped": "Local (unmapped)",
        "codeLists.localCodeUnmapped": "Local code (unmapped)",
    ]
}
