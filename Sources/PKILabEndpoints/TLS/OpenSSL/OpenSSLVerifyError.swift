import CPKILabTLS
#if canImport(Glibc)
import Glibc
#endif

/// Why pkilab's own check refused a client chain, as the X509_V_ERR code OpenSSL's verification would have set:
/// OpenSSL turns it into the alert it sends (`ssl_x509err2alert`), so a client of the OpenSSL engine gets the alert
/// an OpenSSL server such as Mosquitto sends for the same certificate.
enum OpenSSLVerifyError: Sendable, Equatable {
    /// certificate_expired (45)
    case expired
    /// bad_certificate (42): OpenSSL has no alert of its own for it
    case notYetValid
    /// unknown_ca (48)
    case unknownIssuer
    /// unknown_ca (48)
    case selfSigned
    /// certificate_revoked (44)
    case revoked
    /// unsupported_certificate (43)
    case invalidPurpose
    /// decrypt_error (51)
    case signatureFailure
    /// bad_certificate (42)
    case other

    /// The code handed to `X509_STORE_CTX_set_error`.
    var x509Error: Int32 {
        switch self {
        case .expired: 10          // X509_V_ERR_CERT_HAS_EXPIRED
        case .notYetValid: 9       // X509_V_ERR_CERT_NOT_YET_VALID
        case .unknownIssuer: 20    // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        case .selfSigned: 18       // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        case .revoked: 23          // X509_V_ERR_CERT_REVOKED
        case .invalidPurpose: 26   // X509_V_ERR_INVALID_PURPOSE
        case .signatureFailure: 7  // X509_V_ERR_CERT_SIGNATURE_FAILURE
        case .other: 28            // X509_V_ERR_CERT_REJECTED
        }
    }
}
