import Foundation

/// An organisation as an administrator enters it (form or API): raw values, checked by `validated`.
public struct OrganisationInput: Codable, Sendable {
    public var name: String?
    /// `gp_practice`, `pcn`, `icb`, `local_authority`, `vcse`, `scheme`, `nhs` or `other`.
    public var kind: String?
    public var odsCode: String?
    public var address: String?
    public var postcode: String?
    /// The contact route for messages back (a secure mailbox).
    public var email: String?
    public var phone: String?

    public init(name: String? = nil, kind: String? = nil, odsCode: String? = nil, address: String? = nil, postcode: String? = nil,
                email: String? = nil, phone: String? = nil) {
        (self.name, self.kind, self.odsCode, self.address, self.postcode, self.email, self.phone) = (name, kind, odsCode, address, postcode, email, phone)
    }

    /// Checks every field, naming each bad one. A GP practice must have an ODS code; every code must have
    /// the shape of its kind (`ODSCode`).
    public func validated(id: OrganisationID) throws(LinkwellError) -> Organisation {
        var v = Validator()
        let name = v.required(self.name, "name", label: .name, max: 200)
        let kind = v.choice(self.kind, "kind", label: .kindOfOrganisation, as: OrganisationKind.self)
        let code = ODSCode.normalised(odsCode ?? "")
        if let kind {
            if code.isEmpty {
                if kind == .gpPractice { v.add("odsCode", .odsCodeGPPracticeRequired) }
            } else if let problem = ODSCode.problem(code, for: kind) {
                v.add("odsCode", problem)
            }
        }
        let address = v.optional(self.address, "address", label: .address, max: 500)
        var postcode = v.optional(self.postcode, "postcode", label: .postcode, max: 10)
        if !postcode.isEmpty {
            if let normal = Postcode.normalised(postcode) { postcode = normal } else { v.add("postcode", .postcodeNotValid) }
        }
        let email = v.optional(self.email, "email", label: .contactEMail, max: 200).lowercased()
        if !email.isEmpty && !(email.contains("@") && email.contains(".") && !email.contains(" ")) {
            v.add("email", .contactEmailNotValid)
        }
        let phone = v.optional(self.phone, "phone", label: .phone, max: 40)
        try v.check()
        return Organisation(id: id, name: name, kind: kind!, odsCode: code.isEmpty ? nil : code, address: address,
                            postcode: postcode, email: email, phone: phone)
    }
}

/// What an ODS extract import did.
public struct OrganisationImportReport: Codable, Sendable, Equatable {
    /// One row refused, with its line in the file and the field at fault.
    public struct Rejected: Codable, Sendable, Equatable {
        public var line: Int
        public var field: String
        public var message: String
    }
    public var created = 0
    public var updated = 0
    /// Rows of closed organisations (status `C`), left out.
    public var skippedClosed = 0
    /// Rows of `epraccur.csv` whose prescribing setting (column 26) is not 4, "GP Practice" (walk-in
    /// centres, out-of-hours services, prison prescribing cost centres…), left out of a GP practice import.
    public var skippedOtherSettings = 0
    public var rejected: [Rejected] = []
    public init() {}
}

/// Reads an ODS CSV extract into organisation inputs. Two layouts:
/// - the ODS practice extract as published (`epraccur.csv`, no header, 27 columns): code, name, national
///   grouping, health geography, five address lines, postcode, open date, close date, status code (A
///   active, C closed, D dormant, P proposed), sub-type, commissioner, join date, left date, telephone,
///   …, prescribing setting in column 26 (0 other, 1 walk-in centre, 2 out of hours, 3 both, 4 GP
///   practice, 5 prison); the layout is cited in docs/nhs-record.md;
/// - a CSV with a header row naming its columns: `ods_code` (or `organisation code`, `code`), `name`,
///   `address` or `address_line_1`…`address_line_5`, `postcode`, `phone` (or `contact telephone number`),
///   `email`, `status`.
public enum ODSExtract {
    /// A row of the extract: its line, the input it gives and its status code (empty when not given).
    public struct Row: Sendable {
        public var line: Int
        public var input: OrganisationInput
        public var status: String
        /// `epraccur.csv`'s prescribing setting (column 26), `nil` for a CSV with a header.
        public var prescribingSetting: String? = nil
    }

