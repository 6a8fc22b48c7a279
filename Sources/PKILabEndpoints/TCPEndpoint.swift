import NIOCore
import NIOPosix
import PKILab
import Synchronization

/// A TCP listener whose connections get the handlers `configure` adds: the TLS echo, and the MQTT broker's TLS
/// and plain listeners.
final class TCPEndpoint: Sendable {
    let spec: EndpointSpec
    /// `tls`, `mqtts` or `mqtt`, for the URL.
    let scheme: String
    private let configure: @Sendable (any Channel) throws -> Void
    private let server = Mutex<(any Channel)?>(nil)
    private let children = ChannelSet()

    private let limiter: ConnectionLimiter

    init(spec: EndpointSpec, scheme: String, limiter: ConnectionLimiter, configure: @escaping @Sendable (any Channel) throws -> Void) {
        self.spec = spec
        self.scheme = scheme
        self.limiter = limiter
        self.configure = configure
    }

    /// Binds `port` (the spec's when nil; 0 picks a free one) and starts accepting; returns the bound port.
    func start(group: any EventLoopGroup, port: Int? = nil) async throws -> Int {
        let configure = self.configure
        let children = self.children
        let limiter = self.limiter
        let name = spec.name
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            // Out of file descriptors (EMFILE), accept fails at once for every queued connection: wait a second
            // before the next try instead of spinning (NIO adds this by itself only to its async bind).
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(shouldForwardIOErrorCaught: false))
                }
            }
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Writability turns off past 4 MiB queued (not NIO's 64 KiB): the echo pauses reading, the broker drops QoS 0.
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 2 * 1024 * 1024, high: 4 * 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard limiter.admit(channel, endpoint: name) else { return }
                    try configure(channel)
                    children.insert(channel)
                }
            }
        let channel = try await bootstrap.bind(host: spec.bind, port: port ?? spec.port).get()
        server.withLock { $0 = channel }
        return channel.localAddress?.port ?? spec.port
    }

    /// Stops accepting, asks open connections to finish, and closes what is left after `grace`.
    func shutdown(grace: TimeAmount) async {
        let channel = server.withLock { $0 }
        try? await channel?.close()
        for child in children.all { child.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        let deadline = NIODeadline.now() + grace
        while !children.all.isEmpty && NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        for child in children.all { try? await child.close() }
    }
}

/// The open connections of a listener, so shutdown can reach them.
final class ChannelSet: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }

    var all: [any Channel] { channels.withLock { Array($0.values) } }
}
