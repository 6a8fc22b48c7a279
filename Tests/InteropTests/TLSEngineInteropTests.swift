import Foundation
import PKILabTestSupport
import Testing

/// The OpenSSL engine (`--tls-engine openssl`) against peers nobody here wrote: every certificate refusal sends the alert
/// Mosquitto (OpenSSL) sends for the same certificate, where BoringSSL sends certificate_unknown; RFC 6066
/// max_fragment_length is honoured, so BearSSL with 512-byte buffers (the ESP8266's setBufferSizes(512, 512)) completes
/// echo, MQTT and HTTPS exchanges larger than 512 bytes, which it cannot on BoringSSL.
@Suite("The OpenSSL TLS engine: Mosquitto's alerts, max_fragment_length for BearSSL, mbedTLS and openssl s_client", .serialized,
       .timeLimit(.minutes(5)))
struct TLSEngineInteropTests {
    /// The zoo's bad clients and the alert OpenSSL's own verification gives each (ssl_x509err2alert).
    static let alerts: [(client: String, alert: Int)] = [
        ("expired", 45), ("not-yet-valid", 42), ("foreign-ca", 48), ("self-signed", 48), ("server-only-eku", 43), ("revoked", 44), ("weak-key", 42),
    ]

    static func scratch() throws -> Scratch {
        let scratch = try Scratch(lab: embeddedLab(key: "ec-p256", https: true))
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        #expect(try Pkilab.run(["zoo"], in: scratch.path).status == 0)
        return scratch
    }

    /// The alert number `openssl s_client` reports for a handshake presenting `client` (nil: no certificate).
    static func alert(port: Int, client: String?, tls: String, in scratch: Scratch) throws -> Int? {
        // The client sends its intermediate (-cert_chain), as Mosquitto (cafile = the root) needs; a self-signed one has none.
        let identity = client.map { name -> [String] in
            let folder = "ca/zoo/clients/\(name)"
            let chain = (try? String(contentsOfFile: "\(scratch.path)/\(folder)/chain.pem", encoding: .utf8)) ?? ""
            return ["-cert", "\(folder)/cert.pem", "-key", "\(folder)/key.pem"] + (chain.contains("BEGIN") ? ["-cert_chain", "\(folder)/chain.pem"] : [])
        } ?? []
        let run = try Run.program("bash", ["-c", "echo | openssl s_client -connect 127.0.0.1:\(port) \(tls) -CAfile ca/root.pem -auth_level 0 "
                                                 + "-cipher DEFAULT@SECLEVEL=0 -ign_eof " + identity.joined(separator: " ") + " 2>&1"],
                                  cwd: scratch.path, timeout: 20)
        return run.stdout.firstMatch(of: /SSL alert number (\d+)/).flatMap { Int($0.1) }
    }

    @Test("each refused client certificate gets the alert Mosquitto sends (45 expired, 42 not yet valid, 48 unknown CA, 43 wrong purpose, 44 revoked, 42 weak key; 116/40 for none), TLS 1.3 and 1.2; BoringSSL sends 46 for all")
    func alertsAsMosquitto() throws {
        let scratch = try Self.scratch()
        defer { scratch.remove() }
        let mosquittoPort = try freePort()
        let crl = (try String(contentsOfFile: scratch.path + "/ca/crl/all.pem", encoding: .utf8))
        try scratch.write("crl.pem", crl)
        try scratch.write("mosquitto.conf", mosquittoConfiguration(port: mosquittoPort, store: scratch.path + "/ca", crl: scratch.path + "/crl.pem"))
        let executable = Run.available("mosquitto") ? "mosquitto" : "/usr/sbin/mosquitto"
        let broker = try Background("/usr/bin/env", [executable, "-c", scratch.path + "/mosquitto.conf"], cwd: scratch.path)
        defer { _ = broker.stop() }
        let openssl = try LabProcess(scratch: scratch, arguments: ["--tls-engine", "openssl"])
        defer { openssl.stop() }
        #expect(broker.waitForLine { $0.contains("running") }, "Mosquitto started")
        for tls in ["-tls1_3", "-tls1_2"] {
            for (client, expected) in Self.alerts {
                let fromMosquitto = try Self.alert(port: mosquittoPort, client: client, tls: tls, in: scratch)
                let fromLab = try Self.alert(port: openssl.echoPort, client: client, tls: tls, in: scratch)
                #expect(fromMosquitto == expected, "Mosquitto, zoo/\(client) \(tls): alert \(String(describing: fromMosquitto))")
                #expect(fromLab == fromMosquitto, "pkilab (OpenSSL engine), zoo/\(client) \(tls): alert \(String(describing: fromLab)), Mosquitto \(String(describing: fromMosquitto))")
            }
            let none = try Self.alert(port: openssl.echoPort, client: nil, tls: tls, in: scratch)
            let mosquittoNone = try Self.alert(port: mosquittoPort, client: nil, tls: tls, in: scratch)
            #expect(none == (tls == "-tls1_3" ? 116 : 40) && none == mosquittoNone, "no certificate \(tls): \(String(describing: none))")
        }
        // The lab still says why, in words, and names the alert it sent.
        let expired = openssl.waitForEvent { $0.endpoint == "echo" && $0.reason == "expired" }
        #expect(expired?.detail?.contains("sent alert 45 certificate_expired") == true, "\(String(describing: expired))")
        openssl.stop()

        // BoringSSL, the default engine, sends certificate_unknown whatever the reason (the reason is in the event).
        let boring = try LabProcess(scratch: scratch, arguments: ["--tls-engine", "boringssl"])
        defer { boring.stop() }
        for (client, _) in Self.alerts {
            #expect(try Self.alert(port: boring.echoPort, client: client, tls: "-tls1_3", in: scratch) == 46, "BoringSSL, zoo/\(client)")
        }
    }

