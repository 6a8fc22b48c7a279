import Foundation
import PKILabTestSupport
import Testing

/// A lab whose every key is `key`, with the per-device policy, serving the echo and the broker (and HTTPS when asked).
func embeddedLab(key: String, https: Bool = false) -> String {
    """
    lab: embedded
    defaults: { key: \(key) }
    authorities:
      root: { subject: { CN: Embedded Root } }
      issuing: { parent: root, subject: { CN: Embedded Issuing }, path_len: 0 }
    certificates:
      server: { role: server, names: [localhost, 127.0.0.1] }
      device-001: { role: client }
    policy:
      - allow: [publish, subscribe]
        topics: ["devices/${cn}/#"]
    endpoints:
      https: { enabled: \(https) }
    """
}

/// The device TLS stacks Debian packages — mbedTLS 2.28 (ESP-IDF v4.x), BearSSL (the ESP8266 core), wolfSSL — as
/// small C clients (Tests/EmbeddedClients) that load the *exported* files and talk to the lab.
@Suite("Exports proven on mbedTLS 2.28, BearSSL and wolfSSL against the echo endpoint and the broker", .serialized, .timeLimit(.minutes(5)))
struct EmbeddedStackTests {
    static let clients = Pkilab.repository + "/Tests/EmbeddedClients"

    @Test("Mutual TLS, echo and MQTT CONNECT + PUBLISH from each stack with the exported files; a wrong server name refused by each; no client certificate refused by the lab",
          arguments: ["ec-p256", "rsa-2048"])
    func stacks(key: String) throws {
        let scratch = try Scratch(lab: embeddedLab(key: key))
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        for format in ["pem", "der", "c"] {
            let export = try Pkilab.run(["export", "device-001", "--format", format], in: scratch.path)
            #expect(export.status == 0, "\(export)")
        }
        let build = try Run.program("sh", ["\(Self.clients)/build.sh", "bin"], cwd: scratch.path,
                                    environment: ["LAB_HEADER": scratch.path + "/ca/exports/device-001/c/lab_credentials.h"], timeout: 180)
        try #require(build.status == 0, "the clients need libmbedtls-dev, libbearssl-dev and libwolfssl-dev (scripts/test installs them): \(build)")
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let pem = "ca/exports/device-001/pem", der = "ca/exports/device-001/der"
        let files: [String: [String]] = [
            "mbedtls": ["--ca", "\(pem)/ca.pem", "--cert", "\(pem)/fullchain.pem", "--key", "\(pem)/key.pem"],
            "bearssl": ["--ca", "\(der)/ca.der", "--cert", "\(der)/cert.der", "--chain", "\(der)/chain.der", "--key", "\(der)/private.der"],
            "wolfssl": ["--ca", "\(pem)/ca.pem", "--cert", "\(pem)/fullchain.pem", "--key", "\(pem)/key.pem"],
        ]
        func client(_ binary: String, _ mode: String, _ extra: [String]) throws -> RunResult {
            let port = mode == "echo" ? lab.echoPort : lab.mqttPort
            return try Run.program("\(scratch.path)/bin/\(binary)", ["--host", "localhost", "--port", "\(port)", "--mode", mode] + extra,
                                   cwd: scratch.path, timeout: 30)
        }
        for stack in ["mbedtls", "bearssl", "wolfssl"] {
            for mode in ["echo", "mqtt"] {
                let mqtt = mode == "mqtt" ? ["--client-id", "\(stack)-\(key)", "--topic", "devices/device-001/\(stack)"] : []
                let run = try client("\(stack)_client", mode, files[stack]! + mqtt)
                #expect(run.status == 0 && run.stdout.contains("ok \(stack) \(mode)"), "\(stack) \(mode): \(run)")
            }
            #expect(lab.mqttEvent("connected", clientID: "\(stack)-\(key)") != nil, "the broker saw \(stack)'s CONNECT")
            let wrong = try client("\(stack)_client", "echo", files[stack]! + ["--expect-name", "wrong.example"])
            #expect(wrong.status == 1 && wrong.stdout.contains("fail \(stack) server-name"), "\(stack) must refuse a server named otherwise: \(wrong)")
            let before = lab.events.filter { $0.reason == "no_client_certificate" }.count
            let anonymous = try client("\(stack)_client", "echo", ["--ca", stack == "bearssl" ? "\(der)/ca.der" : "\(pem)/ca.pem", "--no-client-cert"])
            #expect(anonymous.status == 1 && anonymous.stdout.contains("fail \(stack)"), "\(anonymous)")
            #expect(lab.waitForEvent { _ in lab.events.filter { $0.reason == "no_client_certificate" }.count > before } != nil,
                    "the lab refused \(stack) without a certificate with no_client_certificate")
        }
        // The C header compiled in (no files at run time), as firmware does.
        for mode in ["echo", "mqtt"] {
            let mqtt = mode == "mqtt" ? ["--client-id", "header-\(key)", "--topic", "devices/device-001/header"] : []
            let run = try client("mbedtls_client_header", mode, mqtt)
            #expect(run.status == 0 && run.stdout.contains("ok mbedtls \(mode)"), "header \(mode): \(run)")
        }
    }
}
