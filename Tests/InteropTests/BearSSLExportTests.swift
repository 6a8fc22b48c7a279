import Foundation
import PKILabTestSupport
import Testing

/// The bearssl export is enough on its own: the embedded BearSSL client (Tests/EmbeddedClients/bearssl_client.c),
/// built with -DLAB_BEARSSL_EXPORT, takes its trust anchors, chain and key from the exported headers only — as an
/// ESP8266 sketch would, with no conversion — and completes mutual TLS with the lab's echo endpoint.
@Suite("BearSSL export: trust anchors, chain and key from the headers alone, mutual TLS + echo against pkilab up", .serialized, .timeLimit(.minutes(5)))
struct BearSSLExportTests {
    @Test("gcc -Wall -Wextra -Werror with only the exported headers; TLS 1.2 mutual auth and an echo; the lab accepts device-001", arguments: ["ec-p256", "rsa-2048"])
    func handshake(key: String) throws {
        let scratch = try Scratch(lab: Scratch.lab(key: key))
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let export = try Pkilab.run(["export", "device-001", "--format", "bearssl"], in: scratch.path)
        #expect(export.status == 0, "\(export)")
        let folder = "ca/exports/device-001/bearssl"
        let credentials = try #require(scratch.read("\(folder)/client_credentials.h"))
        #expect(credentials.contains("static const br_x509_certificate CHAIN[]") && credentials.contains("#define CHAIN_LEN   2"))
        #expect(credentials.contains(key == "rsa-2048" ? "static const br_rsa_private_key RSA" : "static const br_ec_private_key EC_PRI"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(scratch.path)/\(folder)/client_credentials.h")[.posixPermissions] as? Int
        #expect(mode == 0o600, "it holds the private key")
        let build = try Run.program("gcc", ["-Wall", "-Wextra", "-Werror", "-O1", "-DLAB_BEARSSL_EXPORT", "-I", folder, "-o", "bearssl_export_client",
                                            "\(EmbeddedStackTests.clients)/bearssl_client.c", "-lbearssl"], cwd: scratch.path, timeout: 120)
        try #require(build.status == 0, "libbearssl-dev (scripts/test installs it): \(build)")
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        // No --ca, --cert or --key: everything is compiled in from the export.
        let run = try Run.program("\(scratch.path)/bearssl_export_client", ["--host", "localhost", "--port", "\(lab.echoPort)", "--mode", "echo"],
                                  cwd: scratch.path, timeout: 30)
        #expect(run.status == 0 && run.stdout.contains("ok bearssl echo tls=1.2"), "\(run)")
        let accepted = lab.waitForEvent { $0.endpoint == "echo" && $0.client?.commonName == "device-001" }
        #expect(accepted?.outcome.rawValue == "accepted", "\(String(describing: accepted))")
        let mqtt = try Run.program("\(scratch.path)/bearssl_export_client", ["--host", "localhost", "--port", "\(lab.mqttPort)", "--mode", "mqtt",
                                                                              "--client-id", "device-001", "--topic", "devices/device-001/bearssl"],
                                   cwd: scratch.path, timeout: 30)
        #expect(mqtt.status == 0 && mqtt.stdout.contains("ok bearssl mqtt"), "\(mqtt)")
    }
}
