import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// `--bind 0.0.0.0` says what it exposes: a warning block in `pkilab up`'s output and notices in endpoints.json.
@Suite("pkilab up: listeners beyond loopback are named", .serialized, .timeLimit(.minutes(3)))
struct ExposureTests {
    static let lab = Scratch.lab(extra: """
        endpoints:
          mqtt: { plain_port: 0 }
        """)

    @Test("--bind 0.0.0.0 lists each listener and whether it needs a client certificate; the default lists none")
    func warning() throws {
        let scratch = try Scratch(lab: Self.lab)
        defer { scratch.remove() }
        do {
            let lab = try LabProcess(scratch: scratch, arguments: ["--bind", "0.0.0.0", "--port", "mqtt-plain=0"])
            defer { #expect(lab.stop() == 0) }
            let output = lab.output.string
            #expect(output.contains("Warning: these listeners are reachable from other machines"), "\(output)")
            for line in ["https on 0.0.0.0:\(lab.httpsPort) (every interface) — TLS, client certificate required",
                         "mqtt-plain on 0.0.0.0:", "plain MQTT, no TLS and no client certificate",
                         "crl on 0.0.0.0:", "sntp on udp 0.0.0.0:", "echo on 0.0.0.0:\(lab.echoPort)"] {
                #expect(output.contains(line), "\(line)\n\(output)")
            }
            let ready = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/ca/endpoints.json"))) as? [String: Any]
            let notices = ready?["notices"] as? [String] ?? []
            #expect(notices.contains { $0.hasPrefix("exposed: https on 0.0.0.0:") && $0.contains("client certificate required") }, "\(notices)")
            #expect(notices.contains { $0.hasPrefix("exposed: mqtt-plain on 0.0.0.0:") }, "\(notices)")
            // Reached over loopback only.
            let curl = try Run.program("curl", ["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", "ca/root.pem",
                                                "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem",
                                                "https://localhost:\(lab.httpsPort)/whoami"], cwd: scratch.path, timeout: 20)
            #expect(curl.stdout == "200", "\(curl)")
        }
        do {
            let lab = try LabProcess(scratch: scratch, arguments: ["--port", "mqtt-plain=0"])
            defer { #expect(lab.stop() == 0) }
            #expect(!lab.output.string.contains("reachable from other machines"), "\(lab.output.string)")
            let ready = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/ca/endpoints.json"))) as? [String: Any]
            #expect(!(ready?["notices"] as? [String] ?? []).contains { $0.hasPrefix("exposed: ") })
        }
    }
}
