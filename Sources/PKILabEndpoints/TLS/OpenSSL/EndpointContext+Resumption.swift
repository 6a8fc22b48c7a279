import PKILab
import X509

extension EndpointContext {
    /// Whether a TLS session made with the client certificate `der` may still be resumed: asked by the OpenSSL engine
    /// before it takes a session ticket. Not when the certificate is now outside its validity on the lab's clock, or
    /// its issuer's CRL lists it: the client then does a full handshake, whose check refuses the certificate with the
    /// alert an OpenSSL server sends (certificate_revoked, certificate_expired). The check of a resumed session's
    /// certificate after the handshake (``ConnectionState/recheckResumedSession(_:on:)``) runs on both engines anyway.
    static func mayResume(verifier: ChainVerifier, clock: ClockOffset) -> @Sendable ([UInt8]) -> Bool {
        { der in
            guard let leaf = try? Certificate(derEncoded: der) else { return false }
            let now = clock.now
            guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else { return false }
            let issuer = (verifier.intermediates + verifier.roots).first { $0.subject == leaf.issuer }
            if let issuer, verifier.revocation?.finding(for: leaf, issuer: issuer) != nil { return false }
            return true
        }
    }
}
