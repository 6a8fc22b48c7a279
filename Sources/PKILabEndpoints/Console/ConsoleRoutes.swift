import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PKILab

/// The console's routes: the page and its script and style, `/api/lab`, `/api/board`, `/api/events`, the live
/// stream `/events` (Server-Sent Events), `/ca.pem`, the kits (`/kit` for the owner of a client certificate,
/// `/kits/NAME.zip?ticket=…` for a one-time link) and `POST /api/links` (the teacher's token only).
///
/// Every answer forbids framing and sniffing and sends no referrer; the page loads nothing but its own script and
/// style (a Content-Security-Policy says so), so an event's words can never run as code.
enum ConsoleRoutes {
    /// The header that carries the teacher's token.
    static let tokenHeader = HTTPField.Name("X-PKILab-Token")!

    static func router(service: ConsoleService, endpoint: EndpointContext, requestLog: @escaping @Sendable (RequestRecord) -> Void) -> Router<LabRequestContext> {
        let router = Router(context: LabRequestContext.self)
        router.add(middleware: RequestLogMiddleware(endpoint: endpoint.spec.name, log: requestLog))
        router.add(middleware: NULGuardMiddleware())
        router.get("/") { _, _ in asset(ConsolePage.html, type: "text/html; charset=utf-8") }
        router.get("/console.js") { _, _ in asset(ConsolePage.script, type: "text/javascript; charset=utf-8") }
        router.get("/console.css") { _, _ in asset(ConsolePage.style, type: "text/css; charset=utf-8") }
        router.get("/ca.pem") { _, _ -> Response in
            guard let data = FileManager.default.contents(atPath: service.store.directory.rootBundle) else {
                return HTTPSRoutes.text(.notFound, "The lab has no root yet: run pkilab issue.\n")
            }
            return download(data, type: "application/x-pem-file", name: "ca.pem")
        }
        router.get("/api/lab") { request, _ -> Response in
            let teacher = service.tickets.isTeacher(request.headers[tokenHeader])
            let view = ConsoleLabView(lab: service.lab, store: service.store, running: service.endpoints, kits: service.kits.map(\.identity),
                                      teacher: teacher)
            return json(LabJSON.text(view))
        }
        router.get("/api/board") { _, _ -> Response in
            let counts = service.feed.counts
            return json(LabJSON.text(Board(attendees: service.feed.board, accepted: counts.accepted, refused: counts.refused, pages: counts.pages)))
        }
        router.get("/api/events") { request, _ -> Response in
            let after = request.uri.queryParameters.get("after", as: Int.self) ?? 0
            let limit = min(request.uri.queryParameters.get("limit", as: Int.self) ?? ConsoleFeed.kept, ConsoleFeed.kept)
            return json("[" + service.feed.recent(after: after, limit: limit).map(\.json).joined(separator: ",") + "]")
        }
        router.get("/events") { request, _ -> Response in
            let lastID = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0) }
                ?? request.uri.queryParameters.get("after", as: Int.self)
            let (replay, stream) = service.feed.subscribe(after: lastID)
            var headers = securityHeaders()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                // Reconnect after 2 s when the lab restarts (EventSource's default is 3 s).
                var first = "retry: 2000\n\n"
                for item in replay { first += item.message }
                try await writer.write(ByteBuffer(string: first))
                for await item in stream {
                    try await writer.write(ByteBuffer(string: item.message))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/kit") { _, context -> Response in
            let connection = await context.connection()
            guard let client = connection?.client else {
                return HTTPSRoutes.text(.unauthorized, "Your browser presented no client certificate. Import your kit's .p12 (with its password) into the browser and open this page again, or ask the teacher for a one-time link.\n")
            }
            let name = client.commonName ?? client.subject
            guard let kit = service.kits.first(where: { $0.identity == name }) else {
                return HTTPSRoutes.text(.notFound, "There is no kit for \(name). The teacher makes them with: pkilab workshop kits\n")
            }
            guard owns(kit, fingerprint: client.fingerprintSHA256) else {
                return HTTPSRoutes.text(.forbidden, "Your certificate is named \(name) but is not the one in that kit (its fingerprint differs): the kit goes only to the certificate it was made for.\n")
            }
            return serve(kit)
        }
        router.get("/kits/:file") { request, context -> Response in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".zip"), let kit = service.kits.first(where: { "\($0.identity).zip" == file }) else {
                return HTTPSRoutes.text(.notFound, "There is no such kit.\n")
            }
            guard let ticket = request.uri.queryParameters.get("ticket"), service.tickets.redeem(ticket, for: kit.identity) else {
                return HTTPSRoutes.text(.forbidden, "This link was already used, has expired (links work once, for an hour) or was replaced by a newer one. Ask the teacher for a new one, or open /kit with your certificate.\n")
            }
            return serve(kit)
        }
        router.post("/api/links") { request, _ -> Response in
            guard service.tickets.isTeacher(request.headers[tokenHeader]) else {
                return HTTPSRoutes.text(.forbidden, "Making a link needs the teacher's token (in the console URL pkilab up printed, after #token=).\n")
            }
            let body = try await request.body.collect(upTo: 4096)
            guard let asked = try? JSONDecoder().decode(LinkRequest.self, from: Data(buffer: body)),
                  let kit = service.kits.first(where: { $0.identity == asked.identity }) else {
                return HTTPSRoutes.text(.badRequest, "Send {\"identity\": NAME} for an identity with a kit (pkilab workshop kits makes them).\n")
            }
            let ticket = service.tickets.issue(for: kit.identity)
            let path = "/kits/\(kit.identity.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? kit.identity).zip?ticket=\(ticket)"
            return json(LabJSON.text(Link(identity: kit.identity, path: path, expiresInSeconds: Int(ConsoleTickets.lifetime))))
        }
        return router
    }

    struct Board: Codable {
        var attendees: [AttendeeStatus]
        var accepted: Int
        var refused: Int
        var pages: Int
    }

    struct LinkRequest: Codable {
        var identity: String
    }

    struct Link: Codable {
        var identity: String
        var path: String
        var expiresInSeconds: Int
    }

    /// Whether the kit's certificate is the one with `fingerprint`.
    static func owns(_ kit: WorkshopKit, fingerprint: String) -> Bool {
        let path = "\(kit.folder)/\(kit.identity).crt.pem"
        return CertificateDescription(pemFile: path)?.fingerprintSHA256 == fingerprint
    }

    static func serve(_ kit: WorkshopKit) -> Response {
        guard let data = FileManager.default.contents(atPath: kit.zip) else {
            return HTTPSRoutes.text(.notFound, "The kit's zip is missing: run pkilab workshop kits again.\n")
        }
        return download(data, type: "application/zip", name: "\(kit.identity).zip")
    }

    static func securityHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return headers
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = securityHeaders()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ text: String) -> Response {
        var headers = securityHeaders()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func download(_ data: Data, type: String, name: String) -> Response {
        var headers = securityHeaders()
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
