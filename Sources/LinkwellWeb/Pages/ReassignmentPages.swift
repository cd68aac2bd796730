import LinkwellCore

/// The form that moves a whole caseload: link workers with open cases (those who left too), and the
/// active link workers who may take them.
public struct ReassignCaseloadPage: Sendable {
    public var from: [Choice]
    public var to: [Choice]
    public var reason: String
}
