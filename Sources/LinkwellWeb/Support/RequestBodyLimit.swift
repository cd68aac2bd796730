import Foundation
import Hummingbird

/// Reads each request's body up front, within a size limit and a time limit, so that a client
/// trickling a body (a byte a second) or sending a huge one is cut off with 408 or 413 before any
/// handler or database work starts. Handlers then read the body from memory.
struct RequestBodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limits: ServerLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post || request.method == .put || request.method == .patch else { return try await next(request, context) }
        let maximum = request.uri.path == "/api/v1/directory/import" ? limits.importBodyBytes : limits.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maximum {
            throw HTTPError(.contentTooLarge, message: "The request body is larger than \(maximum) bytes.")
        }
        var request = request
        let body = request.body
        let collected = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: maximum) }
            group.addTask {
                try await Task.sleep(for: limits.bodyTimeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw HTTPError(.requestTimeout, headers: [.connection: "close"],
                                message: "The request body did not arrive within \(limits.bodyTimeout.components.seconds) seconds.")
            }
            return buffer
        }
        request.body = .init(buffer: collected)
        return try await next(request, context)
    }
}
