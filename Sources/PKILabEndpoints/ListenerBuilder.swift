import Foundation
import MQTTBroker
import NIOCore
import PKILab
import X509

/// Turns each served ``EndpointSpec`` into its listener: the TLS context, the pipeline and the application
/// (echo, HTTPS routes, MQTT broker, CRLs, SNTP) that ``LabServer`` starts.
struct ListenerBuilder {
    /// One listener, by the way it is started.
    enum Listener {
        case tcp(TCPEndpoint)
        case http(HTTPEndpoint)
        case sntp(SNTPServer)
    }

    let lab: Lab
    let store: LabStore
    let labFolder: String
    let events: EventLog
    let hub: BrokerHub?
    let limiter: ConnectionLimiter
    let handshakeTimeout: Int64
    let timeOffset: ClockOffset
    let labClock: ClockOffset
    let onRequest: @Sendable (RequestRecord) -> Void
    /// The OTA server and object store's shared state, when the lab has `ota:`.
    let ota: OTAService?
    /// The workshop console's state, when it is served.
    let console: ConsoleService?
    private let authorities: [(spec: AuthoritySpec, certificate: Certificate)]
    private let revocation: RevocationChecker
    private let exampleClient: IdentityFiles?

    init(lab: Lab, store: LabStore, labFolder: String, events: EventLog, hub: BrokerHub?, limiter: ConnectionLimiter, identities: [IdentityFiles],
         handshakeTimeout: Int64, timeOffset: ClockOffset, labClock: ClockOffset, ota: OTAService?, console: ConsoleService? = nil,
         onRequest: @escaping @Sendable (RequestRecord) -> Void) throws {
        self.ota = ota
        self.console = console
        self.lab = lab
        self.store = store
        self.labFolder = labFolder
        self.events = events
        self.hub = hub
        self.limiter = limiter
        self.handshakeTimeout = handshakeTimeout
        self.timeOffset = timeOffset
        self.labClock = labClock
        self.onRequest = onRequest
        authorities = lab.authorities.compactMap { authority in
            guard let text = try? String(contentsOfFile: store.directory.authority(authority.name).certificate, encoding: .utf8),
                  let certificate = try? Certificate(pemEncoded: text) else { return nil }
            return (authority, certificate)
        }
        guard authorities.count == lab.authorities.count else {
            throw ServerTLS.Failure(description: "the store \"\(store.directory.path)\" is missing authorities: run pkilab issue")
        }
        revocation = RevocationChecker(directory: store.directory, authorities: authorities.map { ($0.spec.name, $0.certificate) })
        exampleClient = identities.first { $0.role == .client } ?? identities.first { $0.role == .both }
    }

