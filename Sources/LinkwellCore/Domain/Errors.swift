/// One problem with one input field, named as the caller named it, as a code with named values (issue #17): pages word
/// it through their message catalogue (`fieldError.<code>`), and `message` is Core's English for it, from Core's one table
/// (`ValidationEnglish`), which the API's problem details and API clients read. A problem is built from a code
/// (`FieldError(field, .required, label: .givenName)`); the only ways to give a free sentence are the marked ones:
/// `apiOnly` (never shown on a page) and `page` (a page's own catalogue message). A conflict shown against a form keeps its own code (`FieldError.conflict(_:_:)`).
public struct FieldError: Error, Equatable, Codable, Sendable {
    /// The input field, e.g. `person.nhsNumber` or `consent`.
    public var field: String
    /// What is wrong, stable for API clients and catalogues: a `ValidationCode`, `conflict.<ConflictCode>`, `apiOnly`
    /// or `page`.
    public let code: String
    /// The values the message names (`max`, `allowed`, …); `label` holds a `FieldLabel` code, worded by the catalogue too.
    public let values: [String: String]
    /// A sentence a person can act on, in Core's English (or, on a page, the page's wording: `worded(_:)`).
    public private(set) var message: String

    /// The problem `code` with field `field`, named by `label` when the message names the field, and `values`.
    public init(_ field: String, _ code: ValidationCode, _ values: [String: String] = [:], label: FieldLabel? = nil) {
        var values = values
        if let label { values["label"] = label.rawValue }
        self.field = field
        self.code = code.rawValue
        self.values = values
        self.message = ValidationEnglish.message(code, values)
    }

    private init(field: String, code: String, values: [String: String] = [:], message: String) {
        (self.field, self.code, self.values, self.message) = (field, code, values, message)
    }

    /// A conflict with the record's state shown against the form that met it (the control `field`): its code is
    /// `conflict.<code>`, its values the conflict's, and pages word it as they word the conflict (`conflict.<code>`).
    public static func conflict(_ field: String, _ conflict: Conflict) -> FieldError {
        FieldError(field: field, code: conflictPrefix + conflict.code.rawValue, values: conflict.values, message: conflict.message)
    }

    /// The prefix of a conflict's code shown as a field's problem.
    public static let conflictPrefix = "conflict."

    /// The conflict, when this problem is one shown against a form (`conflict(_:_:)`).
    public var conflict: Conflict? {
        guard code.hasPrefix(Self.conflictPrefix), let c = ConflictCode(rawValue: String(code.dropFirst(Self.conflictPrefix.count))) else { return nil }
        return Conflict(c, values)
    }

    /// The code of a problem that only API clients and machine-read outputs ever see (a FHIR resource's or an Open
    /// Referral query's parts, a list cursor, a data file's lines): it keeps a free English sentence.
    public static let apiOnlyCode = "apiOnly"

    /// A problem only API clients and machine-read outputs see, never a page: a FHIR resource's or an Open Referral
    /// query's parts, a list cursor, a data file's line. These name the API's own terms (parameters, JSON paths, ORUK
    /// and FHIR elements) that a catalogue would not translate, so they keep Core's English sentence.
    public static func apiOnly(_ field: String, _ message: String) -> FieldError {
        FieldError(field: field, code: apiOnlyCode, message: message)
    }

    /// The code of a problem a page found and worded itself, from its own catalogue (a form that expired).
    public static let pageCode = "page"

    /// A problem a page found and worded itself from its catalogue (never Core's English): a form that expired, too
    /// many forms from one address.
    public static func page(_ field: String, _ message: String) -> FieldError {
        FieldError(field: field, code: pageCode, message: message)
    }

    /// The same problem for another field (a page that names the input differently).
    public func at(_ field: String) -> FieldError {
        var error = self
        error.field = field
        return error
    }

    /// The same problem worded by a page in its own language (the code and values stay).
    public func worded(_ message: String) -> FieldError {
        var error = self
        error.message = message
        return error
    }

    /// The code, when it is one of Core's (not `apiOnly`, `page` or a conflict).
    public var validationCode: ValidationCode? { ValidationCode(rawValue: code) }
}

/// The typed errors of the domain. The web edge maps each to an HTTP status and a problem-details body.
public enum LinkwellError: Error, Equatable, Sendable {
    /// Input failed validation; nothing was stored.
    case invalid([FieldError])
    /// The record does not exist, or the caller may not know that it exists.
    case notFound(String)
    /// The request conflicts with the record's current state (an illegal transition, a lost race), as a code with values.
    case conflict(Conflict)
    /// The caller is known but their role may never do this.
    case forbidden(String)
    /// No valid credentials were presented.
    case unauthenticated
    /// Too many attempts (e.g. failed sign-ins): try again after `retryAfter` seconds. The problem's field is empty:
    /// the page names its own (`FieldError.at(_:)`).
    case tooManyAttempts(retryAfter: Int, FieldError)

    /// One coded problem with one field.
    public static func invalid(_ field: String, _ code: ValidationCode, _ values: [String: String] = [:], label: FieldLabel? = nil) -> LinkwellError {
        .invalid([FieldError(field, code, values, label: label)])
    }

    /// A conflict with the record's current state: `code`, naming `values`.
    public static func conflict(_ code: ConflictCode, _ values: [String: String] = [:]) -> LinkwellError {
        .conflict(Conflict(code, values))
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

    /// Records the problem `code` with `field`.
    public mutating func add(_ field: String, _ code: ValidationCode, _ values: [String: String] = [:], label: FieldLabel? = nil) {
        errors.append(FieldError(field, code, values, label: label))
    }

    /// Records problems found elsewhere (a nested part's own check).
    public mutating func add(all problems: [FieldError]) { errors.append(contentsOf: problems) }

    /// Records a problem only API clients see (`FieldError.apiOnly`).
    public mutating func addAPIOnly(_ field: String, _ message: String) { errors.append(.apiOnly(field, message)) }

    /// Returns the trimmed text, or records an error when it is missing or too long.
    public mutating func required(_ value: String?, _ field: String, label: FieldLabel, max: Int = 200) -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { add(field, .required, label: label) }
        else if text.count > max { add(field, .tooLong, ["max": String(max)], label: label) }
        return text
    }

    /// Returns the trimmed text (possibly empty), recording an error when it is too long.
    public mutating func optional(_ value: String?, _ field: String, label: FieldLabel, max: Int = 2000) -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > max { add(field, .tooLong, ["max": String(max)], label: label) }
        return text
    }

    /// Parses a raw value into an enum case, recording an error naming the allowed values.
    public mutating func choice<T: RawRepresentable & CaseIterable>(
        _ value: String?, _ field: String, label: FieldLabel, as: T.Type = T.self
    ) -> T? where T.RawValue == String {
        let text = (value ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { add(field, .required, label: label); return nil }
        guard let parsed = T(rawValue: text) else {
            add(field, .notOneOf, ["allowed": T.allCases.map(\.rawValue).joined(separator: ", ")], label: label)
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
