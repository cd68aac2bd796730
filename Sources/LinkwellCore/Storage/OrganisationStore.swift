import Foundation

/// The organisations register beyond creating one (`AccountStore.createOrganisation`): editing, finding
/// one by its ODS code, and importing an ODS extract.
///
/// Every implementation must guarantee:
/// - ODS codes are unique: saving an organisation whose code another organisation has throws
///   `StorageError.duplicate("odsCode")` and stores nothing.
/// - `saveOrganisations` is atomic: every organisation is stored, or (on any error) none.
public protocol OrganisationStore: Sendable {
    /// Inserts the organisation, or replaces the one with its id.
    func saveOrganisation(_ organisation: Organisation) async throws
    /// Inserts or replaces each organisation (by id), all in one transaction.
    func saveOrganisations(_ organisations: [Organisation]) async throws
    /// The organisation with this ODS code (upper case), if any.
    func organisation(odsCode: String) async throws -> Organisation?
    /// Messages back addressed to an organisation (a registered GP practice), newest first.
    func messages(organisationID: OrganisationID) async throws -> [MessageBack]
}
