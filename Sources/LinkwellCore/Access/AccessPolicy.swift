/// Relationship checks: who may see and act on which case. Roles alone are not enough.
///
/// Teams (least privilege): a link worker sees the cases on their own caseload, and waiting referrals
/// that no link worker holds yet only when those are theirs to pick up — placed on a team they belong to,
/// or placed on no team (the scheme-wide list; in a scheme without teams that is every waiting referral).
/// A waiting referral routed to another team is not theirs: it answers "not found", as any other case.
/// Supervisors see every case; administrators, none (they run the scheme, not casework).
public enum AccessPolicy {
    /// May this user read the person's record held in this case?
    public static func canRead(_ c: Case, _ p: Principal) -> Bool {
        switch p.role {
        case .referrer: c.referral.referrerID == p.userID
        case .linkWorker: c.referral.linkWorkerID == p.userID || (c.referral.linkWorkerID == nil && c.referral.status.isWaiting && mayPickUp(c.team, p.userID))
        case .supervisor: true
        case .person: p.personID != nil && c.referral.personID == p.personID
        case .provider, .commissioner, .admin, .steeringGroup: false
        }
    }

    /// May this link worker pick up a waiting referral placed on `team` (nil: on no team)?
    public static func mayPickUp(_ team: CaseTeam?, _ linkWorkerID: UserID) -> Bool {
        team.map { $0.linkWorkerIDs.contains(linkWorkerID) } ?? true
    }

    /// May this user carry out casework on it (accept, contacts, plan, referral out, close)?
    public static func canWork(_ c: Case, _ p: Principal) -> Bool {
        switch p.role {
        case .linkWorker: canRead(c, p)
        case .supervisor: true
        default: false
        }
    }

    /// May this provider user see this referral out? Only when it went to one of their organisation's services.
    public static func canSeeOnward(_ service: Service, _ p: Principal) -> Bool {
        p.role == .provider && p.organisationID != nil && service.organisationID == p.organisationID
    }
}
