import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `ProviderPagesController`.
extension ProviderPagesController {
    struct InboxPage: Sendable {
        struct Row: Sendable { var id, personName, service, status, statusLabel, createdAt: String; var isNew: Bool }
        var rows: [Row]
        var isEmpty: Bool
        /// The count and the numbered page links (newest first; the status filter kept in every link).
        var links: PageLinks
        /// The status filter ("" is any status).
        var statusFilter: [Choice]
        var isFiltered: Bool
        /// Notices (a new referral, a case closed) and requests past their answer date (`setGroupVoice`).
        var notices: [GroupNotice] = []
        var hasNotices = false
        var overdue: [OverdueRequestRow] = []
        var hasOverdue = false
    }

    struct ReferralPage: Sendable {
        var id, service, personName, phone, email, language, communicationNeeds, linkWorker, note, status, statusLabel, reason, handover: String
        var interpreterNeeded, canRespond, canReportAttendance, consentWithdrawn: Bool
        /// The service's own progress steps from here (attending, on hold, completed, failed).
        var progressStatuses: [Choice] = []
        var canUpdateProgress = false
        var attendance: [CasePage.Attendance]
        var rejectionReasons: [Choice]
        var today: String
        /// The session's date, the NHS three-field date input (`date_input.mustache`), today's date to start with.
        var sessionDateField: DateField
        /// The thread with the link worker (`setThread`), and when the answer was due.
        var thread: [ThreadLine] = []
        var threadEmpty = true
        var overdue = false
        var answerDue = ""
        var sent = ""
        /// Whole sentences around the service, the link worker and the dates ("Referred to <strong>Health walks</strong> by link
        /// worker Sam Patel", HTML with the values escaped; the others plain text).
        var referredLine = "", overdueNotice = "", consentWithdrawnNotice = "", messageLabel = ""

        init(_ v: ProviderView, today: CalendarDate, _ t: Catalogue = .english) {
            id = v.onward.id.rawValue
            service = v.service.name
            personName = v.personName
            phone = v.phone
            email = v.email
            language = v.preferredLanguage
            communicationNeeds = v.communicationNeeds
            linkWorker = v.linkWorkerName
            note = v.onward.note
            status = v.onward.status.rawValue
            statusLabel = t.label(v.onward.status)
            reason = v.onward.rejectionReason.map { t.label($0) } ?? ""
            handover = CasePage.handover(v.onward, t)
            interpreterNeeded = v.interpreterNeeded
            consentWithdrawn = v.consentWithdrawn
            canRespond = v.onward.status == .requested
            canReportAttendance = v.onward.status.acceptsAttendance
            progressStatuses = OnwardStatus.allCases
                .filter { v.onward.status.canMove(to: $0) && $0.setByProvider && $0 != .accepted && $0 != .rejected }
                .map { Choice($0.rawValue, t.label($0)) }
            canUpdateProgress = !progressStatuses.isEmpty
            attendance = v.attendance.map { CasePage.Attendance(date: t.date($0.sessionDate), attended: $0.attended) }
            rejectionReasons = RejectionReason.allCases.map { Choice($0.rawValue, t.label($0)) }
            self.today = "\(today)"
            sessionDateField = DateField(name: "sessionDate", legend: t.text("providerReferral.sessionDate"), hint: t.text("providerReferral.sessionDateHint"),
                                         input: DateInput(day: String(today.day), month: String(today.month), year: String(today.year)),
                                         submitted: false, messages: t)
            sent = "\(CalendarDate(v.onward.createdAt))"
            answerDue = v.onward.answerDue.map { t.date($0) } ?? ""
            referredLine = t.text("providerReferral.referredLine", ["service": HTMLText.escape(service), "linkWorker": HTMLText.escape(linkWorker)])
            overdueNotice = t.text("providerReferral.overdueNotice", ["sent": t.date(v.onward.createdAt), "due": answerDue])
            consentWithdrawnNotice = t.text("providerReferral.consentWithdrawnNotice", ["linkWorker": linkWorker])
            messageLabel = t.text("providerReferral.messageToLinkWorker", ["linkWorker": linkWorker])
        }

        /// Shows again the session date as it was typed, its wrong parts marked.
        mutating func setSessionDate(_ input: DateInput, _ t: Catalogue) {
            sessionDateField = DateField(name: "sessionDate", legend: sessionDateField.legend, hint: sessionDateField.hint, input: input,
                                         submitted: true, messages: t)
        }
    }
}
