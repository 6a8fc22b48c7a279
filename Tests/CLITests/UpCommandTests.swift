import Foundation
import PKILab
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `pkilab up` as a command: what it prints with --json, how it cuts off a client that never finishes the handshake,
/// what it leaves behind when it stops, and its exit code when a port is taken.
@Suite("pkilab up: its output, its shutdown and a port in use", .serialized, .timeLimit(.minutes(3)))
struct UpCommandTests {
    @Test("pkilab up --json prints the resolved endpoints on one line, then events as JSON lines")
    func jsonOutput() throws {
        let scratch = try Scratch(lab: endpointLab())
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Pkilab.binary)
        process.arguments = ["up", "--json", "--echo-port", "0", "--https-port", "0", "--port", "crl=0", "--port", "sntp=0"]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = DataBox()
        try process.run()
        _ = PipeReader(pipe, into: output)
        defer { kill(process.processIdentifier, SIGTERM); process.waitUntilExit() }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !output.string.contains("\n") { usleep(20_000) }
        let first = output.string.split(separator: "\n").first.map(String.init) ?? ""
        let ready = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        let endpoints = ready?["endpoints"] as? [[String: Any]] ?? []
        #expect(endpoints.map { $0["kind"] as? String } == ["echo", "mqtt", "https", "crl", "sntp"], "\(first)")
        let port = endpoints.first?["port"] as? Int ?? 0
        _ = try Run.program("sh", ["-c", "sleep 1 | openssl s_client -connect 127.0.0.1:\(port) -CAfile ca/root.pem"], cwd: scratch.path, timeout: 30)
        while Date() < deadline && output.string.split(separator: "\n").count < 2 { usleep(20_000) }
        let event = output.string.split(separator: "\n").dropFirst().first.flatMap { ConnectionEvent.decode(jsonLine: String($0)) }
        #expect(event?.reason == "no_client_certificate", "\(output.string)")
    }

    @Test("a client that never finishes the handshake is cut off with handshake_timeout; shutdown leaves no listener")
    func timeoutAndShutdown() throws {
        let scratch = try Scratch(lab: endpointLab())
        defer { scratch.remove() }
        let lab = try LabProcess(scratch: scratch)
        let socket = try Run.program("python3", ["-c", "import socket,time; s=socket.create_connection(('127.0.0.1', \(lab.echoPort))); s.send(b'\\x16\\x03\\x01'); time.sleep(5)"], timeout: 20)
        #expect(socket.status == 0)
        #expect(lab.event(0)?.reason == "handshake_timeout", "\(String(describing: lab.event(0)))")
        #expect(FileManager.default.fileExists(atPath: lab.store + "/endpoints.json"))
        let ready = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lab.store + "/endpoints.json"))) as? [String: Any]
        #expect((ready?["endpoints"] as? [[String: Any]])?.count == 5, "echo, mqtt, https, crl, sntp")
        #expect((ready?["ca"] as? String)?.hasPrefix("/") == true, "paths are absolute, for CI")
        #expect(lab.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: lab.store + "/endpoints.json"))
        for port in [lab.echoPort, lab.httpsPort] {
            let probe = try Run.program("python3", ["-c", "import socket; socket.create_connection(('127.0.0.1', \(port)), timeout=2)"], timeout: 10)
            #expect(probe.status != 0 && probe.stderr.contains("ConnectionRefused"), "port \(port) still listens: \(probe)")
        }
    }

    @Test("a port already in use gives exit 69 and says what to do")
    func portInUse() throws {
        let scratch = try Scratch(lab: endpointLab())
        defer { scratch.remove() }
        let first = try LabProcess(scratch: scratch)
        defer { first.stop() }
        let second = try Pkilab.run(["up", "--echo-port", "\(first.echoPort)", "--https-port", "0", "--port", "crl=0", "--port", "sntp=0"], in: scratch.path, timeout: 60)
        #expect(second.status == 69 && second.stderr.contains("echo cannot listen on 127.0.0.1:\(first.echoPort): the port is in use"), "\(second)")
    }
}
