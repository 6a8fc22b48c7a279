import Foundation
import PKILabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on 127.0.0.1 held by the test itself: the "other program" on a port.
private final class OccupiedPort {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0, named == 0 else {
            close(fd)
            throw Failure()
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    struct Failure: Error {}
}

@Suite("pkilab up: an endpoint that cannot listen, and a TLS setting it cannot use", .serialized, .timeLimit(.minutes(3)))
struct StartErrorCLITests {
    /// Everything on a free port except what the test sets.
    static let freePorts = ["--https-port", "0", "--mqtt-port", "0", "--port", "crl=0", "--port", "sntp=0"]

    @Test("a port in use set in lab.yaml: exit 69, the endpoint, the address, how to find the other program and the key to change")
    func portInUseFromLab() throws {
        let other = try OccupiedPort()
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints: { echo: { port: \(other.port) } }"))
        defer { scratch.remove() }
        let run = try Pkilab.run(["up"] + Self.freePorts, in: scratch.path, timeout: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr == "Error: echo cannot listen on 127.0.0.1:\(other.port): the port is in use — stop the other program "
                + "(ss -ltnp 'sport = :\(other.port)' shows it) or set endpoints.echo.port in lab.yaml (0 picks a free port)\n", "\(run)")
        // The ready file says why (pkilab wait reads it), and never that the lab is ready.
        let ready = scratch.read("ca/endpoints.json") ?? ""
        #expect(ready.hasPrefix("{\"error\":{\"code\":\"port_in_use\"") && !ready.contains("\"endpoints\""), "\(ready)")
    }

    @Test("a port in use given on the command line: the hint names the option, not lab.yaml")
    func portInUseFromOption() throws {
        let other = try OccupiedPort()
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let run = try Pkilab.run(["up", "--echo-port", "0", "--port", "mqtt-plain=\(other.port)"] + Self.freePorts, in: scratch.path, timeout: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr == "Error: mqtt-plain cannot listen on 127.0.0.1:\(other.port): the port is in use — stop the other program "
                + "(ss -ltnp 'sport = :\(other.port)' shows it) or give another port with --port mqtt-plain=PORT (0 picks a free port)\n", "\(run)")
    }

    @Test("an address this machine does not have: exit 69 and where to choose another")
    func addressNotAvailable() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints: { bind: 192.0.2.1, echo: { port: 0 } }"))
        defer { scratch.remove() }
        let run = try Pkilab.run(["up"] + Self.freePorts, in: scratch.path, timeout: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr == "Error: echo cannot listen on 192.0.2.1:0: this machine has no address 192.0.2.1 — set endpoints.bind in lab.yaml to "
                + "one of this machine's addresses (ip -brief address lists them), or 127.0.0.1 for this machine only\n", "\(run)")
        let option = try Pkilab.run(["up", "--echo-port", "0", "--bind", "192.0.2.1"] + Self.freePorts, in: scratch.path, timeout: 60)
        #expect(option.status == 69 && option.stderr.contains("— give --bind one of this machine's addresses"), "\(option)")
    }

    /// Run as `nobody` (setpriv), which may not listen below 1024: only where the tests run as root.
    @Test("a port below 1024 without permission: exit 69, and both ways out", .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func lowPortWithoutPermission() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints: { echo: { port: 1000 } }"))
        defer { scratch.remove() }
        chmod(scratch.path, 0o777)
        let run = try Run.program("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Pkilab.binary, "up"] + Self.freePorts,
                                  cwd: scratch.path, timeout: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr == "Error: echo cannot listen on 127.0.0.1:1000: ports below 1024 need root or CAP_NET_BIND_SERVICE — use a port from 1024 up "
                + "(set endpoints.echo.port in lab.yaml; 0 picks a free port), or let pkilab use low ports: "
                + "sudo setcap cap_net_bind_service=+ep \"$(command -v pkilab)\"\n", "\(run)")
    }

    @Test("a cipher suite BoringSSL does not have is a lab.yaml error (65) found when the lab is read, before anything listens")
    func badCipher() throws {
        let scratch = try Scratch(lab: Scratch.lab(extra: "endpoints: { echo: { ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256, RC4-MD5] } }"))
        defer { scratch.remove() }
        let run = try Pkilab.run(["up", "--echo-port", "0"] + Self.freePorts, in: scratch.path, timeout: 60)
        #expect(run.status == 65, "\(run)")
        #expect(run.stderr.hasPrefix("Error: lab.yaml:9:63: endpoints.echo.ciphers[1]: \"RC4-MD5\" is not a TLS 1.2 cipher suite pkilab knows — use an OpenSSL or IANA name"), "\(run)")
        #expect(!scratch.exists("ca"), "nothing issued")
    }
}
