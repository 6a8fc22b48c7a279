import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// The words of issue 12 against real clients: a curve in common or not, a client that asks for small records,
/// and a connection opened, read and left unused as Chromium leaves its spare ones.
@Suite("Handshake words, as real clients see them", .serialized)
struct HandshakeWordsInteropTests {
    static let device = "ca/certs/device-001"

    private func withLab(_ body: (LabProcess, Scratch) throws -> Void) throws {
        let scratch = try Scratch(lab: endpointLab())
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0) }
        try body(lab, scratch)
    }

    private func sClient(_ lab: LabProcess, _ scratch: Scratch, _ extra: [String]) throws -> RunResult {
        let command = ["openssl", "s_client", "-connect", "127.0.0.1:\(lab.echoPort)", "-CAfile", "ca/root.pem",
                       "-cert", "\(Self.device)/fullchain.pem", "-key", "\(Self.device)/key.pem"] + extra
        return try Run.program("sh", ["-c", "sleep 1 | " + command.joined(separator: " ")], cwd: scratch.path, timeout: 30)
    }

    @Test("openssl s_client -groups X448 (no curve BoringSSL speaks) is no_shared_cipher, naming the group, in TLS 1.3 and 1.2; the OpenSSL engine speaks X448 in TLS 1.3, as Mosquitto does")
    func noSharedGroup() throws {
        try withLab { lab, scratch in
            for version in ["-tls1_3", "-tls1_2"] {
                let count = lab.events.count
                _ = try sClient(lab, scratch, [version, "-groups", "X448"])
                var event: ConnectionEvent?
                for _ in 0..<100 where event == nil {
                    if lab.events.count > count { event = lab.events[count] } else { usleep(100_000) }
                }
                if EngineUnderTest.isOpenSSL && version == "-tls1_3" {
                    // OpenSSL speaks X448 in TLS 1.3 (not for the ECDHE of TLS 1.2), as Mosquitto does.
                    #expect(event?.reason == "ok", "\(version): \(String(describing: event))")
                    continue
                }
                #expect(event?.reason == "no_shared_cipher" && event?.explanation.contains("key-exchange group") == true,
                        "\(version): \(String(describing: event))")
                #expect(event?.hint?.contains("X25519") == true, "\(version): \(String(describing: event?.hint))")
            }
        }
    }

    @Test("a client asking for 1 KB records (max_fragment_length, as BearSSL with small buffers does) is told that BoringSSL does not honour it (the OpenSSL engine does, and says so)")
    func maxFragmentLength() throws {
        try withLab { lab, scratch in
            let run = try sClient(lab, scratch, ["-tls1_2", "-maxfraglen", "1024"])
            #expect(run.stdout.contains("Verify return code: 0"), "\(run)")
            let event = lab.waitForEvent { $0.endpoint == "echo" }
            #expect(event?.reason == "ok", "\(String(describing: event))")
            let said = EngineUnderTest.isOpenSSL ? "(tls_engine: openssl) honours it" : "does not honour it"
            #expect(event?.notes.contains { $0.contains("at most 1024 bytes") && $0.contains(said) && (EngineUnderTest.isOpenSSL || $0.contains("setBufferSizes")) } == true,
                    "\(String(describing: event?.notes))")
        }
    }

    @Test("Python's ssl sends a ClientHello, reads the server's answer and hangs up: closed_unused, outcome closed, not a red refusal")
    func closedUnused() throws {
        try withLab { lab, scratch in
            let script = """
                import socket, ssl
                ctx = ssl.create_default_context(cafile='ca/root.pem')
                incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
                tls = ctx.wrap_bio(incoming, outgoing, server_hostname='localhost')
                try:
                    tls.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                s = socket.create_connection(('127.0.0.1', \(lab.echoPort)))
                s.sendall(outgoing.read())
                print(len(s.recv(65536)))
                s.close()
                """
            let run = try Run.program("python3", ["-c", script], cwd: scratch.path, timeout: 20)
            #expect(run.status == 0 && (Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(run)")
            let event = lab.waitForEvent { $0.endpoint == "echo" }
            #expect(event?.reason == "closed_unused" && event?.outcome == .closed, "\(String(describing: event))")
            #expect(event?.tlsVersion == "1.3", "\(String(describing: event))")
            let console = try Pkilab.run(["events"], in: scratch.path)
            #expect(console.stdout.contains("· closed [closed_unused]") && !console.stdout.contains("✗"), "\(console)")
        }
    }
}
