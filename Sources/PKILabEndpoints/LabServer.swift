import Foundation
import MQTTBroker
import NIOCore
import NIOPosix
import PKILab
import Synchronization
import X509

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
    /// The control socket (`ca/control.sock`) of a lab with an AWS IoT twin.
    private let control = Mutex<ControlServer?>(nil)
    private let events: EventLog
    private let identities: [IdentityFiles]
    private let ota: OTAService?
    /// The workshop console's state, when one of `endpoints` is the console.
    public let console: ConsoleService?
    /// The connection caps every endpoint shares.
    public let limits: ConnectionCaps
    /// Seconds an HTTP connection may go without a complete request (`endpoints.idle_timeout`).
    public let idleTimeout: Int

    /// Prepares `endpoints` (see ``PKILab/Lab/servedEndpoints(zoo:bind:ports:)``) of `lab` from the certificates in
    /// `store` (run `apply` first, and ``PKILab/LabStore/prepareZoo(for:now:)`` for the zoo's).
    ///
    /// - Parameters:
    ///   - labFolder: the folder of the lab file, against which `files:` is resolved.
    ///   - extraEventFiles: more files to append events to (`--events FILE`).
    ///   - timeOffset: what the SNTP server adds to this machine's time.
    ///   - labClockOffset: what the endpoints add to this machine's time when they check client certificates.
    public init(lab: Lab, store: LabStore, labFolder: String, endpoints specs: [EndpointSpec], extraEventFiles: [String] = [],
                handshakeTimeout: Int64 = 10, timeOffset: ClockOffset = .zero, labClockOffset: ClockOffset = .zero,
                onEvent: @escaping @Sendable (ConnectionEvent, String) -> Void, onRequest: @escaping @Sendable (RequestRecord) -> Void) throws {
        self.lab = lab
        self.timeOffset = timeOffset
        labClock = labClockOffset
        let absolute = store.directory.path.hasPrefix("/") ? store.directory.path
            : FileManager.default.currentDirectoryPath + "/" + store.directory.path
        let store = LabStore(path: (absolute as NSString).standardizingPath)
        self.store = store
        let consoleSpec = specs.first { $0.kind == .console }
        let console = consoleSpec.map { ConsoleService(lab: lab, store: store, endpointName: $0.name) }
        self.console = console
        let events = try EventLog(paths: [store.directory.events] + extraEventFiles, rotation: lab.events) { event, line in
            console?.publish(event, line: line)
            onEvent(event, line)
        }
        self.events = events
        identities = lab.certificates.map { IdentityFiles($0, in: store.directory) }
        let servingLimits = lab.endpoints.first?.limits ?? ServingLimits()
        // Held back from the connections: the event logs, a listener per endpoint, NIO's own descriptors and the files
        // (CRLs, /files/) being read.
        limits = ConnectionLimiter.caps(for: servingLimits, descriptorLimit: FileDescriptorLimit.current, reserve: 64 + 2 * specs.count)
        idleTimeout = servingLimits.idleTimeout
        var ota: OTAService?
        if let spec = lab.ota {
            ota = try OTAService(spec: spec, store: store, labFolder: labFolder, events: events, clock: labClockOffset)
        }
        self.ota = ota
        let twin = try IoTTwinFactory.make(lab: lab, store: store, ota: ota, clock: labClockOffset)
        let hub = specs.contains { $0.kind == .mqtt } ? BrokerHub(policy: lab.policy, quotas: lab.brokerQuotas, twin: twin, store: store, events: events) : nil
        let builder = try ListenerBuilder(lab: lab, store: store, labFolder: labFolder, events: events, hub: hub,
                                          limiter: ConnectionLimiter(caps: limits, events: events), identities: identities,
                                          handshakeTimeout: handshakeTimeout, timeOffset: timeOffset, labClock: labClockOffset, ota: ota,
                                          console: console) { request in
            console?.publish(request)
            onRequest(request)
        }
        var tcp: [TCPEndpoint] = []
        var https: [HTTPEndpoint] = []
        var sntp: [SNTPServer] = []
        for spec in specs {
            switch try builder.listener(for: spec) {
            case .tcp(let endpoint): tcp.append(endpoint)
            case .http(let endpoint): https.append(endpoint)
            case .sntp(let server): sntp.append(server)
            }
        }
        self.tcp = tcp
        self.https = https
        self.sntp = sntp
        self.hub = hub
    }

    /// Binds every endpoint; returns where they listen. On failure, whatever started is stopped again, and the
    /// error is an ``EndpointStartError`` naming the endpoint that could not listen.
    public func start() async throws -> ReadyLab {
        var running: [RunningEndpoint] = []
        var notices: [String] = []
        // `bind` listens on the port it is given. An AWS IoT twin the lab file put below 1024 (not --port) that may
        // not listen there falls back to a free port, with the same behaviour, and a notice says how to get its own.
        func listen(_ spec: EndpointSpec, scheme: String, fallback: Bool = true, _ bind: (Int) async throws -> Int) async throws {
            do {
                running.append(RunningEndpoint(spec, port: try await bind(spec.port), scheme: scheme))
            } catch {
                let failure = EndpointStartError(spec, error: error)
                guard fallback, failure.reason == .permissionDenied, LowPortFallback.applies(to: spec) else { throw failure }
                let port: Int
                do { port = try await bind(0) } catch { throw failure }
                running.append(RunningEndpoint(spec, port: port, scheme: scheme))
                notices.append(LowPortFallback.notice(for: spec, port: port))
            }
        }
        do {
            for endpoint in tcp {
                try await listen(endpoint.spec, scheme: endpoint.scheme) { try await endpoint.start(group: MultiThreadedEventLoopGroup.singleton, port: $0) }
            }
            for endpoint in https {
                try await listen(endpoint.spec, scheme: endpoint.scheme) { try await endpoint.start(port: $0) }
            }
            for server in sntp {
                do {
                    // Devices (lwIP) only ever ask port 123: SNTP elsewhere is no use to them, so it is off instead.
                    try await listen(server.spec, scheme: "ntp", fallback: false) { _ in try await server.start(group: MultiThreadedEventLoopGroup.singleton) }
                } catch let error as EndpointStartError where error.reason == .permissionDenied && server.spec.port < 1024 {
                    notices.append("SNTP is off: port \(server.spec.port) needs root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep \"$(command -v pkilab)\"). Devices (lwIP) always ask port 123; for a client that can use another port, give --port sntp=1123.")
                }
            }
        } catch {
            await shutdown()
            throw error
        }
        ota?.storeListens(port: running.first { $0.name == "store" }?.port, untrustedPort: running.first { $0.name == "store-untrusted" }?.port)
        if let hub, lab.awsIoT != nil {
            do {
                let server = try await ControlServer.start(path: store.directory.controlSocket) { request in hub.control(request) }
                control.withLock { $0 = server }
            } catch {
                notices.append("pkilab shadow and pkilab job cannot reach this lab: \(error). Devices are not affected.")
            }
        }
        notices += Exposure.notices(for: running)
        console?.started(running)
        scheduleTimers()
        return ReadyLab(lab: lab.name, ca: store.directory.rootBundle, events: store.directory.events, endpoints: running, identities: identities,
                        policy: hub?.policyDescription, notices: notices, timeOffset: timeOffset.description, labClockOffset: labClock.description, pid: getpid())
    }

    /// The hourly CRL renewal and, with a broker, its one-second tick.
    private func scheduleTimers() {
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
    }

    /// The OTA images the object store serves now (nil without `ota:`). Reading them computes their digests once,
    /// into the same catalog the store uses, so the first device does not wait for them.
    public var otaImages: (folder: String, images: [FirmwareImage])? {
        ota.map { ($0.catalog.folder, $0.catalog.images()) }
    }

    /// Puts `policy` in force on the running broker (SIGHUP): what every session may publish and receive is compiled
    /// again, and queued messages it may no longer read are dropped.
    public func replacePolicy(_ policy: BrokerPolicy?) {
        hub?.replacePolicy(policy)
    }

    /// Stops accepting, lets open connections finish for up to `grace` seconds, then closes them. MQTT 5 clients
    /// are told the server is shutting down (0x8B).
    public func shutdown(grace: Int64 = 3) async {
        ticker.withLock { $0?.cancel() }
        renewals.withLock { $0?.cancel() }
        hub?.shutdown()
        // The pages' event streams end, so the console's connections close with the rest.
        console?.stop()
        if let server = control.withLock({ $0 }) { await server.stop() }
        for endpoint in tcp { await endpoint.shutdown(grace: .seconds(grace)) }
        for endpoint in https { await endpoint.shutdown() }
        for server in sntp { await server.shutdown() }
        // The last connections' events are written (on the log's own queue) before the process exits.
        events.flush()
    }
}
