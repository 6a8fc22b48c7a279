import Foundation
import MQTTBroker
import NIOCore
import NIOPosix
import PKILab
import Synchronization
import X509

/// Where a running endpoint is and how to reach it: the ready file `ca/endpoints.json` and `pkilab up --json`.
public struct RunningEndpoint: Sendable, Codable {
    public var name: String
    public var kind: EndpointSpec.Kind
    public var host: String
    public var port: Int
    public var url: String
    public var certificate: String
    public var clientAuth: EndpointSpec.ClientAuth
    public var clientChain: EndpointSpec.ClientChain
    public var trust: [String]
    public var tls: String
    /// MQTT: `mosquitto` or `aws`.
    public var behaviour: String?
    /// The zoo's bad servers: which one (a ``ZooServer`` raw value).
    public var zoo: String?
}

/// A lab identity's files, for clients: what to pass as CA, certificate and key.
public struct IdentityFiles: Sendable, Codable {
    public var name: String
    public var role: LeafRole
    public var cert: String
    public var key: String
    public var chain: String
    public var fullchain: String
}

/// Everything `pkilab up` resolved, once every endpoint listens.
public struct ReadyLab: Sendable, Codable {
    public var lab: String
    public var ca: String
    public var events: String
    public var endpoints: [RunningEndpoint]
    public var identities: [IdentityFiles]
    /// What the MQTT broker allows, in words (nil without an MQTT endpoint).
    public var policy: String?
    /// Things that did not go as configured but did not stop the lab (for example SNTP without permission for port 123),
    /// and one line per listener reachable from other machines, starting with ``Exposure/prefix``.
    public var notices: [String]
    /// The SNTP answers' offset from this machine's clock (`--time-offset`), and the lab's own validation clock's.
    public var timeOffset: String
    public var labClockOffset: String
}

/// Starts and stops a lab's endpoints.
public final class LabServer: Sendable {
    public let lab: Lab
    public let store: LabStore
    private let tcp: [TCPEndpoint]
    private let https: [HTTPEndpoint]
    private let sntp: [SNTPServer]
    private let timeOffset: ClockOffset
    private let labClock: ClockOffset
    private let hub: BrokerHub?
    private let ticker = Mutex<RepeatedTask?>(nil)
    private let renewals = Mutex<RepeatedTask?>(nil)
    private let events: EventLog
    private let eventsPath: String
    private let identities: [IdentityFiles]
    /// The connection caps every endpoint shares.
    public let limits: ConnectionCaps
    /// Seconds an HTTP connection may go without a complete request (`endpoints.idle_timeout`).
    public let idleTimeout: Int

