import Crypto
import Foundation

/// AWS Signature Version 4 query-string authentication ("pre-signed URLs") as S3 defines it
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html): `UNSIGNED-PAYLOAD`, `host` as the
/// only signed header, every query parameter signed.
///
/// The steps are public so that ``SigV4Verifier`` recomputes exactly what was signed and tests can compare each one
/// with AWS's published example:
///
/// 1. ``canonicalRequest(method:canonicalURI:canonicalQuery:headers:)``: method, URI, query, headers, signed header
///    names and `UNSIGNED-PAYLOAD`, one per line.
/// 2. ``stringToSign(canonicalRequest:amzDate:scope:)``: algorithm, `X-Amz-Date`, scope and the hex SHA-256 of step 1.
/// 3. ``signature(stringToSign:secretAccessKey:scope:)``: the hex HMAC-SHA256 of step 2 under the key chained from
///    `"AWS4" + secret` over the scope's date, region, service and `aws4_request`.
public enum SigV4Presigner {
    /// `AWS4-HMAC-SHA256`, the only `X-Amz-Algorithm` S3 accepts.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash of every pre-signed request: the body is unknown when the URL is made.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The longest `X-Amz-Expires` S3 accepts: seven days, in seconds.
    public static let maximumExpires = 604_800

    /// A pre-signed URL for `method` on `path` at `host`.
    ///
    /// - Parameters:
    ///   - method: the HTTP method the URL is good for; any other method gets `SignatureDoesNotMatch`.
    ///   - scheme: `https` unless told.
    ///   - host: `host[:port]` exactly as the client's `Host` header will carry it (a port is part of it).
    ///   - path: the object path, not encoded, starting with `/`: `/key` virtual-hosted, `/bucket/key` path-style.
    ///   - extraQuery: further query parameters (e.g. `response-content-type`, `X-Amz-Security-Token`); they are
    ///     signed along with the authentication parameters.
    ///   - credentials: the key and the scope (region, service).
    ///   - date: the signing time, written as `X-Amz-Date` in UTC with whole seconds.
    ///   - expires: `X-Amz-Expires`, in seconds; S3 refuses values outside 1…604800, and so does ``SigV4Verifier``,
    ///     but the presigner writes what it is given so that refusals can be rehearsed.
    /// - Returns: `scheme://host/encoded-path?query&X-Amz-Signature=…`, the query sorted as it was signed.
    public static func presign(
        method: String = "GET",
        scheme: String = "https",
        host: String,
        path: String,
        extraQuery: [(name: String, value: String)] = [],
        credentials: SigV4Credentials,
        date: Date,
        expires: Int
    ) -> String {
        let amzDate = SigV4Time.amzDate(date)
        let scope = scope(dateStamp: String(amzDate.prefix(8)), credentials: credentials)
        let parameters =
            extraQuery + [
                (name: "X-Amz-Algorithm", value: algorithm),
                (name: "X-Amz-Credential", value: "\(credentials.accessKeyID)/\(scope)"),
                (name: "X-Amz-Date", value: amzDate),
                (name: "X-Amz-Expires", value: String(expires)),
                (name: "X-Amz-SignedHeaders", value: "host"),
            ]
        let query = canonicalQuery(parameters)
        let uri = uriEncode(path, encodeSlash: false)
        let request = canonicalRequest(
            method: method, canonicalURI: uri, canonicalQuery: query, headers: [(name: "host", value: host)])
        let toSign = stringToSign(canonicalRequest: request, amzDate: amzDate, scope: scope)
        let signed = signature(stringToSign: toSign, secretAccessKey: credentials.secretAccessKey, scope: scope)
        return "\(scheme)://\(host)\(uri)?\(query)&X-Amz-Signature=\(signed)"
    }

    /// `yyyymmdd/region/service/aws4_request`: the credential scope, and everything after the key ID in
    /// `X-Amz-Credential`.
    public static func scope(dateStamp: String, credentials: SigV4Credentials) -> String {
        "\(dateStamp)/\(credentials.region)/\(credentials.service)/aws4_request"
    }

    /// AWS's `UriEncode`: every UTF-8 byte except `A–Z a–z 0–9 - _ . ~` becomes `%XX` with upper-case hex; a space is
    /// `%20`, never `+`. With `encodeSlash: false` (object paths) `/` is kept; query names and values encode it as
    /// `%2F`.
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where !encodeSlash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical query string: each name and value ``uriEncode(_:encodeSlash:)``-d with `/` as `%2F`, joined as
    /// `name=value` with `&`, sorted by encoded name (byte order), then by encoded value. Pass the parameters
    /// without `X-Amz-Signature`.
    public static func canonicalQuery(_ parameters: [(name: String, value: String)]) -> String {
        parameters
            .map { (name: uriEncode($0.name, encodeSlash: true), value: uriEncode($0.value, encodeSlash: true)) }
            .sorted { left, right in
                left.name == right.name
                    ? left.value.utf8.lexicographicallyPrecedes(right.value.utf8)
                    : left.name.utf8.lexicographicallyPrecedes(right.name.utf8)
            }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    /// The canonical request, the text whose SHA-256 is signed:
    ///
    /// ```
    /// GET
    /// /test.txt
    /// X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-SignedHeaders=host
    /// host:examplebucket.s3.amazonaws.com
    ///
    /// host
    /// UNSIGNED-PAYLOAD
    /// ```
    ///
    /// - Parameters:
    ///   - canonicalURI: the path already encoded (``uriEncode(_:encodeSlash:)`` with `/` kept).
    ///   - canonicalQuery: from ``canonicalQuery(_:)``.
    ///   - headers: the signed headers and their values; names are lower-cased, values trimmed with inner runs of
    ///     spaces folded to one, and the list sorted by name.
    public static func canonicalRequest(
        method: String,
        canonicalURI: String,
        canonicalQuery: String,
        headers: [(name: String, value: String)]
    ) -> String {
        let canonical = headers
            .map { (name: $0.name.lowercased(), value: foldSpaces($0.value)) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let headerLines = canonical.map { "\($0.name):\($0.value)\n" }.joined()
        let signedHeaders = canonical.map(\.name).joined(separator: ";")
        return [method, canonicalURI, canonicalQuery, headerLines, signedHeaders, unsignedPayload].joined(separator: "\n")
    }

    /// `AWS4-HMAC-SHA256`, the `X-Amz-Date`, the scope and the lower-case hex SHA-256 of the canonical request, one
    /// per line, no final newline.
    public static func stringToSign(canonicalRequest: String, amzDate: String, scope: String) -> String {
        let digest = SHA256.hash(data: Array(canonicalRequest.utf8))
        return [algorithm, amzDate, scope, hex(Array(digest))].joined(separator: "\n")
    }

    /// The 64 lower-case hex characters of `X-Amz-Signature`: HMAC-SHA256 of the string to sign under the signing
    /// key, which is HMAC-SHA256 chained from `"AWS4" + secretAccessKey` over each field of `scope`
    /// (`yyyymmdd`, region, service, `aws4_request`).
    public static func signature(stringToSign: String, secretAccessKey: String, scope: String) -> String {
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for field in scope.split(separator: "/", omittingEmptySubsequences: false) {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(field.utf8), using: key)))
        }
        return hex(Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }

    private static func foldSpaces(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }
}
