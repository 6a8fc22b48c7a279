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
        let extensions = try CertificateProfile.authority(spec, publicKey: key.publicKey,
                                                          issuerKeyIdentifier: issuer?.certificate.keyIdentifier)
        return try sign(key: key, subject: subject, window: window, extensions: extensions,
                        issuer: issuer.map(Signer.init) ?? Signer(certificateSubject: subject, key: key, algorithm: spec.key))
    }

    /// Issues a leaf certificate signed by `issuer`. Its end is clamped to the issuer's, so the chain never
    /// outlives its authority.
    public static func leaf(_ spec: LeafSpec, key: Certificate.PrivateKey, issuer: IssuedCertificate, now: Date) throws -> IssuedCertificate {
        var window = spec.validity.window(issuedAt: now)
        window.notAfter = min(window.notAfter, issuer.certificate.notValidAfter)
        let extensions = try CertificateProfile.leaf(spec, publicKey: key.publicKey, issuerKeyIdentifier: issuer.certificate.keyIdentifier)
        return try sign(key: key, subject: try spec.subject.distinguishedName(), window: window, extensions: extensions,
                        issuer: Signer(issuer))
    }

    /// Who signs: a name, a key and the algorithm its key signs with.
    struct Signer {
        var subject: DistinguishedName
        var key: Certificate.PrivateKey
        var algorithm: KeyAlgorithm

        init(_ issuer: IssuedCertificate) {
            subject = issuer.certificate.subject
            key = issuer.privateKey
            algorithm = KeyAlgorithm(issuer.certificate.publicKey) ?? .ecP256
        }

        init(certificateSubject: DistinguishedName, key: Certificate.PrivateKey, algorithm: KeyAlgorithm) {
            subject = certificateSubject
            self.key = key
            self.algorithm = algorithm
        }
    }

    private static func sign(key: Certificate.PrivateKey, subject: DistinguishedName, window: (notBefore: Date, notAfter: Date),
                             extensions: Certificate.Extensions, issuer: Signer) throws -> IssuedCertificate {
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .random(),
            publicKey: key.publicKey,
            notValidBefore: window.notBefore,
            notValidAfter: window.notAfter,
            issuer: issuer.subject,
            subject: subject,
            signatureAlgorithm: issuer.algorithm.signatureAlgorithm,
            extensions: extensions,
            issuerPrivateKey: issuer.key)
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