    func listener(for spec: EndpointSpec) throws -> Listener {
        let limiter = self.limiter
        switch spec.kind {
        case .crl:
            return .http(HTTPEndpoint(plain: spec, limiter: limiter, router: CRLRoutes.router(lab: lab, store: store, endpoint: spec.name, requestLog: onRequest)))
        case .sntp:
            return .sntp(SNTPServer(spec: spec, offset: timeOffset, events: events))
        case .mqtt where spec.isPlainMQTT:
            let listener = mqttListener(spec, tls: nil)
            return .tcp(TCPEndpoint(spec: spec, scheme: "mqtt", limiter: limiter) { channel in
                try channel.pipeline.syncOperations.addHandler(
                    MQTTConnectionHandler(listener: listener, state: nil, peer: LabTLSPipeline.peer(of: channel)))
            })
        case .echo, .https, .mqtt, .store, .console:
            break
        }
        let context = try tlsContext(for: spec)
        switch spec.kind {
        case .echo:
            let zoo = spec.zoo != nil
            return .tcp(TCPEndpoint(spec: spec, scheme: "tls", limiter: limiter) { channel in
                let state = try LabTLSPipeline.configure(channel, endpoint: context)
                try ClientLimitHandler.install(on: channel, state: state, limiter: limiter)
                try channel.pipeline.syncOperations.addHandler(EchoHandler(zoo: zoo ? state : nil))
            })
        case .https:
            let files = spec.files.map { ConfinedFileSystem.absolute($0, in: labFolder) }
            if let files { try ConfinedFileSystem.checkApart(files, from: store.directory.path, spec: spec, labFile: lab.file) }
            let router = HTTPSRoutes.router(lab: lab, store: store, endpoint: context, filesFolder: files, requestLog: onRequest)
            if let ota { OTARoutes.add(to: router, service: ota, endpoint: spec.name) }
            return .http(HTTPEndpoint(context: context, limiter: limiter, router: router))
        case .console:
            // LabServer makes the service whenever a console is served.
            return .http(HTTPEndpoint(context: context, limiter: limiter, router: ConsoleRoutes.router(service: console!, endpoint: context, requestLog: onRequest)))
        case .store:
            // LabServer makes the service whenever the lab has ota:, the only source of store listeners.
            return .http(HTTPEndpoint(context: context, limiter: limiter,
                                      router: ObjectStoreRoutes.router(service: ota!, endpoint: spec.name, untrusted: spec.zoo != nil,
                                                                                       requestLog: onRequest)))
        case .mqtt where spec.dispatchesByALPN:
            // x-amzn-http-ca gets the https endpoint's routes (and its files: folder, already checked apart from the store).
            let files = lab.endpoints.first { $0.kind == .https }?.files.map { ConfinedFileSystem.absolute($0, in: labFolder) }
            let router = HTTPSRoutes.router(lab: lab, store: store, endpoint: context, filesFolder: files, requestLog: onRequest)
            if let ota { OTARoutes.add(to: router, service: ota, endpoint: spec.name) }
            return .http(HTTPEndpoint(awsPort: context, limiter: limiter, router: router, listener: mqttListener(spec, tls: context)))
        default:
            let listener = mqttListener(spec, tls: context)
            return .tcp(TCPEndpoint(spec: spec, scheme: "mqtts", limiter: limiter) { channel in
                let state = try LabTLSPipeline.configure(channel, endpoint: context)
                try ClientLimitHandler.install(on: channel, state: state, limiter: limiter)
                try channel.pipeline.syncOperations.addHandler(
                    MQTTConnectionHandler(listener: listener, state: state, peer: LabTLSPipeline.peer(of: channel)))
            })
        }
    }

    /// The TLS side of `spec`: what it presents, whom it trusts and how it checks client certificates.
    private func tlsContext(for spec: EndpointSpec) throws -> EndpointContext {
        let trust = authorities.filter { spec.trust.contains($0.spec.name) }.map(\.certificate)
        let intermediates = authorities.filter { !$0.spec.isRoot }.map(\.certificate)
        let alpn = spec.alpn.isEmpty ? (spec.kind == .https ? (spec.http2 ? ["h2", "http/1.1"] : ["http/1.1"]) : []) : spec.alpn
        let configuration = try ServerTLS.configuration(for: spec, store: store, trust: trust, alpn: alpn)
        let sslContext = try ServerTLS.context(spec, configuration: configuration)
        let verifier = ChainVerifier(roots: trust, intermediates: intermediates, revocation: revocation)
        let openSSL = try ServerTLS.openSSLContext(for: spec, store: store, trust: trust, alpn: alpn, verifier: verifier, clock: labClock)
        let presented = lab.certificates.first { $0.name == spec.certificate }
        let serverRoot = spec.kind == .store && spec.zoo == nil ? presented.flatMap { lab.ancestry(of: $0.issuer).last?.name } : nil
        return try EndpointContext(spec: spec, sslContext: sslContext,
                                   verifier: verifier, events: events,
                                   handshakeTimeout: .seconds(handshakeTimeout),
                                   rootBundle: store.directory.rootBundle, exampleClient: exampleClient, clock: labClock, serverRoot: serverRoot,
                                   unresumable: spec.isAWSIoT ? configuration : nil, openSSL: openSSL)
    }

    private func mqttListener(_ spec: EndpointSpec, tls: EndpointContext?) -> MQTTListener {
        // The lab has an MQTT endpoint here, so LabServer made the hub.
        MQTTListener(name: spec.name, hub: hub!, configuration: spec.mqtt.configuration(name: spec.name), identitySource: spec.mqtt.identity,
                     tls: tls, connectTimeout: .seconds(handshakeTimeout))
    }
}
