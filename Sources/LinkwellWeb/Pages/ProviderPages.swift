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
        /// The thread with the link worker (`setThread`), and when the answer was due.
        var thread: [ThreadLine] = []
        var threadEmpty = true
        var overdue = false
        var answerDue = ""
        var sent = ""

        init(_ v: ProviderView, today: CalendarDate) {
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
            statusLabel = v.onward.status.label
            reason = v.onward.rejectionReason?.label ?? ""
            handover = CasePage.handover(v.onward)
            interpreterNeeded = v.interpreterNeeded
            consentWithdrawn = v.consentWithdrawn
            canRespond = v.onward.status == .requested
            canReportAttendance = v.onward.status.acceptsAttendance
            progressStatuses = OnwardStatus.allCases
                .filter { v.onward.status.canMove(to: $0) && $0.setByProvider && $0 != .accepted && $0 != .rejected }
                .map { Choice($0.rawValue, $0.label) }
            canUpdateProgress = !progressStatuses.isEmpty
            attendance = v.attendance.map { CasePage.Attendance(date: "\($0.sessionDate)", attended: $0.attended) }
            rejectionReasons = RejectionReason.allCases.map { Choice($0.rawValue, $0.label) }
            self.today = "\(today)"
            sent = "\(CalendarDate(v.onward.createdAt))"
            answerDue = v.onward.answerDue.map(Format.date) ?? ""
        }
    }
}
