import ArgumentParser
import CPKILabProbe
import Foundation
import PKILab

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Connect to a server as a device holding a lab identity would, and say what happened.",
        discussion: """
            URL: tls://host:port (any TLS server, e.g. the echo endpoint), https://host:port/path, or \
            mqtts://host:port (an MQTT CONNECT through libmosquitto). Reports the server's chain and whether the \
            lab root (or the system store) trusts it for that name, whether it asked for a client certificate and \
            which CA names it accepts, TLS version, cipher, ALPN, session resumption, and the HTTP status or MQTT \
            CONNACK. Exit 0 when the result is what --expect says (default ok), 1 when it is not.
            """)

    @OptionGroup var options: LabOptions

    @Argument(help: "tls://HOST:PORT, https://HOST:PORT/PATH or mqtts://HOST:PORT.")
    var url: String

    @Option(name: .customLong("as"), help: ArgumentHelp("The lab identity to present: a certificate name, zoo/NAME (a bad client of pkilab zoo), or none.", valueName: "name"))
    var identity: String

    @Option(help: ArgumentHelp("ok: the connection must work; reject: it must be refused.", valueName: "ok|reject"))
    var expect: String = "ok"

    @Option(help: ArgumentHelp("Trust this CA file instead of the lab root.", valueName: "file"))
    var ca: String?

    @Option(help: ArgumentHelp("ALPN protocols to offer, comma-separated.", valueName: "list"))
    var alpn: String?

    @Option(help: ArgumentHelp("The server name to send (SNI) and check, instead of the URL's host.", valueName: "name"))
    var servername: String?

    @Option(help: "MQTT: the client id (default: the identity's name).")
    var clientID: String?

    @Flag(help: "MQTT: speak MQTT 5.0 instead of 3.1.1.")
    var mqtt5 = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Report: Encodable {
        var url: String
        var identity: String
        var connected: Bool
        var error: String?
        var tlsVersion: String?
        var cipher: String?
        var alpn: String?
        var askedForClientCertificate: Bool
        var acceptedCANames: [String]
        var serverChain: [String]
        var trustedByLab: Bool
        var labVerdict: String
        var trustedBySystem: Bool
        var resumed: Bool
        var httpStatus: Int?
        var mqttConnack: Int?
        var mqttResult: String?
        var ok: Bool
        var expected: String
    }

    func run() async throws {
        try reportingErrors {
            guard ["ok", "reject"].contains(expect) else {
                Console.error("--expect takes ok or reject, not \"\(expect)\"")
                throw ExitCode(ExitStatus.usage)
            }
            guard let parsed = URLComponents(string: url), let scheme = parsed.scheme, ["tls", "https", "mqtts"].contains(scheme),
                  let host = parsed.host, !host.isEmpty else {
                Console.error("\"\(url)\" is not a URL pkilab can probe", hint: "write tls://localhost:7443, https://localhost:8443/whoami or mqtts://localhost:8883")
                throw ExitCode(ExitStatus.usage)
            }
            let port = parsed.port ?? (scheme == "mqtts" ? 8883 : scheme == "https" ? 443 : 7443)
            let lab = try options.loadLab()
            let store = options.store
            var cert: String?, key: String?
            if identity != "none" {
                let (folder, _) = try store.folder(of: identity, in: lab)
                let files = StoredFiles(folder: folder)
                cert = files.fullchain
                key = files.key
            }
            let caFile = ca ?? store.directory.rootBundle
            let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            var result = pkilab_probe_result()
            let path = scheme == "https" ? (parsed.path.isEmpty ? "/" : parsed.path) : nil
            pkilab_tls_probe(name, Int32(port), servername ?? name, caFile, cert, key, alpn ?? (scheme == "https" ? "http/1.1" : nil), path, 10, &result)
            func text<T>(_ field: T) -> String {
                withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
            func lines<T>(_ field: T) -> [String] { text(field).split(separator: "\n").map(String.init) }
            var report = Report(url: url, identity: identity, connected: result.connected == 1, error: text(result.error).isEmpty ? nil : text(result.error),
                                tlsVersion: text(result.version).isEmpty ? nil : text(result.version), cipher: text(result.cipher).isEmpty ? nil : text(result.cipher),
                                alpn: text(result.alpn).isEmpty ? nil : text(result.alpn), askedForClientCertificate: result.asked_for_certificate == 1,
                                acceptedCANames: lines(result.ca_names), serverChain: lines(result.chain), trustedByLab: result.verify_lab == 0,
                                labVerdict: result.verify_lab < 0 ? "no certificate" : text(result.verify_lab_text), trustedBySystem: result.verify_system == 0,
                                resumed: result.resumed == 1, httpStatus: result.http_status > 0 ? Int(result.http_status) : nil,
                                mqttConnack: nil, mqttResult: nil, ok: false, expected: expect)
            if scheme == "mqtts" && report.trustedByLab || scheme == "mqtts" && ca != nil {
                var error = [CChar](repeating: 0, count: 256)
                let connack = pkilab_mqtt_probe(name, Int32(port), caFile, cert, key, clientID ?? (identity == "none" ? "pkilab-probe" : identity),
                                                mqtt5 ? 1 : 0, 10, &error, error.count)
                report.mqttConnack = connack >= 0 ? Int(connack) : nil
                let words = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                report.mqttResult = connack == 0 ? "CONNACK 0: connection accepted" : (connack > 0 ? "CONNACK \(connack): \(words)" : words)
            }
            report.ok = report.connected && report.trustedByLab
                && (scheme != "https" || (report.httpStatus ?? 500) < 400) && (scheme != "mqtts" || report.mqttConnack == 0)
            if json { Console.json(report) } else { print(report) }
            if report.ok != (expect == "ok") { throw ExitCode(1) }
        }
    }

    private func print(_ report: Report) {
        Console.out("\(report.url) as \(report.identity):")
        if report.serverChain.isEmpty {
            Console.out("  TLS:        failed: \(TerminalText.escaped(report.error ?? "no certificate from the server"))")
        } else {
            Console.out("  TLS:        \(report.tlsVersion ?? "?") \(report.cipher ?? "")" + (report.alpn.map { ", ALPN \($0)" } ?? "") + (report.resumed ? ", session resumption works" : ", no session resumption"))
            Console.out("  server:     \(report.serverChain.map { TerminalText.escaped($0) }.joined(separator: " ← "))")
            Console.out("  trust:      lab root: \(report.trustedByLab ? "trusted, and the name matches" : "NOT trusted: \(TerminalText.escaped(report.labVerdict))"); system store: \(report.trustedBySystem ? "trusted" : "not trusted")")
            Console.out("  client cert: " + (report.askedForClientCertificate
                ? "requested" + (report.acceptedCANames.isEmpty ? "" : "; accepted CAs: \(report.acceptedCANames.map { TerminalText.escaped($0) }.joined(separator: "; "))")
                : "not requested"))
            if let error = report.error { Console.out("  refused:    \(TerminalText.escaped(error))") }
        }
        if let status = report.httpStatus { Console.out("  HTTP:       \(status)") }
        if let mqtt = report.mqttResult { Console.out("  MQTT:       \(TerminalText.escaped(mqtt))") }
        let verdict = report.ok ? "ok" : "rejected"
        Console.out("Result: \(verdict) (expected \(report.expected))" + (report.ok == (report.expected == "ok") ? "" : " — NOT as expected"))
    }
}