    /// The largest TLS record the server sent to a client of `command` (run with `{port}` replaced by a relay's port):
    /// the relay writes it to a file whenever it grows, so it is known as soon as the client has ended.
    static func largestServerRecord(target: Int, in scratch: Scratch, _ command: String) throws -> (largest: Int, run: RunResult) {
        let relay = """
            import socket, sys, threading
            target, out = int(sys.argv[1]), sys.argv[2]
            listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
            print(listener.getsockname()[1], flush=True)
            client, _ = listener.accept(); server = socket.create_connection(("127.0.0.1", target))
            largest = [0]
            def up():
                while True:
                    data = client.recv(65536)
                    if not data: break
                    server.sendall(data)
                server.shutdown(socket.SHUT_WR)
            threading.Thread(target=up, daemon=True).start()
            pending = b""
            while True:
                data = server.recv(65536)
                if not data: break
                pending += data
                while len(pending) >= 5 and len(pending) >= 5 + int.from_bytes(pending[3:5], "big"):
                    length = int.from_bytes(pending[3:5], "big")
                    if length > largest[0]:
                        largest[0] = length
                        with open(out, "w") as f:
                            f.write(str(length))
                    pending = pending[5 + length:]
                client.sendall(data)
            client.close()
            """
        try scratch.write("relay.py", relay)
        let out = scratch.path + "/largest-record"
        try? FileManager.default.removeItem(atPath: out)
        let background = try Background("/usr/bin/env", ["python3", scratch.path + "/relay.py", "\(target)", out], cwd: scratch.path)
        defer { _ = background.stop() }
        var port = 0
        _ = background.waitForLine { line in
            port = Int(line.trimmingCharacters(in: .whitespaces)) ?? 0
            return port > 0
        }
        let run = try Run.program("bash", ["-c", command.replacingOccurrences(of: "{port}", with: "\(port)")], cwd: scratch.path, timeout: 30)
        // Every record the client read went through the relay before the client ended; the file holds the largest.
        let largest = (try? String(contentsOfFile: out, encoding: .utf8)).flatMap { Int($0) } ?? -1
        return (largest, run)
    }

    @Test("openssl s_client -maxfraglen 512: the OpenSSL engine agrees and sends no record over 512 bytes of plaintext while 6,000 bytes are echoed; BoringSSL ignores it (records of 6,000)",
          arguments: ["-tls1_3", "-tls1_2"])
    func sClientMaxFragmentLength(tls: String) throws {
        let scratch = try Self.scratch()
        defer { scratch.remove() }
        try scratch.write("payload.txt", String(repeating: "0123456789", count: 600) + "\n")
        let command = "(cat payload.txt; sleep 1) | openssl s_client -connect 127.0.0.1:{port} \(tls) -maxfraglen 512 -tlsextdebug -CAfile ca/root.pem "
            + "-cert ca/certs/device-001/cert.pem -cert_chain ca/certs/device-001/chain.pem -key ca/certs/device-001/key.pem -no_ign_eof 2>&1"
        // A record's length field counts the plaintext plus the AEAD's tag (16), the content type (TLS 1.3, 1) or the explicit nonce (TLS 1.2 GCM, 8).
        let limit = 512 + 16 + 8
        do {
            let lab = try LabProcess(scratch: scratch, arguments: ["--tls-engine", "openssl"])
            defer { lab.stop() }
            let (largest, run) = try Self.largestServerRecord(target: lab.echoPort, in: scratch, command)
            #expect(run.stdout.contains(String(repeating: "0123456789", count: 600)), "the 6,000 bytes came back: \(run.stdout.suffix(300))")
            #expect(run.stdout.contains("TLS server extension \"max fragment length\""), "the server answered the extension: \(run.stdout.prefix(600))")
            #expect(largest > 0 && largest <= limit, "largest record from the OpenSSL engine: \(largest) bytes")
            let event = lab.waitForEvent { $0.endpoint == "echo" && $0.reason == "ok" }
            #expect(event?.notes.contains { $0.contains("at most 512 bytes") && $0.contains("honours it") } == true, "\(String(describing: event?.notes))")
        }
        let lab = try LabProcess(scratch: scratch, arguments: ["--tls-engine", "boringssl"])
        defer { lab.stop() }
        let (largest, run) = try Self.largestServerRecord(target: lab.echoPort, in: scratch, command)
        #expect(!run.stdout.contains("TLS server extension \"max fragment length\""))
        #expect(largest > limit, "BoringSSL sends records as large as the data: \(largest)")
    }

