import Crypto
import Foundation
import Testing
import X509
import _CryptoExtras
@testable import PKILab

@Suite("BearSSL trust anchors: the root's subject DER and public key as brssl ta writes them")
struct BearSSLTrustAnchorsTests {
    /// The store's root certificate for a lab whose every key is `key`.
    static func root(key: String) async throws -> Certificate {
        try await TestLab.withStore(TestLab.text(key: key)) { _, store, _ in
            try Certificate(pemEncoded: try String(contentsOfFile: store.directory.rootBundle, encoding: .utf8))
        }
    }

    @Test("EC roots: TA0_DN is the subject as it stands in the certificate, TA0_EC_Q the uncompressed point, with the curve",
          arguments: [("ec-p256", "BR_EC_secp256r1", 65), ("ec-p384", "BR_EC_secp384r1", 97)])
    func ec(key: String, curve: String, pointLength: Int) async throws {
        let root = try await Self.root(key: key)
        let text = try BearSSLTrustAnchors.source([root])
        let (subject, spki) = try ExportParsing.subjectAndKey(ofCertificate: root.der)
        #expect(ExportParsing.array("TA0_DN", in: text) == subject)
        let point = try #require(ExportParsing.array("TA0_EC_Q", in: text))
        #expect(point == (try ExportParsing.publicKeyBits(ofSPKI: spki)))
        #expect(point.count == pointLength && point.first == 0x04)
        #expect(text.contains("\t\t\tBR_KEYTYPE_EC,\n\t\t\t{ .ec = {\n\t\t\t\t\(curve),\n\t\t\t\t(unsigned char *)TA0_EC_Q, sizeof TA0_EC_Q,"))
        #expect(text.contains("{ (unsigned char *)TA0_DN, sizeof TA0_DN },\n\t\tBR_X509_TA_CA,"))
        #expect(text.contains("static const br_x509_trust_anchor TAs[1] LAB_UNUSED = {"))
        #expect(text.hasSuffix("#define TAs_NUM   1\n"))
        #expect(text.contains("#include <bearssl.h>\n"))
        #expect(!text.contains("_len"), "BearSSL takes sizeof, so no length variables")
    }

    @Test("an RSA root: TA0_RSA_N and TA0_RSA_E are the modulus and exponent without leading zeros")
    func rsa() async throws {
        let root = try await Self.root(key: "rsa-2048")
        let text = try BearSSLTrustAnchors.source([root])
        let key = try #require(_RSA.Signing.PublicKey(root.publicKey))
        let modulus = try #require(ExportParsing.array("TA0_RSA_N", in: text))
        #expect(modulus.count == 256 && modulus.first.map { $0 >= 0x80 } == true, "2048 bits, no sign byte")
        #expect(ExportParsing.array("TA0_RSA_E", in: text) == [0x01, 0x00, 0x01])
        // The same numbers as the key's own PKCS#1 form (SEQUENCE { INTEGER n, INTEGER e }), whose n has a 0x00 sign byte.
        let pkcs1 = Array(key.pkcs1DERRepresentation)
        #expect(pkcs1.count == 270 && pkcs1[8] == 0 && Array(pkcs1[9..<265]) == modulus, "n follows 30 82 01 0a 02 82 01 01 00")
        #expect(text.contains("BR_KEYTYPE_RSA,\n\t\t\t{ .rsa = {\n\t\t\t\t(unsigned char *)TA0_RSA_N, sizeof TA0_RSA_N,"))
        #expect(ExportParsing.array("TA0_DN", in: text) == (try ExportParsing.subjectAndKey(ofCertificate: root.der).subject))
    }

    @Test("two anchors are TA0 and TA1 with TAs_NUM 2; an Ed25519 root is refused with a hint")
    func severalAndEd25519() async throws {
        let ec = try await Self.root(key: "ec-p256")
        let other = try await Self.root(key: "ec-p384")
        let text = try BearSSLTrustAnchors.source([ec, other])
        #expect(text.hasSuffix("#define TAs_NUM   2\n") && text.contains("TAs[2]"))
        #expect(ExportParsing.array("TA1_DN", in: text) == (try ExportParsing.subjectAndKey(ofCertificate: other.der).subject))
        #expect(ExportParsing.array("TA1_EC_Q", in: text)?.count == 97)

        let ed25519 = try await Self.root(key: "ed25519")
        #expect(throws: StoreError.self) { try BearSSLTrustAnchors.source([ed25519]) }
    }
}
