import Foundation
import Hummingbird
import NIOCore
import PKILab

/// One HTTP request served by the HTTPS endpoint, for the `pkilab up` log.
public struct RequestRecord: Sendable {
    public var time: Date
    /// The endpoint's name (`https`, `crl`).
    public var endpoint: String
    public var peer: String
    public var client: String?
    public var tlsVersion: String?
    public var alpn: String?
    public var method: String
    public var path: String
    public var status: Int
}

/// The routes of the HTTPS endpoint: `/` (a page about the lab and this connection), `/whoami` (JSON of what the
/// client presented and negotiated), `POST /echo`, `/ca.pem` (the trust anchor, never a key) and `/files/…` (only
/// what lies inside the folder, never a private key: ``ConfinedFileSystem``).
enum HTTPSRoutes {
    struct WhoAmI: Codable, Sendable {
        var peer: String
        var client: ConnectionEvent.ClientCertificate?
        var tlsVersion: String?
        var cipher: String?
        var alpn: String?
        var sni: String?
        var resumed: Bool?
        var notes: [String]
        var httpVersion: String
    }

    static func router(lab: Lab, store: LabStore, endpoint: EndpointContext, filesFolder: String?,
                       requestLog: @escaping @Sendable (RequestRecord) -> Void) -> Router<LabRequestContext> {
        let router = Router(context: LabRequestContext.self)
        router.add(middleware: RequestLogMiddleware(endpoint: endpoint.spec.name, log: requestLog))
        router.add(middleware: NULGuardMiddleware())
        if let filesFolder {
            router.add(middleware: FileRefusalEventMiddleware(endpoint: endpoint.spec.name, events: endpoint.events))
            router.add(middleware: FileMiddleware(fileProvider: ConfinedFileSystem(folder: filesFolder), urlBasePath: "/files", searchForIndexHtml: false))
        } else {
            router.on("/files/**", method: .get) { _, _ -> Response in
                text(.notFound, "No files folder is configured. Add `files: firmware` under endpoints.https in \(lab.file) and put the images there.\n")
            }
        }
        let rootPEM = store.directory.rootBundle
        router.get("/ca.pem") { _, _ -> Response in
            guard let data = FileManager.default.contents(atPath: rootPEM) else {
                return text(.notFound, "The lab has no root yet: run pkilab issue.\n")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-pem-file"
            headers[.contentDisposition] = "attachment; filename=\"ca.pem\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/whoami") { request, context -> Response in
            let whoami = await whoAmI(request: request, context: context)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let data = (try? LabJSON.encoder(pretty: true).encode(whoami)) ?? Data()
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data + [0x0A])))
        }
        router.post("/echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            var headers = HTTPFields()
            headers[.contentType] = request.headers[.contentType] ?? "application/octet-stream"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("/") { request, context -> Response in
            let whoami = await whoAmI(request: request, context: context)
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            let page = HTTPSHomePage(lab: lab, whoami: whoami, clientAuth: endpoint.spec.clientAuth, filesServed: filesFolder != nil)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.html)))
        }
        return router
    }

    static func whoAmI(request: Request, context: LabRequestContext) async -> WhoAmI {
        let event = await context.connection()
        return WhoAmI(peer: event?.peer ?? "", client: event?.client, tlsVersion: event?.tlsVersion, cipher: event?.cipher,
                      alpn: event?.alpn, sni: event?.sni, resumed: event?.resumed, notes: event?.notes ?? [],
                      httpVersion: event?.alpn == "h2" ? "2" : "1.1")
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Reports every request, with the identity of the connection it came on.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = LabRequestContext
    let endpoint: String
    let log: @Sendable (RequestRecord) -> Void

    func handle(_ request: Request, context: LabRequestContext, next: (Request, LabRequestContext) async throws -> Response) async throws -> Response {
        let event = await context.connection()
        func record(_ status: Int) {
            log(RequestRecord(time: Date(), endpoint: endpoint, peer: event?.peer ?? LabTLSPipeline.peer(of: context.channel), client: event?.client?.commonName ?? event?.client?.subject,
                              tlsVersion: event?.tlsVersion, alpn: event?.alpn, method: request.method.rawValue, path: request.uri.path,
                              status: status))
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status.code)
            throw error
        } catch {
            record(500)
            throw error
        }
    }
}
