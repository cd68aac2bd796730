import Foundation
import Hummingbird
import LinkwellCore

/// Pages for outcome measures: the questionnaire, the cohort report, and instrument administration.
struct OutcomePagesController: Sendable {
    let outcomes: OutcomeService
    let renderer: PageRenderer
    /// The base of the person's one-use link (`WebConfiguration.linkBase`).
    let publicURL: String
    let limiter: RateLimiter
    /// How many links that do not work (unknown, used or expired) one client may try per hour.
    let linkRule: RateLimit

    /// Opens a self-completion link. Every try counts against the client's budget unless the link works,
    /// so links cannot be guessed at speed, while the person's own visits cost nothing.
    func openLink(_ tokenHash: String, _ context: AppRequestContext) async throws -> (MeasureInvitation, Instrument) {
        try await limiter.countingFailures(linkRule, client: context.client) { try await outcomes.openInvitation(tokenHash: tokenHash) }
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/referrals/:id/outcomes/new") { request, context in
            try await questionnaire(request, context, instrumentID: request.uri.queryParameters["instrument"].map(String.init) ?? "ons4")
        }
        router.post("/referrals/:id/outcomes") { request, context -> Response in
            let p = try context.require(.linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            let id = ReferralID(try context.parameters.require("id"))
            let (answers, errors) = Self.answers(form)
            do {
                if !errors.isEmpty { throw LinkwellError.invalid(errors) }
                _ = try await outcomes.record(id, .init(instrumentId: form["instrumentId"], timepoint: form["timepoint"], answers: answers),
                                              .init(p, route: request.routeDescription))
                return .redirect(to: "/referrals/\(id)?done=measure#s-measures", type: .normal)
            } catch let error as LinkwellError {
                let (fields, status): ([FieldError], HTTPResponse.Status) = switch error {
                case .invalid(let f): (f, .unprocessableContent)
                case .conflict(let why): ([FieldError.conflict("timepoint", why)], .conflict)
                default: throw error
                }
                return try await questionnaire(request, context, instrumentID: form["instrumentId"] ?? "",
                                               form: form, errors: fields, status: status)
            }
        }
        router.post("/referrals/:id/outcomes/invite") { request, context -> Response in
            let p = try context.require(.linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            let id = ReferralID(try context.parameters.require("id"))
            let token = Accounts.randomToken()
            do {
                let invitation = try await outcomes.invite(id, instrumentID: form["instrumentId"] ?? "", timepoint: form["timepoint"],
                                                           tokenHash: Accounts.sha256(token), .init(p, route: request.routeDescription))
                // The link's host comes from configuration (--public-url), never from the request.
                let page = InvitationPage(referralID: id.rawValue, link: "\(publicURL)/measure/\(token)",
                                          expires: Format.dateTime(invitation.expiresAt))
                return try HTML(renderer.render(.measureLink, View(title: context.messages.text("titles.linkForThePerson"), context: context, page: page)))
                    .response(from: request, context: context)
            } catch let error as LinkwellError {
                switch error {
                case .invalid(let fields): return try await questionnaire(request, context, instrumentID: form["instrumentId"] ?? "ons4", errors: fields, status: .unprocessableContent)
                case .conflict(let why): return try await questionnaire(request, context, instrumentID: form["instrumentId"] ?? "ons4", errors: [FieldError.conflict("timepoint", why)], status: .conflict)
                default: throw error
                }
            }
        }
        // The person's own questionnaire: no sign-in; the unguessable one-use link is the credential.
        router.get("/measure/:token") { request, context in
            let (invitation, instrument) = try await openLink(Accounts.sha256(try context.parameters.require("token")), context)
            return HTML(renderer.render(.measureSelf, View(title: instrument.name, context: context,
                                                             page: SelfMeasurePage(instrument, timepoint: invitation.timepoint, messages: context.messages))))
        }
        router.post("/measure/:token") { request, context -> Response in
            let tokenHash = Accounts.sha256(try context.parameters.require("token"))
            _ = try await openLink(tokenHash, context)
            let form = try await request.form()
            let (answers, errors) = Self.answers(form)
            do {
                if !errors.isEmpty { throw LinkwellError.invalid(errors) }
                _ = try await outcomes.completeInvitation(tokenHash: tokenHash, answers: answers)
                return try HTML(renderer.render(.measureThanks, View(title: context.messages.text("measureThanks.title"), context: context, page: "")))
                    .response(from: request, context: context)
            } catch LinkwellError.invalid(var fields) {
                let (invitation, instrument) = try await outcomes.openInvitation(tokenHash: tokenHash)
                fields = fields.map { $0.field == "answers" ? $0.at("answers.\(instrument.items.first?.id ?? "")") : $0 }
                let page = SelfMeasurePage(instrument, timepoint: invitation.timepoint, form: form, messages: context.messages)
                if !context.messages.isEnglish { fields = fields.map { $0.worded(context.messages.text("measure.error")) } }
                return try HTML(renderer.render(.measureSelf, View(title: instrument.name, context: context, page: page, errors: fields)),
                                status: .unprocessableContent).response(from: request, context: context)
            }
        }
        router.get("/outcomes/cohorts") { request, context in
            let p = try context.require(.supervisor, .commissioner)
            let q = request.uri.queryParameters
            let instruments = try await outcomes.instruments()
            var report: OutcomeService.CohortReport?
            var errors: [FieldError] = []
            let instrumentID = q["instrument"].map(String.init) ?? "ons4"
            let by = q["by"].flatMap { CohortDimension(rawValue: String($0)) } ?? .all
            let minimumN = q["minimumN"].flatMap { Int(String($0)) } ?? 10
            let followUp = q["follow_up"].flatMap { OutcomeService.FollowUpPoint(rawValue: String($0)) } ?? .latest
            if q["instrument"] != nil {
                do {
                    report = try await outcomes.cohort(instrumentID: instrumentID, scoreID: q["score"].map(String.init), by: by,
                                                       minimumN: minimumN, followUp: followUp, .init(p, route: request.routeDescription))
                } catch LinkwellError.invalid(let fields) {
                    errors = fields
                }
            }
            var page = CohortPage(instruments: instruments, query: (instrumentID, q["score"].map(String.init), by, minimumN), followUp: followUp, report: report, context.messages)
            page.canExport = p.role == .supervisor
            return HTML(renderer.render(.outcomesCohorts, View(title: context.messages.text("titles.outcomes"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent)
        }
        // The evaluation export for a signed-in supervisor (the API offers the same to bearer tokens).
        router.get("/outcomes/export/:file") { request, context -> Response in
            let p = try context.require(.supervisor)
            let q = request.uri.queryParameters
            let export = try await outcomes.evaluationExport(recipient: q["recipient"].map(String.init), coarsen: q["coarsen"].map(String.init) == "true",
                                                             .init(p, route: request.routeDescription))
            switch try context.parameters.require("file") {
            case "evaluation.csv": return csv(export.csv, filename: "linkwell-evaluation.csv")
            case "dictionary.csv": return csv(export.dictionaryCSV, filename: "linkwell-evaluation-dictionary.csv")
            default: throw LinkwellError.notFound("export file")
            }
        }
        router.get("/admin/instruments") { request, context in try await instrumentsPage(request, context) }
        router.post("/admin/instruments") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            let text = form["definition"] ?? ""
            do {
                guard let definition = try? JSONDecoder().decode(Instrument.self, from: Data(text.utf8)) else {
                    throw LinkwellError.invalid([FieldError("definition", .instrumentDefinitionNotJSON)])
                }
                _ = try await outcomes.importCustom(definition, by: p)
                return .redirect(to: "/admin/instruments", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                // Every problem is inside the one JSON field: point the error summary there.
                let onPage = fields.map {
                    $0.field == "definition" ? $0 : FieldError("definition", .partProblem, ["part": $0.field, "problem": context.messages.message($0)])
                }
                return try await instrumentsPage(request, context, definition: text, errors: onPage)
            }
        }
        router.post("/admin/instruments/:id/licence") { request, context -> Response in
            let p = try context.require(.admin)
            let form = try await request.verifiedForm(context)
            var wording: [String: String] = [:]
            for (name, values) in form.values where name.hasPrefix("wording.") {
                if let text = values.first, !text.isEmpty { wording[String(name.dropFirst("wording.".count))] = text }
            }
            let id = try context.parameters.require("id")
            do {
                _ = try await outcomes.license(id, wording: wording, acknowledged: form.flag("acknowledged"), by: p)
                return .redirect(to: "/admin/instruments", type: .normal)
            } catch LinkwellError.invalid(let fields) {
                // Each instrument has its own form on the page, so its inputs' ids carry the instrument's id.
                let onPage = fields.map { f in
                    f.field == "acknowledged" ? f.at("ack-\(id)")
                        : f.field.hasPrefix("wording.") ? f.at("wording-\(id)-\(f.field.dropFirst(8))") : f
                }
                return try await instrumentsPage(request, context, errors: onPage)
            }
        }
    }

    /// The `answers.<item>` fields of a questionnaire form.
    static func answers(_ form: FormData) -> ([String: Int], [FieldError]) {
        var answers: [String: Int] = [:]
        var errors: [FieldError] = []
        for (name, values) in form.values where name.hasPrefix("answers.") {
            guard let value = values.first.flatMap({ Int($0) }) else { errors.append(FieldError(name, .chooseAnswer)); continue }
            answers[String(name.dropFirst("answers.".count))] = value
        }
        return (answers, errors)
    }

    func questionnaire(_ request: Request, _ context: AppRequestContext, instrumentID: String, form: FormData? = nil,
                       errors: [FieldError] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor)
        let id = ReferralID(try context.parameters.require("id"))
        let (found, available, hasBaseline) = try await outcomes.questionnaire(id, instrumentID: instrumentID, .init(p, route: request.routeDescription))
        var answers: [String: String] = [:]
        for (name, values) in form?.values ?? [:] where name.hasPrefix("answers.") { answers[String(name.dropFirst(8))] = values.first }
        // "Answer at least one question" points at the first question.
        let errors = errors.map { $0.field == "answers" ? $0.at("answers.\(available.instrument.items.first?.id ?? "")") : $0 }
        let page = QuestionnairePage(referralID: id, personName: found.person.fullName, instrument: available.instrument,
                                     answers: answers, timepoint: form?["timepoint"], hasBaseline: hasBaseline, context.messages)
        return try HTML(renderer.render(.questionnaire, View(title: available.instrument.name, context: context, page: page, errors: errors)),
                        status: status).response(from: request, context: context)
    }

    func instrumentsPage(_ request: Request, _ context: AppRequestContext, definition: String = "", errors: [FieldError] = []) async throws -> Response {
        _ = try context.require(.admin)
        let page = InstrumentsAdminPage(try await outcomes.instruments(), definition: definition, context.messages)
        return try HTML(renderer.render(.adminInstruments, View(title: context.messages.text("titles.instruments"), context: context, page: page, errors: errors)),
                        status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }
}
