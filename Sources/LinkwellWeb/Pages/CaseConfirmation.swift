/// What the case page says after each action, and the section it comes back at: every form on the case page
/// posts, then redirects to `/referrals/{id}?done=<action>#s-<section>`, and the section shows the NHS
/// notification banner (success) with this message (a staff message, `caseDone.*`). Sections are those of the
/// case page's sub-navigation.
struct CaseConfirmation: Sendable, Equatable {
    var section: String
    /// The message's key in the catalogue.
    var key: String

    /// The message in `catalogue`'s language.
    func message(_ catalogue: Catalogue) -> String { catalogue.text(key) }

    static let all: [String: CaseConfirmation] = [
        "accept": .init(section: "overview", key: "caseDone.accept"),
        "decline": .init(section: "overview", key: "caseDone.decline"),
        "triage": .init(section: "overview", key: "caseDone.triage"),
        "redirect": .init(section: "overview", key: "caseDone.redirect"),
        "allocate": .init(section: "overview", key: "caseDone.allocate"),
        "reassign": .init(section: "overview", key: "caseDone.reassign"),
        "merge": .init(section: "overview", key: "caseDone.merge"),
        "close": .init(section: "overview", key: "caseDone.close"),
        "reopen": .init(section: "overview", key: "caseDone.reopen"),
        "contacts": .init(section: "contacts", key: "caseDone.contacts"),
        "visit-check-in": .init(section: "contacts", key: "caseDone.visitCheckIn"),
        "visit-check-out": .init(section: "contacts", key: "caseDone.visitCheckOut"),
        "plan": .init(section: "plan", key: "caseDone.plan"),
        "action-done": .init(section: "plan", key: "caseDone.actionDone"),
        "goal-rating": .init(section: "plan", key: "caseDone.goalRating"),
        "review": .init(section: "plan", key: "caseDone.review"),
        "onward": .init(section: "referrals-out", key: "caseDone.onward"),
        "onward-status": .init(section: "referrals-out", key: "caseDone.onwardStatus"),
        "signpost": .init(section: "referrals-out", key: "caseDone.signpost"),
        "measure": .init(section: "measures", key: "caseDone.measure"),
        "consent-withdraw": .init(section: "overview", key: "caseDone.consentWithdraw"),
        "concern": .init(section: "safeguarding", key: "caseDone.concern"),
        "concern-review": .init(section: "safeguarding", key: "caseDone.concernReview"),
        "concern-resolve": .init(section: "safeguarding", key: "caseDone.concernResolve"),
        "concern-acknowledge": .init(section: "safeguarding", key: "caseDone.concernAcknowledge"),
    ]
}
