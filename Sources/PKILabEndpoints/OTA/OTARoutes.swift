import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PKILab

/// The OTA server's routes on the HTTPS endpoint (the device's client certificate says who it is):
///
/// - `GET /ota/update`: a redirect (302 unless `ota.redirect` says otherwise) to a pre-signed URL of the newest
///   image the device may get, 304 when it runs that version already (it says so in `x-ESP8266-version`,
///   `x-ESP32-version`, `x-firmware-version` or `?version=`), 403/404 when there is none for it.
///   `?delivery=direct` sends the image itself with `x-MD5`, as the ESP8266 update server of its docs does.
/// - `GET /ota/manifest`: the same decision as JSON (version, size, SHA-256, MD5, URL, expiry), for code that asks
///   first.
///
/// Both take `?product=NAME` (images named NAME-v….bin) and `?fault=NAME` (an ``OTAFault``; lab.yaml's `ota.fault`
/// applies when the query names none).
enum OTARoutes {
    /// The version headers the update clients send.
    static let versionHeaders = ["x-esp8266-version", "x-esp32-version", "x-firmware-version"]

    struct Manifest: Codable, Sendable {
        var update: Bool
        var identity: String
        var running: String?
        var product: String?
        var version: String?
        var image: String?
        var size: Int?
        var sha256: String?
        var md5: String?
        var url: String?
        var expires: Date?
        var expiresIn: Int?
        var fault: String?
        var message: String?
    }

    static func add(to router: Router<LabRequestContext>, service: OTAService, endpoint: String) {
        router.get("/ota/update") { request, context -> Response in
            try await answer(request, context, service: service, endpoint: endpoint, manifest: false)
        }
        // ESP-IDF's partial_http_download starts with a HEAD and follows the redirect with it.
        router.head("/ota/update") { request, context -> Response in
            try await answer(request, context, service: service, endpoint: endpoint, manifest: false)
        }
        router.get("/ota/manifest") { request, context -> Response in
            try await answer(request, context, service: service, endpoint: endpoint, manifest: true)
        }
    }

    private static func answer(_ request: Request, _ context: LabRequestContext, service: OTAService, endpoint: String,
                               manifest: Bool) async throws -> Response {
        let connection = await context.connection()
        let peer = connection?.peer ?? LabTLSPipeline.peer(of: context.channel)
        let query = request.uri.queryParameters
        let direct = !manifest && query["delivery"] == "direct"
        var detail = ConnectionEvent.OTADetail(method: request.method.rawValue, path: request.uri.path, status: 200)
        func record(_ reason: OTAReason, status: Int) {
            detail.status = status
            service.events.record(ConnectionEvent(time: Date(), endpoint: endpoint, peer: peer, ota: reason, detail: detail,
                                                  client: connection?.client))
        }
        guard let client = connection?.client else {
            record(.noIdentity, status: 403)
            return message(.forbidden, OTAReason.noIdentity.words.explanation, manifest: manifest, identity: "")
        }
        let identity = client.commonName ?? client.subject
        var fault = service.spec.fault
        if let name = query["fault"] {
            guard let chosen = OTAFault(rawValue: String(name)) else {
                return message(.badRequest, "there is no fault \"\(name)\"; the faults: \(OTAFault.allCases.map(\.rawValue).joined(separator: ", "))",
                               manifest: manifest, identity: identity)
            }
            fault = chosen
        }
        detail.fault = fault?.rawValue
        let running = versionHeaders.lazy.compactMap { name in HTTPField.Name(name).flatMap { request.headers[$0] } }.first
            ?? query["version"].map(String.init)
        detail.running = running
        let product = query["product"].map(String.init)
        let (newest, refused) = service.catalog.newest(for: identity, product: product, spec: service.spec)
        guard let image = newest, let version = image.version else {
            let refusedBy = refused.first.map { "\($0.0.name), \($0.1.words)" }
            let reason = OTAReason.noImage(identity: identity, product: product, imagesFolder: service.imagesFolderDisplay, refusedBy: refusedBy)
            let status: HTTPResponse.Status = refusedBy == nil ? .notFound : .forbidden
            record(reason, status: Int(status.code))
            return message(status, reason.words.explanation, manifest: manifest, identity: identity)
        }
        detail.image = image.name
        detail.version = version.description
        if fault == .notAllowed {
            let reason = OTAReason.notAllowed(identity: identity, image: image.name)
            record(reason, status: 403)
            return message(.forbidden, reason.words.explanation, manifest: manifest, identity: identity)
        }
        if let running, let current = FirmwareVersion(running), current >= version {
            let reason = OTAReason.noUpdate(identity: identity, running: running, image: image.name)
            if manifest {
                record(reason, status: 200)
                return json(Manifest(update: false, identity: identity, running: running, product: image.product, version: version.description,
                                     image: image.name, message: reason.words.explanation))
            }
            record(reason, status: 304)
            return Response(status: .notModified)
        }
        // What the device is told about the image: the truth, unless the fault says to announce other digests.
        let sha256 = fault == .badDigest ? String(image.sha256.reversed()) : image.sha256
        let md5 = fault == .badDigest ? String(image.md5.reversed()) : image.md5
        if direct {
            record(.updateOffered(identity: identity, running: running, image: image.name, version: version.description, delivery: .direct,
                                  lifetime: 0, fault: fault), status: 200)
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            headers[HTTPField.Name("x-MD5")!] = md5
            headers[.contentDisposition] = "attachment; filename=\"\(image.name)\""
            if request.method == .head {
                headers[.contentLength] = String(image.size)
                return Response(status: .ok, headers: headers)
            }
            return Response(status: .ok, headers: headers, body: ObjectBody.whole(image))
        }
        let made = service.urlMaker.url(for: image.name, now: service.now, fault: fault)
        detail.urlExpires = made.expiresAt
        let lifetime = Int(made.expiresAt.timeIntervalSince(service.now).rounded())
        if manifest {
            record(.updateOffered(identity: identity, running: running, image: image.name, version: version.description, delivery: .manifest,
                                  lifetime: lifetime, fault: fault), status: 200)
            return json(Manifest(update: true, identity: identity, running: running, product: image.product, version: version.description,
                                 image: image.name, size: image.size, sha256: sha256, md5: md5, url: made.url, expires: made.expiresAt,
                                 expiresIn: Int(made.expiresAt.timeIntervalSince(service.now).rounded()), fault: fault?.rawValue))
        }
        let status = fault == .redirect308 ? 308 : service.spec.redirectStatus
        record(.updateOffered(identity: identity, running: running, image: image.name, version: version.description,
                              delivery: .redirect(status: status), lifetime: lifetime, fault: fault), status: status)
        var headers = HTTPFields()
        headers[.location] = made.url
        // As OTA back ends do for HTTP/1.x clients (the device reconnects to the store anyway); HTTP/2 has no Connection header.
        if connection?.alpn != "h2" { headers[.connection] = "close" }
        return Response(status: HTTPResponse.Status(code: status), headers: headers)
    }

    private static func json(_ manifest: Manifest, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = LabJSON.encoder(pretty: true)
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data = (try? encoder.encode(manifest)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data + [0x0A])))
    }

    private static func message(_ status: HTTPResponse.Status, _ text: String, manifest: Bool, identity: String) -> Response {
        if manifest {
            return json(Manifest(update: false, identity: identity, message: text), status: status)
        }
        return HTTPSRoutes.text(status, text + "\n")
    }
}
