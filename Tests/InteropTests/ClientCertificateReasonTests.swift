import Foundation
import PKILab
import PKILabTestSupport
import Testing

/// A TCP relay that plays a client holding a certificate that is not its own: it passes a TLS 1.2 handshake
/// through, but replaces the certificate list in the client's Certificate message with the chain in
/// `argv[2]` (PEM). The real client (openssl s_client) then signs the handshake with its own key, which does not
/// belong to the certificate the server received — what a device presenting another device's certificate does.
/// Prints `listening PORT`, serves one connection to 127.0.0.1:`argv[1]`.
private let certificateSwapper = #"""
import socket, ssl, sys, threading
target, chain_file = int(sys.argv[1]), sys.argv[2]
pems = open(chain_file).read().split("-----END CERTIFICATE-----")
chain = [ssl.PEM_cert_to_DER_cert(p[p.index("-----BEGIN CERTIFICATE-----"):] + "-----END CERTIFICATE-----\n") for p in pems if "BEGIN CERTIFICATE" in p]
def u24(n): return n.to_bytes(3, "big")
body = b"".join(u24(len(c)) + c for c in chain)
replacement = bytes([11]) + u24(len(body) + 3) + u24(len(body)) + body
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
print("listening", listener.getsockname()[1], flush=True)
client, _ = listener.accept()
server = socket.create_connection(("127.0.0.1", target))
def pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data: break
            sink.sendall(data)
    except OSError: pass
    for s in (sink, source):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
threading.Thread(target=pipe, args=(server, client), daemon=True).start()
buffer, swapped = b"", False
while True:
    data = client.recv(65536)
    if not data: break
    if swapped:
        server.sendall(data); continue
    buffer += data
    out = b""
    while len(buffer) >= 5 and not swapped:
        length = int.from_bytes(buffer[3:5], "big")
        if len(buffer) < 5 + length: break
        kind, version, payload, buffer = buffer[0], buffer[1:3], buffer[5:5 + length], buffer[5 + length:]
        if kind == 22 and payload[0] == 11:
            size = int.from_bytes(payload[1:4], "big")
            payload = replacement + payload[4 + size:]
            swapped = True
        out += bytes([kind]) + version + len(payload).to_bytes(2, "big") + payload
    if swapped:
        out += buffer; buffer = b""
    server.sendall(out)
