import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PKILab
import ServiceLifecycle
import Synchronization

/// A Hummingbird 2 endpoint: HTTPS over pkilab's TLS pipeline, the plain-HTTP CRL endpoint, or AWS IoT's port 443
/// twin (MQTT and HTTPS by ALPN).
///
/// Hummingbird binds with SwiftNIO's async `ServerBootstrap.bind`, which puts an `AcceptBackoffHandler` on the
/// listening socket: when accept fails (EMFILE), it waits a second instead of spinning.
final class HTTPEndpoint: Sendable {
    let spec: EndpointSpec
    /// `https` or `http`, for the URL.
    let scheme: String
    private let responder: RouterResponder<LabRequestContext>
    private let makeServer: @Sendable () -> HTTPServerBuilder
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)

    /// The HTTPS endpoint.
    init(context: EndpointContext, limiter: ConnectionLimiter, router: Router<LabRequestContext>) {
        spec = context.spec
        scheme = "https"
        responder = router.buildResponder()
        makeServer = { HTTPServerBuilder { responder in LabHTTPSChannel(endpoint: context, limiter: limiter, responder: responder) } }
    }

    /// AWS IoT's port 443 twin: the broker of `listener` and the HTTPS routes of `router` on one port, by ALPN.
    init(awsPort context: EndpointContext, limiter: ConnectionLimiter, router: Router<LabRequestContext>, listener: MQTTListener) {
        spec = context.spec
        scheme = "mqtts"
        responder = router.buildResponder()
        makeServer = {
            HTTPServerBuilder { responder in AWSPortChannel(endpoint: context, limiter: limiter, listener: listener, responder: responder) }
        }
    }

    /// A plain HTTP/1.1 endpoint.
    init(plain spec: EndpointSpec, limiter: ConnectionLimiter, router: Router<LabRequestContext>) {
        self.spec = spec
        scheme = "http"
        responder = router.buildResponder()
        makeServer = {
            HTTPServerBuilder { responder in
                LabHTTPChannel(name: spec.name, idleTimeout: spec.limits.idleTimeout, limiter: limiter, responder: responder)
            }
        }
    }

    /// Binds `port` (the spec's when nil; 0 picks a free one) and starts serving; returns the bound port.
    func start(port wanted: Int? = nil) async throws -> Int {
        let port = Mutex<Int?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        var logger = Logger(label: "pkilab.\(scheme)")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            server: makeServer(),
            configuration: .init(address: .hostname(spec.bind, port: wanted ?? spec.port), serverName: nil),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(3)
        let group = ServiceGroup(configuration: configuration)
        let task = Task {
            do { try await group.run() } catch {
                failure.withLock { $0 = error }
                throw error
            }
        }
        running.withLock { $0 = (group, task) }
        for _ in 0..<1_000 {
            if let bound = port.withLock({ $0 }) { return bound }
            if let error = failure.withLock({ $0 }) { throw error }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ServerTLS.Failure(description: "the \(spec.name) endpoint did not start listening within 10 seconds")
    }

    func shutdown() async {
        guard let (group, task) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
