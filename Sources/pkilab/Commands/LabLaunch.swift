import ArgumentParser
import Foundation
import PKILab
import PKILabEndpoints

/// What `pkilab up` and `pkilab run` change about what lab.yaml serves.
struct ServeSettings {
    var bind: String?
    /// `--port NAME=PORT`: a name the lab does not have is an error.
    var ports: [String: Int] = [:]
    /// `--echo-port`, `--https-port`, `--mqtt-port`: for the endpoints of those names, when the lab has them.
    var conventionalPorts: [String: Int] = [:]
    /// `--port NAME=off`.
    var off: Set<String> = []
    /// `--ports auto`: every other listener on a free port.
    var freePorts = false
    var zoo = false
    /// `--console`: serve the workshop console too.
    var console = false
    var zooPort: Int?
    var zooMqttPort: Int?
    var extraEventFiles: [String] = []
    var handshakeTimeout: Int64 = 10
    /// `--tls-engine` (or `PKILAB_TLS_ENGINE`): every TLS listener runs on this library, whatever `tls_engine:` says.
    var tlsEngine: EndpointSpec.TLSEngine?
    var timeOffset: ClockOffset = .zero
    var labClockOffset: ClockOffset = .zero
    var force = false
}

/// A lab applied and listening: the shared start of `pkilab up` and `pkilab run`.
struct LabLaunch {
    typealias Handlers = (onEvent: @Sendable (ConnectionEvent, String) -> Void, onRequest: @Sendable (RequestRecord) -> Void)

    let lab: Lab
    let store: LabStore
    let specs: [EndpointSpec]
    let server: LabServer
    let ready: ReadyLab
    let descriptors: (from: Int, to: Int)

    /// Reads the lab, checks the command line's endpoint names against it (before anything is written), applies it
    /// to the store (printing what was issued unless `quiet`), makes the zoo when asked, and starts every endpoint.
    /// `handlers` gets the listeners to serve and returns what to do with each event and each HTTP request.
    static func start(options: LabOptions, settings: ServeSettings, quiet: Bool,
                      handlers: ([EndpointSpec]) -> Handlers) async throws -> LabLaunch {
        let lab = try options.loadLab()
        let named = Set(settings.ports.keys).union(settings.off)
        if let unknown = named.sorted().first(where: { !lab.listenerNames.contains($0) }) {
            throw CommandFailure(ExitStatus.usage, "unknown_endpoint", "--port \(unknown)=…: \(lab.file) has no endpoint named \"\(unknown)\"",
                                 hint: "endpoints: \(lab.endpoints.map(\.name).joined(separator: ", ")) (and NAME-plain beside an MQTT endpoint with plain_port)")
        }
        let store = options.store
        let report = try options.apply(lab, force: settings.force)
        if !quiet && report.changed {
            IssueReportPrinter(lab: lab, report: report).print()
            Console.out()
        } else if !quiet {
            Console.out("PKI: \"\(Console.path(report.store))\" matches \(lab.file).")
        }
        var zooSpec = lab.zoo ?? (settings.zoo || settings.zooPort != nil || settings.zooMqttPort != nil ? ZooSpec() : nil)
        if let port = settings.zooPort { zooSpec?.port = port }
        if let port = settings.zooMqttPort { zooSpec?.mqttPort = port }
        // The zoo's bad servers, and the untrusted object store (ota:), which presents the zoo's untrusted-root certificate.
        if zooSpec != nil || lab.ota != nil, try store.prepareZoo(for: lab).made, !quiet {
            Console.out(zooSpec != nil ? "Zoo: made the bad servers and bad clients in \"\(Console.path(store.directory.zooFolder))\"."
                        : "OTA: made the untrusted store's certificate (the wrong-ca fault) with the zoo in \"\(Console.path(store.directory.zooFolder))\".")
        }
        let ports = settings.conventionalPorts.merging(settings.ports) { $1 }
        var specs = lab.servedEndpoints(zoo: zooSpec, bind: settings.bind, ports: ports, off: settings.off, freePorts: settings.freePorts,
                                        console: settings.console)
        if let engine = settings.tlsEngine {
            for index in specs.indices where specs[index].kind.usesTLS { specs[index].tlsEngine = engine }
        }
        guard !specs.isEmpty else {
            throw CommandFailure(ExitStatus.usage, "no_endpoints", "\(lab.file) has no endpoints to serve" + (settings.off.isEmpty ? "" : " (--port NAME=off switched off the rest)"),
                                 hint: "add a certificate with role: server (the endpoints present it), or an endpoints: section")
        }
        // As nginx and Mosquitto do: the hard limit is what the administrator allows, the soft one only a default.
        let descriptors = FileDescriptorLimit.raiseToHardLimit()
        let server: LabServer
        let ready: ReadyLab
        let (onEvent, onRequest) = handlers(specs)
        do {
            let labFolder = (options.labPath as NSString).deletingLastPathComponent
            server = try LabServer(
                lab: lab, store: store, labFolder: labFolder.isEmpty ? "." : labFolder, endpoints: specs, extraEventFiles: settings.extraEventFiles,
                handshakeTimeout: settings.handshakeTimeout, timeOffset: settings.timeOffset, labClockOffset: settings.labClockOffset,
                onEvent: onEvent, onRequest: onRequest)
            ready = try await server.start()
        } catch let error as StoreError {
            throw error
        } catch let error as LabFileError {
            throw error
        } catch let error as EndpointStartError {
            throw error
        } catch {
            throw CommandFailure(ExitStatus.unavailable, "listen_failed", "the endpoints could not be prepared: \(error)",
                                 hint: "run pkilab issue, and check the endpoints: section of \(lab.file)")
        }
        return LabLaunch(lab: lab, store: store, specs: specs, server: server, ready: ready, descriptors: descriptors)
    }

    /// Writes `ca/endpoints.json`, `ca/serving.json` and, when given, the ready file, once everything listens.
    func writeReadyFiles(readyFile: String?) throws {
        try ready.write(to: store.directory)
        if let readyFile { try ready.write(toFile: readyFile) }
        try servingState.write(to: store.directory)
    }

    /// Stops every endpoint and removes what ``writeReadyFiles(readyFile:)`` wrote.
    func stop(readyFile: String?) async {
        await server.shutdown()
        ReadyLab.remove(from: store.directory)
        ServingLab.remove(from: store.directory)
        if let readyFile { try? FileManager.default.removeItem(atPath: readyFile) }
    }

    /// `ca/serving.json`: this process and the real port of each of the lab's endpoints (not the zoo's), which
    /// `pkilab export` puts into firmware files.
    private var servingState: ServingLab {
        let endpoints = ready.endpoints.filter { $0.zoo == nil || $0.kind == .store }.compactMap { running -> ServingLab.Endpoint? in
            guard let spec = specs.first(where: { $0.name == running.name }) else { return nil }
            return ServingLab.Endpoint(name: running.name, kind: running.kind, scheme: ServingLab.scheme(of: spec), bind: spec.bind, port: running.port)
        }
        return ServingLab(lab: lab.name, endpoints: endpoints)
    }
}