    public static func rows(_ text: String, kind: OrganisationKind) throws(LinkwellError) -> [Row] {
        let table: [(line: Int, fields: [String])]
        do { table = try CSV.table(text, source: "file") } catch {
            throw .invalid([FieldError("file", .csvNotReadable, ["line": String(error.line), "column": String(error.column), "detail": error.message])])
        }
        guard let first = table.first else { throw .invalid([FieldError("file", .fileEmpty)]) }
        let header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_") }
        let codeNames = ["ods_code", "organisation_code", "code"]
        if let codeColumn = header.firstIndex(where: codeNames.contains) {
            func column(_ names: String...) -> Int? { header.firstIndex(where: names.contains) }
            let name = column("name", "organisation_name"), postcode = column("postcode"), email = column("email", "contact_email")
            let phone = column("phone", "contact_telephone_number", "telephone"), status = column("status", "status_code")
            let address = column("address"), lines = (1...5).compactMap { column("address_line_\($0)") }
            return table.dropFirst().map { row in
                func at(_ i: Int?) -> String? { i.flatMap { $0 < row.fields.count ? row.fields[$0] : nil } }
                let addressText = at(address) ?? lines.compactMap { at($0) }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
                return Row(line: row.line, input: OrganisationInput(name: at(name), kind: kind.rawValue, odsCode: at(codeColumn), address: addressText,
                                                                    postcode: at(postcode), email: at(email), phone: at(phone)),
                           status: (at(status) ?? "").trimmingCharacters(in: .whitespaces).uppercased())
            }
        }
        return table.map { row in
            let f = row.fields
            func at(_ i: Int) -> String { i < f.count ? f[i].trimmingCharacters(in: .whitespaces) : "" }
            let address = (4...8).map(at).filter { !$0.isEmpty }.joined(separator: "\n")
            return Row(line: row.line, input: OrganisationInput(name: at(1), kind: kind.rawValue, odsCode: at(0), address: address,
                                                                postcode: at(9), phone: at(17)),
                       status: at(12).uppercased(), prescribingSetting: at(25).isEmpty ? nil : at(25))
        }
    }
}

/// The organisations register: GP practices, PCNs, ICBs, councils, VCSE groups. Administrators add,
/// edit and import them; anyone (the public self-referral form too) may list the GP practices, which
/// are public reference data.
public struct OrganisationService: Sendable {
    /// The storage roles the register uses.
    public typealias Storage = AccountStore & OrganisationStore & StaffListStore
    private let store: any Storage
    private let env: CoreEnvironment

    public init(store: any Storage, env: CoreEnvironment) {
        self.store = store
        self.env = env
    }

    /// Refuses anyone but an administrator; `nil` is the command line, run by whoever operates the server.
    private func requireAdmin(_ request: ServiceRequest?) throws {
        if let request, request.principal.role != .admin { throw LinkwellError.forbidden("Only administrators manage organisations.") }
    }

    /// Every organisation, by name.
    public func organisations(_ request: ServiceRequest) async throws -> [Organisation] {
        try requireAdmin(request)
        return try await store.organisations()
    }

    /// A page of the organisations in name order (a national practice import holds about 13,000).
    public func organisations(page: PageRequest, _ request: ServiceRequest) async throws -> Page<Organisation> {
        try requireAdmin(request)
        return try Page(fetched: await store.organisations(page: page.requireNamed()), limit: page.limit) { PageCursor(name: $0.name, id: $0.id.rawValue) }
    }

    /// A numbered page of the organisations in name order, searched by name or ODS code and by kind in the store.
    public func organisations(matching filter: OrganisationFilter, page: PageNumber, _ request: ServiceRequest) async throws -> CountedPage<Organisation> {
        try requireAdmin(request)
        return try await store.organisations(matching: filter, page: page)
    }

