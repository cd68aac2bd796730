import Foundation
import Hummingbird
import LinkwellCore

/// The FHIR R4 interface under `/fhir` (`docs/fhir.md`): the same bearer tokens, role checks and audited
/// reads as `/api/v1`, through the same services; the mapping to and from FHIR JSON is `FHIRMapping` and
/// `FHIRReferralInput` in Core. Every answer is `application/fhir+json`; errors are OperationOutcomes
/// (`FHIRResponse.outcome`, used by `ErrorMiddleware` for every path under `/fhir`).
struct FHIRController: Sendable {
    let casework: CaseworkService
    let outcomes: OutcomeService
    let directory: DirectoryService
    let codeLists: CodeListService

    /// The largest resource read.
    static let bodyLimit = 1_000_000

    func register(on router: Router<AppRequestContext>) {
        let fhir = router.group("fhir")
        fhir.get("metadata") { request, _ in
            FHIRResponse.resource(FHIRMapping.capabilityStatement(base: Self.base(request), date: casework.env.now()))
        }

        // Patient: the person of one referral, minimum necessary.
        fhir.get("Patient/:id") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let c = try await casework.readCase(ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription))
            return FHIRResponse.resource(FHIRMapping.patient(c, practice: try await practice(of: c), full: p.role != .referrer))
        }

        // ServiceRequest: the referral in.
        fhir.post("ServiceRequest") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let input = try FHIRReferralInput.parse(try await Self.body(request))
            let created: Case
            do { created = try await casework.submitReferral(input.submission, by: p) } catch let error as LinkwellError { throw input.renamed(error) }
            var response = FHIRResponse.resource(try await serviceRequest(created), status: .created)
            response.headers[.location] = "\(Self.base(request))/ServiceRequest/\(created.referral.id.rawValue)"
            return response
        }
        fhir.get("ServiceRequest/:id") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let c = try await casework.readCase(ReferralID(try context.parameters.require("id")), .init(p, route: request.routeDescription))
            return FHIRResponse.resource(try await serviceRequest(c))
        }
        fhir.get("ServiceRequest") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let r = ServiceRequest(p, route: request.routeDescription)
            let status = try Self.parameters(request, allowed: ["status"])["status"]
            let page = try await casework.caseload(r, list: .all, page: try Self.pageRequest(request))
            var found: [JSONValue] = []
            for row in page.rows {
                let resource = try await serviceRequest(try await casework.readCase(row.id, r))
                if status == nil || resource["status"]?.string == status { found.append(resource) }
            }
            return FHIRResponse.resource(Self.searchset(found, request, next: page.next?.token))
        }

        // Task: the Gravity closed loop, for the referral in (`in-…`) and each referral out (`out-…`).
        fhir.get("Task/:id") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor, .provider)
            return FHIRResponse.resource(try await task(try context.parameters.require("id"), .init(p, route: request.routeDescription)))
        }
        fhir.get("Task") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor, .provider)
            let r = ServiceRequest(p, route: request.routeDescription)
            let params = try Self.parameters(request, allowed: ["focus"])
            var found: [JSONValue] = []
            if p.role == .provider {
                if params["focus"] != nil { throw LinkwellError.invalid([.apiOnly("focus", "Providers list the Tasks of their own referrals out, without focus.")]) }
                let page = try await casework.providerInbox(r, page: try Self.pageRequest(request))
                for row in page.rows {
                    found.append(try await task(FHIRMapping.outTaskID(row.id), r))
                }
                return FHIRResponse.resource(Self.searchset(found, request, next: page.next?.token))
            } else {
                guard let focus = params["focus"], focus.hasPrefix("ServiceRequest/") else {
                    throw LinkwellError.invalid([.apiOnly("focus", "Search Tasks by focus=ServiceRequest/{id}.")])
                }
                let c = try await casework.readCase(ReferralID(String(focus.dropFirst("ServiceRequest/".count))), r)
                found = try await tasks(of: c, r)
            }
            return FHIRResponse.resource(try Self.searchset(slicing: found, request))
        }
        fhir.put("Task/:id") { request, context in
            let p = try context.require(.linkWorker, .supervisor, .provider)
            let id = try context.parameters.require("id")
            let r = ServiceRequest(p, route: request.routeDescription)
            let update = try FHIRTaskUpdate.parse(try await Self.body(request), id: id)
            try await apply(update, r)
            return FHIRResponse.resource(try await task(id, r))
        }

        // The directory and the register.
        fhir.get("Organization/:id") { request, context in
            _ = try context.requirePrincipal()
            guard let found = try await casework.organisation(OrganisationID(try context.parameters.require("id"))) else {
                throw LinkwellError.notFound("Organization")
            }
            return FHIRResponse.resource(FHIRMapping.organization(found))
        }
        fhir.get("Organization") { request, context in
            _ = try context.requirePrincipal()
            let params = try Self.parameters(request, allowed: ["identifier"])
            var found: [Organisation]
            if let identifier = params["identifier"] {
                let parts = identifier.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2, parts[0] == FHIRTerms.odsCode else {
                    throw LinkwellError.invalid([.apiOnly("identifier", "Search by identifier=\(FHIRTerms.odsCode)|{ODS code}.")])
                }
                found = try await casework.organisation(odsCode: parts[1]).map { [$0] } ?? []
            } else {
                found = try await casework.organisations()
            }
            return FHIRResponse.resource(FHIRMapping.searchset(found.map(FHIRMapping.organization), base: Self.base(request)))
        }
        fhir.get("HealthcareService/:id") { _, context in
            _ = try context.requirePrincipal()
            return FHIRResponse.resource(FHIRMapping.healthcareService(try await directory.orukService(id: try context.parameters.require("id"))))
        }
        fhir.get("Location/:id") { _, context in
            _ = try context.requirePrincipal()
            return FHIRResponse.resource(FHIRMapping.location(try await directory.orukServiceAtLocation(id: try context.parameters.require("id"))))
        }

        // Outcome scores and the message back.
        fhir.get("Observation") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let r = ServiceRequest(p, route: request.routeDescription)
            guard let subject = try Self.parameters(request, allowed: ["subject"])["subject"], subject.hasPrefix("Patient/") else {
                throw LinkwellError.invalid([.apiOnly("subject", "Search Observations by subject=Patient/{id}.")])
            }
            let c = try await readShared(ReferralID(String(subject.dropFirst("Patient/".count))), r)
            let found = FHIRMapping.observations(try await outcomes.trajectories(of: c, r), referralID: c.referral.id)
            return FHIRResponse.resource(try Self.searchset(slicing: found, request))
        }
        fhir.get("Composition/:id/$document") { request, context in
            let p = try context.require(.referrer, .linkWorker, .supervisor)
            let r = ServiceRequest(p, route: request.routeDescription)
            let id = try context.parameters.require("id")
            guard id.hasPrefix("message-back-") else { throw LinkwellError.notFound("Composition") }
            let c = try await readShared(ReferralID(String(id.dropFirst("message-back-".count))), r)
            let observations = FHIRMapping.observations(try await outcomes.trajectories(of: c, r), referralID: c.referral.id)
            // The standard's message back, as the API and the letter give it (422 when mandatory content is missing).
            let message = try await casework.messageBack(c.referral.id, r, outcomes: outcomes)
            let sections = FHIRMapping.messageBackSections(message, observations: observations)
            let patient = FHIRMapping.patient(c, practice: try await practice(of: c), full: p.role != .referrer)
            return FHIRResponse.resource(FHIRMapping.messageBackDocument(c, sections: sections, patient: patient, observations: observations,
                                                                        base: Self.base(request), now: casework.env.now()))
        }
    }

    // MARK: Reading

    private func practice(of c: Case) async throws -> Organisation? {
        try await c.person.gpPracticeID.asyncFlatMap { try await casework.organisation($0) }
    }

    private func serviceRequest(_ c: Case) async throws -> JSONValue {
        let referrer = try await casework.staffNames(namedIn: c.referral.referrerID).name(c.referral.referrerID)
        return FHIRMapping.serviceRequest(c, referrerName: referrer, codeList: try await codeLists.list(.needs))
    }

    /// A case whose progress a referrer may learn only with the person's consent to share it.
    private func readShared(_ id: ReferralID, _ r: ServiceRequest) async throws -> Case {
        let c = try await casework.readCase(id, r)
        if r.principal.role == .referrer && !c.referral.consent.covers(.shareWithReferrer) {
            throw LinkwellError.forbidden("The person has not agreed to progress being shared with the referrer.")
        }
        return c
    }

    /// The referral in's Task as this viewer may see it (a referrer without consent to share progress
    /// learns the decision only, as in the JSON API).
    private func referralTask(_ c: Case, _ r: ServiceRequest) async throws -> JSONValue {
        let referrer = try await casework.staffNames(namedIn: c.referral.referrerID).name(c.referral.referrerID)
        var status = c.referral.status
        var reason: String? = [.declined, .redirected, .withdrawn, .unableToContact, .closed].contains(status) ? c.referral.outcomeNote : nil
        if status == .closed, let why = c.referral.closingReason { reason = why.label }
        if r.principal.role == .referrer {
            let view = try await casework.referrerView(of: c, r)
            status = view.status
            if !view.progressShared && ![.declined, .redirected].contains(status) { reason = nil }
        }
        return FHIRMapping.referralTask(c, status: status, reason: reason?.isEmpty == false ? reason : nil, referrerName: referrer)
    }

    private func tasks(of c: Case, _ r: ServiceRequest) async throws -> [JSONValue] {
        var found = [try await referralTask(c, r)]
        if r.principal.role != .referrer || c.referral.consent.covers(.shareWithReferrer) {
            let names = try await casework.serviceNames()
            found += c.onwardReferrals.map { FHIRMapping.onwardTask($0, referralID: c.referral.id, serviceName: names[$0.serviceID] ?? "", patient: true) }
        }
        return found
    }

    private func task(_ id: String, _ r: ServiceRequest) async throws -> JSONValue {
        if id.hasPrefix("in-"), r.principal.role != .provider {
            return try await referralTask(try await casework.readCase(ReferralID(String(id.dropFirst(3))), r), r)
        }
        guard id.hasPrefix("out-") else { throw LinkwellError.notFound("Task") }
        let onwardID = OnwardReferralID(String(id.dropFirst(4)))
        if r.principal.role == .provider {
            let view = try await casework.providerView(onwardID, r)
            return FHIRMapping.onwardTask(view.onward, referralID: view.onward.referralID, serviceName: view.service.name, patient: false)
        }
        let (c, onward) = try await casework.onwardCase(onwardID, r)
        if r.principal.role == .referrer && !c.referral.consent.covers(.shareWithReferrer) { throw LinkwellError.notFound("Task") }
        return FHIRMapping.onwardTask(onward, referralID: c.referral.id, serviceName: try await casework.serviceNames()[onward.serviceID] ?? "",
                                      patient: true)
    }

    // MARK: Updating a Task: whoever owns the status sets it, through the same casework rules

    private func apply(_ update: FHIRTaskUpdate, _ r: ServiceRequest) async throws {
        let p = r.principal
        let env = casework.env
        if update.id.hasPrefix("in-") {
            guard p.role != .provider else { throw LinkwellError.notFound("Task") }
            let referralID = ReferralID(String(update.id.dropFirst(3)))
            do {
                switch update.status {
                case "accepted": _ = try await casework.accept(referralID, r)
                case "rejected": _ = try await casework.act(on: referralID, r) { c in try c.decline(reason: update.reasonText, by: p, env: env) }
                case "cancelled": _ = try await casework.act(on: referralID, r) { c in try c.end(as: .withdrawn, note: update.reasonText, by: p, env: env) }
                case "failed": _ = try await casework.act(on: referralID, r) { c in try c.end(as: .unableToContact, note: update.reasonText, by: p, env: env) }
                case "completed":
                    _ = try await casework.close(referralID, reason: update.reasonCode, note: update.reasonText, feedback: .init(), confirmed: false, r)
                default:
                    throw LinkwellError.invalid([.apiOnly("Task.status", "The referral in's Task may be set to accepted, rejected, cancelled, failed or completed here; "
                                                + "'\(update.status)' follows from the casework (contacts, plan) itself.")])
                }
            } catch let error as LinkwellError { throw update.renamed(error) }
            return
        }
        guard update.id.hasPrefix("out-") else { throw LinkwellError.notFound("Task") }
        let onwardID = OnwardReferralID(String(update.id.dropFirst(4)))
        do {
            if p.role == .provider {
                _ = try await casework.providerAct(onwardID, r) { c in
                    switch update.status {
                    case "accepted": try c.respondToOnward(onwardID, accept: true, reason: nil, note: nil, by: p, env: env)
                    case "rejected": try c.respondToOnward(onwardID, accept: false, reason: update.reasonCode, note: update.reasonText, by: p, env: env)
                    default: try c.updateOnward(onwardID, to: update.status, note: update.reasonText, by: p, env: env)
                    }
                }
            } else {
                let (c, _) = try await casework.onwardCase(onwardID, r)
                // A PUT naming cancelled or entered-in-error is the explicit choice the web form confirms.
                _ = try await casework.act(on: c.referral.id, r) { c in
                    try c.updateOnward(onwardID, to: update.status, note: update.reasonText, confirmed: true, by: p, env: env)
                }
            }
        } catch let error as LinkwellError { throw update.renamed(error) }
    }

    // MARK: Request helpers

    /// The FHIR base URL as the client reached it (for Location headers and Bundle fullUrls).
    static func base(_ request: Request) -> String {
        let host = request.head.authority ?? "localhost"
        return "http://\(host)/fhir"
    }

    /// The body as JSON: `application/fhir+json` (or `application/json`), UTF-8, no control characters.
    static func body(_ request: Request) async throws -> JSONValue {
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/fhir+json" || type == "application/json" else {
            throw HTTPError(.unsupportedMediaType, message: "Send the resource as application/fhir+json.")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: bodyLimit)
        try StrictInputMiddleware.check(json: buffer.readableBytesView)
        do { return try JSONValue.parse(Data(buffer: buffer)) } catch {
            throw BadRequest(detail: "The body is not JSON: \(error)")
        }
    }

    /// The query's search parameters; any other (apart from the `_format` FHIR allows) is refused.
    // MARK: Paging (FHIR R4 search, 3.1.1.5.7: `_count`, and the server's own `next` link)

    static let countParameter = "_count", pageParameter = "_page"

    /// `_count`: 1…200, 50 when not given.
    static func count(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get(countParameter) else { return PageRequest.defaultLimit }
        guard let number = Int(text), (1...PageRequest.maximumLimit).contains(number) else {
            throw LinkwellError.invalid([.apiOnly(countParameter, "The page size must be a whole number from 1 to \(PageRequest.maximumLimit).")])
        }
        return number
    }

    /// The page a search asks for: `_count` and `_page`, the opaque token of a `next` link.
    static func pageRequest(_ request: Request) throws -> PageRequest {
        let limit = try count(request)
        guard let token = request.uri.queryParameters.get(pageParameter), !token.isEmpty else { return PageRequest(limit: limit) }
        do { return PageRequest(limit: limit, after: try PageCursor(token: token)) }
        catch { throw LinkwellError.invalid([.apiOnly(pageParameter, "This page token does not belong to this search; start again from the first page.")]) }
    }

    /// A searchset of one page, with a `self` link and, when there are more, a `next` link carrying the
    /// request's own search parameters, `_count` and the token of where the next page starts. `total` is
    /// given when known (a list held whole), else left out (R4 makes it optional).
    static func searchset(_ found: [JSONValue], _ request: Request, next: String?, total: Int? = nil) -> JSONValue {
        var params: [(String, String)] = []
        var current: String?
        for (key, value) in request.uri.queryParameters {
            if String(key) == pageParameter { current = String(value) } else { params.append((String(key), String(value))) }
        }
        params.sort { $0.0 < $1.0 }
        let path = base(request) + "/" + (request.uri.path.split(separator: "/").last.map(String.init) ?? "")
        func url(_ page: String?) -> String {
            let all = params + (page.map { [(pageParameter, $0)] } ?? [])
            guard !all.isEmpty else { return path }
            var components = URLComponents()
            components.queryItems = all.map { URLQueryItem(name: $0.0, value: $0.1) }
            return path + "?" + (components.percentEncodedQuery ?? "")
        }
        var links = [("self", url(current))]
        if let next { links.append(("next", url(next))) }
        return FHIRMapping.searchset(found, base: base(request), links: links, total: total)
    }

    /// A searchset of a list held whole (a case's Tasks, a person's scores), paged by position: `_page` is the
    /// offset of the next page's first entry.
    static func searchset(slicing found: [JSONValue], _ request: Request) throws -> JSONValue {
        let limit = try count(request)
        var offset = 0
        if let text = request.uri.queryParameters.get(pageParameter) {
            guard let parsed = Int(text), parsed >= 0, parsed <= found.count else {
                throw LinkwellError.invalid([.apiOnly(pageParameter, "This page token does not belong to this search; start again from the first page.")])
            }
            offset = parsed
        }
        let end = min(found.count, offset + limit)
        return searchset(Array(found[offset..<end]), request, next: end < found.count ? String(end) : nil, total: found.count)
    }

    static func parameters(_ request: Request, allowed: Set<String>) throws -> [String: String] {
        var found: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            if name == "_format" || name == Self.countParameter || name == Self.pageParameter { continue }  // paging: `pageRequest`
            guard allowed.contains(name) else {
                throw BadRequest(detail: "Search parameter '\(name)' is not supported here (see /fhir/metadata).")
            }
            found[name] = String(value)
        }
        return found
    }
}

