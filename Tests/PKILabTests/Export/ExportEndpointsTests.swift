import Foundation
import Testing
@testable import PKILab

/// The host and ports an export carries: the running lab's real ports, lab.yaml's otherwise, a LAN address the
/// server certificate names when the lab listens beyond this machine.
@Suite("Export endpoints: real ports from the running lab, a host the server certificate names")
struct ExportEndpointsTests {
    static func lab(_ endpoints: String) throws -> Lab {
        try TestLab.parse(TestLab.text() + "\nendpoints:\n" + endpoints)
    }

    static let names = ["DNS:localhost", "DNS:*.lab.test", "IP:127.0.0.1", "IP:192.0.2.2", "DNS:192.0.2.2"]

    @Test("port 0 and no running lab: refused, naming the endpoints, pkilab up and --port; the running lab's ports win; --port wins over both")
    func ports() throws {
        let lab = try Self.lab("  echo: { port: 0 }\n  mqtt: { port: 0 }\n  https: { port: 9443 }\n")
        do {
            _ = try ExportEndpoints.resolve(lab: lab, serving: nil, host: nil, ports: [:], serverNames: Self.names, interfaces: [])
            Issue.record("a port of 0 cannot go into firmware")
        } catch {
            #expect(error.message.contains("echo, mqtt") && error.message.contains("free port"), "\(error.message)")
            #expect(error.hint?.contains("pkilab up") == true && error.hint?.contains("--port echo=PORT --port mqtt=PORT") == true, "\(error.hint ?? "")")
        }
        let serving = ServingLab(pid: getpid(), lab: lab.name, endpoints: [
            .init(name: "echo", kind: .echo, scheme: "tls", bind: "127.0.0.1", port: 40001),
            .init(name: "mqtt", kind: .mqtt, scheme: "mqtts", bind: "127.0.0.1", port: 40002),
            .init(name: "https", kind: .https, scheme: "https", bind: "127.0.0.1", port: 40003),
        ])
        let running = try ExportEndpoints.resolve(lab: lab, serving: serving, host: nil, ports: [:], serverNames: Self.names, interfaces: [])
        #expect([running.echoPort, running.mqttPort, running.httpsPort] as [Int] == [40001, 40002, 40003])
        #expect(running.host == "localhost" && running.warnings.isEmpty)
        let given = try ExportEndpoints.resolve(lab: lab, serving: nil, host: nil, ports: ["echo": 7000, "mqtt": 7001], serverNames: Self.names, interfaces: [])
        #expect([given.echoPort, given.mqttPort, given.httpsPort] as [Int] == [7000, 7001, 9443])
    }

    @Test("a lab on 0.0.0.0: the machine's address the certificate names, said in a note; none named: refused with --host; --host not named: a warning listing the names")
    func host() throws {
        let lab = try Self.lab("  bind: 0.0.0.0\n")
        let chosen = try ExportEndpoints.resolve(lab: lab, serving: nil, host: nil, ports: [:], serverNames: Self.names,
                                                 interfaces: ["fd00::2", "10.9.9.9", "192.0.2.2"])
        #expect(chosen.host == "192.0.2.2")
        #expect(chosen.notes.first?.contains("192.0.2.2") == true && chosen.notes.first?.contains("--host") == true, "\(chosen.notes)")
        do {
            _ = try ExportEndpoints.resolve(lab: lab, serving: nil, host: nil, ports: [:], serverNames: ["DNS:localhost", "IP:127.0.0.1"], interfaces: ["10.9.9.9"])
            Issue.record("no address of this machine is named")
        } catch {
            #expect(error.message.contains("0.0.0.0") && error.message.contains("10.9.9.9"), "\(error.message)")
            #expect(error.hint?.contains("--host") == true && error.hint?.contains("auto") == true)
        }
        let wildcard = try ExportEndpoints.resolve(lab: lab, serving: nil, host: "board.lab.test", ports: [:], serverNames: Self.names, interfaces: [])
        #expect(wildcard.host == "board.lab.test" && wildcard.warnings.isEmpty, "*.lab.test names it")
        let other = try ExportEndpoints.resolve(lab: lab, serving: nil, host: "10.9.9.9", ports: [:], serverNames: Self.names, interfaces: [])
        #expect(other.host == "10.9.9.9")
        #expect(other.warnings.first?.contains("does not name \"10.9.9.9\"") == true && other.warnings.first?.contains("IP:192.0.2.2") == true, "\(other.warnings)")
        let loopback = try ExportEndpoints.resolve(lab: try Self.lab("  echo: { port: 7443 }\n"), serving: nil, host: nil, ports: [:], serverNames: Self.names, interfaces: ["192.0.2.2"])
        #expect(loopback.host == "localhost" && loopback.notes.isEmpty)
    }

    @Test("serving.json: written whole, read back while its process lives, ignored for another lab or a dead process")
    func servingFile() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let directory = CADirectory(path: folder)
            let serving = ServingLab(lab: "test", endpoints: [.init(name: "echo", kind: .echo, scheme: "tls", bind: "127.0.0.1", port: 40001)])
            try serving.write(to: directory)
            #expect(ServingLab.running(in: directory, lab: "test")?.endpoints == serving.endpoints)
            #expect(ServingLab.running(in: directory, lab: "other") == nil)
            // A process that has exited: the file of a lab that was killed.
            let exited = Process()
            exited.executableURL = URL(fileURLWithPath: "/bin/true")
            try exited.run()
            exited.waitUntilExit()
            var stale = serving
            stale.pid = exited.processIdentifier
            try stale.write(to: directory)
            #expect(ServingLab.running(in: directory, lab: "test") == nil)
            ServingLab.remove(from: directory)
            #expect(!FileManager.default.fileExists(atPath: ServingLab.path(in: directory)))
        }
    }
}
