import Foundation
import PKILab
import SwiftASN1
import Testing
import X509

@Suite("The zoo: certificates wrong on purpose, and the report of what a device did")
struct ZooTests {
    @Test("the zoo is made once, with one thing wrong per certificate; it is remade when the lab's authority changes")
    func made() async throws {
        try await TestLab.withStore { lab, store, folder in
            let (manifest, made) = try store.prepareZoo(for: lab)
            #expect(made && manifest.issuer == "issuing")
            #expect(manifest.servers.map(\.name) == ZooServer.allCases.map(\.rawValue))
            #expect(manifest.clients.map(\.name) == ZooClient.allCases.map(\.rawValue))
            func item(_ name: String) -> ZooManifest.Item { manifest.servers.first { $0.name == name }! }
            #expect(item("expired").notAfter < Date() && item("not-yet-valid").notBefore > Date())
            #expect(item("incomplete-chain").presented == 1 && item("good").presented == 2 && item("long-chain").presented == 11)
            #expect(item("huge-certificate").bytes > 25_000)
            let wrongHost = try Certificate(pemEncoded: String(contentsOfFile: item("wrong-host").folder + "/cert.pem", encoding: .utf8))
            #expect(try wrongHost.extensions.subjectAlternativeNames?.description.contains("wrong-host.invalid") == true)
            // The weak client: swift-certificates will not load it, the skim still reads its key size.
            let weak = try PEMDocument(pemString: String(contentsOfFile: store.directory.folder(forZooClient: "weak-key") + "/cert.pem", encoding: .utf8))
            #expect((try? Certificate(derEncoded: weak.derBytes)) == nil)
            #expect(try CertificateSkim(derEncoded: weak.derBytes).rsaBits == 1024)
            // Both revoked ones are on the issuing CRL.
            let list = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: store.directory.crl(forAuthority: "issuing"))!))
            #expect(Set(list.entries.map { $0.serial.map { String(format: "%02x", $0) }.joined() })
                    == Set([item("revoked").serial, manifest.clients.first { $0.name == "revoked" }!.serial]))
            let key = try FileManager.default.attributesOfItem(atPath: item("good").folder + "/key.pem")[.posixPermissions] as? NSNumber
            #expect(key?.intValue == 0o600)

            #expect(try !store.prepareZoo(for: lab).made, "a current zoo is kept")
            try FileManager.default.removeItem(atPath: folder + "/ca/authorities/issuing")
            _ = try store.apply(lab)
            let again = try store.prepareZoo(for: lab)
            #expect(again.made, "a new issuing authority remakes the zoo")
            let renewed = try CertificateRevocationList(derEncoded: Array(FileManager.default.contents(atPath: store.directory.crl(forAuthority: "issuing"))!))
            #expect(renewed.entries.count == 2, "the old zoo's serials left the list")
        }
    }

    @Test("under an Ed25519 issuer the zoo is made too: SHA-1 comes from a P-256 intermediate of its own, the weak client is signed without a digest")
    func ed25519() async throws {
        try await TestLab.withStore(TestLab.text(key: "ed25519")) { lab, store, folder in
            let (manifest, made) = try store.prepareZoo(for: lab)
            #expect(made && manifest.servers.first { $0.name == "sha1-signature" }?.presented == 2)
            let weak = try PEMDocument(pemString: String(contentsOfFile: store.directory.folder(forZooClient: "weak-key") + "/cert.pem", encoding: .utf8))
            #expect(try CertificateSkim(derEncoded: weak.derBytes).rsaBits == 1024)
        }
    }

    @Test("the report counts each bad server, flags a wrong acceptance and a refused good server, and tolerates the either-way ones")
    func report() {
        func event(_ scenario: ZooServer, completed: Bool, endpoint: String? = nil) -> ConnectionEvent {
            var event = ConnectionEvent(endpoint: endpoint ?? "zoo-\(scenario.rawValue)", peer: "127.0.0.1:1", outcome: completed ? .accepted : .rejected,
                                        reason: completed ? "ok" : "client_rejected_server", explanation: "")
            event.zoo = .init(scenario: scenario, completedHandshake: completed, sentData: completed)
            return event
        }
        let report = ZooReport(events: [
            event(.good, completed: true), event(.expired, completed: false), event(.expired, completed: true),
            event(.revoked, completed: true), event(.longChain, completed: false), event(.wrongHost, completed: false),
            event(.good, completed: false, endpoint: "zoo-mqtt-good"),
            ConnectionEvent(endpoint: "echo", peer: "127.0.0.1:2", outcome: .accepted, reason: "ok", explanation: ""),
        ])
        #expect(report.rows.count == 6)
        #expect(report.failures == ["expired", "mqtt/good"])
        let expired = report.rows.first { $0.scenario == "expired" }!
        #expect(expired.connections == 2 && expired.refused == 1 && expired.accepted == 1 && expired.verdict == .wronglyAccepted)
        #expect(report.rows.first { $0.scenario == "revoked" }?.verdict == .noRevocationCheck)
        #expect(report.rows.first { $0.scenario == "long-chain" }?.verdict == .observed)
        #expect(report.untested.contains("sha1-signature") && !report.untested.contains("good"))
    }
}
