import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
import _CryptoExtras
@testable import PKILab

/// The children of the DER SEQUENCE `bytes`.
private func sequence(_ bytes: [UInt8]) throws -> [ASN1Node] {
    let node = try DER.parse(bytes)
    guard case .constructed(let children) = node.content, node.identifier == .sequence else { throw ExportParsing.Malformed() }
    return Array(children)
}

@Suite("Private key forms: PKCS#8 and the traditional SEC1 / PKCS#1, read back by swift-crypto")
struct PrivateKeyFormsTests {
    @Test("P-256 and P-384: PKCS#8 and SEC1 (version 1, the scalar, the curve, the public point) are the same key", arguments: [KeyAlgorithm.ecP256, .ecP384])
    func ec(algorithm: KeyAlgorithm) throws {
        let p256 = algorithm == .ecP256 ? P256.Signing.PrivateKey() : nil
        let p384 = algorithm == .ecP384 ? P384.Signing.PrivateKey() : nil
        let pem = p256?.pemRepresentation ?? p384!.pemRepresentation
        let raw = Array(p256?.rawRepresentation ?? p384!.rawRepresentation)
        let point = Array(p256?.publicKey.x963Representation ?? p384!.publicKey.x963Representation)
        let forms = try PrivateKeyForms(pem: pem, algorithm: algorithm)
        #expect(forms.algorithm == algorithm)
        let sec1 = try #require(forms.traditionalDER)
        let traditionalPEM = try #require(forms.traditionalPEM)

        // SEC1 by hand: SEQUENCE { INTEGER 1, OCTET STRING scalar, [0] { OID curve }, [1] { BIT STRING point } }.
        let fields = try sequence(sec1)
        #expect(fields.count == 4)
        #expect(try Int(derEncoded: fields[0]) == 1)
        #expect(Array(try ASN1OctetString(derEncoded: fields[1]).bytes) == raw)
        #expect(fields[2].identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
        #expect(fields[3].identifier == ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific))
        guard case .constructed(let curveNodes) = fields[2].content, case .constructed(let pointNodes) = fields[3].content,
              let curveNode = Array(curveNodes).first, let pointNode = Array(pointNodes).first else {
            Issue.record("the [0] and [1] fields are not explicit tags")
            return
        }
        let curve = try ASN1ObjectIdentifier(derEncoded: curveNode)
        #expect(curve == (algorithm == .ecP256 ? ASN1ObjectIdentifier.NamedCurves.secp256r1 : .NamedCurves.secp384r1))
        #expect(Array(try ASN1BitString(derEncoded: pointNode).bytes) == point)

        // swift-crypto reads both forms back to the same key.
        if algorithm == .ecP256 {
            #expect(try P256.Signing.PrivateKey(derRepresentation: sec1).rawRepresentation == p256!.rawRepresentation)
            #expect(try P256.Signing.PrivateKey(derRepresentation: forms.pkcs8DER).rawRepresentation == p256!.rawRepresentation)
            #expect(try P256.Signing.PrivateKey(pemRepresentation: traditionalPEM).rawRepresentation == p256!.rawRepresentation)
            #expect(Array(p256!.derRepresentation) == forms.pkcs8DER)
        } else {
            #expect(try P384.Signing.PrivateKey(derRepresentation: sec1).rawRepresentation == p384!.rawRepresentation)
            #expect(try P384.Signing.PrivateKey(derRepresentation: forms.pkcs8DER).rawRepresentation == p384!.rawRepresentation)
            #expect(try P384.Signing.PrivateKey(pemRepresentation: traditionalPEM).rawRepresentation == p384!.rawRepresentation)
        }
        #expect(traditionalPEM.hasPrefix("-----BEGIN EC PRIVATE KEY-----\n") && traditionalPEM.hasSuffix("-----END EC PRIVATE KEY-----\n"))
        #expect(forms.pkcs8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n") && forms.pkcs8PEM.hasSuffix("-----END PRIVATE KEY-----\n"))
        #expect(ExportParsing.derBlocks(forms.pkcs8PEM) == [forms.pkcs8DER])
        #expect(ExportParsing.derBlocks(traditionalPEM) == [sec1])
    }

    @Test("RSA: PKCS#1 (nine INTEGERs, version 0) and PKCS#8 (rsaEncryption around the PKCS#1) are the same key")
    func rsa() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let forms = try PrivateKeyForms(pem: key.pemRepresentation, algorithm: .rsa2048)
        let pkcs1 = try #require(forms.traditionalDER)
        let traditionalPEM = try #require(forms.traditionalPEM)
        let integers = try sequence(pkcs1)
        #expect(integers.count == 9 && integers.allSatisfy { $0.identifier == .integer })
        #expect(try Int(derEncoded: integers[0]) == 0)
        #expect(try Int(derEncoded: integers[2]) == 65_537, "the public exponent")

        let pkcs8 = try sequence(forms.pkcs8DER)
        #expect(pkcs8.count == 3)
        #expect(try Int(derEncoded: pkcs8[0]) == 0)
        let algorithm = try sequence(Array(pkcs8[1].encodedBytes))
        #expect(try ASN1ObjectIdentifier(derEncoded: algorithm[0]) == [1, 2, 840, 113_549, 1, 1, 1], "rsaEncryption")
        #expect(Array(try ASN1OctetString(derEncoded: pkcs8[2]).bytes) == pkcs1, "PKCS#8 wraps the PKCS#1 key")

        for der in [pkcs1, forms.pkcs8DER] {
            #expect(try _RSA.Signing.PrivateKey(derRepresentation: der).publicKey.derRepresentation == key.publicKey.derRepresentation)
        }
        #expect(try _RSA.Signing.PrivateKey(pemRepresentation: traditionalPEM).publicKey.derRepresentation == key.publicKey.derRepresentation)
        #expect(traditionalPEM.hasPrefix("-----BEGIN RSA PRIVATE KEY-----\n"))
        #expect(Array(key.pkcs8DERRepresentation) == forms.pkcs8DER)
    }

    @Test("Ed25519: PKCS#8 only (id-Ed25519 and the 32-byte seed), no traditional form")
    func ed25519() throws {
        let key = Curve25519.Signing.PrivateKey()
        let pem = try Certificate.PrivateKey(key).serializeAsPEM().pemString
        let forms = try PrivateKeyForms(pem: pem, algorithm: .ed25519)
        #expect(forms.traditionalDER == nil && forms.traditionalPEM == nil)
        let fields = try sequence(forms.pkcs8DER)
        #expect(fields.count == 3)
        let algorithm = try sequence(Array(fields[1].encodedBytes))
        #expect(try ASN1ObjectIdentifier(derEncoded: algorithm[0]) == [1, 3, 101, 112])
        let inner = try DER.parse(Array(try ASN1OctetString(derEncoded: fields[2]).bytes))
        let seed = Array(try ASN1OctetString(derEncoded: inner).bytes)
        #expect(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        #expect(forms.pkcs8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
    }

    @Test("a key of another kind than said is refused")
    func mismatch() throws {
        let pem = P256.Signing.PrivateKey().pemRepresentation
        #expect(throws: (any Error).self) { try PrivateKeyForms(pem: pem, algorithm: .rsa2048) }
        #expect(throws: (any Error).self) { try PrivateKeyForms(pem: pem, algorithm: .ecP384) }
    }
}
