/// Named placeholders in a message (`{name}`), shared by Core's English tables (validation problems, conflicts,
/// cohort words) and the web's message catalogues, so that every message is filled the same way.
public enum Placeholders {
    /// `template` with each `{name}` replaced by `values[name]` in one pass, so that a value holding braces (typed by
    /// someone) is never read as a placeholder; a name without a value stays as it is.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var result = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            result += values[name] ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
