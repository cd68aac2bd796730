import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `AdminPagesController`.
extension AdminPagesController {
    struct UsersPage: Sendable {
        struct Row: Sendable { var id, name, email, role, organisation, state: String }
        var rows: [Row]
        var roles: [Choice]
        var organisations: [Choice]
        var email, displayName: String
        /// The list's filter as given (`search`, `role`) and its pages.
        var search = ""
        var roleFilter: [Choice] = []
        var links: PageLinks?
    }

    struct OutboxPage: Sendable {
        struct Row: Sendable { var created, kind, recipient, state, attempts, sent, error: String; var failed: Bool }
        var rows: [Row]
        var transport: String
        var off: Bool
        var queued, sent, failed: Int
        /// The state shown (`state`: all when empty) and the list's pages.
        var states: [Choice] = []
        var links: PageLinks?
    }

    struct AuditPage: Sendable {
        struct Row: Sendable {
            /// The event's own id (two events can read alike to the minute).
            var id: String
            var at, actor, action, recordType, recordID, route, outcome: String; var denied: Bool
            /// The referral whose person the event is about, when the record is part of their case.
            var subjectID: String?
        }
        var rows: [Row]
        var recordID: String
        /// The filter as given: who acted (e-mail), what they did, and from and to which day.
        var user = "", action = ""
        var fromField, toField: DateField
        var links: PageLinks?
    }

    struct SettingsPage: Sendable { var pathways, minimumAge, maximumAge, catchmentAreas, retentionMonths, minimumGroupSize, reopenWindowDays, floor: String; var twoFactorRoles: [Choice] }
}

/// The page models of `UserAdminController`.
extension UserAdminController {
    struct UserPage: Sendable {
        var id, name, email, role, organisation, created: String
        var active, locked, twoFactor, hasOrganisation: Bool
        var openReferrals: Int
        var hasOpenReferrals: Bool
        var roles: [Choice]
        var linkWorkers: [Choice]
        var isLinkWorker: Bool
    }

    struct TokensPage: Sendable {
        struct Row: Sendable { var token: AccountController.AccountPage.TokenRow; var owner: String }
        var rows: [Row]
        var links: PageLinks?
    }
}

/// The page models of `AccountController`.
extension AccountController {
    struct CodePage: Sendable {}

    struct SetupPage: Sendable { var secret, uri: String; var required, signingIn: Bool }

    struct RecoveryCodesPage: Sendable { var codes: [String]; var next: String }

    struct AccountPage: Sendable {
        struct SessionRow: Sendable { var id, started, lastSeen, browser: String; var current: Bool }
        struct TokenRow: Sendable { var id, purpose, created, expires, lastUsed, state: String; var usable: Bool }
        var name, email, role: String
        var twoFactor, twoFactorRequired: Bool
        var recoveryCodesLeft: Int
        /// "On. You have 8 unused recovery codes." (set by the controller from the messages).
        var twoFactorState = ""
        var sessions: [SessionRow]
        var tokens: [TokenRow]
        var hasTokens: Bool
    }
}
