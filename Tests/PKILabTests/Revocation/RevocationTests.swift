import Foundation
import PKILab
import Testing
import X509

@Suite("Revocation: CRLs signed, read back, checked by the verifier")
struct RevocationTests {
    @Test("every authority gets a signed v2 CRL with a CRL number and next update, re-signed only when it must be")
    func listsWritten() async throws {
        try await TestLab.withStore { lab, store, folder in
            for name in ["root", "issuing"] {
                let der = try #require(FileManager.default.contents(atPath: store.directory.crl(forAuthority: name)))
                let list = try CertificateRevocationList(derEncoded: Array(der))
                let authority = try Certificate(pemEncoded: String(contentsOfFile: folder + "/ca/authorities/\(name)/cert.pem", encoding: .utf8))
                #expect(list.isSigned(by: authority))
                #expect(list.number == 1 && list.entries.isEmpty)
                #expect(try #require(list.nextUpdate).timeIntervalSince(list.thisUpdate) == LabStore.crlLifetime)
            }
            let other = try Certificate(pemEncoded: String(contentsOfFile: folder + "/ca/authorities/root/cert.pem", encoding: .utf8))
            let issuingList = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: store.directory.crl(forAuthority: "issuing"))!))
            #expect(!issuingList.isSigned(by: other), "the root's key did not sign the issuing CRL")
            let before = TestLab.snapshot(folder + "/ca/crl")
            _ = try store.apply(lab)
            #expect(TestLab.snapshot(folder + "/ca/crl") == before, "a second issue re-signs nothing")
            // Past half its life, the list is re-signed with the next number.
            _ = try store.apply(lab, now: Date().addingTimeInterval(LabStore.crlLifetime * 0.6))
            let renewed = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: store.directory.crl(forAuthority: "issuing"))!))
            #expect(renewed.number == 2)
        }
    }

    @Test("revoke lists the current serial with its reason; the verifier then refuses it with reason revoked; unrevoke lifts it")
    func revokeAndVerify() async throws {
        try await TestLab.withStore { lab, store, folder in
            let leaf = try Certificate(pemEncoded: String(contentsOfFile: folder + "/ca/certs/device-001/cert.pem", encoding: .utf8))
            #expect(await store.verifier(for: lab).verify(leaf, purpose: .client).valid)

            let change = try store.revoke("device-001", reason: .keyCompromise, in: lab)
            #expect(change.changed && change.authority == "issuing" && change.crlNumber == 2)
            #expect(change.serial == leaf.serialNumber.hexString)
            let list = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: change.crlPath)!))
            let entry = try #require(list.entry(forSerial: leaf.serialNumber.bytes))
            #expect(entry.reason == .keyCompromise)
            let verdict = await store.verifier(for: lab).verify(leaf, purpose: .client)
            #expect(!verdict.valid && verdict.reason == .revoked)
            #expect(verdict.message.contains("revoked on") && verdict.message.contains("keyCompromise") && verdict.message.contains("CRL number 2"), "\(verdict.message)")
            #expect(try !store.revoke("device-001", reason: .superseded, in: lab).changed, "revoking twice changes nothing")

            // A device that still sends the intermediate as it was before a same-key re-sign is refused too.
            let oldIntermediate = try Certificate(pemEncoded: String(contentsOfFile: folder + "/ca/authorities/issuing/cert.pem", encoding: .utf8))
            let longer = try TestLab.parse(TestLab.text().replacingOccurrences(of: "validity: 10y, path_len: 0", with: "validity: 9y, path_len: 0"))
            #expect(try store.apply(longer).items.contains { $0.name == "issuing" && $0.action == .resigned })
            let stale = await store.verifier(for: longer).verify(leaf, presented: [oldIntermediate], purpose: .client)
            #expect(stale.reason == .revoked, "\(stale.message)")
            #expect(try store.unrevoke("device-001", in: longer).crlNumber == 4, "the re-sign of issuing gave the list number 3")
            #expect(await store.verifier(for: longer).verify(leaf, purpose: .client).valid)
            #expect(try !store.unrevoke("device-001", in: longer).changed)
        }
    }

    @Test("a revoked intermediate makes its leaves revoked; a root cannot be revoked; unknown names are named")
    func authorities() async throws {
        try await TestLab.withStore { lab, store, folder in
            _ = try store.revoke("issuing", reason: .caCompromise, in: lab)
            let leaf = try Certificate(pemEncoded: String(contentsOfFile: folder + "/ca/certs/server/cert.pem", encoding: .utf8))
            let verdict = await store.verifier(for: lab).verify(leaf, purpose: .server)
            #expect(verdict.reason == .revoked && verdict.message.contains("its authority \"Test Issuing\" was revoked"), "\(verdict.message)")
            #expect(throws: StoreError.self) { try store.revoke("root", reason: .unspecified, in: lab) }
            #expect(throws: StoreError.self) { try store.revoke("nobody", reason: .unspecified, in: lab) }
        }
    }

    @Test("certificates below a root carry their issuer's CRL URL; an older store gains it by re-signing with the same key")
    func distributionPoint() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let lab = try TestLab.parse(TestLab.text())
            #expect(lab.certificates.allSatisfy { $0.crlURL == "http://localhost:8480/crl/issuing.crl" })
            #expect(lab.authority(named: "issuing")?.crlURL == "http://localhost:8480/crl/root.crl")
            #expect(lab.authority(named: "root")?.crlURL == nil)
            #expect(lab.certificates.allSatisfy { $0.ocspURL == "http://localhost:8480/ocsp" } && lab.authority(named: "issuing")?.ocspURL == "http://localhost:8480/ocsp")
            let custom = try TestLab.parse(TestLab.text(extra: "revocation: { url: \"http://10.0.0.5:9000/lists/\" }"))
            #expect(custom.certificates.first?.crlURL == "http://10.0.0.5:9000/lists/issuing.crl")

            // A store made before CRL distribution points: the leaves are re-signed, keys kept.
            var old = lab
            old.certificates = old.certificates.map { var leaf = $0; leaf.crlURL = nil; leaf.ocspURL = nil; return leaf }
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(old)
            let key = try String(contentsOfFile: folder + "/ca/certs/device-001/key.pem", encoding: .utf8)
            let report = try store.apply(lab)
            let item = try #require(report.items.first { $0.name == "device-001" })
            #expect(item.action == .resigned && item.reason?.contains("CRL distribution point") == true, "\(item)")
            #expect(try String(contentsOfFile: folder + "/ca/certs/device-001/key.pem", encoding: .utf8) == key)
            #expect(try !store.apply(lab).changed)
            // Moving the CRLs (boards on the LAN) re-signs everything below the root, keys kept.
            let moved = try store.apply(custom)
            #expect(moved.items.filter { $0.kind == .leaf }.allSatisfy { $0.action == .resigned }, "\(moved.items.map { ($0.name, $0.action) })")
            #expect(try String(contentsOfFile: folder + "/ca/certs/device-001/key.pem", encoding: .utf8) == key)
            let leaf = try Certificate(pemEncoded: String(contentsOfFile: folder + "/ca/certs/device-001/cert.pem", encoding: .utf8))
            #expect(CertificateProfile.revocationURLs(of: leaf) == ("http://10.0.0.5:9000/lists/issuing.crl", "http://localhost:8480/ocsp"))
        }
    }

    @Test("the OCSP responder: malformed requests get status 1; a request for a foreign authority's certificate gets 6")
    func ocspStatus() async throws {
        try await TestLab.withStore { lab, store, folder in
            let responder = OCSPResponder(lab: lab, store: store)
            #expect(responder.respond(to: [0x30, 0x00]) == [0x30, 0x03, 0x0A, 0x01, 0x01])
            #expect(responder.respond(to: Array("junk".utf8)) == [0x30, 0x03, 0x0A, 0x01, 0x01])
            // SEQ { SEQ { SEQ { SEQ { CertID: sha1, 20 zero bytes, 20 zero bytes, serial 1 } } } }
            let certID: [UInt8] = [0x30, 0x38, 0x30, 0x07, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x04, 0x14] + [UInt8](repeating: 0, count: 20)
                + [0x04, 0x14] + [UInt8](repeating: 0, count: 20) + [0x02, 0x01, 0x01]
            let request: [UInt8] = [0x30, 0x40, 0x30, 0x3E, 0x30, 0x3C, 0x30, 0x3A] + certID
            #expect(responder.respond(to: request) == [0x30, 0x03, 0x0A, 0x01, 0x06])
        }
    }

    @Test("the CRL number only grows, even when the ledger is lost; an unspecified reason leaves out the reasonCode")
    func numbers() async throws {
        try await TestLab.withStore { lab, store, folder in
            _ = try store.revoke("device-001", reason: .unspecified, in: lab)
            let list = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: store.directory.crl(forAuthority: "issuing"))!))
            #expect(list.entries.count == 1 && list.entries.first?.reason == nil)
            try FileManager.default.removeItem(atPath: store.directory.revocationLedger)
            let report = try store.apply(lab)
            #expect(report.notices.contains { $0.contains("was missing") }, "\(report.notices)")
            let renumbered = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: store.directory.crl(forAuthority: "issuing"))!))
            #expect(renumbered.number == 3 && renumbered.entries.isEmpty)
        }
    }

    @Test("a revocation reason parses from its RFC name in any case")
    func reasons() {
        #expect(RevocationReason(parsing: "keyCompromise") == .keyCompromise)
        #expect(RevocationReason(parsing: "key-compromise") == .keyCompromise)
        #expect(RevocationReason(parsing: "CACOMPROMISE") == .caCompromise)
        #expect(RevocationReason(parsing: "because") == nil)
        #expect(RevocationReason.allCases.allSatisfy { RevocationReason(code: $0.code) == $0 })
    }
}
