import Foundation
import PKILab
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `/files/` serves only what lies inside the files folder and never a private key; the store cannot be served.
@Suite("pkilab up: /files/ is confined to its folder and never serves a key", .serialized, .timeLimit(.minutes(5)))
struct FilesConfinementTests {
    static let lab = """
        lab: files-test
        authorities:
          root: { subject: { CN: Files Test Root } }
          issuing: { parent: root, subject: { CN: Files Test Issuing }, path_len: 0 }
        certificates:
          server: { role: server, names: [localhost, 127.0.0.1] }
          device-001: { role: client }
        endpoints:
          https: { files: firmware }

        """

    /// curl with the device's certificate: `status body` of a GET of `path`.
    static func get(_ lab: LabProcess, _ path: String) throws -> (status: String, body: String) {
        let result = try Run.program("curl", ["-sS", "--max-time", "20", "--cacert", "ca/root.pem", "--cert", "ca/certs/device-001/fullchain.pem",
                                               "--key", "ca/certs/device-001/key.pem", "--path-as-is", "-w", "\n%{http_code}",
                                               "https://localhost:\(lab.httpsPort)\(path)"], cwd: lab.scratch.path, timeout: 30)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    @Test("links out of the folder, keys (PEM, DER PKCS#8, SEC1, PKCS#1) and NUL bytes are refused; files, links inside and certificates are served")
    func confined() throws {
        let scratch = try Scratch(lab: Self.lab)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let folder = scratch.path + "/firmware"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("firmware image".utf8).write(to: URL(fileURLWithPath: folder + "/fw.bin"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/latest.bin", withDestinationPath: "fw.bin")
        try FileManager.default.createSymbolicLink(atPath: folder + "/rootkey.pem", withDestinationPath: "../ca/authorities/root/key.pem")
        try FileManager.default.createSymbolicLink(atPath: folder + "/store", withDestinationPath: "../ca")
        try FileManager.default.createSymbolicLink(atPath: folder + "/passwd", withDestinationPath: "/etc/passwd")
        try FileManager.default.copyItem(atPath: scratch.path + "/ca/certs/device-001/key.pem", toPath: folder + "/device.pem")
        try FileManager.default.copyItem(atPath: scratch.path + "/ca/certs/device-001/cert.pem", toPath: folder + "/device-cert.pem")
        let key = "../ca/certs/device-001/key.pem"
        for (arguments, output) in [(["pkey", "-in", key, "-outform", "DER"], "key.pk8"),
                                    (["ec", "-in", key, "-outform", "DER"], "key.sec1"),
                                    (["x509", "-in", "../ca/certs/device-001/cert.pem", "-outform", "DER"], "cert.der")] {
            let run = try Run.program("openssl", arguments + ["-out", output], cwd: folder)
            #expect(run.status == 0, "\(run)")
        }
        let rsa = try Run.program("sh", ["-c", "openssl genrsa -traditional 2048 2>/dev/null | openssl rsa -traditional -outform DER -out key.rsa"], cwd: folder)
        #expect(rsa.status == 0, "\(rsa)")
        // A key in the middle of a larger file is still a key.
        try Data(("x".utf8.map { $0 } + Array(repeating: 0x41, count: 300_000)) + (try Data(contentsOf: URL(fileURLWithPath: folder + "/device.pem"))))
            .write(to: URL(fileURLWithPath: folder + "/bundle.bin"))

        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0, "\(lab.output.string)") }

        for path in ["/files/fw.bin", "/files/latest.bin", "/files/device-cert.pem", "/files/cert.der"] {
            let answer = try Self.get(lab, path)
            #expect(answer.status == "200", "\(path) is served: \(answer)")
        }
        #expect(try Self.get(lab, "/files/latest.bin").body == "firmware image")

        for path in ["/files/rootkey.pem", "/files/store/authorities/root/key.pem", "/files/store/root.pem", "/files/passwd"] {
            let answer = try Self.get(lab, path)
            #expect(answer.status == "403" && !answer.body.contains("PRIVATE KEY") && !answer.body.contains("root:"), "\(path): \(answer)")
        }
        for path in ["/files/device.pem", "/files/key.pk8", "/files/key.sec1", "/files/key.rsa", "/files/bundle.bin"] {
            let answer = try Self.get(lab, path)
            #expect(answer.status == "403" && answer.body.contains("private key"), "\(path): \(answer)")
        }
        for path in ["/files/fw.bin%00.txt", "/files/fw.bin%00", "/whoami%00"] {
            let answer = try Self.get(lab, path)
            #expect(answer.status == "400", "\(path): \(answer)")
        }
        let outside = lab.waitForEvent { $0.reason == "file_outside_folder" && $0.explanation.contains("/files/rootkey.pem") }
        #expect(outside?.outcome == .rejected && outside?.client?.commonName == "device-001", "\(String(describing: outside))")
        let keyEvent = lab.waitForEvent { $0.reason == "private_key_refused" && $0.explanation.contains("/files/key.rsa") }
        #expect(keyEvent?.hint?.isEmpty == false, "\(String(describing: keyEvent))")
    }

    @Test("a raw NUL byte in the request line gets 400 (nginx does the same)")
    func rawNUL() throws {
        let scratch = try Scratch(lab: Self.lab)
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/firmware", withIntermediateDirectories: true)
        try Data("firmware image".utf8).write(to: URL(fileURLWithPath: scratch.path + "/firmware/fw.bin"))
        let lab = try LabProcess(scratch: scratch)
        defer { #expect(lab.stop() == 0, "\(lab.output.string)") }
        let script = """
            import socket, ssl, sys
            context = ssl.create_default_context(cafile="ca/root.pem")
            context.load_cert_chain("ca/certs/device-001/fullchain.pem", "ca/certs/device-001/key.pem")
            tls = context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20), server_hostname="localhost")
            tls.sendall(b"GET /files/fw.bin\\x00.txt HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
            data = b""
            try:
                while True:
                    chunk = tls.recv(65536)
                    if not chunk: break
                    data += chunk
            except Exception as error:
                pass
            print(data.decode(errors="replace").split("\\r\\n")[0])
            """
        let result = try Run.program("python3", ["-c", script, String(lab.httpsPort)], cwd: scratch.path, timeout: 30)
        #expect(result.stdout.hasPrefix("HTTP/1.1 400"), "\(result)")
        #expect(!result.stdout.contains("firmware image"))
    }

    @Test("files: that holds the store, or lies in it, stops pkilab up with 65 at the line of files:", arguments: [".", "ca", "ca/certs", "./"])
    func storeOverlap(files: String) throws {
        let scratch = try Scratch(lab: Self.lab.replacingOccurrences(of: "files: firmware", with: "files: \"\(files)\""))
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let result = try Pkilab.run(["up", "--https-port", "0", "--echo-port", "0", "--mqtt-port", "0", "--port", "crl=0", "--port", "sntp=0"],
                                    in: scratch.path, timeout: 60)
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains("lab.yaml:9:19: endpoints.https.files:"), "\(result)")
        #expect(result.stderr.contains("point files: at a folder of its own"), "\(result)")
        let ready = scratch.read("ca/endpoints.json") ?? ""
        #expect(ready.contains("\"code\":\"invalid_lab\"") && !ready.contains("\"endpoints\""), "the ready file says why, never ready: \(ready)")
    }
}
