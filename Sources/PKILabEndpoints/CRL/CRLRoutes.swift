import Foundation
import Hummingbird
import NIOCore
import PKILab

/// The routes of the plain-HTTP CRL endpoint: `/crl/NAME.crl` (DER, as CRL distribution points name them),
/// `/crl/NAME.crl.pem`, `/crl/all.pem`, the OCSP responder at `/ocsp`, and `/ca.pem`. Files are read on every request, so a `pkilab revoke`
/// is visible at once. Nothing else of the store is reachable: no key, no index.
enum CRLRoutes {
    static func router(lab: Lab, store: LabStore, endpoint: String, requestLog: @escaping @Sendable (RequestRecord) -> Void) -> Router<LabRequestContext> {
        let router = Router(context: LabRequestContext.self)
        router.add(middleware: RequestLogMiddleware(endpoint: endpoint, log: requestLog))
        router.add(middleware: NULGuardMiddleware())
        let directory = store.directory
        let names = lab.authorities.map(\.name)
        router.head("/crl/:file") { _, context -> Response in
            let (response, size) = crl(context.parameters.get("file") ?? "", names: names, directory: directory)
            var headers = response.headers
            headers[.contentLength] = String(size)
            return Response(status: response.status, headers: headers)
        }
        router.get("/crl/:file") { _, context -> Response in
            crl(context.parameters.get("file") ?? "", names: names, directory: directory).response
        }
        router.get("/crl") { _, _ in index(names: names, directory: directory) }
        // OCSP (RFC 6960 appendix A): POST with the DER request as body, or GET with it base64-encoded in the path.
        router.post("/ocsp") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            return ocsp(Array(buffer: body), lab: lab, store: store)
        }
        router.get("/ocsp/**") { request, _ -> Response in
            let encoded = String(request.uri.path.dropFirst("/ocsp/".count)).removingPercentEncoding ?? ""
            guard let der = Data(base64Encoded: encoded) else { return text(.badRequest, "the path after /ocsp/ is not a base64 OCSP request\n") }
            return ocsp(Array(der), lab: lab, store: store)
        }
        router.get("/ca.pem") { _, _ -> Response in
            guard let data = FileManager.default.contents(atPath: directory.rootBundle) else { return text(.notFound, "no root yet\n") }
            return Response(status: .ok, headers: [.contentType: "application/x-pem-file"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }

    /// One of the CRL files by its name under /crl/, and its size; 404 for anything else.
    static func crl(_ file: String, names: [String], directory: CADirectory) -> (response: Response, size: Int) {
        let served: [String: (path: String, type: String)] = Dictionary(uniqueKeysWithValues: names.flatMap { name in
            [("\(name).crl", (directory.crl(forAuthority: name), "application/pkix-crl")),
             ("\(name).crl.pem", (directory.crlPEM(forAuthority: name), "application/x-pem-file"))]
        } + [("all.pem", (directory.crlBundle, "application/x-pem-file"))])
        guard let (path, type) = served[file], let data = FileManager.default.contents(atPath: path) else {
            let body = "No CRL \"\(file)\" here. This lab's CRLs: \(names.map { "/crl/\($0).crl" }.joined(separator: ", ")), /crl/all.pem\n"
            return (text(.notFound, body), body.utf8.count)
        }
        return (Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: data))), data.count)
    }

    static func ocsp(_ request: [UInt8], lab: Lab, store: LabStore) -> Response {
        let answer = OCSPResponder(lab: lab, store: store).respond(to: request)
        return Response(status: .ok, headers: [.contentType: "application/ocsp-response", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer)))
    }

    static func index(names: [String], directory: CADirectory) -> Response {
        var lines = ["Certificate revocation lists of this lab (DER; add .pem for PEM):"]
        for name in names {
            let list = FileManager.default.contents(atPath: directory.crl(forAuthority: name)).flatMap { try? CertificateRevocationList(derEncoded: Array($0)) }
            let summary = list.map { "CRL number \($0.number ?? 0), \($0.entries.count) revoked, next update \(LabDate.humanWithTime($0.nextUpdate ?? $0.thisUpdate))" } ?? "not written yet"
            lines.append("  /crl/\(name).crl  \(summary)")
        }
        lines.append("  /crl/all.pem  every list, PEM (Mosquitto crlfile, nginx ssl_crl, curl --crlfile)")
        return text(.ok, lines.joined(separator: "\n") + "\n")
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
