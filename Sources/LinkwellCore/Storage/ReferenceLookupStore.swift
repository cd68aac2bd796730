import Foundation

/// Bounded look-ups of reference data (services, organisations, staff), so that a page names only what it
/// shows instead of loading a directory of 100,000 services or a national register of 13,000 practices.
///
/// Every implementation must guarantee:
/// - The `ids:` look-ups return the rows with those ids (unknown ids are left out), sorted by name then id.
/// - Text matching is a case-insensitive substring match (ASCII letters fold; `%` and `_` match themselves),
///   and an empty text matches everything; results are sorted by name then id and never exceed `limit`.
public protocol ReferenceLookupStore: Sendable {
    func services(ids: [ServiceID]) async throws -> [Service]
    /// Active services whose name or category contains `text`.
    func activeServices(matching text: String, limit: Int) async throws -> [Service]
    func organisations(ids: [OrganisationID]) async throws -> [Organisation]
    /// GP practices (with an ODS code) whose name contains `text` or whose ODS code is `text` (any case).
    func practices(matching text: String, limit: Int) async throws -> [Organisation]
    func users(ids: [UserID]) async throws -> [User]
    /// The display name of each of these users that exists: what a page that names staff needs of them.
    func displayNames(ids: [UserID]) async throws -> [UserID: String]
    /// The link worker of each of these referrals that has one.
    func linkWorkers(referralIDs: [ReferralID]) async throws -> [ReferralID: UserID]
    /// The service each of these referrals out was sent to.
    func serviceIDs(onwardReferralIDs: [OnwardReferralID]) async throws -> [OnwardReferralID: ServiceID]
}

extension ReferenceLookupStore {
    public func displayNames(ids: [UserID]) async throws -> [UserID: String] {
        Dictionary(try await users(ids: ids).map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
    }
}

extension String {
    /// `self` as a LIKE pattern matching it as a substring (lower case), with `!` escaping `%`, `_` and `!`.
    public var likeSubstringPattern: String {
        var escaped = ""
        for ch in Self.asciiLower(self) {
            if ch == "%" || ch == "_" || ch == "!" { escaped.append("!") }
            escaped.append(ch)
        }
        return "%" + escaped + "%"
    }

    /// Whether `self` contains `text` ignoring case the way the SQL backends do (ASCII folding).
    public func containsFoldingASCII(_ text: String) -> Bool {
        text.isEmpty || Self.asciiLower(self).contains(Self.asciiLower(text))
    }

    static func asciiLower(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
    }
}
