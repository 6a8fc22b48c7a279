import Crypto
import SwiftASN1
import X509

/// A certificate and its private key, with the encodings the store writes.
public struct IssuedCertificate: Sendable {
    public var certificate: Certificate
    public var privateKey: Certificate.PrivateKey

    public init(certificate: Certificate, privateKey: Certificate.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString + "\n" } }
    public var privateKeyPEM: String { get throws { try privateKey.serializeAsPEM().pemString + "\n" } }
}

extension Certificate {
    /// The DER encoding.
    public var derBytes: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return serializer.serializedBytes
        }
    }

    /// The SHA-256 fingerprint as lower-case hex, the form `openssl x509 -fingerprint -sha256` prints without colons.
    public var sha256Fingerprint: String {
        get throws { SHA256.hash(data: try derBytes).lowercaseHex }
    }

    /// The subject key identifier, or one computed from the key (as RFC 5280's method 1 does) when absent.
    public var keyIdentifier: ArraySlice<UInt8> {
        (try? extensions.subjectKeyIdentifier)??.keyIdentifier ?? SubjectKeyIdentifier(hash: publicKey).keyIdentifier
    }
}

extension Certificate.SerialNumber {
    /// The serial as colon-free lower-case hex, as `openssl x509 -serial` prints it (there, upper-case).
    public var hexString: String {
        bytes.lowercaseHex
    }
}

import Foundation
