import Foundation

/// The staff a value names (every `UserID` anywhere inside it), so that a page loads the names of the
/// people it mentions rather than every account in the scheme.
public enum NamedStaff {
    /// Every user id held anywhere in `values` (fields, optionals, arrays, nested structs), found by reflection
    /// so that a field added to a case later is named without anyone remembering to list it here.
    public static func ids(in values: Any...) -> Set<UserID> {
        var found = Set<UserID>()
        for value in values { collect(value, into: &found) }
        return found
    }

    private static func collect(_ value: Any, into found: inout Set<UserID>) {
        if let id = value as? UserID { found.insert(id); return }
        // Leaves that cannot hold an id: skip reflecting over their characters or digits.
        // Identifiers of other things and coded values are leaves too (their raw value is all they hold).
        if value is String || value is Date || value is Int || value is Double || value is Bool || value is UUID || value is any RawRepresentable { return }
        for child in Mirror(reflecting: value).children { collect(child.value, into: &found) }
    }
}
