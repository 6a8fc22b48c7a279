import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PKILab
import ServiceLifecycle
import Synchronization

/// The HTTPS endpoint: Hummingbird 2 over pkilab's TLS pipeline.
final class HTTPSEndpoint: Sendable {
    let context: EndpointContext
    private let responder: RouterResponder<LabRequestContext>
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)

    init(context: EndpointContext, router: Router<LabRequestContext>) {
        self.context = context
        responder = router.buildResponder()
    }

    func start() async throws -> Int {
        let port = Mutex<Int?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        var logger = Logger(label: "pkilab.https")
        logger.logLevel = .critical
        let context = self.context
        let app = Application(
            responder: responder,
            server: HTTPServerBuilder { responder in LabHTTPSChannel(endpoint: context, responder: responder) },
            configuration: .init(address: .hostname(context.spec.bind, port: context.spec.port), serverName: nil),
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
        throw ServerTLS.Failure(description: "the https endpoint did not start listening within 10 seconds")
    }

    func shutdown() async {
        guard let (group, task) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
