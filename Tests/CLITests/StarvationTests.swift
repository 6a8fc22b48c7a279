import Foundation
import PKILab
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// No single client can starve the lab: half-sent requests are closed after `endpoints.idle_timeout`, each cap
/// refuses with an event naming its lab.yaml key, and a good device keeps being served meanwhile, even with the
/// process's file-descriptor limit at 1024.
@Suite("pkilab up: caps and timeouts keep one client from starving the lab", .serialized, .timeLimit(.minutes(6)))
struct StarvationTests {
    static func lab(limits: String) -> String {
        """
        lab: starve-test
        authorities:
          root: { subject: { CN: Starve Test Root } }
          issuing: { parent: root, subject: { CN: Starve Test Issuing }, path_len: 0 }
        certificates:
          server: { role: server, names: [localhost, 127.0.0.1] }
          device-001: { role: client }
        endpoints:
          \(limits)
          mqtt: { behaviour: mosquitto }

        """
    }

    static let device = ["--cacert", "ca/root.pem", "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem"]

    /// One round of the good device: `curl /whoami` and `mosquitto_pub -q 1`; whether both worked, and what failed.
    static func goodDevice(_ lab: LabProcess) throws -> (ok: Bool, detail: String) {
        let curl = try Run.program("curl", ["-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}"] + device
                                   + ["https://localhost:\(lab.httpsPort)/whoami"], cwd: lab.scratch.path, timeout: 30)
        let publish = try Run.program("mosquitto_pub", ["-h", "localhost", "-p", String(lab.mqttPort), "--cafile", "ca/root.pem",
                                                         "--cert", "ca/certs/device-001/fullchain.pem", "--key", "ca/certs/device-001/key.pem",
                                                         "-i", "device-001", "-t", "devices/device-001/state", "-m", "up", "-q", "1"],
                                      cwd: lab.scratch.path, timeout: 30)
        return (curl.stdout == "200" && publish.status == 0, "curl: \(curl)\nmosquitto_pub: \(publish)")
    }

