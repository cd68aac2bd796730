import Foundation
import Hummingbird
import LinkwellCore

/// Supervision notes per link worker: a link worker sees their own; a supervisor chooses whose.
struct SupervisionController: Sendable {
    let casework: CaseworkService
    let renderer: PageRenderer

    func register(on router: Router<AppRequestContext>) {
        router.get("/supervision") { request, context in
            try await page(request, context, linkWorkerID: request.uri.queryParameters["linkWorker"].map(String.init))
        }
        router.post("/supervision") { request, context -> Response in
            let p = try context.require(.linkWorker, .supervisor)
            let form = try await request.verifiedForm(context)
            do {
                let note = try await casework.addSupervisionNote(linkWorkerID: form["linkWorkerId"], text: form["text"],
                                                                 .init(p, route: request.routeDescription))
                return .redirect(to: "/supervision?linkWorker=\(note.linkWorkerID)", type: .normal)
            } catch LinkwellError.invalid(let errors) {
                return try await page(request, context, linkWorkerID: form["linkWorkerId"], errors: errors, status: .unprocessableContent)
            }
        }
    }

    func page(_ request: Request, _ context: AppRequestContext, linkWorkerID: String?, errors: [FieldError] = [],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.require(.linkWorker, .supervisor)
        let team = try await casework.linkWorkers()
        let chosen = p.role == .linkWorker ? p.userID.rawValue : (linkWorkerID ?? team.first?.id.rawValue)
        // Numbered pages of 50, newest first, counted and read in the store.
        let (user, shown) = try await casework.supervisionNotes(linkWorkerID: chosen, page: try request.pageNumber(), .init(p, route: request.routeDescription))
        let notes = shown.rows
        let names = try await casework.staffNames(namedIn: notes)
        var page = Page(linkWorkerID: user.id.rawValue, linkWorkerName: user.displayName,
                        linkWorkers: team.map { Choice($0.id.rawValue, $0.displayName, selected: $0.id == user.id) },
                        isSupervisor: p.role == .supervisor,
                        notes: notes.map { Page.Note(at: Format.dateTime($0.at), author: names[$0.authorID], text: $0.text) },
                        isEmpty: notes.isEmpty)
        page.links = PageLinks(shown, list: "notes", request: request, context.messages)
        page.start = shown.total - shown.page.offset
        return try HTML(renderer.render(.supervision, View(title: context.messages.text("titles.supervision"), context: context, page: page, errors: errors)), status: status)
            .response(from: request, context: context)
    }
}