    @Test("BearSSL with 512-byte buffers (ESP8266 setBufferSizes(512, 512)): echo of 4,000 bytes, an MQTT message of 2,000 bytes delivered back, and the HTTPS page all complete on the OpenSSL engine; on BoringSSL the first large record fails with BR_ERR_TOO_LARGE. mbedTLS asking for 2048 gets records of at most 2048 only from OpenSSL; asking for 512 it fails (-0x7080) on OpenSSL as on Mosquitto")
    func smallBuffers() throws {
        let scratch = try Self.scratch()
        defer { scratch.remove() }
        #expect(try Pkilab.run(["export", "device-001", "--format", "der"], in: scratch.path).status == 0)
        let build = try Run.program("sh", [Pkilab.repository + "/Tests/EmbeddedClients/build.sh", "bin"], cwd: scratch.path, timeout: 180)
        try #require(build.status == 0, "the clients need libmbedtls-dev and libbearssl-dev (scripts/test installs them): \(build)")
        let der = "ca/exports/device-001/der"
        let bearssl = ["--ca", "\(der)/ca.der", "--cert", "\(der)/cert.der", "--chain", "\(der)/chain.der", "--key", "\(der)/private.der", "--buffers", "512"]
        let mbedtls = ["--ca", "ca/root.pem", "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem"]
        let mbedtlsCommand = "bin/mbedtls_client --host localhost --port {port} --mode echo --payload 6000 --max-frag 2048 " + mbedtls.joined(separator: " ")
        func client(_ lab: LabProcess, _ binary: String, _ mode: String, _ extra: [String]) throws -> RunResult {
            let port = mode == "echo" ? lab.echoPort : mode == "mqtt" ? lab.mqttPort : lab.httpsPort
            let mqtt = mode == "mqtt" ? ["--client-id", "device-001", "--topic", "devices/device-001/big"] : []
            return try Run.program("\(scratch.path)/bin/\(binary)", ["--host", "localhost", "--port", "\(port)", "--mode", mode] + mqtt + extra,
                                   cwd: scratch.path, timeout: 30)
        }
        do {
            let lab = try LabProcess(scratch: scratch, arguments: ["--tls-engine", "openssl"])
            defer { lab.stop() }
            let echo = try client(lab, "bearssl_client", "echo", bearssl + ["--payload", "4000"])
            #expect(echo.status == 0 && echo.stdout.contains("ok bearssl echo"), "\(echo)")
            let mqtt = try client(lab, "bearssl_client", "mqtt", bearssl + ["--payload", "2000"])
            #expect(mqtt.status == 0 && mqtt.stdout.contains("ok bearssl mqtt"), "\(mqtt)")
            let https = try client(lab, "bearssl_client", "https", bearssl)
            let body = https.stdout.firstMatch(of: /body=(\d+)/).flatMap { Int($0.1) } ?? 0
            #expect(https.status == 0 && body > 2_000, "the HTTPS page through 512-byte buffers: \(https)")
            let notes = lab.events.flatMap(\.notes)
            #expect(notes.filter { $0.contains("at most 512 bytes") && $0.contains("honours it") }.count >= 3, "\(lab.events)")
            let (largest, mbed) = try Self.largestServerRecord(target: lab.echoPort, in: scratch, mbedtlsCommand)
            #expect(mbed.status == 0 && mbed.stdout.contains("ok mbedtls echo") && largest > 0 && largest <= 2048 + 16 + 8,
                    "mbedTLS asked for 2048: largest record \(largest): \(mbed)")
            // mbedTLS 2.28 cannot put together a handshake message split across records (ESP-IDF before 5.x): asking for 512
            // splits the server's Certificate message. Mosquitto does the same (OpenSSL); BoringSSL ignores the request.
            let small = try client(lab, "mbedtls_client", "echo", mbedtls + ["--max-frag", "512"])
            #expect(small.status != 0 && small.stdout.contains("-0x7080"), "\(small)")
        }
        let lab = try LabProcess(scratch: scratch, arguments: ["--tls-engine", "boringssl"])
        defer { lab.stop() }
        let echo = try client(lab, "bearssl_client", "echo", bearssl + ["--payload", "4000"])
        #expect(echo.status != 0 && echo.stdout.contains("BR_ERR_TOO_LARGE"), "BoringSSL's 4,000-byte record overflows BearSSL's buffer: \(echo)")
        let (largest, mbed) = try Self.largestServerRecord(target: lab.echoPort, in: scratch, mbedtlsCommand)
        #expect(mbed.status == 0 && largest > 2048 + 16 + 8, "BoringSSL ignores max_fragment_length: largest record \(largest): \(mbed)")
    }
}
