import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The control socket of a running `pkilab up` (`ca/control.sock`, 0600, so only the store's owner reaches it): one
/// JSON request line in, one JSON reply line out, then the connection closes.
final class ControlServer: Sendable {
    let path: String
    private let channel: any Channel

    private init(path: String, channel: any Channel) {
        self.path = path
        self.channel = channel
    }

    /// Listens at `path` (a stale socket file from a killed run is replaced). The socket is bound under a temporary
    /// name, made 0600, then renamed into place, so there is no moment at which others could connect.
    static func start(path: String, handle: @escaping @Sendable (ControlMessage.Request) -> ControlMessage.Reply) async throws -> ControlServer {
        let temporary = "\(path).\(getpid()).tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ControlRequestHandler(handle: handle)) }
            }
            .bind(unixDomainSocketPath: temporary, cleanupExistingSocketFile: true).get()
        guard chmod(temporary, 0o600) == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? await channel.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw ControlError("cannot make the control socket \(path): \(reason)")
        }
        return ControlServer(path: path, channel: channel)
    }

    func stop() async {
        try? await channel.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Reads one request line (at most 1 MiB), answers it, closes.
final class ControlRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let handle: @Sendable (ControlMessage.Request) -> ControlMessage.Reply
    private var received = ByteBuffer()
    private var answered = false

    init(handle: @escaping @Sendable (ControlMessage.Request) -> ControlMessage.Reply) {
        self.handle = handle
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        if received.readableBytes > 1 << 20 {
            answer(ControlMessage.Reply(ok: false, summary: "the request is larger than 1 MiB"), context: context)
            return
        }
        guard let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return }
        let line = received.readableBytesView[received.readerIndex..<newline]
        let reply: ControlMessage.Reply
        if let request = try? JSONDecoder().decode(ControlMessage.Request.self, from: Data(line)) {
            reply = handle(request)
        } else {
            reply = ControlMessage.Reply(ok: false, summary: "the request is not a control request (one JSON object on one line)")
        }
        answer(reply, context: context)
    }

    private func answer(_ reply: ControlMessage.Reply, context: ChannelHandlerContext) {
        answered = true
        let data = (try? JSONEncoder().encode(reply)) ?? Data("{\"ok\":false,\"summary\":\"the reply could not be encoded\",\"published\":[]}".utf8)
        var buffer = context.channel.allocator.buffer(capacity: data.count + 1)
        buffer.writeBytes(data)
        buffer.writeInteger(UInt8(ascii: "\n"))
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A control socket problem, in words.
public struct ControlError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
