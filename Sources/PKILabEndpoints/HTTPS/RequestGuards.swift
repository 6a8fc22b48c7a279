import Foundation
import Hummingbird
import NIOCore
import PKILab

/// Answers 400 to a request whose path holds a NUL byte, raw or percent-encoded (`%00`), as nginx does: a C
/// string would end there, so `/files/fw.bin%00.txt` must not quietly become `/files/fw.bin`.
struct NULGuardMiddleware: RouterMiddleware {
    typealias Context = LabRequestContext

    func handle(_ request: Request, context: LabRequestContext, next: (Request, LabRequestContext) async throws -> Response) async throws -> Response {
        let raw = request.uri.string
        if raw.utf8.contains(0) || raw.range(of: "%00", options: .caseInsensitive) != nil
            || (request.uri.path.removingPercentEncoding ?? "").utf8.contains(0) {
            return HTTPSRoutes.text(.badRequest, "400 Bad Request: the path holds a NUL byte (%00).\n")
        }
        return try await next(request, context)
    }
}

/// Tells the event log about every `/files/` request refused by ``ConfinedFileSystem`` (a link out of the folder,
/// a private key), with who asked.
struct FileRefusalEventMiddleware: RouterMiddleware {
    typealias Context = LabRequestContext
    let endpoint: String
    let events: EventLog

    func handle(_ request: Request, context: LabRequestContext, next: (Request, LabRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as FileRefusal {
            let connection = await context.connection()
            let (explanation, hint) = refusal.reason.words()
            var event = ConnectionEvent(endpoint: endpoint, peer: connection?.peer ?? LabTLSPipeline.peer(of: context.channel), outcome: .rejected,
                                        reason: refusal.reason.code.rawValue, explanation: "403 for \(request.method.rawValue) \(refusal.path): \(explanation)",
                                        hint: hint)
            event.client = connection?.client
            event.tlsVersion = connection?.tlsVersion
            events.record(event)
            throw refusal
        }
    }
}
