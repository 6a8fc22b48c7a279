import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply lab.yaml (like issue), then serve its TLS echo, HTTPS and MQTT endpoints, its CRLs and SNTP until Ctrl-C.",
        discussion: """
            Every connection is one line here and one JSON line in ca/events.jsonl: accepted, or rejected with a \
            reason code and what to do. --zoo adds the deliberately bad servers (pkilab zoo lists them). SNTP \
            listens on UDP 123 when allowed to (root or CAP_NET_BIND_SERVICE), else pkilab up says so and serves \
            the rest. When everything listens, a line starting "ready " is printed and \
            ca/endpoints.json and ca/serving.json (the real ports, for pkilab export) are written (removed again on exit). \
            When it cannot start, --json prints {"error": {...}} on stdout and the ready file gets the same object, \
            so pkilab wait says why. SIGINT/SIGTERM stop it cleanly (exit 0); SIGHUP \
            reloads the lab's MQTT policy: into every session at once. \
            Exit code 69 when an endpoint cannot listen (its port is in use, a port below 1024 without permission, \
            an address this machine does not have): the message names the endpoint and the setting to change; 65 for a \
            lab.yaml mistake, including a ciphers: entry or two endpoints on one port; 64 for an unknown --port name.
            """)

    @OptionGroup var options: LabOptions

    @Option(help: ArgumentHelp("Listen on this address instead of lab.yaml's (default 127.0.0.1; 0.0.0.0 for a LAN).", valueName: "address"))
    var bind: String?

    @Option(help: "Port of the TLS echo endpoint (0 picks a free one).")
    var echoPort: Int?

    @Option(help: "Port of the HTTPS endpoint (0 picks a free one).")
    var httpsPort: Int?

    @Option(help: "Port of the MQTT broker (0 picks a free one).")
    var mqttPort: Int?

    @Option(name: .customLong("port"), help: ArgumentHelp("Port of the endpoint NAME (repeatable; 0 picks a free one, off switches it off), e.g. mqtt-plain=1883, sntp=off.", valueName: "name=port"))
    var ports: [String] = []

    @Option(name: .customLong("ports"), help: ArgumentHelp("auto: every endpoint (and the zoo) on a free port, except those given with --port.", valueName: "auto"))
    var portsMode: String?

    @Option(help: ArgumentHelp("Also append every connection event to this file (JSON lines).", valueName: "file"))
    var events: String?

    @Option(help: ArgumentHelp("Write the ready JSON here when everything listens, or {\"error\": …} when it cannot start (removed on exit); pkilab wait --ready-file reads it.", valueName: "file"))
    var readyFile: String?

    @Option(help: ArgumentHelp("Write this process's id here while it runs (removed on exit; default with --detach: ca/up.pid).", valueName: "file"))
    var pidFile: String?

    @Flag(help: "Serve in the background: return once the lab is ready (exit 0) or could not start (its exit code and why); the output goes to --log-file.")
    var detach = false

    @Option(help: ArgumentHelp("With --detach: where the lab's output goes (default ca/up.log).", valueName: "file"))
    var logFile: String?

    @Option(help: ArgumentHelp("With --detach: how long to wait for the lab to be ready.", valueName: "seconds"))
    var detachTimeout: Int = 120

    @Option(help: "Seconds a client has to finish the TLS handshake.")
    var handshakeTimeout: Int64 = 10

    @Option(help: ArgumentHelp("Run every TLS listener on this library (default: each endpoint's tls_engine:, else $PKILAB_TLS_ENGINE, else boringssl).",
                               valueName: "openssl|boringssl"))
    var tlsEngine: EndpointSpec.TLSEngine?

    @Flag(help: "Allow replacing an authority whose key type or subject changed.")
    var force = false

    @Flag(help: "Print the ready information and then every event as JSON lines (or {\"error\": …} when it cannot start).")
    var json = false

    @Flag(help: "Also serve the workshop console (port 8444): a live page of every connection and why it was refused, the attendees' board and exercises, the lab at a glance, and the kits (docs/workshop.md).")
    var console = false

    @Flag(help: "Also serve the zoo: one TLS echo per deliberately bad server (and MQTT variants), as lab.yaml's zoo: section does.")
    var zoo = false

    @Option(help: ArgumentHelp("First port of the zoo's echo listeners (default 9400; 0 gives each a free port).", valueName: "port"))
    var zooPort: Int?

    @Option(help: ArgumentHelp("First port of the zoo's MQTT listeners (default 9500; 0 gives each a free port).", valueName: "port"))
    var zooMqttPort: Int?

    @Option(help: ArgumentHelp("Shift the time the SNTP server tells devices, e.g. +400d (a device then sees the server certificate as expired) or -30d.", valueName: "offset"))
    var timeOffset: String = "0"

    @Option(help: ArgumentHelp("Shift the clock the endpoints check client certificates with, e.g. +400d.", valueName: "offset"))
    var labClockOffset: String = "0"

    func run() async throws {
        if detach {
            try await reportingErrors { try await Detached(up: self).start() }
            return
        }
        // Caught from here on, so a SIGTERM sent the moment "ready" appears still stops cleanly.
        let signals = LabSignals()
        if let pidFile { try? ReadyFile.writePid(to: pidFile) }
        defer { if let pidFile { try? FileManager.default.removeItem(atPath: pidFile) } }
        let launch: LabLaunch
        do {
            let json = self.json
            launch = try await LabLaunch.start(options: options, settings: settings, quiet: json) { specs in
                let printer = EventPrinter(names: specs.map(\.name))
                return ({ event, line in Console.out(json ? line : printer.line(event)) },
                        { request in if !json { Console.out(printer.line(request)) } })
            }
            try launch.writeReadyFiles(readyFile: readyFile)
        } catch {
            recordStartFailure(error)
            throw ExitStatus.report(error)
        }
        ReadyPrinter(lab: launch.lab, ready: launch.ready, server: launch.server, descriptors: launch.descriptors, handshakeTimeout: handshakeTimeout)
            .print(json: json, readyFile: launch.store.directory.readyFile)
        fflush(nil)
        signals.onHangUp { [options, json] in Self.reloadPolicy(options: options, server: launch.server, json: json) }
        await signals.waitForStop()
        if !json { Console.err("Stopping: closing the endpoints…") }
        await launch.stop(readyFile: readyFile)
        if !json { Console.err("Stopped.") }
    }

    /// Says why the lab could not start where a script looks: with `--json` as one JSON object on stdout, and in the
    /// ready file (`--ready-file`, or `ca/endpoints.json` unless a running lab owns it).
    private func recordStartFailure(_ error: any Error) {
        guard !(error is ExitCode) else { return }
        let failure = ExitStatus.describe(error).startFailure
        if json { Console.out(failure.json) }
        if let readyFile {
            try? failure.write(toFile: readyFile)
            return
        }
        let directory = options.store.directory
        guard FileManager.default.fileExists(atPath: directory.path) else { return }
        if case .ready(let running)? = ReadyFile.read(directory.readyFile), let pid = running.pid, pid != getpid(), ReadyFile.isAlive(pid) { return }
        try? failure.write(toFile: directory.readyFile)
    }

    /// SIGHUP: the lab file's `policy:` again, in force at once for every connected and offline session.
    private static func reloadPolicy(options: LabOptions, server: LabServer, json: Bool) {
        do {
            let lab = try options.loadLab()
            server.replacePolicy(lab.policy)
            let rules = lab.policy.map { "\($0.rules.count) rule(s)" } ?? "no policy: every client may publish and subscribe anywhere"
            let line = "Policy reloaded from \(lab.file) (SIGHUP): \(rules); every session follows it now (subscriptions stay; "
                + "each delivery and publish is checked). Other changes to the lab take a restart."
            if json { Console.err(line) } else { Console.out(line) }
        } catch {
            Console.error("SIGHUP: the policy was not reloaded: \(error)", hint: "the running policy is unchanged; fix the file and send SIGHUP again")
        }
    }
}
