import Foundation
import Hummingbird
import LinkwellCore

/// Requests people made from their own record, as work items: a link worker answers their own people's
/// requests to come back; supervisors answer every request, worries about groups included
/// (`/requests`, and `/api/v1/person-requests`).
struct PersonRequestsController: Sendable {
    let voice: PersonVoiceService
    let renderer: PageRenderer

    struct AnswerInput: Codable, Sendable { var answer: String? }

    func register(on router: Router<AppRequestContext>) {
        router.get("/requests") { request, context in
            try await page(request, context, notice: request.uri.queryParameters["answered"] != nil ? context.messages.text("notice.answerSent") : nil)
        }
        router.post("/requests/:request/answer") { request, context -> Response in
            let p = try context.require(.linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            let id = try context.parameters.require("request")
            do {
                _ = try await voice.answer(id, answer: form["answer"], .init(p, route: request.routeDescription))
                return .redirect(to: "/requests?answered=1", type: .normal)
            } catch let error as LinkwellError {
                let errors: [FieldError]
                let status: HTTPResponse.Status
                switch error {
                case .invalid(let fields): (errors, status) = (fields.map { $0.at("answer-\(id)") }, .unprocessableContent)
                case .conflict(let why): (errors, status) = ([FieldError.conflict("answer-\(id)", why)], .conflict)
                default: throw error
                }
                return try await page(request, context, errors: errors, status: status)
            }
        }

        router.get("api/v1/person-requests") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            // Bounded: open requests only, at most `PersonVoiceService.workListLimit`.
            return try pagedList(try await voice.workList(.init(p, route: request.routeDescription)), request: request) { $0.request.id }
        }
        router.post("api/v1/person-requests/:request/answer") { request, context in
            let p = try context.require(.linkWorker, .supervisor)
            let input = try await request.json(AnswerInput.self)
            return json(try await voice.answer(try context.parameters.require("request"), answer: input.answer, .init(p, route: request.routeDescription)))
        }
    }

    private func page(_ request: Request, _ context: AppRequestContext, errors: [FieldError] = [], status: HTTPResponse.Status = .ok,
                      notice: String? = nil) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor)
        let items = try await voice.workList(.init(p, route: request.routeDescription))
        let page = Self.page(items, supervisor: p.role == .supervisor)
        return try HTML(renderer.render(.personRequests, View(title: context.messages.text("titles.requestsFromPeople"), context: context, page: page, errors: errors, notice: notice)),
                        status: status).response(from: request, context: context)
    }
}
