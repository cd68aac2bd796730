import Foundation

/// The rules a new password must meet, after NIST SP 800-63B §5.1.1.2 and the NCSC's password guidance:
/// long enough, not a common or breached password (or one with a few digits or symbols added to it), not
/// a repeated or sequential pattern, and not made of the user's own name, their e-mail or the service's
/// name. No composition rules (they make passwords worse, not better), no expiry.
///
/// bcrypt reads only the first 72 bytes of a password. Rather than silently ignoring the rest (a
/// 100-byte password would be "right" with any ending), a password longer than 72 bytes is refused.
/// That is 72 letters of plain English, or fewer with accented letters or emoji (2–4 bytes each):
/// more than the 64 characters NIST asks verifiers to allow, for ASCII. Pre-hashing (SHA-256, then
/// bcrypt) would lift the limit but needs a second hash format beside every stored bcrypt hash; refusing
/// keeps one format and says plainly what the limit is.
public struct PasswordPolicy: Sendable {
    /// NCSC: at least 12 characters (e.g. three random words); counted in characters, not bytes.
    public static let minimumLength = 12
    /// bcrypt's limit: everything after the 72nd byte would be ignored.
    public static let maximumBytes = 72
    /// Remaining characters below which a password is "made of" the user's name or e-mail.
    static let minimumOwnLength = 8

    /// Lower-cased common and breached passwords.
    public let commonPasswords: Set<String>

    public init(commonPasswords: Set<String>) {
        self.commonPasswords = Set(commonPasswords.map { $0.lowercased() })
    }

    /// A list with one password a line (blank lines and lines starting with `#` are skipped).
    public init(commonPasswordList text: String) {
        self.init(commonPasswords: Set(text.split(whereSeparator: \.isNewline).compactMap {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return line.isEmpty || line.hasPrefix("#") ? nil : line
        }))
    }

    /// Why this password may not be used by this user, as problems with field `field` (empty when it may).
    public func problems(_ password: String, name: String, email: String, field: String = "password") -> [FieldError] {
        var problems: [FieldError] = []
        if password.count < Self.minimumLength {
            problems.append(FieldError(field, .passwordTooShort, ["min": String(Self.minimumLength)]))
        }
        if password.utf8.count > Self.maximumBytes {
            problems.append(FieldError(field, .passwordTooLong, ["max": String(Self.maximumBytes)]))
        }
        guard problems.isEmpty else { return problems }
        let lower = password.lowercased()
        if isCommon(lower) {
            problems.append(FieldError(field, .passwordCommon))
        } else if isPattern(lower) {
            problems.append(FieldError(field, .passwordPattern))
        } else if isOwn(lower, name: name, email: email) {
            problems.append(FieldError(field, .passwordTooCloseToName))
        }
        return problems
    }

    /// On the list as it is, or once the digits and symbols at its ends are taken off ("Password2026!").
    func isCommon(_ lower: String) -> Bool {
        if commonPasswords.contains(lower) { return true }
        let core = lower.trimmingCharacters(in: CharacterSet.letters.inverted)
        return core.count >= 4 && commonPasswords.contains(core)
    }

    /// Very few distinct characters, one short unit repeated ("abcabcabcabc"), or a run up or down
    /// ("abcdefghijkl", "987654321098" counts as a run of digits).
    func isPattern(_ lower: String) -> Bool {
        let characters = Array(lower)
        if Set(characters).count < 5 { return true }
        for period in 1...(characters.count / 2) where characters.count % period == 0 {
            if (period..<characters.count).allSatisfy({ characters[$0] == characters[$0 - period] }) { return true }
        }
        let scalars = lower.unicodeScalars.map { Int($0.value) }
        let steps = zip(scalars, scalars.dropFirst()).map { $1 - $0 }
        let run = steps.filter { $0 == 1 || $0 == -1 || $0 == 9 || $0 == -9 }.count
        return run >= steps.count - 1
    }

    /// What is left after taking out the user's names, their e-mail's name part and the service's name
    /// is too short to be a password of its own.
    func isOwn(_ lower: String, name: String, email: String) -> Bool {
        // The e-mail's domain is left out: every colleague shares it, and it names the organisation, not the user.
        let separators = CharacterSet.alphanumerics.inverted
        let local = String(email.lowercased().split(separator: "@").first ?? "")
        var words = name.lowercased().components(separatedBy: separators)
            + local.components(separatedBy: separators) + [local] + ["linkwell"]
        words = words.filter { $0.count >= 3 }.sorted { $0.count > $1.count }
        var rest = lower
        for word in words { rest = rest.replacingOccurrences(of: word, with: "") }
        return rest.count < Self.minimumOwnLength
    }
}
