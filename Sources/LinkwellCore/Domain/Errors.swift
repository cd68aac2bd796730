/// One problem with one input field, named as the caller named it.
public struct FieldError: Error, Equatable, Codable, Sendable {
    /// The input field, e.g. `person.nhsNumber` or `consent`.
    public var field: String
    /// A sentence a person can act on.
    public var message: String
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// The typed errors of the domain. The web edge maps each to an HTTP status and a problem-details body.
public enum LinkwellError: Error, Equatable, Sendable {
    /// Input failed validation; nothing was stored.
    case invalid([FieldError])
    /// The record does not exist, or the caller may not know that it exists.
    case notFound(String)
    /// The request conflicts with the record's current state (an illegal transition, a lost race).
    case conflict(String)
    /// The caller is known but their role may never do this.
    case forbidden(String)
    /// No valid credentials were presented.
    case unauthenticated
    /// Too many attempts (e.g. failed sign-ins): try again after `retryAfter` seconds.
    case tooManyAttempts(retryAfter: Int, String)

    public static func invalid(_ field: String, _ message: String) -> LinkwellError {
        .invalid([FieldError(field, message)])
    }
}

/// Errors raised by storage implementations that the domain knows how to handle.
public enum StorageError: Error, Equatable, Sendable {
    /// An optimistic-concurrency guard failed: someone else changed the record first.
    case versionConflict
    /// A uniqueness rule was broken (e.g. an e-mail address already in use).
    case duplicate(String)
    /// A spending limit would be exceeded (a grant award above the remaining budget, spend above an award).
    case overBudget
    /// The database could not do the work now (busy, unreachable, or a transaction it aborted to
    /// resolve contention); nothing was stored and the request may be retried.
    case unavailable
}

/// Collects field errors so that a form can report every problem at once.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []
    public init() {}

    public mutating func add(_ field: String, _ message: String) {
        errors.append(FieldError(field, message))
    }

    /// Returns the trimmed text, or records an error when it is missing or too long.
    public mutating func required(_ value: String?, _ field: String, label: String, max: Int = 200) -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { add(field, "\(label) is required.") }
        else if text.count > max { add(field, "\(label) must be at most \(max) characters.") }
        return text
    }

    /// Returns the trimmed text (possibly empty), recording an error when it is too long.
    public mutating func optional(_ value: String?, _ field: String, label: String, max: Int = 2000) -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > max { add(field, "\(label) must be at most \(max) characters.") }
        return text
    }

    /// Parses a raw value into an enum case, recording an error naming the allowed values.
    public mutating func choice<T: RawRepresentable & CaseIterable>(
        _ value: String?, _ field: String, label: String, as: T.Type = T.self
    ) -> T? where T.RawValue == String {
        let text = (value ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { add(field, "\(label) is required."); return nil }
        guard let parsed = T(rawValue: text) else {
            add(field, "\(label) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")).")
            return nil
        }
        return parsed
    }

    /// Throws `LinkwellError.invalid` when anything was recorded.
    public func check() throws(LinkwellError) {
        if !errors.isEmpty { throw .invalid(errors) }
    }
}

import Foundation
