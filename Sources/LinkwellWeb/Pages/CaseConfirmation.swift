/// What the case page says after each action, and the section it comes back at: every form on the case page
/// posts, then redirects to `/referrals/{id}?done=<action>#s-<section>`, and the section shows the NHS
/// notification banner (success) with this message. Sections are those of the case page's sub-navigation.
struct CaseConfirmation: Sendable, Equatable {
    var section: String
    var message: String

    static let all: [String: CaseConfirmation] = [
        "accept": .init(section: "overview", message: "Referral accepted. The referrer has been told."),
        "decline": .init(section: "overview", message: "Referral declined. The referrer has been told."),
        "triage": .init(section: "overview", message: "Referral triaged."),
        "redirect": .init(section: "overview", message: "Referral passed to another service."),
        "allocate": .init(section: "overview", message: "Link worker allocated."),
        "reassign": .init(section: "overview", message: "Case reassigned."),
        "merge": .init(section: "overview", message: "Duplicate merged into this person."),
        "close": .init(section: "overview", message: "Case closed. The referrer has been told the outcome."),
        "reopen": .init(section: "overview", message: "Case reopened."),
        "contacts": .init(section: "contacts", message: "Contact recorded."),
        "visit-check-in": .init(section: "contacts", message: "Home visit checked in. Check out when you leave."),
        "visit-check-out": .init(section: "contacts", message: "Checked out of the home visit."),
        "plan": .init(section: "plan", message: "Plan saved."),
        "action-done": .init(section: "plan", message: "Action marked as done."),
        "goal-rating": .init(section: "plan", message: "Goal rating recorded."),
        "review": .init(section: "plan", message: "Review started."),
        "onward": .init(section: "referrals-out", message: "Referral out sent to the service."),
        "onward-status": .init(section: "referrals-out", message: "Referral out updated."),
        "signpost": .init(section: "referrals-out", message: "Signposting recorded."),
        "measure": .init(section: "measures", message: "Measure recorded."),
        "consent-withdraw": .init(section: "overview", message: "Withdrawal of consent recorded."),
        "concern": .init(section: "safeguarding", message: "Safeguarding concern raised."),
        "concern-review": .init(section: "safeguarding", message: "Concern marked as reviewed."),
        "concern-resolve": .init(section: "safeguarding", message: "Concern resolved."),
        "concern-acknowledge": .init(section: "safeguarding", message: "Acknowledgement recorded."),
    ]
}
