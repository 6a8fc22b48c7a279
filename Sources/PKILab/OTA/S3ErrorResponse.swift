import Foundation

/// An S3 error as the store answers it: status, `Code`, `Message`, the code's extra elements in S3's order, and the
/// request and host IDs (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
///
/// The body is what S3 sends: the XML declaration, a newline, then `<Error>` on one line with no indentation.
/// Values are XML-escaped; the newlines inside `StringToSign` and `CanonicalRequest` are kept as they are. A `HEAD`
/// request gets the status and headers only.
public struct S3ErrorResponse: Sendable {
    /// `application/xml`.
    public static let contentType = "application/xml"

    /// The HTTP status: 400, 403, 404, 405 or 416 here.
    public var status: Int
    /// The `Code` element, e.g. `AccessDenied`.
    public var code: String
    /// The `Message` element, S3's exact sentence.
    public var message: String
    /// Elements between `Message` and `RequestId`, in order, e.g. `("X-Amz-Expires", "60")`.
    public var extra: [(String, String)]
    /// `RequestId`, also sent as `x-amz-request-id`: 16 upper-case hex characters from S3.
    public var requestID: String
    /// `HostId`, also sent as `x-amz-id-2`.
    public var hostID: String
    /// Headers beyond `Content-Type` and the two IDs, e.g. `Content-Range: bytes */size` with `InvalidRange`.
    public var headers: [(String, String)]

    public init(
        status: Int,
        code: String,
        message: String,
        extra: [(String, String)] = [],
        requestID: String = S3ErrorResponse.makeRequestID(),
        hostID: String = S3ErrorResponse.makeHostID(),
        headers: [(String, String)] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
        self.requestID = requestID
        self.hostID = hostID
        self.headers = headers
    }

    /// The body: `<?xml version="1.0" encoding="UTF-8"?>` and `<Error>…</Error>` on the next line.
    public var xml: String {
        var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
        body += Self.element("Code", code) + Self.element("Message", message)
        for (name, value) in extra { body += Self.element(name, value) }
        body += Self.element("RequestId", requestID) + Self.element("HostId", hostID)
        return body + "</Error>"
    }

    /// `Content-Type`, `x-amz-request-id`, `x-amz-id-2`, then ``headers``.
    public var responseHeaders: [(String, String)] {
        [("Content-Type", Self.contentType), ("x-amz-request-id", requestID), ("x-amz-id-2", hostID)] + headers
    }

    /// 404 `NoSuchKey` "The specified key does not exist." with `Key`.
    public static func noSuchKey(key: String) -> S3ErrorResponse {
        S3ErrorResponse(status: 404, code: "NoSuchKey", message: "The specified key does not exist.", extra: [("Key", key)])
    }

    /// 416 `InvalidRange` "The requested range is not satisfiable" with `RangeRequested` (the header's value) and
    /// `ActualObjectSize`, and the header `Content-Range: bytes */size`.
    public static func invalidRange(requested: String, size: Int) -> S3ErrorResponse {
        S3ErrorResponse(
            status: 416, code: "InvalidRange", message: "The requested range is not satisfiable",
            extra: [("RangeRequested", requested), ("ActualObjectSize", String(size))],
            headers: [("Content-Range", "bytes */\(size)")])
    }

    /// 405 `MethodNotAllowed` "The specified method is not allowed against this resource." with `Method` and
    /// `ResourceType` (`OBJECT` for a key).
    public static func methodNotAllowed(method: String, resourceType: String = "OBJECT") -> S3ErrorResponse {
        S3ErrorResponse(
            status: 405, code: "MethodNotAllowed", message: "The specified method is not allowed against this resource.",
            extra: [("Method", method), ("ResourceType", resourceType)])
    }

    /// 16 random upper-case hex characters, the shape of S3's request IDs.
    public static func makeRequestID() -> String {
        String((0..<16).map { _ in "0123456789ABCDEF".randomElement()! })
    }

    /// 76 random base64 characters, the shape of S3's `x-amz-id-2`.
    public static func makeHostID() -> String {
        Data((0..<57).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// `text` with `& < > " '` escaped, as S3 writes XML.
    static func escape(_ text: String) -> String {
        MarkupText.escaped(text, apostrophe: "&apos;")
    }

    private static func element(_ name: String, _ value: String) -> String {
        "<\(name)>\(escape(value))</\(name)>"
    }
}
