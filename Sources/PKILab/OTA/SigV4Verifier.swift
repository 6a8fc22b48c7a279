import Foundation

/// Checks requests made with pre-signed URLs (SigV4 query authentication) the way S3 does, on the lab's clock, and
/// says what it found as a ``SigV4Verdict``.
///
/// Order of checks, as S3 and LocalStack (`localstack/services/s3/presigned_url.py`) answer:
///
/// 1. an `Authorization` header together with query authentication → ``SigV4Verdict/twoAuthMechanisms(authorization:)``
///    (400 `InvalidArgument`); no query authentication at all → ``SigV4Verdict/anonymous``;
/// 2. missing or malformed parameters → 400 `AuthorizationQueryParametersError`; `X-Amz-Expires` must be 1…604800;
/// 3. an unknown access key → 403 `InvalidAccessKeyId`; a scope for another region → 400;
/// 4. `x-amz-*` request headers not listed in `X-Amz-SignedHeaders` → 403 `AccessDenied` (LocalStack checks this
///    before the signature; `x-amz-content-sha256` is exempt, as there);
/// 5. the signature → 403 `SignatureDoesNotMatch`, checked **before** time, as LocalStack does (AWS's own order is
///    not documented);
/// 6. not yet valid, then expired (`now > X-Amz-Date + X-Amz-Expires`) → 403 `AccessDenied`.
///
/// The credential scope's date is taken as written; it is not compared with `X-Amz-Date`. The scope's service is not
/// compared either: the signature is recomputed with the key's own service, so another service fails as a
/// signature mismatch.
public struct SigV4Verifier: Sendable {
    /// The six query parameters of SigV4 query authentication, in the order S3's error message lists them.
    public static let requiredParameters = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires",
    ]

    /// How far `X-Amz-Date` may lie in the future before ``SigV4Verdict/notYetValid(signedAt:expiresAt:by:)``.
    ///
    /// AWS documents no value for pre-signed URLs. The published S3 "Request is not yet valid" bodies
    /// (minio/minio#2638, dmjio/s3-signer#16) have dates a day or more ahead, so they bound nothing. S3
    /// reimplementations allow 15 minutes: MinIO's `doesPresignedSignatureMatch` ("If the host which signed the
    /// request is slightly ahead in time (by less than globalMaxSkewTime) the request should still be allowed",
    /// 15 min), s3s (s3s-project/s3s#216 "allow presigned url requests with up to 15 minutes clock skew"), and
    /// MinIO's maintainer on minio/minio-java#487 ("15 minutes is allowed by the API"). LocalStack does not check
    /// this at all. So the default is 900 s, the S3-wide clock-skew limit those servers copy; pass 0 for a strict
    /// store.
    public var allowedFutureSkew: TimeInterval

    private let credentials: [String: SigV4Credentials]

    /// - Parameters:
    ///   - credentials: the keys URLs may be signed with; a later key with the same ID replaces an earlier one.
    ///   - allowedFutureSkew: see ``allowedFutureSkew``; 900 s unless told.
    public init(credentials: [SigV4Credentials], allowedFutureSkew: TimeInterval = 900) {
        var byID: [String: SigV4Credentials] = [:]
        for credential in credentials { byID[credential.accessKeyID] = credential }
        self.credentials = byID
        self.allowedFutureSkew = allowedFutureSkew
    }

    /// The verdict on one request.
    ///
    /// - Parameters:
    ///   - method: the request method (`GET`, `HEAD`, …).
    ///   - host: the `Host` header's value (`host[:port]`); nil to take it from `headers`.
    ///   - path: the path as on the request line, still percent-encoded, without the query.
    ///   - query: the raw query string after `?`, or nil.
    ///   - headers: the request headers; names are matched without regard to case.
    ///   - now: the store's clock.
    public func verify(
        method: String,
        host: String?,
        path: String,
        query: String?,
        headers: [(name: String, value: String)],
        now: Date
    ) -> SigV4Verdict {
        let parameters = Self.parseQuery(query ?? "")
        func first(_ name: String) -> String? { parameters.first { $0.name == name }?.value }
        func header(_ name: String) -> String? {
            let values = headers.filter { $0.name.lowercased() == name }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }

        let present = Self.requiredParameters.filter { first($0) != nil }
        if let authorization = header("authorization"), !present.isEmpty {
            return .twoAuthMechanisms(authorization: authorization)
        }
        if present.isEmpty { return .anonymous }
        let missing = Self.requiredParameters.filter { first($0) == nil }
        if !missing.isEmpty { return .missingParameters(missing) }

        let algorithm = first("X-Amz-Algorithm") ?? ""
        let credential = first("X-Amz-Credential") ?? ""
        let provided = first("X-Amz-Signature") ?? ""
        let amzDate = first("X-Amz-Date") ?? ""
        let signedHeadersText = first("X-Amz-SignedHeaders") ?? ""
        let expiresText = first("X-Amz-Expires") ?? ""

        guard algorithm == SigV4Presigner.algorithm else { return .badAlgorithm(algorithm) }
        let fields = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, !fields[0].isEmpty, fields[1].count == 8, fields[1].allSatisfy({ ("0"..."9").contains($0) }),
            !fields[2].isEmpty, !fields[3].isEmpty, fields[4] == "aws4_request"
        else { return .badCredential(credential) }
        guard let signedAt = SigV4Time.parseAmzDate(amzDate) else { return .badDate(amzDate) }
        guard !expiresText.isEmpty, expiresText.allSatisfy({ ("0"..."9").contains($0) || $0 == "-" }),
            let expires = Int(expiresText)
        else {
            return .badExpires(expiresText)
        }
        guard (1...SigV4Presigner.maximumExpires).contains(expires) else { return .expiresOutOfRange(expires) }

        let accessKeyID = fields[0]
        guard let key = credentials[accessKeyID] else { return .unknownAccessKey(accessKeyID) }
        guard fields[2] == key.region else { return .wrongRegion(provided: fields[2], expected: key.region) }

        let signedNames = signedHeadersText.split(separator: ";").map { $0.lowercased() }
        var unsigned: [String] = []
        for (name, _) in headers {
            let lower = name.lowercased()
            if lower.hasPrefix("x-amz-"), lower != "x-amz-content-sha256", !signedNames.contains(lower),
                !unsigned.contains(lower)
            {
                unsigned.append(lower)
            }
        }
        if !unsigned.isEmpty { return .headersNotSigned(unsigned) }

        let signedHeaders = signedNames.map { name in
            (name: name, value: name == "host" ? (host ?? header("host") ?? "") : (header(name) ?? ""))
        }
        let canonicalURI = SigV4Presigner.uriEncode(path.removingPercentEncoding ?? path, encodeSlash: false)
        let canonicalQuery = SigV4Presigner.canonicalQuery(parameters.filter { $0.name != "X-Amz-Signature" })
        let scope = SigV4Presigner.scope(dateStamp: fields[1], credentials: key)
        func sign(_ method: String) -> (request: String, toSign: String, signature: String) {
            let request = SigV4Presigner.canonicalRequest(
                method: method, canonicalURI: canonicalURI, canonicalQuery: canonicalQuery, headers: signedHeaders)
            let toSign = SigV4Presigner.stringToSign(canonicalRequest: request, amzDate: amzDate, scope: scope)
            let signature = SigV4Presigner.signature(stringToSign: toSign, secretAccessKey: key.secretAccessKey, scope: scope)
            return (request, toSign, signature)
        }
        let computed = sign(method)
        guard Self.constantTimeEqual(computed.signature, provided) else {
            let other = ["GET", "HEAD", "PUT"].first { $0 != method && Self.constantTimeEqual(sign($0).signature, provided) }
            return .signatureMismatch(
                .init(
                    accessKeyID: accessKeyID, provided: provided, expected: computed.signature,
                    canonicalRequest: computed.request, stringToSign: computed.toSign, signedForMethod: other))
        }

        let expiresAt = signedAt.addingTimeInterval(TimeInterval(expires))
        if now.addingTimeInterval(allowedFutureSkew) < signedAt {
            let early = Int(signedAt.timeIntervalSince(now).rounded(.down))
            return .notYetValid(signedAt: signedAt, expiresAt: expiresAt, by: early)
        }
        if now > expiresAt {
            let late = max(1, Int(now.timeIntervalSince(expiresAt).rounded(.up)))
            return .expired(signedAt: signedAt, expiresAt: expiresAt, by: late)
        }
        return .valid(signedAt: signedAt, expiresAt: expiresAt, accessKeyID: accessKeyID)
    }

    /// The query's `name=value` pairs in order, percent-decoded; `+` reads as a space (form encoding, as the
    /// servers that parse with a web framework do). A pair without `=` has an empty value; empty pairs are dropped.
    static func parseQuery(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (name: decode(parts[0]), value: parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    private static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
