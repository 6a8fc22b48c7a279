import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// Starts `pkilab up` on the endpoint lab (and a foreign lab whose device certificate no lab authority signed).
private func withLab(clientChain: String = "complete", _ body: (LabProcess, Scratch) throws -> Void) throws {
    let scratch = try Scratch(lab: endpointLab(clientChain: clientChain))
    let foreign = try Scratch(lab: Scratch.lab().replacingOccurrences(of: "CLI Test Root", with: "Foreign Root"))
    defer { scratch.remove(); foreign.remove() }
    try FileManager.default.createDirectory(atPath: scratch.path + "/files", withIntermediateDirectories: true)
    try Data((0..<100_000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: scratch.path + "/files/firmware.bin"))
    #expect(try Pkilab.run(["issue"], in: foreign.path).status == 0)
    let lab = try LabProcess(scratch: scratch)
    defer {
        let status = lab.stop()
        #expect(status == 0, "pkilab up exits 0 on SIGTERM:\n\(lab.output.string)")
    }
    try body(lab, foreign)
}

@Suite("pkilab up: endpoints that enforce client certificates, with real clients", .serialized, .timeLimit(.minutes(5)))
struct EndpointInteropTests {
    static let device = "ca/certs/device-001"

    @Test("openssl s_client on each endpoint: accepted with and without the intermediate; each bad client refused with its reason",
          arguments: ["echo", "https"])
    func opensslClient(endpoint: String) throws {
        try withLab { lab, foreign in
            // The client keeps its input open for a moment, as a device does, to read the answer or the server's alert.
            let port = endpoint == "echo" ? lab.echoPort : lab.httpsPort
            let request = endpoint == "echo" ? "ping\\n" : "GET /whoami HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n"
            let answer = endpoint == "echo" ? "ping" : "\"commonName\" : \"device-001\""
            func sClient(_ extra: [String]) throws -> RunResult {
                let command = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-CAfile", "ca/root.pem",
                               "-verify_return_error", "-quiet", "-no_ign_eof"] + extra
                return try Run.program("sh", ["-c", "(printf '\(request)'; sleep 1) | " + command.joined(separator: " ")], cwd: lab.scratch.path, timeout: 30)
            }
            let full = try sClient(["-cert", "\(Self.device)/cert.pem", "-cert_chain", "\(Self.device)/chain.pem", "-key", "\(Self.device)/key.pem"])
            #expect(full.stdout.contains(answer), "the endpoint answers: \(full)")
            #expect(lab.event(0)?.reason == "ok")
            #expect(lab.event(0)?.client?.commonName == "device-001")
            #expect(lab.event(0)?.notes.isEmpty == true)
            #expect(lab.event(0)?.tlsVersion == "1.3" && lab.event(0)?.cipher?.hasPrefix("TLS_") == true)

            let leafOnly = try sClient(["-cert", "\(Self.device)/cert.pem", "-key", "\(Self.device)/key.pem"])
            #expect(leafOnly.stdout.contains(answer), "\(leafOnly)")
            #expect(lab.event(1)?.reason == "ok")
            #expect(lab.event(1)?.notes.first?.contains("sent no intermediate") == true, "\(String(describing: lab.event(1)))")

            let cases: [([String], String)] = [
                ([], "no_client_certificate"),
                (["-cert", "ca/certs/expired/cert.pem", "-cert_chain", "ca/certs/expired/chain.pem", "-key", "ca/certs/expired/key.pem"], "expired"),
                (["-cert", "ca/certs/later/cert.pem", "-cert_chain", "ca/certs/later/chain.pem", "-key", "ca/certs/later/key.pem"], "not_yet_valid"),
                (["-cert", "ca/certs/web-only/cert.pem", "-cert_chain", "ca/certs/web-only/chain.pem", "-key", "ca/certs/web-only/key.pem"], "wrong_purpose"),
                (["-cert", "\(foreign.path)/ca/certs/device-001/cert.pem", "-cert_chain", "\(foreign.path)/ca/certs/device-001/chain.pem",
                  "-key", "\(foreign.path)/ca/certs/device-001/key.pem"], "unknown_authority"),
            ]
            for (offset, (arguments, reason)) in cases.enumerated() {
                let result = try sClient(arguments)
                #expect(!result.stdout.contains(answer) && !result.stdout.contains("HTTP/1.1"), "\(reason): no data may cross: \(result)")
                #expect(result.stderr.contains("alert"), "\(reason): refused with a TLS alert during the handshake: \(result)")
                let event = lab.event(2 + offset)
                #expect(event?.outcome == .rejected && event?.reason == reason, "\(reason): \(String(describing: event))")
                #expect(event?.hint?.isEmpty == false)
            }
        }
    }

    @Test("curl on the HTTPS endpoint: /whoami reflects the certificate, HTTP/2 and HTTP/1.1, Range, /ca.pem; bad clients refused in the handshake")
    func curlHTTPS() throws {
        try withLab { lab, foreign in
            let base = "https://localhost:\(lab.httpsPort)"
            func curl(_ extra: [String]) throws -> RunResult {
                try Run.program("curl", ["-sS", "--max-time", "20", "--cacert", "ca/root.pem"] + extra, cwd: lab.scratch.path, timeout: 30)
            }
            let withCert = ["--cert", "\(Self.device)/fullchain.pem", "--key", "\(Self.device)/key.pem"]
            let whoami = try curl(withCert + ["\(base)/whoami"])
            #expect(whoami.status == 0, "\(whoami)")
            let json = try JSONSerialization.jsonObject(with: Data(whoami.stdout.utf8)) as? [String: Any]
            let client = json?["client"] as? [String: Any]
            #expect(client?["commonName"] as? String == "device-001")
            #expect((client?["chain"] as? [String])?.count == 3)
            #expect(json?["alpn"] as? String == "h2" && json?["httpVersion"] as? String == "2")
            #expect(json?["sni"] as? String == "localhost" && json?["tlsVersion"] as? String == "1.3")
            let serial = try Run.program("openssl", ["x509", "-noout", "-serial", "-in", "\(Self.device)/cert.pem"], cwd: lab.scratch.path).stdout
            #expect(serial.lowercased().contains(client?["serial"] as? String ?? "none"))

            let http1 = try curl(withCert + ["--http1.1", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "\(base)/"])
            #expect(http1.stdout == "200 1.1", "\(http1)")
            let echo = try curl(withCert + ["--data-binary", "hello lab", "\(base)/echo"])
            #expect(echo.stdout == "hello lab")
            let ca = try curl(withCert + ["\(base)/ca.pem"])
            #expect(ca.stdout == lab.scratch.read("ca/root.pem") && !ca.stdout.contains("PRIVATE KEY"))

            // Range, ETag and 304, as esp_https_ota and ESP8266httpUpdate use them.
            let range = try curl(withCert + ["-r", "1000-1099", "-D", "-", "-o", "range.bin", "\(base)/files/firmware.bin"])
            #expect(range.stdout.contains("206") && range.stdout.lowercased().contains("content-range: bytes 1000-1099/100000"), "\(range)")
            let expected = Data((1000..<1100).map { UInt8($0 % 251) })
            #expect(FileManager.default.contents(atPath: lab.scratch.path + "/range.bin") == expected)
            let head = try curl(withCert + ["-I", "\(base)/files/firmware.bin"])
            #expect(head.stdout.lowercased().contains("content-length: 100000"), "\(head)")
            let etag = head.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }.map { String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
            let notModified = try curl(withCert + ["-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \(etag ?? "")", "\(base)/files/firmware.bin"])
            #expect(notModified.stdout == "304", "\(notModified)")

            let before = lab.events.count
            let rejected: [([String], String)] = [
                ([], "no_client_certificate"),
                (["--cert", "ca/certs/expired/fullchain.pem", "--key", "ca/certs/expired/key.pem"], "expired"),
                (["--cert", "ca/certs/later/fullchain.pem", "--key", "ca/certs/later/key.pem"], "not_yet_valid"),
                (["--cert", "ca/certs/web-only/fullchain.pem", "--key", "ca/certs/web-only/key.pem"], "wrong_purpose"),
                (["--cert", "\(foreign.path)/ca/certs/device-001/fullchain.pem", "--key", "\(foreign.path)/ca/certs/device-001/key.pem"], "unknown_authority"),
            ]
            for (offset, (arguments, reason)) in rejected.enumerated() {
                let result = try curl(arguments + ["\(base)/whoami"])
                #expect(result.status != 0 && result.stdout.isEmpty, "\(reason): \(result)")
                #expect(result.stderr.contains("alert"), "\(reason): curl sees the TLS alert: \(result)")
                #expect(lab.event(before + offset)?.reason == reason, "\(reason): \(String(describing: lab.event(before + offset)))")
            }

            let plain = try Run.program("curl", ["-sS", "--max-time", "10", "http://localhost:\(lab.httpsPort)/whoami"], timeout: 20)
            #expect(plain.stdout.contains("use https://"), "\(plain)")
            let plainEvent = lab.event(before + rejected.count)
            #expect(plainEvent?.reason == "not_a_tls_client" && plainEvent?.explanation.contains("GET /whoami") == true, "\(String(describing: plainEvent))")

            let distrust = try Run.program("curl", ["-sS", "--max-time", "10", "--cacert", "\(foreign.path)/ca/root.pem"] + withCert + ["\(base)/"],
                                           cwd: lab.scratch.path, timeout: 20)
            #expect(distrust.status != 0)
            let distrustEvent = lab.event(before + rejected.count + 1)
            #expect(distrustEvent?.reason == "client_rejected_server" && distrustEvent?.explanation.contains("unknown_ca") == true,
                    "\(String(describing: distrustEvent))")
        }
    }

    @Test("Python ssl and http.client: echo of a multi-megabyte stream, TLS 1.2 and 1.3, refusals with reasons")
    func python() throws {
        try withLab { lab, foreign in
            let ca = lab.store + "/root.pem"
            let good = ["port": lab.echoPort, "ca": ca, "cert": lab.store + "/certs/device-001/fullchain.pem",
                        "key": lab.store + "/certs/device-001/key.pem"] as [String: Any]
            var big = good
            big["bytes"] = 8 * 1024 * 1024 + 17
            let stream = try lab.python(big)
            #expect(stream["same"] as? Bool == true && stream["echoed"] as? Int == 8 * 1024 * 1024 + 17, "\(stream)")
            for version in ["1.2", "1.3"] {
                var pinned = good
                pinned["tls"] = version
                let result = try lab.python(pinned)
                #expect(result["same"] as? Bool == true, "\(version): \(result)")
            }
            #expect(lab.events.suffix(2).compactMap(\.tlsVersion) == ["1.2", "1.3"])
            let client = """
                import http.client, json, ssl, sys
                context = ssl.create_default_context(cafile=sys.argv[1])
                context.load_cert_chain(sys.argv[2], sys.argv[3])
                connection = http.client.HTTPSConnection("localhost", int(sys.argv[4]), context=context, timeout=20)
                connection.request("GET", "/whoami")
                response = connection.getresponse()
                print(response.status, json.loads(response.read())["client"]["commonName"])
                connection.request("GET", "/files/firmware.bin", headers={"Range": "bytes=0-9"})
                response = connection.getresponse()
                print(response.status, list(response.read()))
                """
            let http = try Run.program("python3", ["-c", client, ca, lab.store + "/certs/device-001/fullchain.pem",
                                                   lab.store + "/certs/device-001/key.pem", "\(lab.httpsPort)"], timeout: 60)
            #expect(http.stdout == "200 device-001\n206 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "\(http)")

            let count = lab.events.count
            var noCert = good
            noCert["cert"] = nil
            let refused = try lab.python(noCert)
            #expect((refused["error"] as? String)?.contains("CERTIFICATE_REQUIRED") == true && refused["same"] == nil, "\(refused)")
            #expect(lab.event(count)?.reason == "no_client_certificate")
            var wrongServer = good
            wrongServer["ca"] = foreign.path + "/ca/root.pem"
            let distrusted = try lab.python(wrongServer)
            #expect((distrusted["error"] as? String)?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(distrusted)")
            #expect(lab.event(count + 1)?.reason == "client_rejected_server")
        }
    }

    @Test("protocol_version, no_shared_cipher and peer_closed come from what the client did; the CertificateRequest names the trusted root")
    func edgeReasons() throws {
        let scratch = try Scratch(lab: endpointLab().replacingOccurrences(of: "echo: { client_chain: complete }",
            with: "echo: { client_chain: complete, tls_max: \"1.2\", ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256] }"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch, arguments: ["--events", scratch.path + "/copy.jsonl"])
        defer { lab.stop() }
        func sClient(_ extra: [String]) throws -> RunResult {
            let command = ["openssl", "s_client", "-connect", "127.0.0.1:\(lab.echoPort)", "-CAfile", "ca/root.pem"] + extra
            return try Run.program("sh", ["-c", "sleep 1 | " + command.joined(separator: " ")], cwd: scratch.path, timeout: 30)
        }
        let names = try sClient(["-cert", "\(Self.device)/cert.pem", "-key", "\(Self.device)/key.pem"])
        #expect(names.stdout.contains("Acceptable client certificate CA names") && names.stdout.contains("CN = Up Test Root"), "\(names)")
        #expect(lab.event(0)?.reason == "ok" && lab.event(0)?.cipher == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "\(String(describing: lab.event(0)))")
        _ = try sClient(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        #expect(lab.event(1)?.reason == "protocol_version" && lab.event(1)?.tlsOffered == ["1.1"], "\(String(describing: lab.event(1)))")
        _ = try sClient(["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"])
        #expect(lab.event(2)?.reason == "no_shared_cipher", "\(String(describing: lab.event(2)))")
        let hangUp = try Run.program("python3", ["-c", "import socket; s=socket.create_connection(('127.0.0.1', \(lab.echoPort))); s.send(b'\\x16\\x03\\x01\\x00\\x05\\x01'); s.close()"], timeout: 20)
        #expect(hangUp.status == 0)
        #expect(lab.event(3)?.reason == "peer_closed", "\(String(describing: lab.event(3)))")
        // The same events went to --events FILE, and pkilab events reads them back.
        let copy = (try? String(contentsOfFile: scratch.path + "/copy.jsonl", encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(copy.count == 4)
        let events = try Pkilab.run(["events", "--json"], in: scratch.path)
        #expect(events.stdout.split(separator: "\n").count == 4 && events.stdout.contains("\"reason\":\"no_shared_cipher\""), "\(events)")
        let human = try Pkilab.run(["events"], in: scratch.path)
        #expect(human.stdout.contains("✗ rejected [protocol_version]: no TLS version in common: it offers TLS 1.1; this endpoint speaks TLS 1.2–1.2"), "\(human)")
    }

    @Test("Python ssl on each endpoint: good certificates in, each bad one refused with its reason", arguments: ["echo", "https"])
    func pythonMatrix(endpoint: String) throws {
        try withLab { lab, foreign in
            func attempt(_ name: String, in store: String, chain: Bool = true) throws -> [String: Any] {
                var arguments: [String: Any] = ["port": endpoint == "echo" ? lab.echoPort : lab.httpsPort, "ca": lab.store + "/root.pem"]
                if !name.isEmpty {
                    arguments["cert"] = "\(store)/certs/\(name)/\(chain ? "fullchain" : "cert").pem"
                    arguments["key"] = "\(store)/certs/\(name)/key.pem"
                }
                if endpoint == "https" { arguments["http"] = "/whoami" }
                return try lab.python(arguments)
            }
            for chain in [true, false] {
                let good = try attempt("device-001", in: lab.store, chain: chain)
                let answered = endpoint == "echo" ? good["same"] as? Bool == true
                    : (good["response"] as? String)?.contains("\"commonName\" : \"device-001\"") == true
                #expect(answered, "chain \(chain): \(good)")
            }
            let before = lab.events.count
            let cases: [(String, String, String)] = [("", lab.store, "no_client_certificate"), ("expired", lab.store, "expired"),
                                                     ("later", lab.store, "not_yet_valid"), ("web-only", lab.store, "wrong_purpose"),
                                                     ("device-001", foreign.path + "/ca", "unknown_authority")]
            for (offset, (name, store, reason)) in cases.enumerated() {
                let result = try attempt(name, in: store)
                #expect(result["error"] != nil && result["same"] == nil && result["response"] == nil, "\(reason): \(result)")
                #expect(lab.event(before + offset)?.reason == reason, "\(reason): \(String(describing: lab.event(before + offset)))")
            }
        }
    }

    @Test("client_chain: require refuses a leaf sent without its intermediate, as Mosquitto with cafile = root does")
    func strictChain() throws {
        try withLab(clientChain: "require") { lab, _ in
            let leafOnly = try Run.program("curl", ["-sS", "--max-time", "10", "--cacert", "ca/root.pem", "--cert", "\(Self.device)/cert.pem",
                                                    "--key", "\(Self.device)/key.pem", "https://localhost:\(lab.httpsPort)/whoami"],
                                           cwd: lab.scratch.path, timeout: 20)
            #expect(leafOnly.status != 0, "\(leafOnly)")
            #expect(lab.event(0)?.reason == "missing_intermediate", "\(String(describing: lab.event(0)))")
            let full = try Run.program("curl", ["-sS", "--max-time", "10", "--cacert", "ca/root.pem", "--cert", "\(Self.device)/fullchain.pem",
                                                "--key", "\(Self.device)/key.pem", "https://localhost:\(lab.httpsPort)/whoami"],
                                       cwd: lab.scratch.path, timeout: 20)
            #expect(full.status == 0, "\(full)")
            #expect(lab.event(1)?.reason == "ok")
        }
    }
}
