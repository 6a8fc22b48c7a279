import Foundation
import X509

/// Signs authority and leaf certificates from their specs.
public enum CertificateIssuer {
    /// Issues an authority certificate. A root passes `issuer: nil` and signs itself.
    ///
    /// - Parameters:
    ///   - key: the authority's own key (reused when only the certificate is being re-signed).
    ///   - issuer: the parent's certificate and key, or nil for a root.
    ///   - now: the issuance time.
    public static func authority(_ spec: AuthoritySpec, key: Certificate.PrivateKey, issuer: IssuedCertificate?,
                                 now: Date) throws -> IssuedCertificate {
        let subject = try spec.subject.distinguishedName()
        var window = spec.validity.window(issuedAt: now)
        if let issuer { window.notAfter = min(window.notAfter, issuer.certificate.notValidAfter) }
        let signingKey = issuer?.privateKey ?? key
        let signingAlgorithm = issuer.map { KeyAlgorithm($0.certificate.publicKey) ?? spec.key } ?? spec.key
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .random(),
            publicKey: key.publicKey,
            notValidBefore: window.notBefore,
            notValidAfter: window.notAfter,
            issuer: issuer?.certificate.subject ?? subject,
            subject: subject,
            signatureAlgorithm: signingAlgorithm.signatureAlgorithm,
            extensions: try CertificateProfile.authority(spec, publicKey: key.publicKey,
                                                         issuerKeyIdentifier: issuer?.certificate.keyIdentifier),
            issuerPrivateKey: signingKey)
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }

    /// Issues a leaf certificate signed by `issuer`. Its end is clamped to the issuer's, so the chain never
    /// outlives its authority.
    public static func leaf(_ spec: LeafSpec, key: Certificate.PrivateKey, issuer: IssuedCertificate, now: Date) throws -> IssuedCertificate {
        var window = spec.validity.window(issuedAt: now)
        window.notAfter = min(window.notAfter, issuer.certificate.notValidAfter)
        let signingAlgorithm = KeyAlgorithm(issuer.certificate.publicKey) ?? .ecP256
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .random(),
            publicKey: key.publicKey,
            notValidBefore: window.notBefore,
            notValidAfter: window.notAfter,
            issuer: issuer.certificate.subject,
            subject: try spec.subject.distinguishedName(),
            signatureAlgorithm: signingAlgorithm.signatureAlgorithm,
            extensions: try CertificateProfile.leaf(spec, publicKey: key.publicKey,
                                                    issuerKeyIdentifier: issuer.certificate.keyIdentifier),
            issuerPrivateKey: issuer.privateKey)
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }
}

extension Certificate.SerialNumber {
    /// A random positive serial of exactly 20 octets as encoded (RFC 5280 §4.1.2.2 allows no more): the top bit
    /// is cleared so DER needs no leading zero, and the next one set so none is dropped. 158 bits of entropy.
    public static func random() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[0] = (bytes[0] & 0x3F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }
}
