import Foundation
import PKILabTestSupport
import Testing

/// docker/ for real, with podman (docker/README.md): the static binary on plain Debian, the image docker/Dockerfile
/// makes serving mutual TLS to the host, and the compose file's lab and device in two containers.
///
/// Enabled when podman is usable here (root, podman and runc installed, the static binary built, the base image
/// made by docker/make-local-base); otherwise skipped with one printed line saying why — unless
/// PKILAB_REQUIRE_CONTAINERS=1 (.ci/run), which runs them so that they fail with the reason.
@Suite("Containers (podman)", .serialized, .enabled(if: Podman.enabled, "podman usable, or PKILAB_REQUIRE_CONTAINERS=1 to fail instead"))
struct ContainerTests {
    /// `pkilab up` on ports the system picks, as the other endpoint tests do (the lab's 443 and 123 included).
    static let freePorts = ["--echo-port", "0", "--https-port", "0", "--mqtt-port", "0", "--port", "crl=0", "--port", "sntp=0",
                            "--port", "store=0", "--port", "store-untrusted=0", "--port", "aws-iot=0", "--port", "aws-iot-443=0"]

    @Test("the static binary runs on plain Debian with only libssl3 and libmosquitto1: ldd, --version, issue; openssl verifies on the host")
    func staticBinaryOnPlainDebian() throws {
        try Podman.ready()
        let context = try Scratch()
        defer { context.remove() }
        try context.write("Containerfile", """
            FROM \(Podman.base)
            RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libssl3 libmosquitto1 \\
             && rm -rf /var/lib/apt/lists/*
            """)
        let image = "localhost/\(Podman.run)-plain:latest"
        try Podman.build(tag: image, file: context.path + "/Containerfile", context: context.path)
        Podman.cleanUpAtExit()

        let lab = try Scratch(lab: Scratch.lab())
        defer { lab.remove() }
        func inContainer(_ command: String) throws -> RunResult {
            try Podman.podman(["run", "--rm", "--network", "host"] + Podman.limits
                + ["-v", "\(Podman.staticBinary):/usr/local/bin/pkilab:ro", "-v", "\(lab.path):/work", "-w", "/work", image, "sh", "-c", command],
                timeout: 120)
        }
        // Nothing from a Swift toolchain in the container, and nothing the binary needs is missing.
        let linked = try inContainer("test ! -e /opt/swift && test ! -e /usr/lib/swift && ldd /usr/local/bin/pkilab")
        #expect(linked.status == 0, "\(linked)")
        #expect(!linked.stdout.contains("not found"), "\(linked.stdout)")
        #expect(!linked.stdout.contains("libswift") && !linked.stdout.contains("Foundation"), "\(linked.stdout)")
        #expect(linked.stdout.contains("libssl.so.3") && linked.stdout.contains("libmosquitto.so.1"), "\(linked.stdout)")

        let version = try inContainer("pkilab --version")
        #expect(version.status == 0 && !version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(version)")

        let issued = try inContainer("pkilab issue")
        try #require(issued.status == 0, "\(issued)")
        // The host's OpenSSL accepts what the container's pkilab issued.
        for name in ["server", "device-001"] {
            let verified = try Run.program("openssl", ["verify", "-x509_strict", "-CAfile", "ca/root.pem", "-untrusted", "ca/certs/\(name)/chain.pem",
                                                       "ca/certs/\(name)/cert.pem"], cwd: lab.path, timeout: 30)
            #expect(verified.status == 0 && verified.stdout.contains(": OK"), "\(verified)")
        }
    }

