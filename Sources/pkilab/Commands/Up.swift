import ArgumentParser
import Dispatch
import Foundation
import PKILab
import PKILabEndpoints
#if canImport(Glibc)
import Glibc
#endif

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply lab.yaml (like issue), then serve its TLS echo, HTTPS and MQTT endpoints, its CRLs and SNTP until Ctrl-C.",
        discussion: """
            Every connection is one line here and one JSON line in ca/events.jsonl: accepted, or rejected with a \
            reason code and what to do. --zoo adds the deliberately bad servers (pkilab zoo lists them). SNTP \
            listens on UDP 123 when allowed to (root or CAP_NET_BIND_SERVICE), else pkilab up says so and serves \
            the rest. When everything listens, a line starting "ready " is printed and \
            ca/endpoints.json is written (removed again on exit). SIGINT/SIGTERM stop it cleanly (exit 0); SIGHUP \
            reloads the lab's MQTT policy: into every session at once. \
            Exit code 69 when an endpoint cannot start (for example, its port is in use).
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

    func validate() throws {
        for port in [echoPort, httpsPort, mqttPort].compactMap({ $0 }) + namedPorts.values where !(0...65535).contains(port) {
            throw ValidationError("Please give ports from 0 to 65535.")
        }
        for item in ports where !item.contains("=") || Int(item.split(separator: "=", maxSplits: 1).last ?? "") == nil {
            throw ValidationError("Please give --port as NAME=PORT, for example --port mqtt-plain=1883.")
        }
        if let bind, CertificateName.parseIP(bind) == nil, bind != "localhost" {
            throw ValidationError("Please give --bind an IP address such as 127.0.0.1 or 0.0.0.0.")
        }
        guard (1...600).contains(handshakeTimeout) else { throw ValidationError("Please give a --handshake-timeout from 1 to 600 seconds.") }
        for (flag, value) in [("--time-offset", timeOffset), ("--lab-clock-offset", labClockOffset)] where ClockOffset(parsing: value) == nil {
            throw ValidationError("Please give \(flag) as a signed duration such as +400d, -30d or +12h (not \"\(value)\").")
        }
        for port in [zooPort, zooMqttPort].compactMap({ $0 }) where !(0...65500).contains(port) {
            throw ValidationError("Please give zoo ports from 0 to 65500.")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let lab = try options.loadLab()
            let store = options.store
            let report = try store.apply(lab, force: force, waiting: {
                Console.err("Waiting for another pkilab run on \"\(Console.path(options.storePath))\" to finish…")
            })
            if !json { printIssuance(lab: lab, report: report) }
            var zooSpec = lab.zoo ?? (zoo || zooPort != nil || zooMqttPort != nil ? ZooSpec() : nil)
            if let port = zooPort { zooSpec?.port = port }
            if let port = zooMqttPort { zooSpec?.mqttPort = port }
            if zooSpec != nil {
                let (_, made) = try store.prepareZoo(for: lab)
                if made && !json { Console.out("Zoo: made the bad servers and bad clients in \"\(Console.path(store.directory.zooFolder))\".") }
            }
            guard !lab.endpoints.isEmpty else {
                Console.error("\(lab.file) has no endpoints to serve", hint: "add a certificate with role: server (the endpoints present it), or an endpoints: section")
                throw ExitCode(ExitStatus.usage)
            }
            let json = self.json
            var overrides = namedPorts
            let known = Set(lab.endpoints.flatMap { [$0.name, "\($0.name)-plain"] }
                            + ZooServer.allCases.map { "zoo-\($0.rawValue)" } + ZooServer.mqttVariants.map { "zoo-mqtt-\($0.rawValue)" })
            if let unknown = overrides.keys.sorted().first(where: { !known.contains($0) }) {
                Console.error("--port \(unknown)=…: \(lab.file) has no endpoint named \"\(unknown)\"",
                              hint: "endpoints: \(lab.endpoints.map(\.name).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            // The per-kind options apply to the endpoint of that name when the lab has one.
            if let echoPort { overrides["echo"] = echoPort }
            if let httpsPort { overrides["https"] = httpsPort }
            if let mqttPort { overrides["mqtt"] = mqttPort }
            let labFolder = (options.labPath as NSString).deletingLastPathComponent
            // As nginx and Mosquitto do: the hard limit is what the administrator allows, the soft one only a default.
            let descriptors = FileDescriptorLimit.raiseToHardLimit()
            // Caught from here on, so a SIGTERM sent the moment "ready" appears still stops cleanly; and a reader of
            // stdout that goes away (EPIPE) does not end the lab.
            let stop = StopSignal()
            signal(SIGPIPE, SIG_IGN)
            let server: LabServer
            let ready: ReadyLab
            do {
                server = try LabServer(
                    lab: lab, store: store, labFolder: labFolder.isEmpty ? "." : labFolder, bind: bind, portOverrides: overrides,
                    extraEventFiles: events.map { [$0] } ?? [], handshakeTimeout: handshakeTimeout, zoo: zooSpec,
                    timeOffset: ClockOffset(parsing: timeOffset) ?? .zero, labClockOffset: ClockOffset(parsing: labClockOffset) ?? .zero,
                    onEvent: { event, line in Console.out(json ? line : EventPrinter.line(event)) },
                    onRequest: { request in if !json { Console.out(EventPrinter.line(request)) } })
                ready = try await server.start()
            } catch let error as StoreError {
                throw error
            } catch let error as LabFileError {
                throw error
            } catch {
                Console.error("an endpoint could not start: \(error)",
                              hint: "is another program on that port (ss -ltnp)? Choose others with --echo-port/--https-port/--mqtt-port/--port NAME=PORT, or 0 for free ones")
                throw ExitCode(ExitStatus.unavailable)
            }
            let readyPath = "\(store.directory.path)/endpoints.json"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let readyJSON = (try? encoder.encode(ready)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            let batch = FileBatch()
            try batch.stage(readyJSON + "\n", to: readyPath, mode: 0o644)
            try batch.commit(syncing: store.directory.path)
            let limitsLine = Self.limitsLine(server: server, descriptors: descriptors, handshakeTimeout: handshakeTimeout)
            let exposure = Self.exposureBlock(ready: ready)
            if json {
                Console.err(limitsLine)
                exposure.forEach { Console.err($0) }
                Console.out(readyJSON)
            } else {
                Console.out(limitsLine)
                exposure.forEach { Console.out($0) }
                printTable(lab: lab, ready: ready)
                Console.out("ready " + ready.endpoints.map { "\($0.name)=\($0.host):\($0.port)" }.joined(separator: " ") + " endpoints=\(Console.path(readyPath))")
            }
            fflush(nil)
            let reloader = PolicyReloader { [options] in Self.reloadPolicy(options: options, server: server, json: json) }
            await stop.wait()
            withExtendedLifetime(reloader) {}
            if !json { Console.err("Stopping: closing the endpoints…") }
            await server.shutdown()
            unlink(readyPath)
            if !json { Console.err("Stopped.") }
        }
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

    private func printIssuance(lab: Lab, report: ApplyReport) {
        if report.changed {
            IssueReportPrinter(lab: lab, report: report).print()
            Console.out()
        } else {
            Console.out("PKI: \"\(Console.path(report.store))\" matches \(lab.file).")
        }
    }

    private var namedPorts: [String: Int] {
        var result: [String: Int] = [:]
        for item in ports {
            let parts = item.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let port = Int(parts[1]) { result[String(parts[0])] = port }
        }
        return result
    }

    private func printTable(lab: Lab, ready: ReadyLab) {
        var rows = [["ENDPOINT", "URL", "PRESENTS", "CLIENT AUTH", "TRUSTS", "TLS"]]
        for endpoint in ready.endpoints where endpoint.zoo == nil {
            if endpoint.kind == .crl {
                rows.append([endpoint.name, endpoint.url, "-", "none (plain HTTP: the CRLs)", "-", "none"])
                continue
            }
            if endpoint.kind == .sntp {
                let shifted = ready.timeOffset == "0" ? "" : ", time \(ready.timeOffset)"
                rows.append([endpoint.name, "udp://\(endpoint.host):\(endpoint.port)", "-", "none (SNTP\(shifted))", "-", "none"])
                continue
            }
            let auth = endpoint.clientAuth == .none ? "none" : "\(endpoint.clientAuth.rawValue) (chain: \(endpoint.clientChain.rawValue))"
            let tls = endpoint.behaviour.map { "\(endpoint.tls), \($0)" } ?? endpoint.tls
            if endpoint.tls == "none" {
                rows.append([endpoint.name, endpoint.url, "-", "none (plain MQTT)", "-", tls])
                continue
            }
            rows.append([endpoint.name, endpoint.url, endpoint.certificate, auth, endpoint.trust.joined(separator: ", "), tls])
        }
        Console.out()
        Console.table(rows)
        Console.out()
        let device = ready.identities.first { $0.role == .client } ?? ready.identities.first { $0.role == .both }
        let ca = Console.path(ready.ca)
        for endpoint in ready.endpoints where endpoint.zoo == nil {
            let host = ["127.0.0.1", "0.0.0.0", "localhost"].contains(endpoint.host) ? "localhost" : endpoint.host
            guard let device else { break }
            switch endpoint.kind {
            case .crl:
                Console.out("CRLs:          curl -s \(endpoint.url)\(lab.authorities.last { !$0.isRoot }?.name ?? lab.authorities[0].name).crl | openssl crl -inform DER -noout -text   (pkilab revoke NAME updates them)")
            case .sntp:
                Console.out("SNTP:          ntpdate -q \(host)\(endpoint.port == 123 ? "" : "   (port \(endpoint.port): devices always ask 123)")")
            case .echo:
                Console.out("Try the echo:  openssl s_client -connect \(host):\(endpoint.port) -CAfile \(ca) -cert \(Console.path(device.cert)) -cert_chain \(Console.path(device.chain)) -key \(Console.path(device.key)) -verify_return_error -quiet")
            case .https:
                Console.out("Try HTTPS:     curl --cacert \(ca) --cert \(Console.path(device.fullchain)) --key \(Console.path(device.key)) https://\(host):\(endpoint.port)/whoami")
            case .mqtt:
                let topic = lab.policy == nil ? "devices/\(device.name)/state" : Self.exampleTopic(lab: lab, device: device.name)
                let tls = endpoint.tls == "none" ? "" : " --cafile \(ca) --cert \(Console.path(device.fullchain)) --key \(Console.path(device.key))"
                let common = "-h \(host) -p \(endpoint.port)\(tls) -i \(device.name)"
                let subscribe = topic.split(separator: "/").dropLast().joined(separator: "/") + "/#"
                let aws = endpoint.behaviour == "aws"
                Console.out("MQTT \(endpoint.name) (\(endpoint.behaviour ?? "mosquitto")):")
                // aws: the client id must be the thing name, and a second connection with it replaces the first.
                Console.out("  subscribe:   mosquitto_sub \(common)\(aws ? "" : "-sub") -t '\(subscribe)' -v")
                Console.out("  publish:     mosquitto_pub \(common) -t '\(topic)' -m hello -q 1")
                if aws { Console.out("               (aws: the client id must be the certificate's name, and a second connection with it closes the first)") }
            }
        }
        if let policy = ready.policy { Console.out("MQTT policy:   \(policy)") }
        let zoo = ready.endpoints.filter { $0.zoo != nil }
        if !zoo.isEmpty {
            Console.out()
            Console.out("Zoo (bad servers a device must refuse; pkilab zoo --json says what is wrong with each, pkilab zoo report what the device did):")
            Console.out("  TLS:  " + zoo.filter { $0.kind == .echo }.map { "\($0.zoo!)=\($0.port)" }.joined(separator: " "))
            Console.out("  MQTT: " + zoo.filter { $0.kind == .mqtt }.map { "\($0.zoo!)=\($0.port)" }.joined(separator: " "))
            Console.out("  bad clients: pkilab probe URL --as zoo/NAME --expect reject, NAME one of \(ZooClient.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for notice in ready.notices where !notice.hasPrefix(Exposure.prefix) { Console.out("Note: \(notice)") }
        if ready.labClockOffset != "0" { Console.out("Note: the endpoints check client certificates as if it were \(LabDate.humanWithTime(ClockOffset(parsing: ready.labClockOffset)?.now ?? Date())) (--lab-clock-offset \(ready.labClockOffset)).") }
        Console.out()
        Console.out("Connections are logged below and in \"\(Console.path(ready.events))\". Ctrl-C stops.")
    }

    /// One line on the file-descriptor limit and the caps and timeouts that keep one client from starving the lab.
    static func limitsLine(server: LabServer, descriptors: (from: Int, to: Int), handshakeTimeout: Int64) -> String {
        let raised = descriptors.to > descriptors.from ? "raised from \(descriptors.from) to \(descriptors.to) (the hard limit)"
            : "\(descriptors.to)\(descriptors.to < 4096 ? " (the hard limit; raise it with ulimit -Hn for more connections)" : "")"
        let caps = server.limits
        return "Limits: open files \(raised); at most \(caps.total) connections (endpoints.max_connections), \(caps.perAddress) per address, "
            + "\(caps.perClient) per client certificate; TLS handshakes and MQTT CONNECT within \(handshakeTimeout) s, "
            + "HTTP requests within \(server.idleTimeout) s of idle (endpoints.idle_timeout)."
    }

    /// The warning block about listeners other machines can reach (empty when all are on loopback).
    static func exposureBlock(ready: ReadyLab) -> [String] {
        let exposed = ready.notices.filter { $0.hasPrefix(Exposure.prefix) }.map { "  " + $0.dropFirst(Exposure.prefix.count) }
        guard !exposed.isEmpty else { return [] }
        return ["Warning: these listeners are reachable from other machines, not only this one:"] + exposed
            + ["  Bind 127.0.0.1 (the default) unless devices on the network need them; only listeners that require a client certificate keep strangers out."]
    }

    /// A topic the lab's policy lets `device` publish to, for the example command.
    static func exampleTopic(lab: Lab, device: String) -> String {
        for rule in lab.policy?.rules ?? [] where rule.effect == .allow && rule.actions.contains(.publish) {
            if !rule.identities.isEmpty && !rule.identities.contains(device) { continue }
            for pattern in rule.topics {
                let filled = pattern.replacingOccurrences(of: "${cn}", with: device).replacingOccurrences(of: "${identity}", with: device)
                    .replacingOccurrences(of: "${client_id}", with: device)
                let levels = filled.split(separator: "/", omittingEmptySubsequences: false).map { $0 == "#" || $0 == "+" ? "state" : String($0) }
                return levels.joined(separator: "/")
            }
        }
        return "devices/\(device)/state"
    }
}
