import Foundation

extension SigV4Verdict {
    /// S3's answer to a failed verdict, nil for ``valid(signedAt:expiresAt:accessKeyID:)``. Request and host IDs are
    /// fresh random ones; set them for reproducible bodies.
    ///
    /// Codes, messages and extra elements follow S3's bodies as published: the six-parameter
    /// `AuthorizationQueryParametersError` and credential messages (LocalStack, which copies S3's), "X-Amz-Expires
    /// must be less than a week…" (aws/aws-cli#5464), `SignatureDoesNotMatch` with `StringToSignBytes` as
    /// space-separated lower-case hex bytes (aws/aws-cli#4356), "Request has expired" with `X-Amz-Expires`,
    /// `Expires`, `ServerTime` (aws/aws-sdk-php#1333), "Request is not yet valid" with `X-Amz-Date` in epoch
    /// milliseconds (minio/minio#2638), "Only one auth mechanism allowed…" with `ArgumentName`/`ArgumentValue`
    /// (catalyst/moodle-tool_objectfs#303). Not seen in a published S3 body, so taken from MinIO's copies of S3's
    /// texts: the algorithm, date, non-numeric and negative `X-Amz-Expires` messages and the wrong-region message.
    /// `X-Amz-Expires=0` gets the "non-negative" message; what S3 says for 0 was not found.
    public var errorResponse: S3ErrorResponse? {
        let queryError = "AuthorizationQueryParametersError"
        switch self {
        case .valid:
            return nil
        case .anonymous:
            return S3ErrorResponse(status: 403, code: "AccessDenied", message: "Access Denied")
        case .twoAuthMechanisms(let authorization):
            return S3ErrorResponse(
                status: 400, code: "InvalidArgument",
                message:
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
                extra: [("ArgumentName", "Authorization"), ("ArgumentValue", authorization)])
        case .missingParameters:
            return S3ErrorResponse(
                status: 400, code: queryError,
                message:
                    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        case .badAlgorithm:
            return S3ErrorResponse(
                status: 400, code: queryError, message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        case .badCredential:
            return S3ErrorResponse(
                status: 400, code: queryError,
                message:
                    "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
        case .badDate:
            return S3ErrorResponse(
                status: 400, code: queryError,
                message: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        case .badExpires:
            return S3ErrorResponse(status: 400, code: queryError, message: "X-Amz-Expires should be a number")
        case .expiresOutOfRange(let expires):
            return S3ErrorResponse(
                status: 400, code: queryError,
                message: expires > SigV4Presigner.maximumExpires
                    ? "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
                    : "X-Amz-Expires must be non-negative")
        case .unknownAccessKey(let accessKeyID):
            return S3ErrorResponse(
                status: 403, code: "InvalidAccessKeyId",
                message: "The AWS Access Key Id you provided does not exist in our records.",
                extra: [("AWSAccessKeyId", accessKeyID)])
        case .wrongRegion(let provided, let expected):
            return S3ErrorResponse(
                status: 400, code: queryError,
                message: "Error parsing the X-Amz-Credential parameter; the region '\(provided)' is wrong; expecting '\(expected)'",
                extra: [("Region", expected)])
        case .headersNotSigned(let names):
            return S3ErrorResponse(
                status: 403, code: "AccessDenied", message: "There were headers present in the request which were not signed",
                extra: [("HeadersNotSigned", names.joined(separator: ", "))])
        case .signatureMismatch(let mismatch):
            return S3ErrorResponse(
                status: 403, code: "SignatureDoesNotMatch",
                message:
                    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                extra: [
                    ("AWSAccessKeyId", mismatch.accessKeyID),
                    ("StringToSign", mismatch.stringToSign),
                    ("SignatureProvided", mismatch.provided),
                    ("StringToSignBytes", Self.byteText(mismatch.stringToSign)),
                    ("CanonicalRequest", mismatch.canonicalRequest),
                    ("CanonicalRequestBytes", Self.byteText(mismatch.canonicalRequest)),
                ])
        case .notYetValid(let signedAt, let expiresAt, let by):
            return S3ErrorResponse(
                status: 403, code: "AccessDenied", message: "Request is not yet valid",
                extra: [
                    ("X-Amz-Date", String(Int64(signedAt.timeIntervalSince1970) * 1000)),
                    ("Expires", SigV4Time.iso8601(expiresAt)),
                    ("ServerTime", SigV4Time.iso8601(signedAt.addingTimeInterval(-TimeInterval(by)))),
                ])
        case .expired(let signedAt, let expiresAt, let by):
            return S3ErrorResponse(
                status: 403, code: "AccessDenied", message: "Request has expired",
                extra: [
                    ("X-Amz-Expires", String(Int(expiresAt.timeIntervalSince(signedAt)))),
                    ("Expires", SigV4Time.iso8601(expiresAt)),
                    ("ServerTime", SigV4Time.iso8601(expiresAt.addingTimeInterval(TimeInterval(by)))),
                ])
        }
    }

    /// `41 57 53 34 …`: each UTF-8 byte as two lower-case hex digits, separated by spaces, as S3 writes
    /// `StringToSignBytes`.
    static func byteText(_ text: String) -> String {
        text.utf8.map { SigV4Presigner.hex([$0]) }.joined(separator: " ")
    }
}
