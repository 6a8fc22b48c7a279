import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// `pkilab zoo` as a command: what it lists and writes, and the bad clients it makes refused by the lab's own
/// endpoints (through pkilab probe). The bad servers against other programs' clients: InteropTests.
@Suite("pkilab zoo: the listing, the certificates it writes, and its bad clients refused by the lab", .serialized, .timeLimit(.minutes(5)))
struct ZooCommandTests {
    static let lab = Scratch.lab()

    @Test("pkilab zoo --json lists 16 bad servers on consecutive ports with what is wrong and what a device should do, and 7 bad clients; the certificates are what they claim")
    func listing() throws {
        let scratch = try Scratch(lab: Self.lab)
        defer { scratch.remove() }
        let run = try Pkilab.run(["zoo", "--json"], in: scratch.path)
        #expect(run.status == 0, "\(run)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let servers = try #require(json["servers"] as? [[String: Any]])
        #expect(servers.map { $0["name"] as? String } == ZooServer.allCases.map(\.rawValue))
        #expect(servers.map { $0["port"] as? Int } == (9400..<9416).map { $0 })
        #expect(servers.compactMap { $0["mqttPort"] as? Int } == (9500..<9506).map { $0 })
        #expect(servers.allSatisfy { ($0["problem"] as? String)?.isEmpty == false && ($0["expectedBehaviour"] as? String)?.isEmpty == false })
        #expect(servers.first { $0["name"] as? String == "good" }?["expected"] as? String == "accept")
        #expect(servers.first { $0["name"] as? String == "expired" }?["expected"] as? String == "refuse")
        #expect(json["running"] as? Bool == false)
        let clients = try #require(json["clients"] as? [[String: Any]])
        #expect(clients.map { $0["identity"] as? String } == ZooClient.allCases.map { "zoo/\($0.rawValue)" })

        func text(_ name: String) throws -> String {
            try Run.program("openssl", ["x509", "-in", "ca/zoo/servers/\(name)/cert.pem", "-noout", "-text"], cwd: scratch.path).stdout
        }
        #expect(try text("weak-rsa-1024").contains("Public-Key: (1024 bit)"))
        #expect(try text("sha1-signature").contains("Signature Algorithm: ecdsa-with-SHA1"))
        #expect(try text("unknown-critical-extension").contains("1.3.6.1.4.1.99999.1.1: critical"))
        #expect(try text("ca-as-leaf").contains("CA:TRUE"))
        #expect(try text("wrong-purpose").contains("TLS Web Client Authentication") && !(try text("wrong-purpose")).contains("TLS Web Server Authentication"))
        let chain = try Run.program("sh", ["-c", "grep -c 'BEGIN CERTIFICATE' ca/zoo/servers/long-chain/fullchain.pem"], cwd: scratch.path)
        #expect(chain.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "11")
        let huge = try FileManager.default.attributesOfItem(atPath: scratch.path + "/ca/zoo/servers/huge-certificate/cert.pem")[.size] as? Int ?? 0
        #expect(huge > 35_000, "PEM of about 30 KB DER: \(huge)")
        let human = try Pkilab.run(["zoo"], in: scratch.path)
        #expect(human.status == 0 && human.stdout.contains("zoo/weak-key") && human.stdout.contains("9415"), "\(human)")
    }

    @Test("Every bad client is refused by the lab's echo, HTTPS and MQTT endpoints with its reason, as pkilab probe --as zoo/NAME --expect reject shows")
    func badClients() throws {
        let scratch = try Scratch(lab: Self.lab)
        #expect(try Pkilab.run(["zoo"], in: scratch.path).status == 0)
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop(); scratch.remove() }
        for client in ZooClient.allCases {
            for (endpoint, url) in [("echo", "tls://localhost:\(lab.echoPort)"), ("https", "https://localhost:\(lab.httpsPort)/whoami"),
                                    ("mqtt", "mqtts://localhost:\(lab.mqttPort)")] {
                let probe = try Pkilab.run(["probe", url, "--as", "zoo/\(client.rawValue)", "--expect", "reject"], in: scratch.path, timeout: 60)
                #expect(probe.status == 0, "\(client.rawValue) on \(endpoint): \(probe)")
                let event = lab.waitForEvent { $0.endpoint == endpoint && $0.explanation.contains("zoo-\(client.rawValue)") }
                #expect(event?.reason == client.expectedReason.rawValue, "\(client.rawValue) on \(endpoint): \(String(describing: event))")
            }
        }
        let curl = try Run.program("curl", ["-s", "--cacert", "ca/root.pem", "--cert", "ca/zoo/clients/expired/fullchain.pem", "--key", "ca/zoo/clients/expired/key.pem",
                                            "https://localhost:\(lab.httpsPort)/whoami"], cwd: scratch.path, timeout: 30)
        #expect(curl.status != 0, "\(curl)")
        let missing = try Pkilab.run(["probe", "tls://localhost:\(lab.echoPort)", "--as", "zoo/nobody"], in: scratch.path)
        #expect(missing.status == 66 && missing.stderr.contains("zoo/weak-key"), "\(missing)")
    }
}
