import PKILab

extension OpenSSLVerifyError {
    /// The X509_V_ERR an OpenSSL server's own verification would have set for `reason`, so the OpenSSL engine sends
    /// the alert Mosquitto sends for the same certificate: expired → certificate_expired (45), unknown or self-signed
    /// issuer and a missing intermediate → unknown_ca (48), revoked → certificate_revoked (44), a wrong extended key
    /// usage → unsupported_certificate (43), not yet valid and the rest → bad_certificate (42).
    init(_ reason: RejectionReason) {
        switch reason {
        case .certificate(let problem):
            switch problem {
            case .expired: self = .expired
            case .notYetValid: self = .notYetValid
            case .selfSigned: self = .selfSigned
            case .unknownIssuer: self = .unknownIssuer
            case .revoked: self = .revoked
            case .missingUsage, .authorityAsLeaf: self = .invalidPurpose
            case .signatureMismatch: self = .signatureFailure
            default: self = .other
            }
        case .missingIntermediate: self = .unknownIssuer
        case .resumedSessionRefused(let inner): self = .init(inner)
        default: self = .other
        }
    }
}
