import Crypto
import SwiftASN1
import X509

/// A certificate's encodings, computed once (and in parallel for fleets): fingerprint, PEM, and the key's PEM
/// when a new key must be written.
struct Encoded: Sendable {
    var fingerprint: String
    var certificatePEM: String
    var keyPEM: String?

    init(_ issued: IssuedCertificate, withKey: Bool) throws {
        let der = try issued.certificate.derBytes
        fingerprint = SHA256.hash(data: der).lowercaseHex
        certificatePEM = PEMDocument(type: "CERTIFICATE", derBytes: der).pemString + "\n"
        keyPEM = withKey ? try issued.privateKeyPEM : nil
    }
}
