/// Relationship checks: who may see and act on which case. Roles alone are not enough.
public enum AccessPolicy {
    /// May this user read the person's record held in this case?
    public static func canRead(_ c: Case, _ p: Principal) -> Bool {
        switch p.role {
        case .referrer: c.referral.referrerID == p.userID
        case .linkWorker: c.referral.linkWorkerID == p.userID || (c.referral.linkWorkerID == nil && c.referral.status.isWaiting)
        case .supervisor: true
        case .person: p.personID != nil && c.referral.personID == p.personID
        case .provider, .commissioner, .admin, .steeringGroup: false
        }
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