    /// Prepares the endpoints of `lab` from the certificates in `store` (run `apply` first).
    ///
    /// - Parameters:
    ///   - labFolder: the folder of the lab file, against which `files:` is resolved.
    ///   - bind: overrides every endpoint's address.
    ///   - portOverrides: ports by endpoint name (`echo`, `https`, `mqtt`, `mqtt-plain`, …).
    ///   - extraEventFiles: more files to append events to (`--events FILE`).
    ///   - zoo: where to serve the zoo's bad servers (run ``LabStore/prepareZoo(for:now:)`` first), or nil for none.
    ///   - timeOffset: what the SNTP server adds to this machine's time.
    ///   - labClockOffset: what the endpoints add to this machine's time when they check client certificates.
    public init(lab: Lab, store: LabStore, labFolder: String, bind: String? = nil, portOverrides: [String: Int] = [:],
                extraEventFiles: [String] = [], handshakeTimeout: Int64 = 10, zoo: ZooSpec? = nil,
                timeOffset: ClockOffset = .zero, labClockOffset: ClockOffset = .zero,
                onEvent: @escaping @Sendable (ConnectionEvent, String) -> Void, onRequest: @escaping @Sendable (RequestRecord) -> Void) throws {
        self.lab = lab
        self.timeOffset = timeOffset
        labClock = labClockOffset
        let absolute = store.directory.path.hasPrefix("/") ? store.directory.path
            : FileManager.default.currentDirectoryPath + "/" + store.directory.path
        let store = LabStore(path: (absolute as NSString).standardizingPath)
        self.store = store
        eventsPath = "\(store.directory.path)/events.jsonl"
        events = try EventLog(paths: [eventsPath] + extraEventFiles, rotation: lab.events, listener: onEvent)
        let authorities = lab.authorities.compactMap { authority -> (AuthoritySpec, Certificate)? in
            guard let text = try? String(contentsOfFile: "\(store.directory.folder(forAuthority: authority.name))/cert.pem", encoding: .utf8),
                  let certificate = try? Certificate(pemEncoded: text) else { return nil }
            return (authority, certificate)
        }
        guard authorities.count == lab.authorities.count else {
            throw ServerTLS.Failure(description: "the store \"\(store.directory.path)\" is missing authorities: run pkilab issue")
        }
        let intermediates = authorities.filter { !$0.0.isRoot }.map(\.1)
        let identities = lab.certificates.map { leaf in
            let folder = store.directory.folder(forCertificate: leaf.name)
            return IdentityFiles(name: leaf.name, role: leaf.role, cert: "\(folder)/cert.pem", key: "\(folder)/key.pem",
                                 chain: "\(folder)/chain.pem", fullchain: "\(folder)/fullchain.pem")
        }
        self.identities = identities
        let exampleClient = identities.first { $0.role == .client } ?? identities.first { $0.role == .both }
        var tcp: [TCPEndpoint] = []
        var https: [HTTPEndpoint] = []
        var sntp: [SNTPServer] = []
        let revocation = RevocationChecker(directory: store.directory, authorities: authorities.map { ($0.0.name, $0.1) })
        var specs = lab.endpoints
        if let zoo {
            let roots = lab.authorities.filter(\.isRoot).map(\.name)
            let address = zoo.bind ?? lab.endpoints.first { $0.kind == .echo }?.bind ?? "127.0.0.1"
            for scenario in ZooServer.allCases {
                var echo = EndpointSpec(kind: .echo, name: "zoo-\(scenario.rawValue)", bind: address, port: zoo.port(of: scenario),
                                        certificate: "zoo/\(scenario.rawValue)", clientAuth: .optional, trust: roots)
                echo.zoo = scenario
                specs.append(echo)
            }
            for scenario in ZooServer.mqttVariants {
                var mqtt = EndpointSpec(kind: .mqtt, name: "zoo-mqtt-\(scenario.rawValue)", bind: address, port: zoo.mqttPort(of: scenario) ?? 0,
                                        certificate: "zoo/\(scenario.rawValue)", clientAuth: .optional, trust: roots)
                mqtt.zoo = scenario
                specs.append(mqtt)
            }
        }
        let hub = specs.contains { $0.kind == .mqtt } ? BrokerHub(policy: lab.policy, quotas: lab.brokerQuotas, events: events) : nil
        let servingLimits = lab.endpoints.first?.limits ?? ServingLimits()
        // Held back from the connections: the event logs, a listener per endpoint, NIO's own descriptors and the files
        // (CRLs, /files/) being read.
        let caps = ConnectionLimiter.caps(for: servingLimits, descriptorLimit: FileDescriptorLimit.current, reserve: 64 + 2 * specs.count)
        let limiter = ConnectionLimiter(caps: caps, events: events)
        limits = caps
        idleTimeout = servingLimits.idleTimeout
        for var spec in specs {
            if let bind { spec.bind = bind }
            if let port = portOverrides[spec.name] { spec.port = port }
            switch spec.kind {
            case .crl:
                https.append(HTTPEndpoint(plain: spec, limiter: limiter, router: CRLRoutes.router(lab: lab, store: store, endpoint: spec.name, requestLog: onRequest)))
                continue
            case .sntp:
                sntp.append(SNTPServer(spec: spec, offset: timeOffset, events: events))
                continue
            default:
                break
            }
            let trust = authorities.filter { spec.trust.contains($0.0.name) }.map(\.1)
            let alpn = spec.alpn.isEmpty ? (spec.kind == .https ? (spec.http2 ? ["h2", "http/1.1"] : ["http/1.1"]) : []) : spec.alpn
            let sslContext = try ServerTLS.context(for: spec, store: store, trust: trust, alpn: alpn)
            let context = try EndpointContext(spec: spec, sslContext: sslContext,
                                              verifier: ChainVerifier(roots: trust, intermediates: intermediates, revocation: revocation), events: events,
                                              handshakeTimeout: .seconds(handshakeTimeout),
                                              rootBundle: store.directory.rootBundle, exampleClient: exampleClient, clock: labClockOffset)
            switch spec.kind {
            case .crl, .sntp:
                continue
            case .echo:
                let zoo = spec.zoo != nil
                tcp.append(TCPEndpoint(spec: spec, scheme: "tls", limiter: limiter) { channel in
                    let state = try LabTLSPipeline.configure(channel, endpoint: context)
                    try ClientLimitHandler.install(on: channel, state: state, limiter: limiter)
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(zoo: zoo ? state : nil))
                })
            case .https:
                let files = spec.files.map { ConfinedFileSystem.absolute($0, in: labFolder) }
                if let files { try ConfinedFileSystem.checkApart(files, from: store.directory.path, spec: spec, labFile: lab.file) }
                https.append(HTTPEndpoint(context: context, limiter: limiter, router: HTTPSRoutes.router(lab: lab, store: store, endpoint: context,
                                                                                         filesFolder: files, requestLog: onRequest)))
            case .mqtt:
                guard let hub else { continue }
                func makeListener(_ name: String, tls: EndpointContext?) -> MQTTListener {
                    MQTTListener(name: name, hub: hub, configuration: spec.mqtt.configuration(name: name), identitySource: spec.mqtt.identity,
                                 tls: tls, connectTimeout: .seconds(handshakeTimeout))
                }
                let listener = makeListener(spec.name, tls: context)
                tcp.append(TCPEndpoint(spec: spec, scheme: "mqtts", limiter: limiter) { channel in
                    let state = try LabTLSPipeline.configure(channel, endpoint: context)
                    try ClientLimitHandler.install(on: channel, state: state, limiter: limiter)
                    try channel.pipeline.syncOperations.addHandler(
                        MQTTConnectionHandler(listener: listener, state: state, peer: LabTLSPipeline.peer(of: channel)))
                })
                if let plainPort = portOverrides["\(spec.name)-plain"] ?? spec.mqtt.plainPort {
                    var plain = spec
                    plain.name = "\(spec.name)-plain"
                    plain.port = plainPort
                    plain.clientAuth = .none
                    let plainListener = makeListener(plain.name, tls: nil)
                    tcp.append(TCPEndpoint(spec: plain, scheme: "mqtt", limiter: limiter) { channel in
                        try channel.pipeline.syncOperations.addHandler(
                            MQTTConnectionHandler(listener: plainListener, state: nil, peer: LabTLSPipeline.peer(of: channel)))
                    })
                }
            }
        }
        self.tcp = tcp
        self.https = https
        self.sntp = sntp
        self.hub = hub
    }

    /// Binds every endpoint; returns where they listen. On failure, whatever started is stopped again.
    public func start() async throws -> ReadyLab {
        var running: [RunningEndpoint] = []
        var notices: [String] = []
        do {
            for endpoint in tcp {
                let port = try await endpoint.start(group: MultiThreadedEventLoopGroup.singleton)
                running.append(Self.describe(endpoint.spec, port: port, scheme: endpoint.scheme))
            }
            for endpoint in https {
                let port = try await endpoint.start()
                running.append(Self.describe(endpoint.spec, port: port, scheme: endpoint.scheme))
            }
            for server in sntp {
                do {
                    let port = try await server.start(group: MultiThreadedEventLoopGroup.singleton)
                    running.append(Self.describe(server.spec, port: port, scheme: "ntp"))
                } catch let error as IOError where error.errnoCode == EACCES && server.spec.port < 1024 {
                    notices.append("SNTP is off: port \(server.spec.port) needs root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep \"$(command -v pkilab)\"). Devices (lwIP) always ask port 123; for a client that can use another port, give --port sntp=1123.")
                }
            }
        } catch {
            await shutdown()
            throw error
        }
        notices += Exposure.notices(for: running)
        let store = self.store
        let lab = self.lab
        let renewal = MultiThreadedEventLoopGroup.singleton.next().scheduleRepeatedTask(initialDelay: .hours(1), delay: .hours(1)) { _ in
            // It may wait for the store's lock and syncs the disk: not on an event loop.
            Task.detached { try? store.renewRevocationLists(of: lab) }
        }
        renewals.withLock { $0 = renewal }
        if let hub {
            let timer = MultiThreadedEventLoopGroup.singleton.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                hub.tick()
            }
            ticker.withLock { $0 = timer }
        }
        return ReadyLab(lab: lab.name, ca: store.directory.rootBundle, events: eventsPath, endpoints: running, identities: identities,
                        policy: hub?.policyDescription, notices: notices, timeOffset: timeOffset.description, labClockOffset: labClock.description)
    }

    /// Stops accepting, lets open connections finish for up to `grace` seconds, then closes them. MQTT 5 clients
    /// are told the server is shutting down (0x8B).
    /// Puts `policy` in force on the running broker (SIGHUP): what every session may publish and receive is compiled
    /// again, and queued messages it may no longer read are dropped.
    public func replacePolicy(_ policy: BrokerPolicy?) {
        hub?.replacePolicy(policy)
    }

    public func shutdown(grace: Int64 = 3) async {
        ticker.withLock { $0?.cancel() }
        renewals.withLock { $0?.cancel() }
        hub?.shutdown()
        for endpoint in tcp { await endpoint.shutdown(grace: .seconds(grace)) }
        for endpoint in https { await endpoint.shutdown() }
        for server in sntp { await server.shutdown() }
    }

    static func describe(_ spec: EndpointSpec, port: Int, scheme: String) -> RunningEndpoint {
        let host = spec.bind.contains(":") ? "[\(spec.bind)]" : spec.bind
        let display = spec.bind == "0.0.0.0" ? "localhost" : host
        let tls = scheme == "mqtt" || !spec.kind.usesTLS
        return RunningEndpoint(name: spec.name, kind: spec.kind, host: spec.bind, port: port,
                               url: "\(scheme)://\(display):\(port)" + (spec.kind == .https ? "/" : spec.kind == .crl ? "/crl/" : ""),
                               certificate: spec.kind.usesTLS ? spec.certificate : "", clientAuth: tls ? .none : spec.clientAuth, clientChain: spec.clientChain,
                               trust: tls ? [] : spec.trust, tls: tls ? "none" : "\(spec.minimumTLS.rawValue)–\(spec.maximumTLS.rawValue)",
                               behaviour: spec.kind == .mqtt ? spec.mqtt.behaviour.rawValue : nil, zoo: spec.zoo?.rawValue)
    }
}
