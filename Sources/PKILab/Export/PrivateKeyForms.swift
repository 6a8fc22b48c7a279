import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A stored private key in the encodings firmware wants: PKCS#8, and the traditional form (SEC1 for EC,
/// PKCS#1 for RSA) that BearSSL, axTLS and `openssl rsa -outform DER` users expect.
public struct PrivateKeyForms: Sendable {
    public let algorithm: KeyAlgorithm
    public let pkcs8DER: [UInt8]
    /// SEC1 `ECPrivateKey` (with the curve and public key) or PKCS#1 `RSAPrivateKey`; nil for Ed25519.
    public let traditionalDER: [UInt8]?

    /// Reads `key.pem` as pkilab writes it (PKCS#8 for EC and Ed25519, PKCS#1 for RSA).
    public init(pem: String, algorithm: KeyAlgorithm) throws {
        self.algorithm = algorithm
        switch algorithm {
        case .ecP256:
            let key = try P256.Signing.PrivateKey(pemRepresentation: pem)
            pkcs8DER = Array(key.derRepresentation)
            traditionalDER = try Self.sec1(private: Array(key.rawRepresentation), public: Array(key.publicKey.x963Representation),
                                           curve: .NamedCurves.secp256r1)
        case .ecP384:
            let key = try P384.Signing.PrivateKey(pemRepresentation: pem)
            pkcs8DER = Array(key.derRepresentation)
            traditionalDER = try Self.sec1(private: Array(key.rawRepresentation), public: Array(key.publicKey.x963Representation),
                                           curve: .NamedCurves.secp384r1)
        case .rsa2048, .rsa3072, .rsa4096:
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            pkcs8DER = Array(key.pkcs8DERRepresentation)
            traditionalDER = Array(key.derRepresentation)
        case .ed25519:
            let document = try PEMDocument(pemString: pem)
            pkcs8DER = document.derBytes
            traditionalDER = nil
        }
    }

    /// RFC 5915 `ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }`.
    static func sec1(private scalar: [UInt8], public point: [UInt8], curve: ASN1ObjectIdentifier) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(scalar)))
            try coder.serialize(curve, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            try coder.serialize(ASN1BitString(bytes: ArraySlice(point)), explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
        }
        return serializer.serializedBytes
    }

    /// The traditional form as PEM (`EC PRIVATE KEY` / `RSA PRIVATE KEY`), or nil for Ed25519.
    public var traditionalPEM: String? {
        guard let der = traditionalDER else { return nil }
        let label = algorithm.isRSA ? "RSA PRIVATE KEY" : "EC PRIVATE KEY"
        return PEMDocument(type: label, derBytes: der).pemString + "\n"
    }

    public var pkcs8PEM: String {
        PEMDocument(type: "PRIVATE KEY", derBytes: pkcs8DER).pemString + "\n"
    }
}