    @Test("1,100 half-sent requests to the CRL and HTTPS ports under ulimit -n 1024: the good device keeps 100 % success, the server closes them all, no crash",
          arguments: ["-S -n 1024", "-n 1024"])
    func halfOpenFlood(ulimit: String) throws {
        let scratch = try Scratch(lab: Self.lab(limits: "idle_timeout: 2"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch, ulimit: ulimit)
        defer { #expect(lab.stop() == 0, "pkilab up survives and stops cleanly:\n\(lab.output.string.suffix(3000))") }
        let limits = lab.output.string.split(separator: "\n").first { $0.hasPrefix("Limits: ") } ?? ""
        if ulimit.hasPrefix("-S") {
            #expect(limits.contains("open files raised from 1024 to"), "pkilab raises its soft limit to the hard one: \(limits)")
        } else {
            #expect(limits.contains("open files 1024 (the hard limit"), "\(limits)")
        }
        let crlPort = lab.ports["crl"] ?? 0
        let started = Date()
        let crlFlood = RawConnections(count: 1_100, port: crlPort, bytes: Array("GET /crl HTTP/1.1\r\nHost: lab\r\n".utf8))
        let httpsFlood = RawConnections(count: 1_100, port: lab.httpsPort, bytes: [0x16, 0x03, 0x01])
        #expect(crlFlood.descriptors.count == 1_100 && httpsFlood.descriptors.count == 1_100, "every flood connection was accepted by the kernel")
        var rounds = 0
        while Date().timeIntervalSince(started) < 12 {
            let round = try Self.goodDevice(lab)
            #expect(round.ok, "round \(rounds): the good device is served during the flood:\n\(round.detail)")
            rounds += 1
        }
        #expect(rounds >= 3)
        let crlClosed = crlFlood.waitUntilClosed(timeout: 20)
        let httpsClosed = httpsFlood.waitUntilClosed(timeout: 20)
        #expect(crlClosed == 1_100 && httpsClosed == 1_100, "the server closed the half-open connections: CRL \(crlClosed), HTTPS \(httpsClosed)")
        #expect(lab.process.isRunning, "no crash:\n\(lab.output.string.suffix(3000))")
        if !ulimit.hasPrefix("-S") {
            // At most 1024 - 74 connections in all, half of them from one address: the flood's address hits its cap.
            #expect(lab.waitForEvent { $0.reason == "address_connection_limit" && $0.hint?.contains("endpoints.max_connections_per_address") == true } != nil)
        }
        #expect(lab.waitForEvent { $0.reason == "handshake_timeout" && $0.endpoint == "https" } != nil)
        let after = try Self.goodDevice(lab)
        #expect(after.ok, "\(after.detail)")
    }

    @Test("an authenticated HTTPS connection that sends half a request is closed after idle_timeout")
    func authenticatedSlowRequest() throws {
        let scratch = try Scratch(lab: Self.lab(limits: "idle_timeout: 2"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0, "\(lab.output.string)") }
        let script = """
            import socket, ssl, sys, time, select
            context = ssl.create_default_context(cafile="ca/root.pem")
            context.load_cert_chain("ca/certs/device-001/fullchain.pem", "ca/certs/device-001/key.pem")
            context.set_alpn_protocols(["http/1.1"])
            tls = context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30), server_hostname="localhost")
            start = time.time()
            for byte in b"GET /whoami HTTP/1.1\\r\\nHost: localhost\\r\\nUser-Agent: slow":
                try:
                    tls.sendall(bytes([byte]))
                    ready, _, _ = select.select([tls], [], [], 0.5)
                    if ready and not tls.recv(100):
                        raise Exception("end of file")
                except Exception as error:
                    print("closed after %.1f s" % (time.time() - start))
                    sys.exit(0)
            print("still open after %.1f s" % (time.time() - start))
            """
        let result = try Run.program("python3", ["-c", script, String(lab.httpsPort)], cwd: scratch.path, timeout: 60)
        let seconds = result.stdout.split(separator: " ").dropFirst(2).first.flatMap { Double($0) } ?? 99
        #expect(result.stdout.hasPrefix("closed after") && seconds < 4, "\(result)")
    }

    @Test("each cap refuses with its reason and names its lab.yaml key")
    func caps() throws {
        // The whole lab: 8 connections.
        do {
            // Per address as many as in all, so the total is the cap that is hit.
            let scratch = try Scratch(lab: Self.lab(limits: "max_connections: 8\n  max_connections_per_address: 8"))
            defer { scratch.remove() }
            let lab = try LabProcess(scratch: scratch)
            defer { #expect(lab.stop() == 0, "\(lab.output.string)") }
            let flood = RawConnections(count: 12, port: lab.ports["crl"] ?? 0)
            let event = lab.waitForEvent { $0.reason == "connection_limit" }
            #expect(event?.outcome == .rejected && event?.explanation.contains("endpoints.max_connections") == true, "\(String(describing: event))")
            #expect(event?.hint?.contains("endpoints.max_connections") == true)
            flood.closeAll()
        }
        // One address: 3 connections; another address still gets in.
        do {
            let scratch = try Scratch(lab: Self.lab(limits: "max_connections_per_address: 3"))
            defer { scratch.remove() }
            let lab = try LabProcess(scratch: scratch)
            defer { #expect(lab.stop() == 0, "\(lab.output.string)") }
            let flood = RawConnections(count: 5, port: lab.ports["crl"] ?? 0)
            let event = lab.waitForEvent { $0.reason == "address_connection_limit" }
            #expect(event?.peer.hasPrefix("127.0.0.2:") == true && event?.hint?.contains("endpoints.max_connections_per_address") == true,
                    "\(String(describing: event))")
            #expect(flood.waitUntilClosed(timeout: 1) >= 2, "the connections past the cap are closed at once")
            let crl = try Run.program("curl", ["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(lab.ports["crl"] ?? 0)/crl"],
                                      cwd: scratch.path, timeout: 20)
            #expect(crl.stdout == "200", "another address is still served: \(crl)")
            flood.closeAll()
        }
        // One client certificate: 1 connection; a second with the same certificate is refused after its handshake.
        do {
            let scratch = try Scratch(lab: Self.lab(limits: "max_connections_per_client: 1"))
            defer { scratch.remove() }
            let lab = try LabProcess(scratch: scratch)
            defer { #expect(lab.stop() == 0, "\(lab.output.string)") }
            // One process holds an echo connection with device-001 and, meanwhile, asks HTTPS with the same certificate.
            let script = """
                import socket, ssl, sys
                def connect(port, alpn):
                    context = ssl.create_default_context(cafile="ca/root.pem")
                    context.load_cert_chain("ca/certs/device-001/fullchain.pem", "ca/certs/device-001/key.pem")
                    if alpn: context.set_alpn_protocols(alpn)
                    return context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname="localhost")
                held = connect(int(sys.argv[1]), None)
                held.sendall(b"ping"); print("first:", held.recv(4).decode())
                try:
                    second = connect(int(sys.argv[2]), ["http/1.1"])
                    second.sendall(b"GET /whoami HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
                    print("second:", second.recv(100).decode(errors="replace") or "closed")
                except Exception as error:
                    print("second: refused", repr(error))
                held.close()
                """
            let result = try Run.program("python3", ["-c", script, String(lab.echoPort), String(lab.httpsPort)], cwd: scratch.path, timeout: 40)
            #expect(result.stdout.contains("first: ping") && !result.stdout.contains("HTTP/1.1 200"), "\(result)")
            let event = lab.waitForEvent { $0.reason == "client_connection_limit" }
            #expect(event?.client?.commonName == "device-001" && event?.hint?.contains("endpoints.max_connections_per_client") == true,
                    "\(String(describing: event))")
        }
    }
}
