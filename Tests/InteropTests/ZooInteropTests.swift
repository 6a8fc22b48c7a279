import Foundation
import PKILab
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Python's ssl against each zoo server: strict (default context, VERIFY_X509_STRICT, the CRL for `revoked`) or
/// insecure (CERT_NONE, as a device with verification off). Sends `hello` unless told to send nothing.
private let zooPython = #"""
import json, socket, ssl, sys
args = json.loads(sys.argv[1])
results = {}
for name, port in args["servers"].items():
    if args.get("insecure"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=args["ca"])
        context.verify_flags |= ssl.VERIFY_X509_STRICT
        if name == "revoked":
            context.load_verify_locations(cafile=args["crl"]); context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                if not args.get("silent"):
                    tls.sendall(b"hello"); tls.recv(5)
        results[name] = "accepted"
    except ssl.SSLCertVerificationError as error:
        results[name] = "refused: " + error.verify_message
    except Exception as error:
        results[name] = "error: " + repr(error)
print(json.dumps(results))
"""#

/// The ISO time of the next whole second, after waiting for it, so `zoo report --since` separates runs.
private func nextSecond() -> String {
    let now = Date().timeIntervalSince1970
    let next = now.rounded(.down) + 1
    usleep(useconds_t((next - now) * 1_000_000) + 20_000)
    return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: next))
}

@Suite("The zoo: bad servers refused by strict clients and device stacks, and the report of what each client accepted",
       .serialized, .timeLimit(.minutes(5)))
struct ZooInteropTests {
    static let lab = Scratch.lab()

    func zooLab() throws -> LabProcess {
        let scratch = try Scratch(lab: Self.lab)
        return try LabProcess(scratch: scratch, arguments: ["--zoo-port", "0", "--zoo-mqtt-port", "0"])
    }

    func servers(_ lab: LabProcess, _ names: [ZooServer] = ZooServer.allCases) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: names.map { ($0.rawValue, lab.ports["zoo-\($0.rawValue)"] ?? 0) })
    }

    func python(_ lab: LabProcess, _ servers: [String: Int], insecure: Bool = false, silent: Bool = false) throws -> [String: String] {
        let arguments: [String: Any] = ["servers": servers, "ca": "ca/root.pem", "crl": "ca/crl/all.pem", "insecure": insecure, "silent": silent]
        let run = try Run.program("python3", ["-c", zooPython, String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)],
                                  cwd: lab.scratch.path, timeout: 120)
        return (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: String]) ?? ["error": "\(run)"]
    }

    func report(_ lab: LabProcess, since: String) throws -> (RunResult, [String: Any]) {
        let run = try Pkilab.run(["zoo", "report", "--json", "--since", since], in: lab.scratch.path)
        return (run, (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:])
    }

    @Test("Python's strict ssl, openssl s_client and curl refuse every bad server for its reason and accept the good one; an insecure client's acceptances are reported, with whether it sent data")
    func strictAndInsecure() throws {
        let lab = try zooLab()
        defer { lab.stop(); lab.scratch.remove() }
        let start = nextSecond()
        let strict = try python(lab, servers(lab))
        let expected: [String: String] = [
            "good": "accepted", "expired": "certificate has expired", "not-yet-valid": "certificate is not yet valid",
            "wrong-host": "Hostname mismatch", "self-signed": "self-signed certificate", "untrusted-root": "unable to get local issuer certificate",
            "incomplete-chain": "unable to get local issuer certificate", "revoked": "certificate revoked",
            "wrong-purpose": "unsuitable certificate purpose", "weak-rsa-1024": "EE certificate key too weak",
            "sha1-signature": "CA signature digest algorithm too weak", "unknown-critical-extension": "unhandled critical extension",
            "name-constraint-violation": "permitted subtree violation",
            // OpenSSL 3.0 takes these: a desktop stack has no depth or size limit that low, and does not refuse CA:TRUE leaves.
            "long-chain": "accepted", "huge-certificate": "accepted", "ca-as-leaf": "accepted",
        ]
        for (name, words) in expected {
            #expect(strict[name]?.contains(words) == true, "\(name): \(strict[name] ?? "-")")
        }
        // openssl s_client and curl against every one, the CRL given for the revoked one.
        for (name, words) in expected {
            let port = lab.ports["zoo-\(name)"] ?? 0
            let crl = name == "revoked" ? " -crl_check -CRL ca/crl/issuing.crl.pem" : ""
            let openssl = try Run.program("sh", ["-c", "echo | openssl s_client -connect 127.0.0.1:\(port) -CAfile ca/root.pem -verify_return_error -verify_hostname localhost -x509_strict\(crl)"],
                                          cwd: lab.scratch.path, timeout: 30)
            let output = openssl.stdout + openssl.stderr
            if words == "accepted" {
                #expect(openssl.status == 0 && output.contains("Verify return code: 0 (ok)"), "openssl \(name): \(openssl)")
            } else {
                #expect(openssl.status != 0 && output.contains(words.replacingOccurrences(of: "Hostname mismatch", with: "hostname mismatch")), "openssl \(name): \(openssl)")
            }
            let curl = try Run.program("curl", ["-s", "--cacert", "ca/root.pem"] + (name == "revoked" ? ["--crlfile", "ca/crl/all.pem"] : []) + ["https://localhost:\(port)/"],
                                       cwd: lab.scratch.path, timeout: 30)
            // 60: the server's certificate did not verify. The echo's answer to an accepted curl is not HTTP (exit 1 or 8).
            #expect(words == "accepted" ? ![60, 35].contains(curl.status) : curl.status == 60, "curl \(name): \(curl)")
        }

        // A port check (connect, close) is no verdict on anything.
        _ = try Run.program("python3", ["-c", "import socket; socket.create_connection(('127.0.0.1', \(lab.ports["zoo-good"] ?? 0))).close()"])
        #expect(lab.waitForEvent { $0.endpoint == "zoo-good" && $0.explanation.contains("without starting TLS") } != nil)
        let (strictRun, strictReport) = try report(lab, since: start)
        #expect(strictRun.status == 1, "OpenSSL accepted ca-as-leaf, so the report fails: \(strictRun)")
        #expect(strictReport["failures"] as? [String] == ["ca-as-leaf"], "\(strictReport)")
        let rows = strictReport["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 16)
        #expect(rows.first { $0["scenario"] as? String == "revoked" }?["verdict"] as? String == "correct")
        #expect(rows.first { $0["scenario"] as? String == "long-chain" }?["verdict"] as? String == "observed")
        // curl checks the name only after the handshake, then hangs up without a word: completed, nothing sent.
        #expect(rows.first { $0["scenario"] as? String == "wrong-host" }?["verdict"] as? String == "handshake_only", "\(rows)")
        let good = lab.waitForEvent { $0.zoo?.scenario == "good" }
        #expect(good?.zoo?.completedHandshake == true && good?.zoo?.sentData == true && good?.zoo?.verdict == .correct)
        let refused = lab.waitForEvent { $0.zoo?.scenario == "expired" }
        #expect(refused?.outcome == .rejected && refused?.explanation.contains("as it should") == true, "\(String(describing: refused))")

        // Verification off: it takes any server. The report names the mistakes; a client that sent nothing is told apart.
        let insecureStart = nextSecond()
        let insecure = try python(lab, servers(lab, [.expired, .wrongHost]), insecure: true)
        #expect(insecure == ["expired": "accepted", "wrong-host": "accepted"], "\(insecure)")
        _ = try python(lab, servers(lab, [.sha1Signature]), insecure: true, silent: true)
        let (insecureRun, insecureReport) = try report(lab, since: insecureStart)
        #expect(insecureRun.status == 1)
        #expect(Set(insecureReport["failures"] as? [String] ?? []) == ["expired", "wrong-host"], "\(insecureReport)")
        let sha1 = (insecureReport["rows"] as? [[String: Any]])?.first { $0["scenario"] as? String == "sha1-signature" }
        #expect(sha1?["accepted"] as? Int == 1 && sha1?["sentData"] as? Int == 0 && sha1?["verdict"] as? String == "handshake_only",
                "completed, sent nothing: not counted as accepting it: \(String(describing: sha1))")
        let wrong = lab.waitForEvent { $0.zoo?.scenario == "expired" && $0.zoo?.verdict == .wronglyAccepted }
        #expect(wrong?.explanation.contains("WRONGLY ACCEPTED") == true && wrong?.explanation.contains("sent 5 bytes") == true, "\(String(describing: wrong))")
        let human = try Pkilab.run(["zoo", "report", "--since", insecureStart], in: lab.scratch.path)
        #expect(human.stdout.contains("FAILED: accepted") && human.stdout.contains("The device got 2 wrong"), "\(human)")
    }

    @Test("mbedTLS 2.28, wolfSSL and BearSSL each refuse the plain mistakes; where they differ, the report says which bad servers each accepted")
    func embeddedStacks() throws {
        let lab = try zooLab()
        defer { lab.stop(); lab.scratch.remove() }
        let build = try Run.program("sh", ["\(EmbeddedStackTests.clients)/build.sh", "bin"], cwd: lab.scratch.path, timeout: 180)
        try #require(build.status == 0, "\(build)")
        #expect(try Run.program("openssl", ["x509", "-in", "ca/root.pem", "-outform", "DER", "-out", "root.der"], cwd: lab.scratch.path).status == 0)
        let stacks: [(name: String, ca: String, wrong: Set<String>)] = [
            ("mbedtls", "ca/root.pem", ["ca-as-leaf"]),
            ("wolfssl", "ca/root.pem", ["weak-rsa-1024", "sha1-signature"]),
            ("bearssl", "root.der", ["wrong-purpose", "ca-as-leaf", "weak-rsa-1024", "sha1-signature"]),
        ]
        for stack in stacks {
            let since = nextSecond()
            var outcomes: [String: String] = [:]
            for scenario in ZooServer.allCases {
                let run = try Run.program(lab.scratch.path + "/bin/\(stack.name)_client", ["--host", "localhost", "--port", "\(lab.ports["zoo-\(scenario.rawValue)"] ?? 0)",
                                                                        "--mode", "echo", "--ca", stack.ca, "--no-client-cert"], cwd: lab.scratch.path, timeout: 30)
                outcomes[scenario.rawValue] = run.stdout.split(separator: "\n").last.map(String.init) ?? run.stderr
            }
            for plain in ["expired", "not-yet-valid", "wrong-host", "self-signed", "untrusted-root", "incomplete-chain", "unknown-critical-extension", "name-constraint-violation"] {
                #expect(outcomes[plain]?.hasPrefix("fail \(stack.name)") == true, "\(stack.name) \(plain): \(outcomes[plain] ?? "-")")
            }
            #expect(outcomes["good"]?.hasPrefix("ok \(stack.name)") == true, "\(stack.name): \(outcomes["good"] ?? "-")")
            #expect(outcomes["revoked"]?.hasPrefix("ok") == true, "none of them checks revocation")
            let (run, json) = try report(lab, since: since)
            #expect(run.status == 1)
            #expect(Set(json["failures"] as? [String] ?? []) == stack.wrong, "\(stack.name): \(json["failures"] ?? "-") \(outcomes)")
            let revoked = (json["rows"] as? [[String: Any]])?.first { $0["scenario"] as? String == "revoked" }
            #expect(revoked?["verdict"] as? String == "no_revocation_check")
        }
        // Buffers and depth: mbedTLS refuses the long chain (8 intermediates at most) and both mbedTLS and wolfSSL the 30 KB certificate.
        let long = try Run.program(lab.scratch.path + "/bin/mbedtls_client", ["--host", "localhost", "--port", "\(lab.ports["zoo-long-chain"] ?? 0)", "--mode", "echo", "--ca", "ca/root.pem", "--no-client-cert"],
                                   cwd: lab.scratch.path, timeout: 30)
        #expect(long.stdout.contains("chain is too long"), "\(long)")
        let huge = try Run.program(lab.scratch.path + "/bin/wolfssl_client", ["--host", "localhost", "--port", "\(lab.ports["zoo-huge-certificate"] ?? 0)", "--mode", "echo", "--ca", "ca/root.pem", "--no-client-cert"],
                                   cwd: lab.scratch.path, timeout: 30)
        #expect(huge.stdout.contains("Handshake message too large"), "\(huge)")
    }

    @Test("The MQTT variants: mosquitto_pub refuses the bad servers; with --insecure it takes the wrong host and sends CONNECT, which the report flags")
    func mqtt() throws {
        try #require(Run.available("mosquitto_pub"), "scripts/test installs mosquitto-clients")
        let lab = try zooLab()
        defer { lab.stop(); lab.scratch.remove() }
        func publish(_ scenario: String, _ extra: [String] = []) throws -> RunResult {
            try Run.program("mosquitto_pub", ["-h", "localhost", "-p", "\(lab.ports["zoo-mqtt-\(scenario)"] ?? 0)", "--cafile", "ca/root.pem",
                                              "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem",
                                              "-i", "device-001", "-t", "devices/device-001/x", "-m", "hi"] + extra, cwd: lab.scratch.path, timeout: 30)
        }
        let since = nextSecond()
        #expect(try publish("good").status == 0)
        for scenario in ["expired", "wrong-host", "untrusted-root", "incomplete-chain"] {
            let run = try publish(scenario)
            #expect(run.status != 0, "\(scenario): \(run)")
        }
        #expect(try publish("wrong-host", ["--insecure"]).status == 0, "--insecure skips the name check")
        let event = lab.waitForEvent { $0.endpoint == "zoo-mqtt-wrong-host" && $0.zoo?.completedHandshake == true }
        #expect(event?.zoo?.sentData == true && event?.zoo?.verdict == .wronglyAccepted, "\(String(describing: event))")
        #expect(event?.explanation.contains("an MQTT CONNECT") == true)
        let (run, json) = try report(lab, since: since)
        #expect(run.status == 1 && json["failures"] as? [String] == ["mqtt/wrong-host"], "\(json)")
    }
}
