import Foundation

/// What ``SigV4Verifier`` found about one request to a pre-signed URL: either the facts of a valid signature, or the
/// first failure in the order S3 checks them, with what a sentence about it needs.
///
/// ``errorResponse`` turns a failure into S3's status, code, message and extra elements.
public enum SigV4Verdict: Sendable, Hashable {
    /// The signature matches and `signedAt − skew ≤ now ≤ expiresAt`.
    case valid(signedAt: Date, expiresAt: Date, accessKeyID: String)
    /// No query authentication at all (none of the six `X-Amz-*` parameters): an anonymous request, which a private
    /// bucket answers with 403 `AccessDenied` "Access Denied".
    case anonymous
    /// An `Authorization` header (its value here) came with query authentication: 400 `InvalidArgument`. Clients that
    /// forward Basic credentials across a redirect to the store meet this.
    case twoAuthMechanisms(authorization: String)
    /// Some, but not all, of the six query parameters; the missing ones, in S3's order (Algorithm, Credential,
    /// Signature, Date, SignedHeaders, Expires).
    case missingParameters([String])
    /// `X-Amz-Algorithm` is not `AWS4-HMAC-SHA256`; the value given.
    case badAlgorithm(String)
    /// `X-Amz-Credential` is not `<AKID>/yyyymmdd/region/service/aws4_request`; the value given.
    case badCredential(String)
    /// `X-Amz-Date` is not `yyyyMMdd'T'HHmmss'Z'`; the value given.
    case badDate(String)
    /// `X-Amz-Expires` is not a decimal integer; the value given.
    case badExpires(String)
    /// `X-Amz-Expires` is outside 1…604800; the value given.
    case expiresOutOfRange(Int)
    /// No credential of the verifier has this access key ID.
    case unknownAccessKey(String)
    /// The credential scope names another region than the key's.
    case wrongRegion(provided: String, expected: String)
    /// `x-amz-*` request headers (lower-cased, in request order) that `X-Amz-SignedHeaders` does not list.
    case headersNotSigned([String])
    /// The recomputed signature differs; see ``SignatureMismatch``.
    case signatureMismatch(SignatureMismatch)
    /// `X-Amz-Date` lies more than the allowed skew after `now`; `by` = whole seconds from `now` to `signedAt`.
    case notYetValid(signedAt: Date, expiresAt: Date, by: Int)
    /// `now` is after `signedAt + X-Amz-Expires`; `by` = whole seconds past `expiresAt`, rounded up (≥ 1).
    case expired(signedAt: Date, expiresAt: Date, by: Int)

    /// True only for ``valid(signedAt:expiresAt:accessKeyID:)``.
    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }
}
