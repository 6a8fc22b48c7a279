import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PKILab

/// The object store: S3 where a device can tell. Path-style pre-signed GET and HEAD (`/BUCKET/KEY?X-Amz-…`),
/// checked with SigV4 on the lab clock on every request (so a download that outlives its URL fails midway, as on
/// S3); `Range` → 206 with `Content-Range`, 416 `InvalidRange`; `ETag` (the quoted MD5), `Last-Modified`,
/// `Accept-Ranges`, `Content-Length`; and S3's XML errors with S3's statuses. One event per request.
enum ObjectStoreRoutes {
    static func router(service: OTAService, endpoint: String, untrusted: Bool, requestLog: @escaping @Sendable (RequestRecord) -> Void) -> Router<LabRequestContext> {
        let router = Router(context: LabRequestContext.self)
        router.add(middleware: RequestLogMiddleware(endpoint: endpoint, log: requestLog))
        router.add(middleware: NULGuardMiddleware())
        router.add(middleware: ObjectStoreMiddleware(service: service, endpoint: endpoint, untrusted: untrusted))
        return router
    }
}

/// Answers every request of the object store (it never calls the next responder).
struct ObjectStoreMiddleware: RouterMiddleware {
    typealias Context = LabRequestContext
    let service: OTAService
    let endpoint: String
    /// This is the store under a root no device trusts (the `wrong-ca` fault).
    let untrusted: Bool

    func handle(_ request: Request, context: LabRequestContext, next: (Request, LabRequestContext) async throws -> Response) async throws -> Response {
        let connection = await context.connection()
        let peer = connection?.peer ?? LabTLSPipeline.peer(of: context.channel)
        let method = request.method.rawValue
        let rawPath = request.uri.path
        let rangeHeader = request.headers[.range]
        var detail = ConnectionEvent.OTADetail(method: method, path: rawPath, status: 200, range: rangeHeader)
        let events = service.events
        let endpoint = self.endpoint
        @Sendable func record(_ reason: OTAReason, status: Int, bytes: Int? = nil, detail: ConnectionEvent.OTADetail) {
            var detail = detail
            detail.status = status
            detail.bytes = bytes
            events.record(ConnectionEvent(time: Date(), endpoint: endpoint, peer: peer, ota: reason, detail: detail))
        }
        func refuse(_ reason: OTAReason, _ error: S3ErrorResponse) -> Response {
            record(reason, status: error.status, detail: detail)
            return Self.response(error, head: method == "HEAD")
        }
        let key = Self.objectKey(rawPath, bucket: service.spec.store.bucket)
        guard method == "GET" || method == "HEAD" else {
            return refuse(.methodNotAllowed(method), S3ErrorResponse.methodNotAllowed(method: method))
        }
        let query = request.uri.query
        let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        let verdict = service.verifier.verify(method: method, host: request.head.authority, path: rawPath, query: query, headers: headers,
                                              now: service.now)
        if let failure = Self.reason(for: verdict, method: method), let error = verdict.errorResponse {
            return refuse(failure, error)
        }
        guard let key, let image = service.catalog.image(named: key) else {
            return refuse(.noSuchKey(key ?? rawPath), S3ErrorResponse.noSuchKey(key: key ?? String(rawPath.dropFirst())))
        }
        detail.image = image.name
        detail.version = image.version?.description
        var responseHeaders = HTTPFields()
        responseHeaders[.acceptRanges] = "bytes"
        responseHeaders[.eTag] = image.etag
        responseHeaders[.lastModified] = Self.httpDate(image.modified)
        responseHeaders[.contentType] = "binary/octet-stream"
        responseHeaders[.server] = "AmazonS3"
        let requestID = S3ErrorResponse.makeRequestID()
        responseHeaders[HTTPField.Name("x-amz-request-id")!] = requestID
        responseHeaders[HTTPField.Name("x-amz-id-2")!] = requestID.lowercased()
        let answer = ByteRange.answer(rangeHeader: rangeHeader, size: image.size)
        let range: ClosedRange<Int>?
        var status = HTTPResponse.Status.ok
        switch answer {
        case .unsatisfiable:
            let error = S3ErrorResponse.invalidRange(requested: rangeHeader ?? "", size: image.size)
            return refuse(.rangeNotSatisfiable(range: rangeHeader ?? "", size: image.size), error)
        case .partial(let part):
            range = part
            status = .partialContent
            responseHeaders[.contentRange] = ByteRange.contentRange(answer, size: image.size)
        case .whole:
            range = image.size == 0 ? nil : 0...(image.size - 1)
        }
        let length = range?.count ?? 0
        if method == "HEAD" {
            responseHeaders[.contentLength] = String(length)
            record(.downloaded(image: image.name, bytes: 0, total: image.size, seconds: 0, rangeStart: range?.lowerBound, head: true),
                   status: Int(status.code), detail: detail)
            return Response(status: status, headers: responseHeaders)
        }
        guard let range else {
            record(.downloaded(image: image.name, bytes: 0, total: 0, seconds: 0, rangeStart: nil, head: false), status: 200, detail: detail)
            return Response(status: status, headers: responseHeaders)
        }
        // The interrupt fault (signed into the URL) cuts a download that starts at 0 off halfway; a resumed one is served.
        let interrupt = Self.queryValue("x-pkilab-fault", in: query) == OTAFault.interrupt.rawValue && range.lowerBound == 0 && range.count > 1
        detail.fault = interrupt ? OTAFault.interrupt.rawValue : nil
        let started = Date()
        let rangeStart: Int? = answer == .whole ? nil : range.lowerBound
        let finalDetail = detail
        let code = Int(status.code)
        let body = ObjectBody.stream(image, range: range, cutAfter: interrupt ? range.count / 2 : nil) { ending in
            let seconds = Date().timeIntervalSince(started)
            if ending.complete, untrusted {
                record(.untrustedStoreAccepted(image: image.name, bytes: ending.sent), status: code, bytes: ending.sent, detail: finalDetail)
            } else if ending.complete {
                record(.downloaded(image: image.name, bytes: ending.sent, total: image.size, seconds: seconds, rangeStart: rangeStart, head: false),
                       status: code, bytes: ending.sent, detail: finalDetail)
            } else if ending.cutOnPurpose {
                record(.downloadInterrupted(image: image.name, sent: range.lowerBound + ending.sent, total: image.size), status: code,
                       bytes: ending.sent, detail: finalDetail)
            } else {
                record(.downloadAborted(image: image.name, sent: range.lowerBound + ending.sent, expected: range.upperBound + 1), status: code,
                       bytes: ending.sent, detail: finalDetail)
            }
        }
        return Response(status: status, headers: responseHeaders, body: body)
    }

