import Foundation
import PKILabTestSupport
import Testing

/// Exports carry the ports the lab really listens on (from the running `pkilab up`'s `ca/serving.json`) and a host
/// a board can reach and the server certificate names.
@Suite("pkilab export: the running lab's real ports, a reachable host the certificate names", .serialized, .timeLimit(.minutes(3)))
struct ExportPortsAndHostTests {
    static let zeroPorts = Scratch.lab() + """

        endpoints:
          echo: { port: 0 }
          https: { port: 0 }
          mqtt: { port: 0 }
          crl: { port: 0 }
          sntp: { port: 0 }
        """

    static func define(_ name: String, in header: String) -> String? {
        header.split(separator: "\n").first { $0.hasPrefix("#define \(name) ") }.map { String($0.dropFirst("#define \(name) ".count)) }
    }

    @Test("Port 0 and no lab running: refused with pkilab up and --port; while up runs: its real ports, in c and esp-idf; serving.json gone after a clean stop; a stale one ignored")
    func realPorts() throws {
        let scratch = try Scratch(lab: Self.zeroPorts)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let refused = try Pkilab.run(["export", "device-001", "--format", "c"], in: scratch.path)
        #expect(refused.status == 66 && refused.stderr.contains("pkilab up") && refused.stderr.contains("--port echo=PORT"), "\(refused)")
        #expect(!scratch.exists("ca/exports/device-001/c/lab_credentials.h"))
        #expect(try Pkilab.run(["export", "device-001", "--format", "pem"], in: scratch.path).status == 0, "pem carries no ports")

        let lab = try LabProcess(scratch: scratch)
        let serving = try #require(scratch.read("ca/serving.json"), "pkilab up writes ca/serving.json once ready")
        #expect(serving.contains("\"pid\"") && serving.contains("\"port\" : \(lab.echoPort)") && serving.contains("\"scheme\" : \"mqtts\""), "\(serving)")
        let c = try Pkilab.run(["export", "device-001", "--format", "c"], in: scratch.path)
        #expect(c.status == 0, "\(c)")
        let header = scratch.read("ca/exports/device-001/c/lab_credentials.h") ?? ""
        #expect(Self.define("LAB_ECHO_PORT", in: header) == "\(lab.echoPort)" && Self.define("LAB_MQTT_PORT", in: header) == "\(lab.mqttPort)"
                && Self.define("LAB_HTTPS_PORT", in: header) == "\(lab.httpsPort)" && Self.define("LAB_HOST", in: header) == "\"localhost\"", "\(header.prefix(900))")
        #expect(try Pkilab.run(["export", "device-001", "--format", "esp-idf"], in: scratch.path).status == 0)
        let snippet = scratch.read("ca/exports/device-001/esp-idf/main/lab_client.c.snippet") ?? ""
        #expect(snippet.contains("mqtts://localhost:\(lab.mqttPort)\"") && snippet.contains("https://localhost:\(lab.httpsPort)/"), "\(snippet)")
        // A device really reaches the echo endpoint on the exported port.
        let probe = try Pkilab.run(["probe", "tls://localhost:\(Self.define("LAB_ECHO_PORT", in: header) ?? "0")", "--as", "device-001"], in: scratch.path)
        #expect(probe.status == 0, "\(probe)")
        #expect(lab.stop() == 0)
        #expect(!scratch.exists("ca/serving.json"), "removed on a clean stop")

        // A lab that was killed leaves its file behind: its process is gone, so it is ignored.
        try scratch.write("ca/serving.json", serving.replacingOccurrences(of: #""pid" : \d+"#, with: "\"pid\" : 999999999", options: .regularExpression))
        let stale = try Pkilab.run(["export", "device-001", "--format", "c"], in: scratch.path)
        #expect(stale.status == 66 && stale.stderr.contains("pkilab up"), "\(stale)")
        let given = try Pkilab.run(["export", "device-001", "--format", "c", "--port", "echo=7001", "--port", "mqtt=7002", "--port", "https=7003"], in: scratch.path)
        #expect(given.status == 0, "\(given)")
        #expect(Self.define("LAB_MQTT_PORT", in: scratch.read("ca/exports/device-001/c/lab_credentials.h") ?? "") == "7002")
        let unknown = try Pkilab.run(["export", "device-001", "--format", "c", "--port", "nope=1"], in: scratch.path)
        #expect(unknown.status == 64 && unknown.stderr.contains("no endpoint named \"nope\""), "\(unknown)")
    }

    @Test("A lab on 0.0.0.0: the export uses this machine's LAN address that the server certificate names, and says so; --host not named: a warning")
    func lanHost() throws {
        let scratch = try Scratch(lab: """
            lab: lan-test
            authorities:
              root: { subject: { CN: LAN Root } }
            certificates:
              server: { role: server, names: [localhost, 127.0.0.1, auto] }
              device-001: { role: client }
            endpoints:
              bind: 0.0.0.0
            """)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let export = try Pkilab.run(["export", "device-001", "--format", "c"], in: scratch.path)
        #expect(export.status == 0, "\(export)")
        let host = try #require(Self.define("LAB_HOST", in: scratch.read("ca/exports/device-001/c/lab_credentials.h") ?? "")).replacingOccurrences(of: "\"", with: "")
        let addresses = try Run.program("hostname", ["-I"], cwd: scratch.path, timeout: 10).stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(addresses.contains(host) && host != "127.0.0.1", "\(host) is one of this machine's addresses \(addresses)")
        #expect(export.stdout.contains("listens on 0.0.0.0: the export uses \(host)"), "\(export)")
        let names = try Run.program("openssl", ["x509", "-in", "ca/certs/server/cert.pem", "-noout", "-ext", "subjectAltName"], cwd: scratch.path, timeout: 10)
        #expect(names.stdout.contains("IP Address:\(host)"), "the server certificate names it: \(names)")
        let other = try Pkilab.run(["export", "device-001", "--format", "c", "--host", "nowhere.example"], in: scratch.path)
        #expect(other.status == 0 && other.stderr.contains("does not name \"nowhere.example\"") && other.stderr.contains("DNS:localhost"), "\(other)")
    }
}
