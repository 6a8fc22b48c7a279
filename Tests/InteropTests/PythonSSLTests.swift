import Foundation
import PKILabTestSupport
import Testing

/// A mutual-TLS handshake between Python's own client and server, both with VERIFY_X509_STRICT, using the
/// files pkilab wrote. Prints the peer subjects as JSON.
private let handshakeScript = #"""
import json, socket, ssl, sys, threading
store, host = sys.argv[1], sys.argv[2]
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(f"{store}/certs/server/fullchain.pem", f"{store}/certs/server/key.pem")
server.load_verify_locations(f"{store}/root.pem")
server.verify_mode = ssl.CERT_REQUIRED
server.verify_flags |= ssl.VERIFY_X509_STRICT
client = ssl.create_default_context(cafile=f"{store}/root.pem")
client.verify_flags |= ssl.VERIFY_X509_STRICT
client.load_cert_chain(f"{store}/certs/device-001/fullchain.pem", f"{store}/certs/device-001/key.pem")
listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(20)
port = listener.getsockname()[1]
seen = {}
def serve():
    try:
        conn, _ = listener.accept()
        with server.wrap_socket(conn, server_side=True) as tls:
            seen["client"] = dict(x[0] for x in tls.getpeercert()["subject"])["commonName"]
            tls.sendall(tls.recv(16))
    except Exception as error:
        seen["server_error"] = repr(error)
thread = threading.Thread(target=serve); thread.start()
try:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with client.wrap_socket(raw, server_hostname=host) as tls:
            seen["server"] = dict(x[0] for x in tls.getpeercert()["subject"])["commonName"]
            seen["version"] = tls.version()
            tls.sendall(b"ping")
            seen["echo"] = tls.recv(16).decode()
except Exception as error:
    seen["client_error"] = repr(error)
thread.join(20)
print(json.dumps(seen))
sys.exit(1 if "client_error" in seen or "server_error" in seen else 0)
"""#

@Suite("Python's ssl module, strict, completes mutual TLS with pkilab's files", .timeLimit(.minutes(3)))
struct PythonSSLTests {
    @Test("each key type, dialled by name and by IP", arguments: ["ec-p256", "ec-p384", "rsa-2048", "ed25519"])
    func handshake(key: String) throws {
        let scratch = try Scratch(lab: Scratch.lab(key: key))
        defer { scratch.remove() }
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 0, "\(issue)")
        for host in ["localhost", "127.0.0.1"] {
            let result = try Run.program("python3", ["-c", handshakeScript, scratch.path + "/ca", host], timeout: 60)
            #expect(result.status == 0, "\(host): \(result)")
            #expect(result.stdout.contains("\"client\": \"device-001\"") && result.stdout.contains("\"echo\": \"ping\""), "\(host): \(result)")
            #expect(!result.stdout.contains("server_error"), "\(result)")
        }
    }

    @Test("a client certificate from another lab is refused by the strict server")
    func foreignClient() throws {
        let ours = try Scratch(lab: Scratch.lab())
        let theirs = try Scratch(lab: Scratch.lab().replacingOccurrences(of: "CLI Test Root", with: "Other Root"))
        defer { ours.remove(); theirs.remove() }
        #expect(try Pkilab.run(["issue"], in: ours.path).status == 0)
        #expect(try Pkilab.run(["issue"], in: theirs.path).status == 0)
        try FileManager.default.removeItem(atPath: ours.path + "/ca/certs/device-001")
        try FileManager.default.copyItem(atPath: theirs.path + "/ca/certs/device-001", toPath: ours.path + "/ca/certs/device-001")
        let result = try Run.program("python3", ["-c", handshakeScript, ours.path + "/ca", "localhost"], timeout: 60)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("\"server_error\"") && result.stdout.contains("CERTIFICATE_VERIFY_FAILED"), "the server refused it: \(result)")
        #expect(!result.stdout.contains("\"echo\""), "no data crossed: \(result)")
    }
}
