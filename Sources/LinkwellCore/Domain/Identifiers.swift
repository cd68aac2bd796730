import Foundation

/// A typed identifier: a `PersonID` can never be passed where a `ReferralID` is expected.
public struct Identifier<Tag>: Hashable, Codable, Sendable, RawRepresentable, CustomStringConvertible, Comparable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public typealias UserID = Identifier<User>
public typealias OrganisationID = Identifier<Organisation>
public typealias ServiceID = Identifier<Service>
public typealias PersonID = Identifier<Person>
public typealias ReferralID = Identifier<Referral>
public typealias ContactID = Identifier<Contact>
public typealias GoalID = Identifier<Goal>
public typealias OnwardReferralID = Identifier<OnwardReferral>
public typealias MessageID = Identifier<MessageBack>
public typealias EventID = Identifier<ReferralEvent>

/// Time and identity are injected so that the domain and the tests are deterministic.
public struct CoreEnvironment: Sendable {
    /// The current instant.
    public var now: @Sendable () -> Date
    /// A fresh, unique, unguessable identifier.
    public var newID: @Sendable () -> String

    public init(now: @escaping @Sendable () -> Date, newID: @escaping @Sendable () -> String) {
        self.now = now
        self.newID = newID
    }

    /// The real clock and random UUIDs.
    public static let live = CoreEnvironment(now: { Date() }, newID: { UUID().uuidString.lowercased() })

    public func id<Tag>(_: Tag.Type = Tag.self) -> Identifier<Tag> { Identifier(newID()) }
}
