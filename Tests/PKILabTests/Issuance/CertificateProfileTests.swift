import Foundation
import PKILab
import SwiftASN1
import Testing
import X509

@Suite("The certificate profile")
struct CertificateProfileTests {
    static func issueAll(key: KeyAlgorithm) throws -> (root: IssuedCertificate, issuing: IssuedCertificate, server: IssuedCertificate, client: IssuedCertificate) {
        let lab = try TestLab.parse(TestLab.text(key: key.rawValue))
        let now = Date()
        let root = try CertificateIssuer.authority(lab.authorities[0], key: try key.generate(), issuer: nil, now: now)
        let issuing = try CertificateIssuer.authority(lab.authorities[1], key: try key.generate(), issuer: root, now: now)
        let server = try CertificateIssuer.leaf(lab.certificates[0], key: try key.generate(), issuer: issuing, now: now)
        let client = try CertificateIssuer.leaf(lab.certificates[1], key: try key.generate(), issuer: issuing, now: now)
        return (root, issuing, server, client)
    }

    @Test("authorities: critical CA:TRUE, critical keyCertSign+cRLSign, SKI and AKI", arguments: [KeyAlgorithm.ecP256, .ed25519])
    func authorities(key: KeyAlgorithm) throws {
        let (root, issuing, _, _) = try Self.issueAll(key: key)
        for (certificate, pathLength) in [(root.certificate, nil as Int?), (issuing.certificate, 0)] {
            let basic = try #require(certificate.extensions[oid: .X509ExtensionID.basicConstraints])
            #expect(basic.critical)
            #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: pathLength))
            let usage = try #require(certificate.extensions[oid: .X509ExtensionID.keyUsage])
            #expect(usage.critical)
            #expect(try certificate.extensions.keyUsage == KeyUsage(keyCertSign: true, cRLSign: true))
            #expect(try certificate.extensions.subjectKeyIdentifier != nil)
            #expect(try certificate.extensions.authorityKeyIdentifier != nil)
        }
        #expect(try issuing.certificate.extensions.authorityKeyIdentifier?.keyIdentifier == root.certificate.keyIdentifier)
        #expect(issuing.certificate.issuer == root.certificate.subject)
    }

    @Test("leaves: critical CA:FALSE, digitalSignature (+keyEncipherment for RSA), non-critical EKU by role", arguments: [KeyAlgorithm.ecP256, .rsa2048])
    func leaves(key: KeyAlgorithm) throws {
        let (_, issuing, server, client) = try Self.issueAll(key: key)
        for (leaf, usage) in [(server.certificate, ExtendedKeyUsage.Usage.serverAuth), (client.certificate, .clientAuth)] {
            #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
            #expect(try #require(leaf.extensions[oid: .X509ExtensionID.basicConstraints]).critical)
            #expect(try leaf.extensions.keyUsage == KeyUsage(digitalSignature: true, keyEncipherment: key.isRSA))
            let eku = try #require(leaf.extensions[oid: .X509ExtensionID.extendedKeyUsage])
            #expect(!eku.critical)
            let usages = try leaf.extensions.extendedKeyUsage
            #expect(usages.map(Array.init) == [usage])
            #expect(try leaf.extensions.authorityKeyIdentifier?.keyIdentifier == issuing.certificate.keyIdentifier)
            #expect(try leaf.extensions.subjectAlternativeNames?.isEmpty == false)
            #expect(leaf.isIssuedBy(issuing.certificate))
        }
    }

    @Test("serials are random, positive and at most 20 bytes")
    func serials() throws {
        var seen = Set<String>()
        for _ in 0..<20 {
            let (_, _, server, _) = try Self.issueAll(key: .ecP256)
            let bytes = Array(server.certificate.serialNumber.bytes)
            #expect(bytes.count == 20)
            #expect(try server.certificate.derBytes.count > 0)
            #expect(bytes[0] & 0x80 == 0, "positive")
            seen.insert(server.certificate.serialNumber.hexString)
        }
        #expect(seen.count == 20)
    }

    @Test("signatures: SHA-256, SHA-384 under a P-384 issuer, Ed25519 under Ed25519")
    func signatures() throws {
        #expect(try Self.issueAll(key: .ecP256).server.certificate.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(try Self.issueAll(key: .ecP384).server.certificate.signatureAlgorithm == .ecdsaWithSHA384)
        #expect(try Self.issueAll(key: .rsa2048).server.certificate.signatureAlgorithm == .sha256WithRSAEncryption)
        #expect(try Self.issueAll(key: .ed25519).server.certificate.signatureAlgorithm == .ed25519)
    }

    @Test("notBefore is back-dated by the skew; a leaf never outlives its issuer")
    func validity() throws {
        let lab = try TestLab.parse(TestLab.text(extra: "  long: { validity: 50y }"))
        let now = Date()
        let root = try CertificateIssuer.authority(lab.authorities[0], key: try KeyAlgorithm.ecP256.generate(), issuer: nil, now: now)
        let issuing = try CertificateIssuer.authority(lab.authorities[1], key: try KeyAlgorithm.ecP256.generate(), issuer: root, now: now)
        let server = try CertificateIssuer.leaf(lab.certificates[0], key: try KeyAlgorithm.ecP256.generate(), issuer: issuing, now: now)
        #expect(abs(server.certificate.notValidBefore.timeIntervalSince(now) + 3600) < 2)
        let long = try CertificateIssuer.leaf(lab.certificates[2], key: try KeyAlgorithm.ecP256.generate(), issuer: issuing, now: now)
        #expect(long.certificate.notValidAfter == issuing.certificate.notValidAfter)
    }

    @Test("name constraints are critical and carry DNS and IP subtrees")
    func nameConstraints() throws {
        let lab = try TestLab.parse("""
            authorities:
              root: { subject: { CN: R } }
              issuing: { parent: root, subject: { CN: I }, name_constraints: { permitted: [lab.test, 127.0.0.0/8], excluded: [bad.lab.test] } }
            """)
        let root = try CertificateIssuer.authority(lab.authorities[0], key: try KeyAlgorithm.ecP256.generate(), issuer: nil, now: Date())
        let issuing = try CertificateIssuer.authority(lab.authorities[1], key: try KeyAlgorithm.ecP256.generate(), issuer: root, now: Date())
        let nc = try #require(issuing.certificate.extensions[oid: .X509ExtensionID.nameConstraints])
        #expect(nc.critical)
        let description = CertificateDescription(issuing.certificate)
        #expect(description.nameConstraints == "permitted DNS:lab.test, IP:127.0.0.0/8; excluded DNS:bad.lab.test")
        #expect(CertificateDescription(root.certificate).nameConstraints == nil, "off by default")
    }
}

extension Certificate {
    func isIssuedBy(_ issuer: Certificate) -> Bool {
        self.issuer == issuer.subject && issuer.publicKey.isValidSignature(signature, for: self)
    }
}
