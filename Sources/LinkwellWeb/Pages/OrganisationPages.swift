import Foundation
import LinkwellCore

/// The page models of `OrganisationsController`.
struct OrganisationsPage: Sendable {
    struct Row: Sendable { var id, name, kind, odsCode, postcode, email: String }
    /// The add or edit form, filled from the organisation or from what was typed.
    struct Fields: Sendable {
        var id, name, odsCode, address, postcode, email, phone: String
        var kinds: [Choice]
        init(_ o: Organisation?, form: FormData?, _ t: Catalogue = .english) {
            func value(_ key: String, _ stored: String?) -> String { form?[key] ?? stored ?? "" }
            id = o?.id.rawValue ?? ""
            name = value("name", o?.name)
            odsCode = value("odsCode", o?.odsCode)
            address = value("address", o?.address)
            postcode = value("postcode", o?.postcode)
            email = value("email", o?.email)
            phone = value("phone", o?.phone)
            let kind = value("kind", o?.kind.rawValue)
            kinds = OrganisationKind.allCases.map { Choice($0.rawValue, t.label($0), selected: $0.rawValue == kind) }
        }
    }
    struct Report: Sendable {
        struct Line: Sendable { var line, field, message: String }
        var created, updated, skippedClosed, skippedOtherSettings: Int
        var rejected: [Line]
        var hasRejected: Bool
    }
    var rows: [Row]
    var fields: Fields
    var importKinds: [Choice]
    var report: Report?
    /// The count and the numbered page links (name order; filters kept in every link).
    var links: PageLinks?
    /// The search form: part of the name or ODS code, and the kind ("" is any).
    var search = ""
    var kindFilter: [Choice] = []

    init(_ organisations: [Organisation], form: FormData?, report: OrganisationImportReport?, _ t: Catalogue = .english) {
        rows = organisations.map {
            Row(id: $0.id.rawValue, name: $0.name, kind: t.label($0.kind), odsCode: $0.odsCode ?? "", postcode: $0.postcode, email: $0.email)
        }
        fields = Fields(nil, form: form, t)
        importKinds = OrganisationKind.allCases.map { Choice($0.rawValue, t.label($0), selected: $0 == .gpPractice) }
        self.report = report.map { r in
            Report(created: r.created, updated: r.updated, skippedClosed: r.skippedClosed, skippedOtherSettings: r.skippedOtherSettings,
                   rejected: r.rejected.map { .init(line: "\($0.line)", field: $0.field, message: $0.message) }, hasRejected: !r.rejected.isEmpty)
        }
    }
}
