import Foundation

/// Which staff a value names (ids of users held in its fields), so that a page can show their names without
/// loading every user.
public enum NamedStaff {
    /// Every user id held anywhere in `values` (fields, optionals, arrays, nested structs), found by reflection
    /// so that a field added to a case later is named without anyone remembering to list it here. Values that
    /// list their staff themselves (`ListsNamedStaff`) are not reflected over.
    public static func ids(in values: Any...) -> Set<UserID> {
        var found = Set<UserID>()
        for value in values { collect(value, into: &found, listed: true) }
        return found
    }

    /// `ids(in:)` by reflection alone, lists or not: what a `ListsNamedStaff` value's list must equal (tests).
    public static func reflectedIDs(in value: Any) -> Set<UserID> {
        var found = Set<UserID>()
        collect(value, into: &found, listed: false)
        return found
    }

    private static func collect(_ value: Any, into found: inout Set<UserID>, listed: Bool) {
        if let id = value as? UserID { found.insert(id); return }
        // Before the leaves: a page's rows (and arrays of them) list their own, and were each cast as every leaf first.
        if listed, let lists = value as? any ListsNamedStaff { found.formUnion(lists.namedStaff); return }
        // Leaves that cannot hold an id: skip reflecting over their characters or digits.
        // Identifiers of other things and coded values are leaves too (their raw value is all they hold).
        if value is String || value is Date || value is Int || value is Double || value is Bool || value is UUID || value is any RawRepresentable { return }
        for child in Mirror(reflecting: value).children { collect(child.value, into: &found, listed: listed) }
    }
}

/// A value that lists the staff it names, read in place of reflecting over it: the rows of long lists, which
/// reflection walked field by field (a caseload page's four groups: 4% of the server's time under load).
/// `BoundedCasePageTests.listedStaff` holds each conforming type's list to the reflective walk over a value with every field set.
public protocol ListsNamedStaff {
    var namedStaff: [UserID] { get }
}

extension ReferralSummary: ListsNamedStaff {
    public var namedStaff: [UserID] { [referrerID, linkWorkerID].compactMap { $0 } }
}

/// A list of such rows lists theirs (a caseload's groups are arrays of arrays of rows), read without a mirror of the
/// array boxing each row.
extension Array: ListsNamedStaff where Element: ListsNamedStaff {
    public var namedStaff: [UserID] { flatMap(\.namedStaff) }
}
