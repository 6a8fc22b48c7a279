import NIOCore
import PKILab

/// Watches what the TLS handler sends: the ServerHello, for the negotiated cipher suite and version; and the
/// close after a refused handshake, which it turns into a gentle one.
///
/// A client that is still writing when the server closes gets a TCP reset, and a reset throws away the alert
/// that says why (Java reports "Broken pipe", Python "EOF"). So after a refusal this sends the alert, closes
/// only the output, and keeps reading (and discarding) for up to a second before closing.
final class ServerHelloObserver: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let state: ConnectionState
    private var done = false

    init(state: ConnectionState) {
        self.state = state
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !done {
            let buffer = unwrapOutboundIn(data)
            if let (cipher, version) = ServerHello.parse(Array(buffer.readableBytesView.prefix(4096))) {
                done = true
                state.handle { $0.serverHelloSent(cipher: cipher, version: version); return [] }
            }
        }
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, state.handle(deferring: [.closeOutputAndDrain], { $0.closeRequested().map { [$0] } ?? [] }) == [.closeOutputAndDrain] else {
            context.close(mode: mode, promise: promise)
            return
        }
        context.flush()
        context.close(mode: .output, promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .seconds(1)) {
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in promise?.succeed() }
    }
}