    /// One organisation, for editing.
    public func organisation(_ id: OrganisationID, _ request: ServiceRequest) async throws -> Organisation {
        try requireAdmin(request)
        guard let found = try await store.organisation(id: id) else { throw LinkwellError.notFound("organisation") }
        return found
    }

    /// The GP practices a person can be registered with (those with an ODS code), by name.
    public func practices() async throws -> [Organisation] {
        try await store.organisations().filter { $0.kind == .gpPractice && $0.odsCode != nil }
    }

    /// Adds an organisation (`id` nil) or changes one. A code another organisation has is a 422 on `odsCode`.
    public func save(_ input: OrganisationInput, id: OrganisationID?, _ request: ServiceRequest?) async throws -> Organisation {
        try requireAdmin(request)
        if let id, try await store.organisation(id: id) == nil { throw LinkwellError.notFound("organisation") }
        let organisation = try input.validated(id: id ?? env.id())
        do {
            try await store.saveOrganisation(organisation)
        } catch StorageError.duplicate {
            var holder: Organisation?
            if let code = organisation.odsCode { holder = try await store.organisation(odsCode: code) }
            throw LinkwellError.invalid([FieldError("odsCode", .odsCodeInUse, ["code": organisation.odsCode ?? "", "organisation": holder?.name ?? "another organisation"])])
        }
        return organisation
    }

    /// Imports an ODS CSV extract (`ODSExtract`): a row whose code is known updates that organisation's
    /// name, address, postcode and phone (and e-mail when the file has one); a new code adds an
    /// organisation of `kind`. Closed organisations are left out. Rows that fail the checks are reported
    /// by line and field; with `allOrNothing`, any such row means nothing is stored. The rest is stored
    /// in one transaction.
    public func importExtract(_ text: String, kind: OrganisationKind, allOrNothing: Bool = false,
                              _ request: ServiceRequest?) async throws -> OrganisationImportReport {
        try requireAdmin(request)
        let rows = try ODSExtract.rows(text, kind: kind)
        guard rows.count <= Limits.organisationsPerImport else {
            throw LinkwellError.invalid([FieldError("file", .tooManyOrganisations, ["max": String(Limits.organisationsPerImport)])])
        }
        let existing = try await store.organisations()
        var byCode = Dictionary(existing.compactMap { o in o.odsCode.map { ($0, o) } }, uniquingKeysWith: { a, _ in a })
        var report = OrganisationImportReport()
        var changed: [Organisation] = []
        var seen = Set<String>()
        for row in rows {
            if row.status == "C" { report.skippedClosed += 1; continue }
            if kind == .gpPractice, let setting = row.prescribingSetting, setting != "4" { report.skippedOtherSettings += 1; continue }
            let code = ODSCode.normalised(row.input.odsCode ?? "")
            if !code.isEmpty, seen.contains(code) {
                report.rejected.append(.init(line: row.line, field: "odsCode", message: "ODS code \(code) appears twice in the file."))
                continue
            }
            var input = row.input
            let current = byCode[code]
            if let current {
                input.kind = current.kind.rawValue
                if (input.email ?? "").isEmpty { input.email = current.email }
            }
            if code.isEmpty {
                report.rejected.append(.init(line: row.line, field: "odsCode", message: "The row has no ODS code."))
                continue
            }
            var organisation: Organisation
            do { organisation = try input.validated(id: current?.id ?? env.id()) } catch {
                if case .invalid(let errors) = error {
                    for e in errors { report.rejected.append(.init(line: row.line, field: e.field, message: e.message)) }
                }
                continue
            }
            organisation.odsCode = code
            seen.insert(code)
            if current == organisation { continue }
            if current == nil { report.created += 1 } else { report.updated += 1 }
            changed.append(organisation)
            byCode[code] = organisation
        }
        if allOrNothing && !report.rejected.isEmpty {
            report.created = 0
            report.updated = 0
            return report
        }
        try await store.saveOrganisations(changed)
        return report
    }
}
