import Foundation

/// Organisation Data Service (ODS) codes: the identifiers NHS England gives GP practices, PCNs, ICBs,
/// councils and other bodies. Only the shape is checked here (whether a code exists needs the ODS
/// extract); the sources of each rule are in `docs/ods-codes.md`.
public enum ODSCode {
    /// Upper-cased, with surrounding spaces removed.
    public static func normalised(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
    }

    /// Why `code` (already normalised) is not a valid ODS code for an organisation of this kind, or nil when it is.
    /// - GP practice (a prescribing cost centre): one letter and five digits, e.g. `B86012`.
    /// - Primary care network: `U` and five digits, e.g. `U12345`.
    /// - Any other kind: 3 to 10 letters and digits (the general shape of ODS codes; their per-role formats
    ///   are not checked).
    public static func problem(_ code: String, for kind: OrganisationKind) -> ValidationCode? {
        let chars = Array(code)
        let digits = { (s: ArraySlice<Character>) in s.allSatisfy { $0.isASCII && $0.isNumber } }
        switch kind {
        case .gpPractice:
            guard chars.count == 6, chars[0].isASCII, chars[0].isUppercase, digits(chars[1...]) else {
                return .odsCodeGPPracticeShape
            }
        case .pcn:
            guard chars.count == 6, chars[0] == "U", digits(chars[1...]) else {
                return .odsCodePCNShape
            }
        default:
            guard (3...10).contains(chars.count), chars.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                return .odsCodeShape
            }
        }
        return nil
    }
}
