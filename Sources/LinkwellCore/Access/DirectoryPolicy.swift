/// Who may do what in the directory. Anyone may read the public listing (the ORUK feed); these are
/// the rules for the scheme's private side.
public enum DirectoryPolicy {
    /// Link workers' feedback, capacity detail and governance are for scheme staff and the admin.
    public static func canSeePrivateNotes(_ p: Principal) -> Bool { [.linkWorker, .supervisor, .admin].contains(p.role) }
    /// Providers edit their own organisation's listings; the admin edits any.
    public static func canEdit(organizationID: String?, _ p: Principal) -> Bool {
        p.role == .admin || (p.role == .provider && p.organisationID != nil && p.organisationID?.rawValue == organizationID)
    }
    public static func canReview(_ p: Principal) -> Bool { p.role == .admin }
    public static func canSearch(_ p: Principal) -> Bool { [.linkWorker, .supervisor, .admin].contains(p.role) }
}