    @Test("docker/Dockerfile (prebuilt binary) serves the host over mutual TLS: /whoami 200, no certificate refused, mosquitto_pub, HEALTHCHECK, non-root")
    func dockerfileImageServesTheHost() throws {
        try Podman.ready()
        let image = try Podman.labImage.get()
        let config = try Podman.must(["image", "inspect", image, "--format",
                                      "{{.Config.User}}|{{json .Config.Healthcheck.Test}}|{{json .Config.Cmd}}|{{json .Config.Labels}}"]).stdout
        #expect(config.hasPrefix("10001:10001|"), "\(config)")
        #expect(config.contains(#"["CMD","pkilab-healthcheck"]"#), "\(config)")
        #expect(config.contains(#"["up","--bind","0.0.0.0"]"#), "\(config)")
        #expect(config.contains("org.opencontainers.image.title"), "\(config)")

        let lab = try labFolder()
        defer { lab.remove() }
        let name = Podman.name("lab")
        defer { _ = try? Podman.podman(["rm", "-f", "-t", "0", name]) }
        // The host's network (what works here); loopback only, on free ports.
        try Podman.detached(["--name", name, "--network", "host"] + Podman.limits + ["-v", "\(lab.path):/lab", image, "up", "--bind", "127.0.0.1"]
            + Self.freePorts)
        let ports = try waitForReady(name)
        let https = try #require(ports["https"]), mqtt = try #require(ports["mqtt"])

        // The empty volume was seeded with the image's lab.
        #expect(lab.read("lab.yaml") == (try? String(contentsOfFile: Pkilab.repository + "/docker/lab.yaml", encoding: .utf8)))

        let ca = lab.path + "/ca"
        let client = ["--cacert", "\(ca)/root.pem", "--cert", "\(ca)/certs/device-001/fullchain.pem", "--key", "\(ca)/certs/device-001/key.pem"]
        let whoami = try Run.program("curl", ["-sS", "-w", "\n%{http_code}"] + client + ["https://localhost:\(https)/whoami"], timeout: 30)
        #expect(whoami.status == 0 && whoami.stdout.hasSuffix("\n200") && whoami.stdout.contains("device-001"), "\(whoami)")

        let anonymous = try Run.program("curl", ["-sS", "--cacert", "\(ca)/root.pem", "https://localhost:\(https)/whoami"], timeout: 30)
        #expect(anonymous.status != 0, "a client without a certificate got an answer: \(anonymous)")

        let published = try Run.program("mosquitto_pub", ["-h", "localhost", "-p", "\(mqtt)", "--cafile", "\(ca)/root.pem",
                                                          "--cert", "\(ca)/certs/device-001/fullchain.pem", "--key", "\(ca)/certs/device-001/key.pem",
                                                          "-i", "device-001", "-t", "devices/device-001/state", "-m", "from the host", "-q", "1"], timeout: 30)
        #expect(published.status == 0, "\(published)")

        // The image's HEALTHCHECK (pkilab probe as device-001, on the port in endpoints.json), as the engine runs it.
        let health = try Podman.podman(["healthcheck", "run", name], timeout: 60)
        #expect(health.status == 0, "\(health)\n--- the container's output\n\((try? Podman.podman(["logs", name]))?.description ?? "")")
        let user = try Podman.podman(["exec", name, "id", "-u"], timeout: 30)
        #expect(user.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10001", "\(user)")

        // SIGTERM (docker stop) ends pkilab cleanly.
        try Podman.must(["stop", "-t", "15", name], timeout: 60)
        let exit = try Podman.must(["inspect", name, "--format", "{{.State.ExitCode}}"]).stdout
        #expect(exit.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "exit code \(exit)")
    }

    @Test("a lab.yaml on the volume wins over the image's lab")
    func ownLabWins() throws {
        try Podman.ready()
        let image = try Podman.labImage.get()
        let lab = try labFolder()
        defer { lab.remove() }
        let own = Scratch.lab()
        try lab.write("lab.yaml", own)
        let issued = try Podman.podman(["run", "--rm", "--network", "host"] + Podman.limits + ["-v", "\(lab.path):/lab", image, "issue"], timeout: 120)
        #expect(issued.status == 0, "\(issued)")
        #expect(lab.read("lab.yaml") == own)
        #expect(!lab.exists("aws"), "the image's AWS policy was copied beside a lab of the user's")
        let subject = try Run.program("openssl", ["x509", "-noout", "-subject", "-in", "ca/root.pem"], cwd: lab.path, timeout: 30)
        #expect(subject.stdout.contains("CLI Test Root"), "\(subject)")
    }

