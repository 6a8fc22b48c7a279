import Foundation
import PKILab
import PKILabTestSupport
import Testing

@Suite("pkilab up for scripts: --json error object, --ready-file and pkilab wait, --detach, --port NAME=off, --ports auto", .serialized, .timeLimit(.minutes(3)))
struct UpReadinessTests {
    /// A listening socket on a free loopback port, held until closed.
    private func occupy() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test("a taken port: up --json prints {\"error\": …} on stdout (never silence), the ready file says the same, and pkilab wait exits 69 with the reason")
    func startFailureIsWritten() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let taken = try occupy()
        defer { close(taken.fd) }
        let up = try Pkilab.run(["up", "--json", "--ports", "auto", "--port", "echo=\(taken.port)", "--ready-file", "ready.json"], in: scratch.path)
        #expect(up.status == 69, "\(up)")
        let object = try JSONSerialization.jsonObject(with: Data(up.stdout.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "port_in_use" && error?["status"] as? Int == 69 && error?["endpoint"] as? String == "echo", "\(up.stdout)")
        #expect((error?["message"] as? String)?.contains(":\(taken.port): the port is in use") == true && error?["hint"] != nil)
        #expect(scratch.read("ready.json")?.contains("\"port_in_use\"") == true)
        let wait = try Pkilab.run(["wait", "--ready-file", "ready.json", "--timeout", "5"], in: scratch.path)
        #expect(wait.status == 69 && wait.stderr.contains("the port is in use"), "\(wait)")
        // The same without --ready-file: ca/endpoints.json carries the error (no lab runs on this store).
        let plain = try Pkilab.run(["up", "--ports", "auto", "--port", "echo=\(taken.port)"], in: scratch.path)
        #expect(plain.status == 69 && scratch.read("ca/endpoints.json")?.contains("\"port_in_use\"") == true, "\(plain)")
        let waitStore = try Pkilab.run(["wait", "--timeout", "5", "--json"], in: scratch.path)
        #expect(waitStore.status == 69 && waitStore.stdout.contains("\"error\""), "\(waitStore)")
    }

    @Test("up --detach returns once ready, pkilab wait agrees, the pid file stops it, and a second --detach on the same store is refused")
    func detach() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let up = try Pkilab.run(["up", "--detach", "--ports", "auto"], in: scratch.path, timeout: 60)
        #expect(up.status == 0 && up.stdout.contains("in the background (pid ") && up.stdout.contains("\nready echo=127.0.0.1:"), "\(up)")
        let pid = Int32((scratch.read("ca/up.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(pid > 0 && kill(pid, 0) == 0, "the lab runs on after pkilab up --detach returned")
        defer { if pid > 0 { kill(pid, SIGTERM) } }
        let wait = try Pkilab.run(["wait", "--pid-file", "ca/up.pid", "--timeout", "10"], in: scratch.path)
        #expect(wait.status == 0 && wait.stdout.hasPrefix("ready echo="), "\(wait)")
        let again = try Pkilab.run(["up", "--detach", "--ports", "auto"], in: scratch.path, timeout: 60)
        #expect(again.status == 69 && again.stderr.contains("already serves"), "\(again)")
        // Connections reach the detached lab, and its log has them.
        let ready = try #require(scratch.read("ca/endpoints.json"))
        #expect(ready.contains("\"pid\":\(pid)"), "\(ready)")
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, kill(pid, 0) == 0 { usleep(50_000) }
        #expect(kill(pid, 0) != 0, "SIGTERM stopped it")
        #expect(!scratch.exists("ca/up.pid") && !scratch.exists("ca/endpoints.json"), "it removed its pid and ready files")
        #expect(scratch.read("ca/up.log")?.contains("Stopped.") == true)
    }

    @Test("a bad --port is refused before the PKI is built; NAME=off switches an endpoint off (sntp too); --ports auto moves every port")
    func ports() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints: { sntp: { port: 1123 }, crl: { port: 8480 } }"))
        defer { scratch.remove() }
        for bad in [["--port", "nosuch=1"], ["--port", "echo=x"], ["--port", "echo"], ["--port", "echo=70000"], ["--ports", "some"]] {
            let run = try Pkilab.run(["up"] + bad, in: scratch.path)
            #expect(run.status == 64, "\(bad): \(run)")
            #expect(!scratch.exists("ca"), "\(bad): nothing was issued")
        }
        let up = try Background(Pkilab.binary, ["up", "--json", "--ports", "auto", "--port", "sntp=off", "--port", "crl=off", "--port", "https=0"], cwd: scratch.path)
        defer { up.process.terminate(); _ = up.wait() }
        #expect(up.waitForLine { $0.contains("\"endpoints\"") }, "\(up.lines)")
        let ready = try #require(up.lines.first { $0.contains("\"endpoints\"") })
        let endpoints = try #require((try JSONSerialization.jsonObject(with: Data(ready.utf8)) as? [String: Any])?["endpoints"] as? [[String: Any]])
        let names = endpoints.compactMap { $0["name"] as? String }
        #expect(names.contains("echo") && names.contains("https") && !names.contains("sntp") && !names.contains("crl"), "\(names)")
        let ports = endpoints.compactMap { $0["port"] as? Int }
        #expect(!ports.contains(7443) && !ports.contains(8443) && !ports.contains(8883) && !ports.contains(0), "\(ports)")
    }
}
