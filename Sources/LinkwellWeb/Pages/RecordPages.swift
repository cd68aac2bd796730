import Foundation
import LinkwellCore

/// The case page's "NHS record" panel: the standard's risks (mandatory; "no known risks" recordable)
/// and plan and requested actions, with the forms that add and end them and a link to the letter.
public struct RecordPanel: Sendable {
    public struct Entry: Sendable { public var id, what, recorded: String; public var current: Bool }
    public var risks: [Entry]
    public var hasRisks: Bool
    /// No current entry: the message back cannot be made until one is recorded.
    public var risksMissing: Bool
    public var actions: [Entry]
    public var hasActions: Bool
    public var riskChoices: [Choice]
    public var audiences: [Choice]
    public var canRecord: Bool
    // Record details (every item optional).
    public var genders: [Choice]
    public var carerStatuses: [Choice]
    public var pronouns, whatMattersToMe, peopleImportantToMe, howToCommunicateWithMe, pleaseDoAndDont, alsoWorthKnowing: String
    public var reasonableAdjustments, otherRequirements, personReportedIssues: String
    public var title = "", religion = ""
    /// What is recorded, for reading (empty items left out).
    public var detailLines: [Choice]
    public var hasDetails: Bool

    public init(_ c: Case, names: UserNames, _ t: Catalogue = .english) {
        risks = c.risks.reversed().map { r in
            let what = [t.risk(r.risk), r.detail.isEmpty ? nil : r.detail].compactMap { $0 }.joined(separator: " — ")
            let recorded = t.text("casePage.recordedBy", ["date": t.date(r.recordedAt), "name": names[r.recordedBy]])
            return Entry(id: r.id, what: what, recorded: r.endedAt.map { t.text("casePage.recordedAndEnded", ["recorded": recorded, "date": t.date($0)]) } ?? recorded,
                         current: r.isCurrent)
        }
        hasRisks = !risks.isEmpty
        risksMissing = c.currentRisks.isEmpty && c.referral.riskInformation.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        actions = c.requestedActions.reversed().map { a in
            let recorded = t.text("casePage.recordedBy", ["date": t.date(a.recordedAt), "name": names[a.recordedBy]])
            return Entry(id: a.id, what: t.text(a.agreedWithPerson ? "casePage.requestedActionAgreed" : "casePage.requestedAction",
                                                ["audience": t.label(a.audience), "action": a.description]),
                         recorded: a.withdrawnAt.map { t.text("casePage.recordedAndWithdrawn", ["recorded": recorded, "date": t.date($0)]) } ?? recorded,
                         current: a.isCurrent)
        }
        hasActions = !actions.isEmpty
        riskChoices = RiskCodes.localValues.map { Choice($0.key, t.risk($0.key)) }
        audiences = ActionAudience.allCases.map { Choice($0.rawValue, t.label($0)) }
        canRecord = !c.referral.status.isWaiting && c.referral.status != .declined && c.referral.status != .redirected
        let d = c.details ?? .empty(c.referral.id, by: UserID(""), at: Date(timeIntervalSince1970: 0))
        genders = Gender.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == d.gender) }
        carerStatuses = CarerStatus.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == d.carerStatus) }
        (pronouns, whatMattersToMe, peopleImportantToMe) = (d.pronouns, d.whatMattersToMe, d.peopleImportantToMe)
        (howToCommunicateWithMe, pleaseDoAndDont, alsoWorthKnowing) = (d.howToCommunicateWithMe, d.pleaseDoAndDont, d.alsoWorthKnowing)
        (reasonableAdjustments, otherRequirements, personReportedIssues) = (d.reasonableAdjustments, d.otherRequirements, d.personReportedIssues)
        (title, religion) = (d.title ?? "", d.religion ?? "")
        let lines: [(String, String)] = [
            ("title", title), ("religion", religion),
            ("gender", d.gender == .notStated ? "" : t.label(d.gender)), ("pronouns", d.pronouns),
            ("carerStatus", d.carerStatus == .notStated ? "" : t.label(d.carerStatus)),
            ("whatMattersToMe", d.whatMattersToMe), ("peopleImportantToMe", d.peopleImportantToMe),
            ("howToCommunicateWithMe", d.howToCommunicateWithMe), ("pleaseDoAndDont", d.pleaseDoAndDont),
            ("alsoWorthKnowing", d.alsoWorthKnowing), ("reasonableAdjustments", d.reasonableAdjustments),
            ("otherRequirements", d.otherRequirements), ("personReportedIssues", d.personReportedIssues),
        ]
        detailLines = lines.filter { !$0.1.isEmpty }.map { Choice($0.1, t.text("recordDetails.\($0.0)")) }
        hasDetails = !detailLines.isEmpty
    }
}

