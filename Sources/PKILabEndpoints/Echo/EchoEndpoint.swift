import NIOCore
import NIOPosix
import PKILab
import Synchronization

/// The raw TLS echo endpoint: mutual TLS, then every byte back.
final class EchoEndpoint: Sendable {
    let context: EndpointContext
    private let server = Mutex<(any Channel)?>(nil)
    private let children = ChannelSet()

    init(context: EndpointContext) {
        self.context = context
    }

    /// Binds and starts accepting; returns the bound port.
    func start(group: any EventLoopGroup) async throws -> Int {
        let context = self.context
        let children = self.children
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    _ = try LabTLSPipeline.configure(channel, endpoint: context)
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                    children.insert(channel)
                }
            }
        let channel = try await bootstrap.bind(host: context.spec.bind, port: context.spec.port).get()
        server.withLock { $0 = channel }
        return channel.localAddress?.port ?? context.spec.port
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
