import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply lab.yaml (like issue), then serve its TLS echo, HTTPS and MQTT endpoints, its CRLs and SNTP until Ctrl-C.",
        discussion: """
            Every connection is one line here and one JSON line in ca/events.jsonl: accepted, or rejected with a \
            reason code and what to do. --zoo adds the deliberately bad servers (pkilab zoo lists them). SNTP \
            listens on UDP 123 when allowed to (root or CAP_NET_BIND_SERVICE), else pkilab up says so and serves \
            the rest. When everything listens, a line starting "ready " is printed and \
            ca/endpoints.json and ca/serving.json (the real ports, for pkilab export) are written (removed again on exit). SIGINT/SIGTERM stop it cleanly (exit 0); SIGHUP \
            reloads the lab's MQTT policy: into every session at once. \
            Exit code 69 when an endpoint cannot listen (its port is in use, a port below 1024 without permission, \
            an address this machine does not have): the message names the endpoint and the setting to change; 65 for a \
            lab.yaml mistake, including a ciphers: entry or two endpoints on one port.
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

    @Option(name: .customLong("port"), help: ArgumentHelp("Port of the endpoint NAME (repeatable; 0 picks a free one), e.g. mqtt-plain=1883.", valueName: "name=port"))
    var ports: [String] = []

    @Option(help: ArgumentHelp("Also append every connection event to this file (JSON lines).", valueName: "file"))
    var events: String?

    @Option(help: "Seconds a client has to finish the TLS handshake.")
    var handshakeTimeout: Int64 = 10

    @Flag(help: "Allow replacing an authority whose key type or subject changed.")
    var force = false

    @Flag(help: "Print the ready information and then every event as JSON lines.")
    var json = false

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
        try await reportingErrors {
            let lab = try options.loadLab()
            let store = options.store
            let report = try options.apply(lab, force: force)
            if !json && report.changed {
                IssueReportPrinter(lab: lab, report: report).print()
                Console.out()
            } else if !json {
                Console.out("PKI: \"\(Console.path(report.store))\" matches \(lab.file).")
            }
            var zooSpec = lab.zoo ?? (zoo || zooPort != nil || zooMqttPort != nil ? ZooSpec() : nil)
            if let port = zooPort { zooSpec?.port = port }
            if let port = zooMqttPort { zooSpec?.mqttPort = port }
            // The zoo's bad servers, and the untrusted object store (ota:), which presents the zoo's untrusted-root certificate.
            if zooSpec != nil || lab.ota != nil, try store.prepareZoo(for: lab).made, !json {
                Console.out(zooSpec != nil ? "Zoo: made the bad servers and bad clients in \"\(Console.path(store.directory.zooFolder))\"."
                            : "OTA: made the untrusted store's certificate (the wrong-ca fault) with the zoo in \"\(Console.path(store.directory.zooFolder))\".")
            }
            guard !lab.endpoints.isEmpty else {
                Console.error("\(lab.file) has no endpoints to serve", hint: "add a certificate with role: server (the endpoints present it), or an endpoints: section")
                throw ExitCode(ExitStatus.usage)
            }
            if let unknown = namedPorts.keys.sorted().first(where: { !lab.listenerNames.contains($0) }) {
                Console.error("--port \(unknown)=…: \(lab.file) has no endpoint named \"\(unknown)\"", hint: "endpoints: \(lab.endpoints.map(\.name).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            let specs = lab.servedEndpoints(zoo: zooSpec, bind: bind, ports: portOverrides)
            // As nginx and Mosquitto do: the hard limit is what the administrator allows, the soft one only a default.
            let descriptors = FileDescriptorLimit.raiseToHardLimit()
            let signals = LabSignals()
            let (json, printer) = (self.json, EventPrinter(names: specs.map(\.name)))
            let server: LabServer
            let ready: ReadyLab
            do {
                let labFolder = (options.labPath as NSString).deletingLastPathComponent
                server = try LabServer(
                    lab: lab, store: store, labFolder: labFolder.isEmpty ? "." : labFolder, endpoints: specs, extraEventFiles: events.map { [$0] } ?? [],
                    handshakeTimeout: handshakeTimeout, timeOffset: ClockOffset(parsing: timeOffset) ?? .zero,
                    labClockOffset: ClockOffset(parsing: labClockOffset) ?? .zero,
                    onEvent: { event, line in Console.out(json ? line : printer.line(event)) },
                    onRequest: { request in if !json { Console.out(printer.line(request)) } })
                ready = try await server.start()
            } catch let error as StoreError {
                throw error
            } catch let error as LabFileError {
                throw error
            } catch let error as EndpointStartError {
                throw error
            } catch {
                Console.error("the endpoints could not be prepared: \(error)", hint: "run pkilab issue, and check the endpoints: section of \(lab.file)")
                throw ExitCode(ExitStatus.unavailable)
            }
            try ready.write(to: store.directory)
            try Self.servingState(lab: lab, ready: ready, specs: specs).write(to: store.directory)
            ReadyPrinter(lab: lab, ready: ready, server: server, descriptors: descriptors, handshakeTimeout: handshakeTimeout)
                .print(json: json, readyFile: store.directory.readyFile)
            fflush(nil)
            signals.onHangUp { [options] in Self.reloadPolicy(options: options, server: server, json: json) }
            await signals.waitForStop()
            if !json { Console.err("Stopping: closing the endpoints…") }
            await server.shutdown()
            ReadyLab.remove(from: store.directory)
            ServingLab.remove(from: store.directory)
            if !json { Console.err("Stopped.") }
        }
    }

    /// `ca/serving.json`: this process and the real port of each of the lab's endpoints (not the zoo's), which
    /// `pkilab export` puts into firmware files.
    private static func servingState(lab: Lab, ready: ReadyLab, specs: [EndpointSpec]) -> ServingLab {
        let endpoints = ready.endpoints.filter { $0.zoo == nil || $0.kind == .store }.compactMap { running -> ServingLab.Endpoint? in
            guard let spec = specs.first(where: { $0.name == running.name }) else { return nil }
            return ServingLab.Endpoint(name: running.name, kind: running.kind, scheme: ServingLab.scheme(of: spec), bind: spec.bind, port: running.port)
        }
        return ServingLab(lab: lab.name, endpoints: endpoints)
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
