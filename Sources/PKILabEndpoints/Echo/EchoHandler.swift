import NIOCore

/// Sends back every byte it receives, pausing reads while the peer is slow to take them.
///
/// On a zoo bad server it also tells the connection's story once it knows whether the device, having accepted
/// the server, went on to send data.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Set for a zoo listener: the connection whose story is told at the first bytes or the close.
    private let zoo: ConnectionState?
    private var told = false

    init(zoo: ConnectionState? = nil) {
        self.zoo = zoo
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let zoo, !told {
            told = true
            let count = unwrapInboundIn(data).readableBytes
            zoo.handle { $0.zooEchoFinished(sentBytes: count) }
        }
        context.write(data, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let zoo, !told {
            told = true
            zoo.handle { $0.zooEchoFinished(sentBytes: 0) }
        }
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
        } else if case ChannelEvent.inputClosed = event {
            context.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