    @Test("compose's lab and device in two containers: the device reaches pkilab by service name over mutual TLS")
    func composeLabAndDevice() throws {
        try Podman.ready()
        // podman-compose (1.0.3 here) reads the compose file, alone and with the own-lab override, into the podman
        // commands it would run (--dry-run: nothing runs but a volume it creates, removed at exit).
        if Run.available("podman-compose") {
            let project = Podman.name("compose")
            for files in [["-f", "docker/compose.yaml"], ["-f", "docker/compose.yaml", "-f", "docker/compose.own-lab.yaml"]] {
                let planned = try Run.program("podman-compose", ["--dry-run", "-p", project] + files + ["up"], cwd: Pkilab.repository,
                                              environment: ["PKILAB_LAB_FILE": Pkilab.repository + "/lab.yaml"], timeout: 60)
                let plan = planned.stdout + planned.stderr
                #expect(plan.contains("--network-alias pkilab") && plan.contains("--hostname pkilab"), "\(plan)")
                #expect(plan.contains("-v \(project)_lab:/lab ") && plan.contains("-v \(project)_lab:/lab:ro"), "\(plan)")
                #expect(plan.contains("-p 8443:8443") && plan.contains("-p 123:1123/udp") && plan.contains("-p 443:4443"), "\(plan)")
                #expect(plan.contains("build -t pkilab-device -f device/Dockerfile device"), "\(plan)")
                if files.count > 2 {
                    #expect(plan.contains("-v \(Pkilab.repository)/lab.yaml:/lab/lab.yaml:ro") && plan.contains("PKILAB_HEALTH_AS=device-001"), "\(plan)")
                }
            }
        }
        // What compose.yaml sets up, done with podman: a network on which the lab answers to "pkilab", one volume
        // for the lab's store (the device mounts it read-only), the image's default command (--bind 0.0.0.0,
        // docker/lab.yaml's ports) and docker/device's script.
        let image = try Podman.labImage.get()
        let device = try Podman.deviceImage.get()
        let network = Podman.name("net"), name = Podman.name("compose-lab")
        let lab = try labFolder()
        defer { lab.remove() }
        try Podman.must(["network", "create", network])
        defer { _ = try? Podman.podman(["network", "rm", "-f", network]) }
        defer { _ = try? Podman.podman(["rm", "-f", "-t", "0", name]) }
        try Podman.detached(["--name", name, "--network", network, "--network-alias", "pkilab", "--hostname", "pkilab"] + Podman.limits
            + ["-v", "\(lab.path):/lab", image])
        _ = try waitForReady(name)
        let ran = try Podman.podman(["run", "--rm", "--name", Podman.name("device"), "--network", network] + Podman.limits
            + ["-v", "\(lab.path):/lab:ro", "-e", "LAB_HOST=pkilab", device], timeout: 120)
        #expect(ran.status == 0 && ran.stdout.contains("mutual TLS works across containers"), "\(ran)")
        #expect(ran.stdout.contains("device-001"), "\(ran)")
        // The lab saw device-001 publish from another container's address.
        let events = (try? String(contentsOfFile: lab.path + "/ca/events.jsonl", encoding: .utf8)) ?? ""
        let published = events.split(separator: "\n").filter { $0.contains("\"mqtt\"") && $0.contains("device-001") && !$0.contains("127.0.0.1") }
        #expect(!published.isEmpty, "no MQTT event of device-001 from another container:\n\(events)")
    }

    /// Waits (at most 60 s) for `pkilab up`'s ready line in the container's output; returns its ports by endpoint.
    func waitForReady(_ container: String) throws -> [String: Int] {
        let deadline = Date().addingTimeInterval(60)
        var output = ""
        while Date() < deadline {
            let logs = try Podman.podman(["logs", container], timeout: 30)
            output = logs.stdout + logs.stderr
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }) {
                var ports: [String: Int] = [:]
                for field in line.split(separator: " ").dropFirst() {
                    let parts = field.split(separator: "=")
                    if parts.count == 2, let port = parts[1].split(separator: ":").last.flatMap({ Int($0) }) { ports[String(parts[0])] = port }
                }
                return ports
            }
            let state = try Podman.podman(["inspect", container, "--format", "{{.State.Running}}"], timeout: 30)
            if state.stdout.contains("false") { break }
            usleep(200_000)
        }
        throw LabProcess.Failure(message: "pkilab up in \(container) did not get ready:\n\(output)")
    }
}