/// FHIR responses: the resource as `application/fhir+json`, or an OperationOutcome for an error.
enum FHIRResponse {
    static func resource(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        guard let data = try? FHIRJSON.data(value) else { return outcome(Problem.encodingFailed) }
        return Response(status: status, headers: [.contentType: "application/fhir+json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Any error as an OperationOutcome with the status the JSON API would give it; each invalid field is its
    /// own issue whose `expression` names the element.
    static func outcome(_ error: any Error) -> Response {
        outcome(Problem(error))
    }

    static func outcome(_ problem: Problem) -> Response {
        let code: String = switch problem.status {
        case 400: "structure"
        case 401: "login"
        case 403: "forbidden"
        case 404: "not-found"
        case 409: "conflict"
        case 415: "not-supported"
        case 422: "invalid"
        case 429: "throttled"
        default: "exception"
        }
        let issues: [(code: String, diagnostics: String, expression: String?)] = (problem.errors ?? []).isEmpty
            ? [(code, problem.detail, nil)]
            : (problem.errors ?? []).map { (code, $0.message, $0.field) }
        var response = resource(FHIRMapping.operationOutcome(issues), status: .init(code: problem.status))
        if problem.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        if let retry = problem.retryAfter { response.headers[.retryAfter] = String(retry) }
        return response
    }
}