    /// The OTA reason of a verdict that refuses the request (nil when it is valid).
    static func reason(for verdict: SigV4Verdict, method: String) -> OTAReason? {
        switch verdict {
        case .valid: nil
        case .anonymous: .anonymousRequest
        case .missingParameters(let names): .badQueryAuthentication(detail: "it lacks \(names.joined(separator: ", "))")
        case .badDate(let date): .badQueryAuthentication(detail: "X-Amz-Date \"\(date)\" is not yyyyMMddTHHmmssZ")
        case .badExpires(let expires): .badQueryAuthentication(detail: "X-Amz-Expires \"\(expires)\" is not a number of seconds")
        case .wrongRegion(let provided, let expected): .badQueryAuthentication(detail: "the credential names the region \(provided), not \(expected)")
        case .badAlgorithm(let algorithm): .badQueryAuthentication(detail: "X-Amz-Algorithm is \"\(algorithm)\", not AWS4-HMAC-SHA256")
        case .badCredential(let credential): .badQueryAuthentication(detail: "X-Amz-Credential \"\(credential)\" is not KEY/DATE/REGION/s3/aws4_request")
        case .expiresOutOfRange(let seconds): .badQueryAuthentication(detail: "X-Amz-Expires is \(seconds), outside 1…604800 seconds")
        case .unknownAccessKey(let key): .unknownAccessKey(key)
        case .twoAuthMechanisms: .twoAuthMechanisms
        case .headersNotSigned(let names): .headersNotSigned(names)
        case .signatureMismatch(let mismatch):
            mismatch.signedForMethod.map { .methodNotSigned(method: method, signedFor: $0) } ?? .signatureMismatch
        case .notYetValid(_, _, let by): .urlNotYetValid(secondsAhead: by)
        case .expired(_, _, let by): .urlExpired(secondsAgo: by)
        }
    }

    /// The key of a path-style request to `bucket` (`/BUCKET/KEY`, percent-decoded); nil for another bucket or no key.
    static func objectKey(_ rawPath: String, bucket: String) -> String? {
        let parts = rawPath.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == bucket, !parts[1].isEmpty else { return nil }
        return String(parts[1]).removingPercentEncoding
    }

    static func queryValue(_ name: String, in query: String?) -> String? {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]).removingPercentEncoding : "" }
        }
        return nil
    }

    static func response(_ error: S3ErrorResponse, head: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/xml"
        headers[.server] = "AmazonS3"
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        // S3 answers a refused HEAD with the status alone.
        let body = head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: error.xml))
        return Response(status: HTTPResponse.Status(code: error.status), headers: headers, body: body)
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