server.close()
"""#

@Suite("A client certificate refused for what it is: an unknown critical extension, a certificate without its key",
       .serialized, .timeLimit(.minutes(3)))
struct ClientCertificateReasonTests {
    @Test("A client certificate with an unknown critical extension (made by openssl under the lab's issuing authority) is refused as unknown_critical_extension, by openssl s_client and Python's ssl, on the echo and HTTPS; pkilab verify says so too")
    func unknownCriticalExtension() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        try scratch.write("critical.cnf", """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = clientAuth
            subjectAltName = DNS:critical-client
            1.3.6.1.4.1.55555.1.1 = critical, ASN1:UTF8String:must understand

            """)
        let made = try Run.program("sh", ["-c", """
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout critical.key -subj /CN=critical-client -out critical.csr && \
            openssl x509 -req -in critical.csr -CA ca/authorities/issuing/cert.pem -CAkey ca/authorities/issuing/key.pem -set_serial 4242 \
              -days 30 -extfile critical.cnf -out critical.pem && cat critical.pem ca/certs/device-001/chain.pem > critical-full.pem
            """], cwd: scratch.path)
        #expect(made.status == 0, "\(made)")
        let check = try Run.program("openssl", ["verify", "-CAfile", "ca/root.pem", "-untrusted", "ca/certs/device-001/chain.pem", "critical.pem"], cwd: scratch.path)
        #expect(check.status != 0 && (check.stdout + check.stderr).contains("unhandled critical extension"), "OpenSSL refuses it too: \(check)")

        let python = try lab.python(["port": lab.echoPort, "ca": "ca/root.pem", "cert": "critical-full.pem", "key": "critical.key"])
        #expect(python["same"] == nil, "\(python)")
        let event = lab.waitForEvent { $0.endpoint == "echo" && $0.client?.commonName == "critical-client" }
        #expect(event?.reason == "unknown_critical_extension" && event?.explanation.contains("1.3.6.1.4.1.55555.1.1") == true, "\(String(describing: event))")
        #expect(event?.hint?.isEmpty == false)

        let openssl = try Run.program("sh", ["-c", "(printf 'GET /whoami HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:\(lab.httpsPort) -servername localhost -CAfile ca/root.pem -cert critical-full.pem -key critical.key -quiet"],
                                         cwd: scratch.path, timeout: 30)
        #expect(!openssl.stdout.contains("HTTP/1.1 200"), "\(openssl)")
        #expect(lab.waitForEvent { $0.endpoint == "https" && $0.reason == "unknown_critical_extension" } != nil, "\(lab.events)")

        let verify = try Pkilab.run(["verify", "critical.pem"], in: scratch.path)
        #expect(verify.status != 0 && verify.stdout.contains("critical extension"), "\(verify)")
    }

    @Test("A client that presents another device's certificate (a relay swaps it into a TLS 1.2 handshake of openssl s_client) is refused as key_mismatch, not handshake_failed")
    func certificateWithoutItsKey() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "  device-002: { issuer: issuing, role: client }"))
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        defer { lab.stop() }
        let relay = try Background("python3", ["-c", certificateSwapper, "\(lab.echoPort)", "ca/certs/device-001/fullchain.pem"], cwd: scratch.path)
        defer { relay.stop() }
        #expect(relay.waitForLine { $0.hasPrefix("listening ") }, "\(relay.output.string)")
        let port = relay.lines.first { $0.hasPrefix("listening ") }.map { String($0.dropFirst(10)) } ?? "0"
        let result = try Run.program("sh", ["-c", "(printf 'hello\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:\(port) -servername localhost -CAfile ca/root.pem -tls1_2 -cert ca/certs/device-002/cert.pem -cert_chain ca/certs/device-002/chain.pem -key ca/certs/device-002/key.pem"],
                                        cwd: scratch.path, timeout: 30)
        #expect(result.stderr.contains("alert decrypt error") || result.stderr.contains("alert"), "\(result)")
        let event = lab.waitForEvent { $0.endpoint == "echo" && $0.outcome == .rejected }
        #expect(event?.reason == "key_mismatch" && event?.client?.commonName == "device-001", "\(String(describing: event))")
        #expect(event?.explanation.contains("do not belong together") == true, "\(String(describing: event))")
        // Through the same relay, given the very chain the client sends (so the swap changes no byte), the same
        // client is let in: the refusal comes from the certificate not matching the key, not from the relay.
        let honest = try Background("python3", ["-c", certificateSwapper, "\(lab.echoPort)", "ca/certs/device-002/fullchain.pem"], cwd: scratch.path)
        defer { honest.stop() }
        #expect(honest.waitForLine { $0.hasPrefix("listening ") }, "\(honest.output.string)")
        let honestPort = honest.lines.first { $0.hasPrefix("listening ") }.map { String($0.dropFirst(10)) } ?? "0"
        let own = try Run.program("sh", ["-c", "(printf 'hello\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:\(honestPort) -servername localhost -CAfile ca/root.pem -tls1_2 -cert ca/certs/device-002/cert.pem -cert_chain ca/certs/device-002/chain.pem -key ca/certs/device-002/key.pem"],
                                     cwd: scratch.path, timeout: 30)
        #expect(own.stdout.contains("hello"), "\(own)")
        #expect(lab.waitForEvent { $0.endpoint == "echo" && $0.reason == "ok" && $0.client?.commonName == "device-002" } != nil, "\(lab.events)")
    }
}