/// The printable message back letter (`/referrals/{id}/message-back`).
public struct MessageBackLetterPage: Sendable {
    public struct Line: Sendable { public var text: String }
    public struct Item: Sendable { public var title, detail: String }
    public var id: String
    public var title: String
    public var date: String
    public var about: String
    public var recipients: [Item]
    public var from: String
    public var noActions: String?
    public var forProfessionals: [Line]
    public var forPerson: [Line]
    public var hasForProfessionals: Bool
    public var hasForPerson: Bool
    public var journey: [Line]
    public var needs: String?
    public var personView: String?
    public var takenUp: [Item]
    public var notTakenUp: [Item]
    public var signposting: [Item]
    public var hasTakenUp: Bool
    public var hasNotTakenUp: Bool
    public var hasSignposting: Bool
    public var scores: [Item]
    public var hasScores: Bool
    public var risks: [Item]
    public var safeguarding: [Item]
    public var hasSafeguarding: Bool
    public var note: String?
    /// The care and support plan, line by line (empty without a plan).
    public var carePlan: [Line] = []
    public var hasCarePlan = false
    public var codes: String?
    /// When the document cannot be made: what the record lacks.
    public var missing: [Line]
    public var isMissing: Bool

    /// `t` words the page's own sentences around the document's content (`messageBackPage.*`); what the document
    /// carries (its title, the plan's statement and actions, statuses, the care plan's lines) is shown as Core built it.
    public init(id: ReferralID, _ doc: MessageBackDocument, _ t: Catalogue = .english) {
        self.id = id.rawValue
        title = MessageBackDocument.title
        date = t.date(doc.createdAt)
        let s = doc.subject
        let name = "\(s.givenName) \(s.familyName)"
        let person = s.nhsNumber.map { t.text("messageBackPage.aboutWithNhsNumber", ["name": name, "born": "\(s.dateOfBirth)", "nhsNumber": $0]) }
            ?? t.text("messageBackPage.about", ["name": name, "born": "\(s.dateOfBirth)"])
        let practice = s.gpPractice.odsCode.map { t.text("messageBackPage.practiceWithOds", ["practice": s.gpPractice.organisationName ?? "", "ods": $0]) }
            ?? t.text("messageBackPage.practice", ["practice": s.gpPractice.organisationName ?? ""])
        about = person + " " + practice
        recipients = doc.recipients.map { r in
            Item(title: t.text(r.role == "referrer" ? "messageBackPage.referrer" : "messageBackPage.registeredPractice"),
                 detail: [r.name, r.jobRole, r.grade, r.team, r.specialty, r.organisationName, r.odsCode.map { t.text("messageBackPage.ods", ["code": $0]) }, r.email]
                    .compactMap { $0 }.joined(separator: ", "))
        }
        if let other = doc.returnResponseTo { recipients.append(Item(title: t.text("messageBackPage.returnResponseTo"), detail: other)) }
        from = [doc.author.name, doc.author.jobRole, doc.author.organisationName].compactMap { $0 }.joined(separator: ", ")
        let plan = doc.planAndRequestedActions
        noActions = plan.statement
        forProfessionals = plan.forProfessionals.map { Line(text: $0.description) }
        forPerson = plan.forPersonOrCarer.map {
            Line(text: $0.agreedWithPerson ? t.text("messageBackPage.agreedWithPerson", ["action": $0.description]) : $0.description)
        }
        hasForProfessionals = !forProfessionals.isEmpty
        hasForPerson = !forPerson.isEmpty
        let j = doc.summary
        journey = [Line(text: t.text("messageBackPage.received", ["date": t.date(j.referralReceivedAt), "status": j.status.lowercased()]))]
            + (j.firstSeenAt.map { [Line(text: t.text("messageBackPage.firstSeen", ["date": t.date($0), "contacts": String(j.contactsMade)]))] } ?? [])
            + (j.closedAt.map { at in
                [Line(text: j.closingReason.map { t.text("messageBackPage.closedBecause", ["date": t.date(at), "reason": $0.display.lowercased()]) }
                    ?? t.text("messageBackPage.closed", ["date": t.date(at)]))]
            } ?? [])
        needs = j.needs.isEmpty ? nil : j.needs.map { $0.mapped ? t.text("messageBackPage.needCoded", ["need": $0.display, "code": $0.code]) : $0.display }
            .joined(separator: "; ")
        personView = j.personView
        func items(_ list: [MessageBackDocument.Support]) -> [Item] {
            list.map { Item(title: $0.description, detail: [$0.organisationName, $0.status, $0.reason].compactMap { $0 }.joined(separator: " — ")) }
        }
        takenUp = items(j.supportTakenUp)
        notTakenUp = items(j.supportNotTakenUp)
        signposting = items(j.signposting)
        hasTakenUp = !takenUp.isEmpty
        hasNotTakenUp = !notTakenUp.isEmpty
        hasSignposting = !signposting.isEmpty
        scores = j.outcomeScores.map { o in
            Item(title: "\(o.scale.display): \(o.scoreLabel)",
                 detail: "\(o.before.map(Self.number) ?? "—") → \(o.after.map(Self.number) ?? "—")" + (o.verdict.map { " (\($0))" } ?? ""))
        }
        hasScores = !scores.isEmpty
        risks = j.risks.map { Item(title: $0.risk.display, detail: $0.detail ?? "") }
        safeguarding = j.safeguarding.map { c in
            let values = ["date": t.date(c.raisedAt), "to": c.escalatedTo.lowercased(), "status": c.status]
            return Item(title: c.description, detail: c.resolution.map { t.text("messageBackPage.raisedResolved", values.merging(["resolution": $0]) { a, _ in a }) }
                ?? t.text("messageBackPage.raised", values))
        }
        hasSafeguarding = !safeguarding.isEmpty
        note = j.note
        carePlan = doc.carePlan?.lines.map { Line(text: $0) } ?? []
        hasCarePlan = !carePlan.isEmpty
        codes = doc.nationalCodes.isEmpty ? nil : doc.nationalCodes.map { "\($0.code) \($0.display)" }.joined(separator: "; ")
        missing = []
        isMissing = false
    }

    /// The page when the document cannot be made.
    public init(id: ReferralID, missing: [FieldError]) {
        self.id = id.rawValue
        title = MessageBackDocument.title
        (date, about, from) = ("", "", "")
        (recipients, forProfessionals, forPerson, journey, takenUp, notTakenUp, signposting, scores, risks, safeguarding) = ([], [], [], [], [], [], [], [], [], [])
        (hasForProfessionals, hasForPerson, hasTakenUp, hasNotTakenUp, hasSignposting, hasScores, hasSafeguarding) = (false, false, false, false, false, false, false)
        self.missing = missing.map { Line(text: "\($0.field): \($0.message)") }
        isMissing = true
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
}
