import Foundation
import PKILab
import Testing
import X509

@Suite("Verifying certificates against a lab")
struct ChainVerifierTests {
    static func lab(_ extra: String) async throws -> (ChainVerifier, [String: Certificate]) {
        let lab = try TestLab.parse(TestLab.text(extra: extra))
        let now = Date()
        let root = try CertificateIssuer.authority(lab.authorities[0], key: try KeyAlgorithm.ecP256.generate(), issuer: nil, now: now)
        let issuing = try CertificateIssuer.authority(lab.authorities[1], key: try KeyAlgorithm.ecP256.generate(), issuer: root, now: now)
        var leaves: [String: Certificate] = [:]
        for spec in lab.certificates {
            leaves[spec.name] = try CertificateIssuer.leaf(spec, key: try KeyAlgorithm.ecP256.generate(), issuer: issuing, now: now).certificate
        }
        return (ChainVerifier(roots: [root.certificate], intermediates: [issuing.certificate]), leaves)
    }

    @Test("a good server certificate is valid for its names and IP addresses")
    func valid() async throws {
        let (verifier, leaves) = try await Self.lab("")
        for host in ["localhost", "api.lab.test", "127.0.0.1", "::1"] {
            let verdict = await verifier.verify(leaves["server"]!, host: host, purpose: .server)
            #expect(verdict.valid, "\(host): \(verdict.message)")
            #expect(verdict.chain.count == 3)
        }
        #expect(await verifier.verify(leaves["device-001"]!, purpose: .client).valid)
    }

    @Test("each failure gets its own reason and sentence")
    func reasons() async throws {
        let (verifier, leaves) = try await Self.lab("""
              old: { not_before: 2020-01-01, not_after: 2021-03-01 }
              later: { not_before: 2099-01-01, validity: 30d }
            """)
        let expired = await verifier.verify(leaves["old"]!)
        #expect(expired.reason == .expired)
        #expect(expired.message.contains("expired on 1 March 2021"))
        let later = await verifier.verify(leaves["later"]!)
        #expect(later.reason == .notYetValid)
        #expect(later.message.contains("not valid until 1 January 2099"))
        #expect(later.hint?.contains("clock") == true)
        let wrongPurpose = await verifier.verify(leaves["server"]!, purpose: .client)
        #expect(wrongPurpose.reason == .wrongPurpose)
        let wrongName = await verifier.verify(leaves["server"]!, host: "a.b.lab.test", purpose: .server)
        #expect(wrongName.reason == .nameMismatch)
        #expect(wrongName.message.contains("wildcard covers exactly one label"))
        let wrongIP = await verifier.verify(leaves["server"]!, host: "10.9.9.9", purpose: .server)
        #expect(wrongIP.reason == .nameMismatch)
    }

    @Test("a certificate from another PKI is from an unknown authority; one signed by a replaced key is a broken chain")
    func foreign() async throws {
        let (verifier, _) = try await Self.lab("")
        let (_, otherLeaves) = try await Self.lab("")
        let foreign = await verifier.verify(otherLeaves["server"]!)
        // Same names, other keys: the issuer is found by name but its signature does not verify.
        #expect(foreign.reason == .brokenChain)
        let other = try TestLab.parse(TestLab.text().replacingOccurrences(of: "Test Issuing", with: "Elsewhere CA"))
        let root = try CertificateIssuer.authority(other.authorities[0], key: try KeyAlgorithm.ecP256.generate(), issuer: nil, now: Date())
        let issuing = try CertificateIssuer.authority(other.authorities[1], key: try KeyAlgorithm.ecP256.generate(), issuer: root, now: Date())
        let leaf = try CertificateIssuer.leaf(other.certificates[0], key: try KeyAlgorithm.ecP256.generate(), issuer: issuing, now: Date())
        let unknown = await verifier.verify(leaf.certificate)
        #expect(unknown.reason == .unknownAuthority)
        #expect(unknown.message.contains("\"Elsewhere CA\""))
    }
}
