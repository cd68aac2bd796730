import Foundation
import Hummingbird
import LinkwellCore

/// A submitted `application/x-www-form-urlencoded` form. Repeated names (checkboxes) keep every value.
public struct FormData: Sendable {
    public private(set) var values: [String: [String]] = [:]

    public init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name, default: []].append(value)
        }
    }

    static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    /// Reads a submitted form strictly: the body and every name and value must be UTF-8 (percent-encoded
    /// correctly), and pass `InputText` (CRLF line ends from text areas become LF first). Otherwise a form
    /// error naming the field, and nothing is stored.
    public static func strict(_ bytes: some Collection<UInt8>) throws(LinkwellError) -> FormData {
        guard let body = String(validating: bytes, as: UTF8.self) else { throw .invalid([FieldError("form", .formNotUTF8)]) }
        var form = FormData("")
        var errors: [FieldError] = []
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = String(parts[0]).replacingOccurrences(of: "+", with: " ")
            guard let name = rawName.removingPercentEncoding else {
                errors.append(FieldError("form", .fieldNameNotUTF8)); continue
            }
            guard let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : "" else {
                errors.append(FieldError(name, .notUTF8)); continue
            }
            let text = value.replacingOccurrences(of: "\r\n", with: "\n")
            if let error = InputText.check(name, field: "form") ?? InputText.check(text, field: name) { errors.append(error); continue }
            form.values[name, default: []].append(text)
        }
        if !errors.isEmpty { throw .invalid(errors) }
        return form
    }

    public subscript(_ name: String) -> String? { values[name]?.first }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    /// A checkbox: present and not "false".
    public func flag(_ name: String) -> Bool { self[name].map { $0 != "false" && $0 != "no" } ?? false }
    /// A whole number, or nil when missing or not a number.
    public func int(_ name: String) -> Int? { self[name].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    /// A date from the three-field date input (`name-day`, `name-month`, `name-year`, see `date_input.mustache`);
    /// a single `name` field written `YYYY-MM-DD` is read when no part was sent (scripts that post forms).
    public func dateInput(_ name: String) -> DateInput {
        let parts = DateInput.Part.allCases.map { self["\(name)-\($0.rawValue)"] }
        if parts.allSatisfy({ $0 == nil }) { return DateInput(text: self[name] ?? "") }
        return DateInput(day: parts[0] ?? "", month: parts[1] ?? "", year: parts[2] ?? "")
    }
    /// `dateInput(name)` as one `year-month-day` line, for submissions that take the API's date text.
    public func date(_ name: String) -> String { dateInput(name).text }
}

/// The page model of `date_input.mustache`, the NHS design system's date input: Day, Month and Year in one
/// fieldset named by its legend, with a hint; the parts a failed parse names are marked invalid (an error about
/// the date as a whole, such as one in the future, marks all three: see `InlineErrors`).
struct DateField: Sendable {
    struct Part: Sendable {
        var id, name, label, value: String
        var invalid: Bool
        /// Width class: two characters for day and month, four for the year.
        var width: String
        var autocomplete: String?
    }
    var name, legend, hint: String
    var parts: [Part]

    /// `submitted` is false on a new form (nothing is marked); `ownBirthday` lets the browser offer the person's
    /// own date of birth (only on a form a person fills in about themself).
    /// `messages` words the Day, Month and Year labels (English when absent, as on staff pages).
    init(name: String, legend: String, hint: String, input: DateInput, submitted: Bool, ownBirthday: Bool = false, messages: Catalogue? = nil) {
        self.name = name
        self.legend = legend
        self.hint = hint
        var invalid: Set<DateInput.Part> = []
        if submitted {
            do throws(DateInputError) { _ = try input.parsed() } catch { invalid = Set(error.parts) }
        }
        let labels: [DateInput.Part: String] = [.day: messages?.text("date.day") ?? "Day", .month: messages?.text("date.month") ?? "Month",
                                                 .year: messages?.text("date.year") ?? "Year"]
        parts = DateInput.Part.allCases.map { part in
            Part(id: "\(name)-\(part.rawValue)", name: "\(name)-\(part.rawValue)", label: labels[part] ?? part.rawValue,
                 value: input.value(of: part), invalid: invalid.contains(part), width: part == .year ? "w-4" : "w-2",
                 autocomplete: ownBirthday ? "bday-\(part.rawValue)" : nil)
        }
    }
}

extension Request {
    /// Reads a form body (at most 1 MB).
    func form() async throws -> FormData {
        var request = self
        let buffer = try await request.collectBody(upTo: 1_000_000)
        return try FormData.strict(buffer.readableBytesView)
    }

    /// Decodes a JSON body, turning decoding failures into errors that name the field.
    func json<T: Decodable>(_ type: T.Type) async throws -> T {
        var request = self
        // `StrictInputMiddleware` has already checked the media type, the encoding and every string.
        let buffer = try await request.collectBody(upTo: 1_000_000)
        do {
            // An empty body is an empty object: actions that need no input may be sent without one.
            let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer: buffer)
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw LinkwellError.invalid([.apiOnly(context.codingPath.jsonPath, "Wrong type: \(context.debugDescription)")])
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw LinkwellError.invalid([.apiOnly(context.codingPath.jsonPath, context.debugDescription)])
        } catch is DecodingError {
            throw BadRequest(detail: "The request body is not valid JSON of the expected shape.")
        }
    }

    /// "GET /referrals/{id}" with the real path, for the audit trail.
    var routeDescription: String { "\(method.rawValue) \(uri.path)" }
}

/// A request the server could not read at all (malformed body).
struct BadRequest: Error {
    var detail: String
}

extension [any CodingKey] {
    var jsonPath: String {
        map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
}

extension ReferralSubmission {
    /// The referral form's fields, named as in the JSON API.
    public init(form f: FormData) {
        self.init(
            person: PersonInput(nhsNumber: f["person.nhsNumber"], givenName: f["person.givenName"],
                                familyName: f["person.familyName"], dateOfBirth: f.date("person.dateOfBirth"),
                                postcode: f["person.postcode"], phone: f["person.phone"], email: f["person.email"],
                                preferredLanguage: f["person.preferredLanguage"],
                                interpreterNeeded: f.flag("person.interpreterNeeded"),
                                communicationNeeds: f["person.communicationNeeds"], sex: f["person.sex"], ethnicity: f["person.ethnicity"],
                                // A practice chosen from those a name matched wins over the name typed.
                                gpPracticeCode: f["gpPracticeChoice"].flatMap { $0.isEmpty ? nil : $0 } ?? f["person.gpPracticeCode"]),
            sourceType: f["sourceType"], needs: f.all("needs"), personView: f["personView"],
            consent: ConsentInput(given: f.flag("consent.given"), givenBy: f["consent.givenBy"],
                                  method: f["consent.method"], purposes: f.all("consent.purposes")),
            riskInformation: f["riskInformation"], feedbackPreference: f["feedbackPreference"],
            urgency: f["urgency"], pathway: f["pathway"])
        chosenServiceId = f["chosenServiceId"]
        referralMethod = f["referralMethod"]
        returnResponseTo = f["returnResponseTo"]
        (referrerGrade, referrerTeam, referrerSpecialty) = (f["referrerGrade"], f["referrerTeam"], f["referrerSpecialty"])
    }
}
