import Foundation
import LinkwellCore

/// The password policy with the list of common and breached passwords that ships with Linkwell
/// (`Resources/common-passwords.txt`; source and licence in `Resources/README.md`).
public enum ShippedPasswordPolicy {
    /// Read once, on first use.
    public static let standard: PasswordPolicy = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("The common-passwords list is missing from the LinkwellPasswords bundle.")
        }
        return PasswordPolicy(commonPasswordList: text)
    }()
}
