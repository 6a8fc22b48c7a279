import Foundation
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
}

/// Starts and stops a lab's endpoints.
public final class LabServer: Sendable {
    public let lab: Lab
    public let store: LabStore
    private let tcp: [TCPEndpoint]
    private let https: [HTTPSEndpoint]
    private let hub: BrokerHub?
    private let ticker = Mutex<RepeatedTask?>(nil)
    private let events: EventLog
    private let eventsPath: String
    private let identities: [IdentityFiles]

    /// Prepares the endpoints of `lab` from the certificates in `store` (run `apply` first).
    ///
    /// - Parameters:
    ///   - labFolder: the folder of the lab file, against which `files:` is resolved.
    ///   - bind: overrides every endpoint's address.
    ///   - portOverrides: ports by endpoint name (`echo`, `https`, `mqtt`, `mqtt-plain`, …).
    ///   - extraEventFiles: more files to append events to (`--events FILE`).
    public init(lab: Lab, store: LabStore, labFolder: String, bind: String? = nil, portOverrides: [String: Int] = [:],
                extraEventFiles: [String] = [], handshakeTimeout: Int64 = 10,
                onEvent: @escaping @Sendable (ConnectionEvent, String) -> Void, onRequest: @escaping @Sendable (RequestRecord) -> Void) throws {
        self.lab = lab
        let absolute = store.directory.path.hasPrefix("/") ? store.directory.path
            : FileManager.default.currentDirectoryPath + "/" + store.directory.path
        let store = LabStore(path: (absolute as NSString).standardizingPath)
        self.store = store
        eventsPath = "\(store.directory.path)/events.jsonl"
        events = try EventLog(paths: [eventsPath] + extraEventFiles, listener: onEvent)
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
        var https: [HTTPSEndpoint] = []
        let hub = lab.endpoints.contains { $0.kind == .mqtt } ? BrokerHub(policy: lab.policy, events: events) : nil
        for var spec in lab.endpoints {
            if let bind { spec.bind = bind }
            if let port = portOverrides[spec.name] { spec.port = port }
            let trust = authorities.filter { spec.trust.contains($0.0.name) }.map(\.1)
            let alpn = spec.alpn.isEmpty ? (spec.kind == .https ? (spec.http2 ? ["h2", "http/1.1"] : ["http/1.1"]) : []) : spec.alpn
            let sslContext = try ServerTLS.context(for: spec, store: store, trust: trust, alpn: alpn)
            let context = try EndpointContext(spec: spec, sslContext: sslContext,
                                              verifier: ChainVerifier(roots: trust, intermediates: intermediates), events: events,
                                              handshakeTimeout: .seconds(handshakeTimeout),
                                              rootBundle: store.directory.rootBundle, exampleClient: exampleClient)
            switch spec.kind {
            case .echo:
                tcp.append(TCPEndpoint(spec: spec, scheme: "tls") { channel in
                    _ = try LabTLSPipeline.configure(channel, endpoint: context)
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                })
            case .https:
                let files = spec.files.map { $0.hasPrefix("/") ? $0 : "\(labFolder)/\($0)" }
                https.append(HTTPSEndpoint(context: context, router: HTTPSRoutes.router(lab: lab, store: store, endpoint: context,
                                                                                         filesFolder: files, requestLog: onRequest)))
            case .mqtt:
                guard let hub else { continue }
                func makeListener(_ name: String, tls: EndpointContext?) -> MQTTListener {
                    MQTTListener(name: name, hub: hub, configuration: spec.mqtt.configuration(name: name), identitySource: spec.mqtt.identity,
                                 tls: tls, connectTimeout: .seconds(handshakeTimeout))
                }
                let listener = makeListener(spec.name, tls: context)
                tcp.append(TCPEndpoint(spec: spec, scheme: "mqtts") { channel in
                    let state = try LabTLSPipeline.configure(channel, endpoint: context)
                    try channel.pipeline.syncOperations.addHandler(
                        MQTTConnectionHandler(listener: listener, state: state, peer: LabTLSPipeline.peer(of: channel)))
                })
                if let plainPort = portOverrides["\(spec.name)-plain"] ?? spec.mqtt.plainPort {
                    var plain = spec
                    plain.name = "\(spec.name)-plain"
                    plain.port = plainPort
                    plain.clientAuth = .none
                    let plainListener = makeListener(plain.name, tls: nil)
                    tcp.append(TCPEndpoint(spec: plain, scheme: "mqtt") { channel in
                        try channel.pipeline.syncOperations.addHandler(
                            MQTTConnectionHandler(listener: plainListener, state: nil, peer: LabTLSPipeline.peer(of: channel)))
                    })
                }
            }
        }
        self.tcp = tcp
        self.https = https
        self.hub = hub
    }

    /// Binds every endpoint; returns where they listen. On failure, whatever started is stopped again.
    public func start() async throws -> ReadyLab {
        var running: [RunningEndpoint] = []
        do {
            for endpoint in tcp {
                let port = try await endpoint.start(group: MultiThreadedEventLoopGroup.singleton)
                running.append(Self.describe(endpoint.spec, port: port, scheme: endpoint.scheme))
            }
            for endpoint in https {
                let port = try await endpoint.start()
                running.append(Self.describe(endpoint.context.spec, port: port, scheme: "https"))
            }
        } catch {
            await shutdown()
            throw error
        }
        if let hub {
            let timer = MultiThreadedEventLoopGroup.singleton.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                hub.tick()
            }
            ticker.withLock { $0 = timer }
        }
        return ReadyLab(lab: lab.name, ca: store.directory.rootBundle, events: eventsPath, endpoints: running, identities: identities,
                        policy: hub?.policyDescription)
    }

    /// Stops accepting, lets open connections finish for up to `grace` seconds, then closes them. MQTT 5 clients
    /// are told the server is shutting down (0x8B).
    public func shutdown(grace: Int64 = 3) async {
        ticker.withLock { $0?.cancel() }
        hub?.shutdown()
        for endpoint in tcp { await endpoint.shutdown(grace: .seconds(grace)) }
        for endpoint in https { await endpoint.shutdown() }
    }

    static func describe(_ spec: EndpointSpec, port: Int, scheme: String) -> RunningEndpoint {
        let host = spec.bind.contains(":") ? "[\(spec.bind)]" : spec.bind
        let display = spec.bind == "0.0.0.0" ? "localhost" : host
        return RunningEndpoint(name: spec.name, kind: spec.kind, host: spec.bind, port: port,
                               url: "\(scheme)://\(display):\(port)" + (spec.kind == .https ? "/" : ""),
                               certificate: spec.certificate, clientAuth: spec.clientAuth, clientChain: spec.clientChain,
                               trust: spec.trust, tls: scheme == "mqtt" ? "none" : "\(spec.minimumTLS.rawValue)–\(spec.maximumTLS.rawValue)",
                               behaviour: spec.kind == .mqtt ? spec.mqtt.behaviour.rawValue : nil)
    }
}
